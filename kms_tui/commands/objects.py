"""Headless key commands: locate, attributes, create, activate, revoke, destroy (export and
import: :mod:`kms_tui.commands.import_export`).

Writes (create, activate, revoke, destroy) set ``writes=True``: ``--read-only`` refuses them, an
audit trail that cannot be written refuses them (unless ``--no-audit``), and each names the
profile and server it acted on. The lifecycle guards are in :mod:`kms_tui.commands.lifecycle`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncGenerator, Callable
from datetime import UTC, datetime
from typing import Any

from kms_tui.client import KmsClient, KmsError, LocateFilter, ObjectNotFound
from kms_tui.client.listing import ObjectSummary
from kms_tui.client.listing_stream import Completeness, stream_objects
from kms_tui.client.requests import REVOCATION_REASONS
from kms_tui.client.serde_dates import rfc3339
from kms_tui.commands import bulk as bulk_commands
from kms_tui.commands import lifecycle
from kms_tui.commands import rotation as rotation_commands
from kms_tui.commands.headless import Result, UsageError, object_id, reader_left, report_error, run_with_client
from kms_tui.commands.output import dumps, say, table
from kms_tui.safetext import visible
from kms_tui.words import count


def _key(text: str) -> str:
    return text.replace("_", "").replace("-", "").lower()


OBJECT_TYPES = {
    _key(t): t for t in ("SymmetricKey", "PrivateKey", "PublicKey", "Certificate", "SecretData", "OpaqueObject")
}
STATES = {
    _key(s): s for s in ("PreActive", "Active", "Deactivated", "Compromised", "Destroyed", "Destroyed_Compromised")
}
REASONS = {_key(r): r for r in REVOCATION_REASONS}
LOCATE_CAP = 1000


def _choice(table_: dict[str, str], what: str) -> Callable[[str], str]:
    def convert(text: str) -> str:
        key = _key(text)
        if key not in table_:
            raise argparse.ArgumentTypeError(f"unknown {what} {text!r} (one of: {', '.join(table_.values())})")
        return table_[key]

    return convert


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the key commands to the ``kms-tui`` parser (the global options are added by cli)."""

    def command(name: str, help_: str, func: Any, *, writes: bool = False) -> argparse.ArgumentParser:
        # "resolve": a later global option of the same name (--yes) replaces the command's own
        p = subparsers.add_parser(name, help=help_, description=help_, conflict_handler="resolve")
        p.set_defaults(func=func, writes=writes)
        return p

    p = command("locate", "find objects (no 1,000 cap: large results are listed in full)", run_locate)
    p.add_argument("--type", type=_choice(OBJECT_TYPES, "object type"), dest="object_type")
    p.add_argument("--algorithm", help="e.g. AES, RSA, ECDH, Ed25519")
    p.add_argument("--state", type=_choice(STATES, "state"), help="e.g. Active; Destroyed lists destroyed objects")
    p.add_argument("--tag", action="append", default=[], help="repeatable: objects carrying all these tags")
    p.add_argument("--name")
    p.add_argument("--length", type=int, help="key length in bits")
    p.add_argument("--linked-to", metavar="ID", help="objects with a link to this id")

    p = command("attributes", "show (get), set or delete the attributes and tags of an object", run_attributes)
    from kms_tui.commands import attributes as attribute_commands  # here: it imports this module

    attribute_commands.register(p, run_attributes)

    p = command("create", "create a key, a key pair, secret data or an opaque object", None, writes=True)
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True)
    from kms_tui.commands import key_kinds, secret_data  # here: secret_data imports this module

    key_kinds.register_kinds(kinds, run_create)
    secret_data.register_create_kinds(kinds)
    for kind in (*key_kinds.PAIRS, *key_kinds.SYMMETRIC):
        rotation_commands.add_create_options(kinds.choices[kind])  # --rotation-interval, --rotation-offset, …

    p = command("activate", "activate a pre-active object", run_activate, writes=True)
    p.add_argument("id")
    _all_option(p)

    p = command(
        "revoke",
        "revoke an object (and its key-pair partner); --tag: every object with the tags, after a preview",
        run_revoke,
        writes=True,
    )
    p.add_argument(
        "id", nargs="?", help="the object's id, or a JSON array of tags as ckms takes it; omit it with --tag"
    )
    p.add_argument("--reason", required=True, type=_choice(REASONS, "reason"), help=", ".join(REVOCATION_REASONS))
    p.add_argument("--message")
    p.add_argument("--compromise-date", metavar="ISO", help="when the key was compromised (ISO 8601)")
    p.add_argument("--no-cascade", action="store_true", help="leave the key-pair partner alone")
    _all_option(p)
    bulk_commands.add_options(p)

    p = command(
        "destroy",
        "destroy an object's key material (revoke it first if it is active); --tag: every "
        "object with the tags, after a preview",
        run_destroy,
        writes=True,
    )
    p.add_argument(
        "id", nargs="?", help="the object's id, or a JSON array of tags as ckms takes it; omit it with --tag"
    )
    p.add_argument("--remove", action="store_true", help="also delete its record from the server")
    p.add_argument("--no-cascade", action="store_true", help="leave the key-pair partner alone")
    p.add_argument(
        "--revoke-first",
        action="store_true",
        help="revoke an Active object (and, with the cascade, its partner) just before destroying it "
        "(Cosmian refuses to destroy an Active key); the preview and --dry-run show it",
    )
    p.add_argument(
        "--reason",
        type=_choice(REASONS, "reason"),
        default=None,
        help="with --revoke-first: the revocation reason (default Unspecified): " + ", ".join(REVOCATION_REASONS),
    )
    _all_option(p)
    bulk_commands.add_options(p)


