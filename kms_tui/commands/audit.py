"""``kms-tui audit``: the most recent entries of the local audit trail.

Each entry's ``details`` (what the user typed that the server does not keep: a revoke's reason
code, message and compromise date) is in the JSON and in the DETAILS column. A trail that
cannot be opened (a symbolic link at its path) is an error naming the path (exit 3).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from kms_tui import exitcodes
from kms_tui.audit import AuditTrail
from kms_tui.commands.headless import table
from kms_tui.safetext import visible


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("audit", help="show the local audit trail of key operations",
                              description="Show the most recent operations this machine sent to a KMS.")
    p.add_argument("--limit", type=int, default=50, metavar="N", help="how many entries (default 50)")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.limit < 1:
        print("error: --limit must be at least 1", file=sys.stderr)
        return exitcodes.USAGE
    trail = AuditTrail()
    try:
        if trail.problem is not None:
            raise OSError(trail.problem)
        entries = trail.entries(args.limit)
    except Exception as exc:  # noqa: BLE001 - a link at its path, a file that is not a trail
        message = getattr(exc, "message", None) or str(exc)
        print(f"error: the audit trail cannot be read: {visible(message)}", file=sys.stderr)
        if getattr(exc, "fix", ""):
            print(f"  → {exc.fix}", file=sys.stderr)  # type: ignore[attr-defined]
        if args.json:
            print(json.dumps({"error": {"type": "AuditUnavailable", "reason": "audit_unavailable", "message": message,
                                        "fix": getattr(exc, "fix", ""), "path": str(trail.path)}}))
        return exitcodes.USAGE
    if args.json:
        print(json.dumps({"path": str(trail.path), "entries": entries}, indent=2, ensure_ascii=False))
        return exitcodes.OK
    rows = [
        (e["time"][:19].replace("T", " "), visible(e["profile"]), visible(e["operation"]),
         visible(" ".join(e["object_ids"]))[:60], e["outcome"], e["duration_ms"], visible(e["error_reason"])[:80],
         visible(details_text(e.get("details")))[:120])
        for e in entries
    ]
    print(table(rows, ("TIME (UTC)", "PROFILE", "OPERATION", "OBJECTS", "OUTCOME", "MS", "REASON", "DETAILS")))
    return exitcodes.OK


def details_text(details: dict[str, str] | None) -> str:
    """``reason=KeyCompromise; message=…; compromise_date=…`` (already masked when stored)."""
    return "; ".join(f"{k}={v}" for k, v in (details or {}).items())
