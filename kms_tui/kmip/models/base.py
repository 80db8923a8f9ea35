"""Declarative mapping between pydantic models and TTLV structures.

A :class:`TTLVModel` subclass lists its fields in Cosmian's declaration order; that order is the
output order. Each field's TTLV tag is the PascalCase of its name (override with
``Annotated[..., W(tag=...)]``) and its TTLV type follows from the Python annotation:

=========================  =================================================
``str``                    TextString
``int``                    Integer (``W(type="LongInteger"|"Interval"|"BigInteger")``)
``bool`` / ``bytes``       Boolean / ByteString
``datetime``               DateTime
a :class:`KmipEnum`        Enumeration (name or code on input, name on output)
a :class:`TTLVModel`       nested Structure
``TTLV``                   the node kept as is (pass-through)
``list[X]``                repeated siblings carrying the same tag
``X | Y``                  chosen by the node's TTLV type on input
=========================  =================================================

On input unknown tags are ignored (as Cosmian does); anything else that does not fit raises a
:class:`TTLVError` with ``kind="codec"`` naming the path, e.g.
``Create/Attributes/CryptographicLength: expected Integer``.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Union

from pydantic import BaseModel, ConfigDict

from kms_tui.kmip.enums import KmipEnum
from kms_tui.kmip.ttlv import TTLV, TTLVError

__all__ = ["W", "TTLVModel", "CodecError", "codec_error", "pascal"]


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


# ------------------------------------------------------------------------------------------------
# Per-type codecs
# ------------------------------------------------------------------------------------------------


class _Codec:
    """Turns one node into a Python value and back."""

    wire_types: frozenset[str] = frozenset()

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

    def __init__(self, model: type[TTLVModel]) -> None:
        self.model = model

    def decode(self, node: TTLV, path: str) -> Any:
        return self.model.from_ttlv(node, path=path)

    def encode(self, tag: str, value: Any) -> TTLV:
        return value.to_ttlv(tag)

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


def _codec_for(tp: Any, wire: W | None) -> _Codec:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        alts = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(alts) == 1:
            return _codec_for(alts[0], wire)
        return _Union([_codec_for(a, wire) for a in alts])
    if tp is TTLV or tp is Any:
        return _Raw()
    if isinstance(tp, type) and issubclass(tp, KmipEnum):
        return _Enum(tp)
    if isinstance(tp, type) and issubclass(tp, TTLVModel):
        return _Struct(tp)
    if tp is str and wire is not None and wire.type == "Enumeration":
        return _Primitive("Enumeration", str)  # a free enumeration name (e.g. a Tag name)
    if tp is int and wire is not None and wire.type in ("LongInteger", "Interval", "BigInteger"):
        # i64 fields also take an Integer node (serde widens i32 to i64).
        accepted = ("Integer",) if wire.type == "LongInteger" else ()
        return _Primitive(wire.type, int, accepted)
    if tp in _PRIMITIVES:
        name, accepted = _PRIMITIVES[tp]
        return _Primitive(name, tp, accepted)
    raise TypeError(f"no TTLV mapping for {tp!r}")


@dataclass
class _Field:
    name: str
    tag: str
    codec: _Codec
    repeated: bool
    required: bool


def _unwrap(annotation: Any) -> tuple[Any, W | None, bool]:
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
            inner, w2, rep = _unwrap(alts[0])
            return inner, wire or w2, rep
    if origin is list:
        (item,) = typing.get_args(annotation)
        inner, w2, _ = _unwrap(item)
        return inner, wire or w2, True
    return annotation, wire, False


_FACTORY = object()  # marks a default that must be built per instance
_IMMUTABLE = (type(None), str, int, bool, bytes, float, KmipEnum)


@dataclass
class _Spec:
    """A model class's wire layout, computed once."""

    fields: list[_Field]
    index: dict[str, _Field]  # tag (and aliases) → field
    required: list[_Field]
    defaults: list[tuple[str, Any]]  # (name, default or _FACTORY or _REQUIRED), declaration order

    @classmethod
    def of(cls, model: type[TTLVModel]) -> _Spec:
        hints = typing.get_type_hints(model, include_extras=True)
        fields: list[_Field] = []
        index: dict[str, _Field] = {}
        defaults: list[tuple[str, Any]] = []
        for name, info in model.model_fields.items():
            inner, wire, repeated = _unwrap(hints[name])
            tag = (wire.tag if wire and wire.tag else None) or pascal(name)
            f = _Field(name, tag, _codec_for(inner, wire), repeated, info.is_required())
            fields.append(f)
            index.update({t: f for t in (tag, *(wire.aliases if wire else ()))})
            if info.is_required():
                defaults.append((name, _FACTORY))  # always present after a successful decode
            elif info.default_factory is None and isinstance(info.default, _IMMUTABLE):
                defaults.append((name, info.default))
            else:
                defaults.append((name, _FACTORY))
        return cls(fields, index, [f for f in fields if f.required], defaults)


