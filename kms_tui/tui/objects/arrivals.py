"""How listed rows reach the object table without slowing the keys (a mixin of the objects screen).

- Rows that arrive are buffered and added together every FLUSH_EVERY_S (the first ones at once):
  each addition may redraw the whole table.
- While the user moves through the list, the buffered rows wait for a pause in the keys (rows do
  not shift under the cursor, keys do not queue behind full-table redraws), at most
  FLUSH_AT_LEAST_EVERY_S; the status line counts them meanwhile.
- A large batch (10,000 rows at the end of a load) has its sort keys computed FEED_ROWS per turn
  of the event loop, then goes in at once: one sort, one redraw.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from textual.timer import Timer

FLUSH_EVERY_S = 0.15  # rows arriving meanwhile are shown together: few full-table redraws
QUIET_AFTER_KEY_S = 0.3  # while the user moves through the list, arriving rows wait for a pause…
FLUSH_AT_LEAST_EVERY_S = 1.0  # …but never longer than this
FEED_ROWS = 1000  # rows whose sort keys are computed per turn of the event loop (about a millisecond)



def flush_delay(now: float, last_key: float, waiting_since: float, *, quiet: float, cap: float) -> float:
    """Seconds before rows that arrived (the oldest at ``waiting_since``) go into the table:
    0 once the user has not moved through the list for ``quiet`` seconds (``last_key``), or
    the rows have waited ``cap`` seconds; else until the first of those comes."""
    waited = now - waiting_since
    until_quiet = quiet - (now - last_key)
    if waited >= cap or until_quiet <= 0:
        return 0.0
    return min(until_quiet, cap - waited)


class ArrivingRows:
    """Mixed into ``ObjectsScreen``: needs ``table``, ``generation``, ``set_timer`` and
    ``_show_counts``; call :meth:`_reset_arrivals` when a load starts."""

    table: Any
    generation: int
    set_timer: Any
    _show_counts: Callable[[], None]

    def _reset_arrivals(self) -> None:
        """Forget buffered rows (a new load, or the screen's first setup)."""
        self._arrived: list = []  # rows of the running load not in the table yet
        self._received: set[str] = set()  # ids the running load has listed
        self._waiting_since = 0.0  # when the oldest of ``_arrived`` came
        self._stop_flush_timer()
        if not hasattr(self, "quiet_after_key_s"):  # tests may set their own
            self.quiet_after_key_s, self.flush_at_least_every_s = QUIET_AFTER_KEY_S, FLUSH_AT_LEAST_EVERY_S

    def _stop_flush_timer(self) -> None:
        timer: Timer | None = getattr(self, "_flush_timer", None)
        if timer is not None:
            timer.stop()
        self._flush_timer: Timer | None = None

    def _rows_arrived(self, rows: list) -> None:
        """Buffer ``rows``; shown at once when the table is empty, else by the flush timer.
        Fresh versions of rows already shown (a reload) go in at once if none moves: nothing
        shifts under the cursor, and the old rows are freed as the new ones come."""
        self._received.update(row.uid for row in rows)
        table = self.table
        shown = [row for row in rows if table.get_row(row.uid) is not None]
        if shown and table.replace_rows(shown):
            rows = [row for row in rows if table.get_row(row.uid) is not row]
        self._arrived.extend(rows)
        if not table.total:
            self._show_arrived()
        elif self._flush_timer is None:
            self._waiting_since = time.monotonic()
            self._flush_timer = self.set_timer(FLUSH_EVERY_S, self._flush_arrived)

    def _flush_arrived(self) -> None:
        self._flush_timer = None
        wait = flush_delay(time.monotonic(), self.table.last_navigation, self._waiting_since,
                           quiet=self.quiet_after_key_s, cap=self.flush_at_least_every_s)
        if wait > 0:
            self._flush_timer = self.set_timer(wait, self._flush_arrived)
            self._show_counts()
        else:
            self._show_arrived()

    def _show_arrived(self, then: Callable[[], None] | None = None) -> None:
        """Add the buffered rows to the table (see :meth:`_feed`), then call ``then()``."""
        rows, self._arrived = self._arrived, []
        self._stop_flush_timer()
        self._feed(rows, 0, self.generation, then)

    def _feed(self, rows: list, start: int, generation: int, then: Callable[[], None] | None) -> None:
        """Sort keys for FEED_ROWS rows per loop turn (nothing changes on screen), then every
        row in one go: one sort of the view and one redraw, instead of one per slice."""
        if generation != self.generation:
            return  # a newer load replaced this one
        if start < len(rows) and len(rows) > FEED_ROWS:
            self.table.prepare_rows(rows[start : start + FEED_ROWS])
            asyncio.get_running_loop().call_soon(self._feed, rows, start + FEED_ROWS, generation, then)
            return
        if rows:
            self.table.add_rows(rows)
            self._show_counts()
        if then is not None:
            then()
