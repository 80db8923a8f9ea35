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
import re
from datetime import datetime, timezone
from json.encoder import encode_basestring as _quote  # type: ignore[attr-defined]
from typing import Any, Iterator

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

TYPES = frozenset(
    {
        "Structure",
        "Integer",
        "LongInteger",
        "BigInteger",
        "Enumeration",
        "Boolean",
        "TextString",
        "ByteString",
        "DateTime",
        "Interval",
        "DateTimeExtended",
    }
)

_I32_MIN, _I32_MAX = -(2**31), 2**31 - 1
_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1
_HEX_RE = re.compile(r"[0-9A-Fa-f]*\Z")


class TTLVError(ValueError):
    """A JSON TTLV document that Cosmian KMS would refuse.

    ``path`` locates the bad node, e.g. ``Create/Attributes/CryptographicLength``;
    ``kind`` is ``"json"`` when the text is not JSON at all (Cosmian: ``Invalid Request``),
    ``"ttlv"`` for a JSON document that is not valid TTLV (also ``Invalid Request``) and
    ``"codec"`` for valid TTLV that does not map to the operation's structure (raised by
    :mod:`kms_tui.kmip.models`; Cosmian: ``Codec_Error``).
    """

    def __init__(self, message: str, path: str = "", kind: str = "ttlv") -> None:
        self.path = path
        self.reason = message
        self.kind = kind
        super().__init__(f"{path}: {message}" if path else message)


class TTLV:
    """One TTLV node: ``tag`` (PascalCase name), ``type`` and a Python ``value``."""

    __slots__ = ("tag", "type", "value")

    def __init__(self, tag: str, type: str, value: Any) -> None:  # noqa: A002 - wire name
        self.tag = tag
        self.type = type
        self.value = value

    # -- constructors -------------------------------------------------------------------------
    @classmethod
    def struct(cls, tag: str, children: list[TTLV] | None = None) -> TTLV:
        return cls(tag, "Structure", [c for c in (children or []) if c is not None])

    @classmethod
    def text(cls, tag: str, value: str) -> TTLV:
        return cls(tag, "TextString", value)

    @classmethod
    def integer(cls, tag: str, value: int) -> TTLV:
        return cls(tag, "Integer", value)

    @classmethod
    def long(cls, tag: str, value: int) -> TTLV:
        return cls(tag, "LongInteger", value)

    @classmethod
    def big(cls, tag: str, value: int) -> TTLV:
        return cls(tag, "BigInteger", value)

    @classmethod
    def enum(cls, tag: str, value: str | int) -> TTLV:
        return cls(tag, "Enumeration", value)

    @classmethod
    def boolean(cls, tag: str, value: bool) -> TTLV:
        return cls(tag, "Boolean", value)

    @classmethod
    def bytes_(cls, tag: str, value: bytes) -> TTLV:
        return cls(tag, "ByteString", value)

    @classmethod
    def date(cls, tag: str, value: datetime) -> TTLV:
        return cls(tag, "DateTime", value)

    @classmethod
    def interval(cls, tag: str, value: int) -> TTLV:
        return cls(tag, "Interval", value)

    # -- navigation ---------------------------------------------------------------------------
    @property
    def is_struct(self) -> bool:
        return self.type == "Structure"

    def children(self, tag: str | None = None) -> Iterator[TTLV]:
        """Children of a structure, optionally only those carrying ``tag``."""
        if self.type != "Structure":
            return iter(())
        if tag is None:
            return iter(self.value)
        return (c for c in self.value if c.tag == tag)

    def get(self, tag: str) -> TTLV | None:
        """First child with ``tag``, or None."""
        if self.type != "Structure":
            return None
        for c in self.value:
            if c.tag == tag:
                return c
        return None

    def get_value(self, tag: str, default: Any = None) -> Any:
        """Value of the first child with ``tag``, or ``default``."""
        c = self.get(tag)
        return default if c is None else c.value

    def all(self, tag: str) -> list[TTLV]:
        return list(self.children(tag))

    def find(self, path: str) -> TTLV | None:
        """Follow a ``/``-separated path of tags from this node (first match at each step)."""
        node: TTLV | None = self
        for part in path.split("/"):
            if node is None:
                return None
            node = node.get(part)
        return node

    def walk(self) -> Iterator[TTLV]:
        """Every node of the tree, depth first, in document order."""
        yield self
        if self.type == "Structure":
            for c in self.value:
                yield from c.walk()

    def set(self, node: TTLV) -> TTLV:
        """Replace the first child with the same tag, or append it; returns self."""
        for i, c in enumerate(self.value):
            if c.tag == node.tag:
                self.value[i] = node
                return self
        self.value.append(node)
        return self

    def remove(self, tag: str) -> None:
        self.value = [c for c in self.value if c.tag != tag]

    # -- dunder -------------------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TTLV):
            return NotImplemented
        return self.tag == other.tag and self.type == other.type and self.value == other.value

    def __repr__(self) -> str:
        if self.type == "Structure":
            return f"TTLV({self.tag!r}, [{len(self.value)} children])"
        if self.type == "ByteString":
            return f"TTLV({self.tag!r}, ByteString, <{len(self.value)} bytes>)"
        if self.type == "BigInteger":  # private-key parts travel as BigIntegers: never print them
            return f"TTLV({self.tag!r}, BigInteger, <{abs(self.value).bit_length()} bits>)"
        return f"TTLV({self.tag!r}, {self.type}, {self.value!r})"

    def copy(self) -> TTLV:
        if self.type == "Structure":
            return TTLV(self.tag, "Structure", [c.copy() for c in self.value])
        return TTLV(self.tag, self.type, self.value)


