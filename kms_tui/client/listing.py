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
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from kms_tui.client import requests
from kms_tui.client.errors import KmsError, ProtocolError, ServerRefused
from kms_tui.client.json_slices import ArrayEntries
from kms_tui.client.owned_rows import (
    DESTROYED,
    ObjectSummary,
    RowFields,
    Untagged,
    decode_owned,
    decode_tag_text,
    plain_attributes,
    row_fields,
)
from kms_tui.client.requests import LocateFilter
from kms_tui.gc_pause import collector_paused

if TYPE_CHECKING:
    from kms_tui.client.decoder_process import ListingDecoder
    from kms_tui.client.kms_client import KmsClient

__all__ = [  # the rows' own module is owned_rows; these names are imported from here too
    "DESTROYED",
    "ObjectList",
    "ObjectPage",
    "ObjectSummary",
    "decode_tag_text",
    "list_objects",
    "object_pages",
    "plain_attributes",
    "shared_entries",
]

LOCATE_CAP = 1000
OBJECT_TYPES = ("SymmetricKey", "PrivateKey", "PublicKey", "Certificate", "SecretData", "OpaqueObject")
STATES = ("PreActive", "Active", "Deactivated", "Compromised", "Destroyed", "Destroyed_Compromised")
PAGE_ROWS = 500  # rows per page handed to the caller of object_pages


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
    from_fields: None = None,
    off_process: bool = ...,
) -> AsyncIterator[ObjectPage[ObjectSummary]]: ...


@overload
def object_pages(
    client: KmsClient,
    filters: LocateFilter = ...,
    *,
    page_rows: int = ...,
    convert: Callable[[ObjectSummary], Row],
    from_fields: None = None,
    off_process: bool = ...,
) -> AsyncIterator[ObjectPage[Row]]: ...


@overload
def object_pages(
    client: KmsClient,
    filters: LocateFilter = ...,
    *,
    page_rows: int = ...,
    convert: None = None,
    from_fields: Callable[[RowFields], Row],
    off_process: bool = ...,
) -> AsyncIterator[ObjectPage[Row]]: ...


async def object_pages(
    client: KmsClient,
    filters: LocateFilter = LocateFilter(),
    *,
    page_rows: int = PAGE_ROWS,
    convert: Callable[[ObjectSummary], Any] | None = None,
    from_fields: Callable[[RowFields], Any] | None = None,
    off_process: bool = False,
) -> AsyncIterator[ObjectPage[Any]]:
    """:func:`list_objects` page by page, as the rows are decoded: owned objects first (about
    ``page_rows`` per page), then those whose tags or attributes needed a batch, then shared
    ones. The last page (``done``) may be empty and carries ``partial``/``problems``.

    What the pages hold: each :class:`ObjectSummary`, or ``convert`` of it, or ``from_fields``
    of its :data:`~kms_tui.client.owned_rows.RowFields` (a console's table rows, say). For the
    owned objects these run where the answer is decoded: in a worker thread or, with
    ``off_process`` and ``from_fields``, ``row_fields`` in the client's helper process
    (:mod:`kms_tui.client.decoder_process`) and ``from_fields`` here, once the answer is larger
    than one chunk."""
    if from_fields is not None:
        out: Callable[[ObjectSummary], Any] = partial(_via_fields, from_fields)
    else:
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
    chunks = _chunks(piece, owned_pieces)
    decoded: AsyncIterator[tuple[list[str], list[Untagged], list[Any]]] | None = None
    try:
        first = await anext(chunks)
        load = None
        if off_process and from_fields is not None and not first[1]:  # more than one chunk
            load = await client.listing_decoder.open(filters)
        if load is not None and from_fields is not None:
            decoded = _decoded_off_process(client.listing_decoder, load, first, chunks, from_fields)
        else:
            decoded = _decoded_in_thread(first, chunks, filters, out)
        async for uids, untagged, shown in decoded:
            owned.update(uids)
            for uid, attrs, state in untagged:  # shown once its tags are known (filters may name tags)
                need_tags[uid] = ObjectSummary.from_attributes(uid, attrs, state=state)
            page += shown
            if len(page) >= page_rows:
                yield ObjectPage(page)
                page = []
    except BaseException:
        if decoded is not None:
            await decoded.aclose()  # type: ignore[attr-defined]
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


