"""Rows of the object browser: one summary per KMS object, the free-text filter, sorting.

Pure Python (no Textual, no I/O) so it is cheap to test and fast at 100,000 rows. Attributes
arrive in whatever shape the client hands over (a TTLV ``Attributes`` node, the PascalCase
dict of ``/access/owned``, or a pydantic model); a row keeps only what the table, the filter
and the guards use (a few hundred bytes, its type, algorithm, state and tag sets shared with
other rows). The detail pane reads the full attributes from the server when a row is opened and
keeps those of the few objects recently shown (:func:`recent_attributes`).
"""

from __future__ import annotations

import math
import re
import sys
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from kms_tui.client.owned_rows import decode_tag_text, kept_dates
from kms_tui.client.serde_dates import DATE_ATTRIBUTES, as_datetime
from kms_tui.client.serde_dates import created_of as client_created_of
from kms_tui.kmip.ttlv import TTLV

if TYPE_CHECKING:
    from kms_tui.client.kms_client import KmsClient

# Attributes that may repeat: kept as lists even when there is one.
REPEATED = frozenset({"Link", "Name", "Attribute"})
COLUMNS: tuple[str, ...] = ("id", "type", "algorithm", "length", "state", "tags", "name", "created")
STATES = ("PreActive", "Active", "Deactivated", "Compromised", "Destroyed", "Destroyed_Compromised")


def _ttlv_to_plain(node: TTLV) -> Any:
    """A TTLV subtree as plain Python: structures become dicts, repeated tags lists."""
    if node.type != "Structure":
        return node.value
    out: dict[str, Any] = {}
    for child in node.value:
        value = _ttlv_to_plain(child)
        if child.tag in REPEATED:
            out.setdefault(child.tag, []).append(value)
        else:
            out[child.tag] = value
    return out


def normalise_attributes(raw: Any, *, copy: bool = True) -> dict[str, Any]:
    """Attributes in one shape: ``{PascalCaseName: value}``, ``Link``/``Name``/``Attribute`` as lists.

    ``copy=False`` reshapes a dict the caller hands over for good (a listing being turned into
    rows): at 10,000 objects a copy of each would cost megabytes.
    """
    if raw is None:
        return {}
    if isinstance(raw, TTLV):
        plain = _ttlv_to_plain(raw)
        return plain if isinstance(plain, dict) else {}
    if hasattr(raw, "to_ttlv"):
        return normalise_attributes(raw.to_ttlv())
    if hasattr(raw, "model_dump"):
        raw = raw.model_dump(by_alias=True, exclude_none=True)
    if not isinstance(raw, dict):
        return {}
    out = dict(raw) if copy else raw
    digest = out.get("Digest")
    if isinstance(digest, dict) and isinstance(digest.get("DigestValue"), list):  # serde: list of ints
        out["Digest"] = {**digest, "DigestValue": bytes(digest["DigestValue"])}
    # The client's flat dict form (``requests.attributes_to_dict``): links/names/tags lower-case.
    if "links" in out:
        out["Link"] = [
            {"LinkType": link.get("type"), "LinkedObjectIdentifier": link.get("id")} for link in out.pop("links")
        ]
    if "names" in out:
        out["Name"] = [{"NameValue": n} for n in out.pop("names")]
    if "tags" in out:
        out["Tags"] = list(out.pop("tags"))
    for label, value in (out.pop("vendor_attributes", None) or {}).items():
        vendor, _, name = label.partition("/")
        out.setdefault("Attribute", []).append(
            {"VendorIdentification": vendor, "AttributeName": name, "AttributeValue": value}
        )
    for key in REPEATED:
        if key in out and not isinstance(out[key], list):
            out[key] = [out[key]]
    # Cosmian's serde forms (/access/owned): dates as integer tuples, vendor values {"_t", "_c"}.
    for key in DATE_ATTRIBUTES.intersection(out):
        if isinstance(out[key], list):
            out[key] = as_datetime(out[key]) or out[key]
    if out.get("Attribute"):
        out["Attribute"] = [_vendor_value_unwrapped(item) for item in out["Attribute"]]
    return out


def _vendor_value_unwrapped(item: Any) -> Any:
    """A vendor attribute whose ``{"_t": type, "_c": content}`` value is replaced by its content
    (a ``datetime`` for a DateTime), in a new dict: the caller's is left as it was."""
    value = item.get("AttributeValue") if isinstance(item, dict) else None
    if not (isinstance(value, dict) and "_t" in value):
        return item
    content = as_datetime(value) if value["_t"] == "DateTime" else value.get("_c")
    return {**item, "AttributeValue": content}


def _as_datetime(value: Any) -> datetime | None:
    return as_datetime(value)  # datetime, RFC 3339, Cosmian's serde tuple or Unix seconds