_SPECS: dict[type, _Spec] = {}


# ------------------------------------------------------------------------------------------------
# The base model
# ------------------------------------------------------------------------------------------------


class TTLVModel(BaseModel):
    """A pydantic model that maps to one TTLV Structure."""

    # extra="forbid": a misspelt field is an error, not silently dropped from the request.
    model_config = ConfigDict(arbitrary_types_allowed=True, extra="forbid")

    TAG: ClassVar[str] = ""

    # -- introspection ------------------------------------------------------------------------
    @classmethod
    def _spec(cls) -> _Spec:
        spec = _SPECS.get(cls)
        if spec is None:
            spec = _SPECS[cls] = _Spec.of(cls)
        return spec

    @classmethod
    def _wire_fields(cls) -> list[_Field]:
        return cls._spec().fields

    @classmethod
    def _index(cls) -> dict[str, _Field]:
        return cls._spec().index

    # -- encoding -----------------------------------------------------------------------------
    def to_ttlv(self, tag: str | None = None) -> TTLV:
        """This model as a TTLV Structure, children in Cosmian's declaration order."""
        children: list[TTLV] = []
        for f in self._wire_fields():
            value = getattr(self, f.name)
            if value is None:
                continue
            if f.repeated:
                children.extend(self._encode_field(f, v) for v in value)
            else:
                children.append(self._encode_field(f, value))
        return TTLV(tag or self.TAG, "Structure", children)

    def _encode_field(self, f: _Field, value: Any) -> TTLV:
        return f.codec.encode(f.tag, value)

    # -- decoding -----------------------------------------------------------------------------
    @classmethod
    def from_ttlv(cls, node: TTLV, path: str | None = None) -> Any:
        """Build the model from a Structure node; raises TTLVError(kind="codec") naming the path."""
        path = node.tag if path is None else path
        if node.type != "Structure":
            raise codec_error(path, f"expected Structure, got {node.type}")
        index = cls._index()
        values: dict[str, Any] = {}
        last: _Field | None = None
        for child in node.value:
            f = cls._field_for(child, index, path)
            if f is None:
                last = None
                continue  # unknown tags are ignored, as Cosmian does
            here = f"{path}/{child.tag}"
            value = cls._decode_field(f, child, here, values)
            if f.repeated:
                if f.name in values and last is not f:
                    raise codec_error(here, f"repeated `{f.tag}` elements must be contiguous")
                values.setdefault(f.name, []).append(value)
            else:
                if f.name in values:
                    raise codec_error(here, f"duplicate field `{f.tag}`")
                values[f.name] = value
            last = f
        for f in cls._spec().required:
            if f.name not in values:
                raise codec_error(path, f"missing field `{f.tag}`")
        return cls._build(values, path)

    @classmethod
    def _field_for(cls, child: TTLV, index: dict[str, _Field], path: str) -> _Field | None:
        return index.get(child.tag)

    @classmethod
    def _decode_field(cls, f: _Field, child: TTLV, path: str, seen: dict[str, Any]) -> Any:
        return f.codec.decode(child, path)

    @classmethod
    def _build(cls, values: dict[str, Any], path: str) -> Any:
        return cls._construct(values)

    @classmethod
    def _construct(cls, values: dict[str, Any]) -> Any:
        """``model_construct`` without its per-field default resolution (the decoding hot spot).

        Values were checked by the codecs; defaults of these models are immutable (None, enum
        members, strings) except the few marked as factories, which are built per instance.
        """
        spec = cls._spec()
        data: dict[str, Any] = {}
        for name, default in spec.defaults:
            if name in values:
                data[name] = values[name]
            elif default is _FACTORY:
                data[name] = cls.model_fields[name].get_default(call_default_factory=True)
            else:
                data[name] = default
        obj = cls.__new__(cls)
        object.__setattr__(obj, "__dict__", data)
        object.__setattr__(obj, "__pydantic_fields_set__", set(values))
        object.__setattr__(obj, "__pydantic_extra__", None)
        object.__setattr__(obj, "__pydantic_private__", None)
        return obj

    # -- convenience --------------------------------------------------------------------------
    def to_json(self) -> str:
        """Compact Cosmian JSON TTLV of this model."""
        from kms_tui.kmip.ttlv import encode

        return encode(self.to_ttlv())
