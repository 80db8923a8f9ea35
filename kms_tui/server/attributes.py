"""Helpers over the flat KMIP 2.1 ``Attributes`` structure: ordering, links, tags (the vendor
``tag`` attribute holding a JSON array), vendor attributes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from kms_tui.kmip.ttlv import TTLV

# Cosmian's emission order (Rust declaration order of `Attributes`).
ORDER = (
    "ActivationDate AlternativeName AlwaysSensitive ApplicationSpecificInformation ArchiveDate "
    "AttributeIndex CertificateAttributes CertificateType CertificateLength Comment CompromiseDate "
    "CompromiseOccurrenceDate ContactInformation Critical CryptographicAlgorithm "
    "CryptographicDomainParameters CryptographicLength CryptographicParameters CryptographicUsageMask "
    "DeactivationDate Description DestroyDate Digest DigitalSignatureAlgorithm Extractable Fresh "
    "InitialDate KeyFormatType KeyValueLocation KeyValuePresent LastChangeDate LeaseTime Link Name "
    "NeverExtractable NistKeyType ObjectGroup ObjectGroupMember ObjectType OpaqueDataType "
    "OriginalCreationDate Pkcs12FriendlyName ProcessStartDate ProtectStopDate ProtectionLevel "
    "ProtectionPeriod ProtectionStorageMasks QuantumSafe RandomNumberGenerator RevocationReason "
    "RotateAutomatic RotateDate RotateGeneration RotateInterval RotateLatest RotateName RotateOffset "
    "Sensitive ShortUniqueIdentifier State UniqueIdentifier UsageLimits Attribute "
    "X509CertificateIdentifier X509CertificateIssuer X509CertificateSubject"
).split()
RANK = {tag: i for i, tag in enumerate(ORDER)}
KNOWN = frozenset(ORDER)


def now() -> datetime:
    """Server time, whole seconds (Cosmian's ``time_normalize``)."""
    return datetime.now(UTC).replace(microsecond=0)


def sort_attributes(attrs: TTLV) -> TTLV:
    """Put children in Cosmian's order, keeping repeated tags in their relative order."""
    attrs.value.sort(key=lambda c: RANK.get(c.tag, len(ORDER)))
    return attrs


def value(attrs: TTLV | None, tag: str, default: Any = None) -> Any:
    """The value of the first ``tag`` child of ``attrs`` (None-safe)."""
    return default if attrs is None else attrs.get_value(tag, default)


def put(attrs: TTLV, node: TTLV) -> None:
    """Set a single-valued attribute (replacing any previous one)."""
    attrs.set(node)


def links(attrs: TTLV) -> dict[str, str]:
    """``{LinkType: LinkedObjectIdentifier}``."""
    out: dict[str, str] = {}
    for link in attrs.children("Link"):
        lt = link.get_value("LinkType")
        target = link.get_value("LinkedObjectIdentifier")
        if isinstance(lt, str) and target is not None:
            out[lt] = str(target)
    return out


def set_link(attrs: TTLV, link_type: str, target: str) -> None:
    """One link per type (Cosmian's ``set_link``)."""
    attrs.value = [c for c in attrs.value if not (c.tag == "Link" and c.get_value("LinkType") == link_type)]
    attrs.value.append(
        TTLV.struct(
            "Link",
            [TTLV.enum("LinkType", link_type), TTLV.text("LinkedObjectIdentifier", target)],
        )
    )
    sort_attributes(attrs)


def vendor_attribute(attrs: TTLV, vendor: str, name: str) -> TTLV | None:
    """The ``AttributeValue`` node of vendor attribute ``(vendor, name)``."""
    for a in attrs.children("Attribute"):
        if a.get_value("VendorIdentification") == vendor and a.get_value("AttributeName") == name:
            return a.get("AttributeValue")
    return None


def remove_vendor_attribute(attrs: TTLV, vendor: str, name: str) -> None:
    """Drop every vendor attribute ``(vendor, name)``."""
    attrs.value = [
        c
        for c in attrs.value
        if not (
            c.tag == "Attribute"
            and c.get_value("VendorIdentification") == vendor
            and c.get_value("AttributeName") == name
        )
    ]


def vendor_node(vendor: str, name: str, value_node: TTLV) -> TTLV:
    """A vendor ``Attribute`` structure holding ``value_node`` as its AttributeValue."""
    value_node.tag = "AttributeValue"
    return TTLV.struct(
        "Attribute",
        [TTLV.text("VendorIdentification", vendor), TTLV.text("AttributeName", name), value_node],
    )


def request_tags(attrs: TTLV | None, vendor: str) -> list[str] | None:
    """Tags carried by a request's attributes, or None when there is no tag attribute.
    Raises ValueError when the value is not a JSON array of strings."""
    if attrs is None:
        return None
    node = vendor_attribute(attrs, vendor, "tag")
    if node is None:
        return None
    if node.type != "TextString":
        raise ValueError("the tag attribute must be a TextString holding a JSON array")
    try:
        tags = json.loads(node.value)
    except ValueError:
        raise ValueError(f"invalid tags {node.value!r}: expected a JSON array of strings") from None
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ValueError(f"invalid tags {node.value!r}: expected a JSON array of strings")
    return tags


def set_tags(attrs: TTLV, vendor: str, tags: set[str]) -> None:
    """Store ``tags`` as the vendor ``tag`` attribute (sorted for stable output)."""
    remove_vendor_attribute(attrs, vendor, "tag")
    attrs.value.append(vendor_node(vendor, "tag", TTLV.text("", json.dumps(sorted(tags), separators=(",", ":")))))
    sort_attributes(attrs)


def check_user_tags(tags: list[str]) -> None:
    """Cosmian's ``check_user_tags``: non-empty, no leading underscore."""
    for t in tags:
        if not t:
            raise ValueError("tags cannot be empty")
        if t.startswith("_"):
            raise ValueError(f"user tags cannot start with an underscore: {t}")
