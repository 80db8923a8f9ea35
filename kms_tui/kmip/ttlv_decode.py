"""JSON TTLV → :class:`TTLV` tree, with every defect reported at the path of the bad node.

The fast path lets the C JSON scanner build tuples of (key, value) pairs and turns them into
nodes in one loop per structure; anything unusual drops to a slow path that re-reads the
document to say exactly what is wrong and where.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from sys import intern
from typing import Any

from kms_tui.gc_pause import collector_paused
from kms_tui.kmip.ttlv_node import TTLV, TYPES, TTLVError

__all__ = ["decode", "decode_obj", "parse_datetime"]

_I32_MIN, _I32_MAX = -(2**31), 2**31 - 1
_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1
_HEX_RE = re.compile(r"[0-9A-Fa-f]*\Z")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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
        dt = dt.replace(tzinfo=UTC)
    try:
        dt.astimezone(UTC)  # a date near year 1 or 9999 with an offset may leave the range
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


class _Raw(list[tuple[str, Any]]):
    """A JSON object that is not a valid TTLV node, kept as its (key, value) pairs so that
    :func:`_slow_node` can say exactly what is wrong with it."""


# A later invalid object that is no ancestor of the first one: its defect is never the one
# reported, so it is not kept (a body of millions of bad objects must not cost their pairs).
_ELIDED = _Raw()


def _node(pairs: list[tuple[str, Any]]) -> TTLV | None:
    """The node a JSON object stands for, or None if it is not a valid TTLV node."""
    n = len(pairs)
    if n == 3:
        (k0, tag), (k1, typ), (k2, v) = pairs
        if k0 != "tag":
            return _node_any_order(pairs)
        if type(tag) is not str:
            return None
        if k1 == "type" and k2 == "value":
            if typ == "Enumeration" and type(v) is str and v and v[:2] != "0x":
                return TTLV(intern(tag), typ, v)
            if typ == "TextString" and type(v) is str:
                return TTLV(intern(tag), typ, v)
            if typ == "Structure":
                return TTLV(intern(tag), typ, v) if type(v) is list and _all_nodes(v) else None
            if typ == "Boolean" and type(v) is bool:
                return TTLV(intern(tag), typ, v)
            if typ == "DateTime" and type(v) is str:
                try:
                    return TTLV(intern(tag), typ, _date(v))
                except ValueError:
                    return None
            if type(typ) is not str or typ not in TYPES:
                return None
            try:
                return TTLV(intern(tag), typ, _convert(typ, v))
            except ValueError:
                return None
        return _node_any_order(pairs)
    if n == 2:
        (k0, tag), (k1, v) = pairs
        if k0 == "tag" and k1 == "value" and type(tag) is str and type(v) is list and _all_nodes(v):
            return TTLV(intern(tag), "Structure", v)
        return _node_any_order(pairs)
    return None


def _node_any_order(pairs: list[tuple[str, Any]]) -> TTLV | None:
    """A node whose keys are not in the usual order (Cosmian reads them in any order, but
    decides the type when it meets `value`: a `type` after it means Structure)."""
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys) or not {"tag", "value"} <= set(keys) <= {"tag", "type", "value"}:
        return None
    d = dict(pairs)
    tag, v = d["tag"], d["value"]
    if type(tag) is not str:
        return None
    typ = "Structure"
    if "type" in d:
        if type(d["type"]) is not str or d["type"] not in TYPES:
            return None
        if keys.index("type") < keys.index("value"):
            typ = d["type"]
    if typ == "Structure":
        return TTLV(intern(tag), typ, v) if type(v) is list and _all_nodes(v) else None
    try:
        return TTLV(intern(tag), typ, _convert(typ, v))
    except ValueError:
        return None


def _all_nodes(items: list[Any]) -> bool:
    for c in items:
        if type(c) is not TTLV:
            return False
    return True


def _builder() -> Callable[[list[tuple[str, Any]]], Any]:
    """An ``object_pairs_hook`` that turns each JSON object into its node as the C scanner
    finishes it: nothing but the nodes is kept, so memory follows the size of the document.
    A JSON object that is not a valid node becomes a :class:`_Raw`: the first one, and the
    objects that contain it (its ancestors), keep their pairs; later ones are :data:`_ELIDED`."""
    seen_bad = False

    def hook(pairs: list[tuple[str, Any]]) -> Any:
        nonlocal seen_bad
        node = _node(pairs)
        if node is not None:
            return node
        if not seen_bad:
            seen_bad = True
            return _Raw(pairs)
        for _, v in pairs:
            if type(v) is _Raw and v is not _ELIDED:
                return _Raw(pairs)
            if type(v) is list:
                for c in v:
                    if type(c) is _Raw and c is not _ELIDED:
                        return _Raw(pairs)
        return _ELIDED

    return hook


def _slow_node(obj: Any, path: str) -> TTLV:
    """Validate one JSON node (a node already built, or a :class:`_Raw` object with its pairs)
    and say exactly what is wrong."""
    if type(obj) is TTLV:
        return obj
    if obj is _ELIDED or not isinstance(obj, list) or not all(isinstance(p, tuple) for p in obj):
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
        if type(value) is not list:  # a JSON object ({} included) is not an array
            raise TTLVError("a Structure value must be a JSON array", here)
        return TTLV(tag, "Structure", [_slow_node(c, here) for c in value])
    try:
        return TTLV(tag, typ, _convert(typ, _plain(value)))
    except ValueError as exc:
        raise TTLVError(str(exc), here) from None


def _plain(value: Any) -> Any:
    """A primitive value as plain JSON would give it (an object is never valid there)."""
    if type(value) is _Raw or type(value) is TTLV:
        return {}
    return value


def decode(text: str | bytes) -> TTLV:
    """Parse JSON TTLV text into a node tree; raises :class:`TTLVError` on any defect."""
    # The cycle collector would rescan the many young tuples and nodes again and again while
    # they are built; none of them can form a cycle, so it is paused (measured: CONTRIBUTING.md).
    try:
        with collector_paused():
            node = _decode(text)
    except RecursionError:
        # serde_json stops at 128 levels; Python's limit is deeper but must not crash the caller.
        raise TTLVError("invalid JSON: recursion limit exceeded", kind="json") from None
    # Only a \u escape can smuggle a lone surrogate in, which no UTF-8 writer can emit.
    if b"\\u" in text if isinstance(text, (bytes, bytearray)) else "\\u" in text:
        _check_unicode(node, node.tag)
    return node


def _decode(text: str | bytes) -> TTLV:
    try:
        root = json.loads(text, object_pairs_hook=_builder())
    except (ValueError, UnicodeDecodeError) as exc:
        raise TTLVError(f"invalid JSON: {exc}", kind="json") from None
    if type(root) is TTLV:
        return root
    if type(root) is list:
        # A top-level JSON array is tolerated by Cosmian: its items become a structure.
        if _all_nodes(root):
            return TTLV("", "Structure", root)
        return TTLV("", "Structure", [_slow_node(c, "") for c in root])
    if type(root) is _Raw:
        return _slow_node(root, "")
    raise TTLVError("expected a TTLV object {tag, type, value}", "/")


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
