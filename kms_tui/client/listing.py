"""List every object with its attributes in few round trips (the object browser, ``locate``).

Locate caps its answer at 1,000 ids and ignores ``OffsetItems`` (reference §3.3), and the web UI
then sends one GetAttributes per id. Instead:

1. ``GET /access/owned`` returns every object we own *with* its attributes, and
   ``GET /access/obtained`` the objects shared with us — two requests, sent concurrently;
2. the attributes of shared objects (and tags, if the server left them out of ``owned``) come
   from GetAttributes items batched in one RequestMessage;
3. a server without ``/access/owned`` gets Locates partitioned by object type and state, all in
   one RequestMessage; a partition that hits the 1,000 cap makes the result ``partial``.

:func:`object_pages` hands the rows over as they are decoded: ``/access/owned`` is read as it
arrives and decoded 128 kB at a time in a worker thread (:class:`kms_tui.client.json_slices.ArrayEntries`),
and only the ids of the rows handed over are kept, so a console listing 100,000 objects never
holds the 90 MB answer, nor its decoded attributes, at once; :func:`list_objects` collects them.
"""

from __future__ import annotations

import asyncio
import json
import struct
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from kms_tui.client import requests
from kms_tui.client.errors import KmsError, ProtocolError, ServerRefused
from kms_tui.client.json_slices import ArrayEntries
from kms_tui.client.requests import LocateFilter
from kms_tui.client.serde_dates import as_datetime, created_of, rfc3339
from kms_tui.gc_pause import collector_paused

if TYPE_CHECKING:
    from kms_tui.client.kms_client import KmsClient

LOCATE_CAP = 1000
OBJECT_TYPES = ("SymmetricKey", "PrivateKey", "PublicKey", "Certificate", "SecretData", "OpaqueObject")
STATES = ("PreActive", "Active", "Deactivated", "Compromised", "Destroyed", "Destroyed_Compromised")
DESTROYED = ("Destroyed", "Destroyed_Compromised")
PAGE_ROWS = 500  # rows per page handed to the caller of object_pages


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

    def matches(self, f: LocateFilter) -> bool:
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


Row = TypeVar("Row")  # what a page holds: ObjectSummary, or what object_pages' convert makes


@dataclass
class ObjectList:
    objects: list[ObjectSummary]
    partial: bool = False
    problems: list[str] = field(default_factory=list)  # why the list may be incomplete
    round_trips: int = 0


@dataclass
class ObjectPage(Generic[Row]):
    """Some rows of a listing (:class:`ObjectSummary`, or what ``convert`` made of them); the
    last page has ``done`` and says whether the whole listing is ``partial`` (its ``problems``)
    and how many ``round_trips`` it took."""

    objects: list[Row]
    partial: bool = False
    problems: list[str] = field(default_factory=list)  # why the list may be incomplete
    round_trips: int = 0
    done: bool = False


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


async def list_objects(client: KmsClient, filters: LocateFilter = LocateFilter()) -> ObjectList:
    """Every object matching ``filters`` that we own or were granted, with attributes."""
    objects: list[ObjectSummary] = []
    # No cyclic collection for the whole listing (pausing per slice still collects often): each
    # entry makes a dozen containers, none in a cycle (measured: CONTRIBUTING.md).
    with collector_paused():
        async for page in object_pages(client, filters):
            objects.extend(page.objects)
    return ObjectList(objects, partial=page.partial, problems=page.problems, round_trips=page.round_trips)


@overload
def object_pages(
    client: KmsClient,
    filters: LocateFilter = ...,
    *,
    page_rows: int = ...,
    convert: None = None,
) -> AsyncIterator[ObjectPage[ObjectSummary]]: ...


@overload
def object_pages(
    client: KmsClient,
    filters: LocateFilter = ...,
    *,
    page_rows: int = ...,
    convert: Callable[[ObjectSummary], Row],
) -> AsyncIterator[ObjectPage[Row]]: ...