def split_tags(attributes: dict[str, Any], vendor_id: str = "cosmian") -> tuple[list[str], list[str]]:
    """(user tags, system tags) from the Cosmian vendor attribute ``tag`` (a JSON array string)."""
    found: list[str] = []
    for item in attributes.get("Attribute", []):
        if not isinstance(item, dict) or item.get("AttributeName") != "tag":
            continue
        if item.get("VendorIdentification", vendor_id) != vendor_id:
            continue
        found.extend(decode_tag_text(item.get("AttributeValue")))
    found += [str(t) for t in attributes.get("Tags", []) or []]  # an already-decoded form
    user = sorted({t for t in found if not t.startswith("_")})
    system = sorted({t for t in found if t.startswith("_")})
    return user, system


def links_of(attributes: dict[str, Any]) -> dict[str, str]:
    """``{LinkType: linked id}`` for every Link attribute."""
    links: dict[str, str] = {}
    for link in attributes.get("Link", []):
        if isinstance(link, dict) and link.get("LinkType"):
            links[str(link["LinkType"])] = str(link.get("LinkedObjectIdentifier", ""))
    return links


def names_of(attributes: dict[str, Any]) -> list[str]:
    """Every Name value."""
    return [str(n.get("NameValue", "")) for n in attributes.get("Name", []) if isinstance(n, dict)]


NO_LINKS: Mapping[str, str] = MappingProxyType({})  # the links of every row that has none
_TAG_SETS: dict[tuple[str, ...], tuple[str, ...]] = {}  # one tuple per distinct tag set
_TAG_SETS_MAX = 20_000  # distinct sets shared; beyond that (tags unique per object) each row keeps its own


def shared_text(text: str) -> str:
    """``text`` as the one string every row with that value shares (types, algorithms, states)."""
    return sys.intern(text) if text else ""


def shared_tags(tags: tuple[str, ...]) -> tuple[str, ...]:
    """``tags`` as the tuple every row with the same tag set shares."""
    if not tags:
        return ()
    found = _TAG_SETS.get(tags)
    if found is not None:
        return found
    if len(_TAG_SETS) < _TAG_SETS_MAX:
        _TAG_SETS[tags] = tags
    return tags


def compact_links(links: Mapping[str, str]) -> Mapping[str, str]:
    """The row's links: the one shared empty mapping when there are none."""
    return {shared_text(k): v for k, v in links.items()} if links else NO_LINKS


@dataclass(slots=True, eq=False)  # rows are compared by identity: list.index finds one at C speed
class ObjectRow:
    """One object as the table shows it, and the few facts the guards need (dates, Sensitive).

    No attribute dict: at 100,000 rows one per row would be most of the console's memory. The
    detail pane asks the server for the attributes (:func:`recent_attributes` keeps the last
    few); the text the free-text filter searches is built only when first asked for.
    """

    uid: str
    object_type: str = ""
    algorithm: str = ""
    length: int | None = None
    state: str = ""
    tags: tuple[str, ...] = ()
    system_tags: tuple[str, ...] = ()
    name: str = ""
    created: datetime | None = None
    links: Mapping[str, str] = field(default_factory=lambda: NO_LINKS)
    owner: str = ""
    activated: datetime | None = None  # ActivationDate (the attributes dialog shows it)
    deactivated: datetime | None = None  # DeactivationDate: when it was revoked (export warning)
    compromised: datetime | None = None  # CompromiseOccurrenceDate, else CompromiseDate
    sensitive: bool = False  # Sensitive: the server never hands the value out
    sort_key: Any = None  # the table's key for its current sort column
    keyed_by: Any = None  # the key function sort_key was computed with
    _haystack: str | None = None

    def __post_init__(self) -> None:
        self.object_type = shared_text(self.object_type)
        self.algorithm = shared_text(self.algorithm)
        self.state = shared_text(self.state)
        self.owner = shared_text(self.owner)
        self.tags = shared_tags(self.tags)
        self.system_tags = shared_tags(self.system_tags)
        self.links = compact_links(self.links)
        if self.activated is not None and self.activated == self.created:
            self.activated = self.created  # most keys are active from their creation: one datetime

    @property
    def haystack(self) -> str:
        """Every cell and system tag, lower-cased, NUL-separated (what the text filter searches)."""
        if self._haystack is None:
            self._haystack = "\x00".join((*(self.cell(c) for c in COLUMNS), *self.system_tags)).lower()
        return self._haystack

    def date(self, attribute: str) -> datetime | None:
        """One of the dates the row keeps, by attribute name (None if not kept or not set)."""
        return {
            "ActivationDate": self.activated,
            "DeactivationDate": self.deactivated,
            "CompromiseOccurrenceDate": self.compromised,
        }.get(attribute)

    def cell(self, column: str) -> str:
        """The text shown in ``column``."""
        if column == "id":
            return self.uid
        if column == "type":
            return self.object_type
        if column == "algorithm":
            return self.algorithm
        if column == "length":
            return "" if self.length is None else str(self.length)
        if column == "state":
            return self.state
        if column == "tags":
            return ",".join(self.tags)
        if column == "name":
            return self.name
        if column == "created":
            return self.created.strftime("%Y-%m-%d %H:%M") if self.created else ""
        raise KeyError(column)

    @property
    def linked_key(self) -> str | None:
        """The other half of a key pair, if any."""
        return self.links.get("PublicKeyLink") or self.links.get("PrivateKeyLink")


