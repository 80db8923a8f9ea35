"""How listed rows reach the object table without slowing the keys (:class:`RowFeeder`, owned by the screen).

- Rows that arrive are buffered and added together every FLUSH_EVERY_S (the first ones at once):
  each addition may redraw the whole table.
- While the user moves through the list, the buffered rows wait for a pause in the keys (rows do
  not shift under the cursor, keys do not queue behind full-table redraws), at most
  FLUSH_AT_LEAST_EVERY_S; the status line counts them meanwhile.
- A large batch (10,000 rows at the end of a load) is merged into a copy of the sorted view
  FEED_ROWS per step (FEED_GAP_S apart while keys come), then put in place at once: one redraw.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.timer import Timer

from kms_tui.tui.objects.rows import ObjectRow
from kms_tui.tui.objects.table import StagedRows

if TYPE_CHECKING:
    from kms_tui.tui.objects.screen import ObjectsScreen


FLUSH_EVERY_S = 0.15  # rows arriving meanwhile are shown together: few full-table redraws
QUIET_AFTER_KEY_S = 0.3  # while the user moves through the list, arriving rows wait for a pause…
FLUSH_AT_LEAST_EVERY_S = 1.0  # …but never longer than this
FEED_ROWS = 1000  # rows merged into a staged copy of the view per step (1-3 ms at 100,000 rows)
FEED_GAP_S = 0.004  # between steps while keys come: a step in every loop turn made each key wait for several


def flush_delay(now: float, last_key: float, waiting_since: float, *, quiet: float, cap: float) -> float:
    """Seconds before rows that arrived (the oldest at ``waiting_since``) go into the table:
    0 once the user has not moved through the list for ``quiet`` seconds (``last_key``), or
    the rows have waited ``cap`` seconds; else until the first of those comes."""
    waited = now - waiting_since
    until_quiet = quiet - (now - last_key)
    if waited >= cap or until_quiet <= 0:
        return 0.0
    return min(until_quiet, cap - waited)


class RowFeeder:
    """Owned by the objects screen (``screen.arrivals``): buffers the rows a load lists and puts
    them into the screen's table with its timers. :meth:`reset` when a load starts."""

    def __init__(self, screen: ObjectsScreen) -> None:
        self.screen = screen
        self.quiet_after_key_s = QUIET_AFTER_KEY_S
        self.flush_at_least_every_s = FLUSH_AT_LEAST_EVERY_S
        self.received: set[str] = set()  # ids the running load has listed
        self._waiting: list[ObjectRow] = []  # rows of the running load not in the table yet
        self._waiting_since = 0.0  # when the oldest of ``_waiting`` came
        self._timer: Timer | None = None
        self._staging: StagedRows | None = None  # the batch being merged (one at a time)
        self._show_again = False  # show() was asked while a batch was staged: the rows since follow
        self._thens: list[Callable[[], None]] = []  # what runs once the rows asked for are shown

    @property
    def waiting(self) -> int:
        """How many rows arrived and wait for a pause in the keys."""
        return len(self._waiting)

    def reset(self) -> None:
        """Forget buffered rows (a new load)."""
        self._waiting = []
        self.received = set()
        self._waiting_since = 0.0
        self._stop_timer()
        self._staging, self._show_again, self._thens = None, False, []

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = None

    def arrived(self, rows: list[ObjectRow]) -> None:
        """Buffer ``rows``; shown at once when the table is empty, else by the flush timer.
        Fresh versions of rows already shown (a reload) go in at once if none moves: nothing
        shifts under the cursor, and the old rows are freed as the new ones come."""
        self.received.update(row.uid for row in rows)
        table = self.screen.table
        shown = [row for row in rows if table.get_row(row.uid) is not None]
        if shown and table.replace_rows(shown):
            rows = [row for row in rows if table.get_row(row.uid) is not row]
        self._waiting.extend(rows)
        if not table.total:
            self.show()
        elif self._timer is None:
            self._waiting_since = time.monotonic()
            self._timer = self.screen.set_timer(FLUSH_EVERY_S, self._flush)

    def last(self, rows: list[ObjectRow]) -> None:
        """The load's last rows: buffered (and listed) without a flush; :meth:`show` follows."""
        self._waiting.extend(rows)
        self.received.update(row.uid for row in rows)

    def _flush(self) -> None:
        self._timer = None
        wait = flush_delay(
            time.monotonic(),
            self.screen.table.last_navigation,
            self._waiting_since,
            quiet=self.quiet_after_key_s,
            cap=self.flush_at_least_every_s,
        )
        if wait > 0:
            self._timer = self.screen.set_timer(wait, self._flush)
            self.screen.refresh_counts()
        else:
            self.show()

    def show(self, then: Callable[[], None] | None = None) -> None:
        """Add the buffered rows to the table (see :meth:`_feed`), then call ``then()``. While
        a batch is being staged, the rows that came since follow it (one batch at a time: two
        staged from the same view would make the second fall back to one long call)."""
        if then is not None:
            self._thens.append(then)
        if self._staging is not None:
            self._show_again = True
            return
        rows, self._waiting = self._waiting, []
        self._stop_timer()
        if len(rows) > FEED_ROWS:
            self._staging = self.screen.table.stage_rows(rows)
            self._feed(self._staging, self.screen.generation)
            return
        if rows:
            self.screen.table.add_rows(rows)
            self.screen.refresh_counts()
        self._run_thens()

    def _run_thens(self) -> None:
        thens, self._thens = self._thens, []
        for then in thens:
            then()

    def _feed(self, staged: StagedRows, generation: int) -> None:
        """Stage FEED_ROWS rows per step (sort keys, merged into a copy of the view: nothing
        changes on screen), then put them all in place at once: one redraw, not one per slice,
        and no turn that holds the keys for the whole batch."""
        if generation != self.screen.generation or staged is not self._staging:
            return  # a newer load replaced this one
        if not staged.step(FEED_ROWS):
            # while keys come, a gap between steps lets each key's several loop turns through
            typing = time.monotonic() - self.screen.table.last_navigation < self.quiet_after_key_s
            asyncio.get_running_loop().call_later(FEED_GAP_S if typing else 0, self._feed, staged, generation)
            return
        staged.commit()
        self._staging = None
        self.screen.refresh_counts()
        if self._show_again:
            self._show_again = False
            self.show()
        else:
            self._run_thens()
