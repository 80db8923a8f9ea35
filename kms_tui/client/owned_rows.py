"""The rows of ``/access/owned``, made from its decoded entries: pure Python, no I/O, no asyncio.

:mod:`kms_tui.client.listing` runs this in a worker thread; the console's listings run it in a
process of their own (:mod:`kms_tui.client.decoder_process`, whose child imports this module and
little else: it starts in about 0.1 s). What a listing makes of one entry:

- an :class:`ObjectSummary` (the client's row: every attribute, reshaped by
  :func:`plain_attributes`), and
- for a console, :data:`RowFields`: the few values a table row keeps, in a plain tuple that
  crosses a process boundary cheaply (:func:`row_fields`).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kms_tui.client.serde_dates import as_datetime, created_of, rfc3339

if TYPE_CHECKING:
    from kms_tui.client.requests import LocateFilter

DESTROYED = ("Destroyed", "Destroyed_Compromised")


@dataclass(slots=True)  # 10,000 of them in the browser: no per-instance __dict__
class ObjectSummary:
    """One row of the object browser."""

    uid: str
    object_type: str = ""
    algorithm: str = ""
    length: int | None = None
    state: str = ""
    tags: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    links: list[dict[str, str]] = field(default_factory=list)
    owner: str = ""  # empty: we own it
    rights: list[str] = field(default_factory=list)  # our rights on a shared object
    attributes: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_attributes(cls, uid: str, attrs: dict[str, Any], **extra: Any) -> ObjectSummary:
        return cls(
            uid=uid,
            object_type=str(attrs.get("ObjectType", "") or ""),
            algorithm=str(attrs.get("CryptographicAlgorithm", "") or ""),
            length=attrs.get("CryptographicLength"),
            state=str(extra.pop("state", None) or attrs.get("State", "") or ""),
            tags=[t for t in attrs.get("tags", []) if not t.startswith("_")],
            names=list(attrs.get("names", [])),
            links=list(attrs.get("links", [])),
            attributes=attrs,
            **extra,
        )

    @property
    def created(self) -> datetime | None:
        """When the object was made (its dates are kept as the server wrote them: serde tuples
        from ``/access/owned``, RFC 3339 from GetAttributes; converted only when asked for)."""
        return created_of(self.attributes)

    def matches(self, f: LocateFilter | Any) -> bool:
        """The filters Locate applies, applied here to rows we already have."""
        if f.state:
            if self.state != f.state:
                return False
        elif self.state in DESTROYED:
            return False  # like Locate: destroyed objects only when asked for
        return (
            (not f.object_type or self.object_type == f.object_type)
            and (not f.algorithm or self.algorithm == f.algorithm)
            and (not f.length or self.length == f.length)
            and (not f.name or f.name in self.names)
            and (not f.tags or set(f.tags) <= set(self.attributes.get("tags", [])))
            and (not f.linked_to or any(link["id"] == f.linked_to for link in self.links))
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_VENDOR_KEYS = ("Attribute", "VendorAttributes", "vendor_attributes")


def decode_tag_text(value: Any) -> list[str]:
    """The tags in a Cosmian ``tag`` vendor attribute value (a JSON array of strings), sorted;
    a value that is not a JSON array counts as one tag, so nothing the server sent is hidden."""
    if not isinstance(value, str):
        return sorted(str(t) for t in value or [])
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = [value]
    return sorted(str(t) for t in (parsed if isinstance(parsed, list) else [value]))


def _parse_tags(value: Any, cache: dict[str, tuple[str, ...]] | None) -> list[str]:
    if not isinstance(value, str):
        return decode_tag_text(value)
    tags = cache.get(value) if cache is not None else None
    if tags is None:  # many objects share one tag set: decode each distinct text once
        tags = tuple(decode_tag_text(value))
        if cache is not None:
            cache[value] = tags
    return list(tags)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def plain_attributes(raw: dict[str, Any], tag_cache: dict[str, tuple[str, ...]] | None = None) -> dict[str, Any]:
    """Attributes from ``/access/owned`` (plain serde JSON) in the shape of ``attributes_to_dict``
    (``names``, ``links``, ``tags``, ``vendor_attributes`` come last). ``tag_cache`` (text →
    tags) saves decoding the same tag text again across many objects."""
    out = dict(raw or {})  # a C-level copy, then only the few reshaped keys are touched
    name = out.pop("Name", None)
    if name is not None:
        out["names"] = [n.get("NameValue") for n in _as_list(name)]
    link = out.pop("Link", None)
    if link is not None:
        out["links"] = [
            {"type": ln.get("LinkType"), "id": str(_scalar(ln.get("LinkedObjectIdentifier")))} for ln in _as_list(link)
        ]
    for key in [k for k in _VENDOR_KEYS if k in out]:
        for va in _as_list(out.pop(key)):
            v = va.get("AttributeValue")
            if isinstance(v, dict):  # adjacently tagged {"_t": type, "_c": content}
                v = _vendor_content(v)
            if va.get("AttributeName") == "tag":
                out["tags"] = _parse_tags(v, tag_cache)
            else:
                out.setdefault("vendor_attributes", {})[
                    f"{va.get('VendorIdentification')}/{va.get('AttributeName')}"
                ] = v
    return out


def _vendor_content(value: dict[str, Any]) -> Any:
    """A vendor value ``{"_t": type, "_c": serde content}`` in the form GetAttributes' values
    take in :func:`kms_tui.client.requests.attributes_to_dict` (dates RFC 3339, bytes hex)."""
    kind, content = value.get("_t"), value.get("_c")
    if kind == "DateTime":
        return rfc3339(as_datetime(content)) or content
    if kind == "ByteString" and isinstance(content, list):
        try:
            return bytes(content).hex().upper()
        except (TypeError, ValueError):
            return content
    if kind == "BigInteger" and isinstance(content, list) and len(content) == 2 and isinstance(content[1], list):
        sign, digits = content  # num-bigint-dig: (sign, base-2^32 digits, least significant first)
        try:
            return sign * int.from_bytes(struct.pack(f"<{len(digits)}I", *digits), "little")
        except (struct.error, TypeError):
            return content
    return content


def _scalar(v: Any) -> Any:
    if isinstance(v, dict) and len(v) == 1:
        return next(iter(v.values()))
    return v


def kept_dates(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """The dates (and the Sensitive flag) a console row keeps, from attributes in any shape."""
    compromise = attrs.get("CompromiseOccurrenceDate") or attrs.get("CompromiseDate")
    return {
        "activated": as_datetime(attrs.get("ActivationDate")),
        "deactivated": as_datetime(attrs.get("DeactivationDate")),
        "compromised": as_datetime(compromise),
        "sensitive": attrs.get("Sensitive") is True,
    }


# What a console row keeps of an object, in this order: uid, object type, algorithm, length,
# state, user tags (sorted), system tags (sorted), first name, created, links ((type, id) pairs),
# owner, activated, deactivated, compromised, sensitive. A plain tuple: it is pickled across
# processes 100,000 times per listing (kms_tui.tui.objects.loading.row_from_fields reads it).
RowFields = tuple[
    str,
    str,
    str,
    "int | None",
    str,
    tuple[str, ...],
    tuple[str, ...],
    str,
    "datetime | None",
    tuple[tuple[str, str], ...],
    str,
    "datetime | None",
    "datetime | None",
    "datetime | None",
    bool,
]


def row_fields(summary: ObjectSummary) -> RowFields:
    """The :data:`RowFields` of a summary: the columns and the few dates the guards need."""
    attrs = summary.attributes
    every_tag = attrs.get("tags") or ()
    dates = kept_dates(attrs)
    return (
        summary.uid,
        summary.object_type,
        summary.algorithm,
        summary.length if isinstance(summary.length, int) else None,
        summary.state,
        tuple(sorted(set(summary.tags))),
        tuple(sorted({t for t in every_tag if t.startswith("_")})),
        str(summary.names[0] or "") if summary.names else "",
        created_of(attrs),
        tuple((str(link.get("type")), str(link.get("id", ""))) for link in summary.links if link.get("type")),
        summary.owner,
        dates["activated"],
        dates["deactivated"],
        dates["compromised"],
        dates["sensitive"],
    )


# One entry the server sent without its tags: (uid, plain attributes, state); the listing asks
# for the tags before it shows the row (filters may name tags).
Untagged = tuple[str, dict[str, Any], Any]


def decode_owned(
    entries: list[Any],
    tag_cache: dict[str, tuple[str, ...]],
    filters: LocateFilter | Any,
    make: Callable[[ObjectSummary], Any],
) -> tuple[list[str], list[Untagged], list[Any]]:
    """Decoded ``/access/owned`` entries → (every id, the entries without tags, ``make`` of each
    row with its tags that matches ``filters``), in the server's order."""
    uids: list[str] = []
    untagged: list[Untagged] = []
    shown: list[Any] = []
    for entry in entries:
        uid = str(entry.get("object_id"))
        uids.append(uid)
        attrs = plain_attributes(entry.get("attributes") or {}, tag_cache)
        if "tags" not in attrs:
            untagged.append((uid, attrs, entry.get("state")))
            continue
        row = ObjectSummary.from_attributes(uid, attrs, state=entry.get("state"))
        if row.matches(filters):
            shown.append(make(row))
    return uids, untagged, shown
