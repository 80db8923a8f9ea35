"""``kms-tui attributes [get] ID``, ``attributes set|add|delete|modify ID …``.

ckms 5.26 has the same four (``attributes get|set|delete|modify``) but names the object with ``--id``/``--tag``;
here the object is the positional ID (or a JSON array of tags, as every kms-tui command takes),
so ``--tag`` adds or removes a tag. ``kms-tui attributes ID`` (no sub-command) is ``get``.

``set`` sends one SetAttribute per attribute and ``delete`` one DeleteAttribute
(``CurrentAttribute``, its value read from the object first) per attribute, as ckms does; tags go
through Cosmian's tag API (:mod:`kms_tui.client.attributes`). Both are writes: ``--read-only``
refuses them (exit 3), they name the profile and server they acted on, and they print the
object's attributes as the server has them afterwards.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from kms_tui.client import KmsClient, KmsError
from kms_tui.client.errors import InvalidValue, ServerRefused, WrongLifecycleState
from kms_tui.client.fast_requests import COSMIAN, TAG_ATTRIBUTE
from kms_tui.commands import lifecycle
from kms_tui.commands.headless import Result, UsageError, object_id, run_with_client
from kms_tui.kmip.enums import LinkType
from kms_tui.safetext import visible


def _edits() -> Any:
    """kms_tui.client.attributes (it loads the KMIP models), imported when attributes are changed:
    the parser of `create`/`locate` is built without it."""
    from kms_tui.client import attributes

    return attributes


def _R() -> Any:
    from kms_tui.kmip.models import attribute_requests

    return attribute_requests


SUBCOMMANDS = ("get", "set", "add", "delete", "modify")
_LINK_TYPES = {t.lower().removesuffix("link"): t for t in (t.name for t in LinkType)}  # attribute_requests.LINK_TYPES
_LINK_ALIASES = {k.replace("key", ""): t for k, t in _LINK_TYPES.items() if "key" in k}  # public, private…


class _IdOrCommand(dict[str, Any]):
    """The choices of ``attributes``: its sub-commands, and any other word (an object id)."""

    def __contains__(self, key: object) -> bool:
        return True


if TYPE_CHECKING:
    _Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:  # not subscriptable at run time
    _Subparsers = argparse._SubParsersAction


class _DefaultGet(_Subparsers):
    """``attributes ID`` is ``attributes get ID``: a first word that names no sub-command is an id."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        if values and not dict.__contains__(self._name_parser_map, values[0]):
            values = ["get", *values]
        super().__call__(parser, namespace, values, option_string)


class NothingToDelete(ServerRefused):
    """The object has no such attribute (exit 1; KMIP's reason Attribute_Not_Found)."""


