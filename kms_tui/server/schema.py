"""Type checks of request payloads before an operation runs, so a wrong type is Cosmian's
``Codec_Error`` (422) rather than a surprise deep in a handler."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from kms_tui.kmip.enums import enum_for_tag
from kms_tui.kmip.models import REQUESTS_BY_TAG, Attributes, Link, Name, VendorAttribute
from kms_tui.kmip.models.base import TTLVModel
from kms_tui.kmip.models.objects import OBJECT_TAGS
from kms_tui.kmip.models.wire import CodecError, name_enum_codes
from kms_tui.kmip.ttlv import TTLV
from kms_tui.server.errors import KmipFailure, codec

# The field types come from the kmip models (one declaration of the wire shapes); the server
# checks these fields before a handler runs, with the few deliberate differences below.
_ORDER = (
    "TextString",
    "Enumeration",
    "Integer",
    "LongInteger",
    "BigInteger",
    "ByteString",
    "Boolean",
    "DateTime",
    "Interval",
    "DateTimeExtended",
    "Structure",
)  # how a message lists them


def _types(models: Iterable[type[TTLVModel]], tag: str) -> tuple[str, ...]:
    found: set[str] = set()
    for model in models:
        try:
            types = model.wire_types(tag)
        except KeyError:
            continue
        found |= types if types is not None else {"Structure"}  # kept raw by kmip: a structure here
    return tuple(t for t in _ORDER if t in found)


PAYLOAD_FIELDS: dict[str, tuple[str, ...]] = {
    tag: _types(REQUESTS_BY_TAG.values(), tag)
    for tag in (
        "UniqueIdentifier",
        "Attributes",
        "CommonAttributes",
        "PrivateKeyAttributes",
        "PublicKeyAttributes",
        "ObjectType",
        "KeyFormatType",
        "KeyWrapType",
        "KeyCompressionType",
        "KeyWrappingSpecification",
        "MaximumItems",
        "OffsetItems",
        "StorageStatusMask",
        "Cascade",
        "Remove",
        "ReplaceExisting",
        "RevocationReason",
        "CompromiseOccurrenceDate",
        "NewAttribute",
        "CurrentAttribute",
        "AttributeReference",
        "QueryFunction",
        "ProtocolVersion",
    )
}
PAYLOAD_FIELDS["UniqueIdentifier"] += ("LongInteger",)  # the sandbox also takes a 64-bit id
ATTRIBUTE_FIELDS: dict[str, tuple[str, ...]] = {
    tag: _types([Attributes], tag)
    for tag in (
        "ActivationDate",
        "DeactivationDate",
        "ProcessStartDate",
        "ProtectStopDate",
        "CompromiseOccurrenceDate",
        "CryptographicAlgorithm",
        "CryptographicLength",
        "CryptographicUsageMask",
        "CryptographicDomainParameters",
        "CryptographicParameters",
        "KeyFormatType",
        "ObjectType",
        "State",
        "Sensitive",
        "Extractable",
        "Link",
        "Name",
        "Attribute",
        "UniqueIdentifier",
        "ObjectGroup",
        "Description",
        "Comment",
        "CertificateAttributes",
        "Digest",
        "RevocationReason",
        "UsageLimits",
        "ObjectGroupMember",
        # stored as sent and written back in /access/owned: their Rust types (kmip_attributes.rs)
        "ApplicationSpecificInformation",
        "AlternativeName",
        "LeaseTime",
        "Fresh",
        "InitialDate",
        "LastChangeDate",
        "OriginalCreationDate",
        "DestroyDate",
        "ArchiveDate",
        "CompromiseDate",
        "RotateDate",
        "NeverExtractable",
        "AlwaysSensitive",
        "Critical",
        "QuantumSafe",
        "RotateAutomatic",
        "RotateLatest",
        "KeyValuePresent",
        "ContactInformation",
        "ShortUniqueIdentifier",
        "RotateName",
        "Pkcs12FriendlyName",
        "CertificateLength",
        "RotateGeneration",
        "AttributeIndex",
        "CertificateType",
    )
}
# The Option<Vec<_>> fields of Cosmian's Attributes; every other attribute may appear once (serde
# refuses a second one: `duplicate field`).
REPEATABLE_ATTRIBUTES = frozenset({"Link", "Name", "Attribute"})
ATTRIBUTE_HOLDERS = (
    "Attributes",
    "CommonAttributes",
    "PrivateKeyAttributes",
    "PublicKeyAttributes",
    "NewAttribute",
    "CurrentAttribute",
)


def _check(node: TTLV, table: dict[str, tuple[str, ...]], where: str) -> None:
    for child in node.value:
        allowed = table.get(child.tag)
        if allowed is not None and child.type not in allowed:
            raise codec(f"invalid type for `{child.tag}` in {where}: expected {' or '.join(allowed)}, got {child.type}")


def check_payload(op: str, payload: TTLV) -> None:
    """Raise ``Codec_Error`` when a known field of the payload has the wrong TTLV type or an
    enumeration value its enumeration does not have."""
    if payload.type != "Structure":
        raise codec(f"{op}: the payload must be a structure")
    problem = unknown_enumeration(payload)
    if problem:
        raise codec(problem)
    try:
        name_enum_codes(payload)  # the same enumeration lookup the kmip models decode with
    except CodecError as exc:
        raise codec(exc.reason) from None
    _check(payload, PAYLOAD_FIELDS, op)
    for holder in ATTRIBUTE_HOLDERS:
        for attrs in payload.children(holder):
            _check(attrs, ATTRIBUTE_FIELDS, f"{op}/{holder}")
            _check_single(attrs, f"{op}/{holder}")
            for child in attrs.children():
                shape = SUB_STRUCTURES.get(child.tag)
                if shape is not None and child.type == "Structure":
                    _check_shape(child, shape, f"{op}/{holder}/{child.tag}")


def _check_single(attrs: TTLV, where: str) -> None:
    seen: set[str] = set()
    for child in attrs.value:
        if child.tag in seen and child.tag in ATTRIBUTE_FIELDS and child.tag not in REPEATABLE_ATTRIBUTES:
            raise codec(f"duplicate field `{child.tag}` in {where}")
        seen.add(child.tag)


def undecodable(op: str, payload: TTLV) -> str | None:
    """Why ``payload`` would not decode as ``op``'s request (a wrong TTLV type, an enumeration
    value it lacks, a missing required field), or None. A missing field is worded as serde
    words it (``missing field `ObjectType```), without the sandbox's location suffix."""
    try:
        check_payload(op, payload)
    except KmipFailure as exc:
        return exc.message
    model = REQUESTS_BY_TAG.get(op)
    if model is None:
        return None
    # An Import/Register object travels under its object-type tag, which serde reads as `Object`.
    present = {"Object" if child.tag in OBJECT_TAGS else child.tag for child in payload.value}
    missing = next((tag for tag in model.required_tags() if tag not in present), None)
    return None if missing is None else f"missing field `{missing}`"


