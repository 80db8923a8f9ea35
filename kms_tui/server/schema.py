"""Type checks of request payloads before an operation runs, so a wrong type is Cosmian's
``Codec_Error`` (422) rather than a surprise deep in a handler."""

from __future__ import annotations

from collections.abc import Iterable

from kms_tui.kmip.models import REQUESTS_BY_TAG, Attributes, Link, Name, TTLVModel, VendorAttribute
from kms_tui.kmip.models.wire import CodecError, name_enum_codes
from kms_tui.kmip.ttlv import TTLV
from kms_tui.server.errors import codec

# The field types come from the kmip models (one declaration of the wire shapes); the server
# checks these fields before a handler runs, with the few deliberate differences below.
_ORDER = ("TextString", "Enumeration", "Integer", "LongInteger", "BigInteger", "ByteString", "Boolean",
          "DateTime", "Interval", "DateTimeExtended", "Structure")  # how a message lists them


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
        "UniqueIdentifier", "Attributes", "CommonAttributes", "PrivateKeyAttributes", "PublicKeyAttributes",
        "ObjectType", "KeyFormatType", "KeyWrapType", "KeyCompressionType", "KeyWrappingSpecification",
        "MaximumItems", "OffsetItems", "StorageStatusMask", "Cascade", "Remove", "ReplaceExisting",
        "RevocationReason", "CompromiseOccurrenceDate", "NewAttribute", "CurrentAttribute",
        "AttributeReference", "QueryFunction", "ProtocolVersion",
    )
}
PAYLOAD_FIELDS["UniqueIdentifier"] += ("LongInteger",)  # the sandbox also takes a 64-bit id
ATTRIBUTE_FIELDS: dict[str, tuple[str, ...]] = {
    tag: _types([Attributes], tag)
    for tag in (
        "ActivationDate", "DeactivationDate", "ProcessStartDate", "ProtectStopDate", "CompromiseOccurrenceDate",
        "CryptographicAlgorithm", "CryptographicLength", "CryptographicUsageMask",
        "CryptographicDomainParameters", "CryptographicParameters", "KeyFormatType", "ObjectType", "State",
        "Sensitive", "Extractable", "Link", "Name", "Attribute", "UniqueIdentifier", "ObjectGroup",
        "Description", "Comment", "CertificateAttributes", "Digest", "RevocationReason", "UsageLimits",
        "ObjectGroupMember",
    )
}
ATTRIBUTE_HOLDERS = ("Attributes", "CommonAttributes", "PrivateKeyAttributes", "PublicKeyAttributes",
                     "NewAttribute", "CurrentAttribute")


def _check(node: TTLV, table: dict[str, tuple[str, ...]], where: str) -> None:
    for child in node.value:
        allowed = table.get(child.tag)
        if allowed is not None and child.type not in allowed:
            raise codec(
                f"invalid type for `{child.tag}` in {where}: expected {' or '.join(allowed)}, got {child.type}"
            )


def check_payload(op: str, payload: TTLV) -> None:
    """Raise ``Codec_Error`` when a known field of the payload has the wrong TTLV type."""
    if payload.type != "Structure":
        raise codec(f"{op}: the payload must be a structure")
    try:
        name_enum_codes(payload)  # the same enumeration lookup the kmip models decode with
    except CodecError as exc:
        raise codec(exc.reason) from None
    _check(payload, PAYLOAD_FIELDS, op)
    for holder in ATTRIBUTE_HOLDERS:
        for attrs in payload.children(holder):
            _check(attrs, ATTRIBUTE_FIELDS, f"{op}/{holder}")
            for child in attrs.children():
                shape = SUB_STRUCTURES.get(child.tag)
                if shape is not None and child.type == "Structure":
                    _check_shape(child, shape, f"{op}/{holder}/{child.tag}")


# Required (and optional) children of the repeated attribute structures that are stored and
# echoed back: a malformed one would otherwise be kept and break later responses.
def _shape(model: type[TTLVModel], **types: tuple[str, ...]) -> dict[str, tuple[tuple[str, ...], bool]]:
    required = model.required_tags()
    return {tag: (types.get(tag) or _types([model], tag), tag in required) for tag in model.field_tags()}


SUB_STRUCTURES: dict[str, dict[str, tuple[tuple[str, ...], bool]]] = {
    # stored ids are text, names or 64-bit numbers (not a plain Integer)
    "Link": _shape(Link, LinkedObjectIdentifier=("TextString", "Enumeration", "LongInteger")),
    "Name": _shape(Name),
    # a vendor attribute's value may be any primitive (kmip keeps it raw)
    "Attribute": _shape(VendorAttribute, AttributeValue=(
        "TextString", "Integer", "LongInteger", "BigInteger", "ByteString", "Boolean", "DateTime", "Interval",
        "DateTimeExtended")),
}


def _check_shape(node: TTLV, shape: dict[str, tuple[tuple[str, ...], bool]], where: str) -> None:
    for tag, (types, required) in shape.items():
        child = node.get(tag)
        if child is None:
            if required:
                raise codec(f"missing field `{tag}` in {where}")
        elif child.type not in types:
            raise codec(f"invalid type for `{tag}` in {where}: expected {' or '.join(types)}, got {child.type}")
