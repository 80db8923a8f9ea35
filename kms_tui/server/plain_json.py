"""Attributes as plain serde JSON, the form of Cosmian's REST access endpoints (reference §2.3).

``/access/owned`` returns every object a user owns as Cosmian's ``ObjectOwnedResponse``
(``crate/access/src/access.rs``): ``{"object_id", "state", "attributes"}``, nothing else. The
attributes are Cosmian's ``Attributes`` struct written by serde_json
(``crate/kmip/src/kmip_2_1/kmip_attributes.rs``), which is not JSON TTLV:

- PascalCase keys in the struct's declaration order, absent attributes left out;
- ``Link``, ``Name`` and the vendor ``Attribute`` are ``Option<Vec<_>>``: always JSON arrays,
  even with one element;
- a vendor ``AttributeValue`` is the adjacently tagged enum ``VendorAttributeValue``:
  ``{"_t": "TextString", "_c": "…"}``;
- dates are ``time::OffsetDateTime`` without the ``serde-human-readable`` feature: a tuple
  ``[year, day of year, hour, minute, second, nanosecond, offset h, offset m, offset s]``;
- byte strings are arrays of numbers, long integers numbers, enumerations variant names,
  untagged enums (``UniqueIdentifier``, ``LinkedObjectIdentifier``) their bare value;
- a ``BigInteger`` (only possible in a vendor attribute) is num-bigint-dig's
  ``[sign, [u32 digits, least significant first]]``.

The store keeps that text next to each object (written once per change) so the endpoint only
concatenates strings: at 10,000 objects, converting on every call cost 0.7 s of the server's
single event loop. ``SHAPE_VERSION`` names this shape; the store rewrites older texts once.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii as _quote

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server.attributes import RANK

SHAPE_VERSION = 2  # 1: single values for Link/Name/Attribute, RFC 3339 dates, an is_wrapped field
_U64 = 0xFFFFFFFFFFFFFFFF
CHUNK_BYTES = 256 * 1024  # a streamed answer is written in pieces of about this size
# The Option<Vec<_>> fields of Attributes: serde writes them as arrays whatever their length.
VECTOR_FIELDS = frozenset({"Link", "Name", "Attribute"})


def serde_datetime(v: datetime) -> str:
    """``time::OffsetDateTime`` as serde writes it without ``serde-human-readable``: the tuple
    (year, ordinal, hour, minute, second, nanosecond, offset hours, minutes, seconds), in UTC
    (the sandbox keeps every date in UTC)."""
    if v.tzinfo is None:
        v = v.replace(tzinfo=UTC)
    v = v.astimezone(UTC)
    return f"[{v.year},{v.timetuple().tm_yday},{v.hour},{v.minute},{v.second},{v.microsecond * 1000},0,0,0]"


def _bigint(v: int) -> str:
    """num-bigint-dig's serde form of a ``BigInt``: ``[sign, [u32 digits, little end first]]``
    (through bytes: linear in the size of the number, never a shift loop)."""
    sign = (v > 0) - (v < 0)
    v = abs(v)
    count = (v.bit_length() + 31) // 32
    digits = struct.unpack(f"<{count}I", v.to_bytes(count * 4, "little"))
    return f"[{sign},[{','.join(map(str, digits))}]]"


def _value(node: TTLV) -> str:
    t, v = node.type, node.value
    if t == "Structure":
        return _struct(node)
    if t == "TextString":
        return _quote(v)
    if t == "Enumeration":
        return _quote(v) if isinstance(v, str) else '"0x%08X"' % (v & 0xFFFFFFFF)
    if t == "Boolean":
        return "true" if v else "false"
    if t == "DateTime":
        return serde_datetime(v)
    if t == "ByteString":
        return "[" + ",".join(map(str, bytes(v))) + "]"
    if t == "LongInteger" or t == "DateTimeExtended":  # i64 / i128 in Rust
        v &= _U64
        return str(v - (1 << 64) if v >> 63 else v)
    if t == "BigInteger":
        return _bigint(int(v))
    return str(int(v))  # Integer, Interval


def _struct(node: TTLV) -> str:
    """A nested structure: ``{"Tag": value, …}`` in its order (a tag that repeats, which no
    nested Cosmian structure has, becomes one array so nothing is lost)."""
    grouped: dict[str, list[str]] = {}
    for child in node.value:
        grouped.setdefault(child.tag, []).append(_value(child))
    return (
        "{"
        + ",".join(
            _quote(tag) + ":" + (values[0] if len(values) == 1 else "[" + ",".join(values) + "]")
            for tag, values in grouped.items()
        )
        + "}"
    )


def _vendor_attribute(node: TTLV) -> str:
    """A ``VendorAttribute``: its value as the adjacently tagged ``{"_t": type, "_c": value}``."""
    parts = []
    for child in node.value:
        if child.tag == "AttributeValue":
            parts.append('"AttributeValue":{"_t":' + _quote(child.type) + ',"_c":' + _value(child) + "}")
        elif child.tag in ("VendorIdentification", "AttributeName"):
            parts.append(_quote(child.tag) + ":" + _value(child))
    return "{" + ",".join(parts) + "}"


def plain_json(node: TTLV) -> str:
    """An ``Attributes`` structure as Cosmian's serde writes it (see the module docstring):
    fields in declaration order, tags that are not fields of ``Attributes`` left out (serde
    ignores them on the way in, so Cosmian never stores them)."""
    grouped: dict[str, list[str]] = {}
    for child in sorted(node.value, key=lambda c: RANK.get(c.tag, -1)):
        if child.tag not in RANK:
            continue
        if child.tag == "Attribute":
            if child.type == "Structure":
                grouped.setdefault("Attribute", []).append(_vendor_attribute(child))
        elif child.tag in VECTOR_FIELDS:
            grouped.setdefault(child.tag, []).append(_value(child))
        elif child.tag not in grouped:  # a single-valued field: the first one
            grouped[child.tag] = [_value(child)]
    return (
        "{"
        + ",".join(
            _quote(tag) + ":" + ("[" + ",".join(values) + "]" if tag in VECTOR_FIELDS else values[0])
            for tag, values in grouped.items()
        )
        + "}"
    )


def owned_entries(rows: Iterable[tuple[str, str, str]]) -> Iterator[bytes]:
    """The ``/access/owned`` JSON array of ``ObjectOwnedResponse`` from ``(id, state, plain
    attributes JSON)`` rows, in pieces of about :data:`CHUNK_BYTES` (the stored attribute
    text is copied, never parsed)."""
    parts, size, sep = ["["], 1, ""
    for uid, state, attributes in rows:
        entry = f'{sep}{{"object_id":{_quote(uid)},"state":{_quote(state)},"attributes":{attributes}}}'
        parts.append(entry)
        size += len(entry)
        sep = ","
        if size >= CHUNK_BYTES:
            yield "".join(parts).encode()
            parts, size = [], 0
    parts.append("]")
    yield "".join(parts).encode()
