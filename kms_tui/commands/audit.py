"""``kms-tui audit``: the most recent entries of the local audit trail.

Each entry's ``details`` (what the user typed that the server does not keep: a revoke's reason
code, message and compromise date) is in the JSON and in the DETAILS column. A trail that
cannot be opened (a symbolic link at its path) is an error naming the path (exit 3).
``--profile NAME`` (or ``--conf FILE``: its file name) shows only that profile's entries. When the
trail cannot be written (disk full, unusable state directory) what can be read is shown with a
warning; when it cannot be read either, the reason is given (exit 3), never a traceback.

``kms-tui audit verify [--head HASH]`` walks the hash chain (:mod:`kms_tui.audit.chain`) and
names the first row that was changed, removed or reordered, or a cut-off tail. Exit codes:
0 intact, 1 broken (:data:`VERIFY_BROKEN`), 3 unreadable. ``kms-tui audit export --format
jsonl|csv [--since ISO]`` prints every row, oldest first, with all its fields (``id``,
``prev_hash`` and ``hash`` included) for a SIEM: JSON Lines (controls escaped) or CSV per
RFC 4180 (CRLF line ends, fields with a comma, quote or line break quoted, quotes doubled;
``object_ids`` and ``details`` as JSON text). On a terminal, CSV lines are shown with controls
escaped; to a pipe or file they are exact.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kms_tui import exitcodes
from kms_tui.audit import AuditTrail, chain, default_path
from kms_tui.audit.trail import _connect, refuse_links
from kms_tui.audit.view import OUTCOMES, AuditFilter, operation_label
from kms_tui.commands.output import dumps, safe_lines, say, table
from kms_tui.safetext import visible
from kms_tui.words import count


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "audit",
        help="show the local audit trail of key operations",
        description="Show the most recent operations this machine sent to a KMS "
        "(with no ACTION), check the trail's hash chain (verify) or export it (export).",
    )
    p.add_argument("--limit", type=int, default=50, metavar="N", help="how many entries (default 50)")
    p.add_argument(
        "--operation",
        metavar="NAME",
        help="only this operation (a batch counts under its "
        "operation: GetAttributes matches RequestMessage[GetAttributes×10]), e.g. Revoke",
    )
    p.add_argument("--object", metavar="TEXT", default="", help="only rows naming an object id containing TEXT")
    p.add_argument("--outcome", choices=OUTCOMES, help="only this outcome")
    p.add_argument(
        "--since", metavar="ISO", type=_since, help="only rows at or after this time (ISO 8601; no offset means UTC)"
    )
    p.add_argument("--until", metavar="ISO", type=_since, help="only rows before this time (ISO 8601)")
    p.set_defaults(func=run)
    sub = p.add_subparsers(dest="audit_command", metavar="ACTION")
    v = sub.add_parser(
        "verify",
        help="check the hash chain: exit 0 intact, 1 broken, 3 unreadable",
        description="Check that no row of the audit trail was changed, removed or reordered, "
        "and that its tail was not cut off. Exit 0 intact, 1 broken, 3 unreadable.",
    )
    v.add_argument(
        "--head",
        metavar="HASH",
        help="also check that the trail still holds the row with this hash (a head hash printed by an earlier verify)",
    )
    v.set_defaults(func=run_verify)
    e = sub.add_parser(
        "export",
        help="print every row for a SIEM (JSON Lines or CSV)",
        description="Print every row of the audit trail, oldest first, all fields included.",
    )
    e.add_argument("--format", choices=("jsonl", "csv"), default="jsonl", help="jsonl (default) or csv (RFC 4180)")
    e.add_argument(
        "--since",
        metavar="ISO",
        type=_since,
        help="only rows at or after this time (ISO 8601; no offset means UTC), e.g. 2026-12-01 or 2026-12-01T08:00:00Z",
    )
    e.set_defaults(func=run_export)


VERIFY_BROKEN = exitcodes.REFUSED  # 1: the chain is broken


def _since(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time (e.g. 2026-12-01T08:00:00Z)") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def run(args: argparse.Namespace) -> int:
    if args.limit < 1:
        print("error: --limit must be at least 1", file=sys.stderr)
        return exitcodes.USAGE
    reason = AuditTrail.check()
    if reason is not None:
        say(f"warning: the audit trail is not being written ({reason})")
    profile = args.profile or (Path(args.conf).stem if args.conf else None)
    wanted = AuditFilter(
        operation=getattr(args, "operation", None),
        object=getattr(args, "object", "") or "",
        outcome=getattr(args, "outcome", None),
        profile=profile,
        since=getattr(args, "since", None),
        until=getattr(args, "until", None),
    )
    limit = args.limit if wanted.is_empty else 1_000_000
    try:
        trail_path = default_path()
        entries = AuditTrail().entries(limit) if reason is None else _read_only(trail_path, limit)
    except Exception as exc:  # noqa: BLE001 - a reason, never a traceback
        message = getattr(exc, "message", None) or str(exc)
        fix = getattr(exc, "fix", "")
        say(f"error: the audit trail cannot be read: {message}" + (f"\n  → {fix}" if fix else ""))
        if args.json:
            print(
                dumps(
                    {
                        "error": {
                            "type": "AuditUnavailable",
                            "reason": "audit_unavailable",
                            "message": message,
                            "fix": fix,
                            "path": str(default_path()),
                        }
                    }
                )
            )
        return exitcodes.USAGE
    if not wanted.is_empty:
        entries = [e for e in entries if wanted.matches(e)][: args.limit]
    try:
        _print(args, trail_path, entries)
    except BrokenPipeError:  # `kms-tui audit | head`: the reader left, which is fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return exitcodes.OK


def _print(args: argparse.Namespace, trail_path: Path, entries: list[dict[str, Any]]) -> None:
    if args.json:
        print(dumps({"path": str(trail_path), "entries": entries}))
        return
    rows = [
        (
            e["outcome"],
            e["time"][:19].replace("T", " "),
            visible(e["profile"]),
            visible(operation_label(e["operation"])),
            visible(e.get("user") or "-"),
            visible(" ".join(e["object_ids"]))[:60],
            e["duration_ms"],
            visible(e["error_reason"])[:80],
            visible(details_text(e.get("details")))[:120],
        )
        for e in entries
    ]
    print(
        safe_lines(
            table(rows, ("OUTCOME", "TIME (UTC)", "PROFILE", "OPERATION", "USER", "OBJECTS", "MS", "REASON", "DETAILS"))
        )
    )
    sys.stdout.flush()


def _read_only(path: Path, limit: int) -> list[dict[str, Any]]:
    """The newest entries, read without writing anything (a full disk cannot create the WAL index
    a normal open needs). Rows still in an unmerged WAL are not seen: the trail checkpoints on close."""
    refuse_links(path)  # the database or a file beside it: never read through a link either
    if not path.is_file():
        raise FileNotFoundError(2, "no audit trail yet", str(path))
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
    try:
        conn.row_factory = sqlite3.Row
        columns = [c for c in chain.DATA_COLUMNS if c in {r[1] for r in conn.execute("PRAGMA table_info(audit)")}]
        rows = [
            dict(r) for r in conn.execute(f"SELECT {','.join(columns)} FROM audit ORDER BY id DESC LIMIT ?", (limit,))
        ]
    finally:
        conn.close()
    for row in rows:
        row.pop("id", None)
        row["object_ids"] = json.loads(row["object_ids"])
        if isinstance(row.get("details"), str):
            row["details"] = json.loads(row["details"] or "{}")
    return rows


def details_text(details: dict[str, str] | str | None) -> str:
    """``reason=KeyCompromise; message=…; compromise_date=…`` (already masked when stored)."""
    if isinstance(details, str):  # a row read raw (the read-only path): the stored JSON text
        text = details
        try:
            details = json.loads(text) if text else {}
        except ValueError:
            return text
    return "; ".join(f"{k}={v}" for k, v in (details or {}).items())


def _open_for_reading(path: Path) -> tuple[sqlite3.Connection, bool]:
    """A connection to the trail and whether it is read-only: the normal open when the trail can
    be written (it chains older rows), else an immutable read (a full disk)."""
    if AuditTrail.check(path) is None:
        return _connect(path), False
    refuse_links(path)
    if not path.is_file():
        raise FileNotFoundError(2, "no audit trail yet", str(path))
    return sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True), True


def _unreadable(args: argparse.Namespace, exc: Exception) -> int:
    message = getattr(exc, "message", None) or str(exc)
    say(f"error: the audit trail cannot be read: {message}")
    if args.json:
        print(
            dumps(
                {
                    "error": {
                        "type": "AuditUnavailable",
                        "reason": "audit_unavailable",
                        "message": message,
                        "path": str(default_path()),
                    }
                }
            )
        )
    return exitcodes.USAGE


def run_verify(args: argparse.Namespace) -> int:
    path = default_path()
    try:
        conn, read_only = _open_for_reading(path)
        try:
            verdict = chain.verify(conn, expect_head=(args.head or "").strip().lower() or None)
        finally:
            conn.close()
    except Exception as exc:  # noqa: BLE001 - unreadable: a reason, never a traceback
        return _unreadable(args, exc)
    if read_only:
        say("warning: the audit trail cannot be written; verified what is on disk (rows still in its WAL are not seen)")
    if args.json:
        print(dumps({"path": str(path), **verdict.as_dict()}))
    elif verdict.intact:
        print(f"audit trail intact: {count(verdict.rows, 'row')}, last id {verdict.last_id}, head {verdict.head_hash}")
    else:
        where = ""
        if verdict.first_bad_id is not None:
            bad = verdict.first_bad
            where = f"row {verdict.first_bad_id} ({bad.get('time', '')} {bad.get('operation', '')}) "
        print(safe_lines(f"audit trail BROKEN: {where}{verdict.problem}"))
        print(f"  {count(verdict.rows, 'row')} verified before it; last good head {verdict.head_hash}")
    return exitcodes.OK if verdict.intact else VERIFY_BROKEN


EXPORT_FIELDS = chain.ALL_COLUMNS


def export_rows(conn: sqlite3.Connection, since: datetime | None) -> list[dict[str, Any]]:
    """Every row as exported: ``object_ids`` a list and ``details`` an object (from their JSON)."""
    if not chain.has_chain(conn):
        source = conn.execute(f"SELECT id, {','.join(chain.DATA_COLUMNS)} FROM audit ORDER BY id")
        rows = [{**dict(zip(("id", *chain.DATA_COLUMNS), r, strict=True)), "prev_hash": "", "hash": ""} for r in source]
    else:
        rows = list(chain.rows(conn))
    out = []
    for row in rows:
        if since is not None and not _at_or_after(row["time"], since):
            continue
        row["object_ids"] = chain.column_value("object_ids", row["object_ids"])
        row["details"] = chain.column_value("details", row["details"])
        out.append(row)
    return out


def _at_or_after(text: str, since: datetime) -> bool:
    try:
        when = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return True  # a time we cannot read is exported rather than hidden
    return (when if when.tzinfo else when.replace(tzinfo=UTC)) >= since


def csv_text(rows: list[dict[str, Any]]) -> str:
    """RFC 4180: CRLF line ends, a header line, fields quoted when they hold a comma, a quote or a
    line break, quotes doubled; lists and objects as compact JSON text."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(EXPORT_FIELDS)
    for row in rows:
        writer.writerow(
            [
                json.dumps(row[f], ensure_ascii=False, separators=(",", ":"))
                if isinstance(row[f], (list, dict))
                else row[f]
                for f in EXPORT_FIELDS
            ]
        )
    return buffer.getvalue()


def run_export(args: argparse.Namespace) -> int:
    if args.json:
        say("error: --json does not apply to `audit export`; use --format jsonl")
        return exitcodes.USAGE
    try:
        conn, read_only = _open_for_reading(default_path())
        try:
            rows = export_rows(conn, args.since)
        finally:
            conn.close()
    except Exception as exc:  # noqa: BLE001 - unreadable: a reason, never a traceback
        return _unreadable(args, exc)
    if read_only:
        say("warning: the audit trail cannot be written; exported what is on disk (rows still in its WAL are not seen)")
    if args.format == "jsonl":
        text = "".join(dumps({f: row[f] for f in EXPORT_FIELDS}, indent=None) + "\n" for row in rows)
    else:
        text = csv_text(rows)
        if sys.stdout.isatty():
            text = "\n".join(visible(line) for line in text.split("\r\n"))
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return exitcodes.OK
