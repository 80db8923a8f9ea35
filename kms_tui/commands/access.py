"""Headless access rights, named after ckms 5.26's ``access-rights``: grant, revoke, list, owned, obtained.

``kms-tui access grant USER OPERATION… --id ID`` (ckms: ``--object-uid``/``-i``, accepted too).
Operation names are Cosmian's REST names (``getattributes``) or ckms's (``get_attributes``);
``all`` is every right on an object. Every answer says what a right really allows on Cosmian 5.26
(a ``get`` grant stands for every operation except revoke and destroy; any grant allows
get_attributes). ``--read-only`` refuses grant and revoke before anything is sent.
"""

from __future__ import annotations

import argparse
from typing import Any

from kms_tui import access_rights as rights
from kms_tui.client import KmsClient
from kms_tui.client.listing import ObjectSummary, plain_attributes
from kms_tui.commands.headless import Result, UsageError, report_error, run_with_client, table
from kms_tui.safetext import visible
from kms_tui.words import count

OPERATIONS_HELP = ", ".join(rights.display_name(op) for op in rights.OPERATIONS) + ", or all"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``access`` and its subcommands to the ``kms-tui`` parser."""
    p = subparsers.add_parser(
        "access",
        aliases=["access-rights"],
        help="grant, revoke and list users' access rights to objects",
        description="Manage the users' access rights to objects (ckms access-rights).",
    )
    actions = p.add_subparsers(dest="access_action", metavar="ACTION", required=True)

    def action(name: str, help_: str, func: Any) -> argparse.ArgumentParser:
        a = actions.add_parser(name, help=help_, description=help_)
        a.set_defaults(func=func)
        return a

    for name, help_, func in (
        ("grant", "grant USER one or more operations on an object (owner only)", run_grant),
        ("revoke", "take operations on an object away from USER (owner only)", run_revoke),
    ):
        a = action(name, help_, func)
        a.set_defaults(writes=True)  # --read-only refuses it (exit 3); an unwritable audit trail too
        a.add_argument("user", metavar="USER", help="the user id (e.g. an email or a certificate CN); * is everyone")
        a.add_argument("operations", metavar="OPERATION", nargs="+", help=OPERATIONS_HELP)
        a.add_argument(
            "--id",
            "-i",
            "--object-uid",
            dest="id",
            metavar="ID",
            help="the object id (required unless the only operation is create)",
        )

    a = action("list", "list who holds which rights on an object you own", run_list)
    a.add_argument("id", metavar="ID", help="the object id")
    action("owned", "list the objects you own", run_owned)
    action("obtained", "list the objects others granted you rights on", run_obtained)


# ------------------------------------------------------------------------------------------------


def _operations(args: argparse.Namespace) -> list[str]:
    try:
        ops = rights.parse_operations(args.operations)
    except rights.UnknownOperation as exc:
        raise UsageError(f"unknown operation {visible(str(exc))!r}", f"one of: {OPERATIONS_HELP}") from None
    if not ops:
        raise UsageError("no operation given", f"one of: {OPERATIONS_HELP}")
    if any(op != "create" for op in ops) and not args.id:
        raise UsageError("--id is required for operations other than create", "pass --id ID (the object id)")
    return ops


def _names(ops: list[str]) -> str:
    return ", ".join(visible(rights.display_name(op)) for op in ops)


def _change(args: argparse.Namespace, *, grant: bool) -> int:
    try:
        ops = _operations(args)
    except UsageError as exc:
        return report_error(args, exc)
    uid = args.id if any(op != "create" for op in ops) else None

    async def body(client: KmsClient) -> Result:
        if grant:
            answer = await client.grant(uid, args.user, ops)  # type: ignore[arg-type]  # None: create
        else:
            answer = await client.revoke_access(uid, args.user, ops)  # type: ignore[arg-type]  # as above
        user, target = visible(args.user), visible(uid) if uid else "N/A"
        data: dict[str, Any] = {"user": args.user, "id": uid, "operations": ops, "server": answer}
        if grant:
            text = f"granted {_names(ops)} to user `{user}` on object `{target}`"
            data["allows"] = rights.effective(ops, hsm=rights.is_hsm(uid or ""))
            note = rights.explain(ops, hsm=rights.is_hsm(uid or ""))
            if note:
                text += f"\n  note: {note}; the user now may: {_names(data['allows'])}"
        else:
            text = f"removed {_names(ops)} from user `{user}` on object `{target}`"
        return Result(data, text)

    return run_with_client(args, body)


def run_grant(args: argparse.Namespace) -> int:
    return _change(args, grant=True)


def run_revoke(args: argparse.Namespace) -> int:
    return _change(args, grant=False)


def run_list(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        rows = rights.user_rows(await client.access_list(args.id), args.id)
        if not rows:
            return Result({"id": args.id, "accesses": []}, f"No access right granted on object {visible(args.id)}.")
        lines = [
            (visible(r["user"]), _names(r["operations"]), rights.explain(r["operations"], hsm=rights.is_hsm(args.id)))
            for r in rows
        ]
        text = f"The access rights granted on object {visible(args.id)} are:\n" + table(
            lines, ("USER", "OPERATIONS", "ALSO ALLOWS")
        )
        return Result({"id": args.id, "accesses": rows}, text)

    return run_with_client(args, body)


def owned_rows(answer: list[Any]) -> list[dict[str, Any]]:
    """``/access/owned`` entries as ``{id, state, type, algorithm, length, tags, names}``."""
    rows = []
    for entry in answer:
        if not isinstance(entry, dict):
            continue
        uid = str(entry.get("object_id", ""))
        attrs = plain_attributes(entry.get("attributes") or {})
        o = ObjectSummary.from_attributes(uid, attrs)
        rows.append(
            {
                "id": uid,
                "state": str(entry.get("state", "") or o.state),
                "type": o.object_type,
                "algorithm": o.algorithm,
                "length": o.length,
                "tags": o.tags,
                "names": o.names,
            }
        )
    return rows


def run_owned(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        rows = owned_rows(await client.access_owned())
        if not rows:
            return Result({"objects": []}, "No object owned by this user.")
        lines = [
            (
                visible(r["id"]),
                visible(r["state"]),
                visible(r["type"]),
                visible(r["algorithm"]),
                r["length"] or "",
                visible(",".join(r["tags"])),
                visible(",".join(r["names"])),
            )
            for r in rows
        ]
        text = (
            table(lines, ("ID", "STATE", "TYPE", "ALGORITHM", "LENGTH", "TAGS", "NAMES"))
            + f"\n{count(len(rows), 'object')}"
        )
        return Result({"objects": rows}, text)

    return run_with_client(args, body)


def run_obtained(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        rows = rights.obtained_rows(await client.access_obtained())
        if not rows:
            return Result({"objects": []}, "No access right obtained.")
        lines = []
        for r in rows:
            note = (
                "the right to create objects"
                if r["id"] == "*" and not r["owner"]
                else rights.explain(r["operations"], hsm=rights.is_hsm(r["id"]))
            )
            lines.append((visible(r["id"]), visible(r["owner"]), visible(r["state"]), _names(r["operations"]), note))
        text = table(lines, ("ID", "OWNER", "STATE", "OPERATIONS", "ALSO ALLOWS")) + f"\n{count(len(rows), 'object')}"
        return Result({"objects": rows}, text)

    return run_with_client(args, body)
