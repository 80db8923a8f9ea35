"""What the object browser asks the client to do (no Textual: runs inside workers).

Each function takes the shared ``KmsClient`` and returns plain data the screen turns into rows
and notices; the client records every call in the audit trail.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from kms_tui.client import requests
from kms_tui.client.errors import KmsError
from kms_tui.kmip.ttlv import TTLV, encode
from kms_tui.tui.widgets.object_rows import ObjectRow, row_from_attributes

BATCH_ROWS = 500  # rows per message while loading: small enough to keep frames under 50 ms


@dataclass
class Loaded:
    """A slice of a listing; ``done`` on the last one."""

    rows: list[ObjectRow]
    done: bool
    partial: bool = False
    problems: list[str] = field(default_factory=list)
    round_trips: int = 0


_gc_lock = threading.Lock()
_gc_pauses = 0


@contextmanager
def collector_paused():
    """No garbage collection while a listing is decoded, then freeze what it built.

    Why: a full collection walks every object; with 10,000 rows' worth of dicts that is a
    200 ms pause that holds the GIL and freezes the console mid-load. The rows hold no cycles,
    so refcounting frees them later; frozen objects are simply skipped by future collections.
    """
    global _gc_pauses
    with _gc_lock:
        _gc_pauses += 1
        gc.disable()
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0:
                gc.freeze()
                gc.enable()


FIRST_PAGE = 36  # about a screenful: shown while the full listing is still on its way
FIRST_PAGE_WAIT_S = 2.0  # the full listing starts after the first page, or after this


def row_from_summary(summary: Any) -> ObjectRow:
    """An :class:`ObjectRow` from the client's ``ObjectSummary``."""
    return row_from_attributes(
        summary.uid, summary.attributes, state=summary.state or None, owner=getattr(summary, "owner", "")
    )


class AppLoopCredentials:
    """Credentials for a client running on another thread's loop: every question goes to the
    app's one sign-in session, on the app's loop (tokens are refreshed in one place only)."""

    def __init__(self, session: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.session, self.loop = session, loop

    async def _ask(self, method: str) -> Any:
        call = getattr(self.session, method)()
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(call, self.loop))

    async def bearer_token(self) -> str | None:
        return await self._ask("bearer_token")

    async def on_unauthorized(self) -> bool:
        return bool(await self._ask("on_unauthorized"))


def listing_client(services: Any, app_loop: asyncio.AbstractEventLoop) -> Any:
    """A client for the bulk listing on a worker thread, with the shared client's settings,
    profile and audit trail. Why a second one: decoding 10,000 objects is seconds of Python
    work that would freeze the console on the app's loop, while a thread is preempted."""
    from kms_tui.client import KmsClient

    shared = services.client
    credentials = AppLoopCredentials(services.session, app_loop) if services.session is not None else None
    return KmsClient(shared.settings, profile=services.profile_name, audit=services.audit,
                     credentials=credentials, retry=shared.exchange.retry)


async def load_rows(
    client: Any,
    filters: requests.LocateFilter,
    post: Callable[[Loaded], None],
    cancelled: Callable[[], bool] = lambda: False,
    first_page_done: threading.Event | None = None,
) -> None:
    """Post every object of the full listing in slices.

    ``first_page_done`` is set by whoever fetches the first screenful: the sandbox (and a
    busy KMS) answers that small Locate in milliseconds, but not while it builds the full list.
    """
    if first_page_done is not None:
        await asyncio.to_thread(first_page_done.wait, FIRST_PAGE_WAIT_S)
    listing = await client.list_objects(filters)
    objects = listing.objects
    trips = getattr(getattr(client, "exchange", None), "round_trips", listing.round_trips)
    if not objects:
        post(Loaded([], True, listing.partial, list(listing.problems), trips))
        return
    for start in range(0, len(objects), BATCH_ROWS):
        if cancelled():
            return
        rows = [row_from_summary(s) for s in objects[start : start + BATCH_ROWS]]
        done = start + BATCH_ROWS >= len(objects)
        post(Loaded(rows, done, listing.partial, list(listing.problems), trips))
        await asyncio.sleep(0)


async def first_page(client: Any, filters: requests.LocateFilter) -> list[ObjectRow]:
    """About a screenful of matching objects: one Locate and one batched GetAttributes."""
    ids = await client.locate(filters, maximum=FIRST_PAGE)
    rows, _gone = await fetch_rows(client, ids[:FIRST_PAGE])
    return rows


async def fetch_rows(client: Any, uids: Sequence[str]) -> tuple[list[ObjectRow], list[str]]:
    """Fresh rows for ``uids`` (after an action); ids that are gone come back in the second list."""
    found = await client.get_attributes_many([u for u in uids if u])
    rows, gone = [], []
    for uid, attrs in found.items():
        if isinstance(attrs, KmsError):
            gone.append(uid)
        else:
            rows.append(row_from_attributes(uid, attrs))
    return rows, gone


def _without_activation(op: TTLV) -> TTLV:
    """The same create request, pre-active: no ActivationDate anywhere (reference §4.1)."""
    for node in op.walk():
        if node.is_struct:
            node.remove("ActivationDate")
    return op


async def create_key(client: Any, kind: Any, *, name: str | None, tags: Sequence[str], activate: bool) -> list[str]:
    """Create what ``kind`` (a ``KeyKind``) describes; returns the new ids, main object first."""
    if activate:
        if kind.is_pair:
            return list(await client.create_key_pair(kind.family, size=kind.size or 2048,
                                                     curve=kind.curve or "p256", tags=tags, name=name))
        return [await client.create_symmetric_key("AES", kind.size, tags=tags, name=name)]
    if kind.is_pair:
        op = requests.create_key_pair(kind.family, size=kind.size or 2048, curve=kind.curve or "p256",
                                      tags=tags, name=name)
        r = await client.send(_without_activation(op))
        return [str(r.get_value("PrivateKeyUniqueIdentifier")), str(r.get_value("PublicKeyUniqueIdentifier"))]
    r = await client.send(_without_activation(requests.create_symmetric_key("AES", kind.size, tags=tags, name=name)))
    return [str(r.get_value("UniqueIdentifier"))]


async def raw_attributes_json(client: Any, uid: str) -> str:
    """The GetAttributes response (tags included) as JSON TTLV text."""
    main = await client.send(requests.get_attributes(uid))
    try:
        tags = await client.send(requests.get_tags(uid))
        for node in tags.get("Attributes").children() if tags.get("Attributes") else []:
            main.get("Attributes").value.append(node)
    except KmsError:
        pass  # tags are a bonus in the raw view
    return encode(main)


async def export_pem(client: Any, uid: str) -> bytes:
    """PEM of a public key or certificate (the client's ``to_pem`` reads the export)."""
    from kms_tui.client.pem import to_pem  # cryptography's x509: only when exporting

    return to_pem(await client.export(uid)).encode()


def save_pem(path: Path, pem: bytes) -> None:
    """Write atomically (temp file, fsync, rename); errors carry a message and a fix."""
    from kms_tui.config.atomic import write_atomic

    write_atomic(path, pem, secret=False, backup=False)