# Required (and optional) children of the repeated attribute structures that are stored and
# echoed back: a malformed one would otherwise be kept and break later responses.
def _shape(model: type[TTLVModel], **types: tuple[str, ...]) -> dict[str, tuple[tuple[str, ...], bool]]:
    required = model.required_tags()
    return {tag: (types.get(tag) or _types([model], tag), tag in required) for tag in model.field_tags()}


SUB_STRUCTURES: dict[str, dict[str, tuple[tuple[str, ...], bool]]] = {
    # stored ids are text, names or 64-bit numbers (not a plain Integer)
    "Link": _shape(Link, LinkedObjectIdentifier=("TextString", "Enumeration", "LongInteger")),
    "Name": {**_shape(Name), "NameType": (("Enumeration",), True)},  # name_type: NameType, not an Option
    # a vendor attribute's value may be any primitive (kmip keeps it raw)
    "Attribute": _shape(
        VendorAttribute,
        AttributeValue=(
            "TextString",
            "Integer",
            "LongInteger",
            "BigInteger",
            "ByteString",
            "Boolean",
            "DateTime",
            "Interval",
            "DateTimeExtended",
        ),
    ),
}


def _check_shape(node: TTLV, shape: dict[str, tuple[tuple[str, ...], bool]], where: str) -> None:
    for tag, (types, required) in shape.items():
        child = node.get(tag)
        if child is None:
            if required:
                raise codec(f"missing field `{tag}` in {where}")
        elif child.type not in types:
            raise codec(f"invalid type for `{tag}` in {where}: expected {' or '.join(types)}, got {child.type}")


# Cosmian's Rust type behind a tag, where it is not named like the tag (serde's error names it).
_RUST_ENUM_NAMES = {
    "Operation": "OperationEnumeration",
    "ResultStatus": "ResultStatusEnumeration",
    "ResultReason": "ErrorReason",
}
# Ids that may be an enumeration are untagged enums in Cosmian: another error, left to the handlers.
_UNTAGGED = frozenset(
    {"UniqueIdentifier", "LinkedObjectIdentifier", "PrivateKeyUniqueIdentifier", "PublicKeyUniqueIdentifier"}
)


def unknown_enumeration(node: TTLV) -> str | None:
    """Serde's message for the first enumeration value (name or code) in ``node`` that its
    enumeration lacks, as Cosmian's kmip_enum deserializer words it; None if all are known."""
    for n in node.walk():
        if n.type != "Enumeration" or n.tag in _UNTAGGED:
            continue
        enum = enum_for_tag(n.tag)
        if enum is None:
            continue
        rust = _RUST_ENUM_NAMES.get(n.tag, enum.__name__)
        if isinstance(n.value, str) and n.value not in enum.names():
            return f"invalid value: string {_rust_debug(n.value)}, expected valid {rust} name"
        if isinstance(n.value, int) and enum.from_code(n.value) is None:
            return f"invalid value: integer `{n.value}`, expected valid {rust} value"
    return None


def _rust_debug(text: str) -> str:
    """A string as Rust's ``{:?}`` prints it (serde quotes the unexpected value that way)."""
    escapes = {"\t": "\\t", "\r": "\\r", "\n": "\\n", "\\": "\\\\", '"': '\\"', "\0": "\\0"}
    out = []
    for ch in text:
        if ch in escapes:
            out.append(escapes[ch])
        elif unicodedata.category(ch)[0] == "C" or unicodedata.category(ch) in ("Zl", "Zp"):
            out.append(f"\\u{{{ord(ch):x}}}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'