def register(p: argparse.ArgumentParser, run_get: Callable[[argparse.Namespace], int]) -> None:
    """Add ``get``/``set``/``delete`` under the ``attributes`` parser ``p`` (which shows, as
    before, when the first word is an id)."""
    p.register("action", "parsers_default_get", _DefaultGet)
    p.set_defaults(func=run_get, writes=False, all_matches=False)
    p.add_argument(
        "--all",
        action="store_true",
        dest="all_matches",
        default=argparse.SUPPRESS,
        help="when tags match several objects, show them all (else that is an error listing them)",
    )
    # dest "kind": `attributes set` in messages (options.command_label)
    sub = p.add_subparsers(
        dest="kind", metavar="[get|set|add|delete|modify] ID", required=True, action="parsers_default_get"
    )

    g = sub.add_parser("get", help="show every attribute (the default: `kms-tui attributes ID`)")
    g.set_defaults(func=run_get, writes=False)
    g.add_argument("id", help='object id, or a JSON array of tags: \'["t1","t2"]\'')
    g.add_argument(
        "--all",
        action="store_true",
        dest="all_matches",
        default=argparse.SUPPRESS,
        help="when tags match several objects, show them all (else that is an error listing them)",
    )

    s = _writer(
        sub,
        "set",
        run_set,
        help="add tags, names and links; set dates and vendor attributes",
        description="One SetAttribute per attribute (a name is added next to the others; a "
        "link replaces the link of its type). Tags use the server's tag API.",
    )
    s.add_argument("--tag", action="append", default=[], metavar="TAG", help="add this tag (repeatable)")
    _value_options(
        s,
        name="add this name (repeatable)",
        activation="ISO 8601 (UTC if no zone) or Unix seconds; the state does not change (see activate)",
        link="link to another object (TYPE: " + ", ".join(_LINK_TYPES) + "; repeatable)",
    )

    d = _writer(
        sub,
        "delete",
        run_delete,
        help="remove tags, names, dates, vendor attributes or links",
        description="One DeleteAttribute per attribute, naming its current value. Tags use the server's tag API.",
    )
    d.add_argument("--tag", action="append", default=[], metavar="TAG", help="remove this tag (repeatable)")
    d.add_argument("--name", action="append", default=[], metavar="NAME", help="remove this name (repeatable)")
    d.add_argument("--activation-date", action="store_true", help="clear the activation date")
    d.add_argument("--deactivation-date", action="store_true", help="clear the deactivation date")
    d.add_argument(
        "--vendor",
        action="append",
        default=[],
        metavar="[VENDOR:]NAME",
        help=f"remove this vendor attribute (vendor {COSMIAN} unless given; repeatable)",
    )
    d.add_argument("--link", action="append", default=[], metavar="TYPE", help="remove the link of this type")

    a = _writer(
        sub,
        "add",
        run_add,
        help="add a name, a date, a vendor attribute or a link (AddAttribute)",
        description="One AddAttribute per attribute: refused when the object already has it "
        "(a date, the same name, a link of that type, that vendor attribute), where set replaces.",
    )
    _value_options(
        a,
        name="add this name (repeatable)",
        activation="ISO 8601 (UTC if no zone) or Unix seconds",
        link="link to another object (repeatable)",
    )

    m = _writer(
        sub,
        "modify",
        run_modify,
        help="replace a name, a date, a vendor attribute or a link (ModifyAttribute)",
        description="One ModifyAttribute per attribute: a name replaces the first name; an "
        "activation date is accepted on a PreActive object only, and one now or past activates it.",
    )
    _value_options(
        m,
        name="replace the first name",
        activation="ISO 8601 or Unix seconds (PreActive objects only)",
        link="replace the link of this type",
    )
    sub.choices = _IdOrCommand(sub.choices)


def _writer(
    sub: _Subparsers, name: str, func: Callable[[argparse.Namespace], int], **texts: Any
) -> argparse.ArgumentParser:
    """A sub-command that changes one object: ``attributes NAME ID …``."""
    p = sub.add_parser(name, **texts)
    p.set_defaults(func=func, writes=True)
    p.add_argument("id", help="object id, or a JSON array of tags naming one object")
    return p


def _value_options(p: argparse.ArgumentParser, *, name: str, activation: str, link: str) -> None:
    """The values set, add and modify send: names, dates, vendor attributes, links."""
    p.add_argument("--name", action="append", default=[], metavar="NAME", help=name)
    p.add_argument("--activation-date", metavar="DATE", help=activation)
    p.add_argument("--deactivation-date", metavar="DATE", help="ISO 8601 (UTC if no zone) or Unix seconds")
    p.add_argument(
        "--vendor",
        action="append",
        default=[],
        metavar="[VENDOR:]NAME=VALUE",
        help=f"a vendor attribute holding text (vendor {COSMIAN} unless given; repeatable)",
    )
    p.add_argument(
        "--vendor-hex",
        action="append",
        default=[],
        metavar="[VENDOR:]NAME=HEX",
        help="a vendor attribute holding bytes, given in hex (ckms --attribute-value)",
    )
    p.add_argument("--link", action="append", default=[], metavar="TYPE:ID", help=link)


# ------------------------------------------------------------------------------------------------
# parsing the values


