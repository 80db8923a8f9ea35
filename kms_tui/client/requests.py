"""The client's KMIP requests, built by the ckms-style builders of :mod:`kms_tui.kmip.models`,
and readers for the answers.

The functions here keep the client's small vocabulary (``kind="ec", curve="p384"``,
:class:`LocateFilter`) and return bare operation nodes for :meth:`KmsClient.send`; the request
shapes themselves come from ``kms_tui.kmip.models.requests`` (tested against Cosmian's samples),
so the client sends exactly what ckms sends (e.g. ``Qlength`` 256 for every curve).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from kms_tui.client import fast_requests as fast
from kms_tui.client.errors import InvalidValue
from kms_tui.kmip.enums import (
    CryptographicAlgorithm,
    KeyFormatType,
    KmipEnum,
    LinkType,
    ObjectType,
    RevocationReasonCode,
    State,
)
from kms_tui.kmip.ttlv import TTLV

if TYPE_CHECKING:
    from kms_tui.kmip.models.base import TTLVModel


class _Builders:
    """``kms_tui.kmip.models.requests`` (pydantic), imported by the first request that is not
    built by :mod:`.fast_requests`: ``create aes`` and ``locate`` never load it."""

    def __getattr__(self, name: str) -> Any:
        from kms_tui.kmip.models import requests as module

        return getattr(module, name)


build: Any = _Builders()

REVOCATION_REASONS = tuple(r.value for r in RevocationReasonCode)
# The client's key-pair kinds → the builder's algorithm name.
PAIR_ALGORITHMS = {"rsa": "RSA", "ec": "EC", "ed25519": "Ed25519", "ed448": "Ed448"}
# The client's curve names (ckms's `--curve` without the `nist-` prefix) → RecommendedCurve.
EC_CURVES = {
    "p192": "P192",
    "p224": "P224",
    "p256": "P256",
    "p384": "P384",
    "p521": "P521",
    "secp256k1": "SECP256K1",
    "secp224k1": "SECP224K1",
    "x25519": "CURVE25519",
    "x448": "CURVE448",
}

E = TypeVar("E", bound=KmipEnum)


def uid_node(uid: str) -> TTLV:
    """A UniqueIdentifier; a JSON array of tags (``["a","b"]``) is passed through as ckms does."""
    return TTLV.text("UniqueIdentifier", uid)


def _wire(model: TTLVModel) -> TTLV:
    return model.to_ttlv()


@overload
def _enum(enum: type[E], value: str, what: str) -> E: ...
@overload
def _enum(enum: type[E], value: str | None, what: str) -> E | None: ...


def _enum(enum: type[E], value: str | None, what: str) -> E | None:
    """A user-typed enumeration value, or a clear error naming the accepted ones."""
    if value is None:
        return None
    try:
        return enum.from_wire(value)
    except ValueError:
        known = ", ".join(m.value for m in enum)
        raise InvalidValue(f"unknown {what} {value!r}", f"use one of: {known}") from None


def _built(make: Callable[[], TTLVModel]) -> TTLV:
    """Run a builder; its ValueError (bad size, curve…) becomes the client's InvalidValue."""
    try:
        return _wire(make())
    except ValueError as exc:
        raise InvalidValue(str(exc)) from None


def create_symmetric_key(
    algorithm: str = "AES",
    length: int = 256,
    *,
    tags: Sequence[str] = (),
    name: str | None = None,
    activate: bool = True,
) -> TTLV:
    """Create, as ``ckms sym keys create`` (Active: ActivationDate=now; ``activate=False``:
    pre-active, no ActivationDate)."""
    quick = fast.create_symmetric_key(algorithm, length, tags, name, activate)
    if quick is not None:
        return quick
    alg = _enum(CryptographicAlgorithm, algorithm, "algorithm")
    return _built(lambda: build.create_symmetric_key_request(alg, length, list(tags), name=name, activate=activate))


def create_key_pair(
    kind: str,
    *,
    size: int = 2048,
    curve: str = "p256",
    tags: Sequence[str] = (),
    name: str | None = None,
    activate: bool = True,
) -> TTLV:
    """CreateKeyPair for ``rsa``, ``ec``, ``ed25519`` or ``ed448`` with FIPS-acceptable masks;
    both keys Active, or pre-active (no ActivationDate anywhere) with ``activate=False``.

    The name goes on the private key only (the public key is found through its link).
    """
    algorithm = PAIR_ALGORITHMS.get(kind)
    if algorithm is None:
        raise InvalidValue(f"unknown key pair kind {kind!r}", f"use one of: {', '.join(PAIR_ALGORITHMS)}")

    def make() -> TTLVModel:
        req = build.create_key_pair_request(
            algorithm,
            size if kind == "rsa" else None,
            EC_CURVES.get(curve.lower().removeprefix("nist-"), curve.upper()) if kind == "ec" else None,
            list(tags),
            activate=activate,
        )
        if name:
            from kms_tui.kmip.models.attributes import Name

            assert req.private_key_attributes is not None, "create_key_pair_request always sets them"
            req.private_key_attributes.name = [Name(name_value=name)]
        return cast("TTLVModel", req)

    return _built(make)


