"""Type checks of request payloads before an operation runs, so a wrong type is Cosmian's
``Codec_Error`` (422) rather than a surprise deep in a handler."""

from __future__ import annotations

from kms_tui.kmip.models.wire import CodecError, name_enum_codes
from kms_tui.kmip.ttlv import TTLV
from kms_tui.server.errors import codec

_S, _E, _I, _B, _T, _D = "Structure", "Enumeration", "Integer", "Boolean", "TextString", "DateTime"

PAYLOAD_FIELDS: dict[str, tuple[str, ...]] = {
    "UniqueIdentifier": (_T, _E, _I, "LongInteger"),
    "Attributes": (_S,), "CommonAttributes": (_S,), "PrivateKeyAttributes": (_S,), "PublicKeyAttributes": (_S,),
    "ObjectType": (_E,), "KeyFormatType": (_E,), "KeyWrapType": (_E,), "KeyCompressionType": (_E,),
    "KeyWrappingSpecification": (_S,), "MaximumItems": (_I,), "OffsetItems": (_I,), "StorageStatusMask": (_I,),
    "Cascade": (_B,), "Remove": (_B,), "ReplaceExisting": (_B,), "RevocationReason": (_S,),
    "CompromiseOccurrenceDate": (_D,), "NewAttribute": (_S,), "CurrentAttribute": (_S,),
    "AttributeReference": (_E, _S), "QueryFunction": (_E,), "ProtocolVersion": (_S,),
}
ATTRIBUTE_FIELDS: dict[str, tuple[str, ...]] = {
    "ActivationDate": (_D,), "DeactivationDate": (_D,), "ProcessStartDate": (_D,), "ProtectStopDate": (_D,),
    "CompromiseOccurrenceDate": (_D,), "CryptographicAlgorithm": (_E,), "CryptographicLength": (_I,),
    "CryptographicUsageMask": (_I,), "CryptographicDomainParameters": (_S,), "CryptographicParameters": (_S,),
    "KeyFormatType": (_E,), "ObjectType": (_E,), "State": (_E,), "Sensitive": (_B,), "Extractable": (_B,),
    "Link": (_S,), "Name": (_S,), "Attribute": (_S,), "UniqueIdentifier": (_T,), "ObjectGroup": (_T,),
    "Description": (_T,), "Comment": (_T,), "CertificateAttributes": (_S,), "Digest": (_S,),
    "RevocationReason": (_S,), "UsageLimits": (_S,), "ObjectGroupMember": (_E,),
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
SUB_STRUCTURES: dict[str, dict[str, tuple[tuple[str, ...], bool]]] = {
    "Link": {"LinkType": ((_E,), True), "LinkedObjectIdentifier": ((_T, _E, "LongInteger"), True)},
    "Name": {"NameValue": ((_T,), True), "NameType": ((_E,), False)},
    "Attribute": {"VendorIdentification": ((_T,), True), "AttributeName": ((_T,), True),
                  "AttributeValue": ((_T, _I, "LongInteger", "BigInteger", "ByteString", _B, _D, "Interval",
                                      "DateTimeExtended"), True)},
}


def _check_shape(node: TTLV, shape: dict[str, tuple[tuple[str, ...], bool]], where: str) -> None:
    for tag, (types, required) in shape.items():
        child = node.get(tag)
        if child is None:
            if required:
                raise codec(f"missing field `{tag}` in {where}")
        elif child.type not in types:
            raise codec(f"invalid type for `{tag}` in {where}: expected {' or '.join(types)}, got {child.type}")
