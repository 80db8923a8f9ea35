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
:class:`CodecError` (a ``TTLVError`` with ``kind="codec"``) naming the path, e.g.
``Create/Attributes/CryptographicLength: expected Integer``.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from kms_tui.kmip.enums import KmipEnum
from kms_tui.kmip.models.wire import CodecError, Field, W, codec_error, codec_for, pascal, unwrap
from kms_tui.kmip.ttlv import TTLV

__all__ = ["W", "TTLVModel", "CodecError", "codec_error", "pascal"]


_FACTORY = object()  # marks a default that must be built per instance
_IMMUTABLE = (type(None), str, int, bool, bytes, float, KmipEnum)


@dataclass
class _Spec:
    """A model class's wire layout, computed once."""

    fields: list[Field]
    index: dict[str, Field]  # tag (and aliases) → field
    required: list[Field]
    defaults: list[tuple[str, Any]]  # (name, default or _FACTORY), declaration order

    @classmethod
    def of(cls, model: type[TTLVModel]) -> _Spec:
        hints = typing.get_type_hints(model, include_extras=True)
        fields: list[Field] = []
        index: dict[str, Field] = {}
        defaults: list[tuple[str, Any]] = []
        for name, info in model.model_fields.items():
            inner, wire, repeated = unwrap(hints[name])
            tag = (wire.tag if wire and wire.tag else None) or pascal(name)
            f = Field(name, tag, codec_for(inner, wire), repeated, info.is_required())
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
    model_config = ConfigDict(arbitrary_types_allowed=True, extra="forbid", defer_build=True)

    TAG: ClassVar[str] = ""

    # -- introspection ------------------------------------------------------------------------
    @classmethod
    def _spec(cls) -> _Spec:
        spec = _SPECS.get(cls)
        if spec is None:
            spec = _SPECS[cls] = _Spec.of(cls)
        return spec

    @classmethod
    def _wire_fields(cls) -> list[Field]:
        return cls._spec().fields

    @classmethod
    def _index(cls) -> dict[str, Field]:
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

    def _encode_field(self, f: Field, value: Any) -> TTLV:
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
        last: Field | None = None
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
    def _field_for(cls, child: TTLV, index: dict[str, Field], path: str) -> Field | None:
        return index.get(child.tag)

    @classmethod
    def _decode_field(cls, f: Field, child: TTLV, path: str, seen: dict[str, Any]) -> Any:
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

    @classmethod
    def wire_types(cls, tag: str) -> frozenset[str] | None:
        """The TTLV types the field ``tag`` accepts on input; None when it keeps any node raw.

        Raises KeyError when the model has no such field.
        """
        codec = cls._index()[tag].codec
        return None if codec.raw else codec.wire_types

    @classmethod
    def field_tags(cls) -> list[str]:
        """The tags of the model's fields, in wire order."""
        return [f.tag for f in cls._spec().fields]

    @classmethod
    def required_tags(cls) -> list[str]:
        """Tags of the fields a decode requires (Cosmian's non-``Option`` fields)."""
        return [f.tag for f in cls._spec().required]

    # -- convenience --------------------------------------------------------------------------
    def to_json(self) -> str:
        """Compact Cosmian JSON TTLV of this model."""
        from kms_tui.kmip.ttlv import encode

        return encode(self.to_ttlv())
