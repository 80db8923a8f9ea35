"""``kms-tui audit``: the most recent entries of the local audit trail.

``--profile NAME`` (or ``--conf FILE``: its file name) shows only that profile's entries. When the
trail cannot be written (disk full, unusable state directory) what can be read is shown with a
warning; when it cannot be read either, the reason is given (exit 3), never a traceback.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path
from typing import Any

from kms_tui import exitcodes
from kms_tui.audit import AuditTrail
from kms_tui.commands.output import dumps, say, table


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
    try:
        trail = AuditTrail()
        entries = trail.entries(args.limit if profile is None else 1_000_000)
    except (OSError, sqlite3.Error) as exc:
        say(f"error: the audit trail cannot be read: {exc}")
        return exitcodes.USAGE
    if profile is not None:
        entries = [e for e in entries if e["profile"] == profile][: args.limit]
    if args.json:
        print(dumps({"path": str(trail.path), "entries": entries}))
        return exitcodes.OK
    rows = [
        (e["time"][:19].replace("T", " "), e["profile"], e["operation"], " ".join(e["object_ids"])[:60],
         e["outcome"], e["duration_ms"], e["error_reason"][:80])
        for e in entries
    ]
    print(table(rows, ("TIME (UTC)", "PROFILE", "OPERATION", "OBJECTS", "OUTCOME", "MS", "REASON")))
    return exitcodes.OK