@dataclass(frozen=True)
class LocateFilter:
    """What ``kms-tui locate`` and the object browser filter on (reference §3.3)."""

    object_type: str | None = None
    algorithm: str | None = None
    state: str | None = None
    tags: tuple[str, ...] = ()
    name: str | None = None
    length: int | None = None
    linked_to: str | None = None

    @property
    def is_empty(self) -> bool:
        return self == LocateFilter()


# The link types a "linked to X" search covers (one Locate each, batched in one message).
LINK_TYPES = ("PublicKeyLink", "PrivateKeyLink", "CertificateLink", "ParentLink", "ChildLink", "WrappingKeyLink")


def locate(
    filters: LocateFilter = LocateFilter(), *, maximum: int | None = None, link_type: str = "PrivateKeyLink"
) -> TTLV:
    """Locate with the filters the server applies; ``link_type`` is used with ``linked_to``."""
    quick = fast.locate(filters, maximum)
    if quick is not None:
        return quick
    links = {LinkType.from_wire(link_type): filters.linked_to} if filters.linked_to else {}
    return _wire(
        build.locate_request(
            build.LocateFilters(
                tags=list(filters.tags),
                object_type=_enum(ObjectType, filters.object_type, "object type"),
                cryptographic_algorithm=_enum(CryptographicAlgorithm, filters.algorithm, "algorithm"),
                cryptographic_length=filters.length or None,
                state=_enum(State, filters.state, "state"),
                name=filters.name or None,
                links=links,
                max_items=maximum or None,
            )
        )
    )


def get_attributes(uid: str) -> TTLV:
    """GetAttributes with no reference: every standard attribute except the tags (reference §3.5)."""
    return fast.get_attributes(uid) or _wire(build.get_attributes_request(uid))


def get_tags(uid: str) -> TTLV:
    """GetAttributes for the tags only (they are not part of "all")."""
    return fast.get_attributes(uid, tags_only=True) or _wire(build.get_attributes_request(uid, ["Tag"]))


def activate(uid: str) -> TTLV:
    """Activate a PreActive object."""
    return _wire(build.activate_request(uid))


def revoke(
    uid: str,
    reason: str = "Unspecified",
    *,
    message: str | None = None,
    compromise_date: datetime | None = None,
    cascade: bool = True,
) -> TTLV:
    """Revoke as ckms: RevocationReason structure, Cascade=true unless told otherwise."""
    code = _enum(RevocationReasonCode, reason, "revocation reason")
    return _wire(build.revoke_request(uid, code, message, cascade=cascade, compromise_date=compromise_date))


def destroy(uid: str, *, remove: bool = False, cascade: bool = True) -> TTLV:
    """Destroy as ckms (Cascade=true); ``remove`` deletes the record too."""
    return _wire(build.destroy_request(uid, remove=remove, cascade=cascade))


def export(uid: str, key_format: str | None = None) -> TTLV:
    """Export an object with its attributes (server's default format unless told)."""
    return _wire(build.export_request(uid, _enum(KeyFormatType, key_format, "key format")))


def get(uid: str, key_format: str | None = None) -> TTLV:
    """Get an object (server's default format unless told)."""
    return _wire(build.get_request(uid, _enum(KeyFormatType, key_format, "key format")))


def request_message(ops: Sequence[TTLV]) -> TTLV:
    """A RequestMessage envelope (reference §1.7) holding one BatchItem per operation."""
    quick = fast.request_message(ops)
    if quick is not None:
        return quick
    from kms_tui.kmip.models import RequestMessage

    return RequestMessage.of(*ops).to_ttlv()


# ------------------------------------------------------------------------------------------------
# Reading answers
# ------------------------------------------------------------------------------------------------


def located_ids(response: TTLV) -> list[str]:
    return [str(n.value) for n in response.children("UniqueIdentifier")]


def attributes_to_dict(attrs: TTLV | None) -> dict[str, Any]:
    """A flat JSON-friendly dict of an ``Attributes`` structure; tags under ``tags``, links under ``links``."""
    out: dict[str, Any] = {}
    if attrs is None:
        return out
    for node in attrs.children():
        if node.tag == "Attribute":
            name = node.get_value("AttributeName", "")
            value = node.get_value("AttributeValue")
            if name == "tag" and isinstance(value, str):
                try:
                    out["tags"] = sorted(json.loads(value))
                except ValueError:
                    out["tags"] = [value]
            else:
                out.setdefault("vendor_attributes", {})[f"{node.get_value('VendorIdentification', '')}/{name}"] = (
                    _plain(value)
                )
        elif node.tag == "Link":
            out.setdefault("links", []).append(
                {"type": node.get_value("LinkType"), "id": str(node.get_value("LinkedObjectIdentifier"))}
            )
        elif node.tag == "Name":
            out.setdefault("names", []).append(node.get_value("NameValue"))
        else:
            out[node.tag] = _plain_node(node)
    return out


def _plain_node(node: TTLV) -> Any:
    if node.is_struct:
        return {c.tag: _plain_node(c) for c in node.value}
    return _plain(node.value)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, bytes):
        return value.hex().upper()
    return value