# ------------------------------------------------------------------------------------------------
# Dates
# ------------------------------------------------------------------------------------------------


def format_datetime(value: datetime) -> str:
    """RFC 3339 in UTC, ``Z`` suffix, fractional seconds only when non-zero (as Cosmian)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(timezone.utc)
    if value.microsecond:
        frac = f"{value.microsecond:06d}".rstrip("0")
        return value.strftime("%Y-%m-%dT%H:%M:%S") + "." + frac + "Z"
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(text: str) -> datetime:
    """ISO-8601 with offset (``Z`` allowed), or ``0x`` + 16 hex digits of Unix seconds."""
    if text.startswith("0x"):
        digits = text[2:]
        if len(digits) != 16 or not _HEX_RE.match(digits):
            raise ValueError(f"invalid DateTime hex {text!r}")
        return datetime.fromtimestamp(int(digits, 16), tz=timezone.utc)
    t = text.strip()
    if t.endswith(("Z", "z")):
        t = t[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(t)
    except ValueError:
        raise ValueError(f"invalid DateTime {text!r}") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt


# ------------------------------------------------------------------------------------------------
# Decoding
# ------------------------------------------------------------------------------------------------


def _hex_int(text: str, what: str, allowed_lengths: tuple[int, ...] | None) -> int:
    digits = text[2:]
    if not _HEX_RE.match(digits) or not digits:
        raise ValueError(f"invalid {what} hex string {text!r}")
    if allowed_lengths is not None and len(digits) not in allowed_lengths:
        raise ValueError(f"invalid {what} hex string {text!r}: expected {allowed_lengths} digits")
    return int(digits, 16)


def _signed(raw: int, nbits: int) -> int:
    return raw - (1 << nbits) if raw >= 1 << (nbits - 1) else raw


def _convert(typ: str, value: Any) -> Any:
    """Turn a JSON value into the Python value for ``typ`` (raises ValueError)."""
    if typ == "TextString":
        if type(value) is not str:
            raise ValueError("TextString value must be a JSON string")
        return value
    if typ == "Integer":
        if type(value) is int:
            if not _I32_MIN <= value <= _I32_MAX:
                raise ValueError(f"Integer {value} out of i32 range")
            return value
        if type(value) is str and value.startswith("0x"):
            raw = _hex_int(value, "Integer", (8, 16))
            v = _signed(raw, 64)
            if not _I32_MIN <= v <= _I32_MAX:
                raise ValueError(f"Integer {value} out of i32 range")
            return v
        raise ValueError("Integer value must be a JSON number or a 0x hex string")
    if typ == "Enumeration":
        if type(value) is str:
            if value.startswith("0x"):
                return _hex_int(value, "Enumeration", (8,))
            if not value:
                raise ValueError("empty Enumeration name")
            return value
        if type(value) is int:
            if not 0 <= value <= 0xFFFFFFFF:
                raise ValueError(f"Enumeration {value} out of u32 range")
            return value
        raise ValueError("Enumeration value must be a variant name, 0x + 8 hex digits or a number")
    if typ == "ByteString":
        if type(value) is not str:
            raise ValueError("ByteString value must be a hex string")
        if value.startswith(("0x", "0X")):
            raise ValueError("ByteString hex must not start with 0x")
        if len(value) % 2 or not _HEX_RE.match(value):
            raise ValueError(f"invalid ByteString hex ({len(value)} chars)")
        return bytes.fromhex(value)
    if typ == "LongInteger":
        if type(value) is int:
            if not _I64_MIN <= value <= _I64_MAX:
                raise ValueError(f"LongInteger {value} out of i64 range")
            return value
        if type(value) is str and value.startswith("0x"):
            return _signed(_hex_int(value, "LongInteger", (8, 16)), 64)
        raise ValueError("LongInteger value must be a JSON number or a 0x hex string")
    if typ == "Boolean":
        if type(value) is not bool:
            raise ValueError("Boolean value must be true or false")
        return value
    if typ == "DateTime":
        if type(value) is not str:
            raise ValueError("DateTime value must be a string")
        return parse_datetime(value)
    if typ == "BigInteger":
        if type(value) is not str or not value.startswith("0x"):
            raise ValueError("BigInteger value must be a string starting with 0x")
        digits = value[2:]
        if len(digits) % 2 or not digits or not _HEX_RE.match(digits):
            raise ValueError(f"invalid BigInteger hex string ({len(digits)} digits)")
        return int.from_bytes(bytes.fromhex(digits), "big", signed=True)
    if typ == "Interval":
        if type(value) is not int or not 0 <= value <= 0xFFFFFFFF:
            raise ValueError("Interval value must be a JSON number (u32)")
        return value
    if typ == "DateTimeExtended":
        if type(value) is str and value.startswith("0x"):
            return _hex_int(value, "DateTimeExtended", (16,))
        raise ValueError("DateTimeExtended value must be 0x + 16 hex digits")
    raise ValueError(f"Unknown type: {typ}")


class _Bad(Exception):
    """Internal: raised from the fast path; the slow path then finds the node's path."""