DECODE_BYTES = 128 * 1024  # answer bytes per chunk decoded (in a thread: ~1-2 ms of work per trip)
IN_FLIGHT = 8  # chunks (1 MB, its pipe's size) handed to the helper process before an answer is awaited


def _via_fields(from_fields: Callable[[RowFields], Any], summary: ObjectSummary) -> Any:
    return from_fields(row_fields(summary))


async def _chunks(piece: bytes | None, pieces: AsyncIterator[bytes]) -> AsyncIterator[tuple[bytes, bool]]:
    """The answer in chunks of about DECODE_BYTES, starting with ``piece``; (bytes, is the last)."""
    while True:
        chunk = [piece] if piece is not None else []
        size = len(piece) if piece is not None else 0
        while piece is not None and size < DECODE_BYTES:
            piece = await anext(pieces, None)
            if piece is not None:
                chunk.append(piece)
                size += len(piece)
        final = piece is None
        yield b"".join(chunk), final
        if final:
            return
        piece = await anext(pieces, None)


async def _decoded_in_thread(
    first: tuple[bytes, bool],
    chunks: AsyncIterator[tuple[bytes, bool]],
    filters: LocateFilter,
    out: Callable[[ObjectSummary], Any],
) -> AsyncIterator[tuple[list[str], list[Untagged], list[Any]]]:
    """Each chunk decoded off the event loop, in a worker thread: the loop (a console's keys and
    frames) only waits for the few microseconds of handing it over."""
    entries = ArrayEntries()
    tag_cache: dict[str, tuple[str, ...]] = {}
    chunk, final = first
    while True:
        yield await asyncio.to_thread(_decode_piece, entries, chunk, final, tag_cache, filters, out)
        if final:
            return
        chunk, final = await anext(chunks)


async def _decoded_off_process(
    decoder: ListingDecoder,
    load: int,
    first: tuple[bytes, bool],
    chunks: AsyncIterator[tuple[bytes, bool]],
    from_fields: Callable[[RowFields], Any],
) -> AsyncIterator[tuple[list[str], list[Untagged], list[Any]]]:
    """Each chunk decoded by the helper process while the next ones are read (IN_FLIGHT at most
    wait for it); the rows come back in order and ``from_fields`` makes them here."""
    waiting: deque[asyncio.Future[Any]] = deque()
    try:
        chunk, final = first
        while True:
            waiting.append(await decoder.submit(load, chunk, final))
            while waiting and (final or waiting[0].done() or len(waiting) >= IN_FLIGHT):
                uids, untagged, fields = await decoder.answer(waiting.popleft())
                yield uids, untagged, [from_fields(f) for f in fields]
            if final:
                return
            chunk, final = await anext(chunks)
    finally:
        for waiter in waiting:
            waiter.cancel()
        decoder.end(load)


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
) -> tuple[list[str], list[Untagged], list[Any]]:
    """The rows completed by ``piece`` of ``/access/owned``: every id, the entries without tags,
    and ``out`` of the rows that match (:func:`~kms_tui.client.owned_rows.decode_owned`). Runs
    in a thread."""
    try:
        found = entries.feed(piece, final=final)
    except ValueError:
        raise ProtocolError(
            "the server answered /access/owned with something that is not a JSON list", reason="not_json"
        ) from None
    with collector_paused():
        try:
            return decode_owned(found, tag_cache, filters, out)
        except (AttributeError, TypeError, ValueError) as exc:  # as the helper process says it
            raise ProtocolError(
                "the server's /access/owned answer has an entry that is not an object's description "
                f"({type(exc).__name__})",
                reason="bad_entry",
            ) from None


def _decode_slice(
    slices: Iterator[list[Any]],
    tag_cache: dict[str, tuple[str, ...]],
    filters: LocateFilter,
    out: Callable[[ObjectSummary], Any],
) -> tuple[list[ObjectSummary], list[Any]] | None:
    """The next slice of ``/access/owned`` (None after the last): every row, and ``out`` of
    those that match ``filters`` and have their tags, as the listing's decoding (thread or
    helper process) makes them: what the tests compare recorded Cosmian answers on."""
    with collector_paused():
        entries = next(slices, None)
        if entries is None:
            return None
        rows = [
            ObjectSummary.from_attributes(
                str(entry.get("object_id")),
                plain_attributes(entry.get("attributes") or {}, tag_cache),
                state=entry.get("state"),
            )
            for entry in entries
        ]
        return rows, decode_owned(entries, tag_cache, filters, out)[2]


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