def parse_date(text: str, flag: str) -> datetime:
    """ISO 8601 (a date alone is midnight UTC; no zone is UTC) or Unix seconds, as ckms takes."""
    t = text.strip()
    try:
        if t.lstrip("-").isdigit():
            return datetime.fromtimestamp(int(t), tz=UTC)
        value = datetime.fromisoformat(t.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        raise UsageError(
            f"{flag} {visible(text)!r} is not a date",
            "give ISO 8601 (2027-01-31 or 2027-01-31T12:00:00Z) or Unix seconds",
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _vendor_name(text: str, flag: str) -> tuple[str, str]:
    vendor, sep, name = text.partition(":")
    if not sep:
        vendor, name = COSMIAN, text
    if not vendor or not name:
        raise UsageError(
            f"{flag} {visible(text)!r}: the vendor and the attribute name must not be empty",
            f"write it {flag} [VENDOR:]NAME…",
        )
    if vendor == COSMIAN and name == TAG_ATTRIBUTE:
        raise UsageError(f"{flag} {visible(text)!r} is the tags attribute", "use --tag TAG")
    return vendor, name


def _vendor_value(text: str, flag: str, *, hex_value: bool) -> tuple[str, str, Any]:
    left, sep, value = text.partition("=")
    if not sep:
        raise UsageError(f"{flag} {visible(text)!r} has no value", f"write it {flag} [VENDOR:]NAME=VALUE")
    vendor, name = _vendor_name(left, flag)
    if hex_value:
        try:
            return vendor, name, bytes.fromhex(value)
        except ValueError:
            raise UsageError(
                f"{flag} {visible(text)!r}: the value is not hex", "e.g. --vendor-hex acme:blob=0A0B"
            ) from None
    return vendor, name, value


def _link_type(text: str, flag: str) -> str:
    key = text.strip().lower().replace("_", "").replace("-", "").removesuffix("link")
    found = _LINK_TYPES.get(key) or _LINK_ALIASES.get(key)
    if found is None:
        raise UsageError(
            f"{flag}: unknown link type {visible(text)!r}",
            "one of: " + ", ".join(_LINK_TYPES) + " (or public, private, …; any case)",
        )
    return found


def _check_tags(tags: list[str]) -> list[str]:
    try:
        checked: list[str] = _edits().check_tags(tags)
        return checked
    except InvalidValue as exc:
        raise UsageError(exc.message, exc.fix, reason="bad_tag") from None


# ------------------------------------------------------------------------------------------------
# running


async def _one(client: KmsClient, text: str) -> str:
    selector = object_id(text)
    ids = await lifecycle.resolve_ids(client, selector)
    if len(ids) > 1:
        from kms_tui.commands.objects import SeveralMatches

        raise SeveralMatches(selector, ids, "name one id: attributes are changed on one object at a time")
    return ids[0]


def _result(uid: str, changes: list[str], attrs: dict[str, Any], verb: str) -> Result:
    from kms_tui.commands.objects import _attribute_table

    lines = [f"{verb} on {visible(uid)}:"] + [f"  {c}" for c in changes]
    return Result(
        {"id": uid, "changes": changes, "attributes": attrs}, "\n".join(lines) + "\n" + _attribute_table(attrs)
    )


def _usage(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """A value that no request can carry is a usage error (exit 3), found before connecting."""

    def checked(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except UsageError as exc:
            from kms_tui.commands.headless import report_error

            return report_error(args, exc)

    checked.__name__ = run.__name__
    return checked


def _plan(args: argparse.Namespace, verb: str) -> list[tuple[str, Any]]:
    """(what the user sees, the one attribute to send) for each value given to set/modify."""
    activation = parse_date(args.activation_date, "--activation-date") if args.activation_date else None
    deactivation = parse_date(args.deactivation_date, "--deactivation-date") if args.deactivation_date else None
    vendors = [_vendor_value(v, "--vendor", hex_value=False) for v in args.vendor]
    vendors += [_vendor_value(v, "--vendor-hex", hex_value=True) for v in args.vendor_hex]
    plan: list[tuple[str, Any]] = [(f"name {visible(n)!r} {verb}", _R().name_attribute(n)) for n in args.name]
    if activation:
        plan.append((f"activation date {_iso(activation)}", _R().activation_date_attribute(activation)))
    if deactivation:
        plan.append((f"deactivation date {_iso(deactivation)}", _R().deactivation_date_attribute(deactivation)))
    for vendor, name, value in vendors:
        shown = value.hex().upper() if isinstance(value, bytes) else visible(value)
        plan.append(
            (
                f"vendor attribute {visible(vendor)}/{visible(name)} = {shown}",
                _R().vendor_attribute(vendor, name, value),
            )
        )
    for text in args.link:
        kind, sep, target = text.partition(":")
        if not sep or not target:
            raise UsageError(
                f"--link {visible(text)!r} has no object id", "write it --link TYPE:ID, e.g. --link public:ID"
            )
        link_type = _link_type(kind, "--link")
        plan.append((f"{link_type} → {visible(target)}", _R().link_attribute(link_type, target)))
    return plan


async def _send_each(client: KmsClient, uid: str, plan: list[tuple[str, Any]], send: Any, changes: list[str]) -> None:
    """One request per attribute of ``plan`` (``send``: an edit of :mod:`kms_tui.client.attributes`)."""
    for what, attribute in plan:
        await send(client, uid, [attribute])
        changes.append(what)


@_usage
def run_set(args: argparse.Namespace) -> int:
    tags = _check_tags(args.tag)
    plan = _plan(args, "added")
    if not (tags or plan):
        raise UsageError(
            "no attribute to set",
            "give --tag, --name, --activation-date, --deactivation-date, --vendor, --vendor-hex or --link",
        )

    return _apply(args, plan, _edits().set_attributes, "set", tags=tags)


@_usage
def run_add(args: argparse.Namespace) -> int:
    plan = _plan(args, "added")
    if not plan:
        raise UsageError(
            "no attribute to add",
            "give --name, --activation-date, --deactivation-date, --vendor, --vendor-hex or --link",
        )

    return _apply(args, plan, _edits().add_attributes, "added")


def _apply(
    args: argparse.Namespace, plan: list[tuple[str, Any]], send: Any, verb: str, tags: list[str] | None = None
) -> int:
    """Send ``plan`` (and add ``tags``) to the one object ``args.id`` names; print it afterwards."""

    async def body(client: KmsClient) -> Result:
        uid = await _one(client, args.id)
        changes: list[str] = []
        with _partial(changes):
            await _send_each(client, uid, plan, send, changes)
            if tags:
                await _edits().change_tags(client, uid, add=tags)
                changes += [f"tag {visible(t)!r} added" for t in tags]
        return _result(uid, changes, await client.get_attributes(uid), verb)

    return run_with_client(args, body)


@_usage
def run_modify(args: argparse.Namespace) -> int:
    if len(args.name) > 1:
        raise UsageError(
            "modify takes one --name (it replaces the first name)",
            "`kms-tui attributes set ID --name N` adds more names",
        )
    plan = _plan(args, "replaces the first name")
    if not plan:
        raise UsageError(
            "no attribute to modify",
            "give --name, --activation-date, --deactivation-date, --vendor, --vendor-hex or --link",
        )

    async def body(client: KmsClient) -> Result:
        uid = await _one(client, args.id)
        if args.activation_date:  # Cosmian: only on a PreActive object (a date now or past activates it)
            state = str((await client.get_attributes(uid, with_tags=False)).get("State", ""))
            if state != "PreActive":
                raise WrongLifecycleState(
                    f"{visible(uid)} is {state}: the activation date can be modified only on a PreActive object",
                    "`kms-tui attributes set ID --activation-date D` records a date without this rule",
                    reason=lifecycle.REASON,
                )
        changes: list[str] = []
        with _partial(changes):
            await _send_each(client, uid, plan, _edits().modify_attributes, changes)
        return _result(uid, changes, await client.get_attributes(uid), "modified")

    return run_with_client(args, body)


# What run_delete reads back to confirm each deletion (``attrs``: the object's attributes).
def _has_name(name: str, attrs: dict[str, Any]) -> bool:
    return name in attrs.get("names", [])


def _has_key(key: str, attrs: dict[str, Any]) -> bool:
    return key in attrs


def _has_vendor_attribute(key: str, attrs: dict[str, Any]) -> bool:
    return key in attrs.get("vendor_attributes", {})


def _has_link(kind: str, attrs: dict[str, Any]) -> bool:
    return any(link.get("type") == kind for link in attrs.get("links", []))


@_usage
def run_delete(args: argparse.Namespace) -> int:
    tags = _check_tags(args.tag)
    vendors = [_vendor_name(v, "--vendor") for v in args.vendor]
    links = [_link_type(t, "--link") for t in args.link]
    if not (tags or args.name or args.activation_date or args.deactivation_date or vendors or links):
        raise UsageError(
            "no attribute to delete", "give --tag, --name, --activation-date, --deactivation-date, --vendor or --link"
        )

    async def body(client: KmsClient) -> Result:
        uid = await _one(client, args.id)
        attrs = await client.get_attributes(uid)
        missing: list[str] = []
        plan: list[tuple[str, Any, Callable[[dict[str, Any]], bool]]] = []
        names = attrs.get("names", [])
        for n in args.name:
            if n not in names:
                missing.append(f"no name {visible(n)!r}")
            plan.append((f"name {visible(n)!r} removed", _R().name_attribute(n), partial(_has_name, n)))
        for flag, key, build in (
            ("activation_date", "ActivationDate", _R().activation_date_attribute),
            ("deactivation_date", "DeactivationDate", _R().deactivation_date_attribute),
        ):
            if getattr(args, flag):
                if key not in attrs:
                    missing.append(f"no {key}")
                    continue
                when = datetime.fromisoformat(str(attrs[key]).replace("Z", "+00:00"))
                plan.append((f"{key} {attrs[key]} removed", build(when), partial(_has_key, key)))
        present = attrs.get("vendor_attributes", {})
        for vendor, name in vendors:
            key = f"{vendor}/{name}"
            if key not in present:
                missing.append(f"no vendor attribute {visible(key)}")
            plan.append(
                (
                    f"vendor attribute {visible(key)} removed",
                    _R().vendor_attribute(vendor, name, b""),
                    partial(_has_vendor_attribute, key),
                )
            )
        have = {str(link.get("type")): str(link.get("id")) for link in attrs.get("links", [])}
        for kind in links:
            if kind not in have:
                missing.append(f"no {kind}")
                continue
            plan.append(
                (
                    f"{kind} → {visible(have[kind])} removed",
                    _R().link_attribute(kind, have[kind]),
                    partial(_has_link, kind),
                )
            )
        absent = [t for t in tags if t not in attrs.get("tags", [])]
        missing += [f"no tag {visible(t)!r}" for t in absent]
        if missing:
            raise NothingToDelete(
                f"{visible(uid)} has " + ", ".join(missing) + "; nothing was deleted",
                f"`kms-tui attributes {visible(uid)}` shows what it has",
                reason="Attribute_Not_Found",
            )
        changes: list[str] = []
        with _partial(changes):
            for what, attribute, _ in plan:
                await _edits().delete_attributes(client, uid, [attribute])
                changes.append(what)
            if tags:
                await _edits().change_tags(client, uid, remove=tags)
                changes += [f"tag {visible(t)!r} removed" for t in tags]
        after = await client.get_attributes(uid)
        kept = [what for what, _, still in plan if still(after)]
        if kept:
            raise ServerRefused(
                f"the server answered success but {visible(uid)} still has: " + "; ".join(kept),
                "check the value with `kms-tui attributes ID --json`",
                reason="not_deleted",
            )
        return _result(uid, changes, after, "deleted")

    return run_with_client(args, body)


@contextmanager
def _partial(changes: list[str]) -> Iterator[None]:
    """A failure after some requests succeeded says which ones did (one request per attribute)."""
    try:
        yield
    except KmsError as exc:
        if changes:
            exc.message = f"{exc.message} (already done before this: {'; '.join(changes)})"
        raise


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
