"""Listing every object without freezing the console.

Decoding 10,000 objects is seconds of Python work. On the app's event loop it would stall every
key press, so listings run on a :class:`ListingLoop`: a daemon thread with its own event loop
and its own client (same settings, profile, audit trail; tokens still come from the app's one
sign-in session). The thread is preempted every few milliseconds; the app's loop stays free.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Coroutine

from kms_tui.client import requests
from kms_tui.tui.widgets.object_actions import fetch_rows
from kms_tui.tui.widgets.object_rows import ObjectRow, row_from_attributes

BATCH_ROWS = 500  # rows per message: small enough for the app to add them between frames
FIRST_PAGE = 36  # about a screenful, shown while the full listing is on its way
SLICE_PAUSE_S = 0.004  # between slices; 20 slices cost 80 ms of load time, keys get answered
SWITCH_INTERVAL_S = 0.001  # while listing: the app's thread waits at most this for the GIL


@dataclass
class Loaded:
    """A slice of a listing; ``done`` on the last one."""

    rows: list[ObjectRow]
    done: bool
    partial: bool = False
    problems: list[str] = field(default_factory=list)
    round_trips: int = 0


def row_from_summary(summary: Any) -> ObjectRow:
    """An :class:`ObjectRow` from the client's ``ObjectSummary``."""
    return row_from_attributes(
        summary.uid, summary.attributes, state=summary.state or None, owner=getattr(summary, "owner", ""),
        copy=False,  # the listing is discarded once it is rows
    )


_gc_lock = threading.Lock()
_gc_pauses = 0
_switch_interval = 0.005


@contextmanager
def collector_paused():
    """No garbage collection (and a short GIL switch interval) while a listing is decoded, then
    freeze what it built.

    Why: a full collection walks every object; with 10,000 rows' worth of dicts that is a
    200 ms pause that holds the GIL and freezes the console mid-load. The rows hold no cycles,
    so refcounting frees them later; frozen objects are simply skipped by future collections.
    """
    global _gc_pauses, _switch_interval
    with _gc_lock:
        _gc_pauses += 1
        if _gc_pauses == 1:
            gc.disable()
            # the UI thread asks for the GIL every 5 ms by default: too slow for a 50 ms frame budget
            _switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(_switch_interval, SWITCH_INTERVAL_S))
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0:
                sys.setswitchinterval(_switch_interval)
                gc.freeze()
                gc.enable()


class AppLoopCredentials:
    """Credentials for a client on another thread's loop: every question goes to the app's one
    sign-in session, on the app's loop (tokens are refreshed in one place only)."""

    def __init__(self, session: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.session, self.loop = session, loop

    async def _ask(self, method: str) -> Any:
        call = getattr(self.session, method)()
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(call, self.loop))

    async def bearer_token(self) -> str | None:
        return await self._ask("bearer_token")

    async def on_unauthorized(self) -> bool:
        return bool(await self._ask("on_unauthorized"))


class ListingLoop:
    """A daemon thread running an event loop and a client for listings (see module docstring)."""

    def __init__(self, services: Any, app_loop: asyncio.AbstractEventLoop) -> None:
        from kms_tui.client import KmsClient

        shared = services.client
        credentials = AppLoopCredentials(services.session, app_loop) if services.session is not None else None
        self.client = KmsClient(shared.settings, profile=services.profile_name, audit=services.audit,
                                credentials=credentials, retry=shared.exchange.retry)
        self.loop = asyncio.new_event_loop()
        self._opened: asyncio.Future | None = None
        self.thread = threading.Thread(target=self.loop.run_forever, name="kms-tui-listing", daemon=True)
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.ready(), self.loop)  # warm up: TLS context, pool

    async def ready(self) -> Any:
        """The opened client (on the listing loop)."""
        if self._opened is None:
            self._opened = asyncio.ensure_future(self.client.__aenter__())
        return await asyncio.shield(self._opened)

    async def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """Await ``coro`` run on the listing loop (from the app's loop); cancelling cancels it."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))

    def close(self, timeout: float = 5.0) -> None:
        """Close the client and stop the thread."""
        if not self.thread.is_alive():
            return
        try:
            asyncio.run_coroutine_threadsafe(self.client.aclose(), self.loop).result(timeout)
        except Exception:  # noqa: BLE001, S110 - closing must not raise on the way out
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout)


async def load_rows(listing: ListingLoop, filters: requests.LocateFilter, post: Callable[[Loaded], None]) -> None:
    """On the listing loop: post a first screenful (one Locate, one batch), then every object of
    the full listing in slices. The first page goes alone: a busy KMS answers it in
    milliseconds, but not while it builds the full list."""
    client = await listing.ready()
    before = client.exchange.round_trips
    with collector_paused():
        try:
            ids = await client.locate(filters, maximum=FIRST_PAGE)
            rows, _gone = await fetch_rows(client, ids[:FIRST_PAGE])
            if rows:
                post(Loaded(rows, False))
        except Exception:  # noqa: BLE001, S110 - the full listing below says what is wrong
            pass
        listing_result = await client.list_objects(filters)
        objects = listing_result.objects
        trips = client.exchange.round_trips - before
        slices = range(0, len(objects), BATCH_ROWS) if objects else [0]
        for start in slices:
            rows = [row_from_summary(s) for s in objects[start : start + BATCH_ROWS]]
            done = start + BATCH_ROWS >= len(objects)
            post(Loaded(rows, done, listing_result.partial, list(listing_result.problems), trips))
            await asyncio.sleep(SLICE_PAUSE_S)  # the GIL goes to the app: it adds the slice, draws
