"""``kms-tui due``: the expiry and rotation radar, worst first (:mod:`kms_tui.client.radar`).

``kms-tui due --within 30d [--pre-active-days 30] [--no-grants] [--all-profiles] [--json]``
lists certificates expiring or expired, keys whose DeactivationDate is near or past, still-usable
partners and certificates of compromised keys, old PreActive keys and objects granted to every
user (``*``), each with what to do.

Exit codes: 0 nothing due, 5 (:data:`kms_tui.exitcodes.DUE`) something is. With
``--all-profiles`` every profile is visited concurrently and reported on its own; one that
cannot be checked is listed with the reason and does not stop the others. Then: 5 if anything
is due on any profile; else, if a profile could not be checked, that failure's code (4
unreachable if any was, else the first one's: 2 not authenticated, 3 configuration, 1 refused),
since "nothing due" cannot be said of it; else 0.
"""

from __future__ import annotations

import argparse
import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from kms_tui import exitcodes
from kms_tui.commands.headless import Result, close_audit, emit, open_client, report_error, run_with_client, table
from kms_tui.commands.output import say
from kms_tui.words import count

_SPAN = re.compile(r"^\s*(\d+)\s*([dhw]?)\s*$", re.IGNORECASE)
_UNIT = {"": 86400, "d": 86400, "h": 3600, "w": 7 * 86400}


def _window(text: str) -> timedelta:
    m = _SPAN.match(text)
    if not m:
        raise argparse.ArgumentTypeError(f"{text!r} is not a span: write it as 30d, 12h or 2w")
    return timedelta(seconds=int(m.group(1)) * _UNIT[m.group(2).lower()])


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days")
    return value


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "due",
        help="what needs attention soon: expiring certificates, keys to rotate, compromised partners",
        description="The expiry and rotation radar, worst first. Exit 0 when nothing is due, 5 when something is "
        "(with --all-profiles: 5 if anything is due anywhere, else a profile's failure code, 4 if it was unreachable).",
    )
    p.add_argument(
        "--within",
        type=_window,
        default=timedelta(days=30),
        metavar="SPAN",
        help="the window ahead: 30d (default), 12h, 2w",
    )
    p.add_argument(
        "--pre-active-days",
        type=_days,
        default=30,
        metavar="N",
        help="report PreActive keys made more than N days ago (default 30)",
    )
    p.add_argument(
        "--no-grants",
        action="store_true",
        help="skip the check for grants to every user (*) (one request per owned object)",
    )
    p.add_argument("--all-profiles", action="store_true", help="visit every profile concurrently, report each")
    p.set_defaults(func=run)


def _span_text(span: timedelta) -> str:
    days = span.total_seconds() / 86400
    return f"{days:g} day{'s' if days != 1 else ''}"


def _section(radar: Any, within: timedelta) -> str:
    from kms_tui.safetext import visible

    lines = []
    if radar.findings:
        rows = [(f.level, f.kind, f.uid, f.name, f.message, f"→ {f.action}") for f in radar.findings]
        lines.append(table(rows, ("LEVEL", "WHAT", "OBJECT", "NAME", "DETAIL", "TO DO")))
    else:
        lines.append(f"nothing due within {_span_text(within)} ({count(radar.checked, 'object')} checked)")
    lines += [f"note: {visible(p)}" for p in radar.problems]
    return "\n".join(lines)


def _doc(radar: Any, within: timedelta) -> dict[str, Any]:
    return {
        "within_days": within.total_seconds() / 86400,
        "due": bool(radar.findings),
        "checked": radar.checked,
        "findings": [f.as_dict() for f in radar.findings],
        "problems": radar.problems,
    }


async def _scan(client: Any, args: argparse.Namespace) -> Any:
    from kms_tui.client.radar import scan

    return await scan(
        client,
        within=args.within,
        pre_active_days=args.pre_active_days,
        grants=not args.no_grants,
        now=datetime.now(UTC),
    )


def run(args: argparse.Namespace) -> int:
    if args.all_profiles:
        if args.profile or args.conf:
            return report_error(args, _usage("--all-profiles visits every profile; --profile/--conf name one"))
        return _run_all(args)

    async def body(client: Any) -> Result:
        radar = await _scan(client, args)
        return Result(
            _doc(radar, args.within), _section(radar, args.within), exitcodes.DUE if radar.findings else exitcodes.OK
        )

    return run_with_client(args, body)


def _usage(message: str) -> Exception:
    from kms_tui.commands.headless import UsageError

    return UsageError(message, "drop one of them", reason="usage")


def _run_all(args: argparse.Namespace) -> int:
    from kms_tui.config.store import ProfileStore

    try:
        names = [p.name for p in ProfileStore().list()]
    except Exception as exc:  # noqa: BLE001 - a reason, never a traceback
        return report_error(args, exc)
    if not names:
        return report_error(args, _usage("there is no profile to visit"))

    async def one(name: str) -> dict[str, Any]:
        ns = argparse.Namespace(**{**vars(args), "profile": name, "conf": None})
        where = None
        try:
            client, where = open_client(ns, write=False)
            try:
                async with client:
                    radar = await _scan(client, args)
            finally:
                close_audit(client.exchange.audit)
        except Exception as exc:  # noqa: BLE001 - one profile's failure is listed, the others go on
            return {"profile": name, "server_url": where.fields()["server_url"] if where else "", "error": exc}
        return {"profile": name, **where.fields(), "radar": radar}

    async def main() -> list[dict[str, Any]]:
        return list(await asyncio.gather(*(one(n) for n in names)))

    results = asyncio.run(main())
    return emit(args, _all_result(results, args.within))


def _all_result(results: list[dict[str, Any]], within: timedelta) -> Result:
    from kms_tui.client import Unreachable

    docs, text, failures, due = [], [], [], False
    for r in results:
        head = f"== profile {r['profile']}" + (f" at {r['server_url']}" if r["server_url"] else "")
        if "error" in r:
            exc = r["error"]
            message = getattr(exc, "message", None) or str(exc)
            failures.append(exc)
            docs.append(
                {
                    "profile": r["profile"],
                    "server_url": r["server_url"],
                    "checked": False,
                    "error": {"type": type(exc).__name__, "reason": getattr(exc, "reason", ""), "message": message},
                }
            )
            text.append(f"{head}: not checked: {message}")
            continue
        radar = r["radar"]
        due = due or bool(radar.findings)
        docs.append({"profile": r["profile"], "server_url": r["server_url"], **_doc(radar, within)})
        text.append(f"{head}\n{_section(radar, within)}")
    if due:
        code = exitcodes.DUE
    elif failures:
        unreachable = [f for f in failures if isinstance(f, Unreachable)]
        code = exitcodes.UNREACHABLE if unreachable else int(getattr(failures[0], "exit_code", exitcodes.REFUSED))
    else:
        code = exitcodes.OK
    if failures:
        say(f"warning: {len(failures)} of {count(len(results), 'profile')} could not be checked")
    doc = {"within_days": within.total_seconds() / 86400, "due": due, "profiles": docs}
    return Result(doc, "\n\n".join(text), code)
