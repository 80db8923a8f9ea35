"""``kms-tui diff A B [--no-grants] [--json]``: what differs between two servers
(:mod:`kms_tui.client.diff`).

A and B are profile names (or paths to ckms.toml files). Both servers are read concurrently.
Exit codes: 0 the two hold the same objects in the same states with the same tags, links and
grants; 5 (:data:`kms_tui.exitcodes.DIFFERENT`) they differ; otherwise the failure's code (4 a
server could not be reached, 2 not authenticated, 3 a profile is unknown).
"""

from __future__ import annotations

import argparse
import asyncio
import os
from typing import Any

from kms_tui import exitcodes
from kms_tui.commands.headless import Result, UsageError, close_audit, emit, open_client, report_error, table
from kms_tui.safetext import visible
from kms_tui.words import count


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "diff",
        help="compare two servers: objects on one side only, re-created, different state/tags/links/grants",
        description="Compare what two servers hold (a replica against its primary, staging against production). "
        "A and B are profile names or ckms.toml paths. Exit 0 when they are the same, 5 when they differ.",
    )
    p.add_argument("side_a", metavar="A", help="profile name (or ckms.toml path) of the first server")
    p.add_argument("side_b", metavar="B", help="profile name (or ckms.toml path) of the second server")
    p.add_argument(
        "--no-grants", action="store_true", help="do not compare grants (one request per owned object on each side)"
    )
    p.set_defaults(func=run)


def _side(args: argparse.Namespace, name: str) -> argparse.Namespace:
    is_file = name.endswith(".toml") and os.path.isfile(os.path.expanduser(name))
    return argparse.Namespace(**{**vars(args), "profile": None if is_file else name, "conf": name if is_file else None})


def run(args: argparse.Namespace) -> int:
    if args.profile or args.conf:
        return report_error(
            args,
            UsageError(
                "diff names its two servers itself; --profile/--conf are not used",
                "kms-tui diff PROFILE_A PROFILE_B",
                reason="usage",
            ),
        )
    from kms_tui.client.diff import compare, snapshot

    async def one(name: str) -> tuple[Any, Any]:
        client, where = open_client(_side(args, name), write=False)
        try:
            async with client:
                return await snapshot(client, grants=not args.no_grants), where
        finally:
            close_audit(client.exchange.audit)

    async def main() -> list[Any]:
        return list(await asyncio.gather(one(args.side_a), one(args.side_b), return_exceptions=True))

    results = asyncio.run(main())
    for side, got in zip((args.side_a, args.side_b), results, strict=True):
        if isinstance(got, BaseException):
            if not isinstance(got, Exception):
                raise got
            if hasattr(got, "message"):
                got.message = f"{side}: {got.message}"  # which side failed
            return report_error(args, got)
    (snap_a, where_a), (snap_b, where_b) = results
    diff = compare(snap_a, snap_b)
    return emit(args, _result(diff, (args.side_a, where_a, snap_a), (args.side_b, where_b, snap_b)))


def _row(o: Any) -> tuple[str, ...]:
    return (o.uid, o.object_type, o.state, ",".join(o.names), ",".join(o.attributes.get("tags", o.tags)))


def _result(diff: Any, a: tuple[str, Any, Any], b: tuple[str, Any, Any]) -> Result:
    from kms_tui.client.diff import brief, shown

    (name_a, where_a, snap_a), (name_b, where_b, snap_b) = a, b
    c = diff.counts()
    head = (
        f"A = {visible(name_a)} at {where_a.fields()['server_url']} ({len(snap_a.objects)} objects), "
        f"B = {visible(name_b)} at {where_b.fields()['server_url']} ({len(snap_b.objects)} objects)"
    )
    lines = [head]
    if diff.same:
        lines.append(
            f"same: {count(c['compared'], 'object')}, same states, tags, links"
            + (" and grants" if snap_a.grants_read else " (grants not compared)")
        )
    else:
        lines.append(
            f"different: {c['only_a']} only on A, {c['only_b']} only on B, {c['recreated']} re-created "
            f"under a new id, {c['changed_objects']} changed ({c['compared']} compared)"
        )
    headers = ("ID", "TYPE", "STATE", "NAMES", "TAGS")
    if diff.only_a:
        lines += ["", f"Only on A ({len(diff.only_a)}):", table([_row(o) for o in diff.only_a], headers)]
    if diff.only_b:
        lines += ["", f"Only on B ({len(diff.only_b)}):", table([_row(o) for o in diff.only_b], headers)]
    if diff.recreated:
        rows = [(x.uid, y.uid, x.object_type, f"{x.state}/{y.state}", ",".join(x.names)) for x, y in diff.recreated]
        lines += [
            "",
            f"Re-created under a new id (same type, names and tags) ({len(diff.recreated)}):",
            table(rows, ("ID ON A", "ID ON B", "TYPE", "STATE A/B", "NAMES")),
        ]
    if diff.changed:
        changes = [(ch.uid, ch.what, shown(ch.a), shown(ch.b)) for ch in diff.changed]
        lines += [
            "",
            f"Changed ({count(c['changed_objects'], 'object')}, {count(c['changes'], 'difference')}):",
            table(changes, ("ID", "WHAT", "ON A", "ON B")),
        ]
    problems = [f"A: {p}" for p in snap_a.problems] + [f"B: {p}" for p in snap_b.problems]
    lines += [f"note: {visible(p)}" for p in problems]
    doc = {
        "same": diff.same,
        "counts": c,
        "a": {"name": name_a, **where_a.fields(), "objects": len(snap_a.objects)},
        "b": {"name": name_b, **where_b.fields(), "objects": len(snap_b.objects)},
        "grants_compared": snap_a.grants_read and snap_b.grants_read,
        "only_a": [brief(o) for o in diff.only_a],
        "only_b": [brief(o) for o in diff.only_b],
        "recreated": [{"a": brief(x), "b": brief(y)} for x, y in diff.recreated],
        "changed": [ch.as_dict() for ch in diff.changed],
        "problems": problems,
    }
    return Result(doc, "\n".join(lines), exitcodes.OK if diff.same else exitcodes.DIFFERENT)
