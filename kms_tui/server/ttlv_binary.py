"""The binary (KMIP 2) TTLV of a ``KeyValue``, as Cosmian 5.26 wraps it with EncodingOption
TTLVEncoding (``crate/kmip/src/kmip_2_1/kmip_data_structures.rs: KeyValue::to_ttlv_bytes,
from_ttlv_bytes``; ``crate/crypto/src/crypto/wrap/{wrap_key,unwrap_key}.rs``).

The sandbox keeps no attributes inside a stored KeyValue, so what it wraps is
``KeyValue { KeyMaterial }``; the tags are those a KeyMaterial holds (``digest.TAGS``)."""

from __future__ import annotations

import struct

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server.digest import CURVE_CODES, TAGS, ttlv_bytes

KEY_VALUE_TAG = 0x420045
_NAMES = {v: k for k, v in TAGS.items()}
_CURVES = {v: k for k, v in CURVE_CODES.items()}


def key_value_bytes(key_value: TTLV) -> bytes:
    """``KeyValue::to_ttlv_bytes``: ValueError when it holds what the sandbox cannot encode."""
    material = key_value.get("KeyMaterial") if key_value.type == "Structure" else None
    if material is None:
        raise ValueError("Unable to wrap the key: key value is not set")
    body = ttlv_bytes(material)
    return KEY_VALUE_TAG.to_bytes(3, "big") + b"\x01" + struct.pack(">I", len(body)) + body


def _items(data: bytes) -> list[TTLV]:
    out, i = [], 0
    while i < len(data):
        if i + 8 > len(data):
            raise ValueError("truncated TTLV")
        tag, kind, length = (
            int.from_bytes(data[i : i + 3], "big"),
            data[i + 3],
            struct.unpack(">I", data[i + 4 : i + 8])[0],
        )
        i += 8
        padded = length if kind in (0x01, 0x04) else length + (8 - length % 8) % 8
        if i + padded > len(data):
            raise ValueError("truncated TTLV")
        body = data[i : i + length]
        i += padded
        name = _NAMES.get(tag)
        if name is None:
            raise ValueError(f"unknown tag 0x{tag:06X}")
        if kind == 0x01:
            out.append(TTLV.struct(name, _items(body)))
        elif kind == 0x02:
            out.append(TTLV.integer(name, struct.unpack(">i", body)[0]))
        elif kind == 0x04:
            out.append(TTLV.big(name, int.from_bytes(body, "big", signed=True)))
        elif kind == 0x05:
            code = struct.unpack(">I", body)[0]
            out.append(TTLV.enum(name, _CURVES.get(code, code)))
        elif kind == 0x08:
            out.append(TTLV.bytes_(name, body))
        else:
            raise ValueError(f"unsupported TTLV type 0x{kind:02X}")
    return out


def key_value_from_bytes(data: bytes) -> TTLV:
    """``KeyValue::from_ttlv_bytes``: the KeyValue structure; ValueError when unreadable."""
    if len(data) < 8 or int.from_bytes(data[:3], "big") != KEY_VALUE_TAG or data[3] != 0x01:
        raise ValueError("not a TTLV KeyValue")
    length = struct.unpack(">I", data[4:8])[0]
    if 8 + length != len(data):
        raise ValueError("bad KeyValue length")
    return TTLV.struct("KeyValue", _items(data[8:]))
