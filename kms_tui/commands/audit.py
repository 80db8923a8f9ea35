"""``kms-tui audit``: the most recent entries of the local audit trail."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from kms_tui import exitcodes
from kms_tui.audit import AuditTrail
from kms_tui.commands.headless import table


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
    entries = trail.entries(args.limit)
    if args.json:
        print(json.dumps({"path": str(trail.path), "entries": entries}, indent=2))
        return exitcodes.OK
    rows = [
        (e["time"][:19].replace("T", " "), e["profile"], e["operation"], " ".join(e["object_ids"])[:60],
         e["outcome"], e["duration_ms"], e["error_reason"][:80])
        for e in entries
    ]
    print(table(rows, ("TIME (UTC)", "PROFILE", "OPERATION", "OBJECTS", "OUTCOME", "MS", "REASON")))
    return exitcodes.OK
