"""``kms-tui doctor [--profile P] [--json]``: walk the path to the KMS and stop at the first
broken link with its fix (:mod:`kms_tui.doctor`).

Exit codes: 0 every link works (warnings are printed, they do not fail), 3 the profile or a
local file (client certificate, PKCS#12) is wrong, 4 the network path is broken (DNS, TCP,
proxy, TLS, an answer that is not a KMS's), 2 the server refuses the credentials (client
certificate, token: expired, foreign issuer or audience). A missing right is a warning (0).
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from kms_tui import exitcodes
from kms_tui.commands.output import dumps, safe_lines

MARKS = {"ok": "✓", "warn": "!", "fail": "✗", "skip": "·"}


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "doctor",
        help="check the whole path to the KMS (DNS, TCP, proxy, TLS, certificates, token, rights)",
        description="Walk the path to the profile's KMS link by link and stop at the first broken one, with "
        "what to do. Exit 0 all good (warnings allowed), 2 credentials refused, 3 local configuration, "
        "4 network path (DNS, TCP, proxy, TLS).",
    )
    p.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS", help="per step (default 10)")
    p.set_defaults(func=run)


def _config_failure(exc: Exception) -> Any:
    from kms_tui.doctor import LINKS, Check, Report

    message = getattr(exc, "message", None) or str(exc)
    details = [str(p) for p in getattr(exc, "problems", None) or []]
    report = Report()
    report.checks.append(
        Check("config", "fail", message, details, getattr(exc, "fix", "") or "", exitcodes.USAGE, "config")
    )
    report.checks += [Check(n, "skip", "not checked: an earlier link is broken") for n in LINKS[1:]]
    return report


def text(report: Any) -> str:
    lines = [f"doctor: profile {report.profile or '-'} → {report.server_url or '-'}"]
    for check in report.checks:
        lines.append(f"{MARKS.get(check.status, '?')} {check.name:<18} {check.summary}")
        if check.status in ("fail", "warn"):
            lines += [f"    {d}" for d in check.details]
        if check.fix and check.status in ("fail", "warn"):
            lines.append(f"    → {check.fix}")
    broken = report.broken
    lines.append(f"broken at: {broken.name} (exit {report.exit_code})" if broken else "every link works")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from kms_tui.config import ConfigError, resolve_connection
    from kms_tui.doctor import diagnose_profile

    try:
        resolved = resolve_connection(args.profile, args.conf)
    except ConfigError as exc:
        report = _config_failure(exc)
    else:
        try:
            from kms_tui.commands.headless import print_exchange

            observer = print_exchange if args.print_kmip else None
            report = asyncio.run(diagnose_profile(resolved, timeout=args.timeout, observer=observer))
        except KeyboardInterrupt:
            print("interrupted")
            return 130
    print(dumps(report.as_dict()) if args.json else safe_lines(text(report)))
    code: int = report.exit_code
    return code