def _all_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--all",
        action="store_true",
        dest="all_matches",
        help="when tags match several objects, act on them all (else that is an error listing them)",
    )


# ------------------------------------------------------------------------------------------------


def _rows(objects: list[ObjectSummary]) -> str:
    rows = [
        (o.uid, o.object_type, o.algorithm, o.length or "", o.state, ",".join(o.tags), ",".join(o.names))
        for o in objects
    ]
    return table(rows, ("ID", "TYPE", "ALGORITHM", "LENGTH", "STATE", "TAGS", "NAMES"))


def run_locate(args: argparse.Namespace) -> int:
    filters = LocateFilter(
        object_type=args.object_type,
        algorithm=args.algorithm,
        state=args.state,
        tags=tuple(args.tag),
        name=args.name,
        length=args.length,
        linked_to=args.linked_to,
    )
    if args.json:
        return run_with_client(args, lambda client: _stream_json(client, filters))

    async def body(client: KmsClient) -> Result:
        ids = await client.locate(filters)
        partial, problems = False, []
        if len(ids) >= LOCATE_CAP:  # Locate stops at 1,000: list everything instead
            listing = await client.list_objects(filters)
            objects, partial, problems = listing.objects, listing.partial, listing.problems
        else:
            objects = []
            for uid, attrs in (await client.get_attributes_many(ids)).items():
                if isinstance(attrs, dict):
                    objects.append(ObjectSummary.from_attributes(uid, attrs))
                else:
                    problems.append(f"{uid}: {attrs.message}")
                    partial = True
        text = (
            _rows(objects)
            + f"\n{count(len(objects), 'object')}"
            + (" — partial: " + "; ".join(problems) if partial else "")
        )
        return Result(None, text)

    return run_with_client(args, body)


async def _located(
    client: KmsClient, filters: LocateFilter, status: Completeness
) -> AsyncGenerator[ObjectSummary, None]:
    """The objects ``locate`` lists, one at a time: Locate's ids and their attributes, or past
    Locate's 1,000 cap the whole listing, streamed (nothing held: 100,000 objects in a few MB)."""
    ids = await client.locate(filters)
    if len(ids) >= LOCATE_CAP:
        async for row in stream_objects(client, filters, status):
            yield row
        return
    for uid, attrs in (await client.get_attributes_many(ids)).items():
        if isinstance(attrs, dict):
            yield ObjectSummary.from_attributes(uid, attrs)
        else:
            status.problems.append(f"{uid}: {attrs.message}")
            status.partial = True


async def _stream_json(client: KmsClient, filters: LocateFilter) -> Result:
    """``locate --json``: one JSON document written as the objects arrive, one object a line:
    ``{"objects": [...], "count": N, "partial": ..., "problems": [...]}``. A failure once the
    document has begun closes it with ``partial`` and an ``error`` (exit code of the error)."""
    status, count, out = Completeness(), 0, sys.stdout
    rows = _located(client, filters, status)
    try:
        async for row in rows:
            out.write(('{\n  "objects": [\n    ' if count == 0 else ",\n    ") + dumps(_brief(row), indent=None))
            count += 1
    except KmsError as exc:
        if count == 0:
            raise  # nothing written yet: the usual error document
        status.partial = True
        tail = {
            "count": count,
            "partial": True,
            "problems": status.problems,
            "error": {"type": type(exc).__name__, "reason": exc.reason, "message": exc.message, "fix": exc.fix},
        }
        out.write("\n  ],\n" + dumps(tail)[2:] + "\n")
        say(f"error: {exc.message}")
        return Result(None, "", exit_code=exc.exit_code, printed=True)
    except BrokenPipeError:
        reader_left()
        return Result(None, "", printed=True)
    finally:
        await rows.aclose()
    head = '{\n  "objects": [' if count == 0 else "\n  ],"
    tail = {"count": count, "partial": status.partial, "problems": status.problems}
    out.write(head + ("],\n" if count == 0 else "\n") + dumps(tail)[2:] + "\n")
    return Result(None, "", printed=True)


