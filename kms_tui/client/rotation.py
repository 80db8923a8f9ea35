"""Re-key and rotation policies on a :class:`~kms_tui.client.KmsClient`, after ckms 5.26
(``actions/symmetric/keys/rekey.rs``, ``actions/shared/{rekey_keypair,set_rotation_policy,
get_rotation_policy}.rs``), and the rotation history of a key: the chain of
``ReplacedObjectLink`` (older) and ``ReplacementObjectLink`` (newer) links between generations.

The next rotation date follows Cosmian's scheduler (``auto_rotate.rs:
days_until_next_rotation``): RotateDate + RotateInterval, else InitialDate + RotateOffset +
RotateInterval; only when RotateAutomatic is on and the interval positive does the server act on it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from kms_tui.client import errors
from kms_tui.client.attributes import set_attributes
from kms_tui.client.kms_client import KmsClient
from kms_tui.client.serde_dates import as_datetime, rfc3339
from kms_tui.kmip.models import attribute_requests as R
from kms_tui.kmip.models import rotation_requests as rr

__all__ = [
    "parse_span",
    "span_text",
    "RotationPolicy",
    "Generation",
    "policy_of",
    "rekey",
    "set_policy",
    "clear_policy",
    "read_policy",
    "history",
    "HISTORY_LIMIT",
]

_SPAN = re.compile(r"^\s*(\d+)\s*([smhdw]?)\s*$", re.IGNORECASE)
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
HISTORY_LIMIT = 100  # generations walked each way (a cycle or a very long chain stops there)


def parse_span(text: str, what: str = "--interval") -> int:
    """``90d``, ``12h``, ``30m``, ``45s``, ``2w`` or a bare number of seconds (as ckms takes)."""
    m = _SPAN.match(text)
    if not m:
        raise errors.InvalidValue(f"{what} {text!r} is not a duration", "write it as 90d, 12h, 30m, 45s, 2w or seconds")
    return int(m.group(1)) * _UNIT[m.group(2).lower()]


def span_text(seconds: int | None) -> str:
    """``7776000`` → ``90d``; ``0``/None → ``off``."""
    if not seconds:
        return "off"
    for unit, size in (("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _long(value: Any) -> int | None:
    """A LongInteger as attributes_to_dict gives it (an int, or ``0x…`` hex text)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value), 0)
    except ValueError:
        return None


_date = as_datetime


@dataclass
class RotationPolicy:
    """What ``get-rotation-policy`` shows, plus RotateAutomatic, RotateLatest and the next date."""

    uid: str
    interval: int | None = None
    offset: int | None = None
    name: str | None = None
    generation: int | None = None
    last_rotation: datetime | None = None
    automatic: bool | None = None
    latest: bool | None = None
    next_rotation: datetime | None = None

    @property
    def active(self) -> bool:
        """Whether the server's scheduler will rotate this key."""
        return bool(self.automatic) and bool(self.interval) and self.next_rotation is not None

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        for k in ("last_rotation", "next_rotation"):
            out[k] = rfc3339(out[k])
        out["scheduled"] = self.active
        return out


def policy_of(uid: str, attrs: dict[str, Any]) -> RotationPolicy:
    """The policy in a GetAttributes dict (``client.requests.attributes_to_dict``)."""
    interval, offset = _long(attrs.get("RotateInterval")), _long(attrs.get("RotateOffset"))
    last, initial = _date(attrs.get("RotateDate")), _date(attrs.get("InitialDate"))
    nxt = None
    if interval and interval > 0:
        if last is not None:
            nxt = last + timedelta(seconds=interval)
        elif initial is not None:
            nxt = initial + timedelta(seconds=(offset or 0) + interval)
    generation = attrs.get("RotateGeneration")
    return RotationPolicy(
        uid,
        interval,
        offset,
        attrs.get("RotateName"),
        generation if isinstance(generation, int) else None,
        last,
        attrs.get("RotateAutomatic"),
        attrs.get("RotateLatest"),
        nxt,
    )


async def read_policy(client: KmsClient, uid: str) -> RotationPolicy:
    """``get-rotation-policy``: GetAttributes, read."""
    return policy_of(uid, await client.get_attributes(uid, with_tags=False))


async def set_policy(
    client: KmsClient, uid: str, *, interval: int | None = None, offset: int | None = None, name: str | None = None
) -> RotationPolicy:
    """``set-rotation-policy``: one SetAttribute per given field (interval, offset, name)."""
    attributes = rr.policy_attributes(interval=interval, offset=offset, name=name)
    if not attributes:
        raise errors.InvalidValue("nothing to set", "give --interval, --offset or --name")
    await set_attributes(client, uid, attributes)
    return await read_policy(client, uid)


async def enrol_after_create(
    client: KmsClient, uid: str, *, interval: int | None = None, offset: int | None = None, keyset: bool = False
) -> None:
    """ckms's ``RotationPolicyArgs::apply`` after a create (``--rotation-interval``,
    ``--rotation-offset``, ``--enroll-keyset``): SetAttribute RotateInterval, RotateOffset, then
    RotateName = the new key's own id."""
    attributes = rr.policy_attributes(interval=interval, offset=offset, name=uid if keyset else None)
    if attributes:
        await set_attributes(client, uid, attributes)


