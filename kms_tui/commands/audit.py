"""``kms-tui audit``: the most recent entries of the local audit trail.

Each entry's ``details`` (what the user typed that the server does not keep: a revoke's reason
code, message and compromise date) is in the JSON and in the DETAILS column. A trail that
cannot be opened (a symbolic link at its path) is an error naming the path (exit 3).
``--profile NAME`` (or ``--conf FILE``: its file name) shows only that profile's entries. When the
trail cannot be written (disk full, unusable state directory) what can be read is shown with a
warning; when it cannot be read either, the reason is given (exit 3), never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

from kms_tui import exitcodes
from kms_tui.audit import AuditTrail, default_path
from kms_tui.audit.trail import refuse_links
from kms_tui.commands.output import dumps, safe_lines, say, table
from kms_tui.safetext import visible


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("audit", help="show the local audit trail of key operations",
                              description="Show the most recent operations this machine sent to a KMS.")
    p.add_argument("--limit", type=int, default=50, metavar="N", help="how many entries (default 50)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.limit < 1:
        print("error: --limit must be at least 1", file=sys.stderr)
        return exitcodes.USAGE
    reason = AuditTrail.check()
    if reason is not None:
        say(f"warning: the audit trail is not being written ({reason})")
    profile = args.profile or (Path(args.conf).stem if args.conf else None)
    limit = args.limit if profile is None else 1_000_000
    try:
        trail_path = default_path()
        entries = AuditTrail().entries(limit) if reason is None else _read_only(trail_path, limit)
    except Exception as exc:  # noqa: BLE001 - a reason, never a traceback
        message = getattr(exc, "message", None) or str(exc)
        fix = getattr(exc, "fix", "")
        say(f"error: the audit trail cannot be read: {message}" + (f"\n  → {fix}" if fix else ""))
        if args.json:
            print(dumps({"error": {"type": "AuditUnavailable", "reason": "audit_unavailable", "message": message,
                                   "fix": fix, "path": str(default_path())}}))
        return exitcodes.USAGE
    if profile is not None:
        entries = [e for e in entries if e["profile"] == profile][: args.limit]
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
        (e["time"][:19].replace("T", " "), visible(e["profile"]), visible(e["operation"]),
         visible(" ".join(e["object_ids"]))[:60], e["outcome"], e["duration_ms"], visible(e["error_reason"])[:80],
         visible(details_text(e.get("details")))[:120])
        for e in entries
    ]
    print(safe_lines(table(rows, ("TIME (UTC)", "PROFILE", "OPERATION", "OBJECTS", "OUTCOME", "MS", "REASON", "DETAILS"))))
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
        rows = [dict(r) for r in conn.execute("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,))]
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
        try:
            details = json.loads(details) if details else {}
        except ValueError:
            return details
    return "; ".join(f"{k}={v}" for k, v in (details or {}).items())