def _brief(o: ObjectSummary) -> dict[str, Any]:
    return {
        "id": o.uid,
        "type": o.object_type,
        "algorithm": o.algorithm,
        "length": o.length,
        "state": o.state,
        "tags": o.tags,
        "names": o.names,
        "links": o.links,
        "created": rfc3339(o.created),
    }


class SeveralMatches(UsageError):
    """A tag selector that names several objects where one is expected (exit 3)."""

    def __init__(self, selector: str, ids: list[str], fix: str) -> None:
        shown = ", ".join(visible(i) for i in ids)
        super().__init__(f"{visible(selector)} matches {len(ids)} objects: {shown}", fix, reason="several_matches")
        self.json_fields = {"matches": ids}


def run_attributes(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        selector = object_id(args.id)
        ids = await lifecycle.resolve_ids(client, selector)
        if len(ids) > 1 and not args.all_matches:
            raise SeveralMatches(selector, ids, "name one id, or pass --all to show every match")
        shown = []
        for uid in ids:
            attrs = await client.get_attributes(uid)
            shown.append((attrs.get("UniqueIdentifier", uid), attrs))
        if args.all_matches:
            data = {"count": len(shown), "objects": [{"id": uid, "attributes": attrs} for uid, attrs in shown]}
            text = "\n\n".join(f"{visible(uid)}\n{_attribute_table(attrs)}" for uid, attrs in shown)
            return Result(data, text)
        uid, attrs = shown[0]
        return Result({"id": uid, "attributes": attrs}, _attribute_table(attrs))

    return run_with_client(args, body)


def _attribute_table(attrs: dict[str, Any]) -> str:
    rows = [(k, v if not isinstance(v, (list, dict)) else _compact(v)) for k, v in sorted(attrs.items())]
    return table(rows, ("ATTRIBUTE", "VALUE"))


def _compact(v: Any) -> str:
    import json

    if isinstance(v, list) and all(isinstance(i, str) for i in v):  # names, tags: as locate shows them
        return ",".join(v)
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False, default=str)  # the table makes it visible