async def object_pages(
    client: KmsClient,
    filters: LocateFilter = LocateFilter(),
    *,
    page_rows: int = PAGE_ROWS,
    convert: Callable[[ObjectSummary], Any] | None = None,
) -> AsyncIterator[ObjectPage[Any]]:
    """:func:`list_objects` page by page, as the rows are decoded: owned objects first (about
    ``page_rows`` per page), then those whose tags or attributes needed a batch, then shared
    ones. The last page (``done``) may be empty and carries ``partial``/``problems``.

    ``convert``, if given, makes what the pages hold from each :class:`ObjectSummary` (a
    console's table rows, say); for the owned objects it runs in the decoding thread too."""
    out = convert or _as_is
    before = client.exchange.round_trips
    obtained_call = asyncio.ensure_future(client.access_obtained())  # small: sent alongside
    owned_pieces = client.access_owned_pieces()
    try:
        piece = await anext(owned_pieces, None)
    except ServerRefused as exc:
        await _drop(obtained_call)
        result = await _by_partitioned_locate(client, filters, exc)
        trips = client.exchange.round_trips - before
        yield ObjectPage([out(r) for r in result.objects], result.partial, result.problems, trips, done=True)
        return
    except BaseException:
        await _drop(obtained_call)
        raise
    owned: set[str] = set()  # ids only: the rows themselves are handed on and not kept here
    need_tags: dict[str, ObjectSummary] = {}
    page: list[Any] = []
    tag_cache: dict[str, tuple[str, ...]] = {}
    entries = ArrayEntries()
    try:
        while True:
            chunk = [piece] if piece is not None else []
            while piece is not None and sum(map(len, chunk)) < DECODE_BYTES:
                piece = await anext(owned_pieces, None)
                if piece is not None:
                    chunk.append(piece)
            final = piece is None
            # Decoded off the event loop, a chunk at a time: the loop (a console's keys and frames)
            # only waits for the few microseconds of handing it over; the answer is never held whole.
            rows, shown = await asyncio.to_thread(
                _decode_piece, entries, b"".join(chunk), final, tag_cache, filters, out
            )
            for row in rows:
                owned.add(row.uid)
                if "tags" not in row.attributes:
                    need_tags[row.uid] = row  # shown once its tags are known (filters may name tags)
            page += shown
            if len(page) >= page_rows:
                yield ObjectPage(page)
                page = []
            if final:
                break
            piece = await anext(owned_pieces, None)
    except BaseException:
        await owned_pieces.aclose()
        await _drop(obtained_call)
        raise
    problems: list[str] = []
    if need_tags:  # the server left tags out of /access/owned: one batch for all of them
        await _fill_tags(client, need_tags, list(need_tags), problems)
        page += [out(row) for row in need_tags.values() if row.matches(filters)]
    try:
        obtained = await obtained_call
    except ServerRefused as exc:
        obtained = []
        problems.append(f"objects shared with you not listed: /access/obtained unavailable ({exc.message})")
    shared = shared_entries(obtained, owned)
    del owned
    if shared:
        page += [out(r) for r in await _shared_rows(client, shared, problems) if r.matches(filters)]
    trips = client.exchange.round_trips - before
    yield ObjectPage(page, bool(problems), problems, trips, done=True)


DECODE_BYTES = 128 * 1024  # answer bytes decoded per trip to the worker thread (~1-2 ms of work)


async def _drop(call: asyncio.Future[Any]) -> None:
    """Cancel ``call`` and wait for it, whatever it raised."""
    call.cancel()
    try:
        await call
    except BaseException:  # noqa: BLE001 - its outcome is no longer wanted
        pass


def _decode_piece(
    entries: ArrayEntries,
    piece: bytes,
    final: bool,
    tag_cache: dict[str, tuple[str, ...]],
    filters: LocateFilter,
    out: Callable[[ObjectSummary], Any],
) -> tuple[list[ObjectSummary], list[Any]]:
    """The rows completed by ``piece`` of ``/access/owned`` (as :func:`_decode_slice`). Runs in a thread."""
    try:
        found = entries.feed(piece, final=final)
    except ValueError:
        raise ProtocolError(
            "the server answered /access/owned with something that is not a JSON list", reason="not_json"
        ) from None
    return _decode_slice(iter([found]), tag_cache, filters, out) or ([], [])


