"""KMIP 2.1 JSON TTLV, exactly as Cosmian KMS 5.x writes and reads it.

A node is ``TTLV(tag, type, value)``. Python value per type:

=================  ===========================================
Structure          ``list[TTLV]``
Integer            ``int`` (i32)
LongInteger        ``int`` (i64)
BigInteger         ``int`` (arbitrary, signed)
Enumeration        ``str`` (Cosmian variant name) or ``int`` when only a code is known
Boolean            ``bool``
TextString         ``str``
ByteString         ``bytes``
DateTime           ``datetime`` (timezone-aware, UTC on output)
Interval           ``int`` (u32 seconds)
DateTimeExtended   ``int`` (u64 microseconds)
=================  ===========================================

``decode`` parses JSON text (or bytes) into a node, ``encode`` writes compact JSON with keys in
Cosmian's order (``tag``, ``type``, ``value``; no ``type`` for structures). Every malformed node
raises :class:`TTLVError`, naming the path of the bad node. This module does no I/O.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from json.encoder import encode_basestring as _quote
from typing import Any

from kms_tui.kmip.ttlv_decode import decode, decode_obj, parse_datetime
from kms_tui.kmip.ttlv_node import TTLV, TYPES, TTLVError

__all__ = [
    "TTLV",
    "TTLVError",
    "TYPES",
    "decode",
    "decode_obj",
    "encode",
    "to_obj",
    "format_datetime",
    "parse_datetime",
]


def format_datetime(value: datetime) -> str:
    """RFC 3339 in UTC, ``Z`` suffix, fractional seconds only when non-zero (as Cosmian)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    v = value.astimezone(UTC)
    # Not strftime: its %Y writes year 999 as "999", which no ISO-8601 parser reads back.
    text = f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}"
    if v.microsecond:
        return text + "." + f"{v.microsecond:06d}".rstrip("0") + "Z"
    return text + "Z"


# ------------------------------------------------------------------------------------------------
# Encoding
# ------------------------------------------------------------------------------------------------


def _hex16(v: int) -> str:
    return "0x%016X" % (v & 0xFFFFFFFFFFFFFFFF)


def _big_hex(v: int) -> str:
    nbytes = max(1, (v.bit_length() + 8) // 8)  # room for the sign bit
    nbytes = (nbytes + 7) // 8 * 8
    return "0x" + v.to_bytes(nbytes, "big", signed=True).hex().upper()


def _value_json(node: TTLV) -> str:
    t, v = node.type, node.value
    if t == "TextString":
        return _quote(v)
    if t == "Integer" or t == "Interval":
        return str(int(v))
    if t == "Enumeration":
        return _quote(v) if isinstance(v, str) else '"0x%08X"' % (v & 0xFFFFFFFF)
    if t == "ByteString":
        return '"' + bytes(v).hex().upper() + '"'
    if t == "LongInteger" or t == "DateTimeExtended":
        return '"' + _hex16(v) + '"'
    if t == "Boolean":
        return "true" if v else "false"
    if t == "DateTime":
        return '"' + format_datetime(v) + '"'
    if t == "BigInteger":
        return '"' + _big_hex(v) + '"'
    raise TTLVError(f"Unknown type: {t}", node.tag)


def _encode_into(node: TTLV, out: list[str]) -> None:
    if node.type == "Structure":
        out.append('{"tag":' + _quote(node.tag) + ',"value":[')
        first = True
        for c in node.value:
            if not first:
                out.append(",")
            first = False
            _encode_into(c, out)
        out.append("]}")
    else:
        out.append('{"tag":' + _quote(node.tag) + ',"type":"' + node.type + '","value":' + _value_json(node) + "}")


def encode(node: TTLV) -> str:
    """Compact JSON TTLV, key order ``tag, type, value``, no ``type`` for structures."""
    out: list[str] = []
    _encode_into(node, out)
    return "".join(out)


def to_obj(node: TTLV) -> dict[str, Any]:
    """The JSON object (dicts/lists) that :func:`encode` would write."""
    result: dict[str, Any] = json.loads(encode(node))
    return result
