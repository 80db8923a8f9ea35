"""Independent re-statement of how Cosmian 5.x re-serializes a JSON TTLV document it accepted.

Works on plain JSON (dicts/lists), not on the codec under test, so the round-trip tests compare
the codec against the written rules of reference §1.2 rather than against itself:
``type`` dropped on Structures, Integer hex → JSON number, LongInteger/DateTimeExtended → ``0x``
+ 16 upper hex digits, ByteString upper-case, Enumeration codes → ``0x`` + 8 upper hex digits.
"""

from __future__ import annotations

from typing import Any


def _int_from(value: Any) -> int:
    if isinstance(value, str):
        raw = int(value[2:], 16)
        return raw - (1 << 64) if raw >= 1 << 63 else raw
    return int(value)


def normalize(node: dict[str, Any]) -> dict[str, Any]:
    """The Cosmian output form of one accepted JSON TTLV node (keys in tag, type, value order)."""
    typ = node.get("type", "Structure")
    value = node["value"]
    if typ == "Structure":
        return {"tag": node["tag"], "value": [normalize(c) for c in value]}
    if typ == "Integer":
        value = _int_from(value)
    elif typ in ("LongInteger", "DateTimeExtended"):
        value = "0x%016X" % (_int_from(value) & 0xFFFFFFFFFFFFFFFF)
    elif typ == "ByteString":
        value = value.upper()
    elif typ == "Enumeration":
        if isinstance(value, int):
            value = f"0x{value:08X}"
        elif value.startswith("0x"):
            value = "0x" + value[2:].upper()
    return {"tag": node["tag"], "type": typ, "value": value}


def reorder_like(expected: dict[str, Any], order_of: dict[str, Any]) -> dict[str, Any]:
    """``expected`` with each structure's children stably sorted into ``order_of``'s tag order.

    Used for samples written in a field order that differs from Cosmian's declaration order:
    the model emits Cosmian's order, the content must be the same.
    """
    if "type" in expected or not isinstance(expected.get("value"), list):
        return expected
    rank = {}
    for i, c in enumerate(order_of.get("value", [])):
        rank.setdefault(c["tag"], i)
    kids = sorted(expected["value"], key=lambda c: rank.get(c["tag"], 1 << 30))
    matched = []
    used: dict[str, int] = {}
    for c in kids:
        same = [o for o in order_of.get("value", []) if o["tag"] == c["tag"]]
        k = used.get(c["tag"], 0)
        used[c["tag"]] = k + 1
        matched.append(reorder_like(c, same[k]) if k < len(same) else c)
    return {"tag": expected["tag"], "value": matched}
