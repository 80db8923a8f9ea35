"""Listing every object while the console keeps answering keys.

The listing's HTTP requests go through the one shared client on the app's own event loop; the
answer is read with a turn of the loop every 256 kB, and :func:`kms_tui.client.listing.object_pages`
decodes ``/access/owned`` a hundred entries at a time in a worker thread, so the loop only hands
slices over. Each page is turned into light rows (no cell text, no normalised attributes: those
are made for the rows on screen, or when a row is opened) and posted to the screen, which adds
them to the table (see :mod:`kms_tui.tui.objects.arrivals`).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kms_tui.client import requests
from kms_tui.client.errors import KmsError
from kms_tui.client.listing import object_pages
from kms_tui.gc_pause import full_collections_paused
from kms_tui.tui.objects.actions import fetch_rows
from kms_tui.tui.objects.rows import ObjectRow, created_of, kept_dates, recent_attributes

if TYPE_CHECKING:
    from kms_tui.client.kms_client import KmsClient

SLICE_ROWS = 100  # rows per message: one decoded slice of /access/owned, a few ms of work at most
FIRST_PAGE = 36  # about a screenful, asked for alone: shown before the full listing arrives


@dataclass
class Loaded:
    """A slice of a listing; ``done`` on the last one."""

    rows: list[ObjectRow]
    done: bool
    partial: bool = False
    problems: list[str] = field(default_factory=list)
    round_trips: int = 0


def row_from_summary(summary: Any) -> ObjectRow:
    """An :class:`ObjectRow` from the client's ``ObjectSummary``: the columns and the few dates
    the guards need; the attribute dict is left behind (the detail pane reads it again)."""
    attrs = summary.attributes
    every_tag = attrs.get("tags") or ()
    return ObjectRow(
        uid=summary.uid,
        object_type=summary.object_type,
        algorithm=summary.algorithm,
        length=summary.length if isinstance(summary.length, int) else None,
        state=summary.state,
        tags=tuple(sorted(set(summary.tags))),
        system_tags=tuple(sorted({t for t in every_tag if t.startswith("_")})),
        name=str(summary.names[0] or "") if summary.names else "",
        created=created_of(attrs),
        links={str(link.get("type")): str(link.get("id", "")) for link in summary.links if link.get("type")},
        owner=summary.owner,
        **kept_dates(attrs),
    )


_switch_holds = 0  # loads under way holding the interpreter's switch interval up
_switch_interval = sys.getswitchinterval()
LOAD_SWITCH_INTERVAL_S = 0.05


@contextmanager
def loop_keeps_interpreter() -> Iterator[None]:
    """While a listing loads, the event loop is not made to hand the interpreter to the decoding
    thread in the middle of its work (a 50 ms switch interval instead of Python's 5 ms).

    Why: with the thread decoding, every piece of the loop's work longer than 5 ms (a redraw,
    50,000 rows going into the table at 100,000 objects) was cut in 5 ms turns shared with the
    thread, so it took up to twice as long and keys waited for it (measured: p99 key-to-frame
    during the first load at 100,000 objects 45 ms, median of 3, down to 37 ms). The thread
    still runs whenever the loop waits (between keys and frames), and hands the interpreter
    back after each piece it decodes (~1-2 ms), so the loop never waits long for it either.
    """
    global _switch_holds, _switch_interval
    if _switch_holds == 0:
        _switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(max(_switch_interval, LOAD_SWITCH_INTERVAL_S))
    _switch_holds += 1
    try:
        yield
    finally:
        _switch_holds -= 1
        if _switch_holds == 0:
            sys.setswitchinterval(_switch_interval)


async def load_rows(client: KmsClient, filters: requests.LocateFilter, post: Callable[[Loaded], None]) -> None:
    """Post a first screenful (one Locate, one batch), then every object of the full listing in
    slices of :data:`SLICE_ROWS`, yielding to the event loop after each. The first page goes
    alone: a busy KMS answers it in milliseconds, but not while it builds the full list."""
    before = client.exchange.round_trips
    recent_attributes(client).clear()  # what the detail pane read before this load may be stale
    # Full collections wait for the end of the load (a full pass over thousands of rows' containers
    # is over 100 ms of the console frozen mid-load), then the rows are frozen; young ones go on.
    # (Handing the GIL back sooner, a 1 ms switch interval while the listing decodes in its
    # thread, was measured too: no better p99, slower loads. See loop_keeps_interpreter.)
    with full_collections_paused(), loop_keeps_interpreter():
        try:
            ids = await client.locate(filters, maximum=FIRST_PAGE)
            rows, _gone = await fetch_rows(client, ids[:FIRST_PAGE])
            if rows:
                post(Loaded(rows, False))  # the listing sends them again, with their owner
        except KmsError:
            pass  # the full listing below says what is wrong
        async for page in object_pages(client, filters, page_rows=SLICE_ROWS, convert=row_from_summary):
            objects = page.objects  # rows made in the listing's decoding thread
            for start in range(0, len(objects), SLICE_ROWS) if objects else [0]:
                rows = objects[start : start + SLICE_ROWS]
                done = page.done and start + SLICE_ROWS >= len(objects)
                trips = client.exchange.round_trips - before
                post(Loaded(rows, done, page.partial, list(page.problems), trips))
                await asyncio.sleep(0)  # the loop handles keys and draws between slices
