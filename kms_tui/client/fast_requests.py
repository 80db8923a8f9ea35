"""The hot KMIP requests built as TTLV nodes directly: no pydantic (about 75 ms of a headless command).

``create aes``, ``locate`` and the listing's GetAttributes batches build a handful of requests
whose shape is fixed. Each builder here returns the very node the models in
:mod:`kms_tui.kmip.models.requests` build (``tests/test_fast_requests.py`` checks the encoded
JSON TTLV byte for byte over many inputs), or None for an input it does not take on (an unknown
enumeration, an unusual type, a link filter): the caller then builds it with the models, which
raise the errors users know.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from kms_tui.kmip.enums import CryptographicAlgorithm, ObjectType, Operation, State
from kms_tui.kmip.ttlv import TTLV

if TYPE_CHECKING:
    from kms_tui.client.requests import LocateFilter

# kms_tui.kmip.models.requests.SYMMETRIC_DEFAULT_MASK: Encrypt|Decrypt|WrapKey|UnwrapKey|MACGenerate|MACVerify
SYMMETRIC_DEFAULT_MASK = 2108
INT32_MAX = 2**31 - 1
COSMIAN = "cosmian"  # kms_tui.kmip.models.attributes.COSMIAN, TAG_ATTRIBUTE
TAG_ATTRIBUTE = "tag"


def _member(enum: Any, value: Any) -> str | None:
    """The variant name of ``value`` (a name, a code or a member), or None when unknown."""
    try:
        return str(enum.from_wire(value).value)
    except (ValueError, TypeError):
        return None


def _int32(value: Any) -> bool:
    return type(value) is int and 0 <= value <= INT32_MAX


def _texts(values: Any) -> bool:
    return all(type(v) is str for v in values)


def _name(value: str) -> TTLV:
    return TTLV.struct(
        "Name", [TTLV.text("NameValue", value), TTLV("NameType", "Enumeration", "UninterpretedTextString")]
    )


def _tags(tags: Sequence[str]) -> TTLV | None:
    """The cosmian ``tag`` vendor attribute (``Attributes.set_tags``), None for no tags."""
    if not tags:
        return None
    text = json.dumps(list(dict.fromkeys(tags)), separators=(",", ":"))
    return TTLV.struct(
        "Attribute",
        [
            TTLV.text("VendorIdentification", COSMIAN),
            TTLV.text("AttributeName", TAG_ATTRIBUTE),
            TTLV.text("AttributeValue", text),
        ],
    )


def create_symmetric_key(
    algorithm: Any, length: Any, tags: Sequence[str], name: Any, activate: bool = True
) -> TTLV | None:
    """``create_symmetric_key_request(alg, length, tags, name=name, activate=activate)``: Active
    (pre-active without ``activate``: no ActivationDate), default mask."""
    alg = _member(CryptographicAlgorithm, algorithm)
    tags = list(tags)
    if alg is None or not _int32(length) or not _texts(tags) or not (name is None or type(name) is str):
        return None
    now = datetime.now(UTC).replace(microsecond=0)
    attributes = [
        TTLV("ActivationDate", "DateTime", now) if activate else None,
        TTLV("CryptographicAlgorithm", "Enumeration", alg),
        TTLV("CryptographicLength", "Integer", length),
        TTLV("CryptographicUsageMask", "Integer", SYMMETRIC_DEFAULT_MASK),
        TTLV("KeyFormatType", "Enumeration", "TransparentSymmetricKey"),
        _name(name) if name else None,
        TTLV("ObjectType", "Enumeration", "SymmetricKey"),
        _tags(tags),
    ]
    return TTLV.struct(
        "Create", [TTLV("ObjectType", "Enumeration", "SymmetricKey"), TTLV.struct("Attributes", attributes)]
    )


def locate(filters: LocateFilter, maximum: Any) -> TTLV | None:
    """``locate_request(LocateFilters(...))`` for every filter but ``linked_to``."""
    if filters.linked_to or not _texts(filters.tags) or not (filters.name is None or type(filters.name) is str):
        return None
    found: dict[str, TTLV | None] = {}
    for tag, enum, value in (
        ("CryptographicAlgorithm", CryptographicAlgorithm, filters.algorithm),
        ("ObjectType", ObjectType, filters.object_type),
        ("State", State, filters.state),
    ):
        member = None if value is None else _member(enum, value)
        if value is not None and member is None:
            return None  # the models name the accepted values
        found[tag] = None if member is None else TTLV(tag, "Enumeration", member)
    length, maximum = filters.length or None, maximum or None
    if not (length is None or _int32(length)) or not (maximum is None or _int32(maximum)):
        return None
    attributes = [
        found["CryptographicAlgorithm"],
        TTLV("CryptographicLength", "Integer", length) if length is not None else None,
        _name(filters.name) if filters.name else None,
        found["ObjectType"],
        found["State"],
        _tags(list(filters.tags)),
    ]
    return TTLV.struct(
        "Locate",
        [
            TTLV("MaximumItems", "Integer", maximum) if maximum is not None else None,
            TTLV.struct("Attributes", attributes),
        ],
    )


def get_attributes(uid: Any, *, tags_only: bool = False) -> TTLV | None:
    """``get_attributes_request(uid)`` (every standard attribute), or with ``["Tag"]``."""
    if type(uid) is not str:
        return None
    return TTLV.struct(
        "GetAttributes",
        [TTLV.text("UniqueIdentifier", uid), TTLV("AttributeReference", "Enumeration", "Tag") if tags_only else None],
    )


def request_message(ops: Sequence[TTLV]) -> TTLV | None:
    """``RequestMessage.of(*ops)``: a KMIP 2.1 header and one BatchItem per bare operation."""
    operations = [_member(Operation, op.tag) for op in ops]
    if None in operations or not _int32(len(ops)):
        return None
    header = TTLV.struct(
        "RequestHeader",
        [
            TTLV.struct(
                "ProtocolVersion",
                [
                    TTLV.integer("ProtocolVersionMajor", 2),
                    TTLV.integer("ProtocolVersionMinor", 1),
                ],
            ),
            TTLV.integer("BatchCount", len(ops)),
        ],
    )
    items = [
        TTLV.struct(
            "BatchItem",
            [
                TTLV("Operation", "Enumeration", name),
                TTLV("RequestPayload", "Structure", op.value),
            ],
        )
        for name, op in zip(operations, ops, strict=True)
    ]
    return TTLV.struct("RequestMessage", [header, *items])
