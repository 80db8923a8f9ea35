"""Wire options and per-type codecs behind :class:`~kms_tui.kmip.models.base.TTLVModel`.

A codec turns one TTLV node into a Python value and back, and says which TTLV types it accepts;
``codec_for`` picks one from a field's annotation (see the table in ``base``).
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Union

from kms_tui.kmip.enums import KmipEnum, enum_for_tag
from kms_tui.kmip.ttlv import TTLV, TTLVError

__all__ = ["W", "CodecError", "codec_error", "name_enum_codes", "pascal", "codec_for", "unwrap", "Field"]


@dataclass(frozen=True)
class W:
    """Wire options for a field: its TTLV ``tag`` and/or primitive ``type``."""

    tag: str | None = None
    type: str | None = None
    aliases: tuple[str, ...] = ()  # other tags accepted on input


def pascal(name: str) -> str:
    """``cryptographic_usage_mask`` → ``CryptographicUsageMask`` (serde ``PascalCase``)."""
    return "".join(p[:1].upper() + p[1:] for p in name.split("_"))


class CodecError(TTLVError):
    """Valid TTLV that does not map to the operation's structure (Cosmian: 422 ``Codec_Error``)."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message, path, kind="codec")


def codec_error(path: str, message: str) -> CodecError:
    """The error for TTLV that does not map to the expected structure, naming its path."""
    return CodecError(message, path)


def name_enum_codes(node: TTLV) -> None:
    """In place: Enumerations sent as numbers (``0x…`` or JSON integers) become Cosmian's
    variant names; a code unknown to its tag's enumeration is a :class:`CodecError`.

    Enumerations of tags with no known enumeration keep their number.
    """
    for n in node.walk():
        if n.type == "Enumeration" and isinstance(n.value, int):
            enum = enum_for_tag(n.tag)
            if enum is None:
                continue
            member = enum.from_code(n.value)
            if member is None:
                raise codec_error(n.tag, f"unknown {enum.__name__} code 0x{n.value:08X} for `{n.tag}`")
            n.value = member.value


# ------------------------------------------------------------------------------------------------
# Per-type codecs
# ------------------------------------------------------------------------------------------------


class _Codec:
    """Turns one node into a Python value and back."""

    wire_types: frozenset[str] = frozenset()
    raw = False  # True: any node is kept as is (no type check)

    def accepts(self, node: TTLV) -> bool:
        return node.type in self.wire_types

    def decode(self, node: TTLV, path: str) -> Any:
        raise NotImplementedError

    def encode(self, tag: str, value: Any) -> TTLV:
        raise NotImplementedError

    def owns(self, value: Any) -> bool:
        raise NotImplementedError

    def describe(self) -> str:
        return "/".join(sorted(self.wire_types))


class _Primitive(_Codec):
    def __init__(self, wire: str, py: type, accepted: tuple[str, ...] = ()) -> None:
        self.wire = wire
        self.py = py
        self.wire_types = frozenset((wire, *accepted))

    def decode(self, node: TTLV, path: str) -> Any:
        if node.type not in self.wire_types:
            raise codec_error(path, f"expected {self.wire}, got {node.type}")
        return node.value

    def encode(self, tag: str, value: Any) -> TTLV:
        return TTLV(tag, self.wire, value)

    def owns(self, value: Any) -> bool:
        if self.py is int:
            return isinstance(value, int) and not isinstance(value, bool)
        if self.py is str:
            return isinstance(value, str) and (self.wire == "Enumeration" or not isinstance(value, KmipEnum))
        return isinstance(value, self.py)

    def describe(self) -> str:
        return self.wire


class _Enum(_Codec):
    wire_types = frozenset({"Enumeration"})

    def __init__(self, enum: type[KmipEnum]) -> None:
        self.enum = enum

    def decode(self, node: TTLV, path: str) -> Any:
        if node.type != "Enumeration":
            raise codec_error(path, f"expected Enumeration, got {node.type}")
        try:
            return self.enum.from_wire(node.value)
        except ValueError:
            raise codec_error(path, f"unknown {self.enum.__name__} variant {node.value!r}") from None

    def encode(self, tag: str, value: Any) -> TTLV:
        return TTLV(tag, "Enumeration", value.value if isinstance(value, KmipEnum) else value)

    def owns(self, value: Any) -> bool:
        return isinstance(value, self.enum)


