"""Keyset references, as Cosmian 5.26 resolves them (``crate/server/src/core/uid_utils.rs:
parse_keyset_identifier, resolve_uid_or_keyset, resolve_keyset_to_single_uid,
walk_keyset_chain``): ``name``, ``name@latest``, ``name@first`` (``@0``), ``name@N`` name the keys
of the user whose RotateName is ``name`` (``find_by_rotate_name`` filters on the owner), by
RotateGeneration. A UUID-shaped id, a tag list or an id with an unknown ``@`` suffix is no
keyset reference."""

from __future__ import annotations

import re

from kms_tui.server.context import OpContext
from kms_tui.server.errors import InvalidRequest

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_I32 = re.compile(r"^[+-]?\d+$")
BARE, LATEST = "bare", "latest"


def parse_keyset(identifier: str) -> tuple[str, str | int] | None:
    """``parse_keyset_identifier``: (name, ``"latest"`` | ``"bare"`` | a generation) or None."""
    if identifier.startswith("["):
        return None
    if identifier.startswith("hsm::"):
        return None if "@" in identifier else (identifier, BARE)
    if "@" in identifier:
        name, _, suffix = identifier.rpartition("@")
        if not name or _UUID.match(name):
            return None
        if suffix == LATEST:
            return name, LATEST
        if suffix == "first":
            return name, 0
        if _I32.match(suffix) and -(2**31) <= int(suffix) < 2**31:
            return name, int(suffix)
        return None
    return None if _UUID.match(identifier) else (identifier, BARE)


def chain(ctx: OpContext, name: str) -> list[str]:
    """``walk_keyset_chain``: the user's keys of keyset ``name``, newest generation first."""
    members = ctx.store.by_rotate_name(name, ctx.user, None)
    return [uid for uid, _ in sorted(members, key=lambda m: m[1], reverse=True)]


def single(ctx: OpContext, name: str, version: str | int) -> str | None:
    """``resolve_keyset_to_single_uid``: the member of that generation, or the newest one."""
    generation = version if isinstance(version, int) else None
    members = ctx.store.by_rotate_name(name, ctx.user, generation)
    return max(members, key=lambda m: m[1])[0] if members else None


def resolve_keyset(ctx: OpContext, uid: str, op: str) -> str:
    """``resolve_uid_or_keyset`` (ReKey, ReKeyKeyPair): the concrete id a keyset reference names;
    a bare name that is no keyset stays as it is; an explicit version that resolves to nothing is
    refused."""
    ref = parse_keyset(uid)
    if ref is None:
        return uid
    found = single(ctx, *ref)
    if found is not None:
        return found
    if ref[1] == BARE:
        return uid
    raise InvalidRequest(f"{op}: keyset '{uid}' not found or has no resolvable latest key")
