"""The TTLV node and the codec's error type (see :mod:`kms_tui.kmip.ttlv` for the codec)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["TTLV", "TTLVError", "TYPES"]

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

    def __init__(self, tag: str, type: str, value: Any) -> None:
        self.tag = tag
        self.type = type
        self.value = value

    # -- constructors -------------------------------------------------------------------------
    @classmethod
    def struct(cls, tag: str, children: Sequence[TTLV | None] | None = None) -> TTLV:
        """A structure of ``children``; a None child (an optional field left out) is dropped."""
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
        children: list[TTLV] = self.value
        for c in children:
            if c.tag == tag:
                return c
        return None

    def child(self, tag: str) -> TTLV:
        """First child with ``tag``; a :class:`TTLVError` when there is none (a structure that
        must have it, such as an object's KeyBlock)."""
        found = self.get(tag)
        if found is None:
            raise TTLVError(f"no {tag}", self.tag)
        return found

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