class RecentAttributes:
    """The normalised attributes of the last few objects shown in full, by id (oldest dropped)."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._items: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def get(self, uid: str) -> dict[str, Any] | None:
        found = self._items.get(uid)
        if found is not None:
            self._items.move_to_end(uid)
        return found

    def put(self, uid: str, attributes: dict[str, Any]) -> None:
        self._items[uid] = attributes
        self._items.move_to_end(uid)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


_RECENT: weakref.WeakKeyDictionary[KmsClient, RecentAttributes] = weakref.WeakKeyDictionary()
_OFFLINE = RecentAttributes()


def recent_attributes(client: KmsClient | None) -> RecentAttributes:
    """The attributes recently read through ``client`` (one cache per client: two consoles, or
    two servers, never see each other's objects)."""
    if client is None:
        return _OFFLINE
    found = _RECENT.get(client)
    if found is None:
        found = _RECENT[client] = RecentAttributes()
    return found


def created_of(attrs: dict[str, Any]) -> datetime | None:
    """When the object was made, from whichever date attribute the server filled."""
    return client_created_of(attrs)


def row_from_attributes(
    uid: str,
    raw: Any,
    *,
    state: str | None = None,
    owner: str = "",
    copy: bool = True,
    recent: RecentAttributes | None = None,
) -> ObjectRow:
    """Build a row from an object's attributes (any shape :func:`normalise_attributes` takes);
    the normalised attributes go to ``recent`` if given (the detail pane then needs no request)."""
    attrs = normalise_attributes(raw, copy=copy)
    if recent is not None:
        recent.put(uid or str(attrs.get("UniqueIdentifier", "")), attrs)
    user_tags, system_tags = split_tags(attrs)
    length = attrs.get("CryptographicLength")
    names = names_of(attrs)
    return ObjectRow(
        uid=uid or str(attrs.get("UniqueIdentifier", "")),
        object_type=str(attrs.get("ObjectType", "") or ""),
        algorithm=str(attrs.get("CryptographicAlgorithm", "") or ""),
        length=int(length) if isinstance(length, int) else None,
        state=str(state or attrs.get("State", "") or ""),
        tags=tuple(user_tags),
        system_tags=tuple(system_tags),
        name=names[0] if names else "",
        created=created_of(attrs),
        links=links_of(attrs),
        owner=owner,
        **kept_dates(attrs),
    )


# ------------------------------------------------------------------------------------------------
# Free-text filter over the loaded rows
# ------------------------------------------------------------------------------------------------


class TextFilterError(ValueError):
    """The free-text filter could not be understood (a bad regular expression)."""


# The tests compile_text_filter combines (named, so a filter is a plain partial, typed).
def _matches_pattern(pattern: re.Pattern[str], row: ObjectRow) -> bool:
    """``pattern`` found in one of the row's cells (searched cell by cell: ^ and $ anchor at a
    cell's edges)."""
    return any(pattern.search(cell) for cell in row.haystack.split("\x00"))


def _has_text(needle: str, row: ObjectRow) -> bool:
    return needle in row.haystack


def _fails(test: Callable[[ObjectRow], bool], row: ObjectRow) -> bool:
    return not test(row)


def compile_text_filter(text: str) -> Callable[[ObjectRow], bool]:
    """A row predicate from the filter line.

    Space-separated terms must all match. A term is a case-insensitive substring of any cell,
    ``/regex/`` a regular expression searched in each cell (so ``^`` anchors at a cell's start),
    and a leading ``!`` negates either (``!destroyed``, ``!/^rsa/``).
    """
    tests: list[Callable[[ObjectRow], bool]] = []
    for term in text.split():
        negate = term.startswith("!")
        if negate:
            term = term[1:]
        if not term:
            continue
        if len(term) >= 2 and term.startswith("/") and term.endswith("/"):
            try:
                pattern = re.compile(term[1:-1], re.IGNORECASE)
            except re.error as exc:
                raise TextFilterError(f"bad regular expression {term}: {exc}") from None
            test: Callable[[ObjectRow], bool] = partial(_matches_pattern, pattern)
        else:
            test = partial(_has_text, term.lower())
        tests.append(partial(_fails, test) if negate else test)
    if not tests:
        return lambda _row: True
    return lambda row: all(t(row) for t in tests)


def sort_key(column: str) -> Callable[[ObjectRow], Any]:
    """The key rows are sorted by for ``column`` (lengths and dates as numbers, text folded).
    Numbers are floats, none missing (infinity: after every value, as before): a sort or merge
    of 100,000 rows compares floats 3-4× faster than (is-missing, value) tuples."""
    if column == "length":
        return lambda r: math.inf if r.length is None else float(r.length)
    if column == "created":
        return lambda r: r.created.timestamp() if r.created else math.inf
    return lambda r: r.cell(column).lower()
