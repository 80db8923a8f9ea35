"""``kms-tui revoke|destroy --tag T… [--dry-run] [--yes]``: the bulk form of the two commands
(:mod:`kms_tui.client.bulk`). ``destroy --revoke-first [--reason R]`` revokes each Active object
just before its destroy (one Revoke, then one Destroy) instead of skipping it.

Every object carrying all the tags is planned first: the preview lists each object that changes,
the key-pair partners the cascade reaches, certificates issued with the keys, objects wrapped by
them and grants that stop working, with counts. ``--dry-run`` prints it and sends nothing (exit
0). Without it, more than one object needs ``--yes`` (else exit 3 with the preview on stderr).
The run sends one request per object, never twice (a lost answer is checked by reading the
state), prints progress on stderr and each object's outcome. Exit: 0 every object done; 1 one
was refused or not carried out; 4 the server stopped answering (the rest were not sent); 130 Ctrl+C
stopped it between objects (each outcome is still printed).
"""

from __future__ import annotations

import argparse
from typing import Any

from kms_tui import exitcodes
from kms_tui.commands.headless import Result, UsageError, run_with_client
from kms_tui.commands.output import say, table
from kms_tui.safetext import visible

PROGRESS_EVERY = 100
INTERRUPTED = 130  # Ctrl+C stopped the run (as the shell reports SIGINT; the other commands too)


def add_options(p: argparse.ArgumentParser) -> None:
    """``--tag`` (repeatable), ``--dry-run``, ``--yes`` on the revoke/destroy parser."""
    p.add_argument(
        "--tag",
        action="append",
        default=[],
        dest="bulk_tags",
        metavar="TAG",
        help="repeatable: act on every object carrying all these tags, after a preview (instead of ID)",
    )
    p.add_argument("--dry-run", action="store_true", help="with --tag: print the preview, send nothing")
    if "--yes" not in p._option_string_actions:
        p.add_argument("--yes", action="store_true", help="with --tag: go ahead when more than one object matches")
    p.add_argument(
        "--no-grants",
        action="store_true",
        help="with --tag: do not read each object's grants for the preview (one request per object)",
    )
    p.set_defaults(writes=lambda a: not (getattr(a, "bulk_tags", None) and getattr(a, "dry_run", False)))


def wanted(args: argparse.Namespace) -> bool:
    """The command line asks for the bulk form (else the single-object form runs)."""
    if getattr(args, "bulk_tags", None):
        if getattr(args, "id", None):
            raise UsageError(
                "give an ID or --tag, not both", "drop the ID to act on every object with the tags", reason="usage"
            )
        if any(not t for t in args.bulk_tags):
            raise UsageError("a --tag is empty", "give the tag's text", reason="usage")
        return True
    if getattr(args, "dry_run", False):
        raise UsageError("--dry-run previews a --tag selection", "add --tag TAG", reason="usage")
    if not getattr(args, "id", None):
        raise UsageError(
            "name the object: an ID, or --tag TAG for every object carrying the tag",
            "e.g. kms-tui revoke ID --reason Unspecified",
            reason="usage",
        )
    return False


def run(args: argparse.Namespace, action: str) -> int:
    from kms_tui.client import bulk

    tags = list(args.bulk_tags)

    async def body(client: Any) -> Result:
        plan = await bulk.gather_plan(
            client,
            action=action,
            tags=tags,
            reason=getattr(args, "reason", "Unspecified") or "Unspecified",
            remove=getattr(args, "remove", False),
            cascade=not args.no_cascade,
            grants=not args.no_grants,
            revoke_first=getattr(args, "revoke_first", False),
        )
        preview = "\n".join(plan.lines())
        # skipped because the state says it is done already: fine; for another reason (an Active
        # key to destroy, an id gone): refused, as the server would
        refused = [i for i in plan.skipped if not i.note.startswith("already")]
        if not plan.selected:
            code = exitcodes.OK if args.dry_run or (plan.skipped and not refused) else exitcodes.REFUSED
            return Result(
                {"dry_run": args.dry_run, "plan": plan.as_dict()},
                preview + f"\nnothing to {action}: no object carrying {_tags(tags)} can be changed",
                code,
            )
        if args.dry_run:
            return Result({"dry_run": True, "plan": plan.as_dict()}, preview + "\n(dry run: nothing was sent)")
        if len(plan.selected) > 1 and not getattr(args, "yes", False):
            say(preview)
            raise UsageError(
                f"{len(plan.selected)} objects carry {_tags(tags)} ({plan.count} change in all)",
                "check the preview above, then pass --yes to go ahead (or --dry-run to see it only)",
                reason="confirm",
            )
        say("\n".join([*plan.summary(), *(f"skipped {visible(i.uid)}: {i.note}" for i in plan.skipped)]))

        def progress(outcome: Any, index: int, total: int) -> None:
            if outcome.status not in (bulk.DONE, bulk.NOT_SENT):
                say(f"  {visible(outcome.uid)}: {outcome.status}: {visible(outcome.detail)}")
            if index % PROGRESS_EVERY == 0 or index == total:
                say(f"{action}: {index}/{total} sent")

        report = await _run_stoppable(client, plan, progress)
        rows = [(o.uid, o.status, o.state, o.detail) for o in report.outcomes]
        text = table(rows, ("OBJECT", "OUTCOME", "STATE NOW", "DETAIL")) + f"\n{report.summary()}"
        tally = report.tally()
        code = exitcodes.OK
        if tally[bulk.REFUSED] or tally[bulk.FAILED] or refused:
            code = exitcodes.REFUSED
        if report.stopped == bulk.SERVER_GONE or tally[bulk.UNKNOWN]:
            code = exitcodes.UNREACHABLE
        elif report.stopped == bulk.STOPPED_BY_USER:
            code = INTERRUPTED
        return Result({"plan": plan.as_dict(), **report.as_dict()}, text, code)

    return run_with_client(args, body)


async def _run_stoppable(client: Any, plan: Any, progress: Any) -> Any:
    """Run the plan; the first Ctrl+C stops it between objects (the rest are reported not sent)."""
    import asyncio
    import signal

    from kms_tui.client import bulk

    stop: list[bool] = []
    loop = asyncio.get_running_loop()

    def interrupted() -> None:
        if not stop:
            say("stopping after the object being sent (Ctrl+C again to quit at once)")
            stop.append(True)
            return
        loop.remove_signal_handler(signal.SIGINT)
        raise KeyboardInterrupt

    try:
        loop.add_signal_handler(signal.SIGINT, interrupted)
        watching = True
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
        watching = False
    try:
        return await bulk.run_plan(client, plan, on_outcome=progress, should_stop=lambda: bool(stop))
    finally:
        if watching:
            loop.remove_signal_handler(signal.SIGINT)


def _tags(tags: list[str]) -> str:
    return "the tag" + ("s " if len(tags) > 1 else " ") + ", ".join(repr(visible(t)) for t in tags)
