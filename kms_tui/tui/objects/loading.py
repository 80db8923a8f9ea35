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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kms_tui.client import requests
from kms_tui.client.errors import KmsError
from kms_tui.client.listing import object_pages
from kms_tui.client.owned_rows import RowFields, row_fields
from kms_tui.gc_pause import full_collections_paused
from kms_tui.tui.objects.actions import fetch_rows
from kms_tui.tui.objects.rows import NO_LINKS, ObjectRow, recent_attributes

if TYPE_CHECKING:
    from kms_tui.client.kms_client import KmsClient

SLICE_ROWS = 500  # rows per message: fewer turns of a busy loop per load (100: 10-15% slower at 100,000)
FIRST_PAGE = 36  # about a screenful, asked for alone: shown before the full listing arrives
PAINT_WAIT_S = 0.25  # the most the full listing waits for the first page to be drawn


@dataclass
class Loaded:
    """A slice of a listing; ``done`` on the last one."""

    rows: list[ObjectRow]
    done: bool
    partial: bool = False
    problems: list[str] = field(default_factory=list)
    round_trips: int = 0


def row_from_fields(fields: RowFields) -> ObjectRow:
    """An :class:`ObjectRow` from what the listing keeps of an object (made in the listing's
    thread or helper process: :func:`kms_tui.client.owned_rows.row_fields`)."""
    f = fields  # by position (RowFields): the fastest way in, 100,000 times per listing
    links = dict(f[9]) if f[9] else NO_LINKS
    return ObjectRow(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], links, f[10], f[11], f[12], f[13], f[14])


def row_from_summary(summary: Any) -> ObjectRow:
    """An :class:`ObjectRow` from the client's ``ObjectSummary``: the columns and the few dates
    the guards need; the attribute dict is left behind (the detail pane reads it again)."""
    return row_from_fields(row_fields(summary))


async def load_rows(
    client: KmsClient,
    filters: requests.LocateFilter,
    post: Callable[[Loaded], None],
    painted: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Post a first screenful (one Locate, one batch), then every object of the full listing in
    slices of :data:`SLICE_ROWS`, yielding to the event loop after each. The first page goes
    alone: a busy KMS answers it in milliseconds, but not while it builds the full list.
    ``painted()`` returns once the first page is on screen: the full listing starts after it
    (its first chunks and the first rows' layout pass made the keys pressed meanwhile wait
    for both, 50-80 ms at 100,000 objects)."""
    before = client.exchange.round_trips
    recent_attributes(client).clear()  # what the detail pane read before this load may be stale
    # Full collections wait for the end of the load (a full pass over thousands of rows' containers
    # is over 100 ms of the console frozen mid-load), then the rows are frozen; young ones go on.
    # (Handing the GIL back sooner, a 1 ms switch interval while the listing decodes in its
    # thread, was measured too: no better p99, slower loads. A 50 ms one
    # cut the first load's p99 with a reused sandbox, not in bench_browser.py: Python's 5 ms.)
    with full_collections_paused():
        try:
            ids = await client.locate(filters, maximum=FIRST_PAGE)
            rows, _gone = await fetch_rows(client, ids[:FIRST_PAGE])
            if rows:
                post(Loaded(rows, False))  # the listing sends them again, with their owner
                if painted is not None:
                    await painted()
        except KmsError:
            pass  # the full listing below says what is wrong
        pages = object_pages(client, filters, page_rows=SLICE_ROWS, from_fields=row_from_fields, off_process=True)
        async for page in pages:
            objects = page.objects  # rows made in the listing's decoding thread
            for start in range(0, len(objects), SLICE_ROWS) if objects else [0]:
                rows = objects[start : start + SLICE_ROWS]
                done = page.done and start + SLICE_ROWS >= len(objects)
                trips = client.exchange.round_trips - before
                post(Loaded(rows, done, page.partial, list(page.problems), trips))
                await asyncio.sleep(0)  # the loop handles keys and draws between slices