def _pairs_hook(pairs: list[tuple[str, Any]]) -> Any:
    # Fast path: the two shapes Cosmian writes.
    n = len(pairs)
    if n == 3:
        (k0, tag), (k1, typ), (k2, value) = pairs
        if k0 == "tag" and k1 == "type" and k2 == "value" and type(tag) is str:
            if typ == "Structure":
                if type(value) is list and all(type(c) is TTLV for c in value):
                    return TTLV(tag, "Structure", value)
                raise _Bad
            try:
                return TTLV(tag, typ, _convert(typ, value))
            except ValueError:
                raise _Bad from None
    elif n == 2:
        (k0, tag), (k1, value) = pairs
        if k0 == "tag" and k1 == "value" and type(tag) is str and type(value) is list:
            if all(type(c) is TTLV for c in value):
                return TTLV(tag, "Structure", value)
    raise _Bad


def _slow_node(obj: Any, path: str) -> TTLV:
    """Validate one JSON node (parsed with pairs preserved) and say exactly what is wrong."""
    if not isinstance(obj, list) or not all(isinstance(p, tuple) for p in obj):
        raise TTLVError("expected a TTLV object {tag, type, value}", path or "/")
    keys = [k for k, _ in obj]
    seen: set[str] = set()
    for k in keys:
        if k in seen:
            raise TTLVError(f"duplicate field `{k}`", path or "/")
        seen.add(k)
    d = dict(obj)
    tag = d.get("tag")
    here = f"{path}/{tag}" if path else str(tag)
    if "tag" not in d:
        raise TTLVError("missing field `tag`", path or "/")
    if not isinstance(tag, str):
        raise TTLVError("`tag` must be a string", path or "/")
    if "value" not in d:
        raise TTLVError("missing field `value`", here)
    typ = "Structure"
    if "type" in d:
        if keys.index("type") > keys.index("value"):
            # Cosmian decides the type when it meets `value`: a late `type` means Structure.
            typ = "Structure"
        else:
            typ = d["type"]
        if not isinstance(d["type"], str):
            raise TTLVError("`type` must be a string", here)
        if d["type"] not in TYPES:
            raise TTLVError(f"Unknown type: {d['type']}", here)
    value = d["value"]
    if typ == "Structure":
        if not isinstance(value, list):
            raise TTLVError("a Structure value must be a JSON array", here)
        return TTLV(tag, "Structure", [_slow_node(c, here) for c in value])
    try:
        return TTLV(tag, typ, _convert(typ, _plain(value)))
    except ValueError as exc:
        raise TTLVError(str(exc), here) from None