def run_create(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        tags, name = tuple(args.tag), args.name
        if any(not t or t.startswith("_") for t in tags):
            raise UsageError("tags must be non-empty and must not start with '_' (reserved for the server)")
        from kms_tui.commands import key_kinds

        if args.kind in key_kinds.SYMMETRIC:
            algorithm, length = key_kinds.symmetric(args.kind, args.size)
            uid = await client.create_symmetric_key(algorithm, length, tags=tags, name=name)
            policy = await rotation_commands.apply_create_options(client, uid, args)
            return Result(
                {"id": uid, "type": "SymmetricKey", "algorithm": algorithm, "length": length, **policy},
                f"created symmetric key {visible(uid)}",
            )
        sk, pk = await client.create_key_pair(
            args.kind, size=getattr(args, "size", 2048), curve=getattr(args, "curve", "p256"), tags=tags, name=name
        )
        policy = await rotation_commands.apply_create_options(client, sk, args)
        return Result(
            {"private_key_id": sk, "public_key_id": pk, **policy},
            f"created key pair\n  private key {visible(sk)}\n  public key  {visible(pk)}",
        )

    return run_with_client(args, body)


async def _targets(client: KmsClient, selector: str, every: bool) -> dict[str, dict[str, Any]]:
    """Attributes of every object ``selector`` names (ObjectNotFound when it names none; a tag
    selector naming several is refused unless ``every``: the server would act on them all)."""
    ids = await lifecycle.resolve_ids(client, selector)
    if len(ids) > 1 and not every:
        raise SeveralMatches(selector, ids, "name one id, or pass --all to act on every match")
    if len(ids) == 1:
        return {ids[0]: await client.get_attributes(ids[0], with_tags=False)}
    return await lifecycle.states_of(client, ids)


def run_activate(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        selector = object_id(args.id)
        for uid, attrs in (await _targets(client, selector, args.all_matches)).items():
            lifecycle.check_activate(uid, str(attrs.get("State", "")))
        uid = await client.activate(selector)
        return Result({"id": uid, "state": "Active"}, f"activated {visible(uid)}")

    return run_with_client(args, body)


def _parse_date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--compromise-date {text!r} is not an ISO 8601 date", "e.g. 2026-01-31T12:00:00Z") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _partners(targets: dict[str, dict[str, Any]]) -> list[str]:
    """The other key of each key pair among ``targets`` (what Cascade reaches)."""
    out = []
    for attrs in targets.values():
        for link in attrs.get("links", []):
            if link.get("type") in ("PublicKeyLink", "PrivateKeyLink") and link.get("id"):
                out.append(str(link["id"]))
    return [i for i in dict.fromkeys(out) if i not in targets]


async def _states_now(client: KmsClient, ids: list[str]) -> dict[str, str]:
    """The state of each id now; an id the server no longer has maps to ``""``."""
    found = await lifecycle.states_of(client, ids)
    return {i: str(found[i].get("State", "")) if i in found else "" for i in ids}


def _bulk(args: argparse.Namespace, action: str) -> int | None:
    """The exit code of the bulk form (``--tag``) when asked for, else None."""
    try:
        if not bulk_commands.wanted(args):
            return None
    except UsageError as exc:
        return report_error(args, exc)
    return bulk_commands.run(args, action)


def run_revoke(args: argparse.Namespace) -> int:
    code = _bulk(args, "revoke")
    if code is not None:
        return code

    async def body(client: KmsClient) -> Result:
        selector = object_id(args.id)
        date = _parse_date(args.compromise_date)
        try:
            targets = await _targets(client, selector, args.all_matches)
        except ObjectNotFound:  # the server's own refusal goes to the trail with what was typed
            targets = {}
        for uid, attrs in targets.items():
            lifecycle.check_revoke(uid, str(attrs.get("State", "")), args.reason)
        cascade = not args.no_cascade
        candidates = list(targets) + (_partners(targets) if cascade else [])
        before = {i: str(targets[i].get("State", "")) for i in targets}
        done = await client.revoke(selector, args.reason, message=args.message, compromise_date=date, cascade=cascade)
        after = await _states_now(client, candidates)
        changed = [i for i in candidates if after.get(i) and after[i] != before.get(i, "?")]
        lines = [f"revoked {visible(done)} ({args.reason})"]
        lines += [f"  {visible(i)} is now {after[i]}" for i in changed]
        return Result(
            {
                "id": done,
                "reason": args.reason,
                "cascade": cascade,
                "objects": [{"id": i, "state": after[i]} for i in changed],
            },
            "\n".join(lines),
        )

    return run_with_client(args, body)


def run_destroy(args: argparse.Namespace) -> int:
    if args.reason is not None and not args.revoke_first:
        return report_error(
            args,
            UsageError(
                "--reason is the revocation reason of --revoke-first",
                "add --revoke-first, or drop --reason",
                reason="usage",
            ),
        )
    args.reason = args.reason or "Unspecified"
    code = _bulk(args, "destroy")
    if code is not None:
        return code

    async def body(client: KmsClient) -> Result:
        selector = object_id(args.id)
        targets = await _targets(client, selector, args.all_matches)
        for uid, attrs in targets.items():
            lifecycle.check_destroy(uid, str(attrs.get("State", "")), args.remove)
        cascade = not args.no_cascade
        candidates = list(targets) + (_partners(targets) if cascade else [])
        before = {i: str(targets[i].get("State", "")) for i in targets}
        revoked = [i for i in targets if args.revoke_first and before[i] == "Active"]
        for uid in revoked:  # Cosmian refuses to destroy an Active key: revoke it just before
            await client.revoke(uid, args.reason, message="revoked before destroy", cascade=cascade)
        done = await client.destroy(selector, remove=args.remove, cascade=cascade)
        after = await _states_now(client, candidates)  # what the server did, looked at after it acted
        if args.remove:
            acted = [i for i in candidates if after[i] == ""]
            verb = "removed"
        else:
            acted = [i for i in candidates if after[i] in lifecycle.DESTROYED and before.get(i) != after[i]]
            verb = "destroyed"
        what = "destroyed and removed" if args.remove else "destroyed"
        lines = [f"revoked {visible(i)} first ({args.reason})" for i in revoked]
        lines += [f"{what} {visible(done)}"] + [f"  {verb}: {visible(i)}" for i in acted]
        return Result(
            {"id": done, "removed": args.remove, "cascade": cascade, "objects": acted, "revoked_first": revoked},
            "\n".join(lines),
        )

    return run_with_client(args, body)
