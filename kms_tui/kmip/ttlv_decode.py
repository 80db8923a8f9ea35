"""JSON TTLV → :class:`TTLV` tree, with every defect reported at the path of the bad node.

The fast path lets the C JSON scanner build tuples of (key, value) pairs and turns them into
nodes in one loop per structure; anything unusual drops to a slow path that re-reads the
document to say exactly what is wrong and where.
"""

from __future__ import annotations

import gc
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from kms_tui.kmip.ttlv_node import TTLV, TYPES, TTLVError

__all__ = ["decode", "decode_obj", "parse_datetime"]

_I32_MIN, _I32_MAX = -(2**31), 2**31 - 1
_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1
_HEX_RE = re.compile(r"[0-9A-Fa-f]*\Z")


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def parse_datetime(text: str, *, offset_required: bool = False) -> datetime:
    """ISO-8601 with offset (``Z`` allowed), or ``0x`` + 16 hex digits of Unix seconds (an i64,
    big-endian two's complement, as Cosmian's ``parse_hex_time`` reads it).

    Only dates whose UTC time falls in years 1 to 9999 are accepted: Cosmian's decoder stops at
    year 9999 (``time`` without ``large-dates``), and what Python cannot hold or write back in
    UTC must be refused before it is stored, never stored unreadable."""
    if text.startswith("0x"):
        digits = text[2:]
        if len(digits) != 16 or not _HEX_RE.match(digits):
            raise ValueError(f"invalid DateTime hex {text!r}")
        seconds = _signed(int(digits, 16), 64)
        try:
            return _EPOCH + timedelta(seconds=seconds)
        except OverflowError:
            raise ValueError(f"Invalid value for unix seconds timestamp: {text}: out of range") from None
    t = text.strip()
    if t.endswith(("Z", "z")):
        t = t[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(t)
    except ValueError:
        raise ValueError(f"invalid DateTime {text!r}") from None
    if dt.tzinfo is None:
        if offset_required:  # Cosmian parses an OffsetDateTime: no offset, no date
            raise ValueError(f"Invalid value for an RFC3339 date: {text} (no UTC offset)")
        dt = dt.replace(tzinfo=timezone.utc)
    try:
        dt.astimezone(timezone.utc)  # a date near year 1 or 9999 with an offset may leave the range
    except OverflowError:
        raise ValueError(f"invalid DateTime {text!r}: out of range in UTC") from None
    return dt


def wire_datetime(text: str) -> datetime:
    """A DateTime value of a JSON TTLV document: :func:`parse_datetime` with the offset required."""
    return parse_datetime(text, offset_required=True)


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


def _integer(typ: str, value: Any, low: int, high: int, width: str) -> int:
    """A JSON number or ``0x`` hex (8 or 16 digits, two's complement) within [low, high]."""
    if type(value) is int:
        v = value
    elif type(value) is str and value.startswith("0x"):
        v = _signed(_hex_int(value, typ, (8, 16)), 64)
    else:
        raise ValueError(f"{typ} value must be a JSON number or a 0x hex string")
    if not low <= v <= high:
        raise ValueError(f"{typ} {value} out of {width} range")
    return v


def _convert(typ: str, value: Any) -> Any:
    """Turn a JSON value into the Python value for ``typ`` (raises ValueError)."""
    if typ == "TextString":
        if type(value) is not str:
            raise ValueError("TextString value must be a JSON string")
        return value
    if typ == "Integer":
        return _integer(typ, value, _I32_MIN, _I32_MAX, "i32")
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
        return _integer(typ, value, _I64_MIN, _I64_MAX, "i64")
    if typ == "Boolean":
        if type(value) is not bool:
            raise ValueError("Boolean value must be true or false")
        return value
    if typ == "DateTime":
        if type(value) is not str:
            raise ValueError("DateTime value must be a string")
        return wire_datetime(value)
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


_DATES: dict[str, datetime] = {}  # DateTime text → value; dates repeat a lot in batches


def _date(text: str) -> datetime:
    d = _DATES.get(text)
    if d is None:
        if len(_DATES) > 10_000:
            _DATES.clear()
        d = _DATES[text] = wire_datetime(text)
    return d


def _fast_children(items: Any) -> list[TTLV]:
    """Nodes from JSON objects parsed as tuples of (key, value) pairs; _Bad on any defect.

    Leaves are built inline (no call per node) and only structures recurse: that is what keeps
    decoding within a small factor of ``json.loads``.
    """
    out: list[TTLV] = []
    append = out.append
    for t in items:
        if type(t) is not tuple:
            raise _Bad
        if len(t) == 3:
            (k0, tag), (k1, typ), (k2, v) = t
            if k0 != "tag" or k1 != "type" or k2 != "value" or type(tag) is not str:
                raise _Bad
            if typ == "Enumeration" and type(v) is str and v and v[:2] != "0x":
                append(TTLV(tag, typ, v))
            elif typ == "TextString" and type(v) is str:
                append(TTLV(tag, typ, v))
            elif typ == "Structure" and type(v) is list:
                append(TTLV(tag, typ, _fast_children(v)))
            elif typ == "Boolean" and type(v) is bool:
                append(TTLV(tag, typ, v))
            elif typ == "DateTime" and type(v) is str:
                try:
                    append(TTLV(tag, typ, _date(v)))
                except ValueError:
                    raise _Bad from None
            else:
                try:
                    append(TTLV(tag, typ, _convert(typ, v)))
                except ValueError:
                    raise _Bad from None
        elif len(t) == 2:
            (k0, tag), (k1, v) = t
            if k0 != "tag" or k1 != "value" or type(tag) is not str or type(v) is not list:
                raise _Bad
            append(TTLV(tag, "Structure", _fast_children(v)))
        else:
            raise _Bad
    return out


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
    # The cycle collector would rescan the many young tuples and nodes again and again while
    # they are built (2-3x the parse time); none of them can form a cycle, so pause it.
    collecting = gc.isenabled()
    gc.disable()
    try:
        node = _decode(text)
    except RecursionError:
        # serde_json stops at 128 levels; Python's limit is deeper but must not crash the caller.
        raise TTLVError("invalid JSON: recursion limit exceeded", kind="json") from None
    finally:
        if collecting:
            gc.enable()
    # Only a \u escape can smuggle a lone surrogate in, which no UTF-8 writer can emit.
    if (b"\\u" if isinstance(text, (bytes, bytearray)) else "\\u") in text:
        _check_unicode(node, node.tag)
    return node


def _decode(text: str | bytes) -> TTLV:
    try:
        # Objects come back as tuples of pairs (built in C): key order and duplicates stay visible.
        root = json.loads(text, object_pairs_hook=tuple)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TTLVError(f"invalid JSON: {exc}", kind="json") from None
    try:
        if type(root) is tuple:
            return _fast_children((root,))[0]
        if type(root) is list:
            # A top-level JSON array is tolerated by Cosmian: its items become a structure.
            return TTLV("", "Structure", _fast_children(root))
    except _Bad:
        pass
    else:
        raise TTLVError("expected a TTLV object {tag, type, value}", "/")
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


def decode_obj(obj: Any) -> TTLV:
    """Build a node tree from already-parsed JSON (dicts and lists)."""
    return decode(json.dumps(obj))