def shared_entries(obtained: list[Any], owned: dict[str, Any] | set[str]) -> dict[str, dict[str, Any]]:
    """The ``/access/obtained`` entries that are objects shared with us, by id: not our own,
    and not the create right, which Cosmian lists as a grant on the pseudo-object ``*``
    (``{"object_id": "*", "owner_id": "", "state": "Active", "operations": ["create"]}``,
    ``query.sql``: ``select-objects-access-obtained``)."""
    out: dict[str, dict[str, Any]] = {}
    for entry in obtained:
        if not isinstance(entry, dict):
            continue
        uid = str(entry.get("object_id"))
        if uid != "*" and uid not in owned:
            out[uid] = entry
    return out


def _as_is(row: ObjectSummary) -> ObjectSummary:
    return row


def _decode_slice(
    slices: Iterator[list[Any]],
    tag_cache: dict[str, tuple[str, ...]],
    filters: LocateFilter,
    out: Callable[[ObjectSummary], Any],
) -> tuple[list[ObjectSummary], list[Any]] | None:
    """The next slice of ``/access/owned`` (None after the last): every row, and ``out`` of
    those that match ``filters`` and have their tags. Runs in a thread."""
    with collector_paused():
        entries = next(slices, None)
        if entries is None:
            return None
        rows = []
        for entry in entries:
            attrs = plain_attributes(entry.get("attributes") or {}, tag_cache)
            rows.append(ObjectSummary.from_attributes(str(entry.get("object_id")), attrs, state=entry.get("state")))
        return rows, [out(r) for r in rows if "tags" in r.attributes and r.matches(filters)]


async def _shared_rows(
    client: KmsClient, shared: dict[str, dict[str, Any]], problems: list[str]
) -> list[ObjectSummary]:
    rows = []
    for uid, attrs in (await client.get_attributes_many(list(shared))).items():
        entry = shared[uid]
        owner, rights = str(entry.get("owner_id", "")), list(entry.get("operations", []))
        if isinstance(attrs, KmsError):
            problems.append(f"{uid}: {attrs.message}")
            rows.append(ObjectSummary(uid=uid, state=str(entry.get("state", "")), owner=owner, rights=rights))
        else:
            rows.append(ObjectSummary.from_attributes(uid, attrs, state=entry.get("state"), owner=owner, rights=rights))
    return rows


async def _fill_tags(client: KmsClient, rows: dict[str, ObjectSummary], uids: list[str], problems: list[str]) -> None:
    results = await client.batch([requests.get_tags(u) for u in uids])
    for uid, res in zip(uids, results, strict=True):
        if res.ok:
            tags = requests.attributes_to_dict(res.unwrap().get("Attributes")).get("tags", [])
            rows[uid].attributes["tags"] = tags
            rows[uid].tags = [t for t in tags if not t.startswith("_")]
        else:
            problems.append(f"{uid}: tags unavailable ({res.reason})")


async def _by_partitioned_locate(client: KmsClient, filters: LocateFilter, cause: KmsError) -> ObjectList:
    """Fallback for servers without ``/access/owned``: Locates split under the 1,000 cap."""
    types = [filters.object_type] if filters.object_type else list(OBJECT_TYPES)
    states = [filters.state] if filters.state else [s for s in STATES if s not in DESTROYED]
    parts = [
        LocateFilter(**{**asdict(filters), "object_type": t, "state": s, "linked_to": None})
        for t in types
        for s in states
    ]
    problems = [f"/access/owned unavailable ({cause.message}); used Locate"]
    ids: list[str] = []
    for part, res in zip(parts, await client.batch([requests.locate(p) for p in parts]), strict=True):
        if not res.ok:
            problems.append(f"Locate {part.object_type}/{part.state}: {res.message or res.reason}")
            continue
        found = requests.located_ids(res.unwrap())
        if len(found) >= LOCATE_CAP:
            problems.append(f"{part.object_type}/{part.state}: more than {LOCATE_CAP} objects, list truncated")
        ids.extend(u for u in found if u not in ids)
    rows = []
    for uid, attrs in (await client.get_attributes_many(ids)).items():
        if isinstance(attrs, KmsError):
            problems.append(f"{uid}: {attrs.message}")
            continue
        rows.append(ObjectSummary.from_attributes(uid, attrs))
    objects = [r for r in rows if r.matches(filters)]
    truncated = any("truncated" in p or "Locate " in p for p in problems[1:])
    return ObjectList(objects, partial=truncated or len(problems) > 1, problems=problems)