async def clear_policy(client: KmsClient, uid: str) -> RotationPolicy:
    """Stop automatic rotation: RotateInterval 0 (ckms: "set to 0 to disable automatic rotation
    while preserving other policy fields"), and the RotateOffset removed when there is one."""
    before = await read_policy(client, uid)
    await set_attributes(client, uid, rr.policy_attributes(interval=0))
    if before.offset is not None:
        current = rr.policy_attributes(offset=before.offset)[0]  # by value: CurrentAttribute
        await client.send(R.delete_attribute(uid, current).to_ttlv(), require=("UniqueIdentifier",))
    return await read_policy(client, uid)


async def rekey(client: KmsClient, uid: str, *, offset: int | None = None) -> dict[str, Any]:
    """ReKey a symmetric key, or ReKeyKeyPair a private key (a public key: its private key's
    pair), as its ObjectType says. ``{"old", "new", "kind", "public"?}``."""
    try:
        attrs = await client.get_attributes(uid, with_tags=False)
    except errors.ObjectNotFound:
        if "@" not in uid:
            raise
        # a keyset reference (name@latest, name@N): GetAttributes does not resolve it, but its
        # first key has the keyset's name as id and every generation has its type
        attrs = await client.get_attributes(uid.rpartition("@")[0], with_tags=False)
    kind = attrs.get("ObjectType")
    if kind == "PublicKey":
        partner = next((link["id"] for link in attrs.get("links", []) if link["type"] == "PrivateKeyLink"), None)
        if partner is None:
            raise errors.InvalidValue(
                f"public key {uid} has no PrivateKeyLink", "re-key the key pair through its private key"
            )
        uid, kind = partner, "PrivateKey"
    if kind == "SymmetricKey":
        response = await client.send(rr.rekey_request(uid, offset=offset), require=("UniqueIdentifier",))
        return {"old": uid, "new": str(response.get_value("UniqueIdentifier")), "kind": kind}
    if kind == "PrivateKey":
        response = await client.send(
            rr.rekey_key_pair_request(uid, offset=offset),
            require=("PrivateKeyUniqueIdentifier", "PublicKeyUniqueIdentifier"),
        )
        return {
            "old": uid,
            "new": str(response.get_value("PrivateKeyUniqueIdentifier")),
            "kind": kind,
            "public": str(response.get_value("PublicKeyUniqueIdentifier")),
        }
    raise errors.InvalidValue(
        f"{uid} is a {kind or 'object of unknown type'}, not a key that can be re-keyed",
        "re-key a symmetric key or a private key",
    )


@dataclass
class Generation:
    """One key in a rotation chain."""

    uid: str
    state: str = ""
    generation: int | None = None
    rotate_date: datetime | None = None
    initial_date: datetime | None = None
    replaced: str | None = None  # the older key (ReplacedObjectLink)
    replacement: str | None = None  # the newer key (ReplacementObjectLink)
    error: str = ""
    attributes: dict[str, Any] = field(default_factory=dict, repr=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.uid,
            "state": self.state,
            "generation": self.generation,
            "rotate_date": rfc3339(self.rotate_date),
            "initial_date": rfc3339(self.initial_date),
            "replaced": self.replaced,
            "replacement": self.replacement,
            "error": self.error or None,
        }


def _generation(uid: str, attrs: dict[str, Any] | errors.KmsError) -> Generation:
    if isinstance(attrs, errors.KmsError):
        return Generation(uid, error=attrs.message)
    links = {link["type"]: link["id"] for link in attrs.get("links", [])}
    gen = attrs.get("RotateGeneration")
    return Generation(
        uid,
        str(attrs.get("State", "")),
        gen if isinstance(gen, int) else None,
        _date(attrs.get("RotateDate")),
        _date(attrs.get("InitialDate")),
        links.get("ReplacedObjectLink"),
        links.get("ReplacementObjectLink"),
        attributes=attrs,
    )


async def history(client: KmsClient, uid: str) -> list[Generation]:
    """The chain through ``uid``, oldest first: ReplacedObjectLink back, ReplacementObjectLink
    forward. A link to an object that cannot be read ends the chain with that object's error."""

    async def one(target: str) -> Generation:
        got = await client.get_attributes_many([target], with_tags=False)
        return _generation(target, got[target])

    start = await one(uid)
    if start.error:
        raise errors.ObjectNotFound(start.error, "check the id")
    chain, seen = [start], {uid}
    node = start
    while node.replaced and node.replaced not in seen and len(seen) < HISTORY_LIMIT:
        node = await one(node.replaced)
        seen.add(node.uid)
        chain.insert(0, node)
    node = start
    while node.replacement and node.replacement not in seen and len(seen) < 2 * HISTORY_LIMIT:
        node = await one(node.replacement)
        seen.add(node.uid)
        chain.append(node)
    return chain