def _plain(value: Any) -> Any:
    """Undo object_pairs_hook=list for a primitive value (objects are never valid there)."""
    if isinstance(value, list) and value and all(isinstance(p, tuple) for p in value):
        return dict(value)
    return value


def decode(text: str | bytes) -> TTLV:
    """Parse JSON TTLV text into a node tree; raises :class:`TTLVError` on any defect."""
    try:
        node = _decode(text)
    except RecursionError:
        # serde_json stops at 128 levels; Python's limit is deeper but must not crash the caller.
        raise TTLVError("invalid JSON: recursion limit exceeded", kind="json") from None
    # Only a \u escape can smuggle a lone surrogate in, which no UTF-8 writer can emit.
    if (b"\\u" if isinstance(text, (bytes, bytearray)) else "\\u") in text:
        _check_unicode(node, node.tag)
    return node


def _decode(text: str | bytes) -> TTLV:
    try:
        return _check_root(json.loads(text, object_pairs_hook=_pairs_hook))
    except _Bad:
        pass
    except (ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, TTLVError):
            raise
        raise TTLVError(f"invalid JSON: {exc}", kind="json") from None
    # Slow path: re-parse keeping key order and duplicates, to name the bad node.
    raw = json.loads(text, object_pairs_hook=lambda pairs: pairs)
    if isinstance(raw, list) and not (raw and all(isinstance(p, tuple) for p in raw)):
        # A top-level JSON array is tolerated by Cosmian: its items become a structure.
        return TTLV("", "Structure", [_slow_node(c, "") for c in raw])
    return _slow_node(raw, "")


def _check_unicode(node: TTLV, path: str) -> None:
    """Refuse lone surrogates (from ``\\ud800``-style escapes), as serde_json does."""
    for text in (node.tag, node.value) if isinstance(node.value, str) else (node.tag,):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise TTLVError("invalid JSON: lone surrogate in a string", path, kind="json") from None
    if node.type == "Structure":
        for c in node.value:
            _check_unicode(c, f"{path}/{c.tag}")


def _check_root(obj: Any) -> TTLV:
    if type(obj) is TTLV:
        return obj
    if type(obj) is list and all(type(c) is TTLV for c in obj):
        return TTLV("", "Structure", obj)
    raise TTLVError("expected a TTLV object {tag, type, value}", "/")


def decode_obj(obj: Any) -> TTLV:
    """Build a node tree from already-parsed JSON (dicts and lists)."""
    return decode(json.dumps(obj))


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
        out.append(
            '{"tag":' + _quote(node.tag) + ',"type":"' + node.type + '","value":' + _value_json(node) + "}"
        )


def encode(node: TTLV) -> str:
    """Compact JSON TTLV, key order ``tag, type, value``, no ``type`` for structures."""
    out: list[str] = []
    _encode_into(node, out)
    return "".join(out)


def to_obj(node: TTLV) -> dict[str, Any]:
    """The JSON object (dicts/lists) that :func:`encode` would write."""
    result: dict[str, Any] = json.loads(encode(node))
    return result