class _Raw(_Codec):
    """Any node, kept as is (re-tagged on output)."""

    raw = True

    def accepts(self, node: TTLV) -> bool:
        return True

    def decode(self, node: TTLV, path: str) -> Any:
        return node

    def encode(self, tag: str, value: Any) -> TTLV:
        return TTLV(tag, value.type, value.value)

    def owns(self, value: Any) -> bool:
        return isinstance(value, TTLV)

    def describe(self) -> str:
        return "any"


class _Struct(_Codec):
    wire_types = frozenset({"Structure"})

    def __init__(self, model: Any) -> None:
        self.model = model

    def decode(self, node: TTLV, path: str) -> Any:
        return self.model.from_ttlv(node, path=path)

    def encode(self, tag: str, value: Any) -> TTLV:
        node: TTLV = value.to_ttlv(tag)  # a TTLVModel (duck-typed, as in owns())
        return node

    def owns(self, value: Any) -> bool:
        return isinstance(value, self.model)

    def describe(self) -> str:
        return "Structure"


class _Union(_Codec):
    def __init__(self, alternatives: list[_Codec]) -> None:
        # Enumerations first: a KmipEnum is also a str.
        self.alts = sorted(alternatives, key=lambda c: not isinstance(c, _Enum))
        self.wire_types = frozenset().union(*(a.wire_types for a in alternatives))

    def accepts(self, node: TTLV) -> bool:
        return any(a.accepts(node) for a in self.alts)

    def decode(self, node: TTLV, path: str) -> Any:
        for a in self.alts:
            if a.accepts(node):
                return a.decode(node, path)
        raise codec_error(path, f"expected {self.describe()}, got {node.type}")

    def encode(self, tag: str, value: Any) -> TTLV:
        for a in self.alts:
            if a.owns(value):
                return a.encode(tag, value)
        raise TypeError(f"{tag}: cannot encode {type(value).__name__}")

    def owns(self, value: Any) -> bool:
        return any(a.owns(value) for a in self.alts)

    def describe(self) -> str:
        return " or ".join(a.describe() for a in self.alts)


_PRIMITIVES: dict[type, tuple[str, tuple[str, ...]]] = {
    bool: ("Boolean", ()),
    str: ("TextString", ()),
    bytes: ("ByteString", ()),
    datetime: ("DateTime", ()),
    int: ("Integer", ()),
}


def codec_for(tp: Any, wire: W | None) -> _Codec:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        alts = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(alts) == 1:
            return codec_for(alts[0], wire)
        return _Union([codec_for(a, wire) for a in alts])
    if tp is TTLV or tp is Any:
        return _Raw()
    if isinstance(tp, type) and issubclass(tp, KmipEnum):
        return _Enum(tp)
    if isinstance(tp, type) and hasattr(tp, "from_ttlv") and hasattr(tp, "to_ttlv"):
        return _Struct(tp)  # a TTLVModel (duck-typed: base imports this module)
    if tp is str and wire is not None and wire.type == "Enumeration":
        return _Primitive("Enumeration", str)  # a free enumeration name (e.g. a Tag name)
    if tp is int and wire is not None and wire.type in ("LongInteger", "Interval", "BigInteger"):
        # i64 fields also take an Integer node (serde widens i32 to i64).
        accepted: tuple[str, ...] = ("Integer",) if wire.type == "LongInteger" else ()
        return _Primitive(wire.type, int, accepted)
    if tp in _PRIMITIVES:
        name, accepted = _PRIMITIVES[tp]
        return _Primitive(name, tp, accepted)
    raise TypeError(f"no TTLV mapping for {tp!r}")


@dataclass
class Field:
    name: str
    tag: str
    codec: _Codec
    repeated: bool
    required: bool


def unwrap(annotation: Any) -> tuple[Any, W | None, bool]:
    """(inner type, wire options, repeated) from a resolved field annotation."""
    wire: W | None = None
    if typing.get_origin(annotation) is typing.Annotated:
        args = typing.get_args(annotation)
        annotation = args[0]
        wire = next((a for a in args[1:] if isinstance(a, W)), None)
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        alts = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(alts) == 1:
            inner, w2, rep = unwrap(alts[0])
            return inner, wire or w2, rep
    if origin is list:
        (item,) = typing.get_args(annotation)
        inner, w2, _ = unwrap(item)
        return inner, wire or w2, True
    return annotation, wire, False
