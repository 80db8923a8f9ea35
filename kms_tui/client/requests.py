"""KMIP 2.1 JSON TTLV requests as ckms builds them, and readers for the answers.

Built directly on :mod:`kms_tui.kmip.ttlv` so the client does not depend on the shape of the
pydantic models; the shapes follow reference §3 and the samples in ``ttlv_samples/``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Sequence

from kms_tui.kmip.ttlv import TTLV

# FIPS-acceptable usage masks (reference §3.2; ckms --fips request builders).
RSA_PRIVATE_MASK, RSA_PUBLIC_MASK = 2601, 2582
EC_PRIVATE_MASK, EC_PUBLIC_MASK = 1063425, 1051138
EDDSA_PRIVATE_MASK, EDDSA_PUBLIC_MASK = 1060865, 1048578
SYMMETRIC_MASK = 2108  # Encrypt|Decrypt|WrapKey|UnwrapKey|KeyAgreement, as ckms

CURVES = {"p256": ("P256", 256), "p384": ("P384", 384), "p521": ("P521", 521)}
REVOCATION_REASONS = (
    "Unspecified",
    "KeyCompromise",
    "CACompromise",
    "AffiliationChanged",
    "Superseded",
    "CessationOfOperation",
    "PrivilegeWithdrawn",
)


def now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def uid_node(uid: str) -> TTLV:
    """A UniqueIdentifier; a JSON array of tags (``["a","b"]``) is passed through as ckms does."""
    return TTLV.text("UniqueIdentifier", uid)


def tags_attribute(tags: Iterable[str], vendor: str = "cosmian") -> TTLV:
    return TTLV.struct(
        "Attribute",
        [
            TTLV.text("VendorIdentification", vendor),
            TTLV.text("AttributeName", "tag"),
            TTLV.text("AttributeValue", json.dumps(sorted(set(tags)), separators=(",", ":"))),
        ],
    )


def name_attribute(name: str) -> TTLV:
    return TTLV.struct("Name", [TTLV.text("NameValue", name), TTLV.enum("NameType", "UninterpretedTextString")])


def _attributes(tag: str, children: list[TTLV | None]) -> TTLV:
    return TTLV.struct(tag, [c for c in children if c is not None])


def create_symmetric_key(
    algorithm: str = "AES", length: int = 256, *, tags: Sequence[str] = (), name: str | None = None
) -> TTLV:
    """Create, as ``ckms sym keys create`` (Active: ActivationDate=now)."""
    attrs = _attributes(
        "Attributes",
        [
            TTLV.date("ActivationDate", now()),
            TTLV.enum("CryptographicAlgorithm", algorithm),
            TTLV.integer("CryptographicLength", length),
            TTLV.integer("CryptographicUsageMask", SYMMETRIC_MASK),
            TTLV.enum("KeyFormatType", "TransparentSymmetricKey"),
            name_attribute(name) if name else None,
            TTLV.enum("ObjectType", "SymmetricKey"),
            tags_attribute(tags) if tags else None,
        ],
    )
    return TTLV.struct("Create", [TTLV.enum("ObjectType", "SymmetricKey"), attrs])


def create_key_pair(
    kind: str, *, size: int = 2048, curve: str = "p256", tags: Sequence[str] = (), name: str | None = None
) -> TTLV:
    """CreateKeyPair for ``rsa``, ``ec``, ``ed25519`` or ``ed448`` with FIPS-acceptable masks."""
    when = now()
    domain: TTLV | None = None
    length: int | None = None
    if kind == "rsa":
        algorithm, masks, formats = "RSA", (RSA_PRIVATE_MASK, RSA_PUBLIC_MASK), ("TransparentRSAPrivateKey",) * 2
        length = size
    elif kind == "ec":
        curve_name, qlength = CURVES[curve]
        algorithm, masks = "ECDH", (EC_PRIVATE_MASK, EC_PUBLIC_MASK)
        formats = ("ECPrivateKey", "TransparentECPublicKey")
        domain = TTLV.struct(
            "CryptographicDomainParameters",
            [TTLV.integer("Qlength", qlength), TTLV.enum("RecommendedCurve", curve_name)],
        )
    elif kind in ("ed25519", "ed448"):
        algorithm = "Ed25519" if kind == "ed25519" else "Ed448"
        masks, formats = (EDDSA_PRIVATE_MASK, EDDSA_PUBLIC_MASK), ("ECPrivateKey", "TransparentECPublicKey")
        domain = TTLV.struct(
            "CryptographicDomainParameters",
            [TTLV.enum("RecommendedCurve", "CURVEED25519" if kind == "ed25519" else "CURVEED448")],
        )
    else:
        raise ValueError(f"unknown key pair kind {kind!r}")

    def part(tag: str, mask: int, fmt: str | None, object_type: str, extra: list[TTLV | None]) -> TTLV:
        return _attributes(
            tag,
            [
                TTLV.date("ActivationDate", when),
                TTLV.enum("CryptographicAlgorithm", algorithm),
                domain.copy() if domain is not None else None,
                TTLV.integer("CryptographicLength", length) if length else None,
                TTLV.integer("CryptographicUsageMask", mask),
                TTLV.enum("KeyFormatType", fmt) if fmt else None,
                *extra,
                TTLV.enum("ObjectType", object_type),
            ],
        )

    named = [name_attribute(name)] if name else []
    common = part(
        "CommonAttributes", masks[0] | masks[1], None, "PrivateKey", [tags_attribute(tags)] if tags else []
    )
    private = part("PrivateKeyAttributes", masks[0], formats[0], "PrivateKey", named)
    public = part("PublicKeyAttributes", masks[1], formats[1], "PublicKey", [])
    return TTLV.struct("CreateKeyPair", [common, private, public])


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
    attrs = _attributes(
        "Attributes",
        [
            TTLV.enum("CryptographicAlgorithm", filters.algorithm) if filters.algorithm else None,
            TTLV.integer("CryptographicLength", filters.length) if filters.length else None,
            name_attribute(filters.name) if filters.name else None,
            TTLV.enum("ObjectType", filters.object_type) if filters.object_type else None,
            TTLV.enum("State", filters.state) if filters.state else None,
            tags_attribute(filters.tags) if filters.tags else None,
        ],
    )
    if filters.linked_to:
        attrs.value.append(
            TTLV.struct(
                "Link",
                [TTLV.enum("LinkType", link_type), TTLV.text("LinkedObjectIdentifier", filters.linked_to)],
            )
        )
    return TTLV.struct("Locate", [TTLV.integer("MaximumItems", maximum) if maximum else None, attrs])


def get_attributes(uid: str) -> TTLV:
    """GetAttributes with no reference: every standard attribute except the tags (reference §3.5)."""
    return TTLV.struct("GetAttributes", [uid_node(uid)])


def get_tags(uid: str) -> TTLV:
    """GetAttributes for the tags only (they are not part of "all")."""
    return TTLV.struct("GetAttributes", [uid_node(uid), TTLV.enum("AttributeReference", "Tag")])


def activate(uid: str) -> TTLV:
    return TTLV.struct("Activate", [uid_node(uid)])


def revoke(
    uid: str,
    reason: str = "Unspecified",
    *,
    message: str | None = None,
    compromise_date: datetime | None = None,
    cascade: bool = True,
) -> TTLV:
    """Revoke as ckms: RevocationReason structure, Cascade=true unless told otherwise."""
    rr = TTLV.struct(
        "RevocationReason",
        [TTLV.enum("RevocationReasonCode", reason), TTLV.text("RevocationMessage", message) if message else None],
    )
    return TTLV.struct(
        "Revoke",
        [
            uid_node(uid),
            rr,
            TTLV.date("CompromiseOccurrenceDate", compromise_date) if compromise_date else None,
            TTLV.boolean("Cascade", True) if cascade else None,
        ],
    )


def destroy(uid: str, *, remove: bool = False, cascade: bool = True) -> TTLV:
    return TTLV.struct(
        "Destroy",
        [uid_node(uid), TTLV.boolean("Remove", True) if remove else None, TTLV.boolean("Cascade", True) if cascade else None],
    )


def export(uid: str, key_format: str | None = None) -> TTLV:
    return TTLV.struct(
        "Export", [uid_node(uid), TTLV.enum("KeyFormatType", key_format) if key_format else None]
    )


def get(uid: str, key_format: str | None = None) -> TTLV:
    return TTLV.struct("Get", [uid_node(uid), TTLV.enum("KeyFormatType", key_format) if key_format else None])


def request_message(ops: Sequence[TTLV]) -> TTLV:
    """A RequestMessage envelope (reference §1.7) holding one BatchItem per operation."""
    header = TTLV.struct(
        "RequestHeader",
        [
            TTLV.struct(
                "ProtocolVersion",
                [TTLV.integer("ProtocolVersionMajor", 2), TTLV.integer("ProtocolVersionMinor", 1)],
            ),
            TTLV.integer("BatchCount", len(ops)),
        ],
    )
    items = [
        TTLV.struct(
            "BatchItem",
            [TTLV.enum("Operation", op.tag), TTLV.struct("RequestPayload", [c.copy() for c in op.value])],
        )
        for op in ops
    ]
    return TTLV.struct("RequestMessage", [header, *items])


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
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, bytes):
        return value.hex().upper()
    return value
