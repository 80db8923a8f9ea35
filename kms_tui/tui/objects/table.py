"""The object table: a Line-API widget that renders only the rows on screen.

10,000 rows cost a list in memory and nothing on screen: filtering and sorting rebuild one
Python list, and each frame renders at most a screenful of lines.
"""

from __future__ import annotations

import asyncio
import math
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, KeysView
from dataclasses import dataclass
from itertools import filterfalse
from operator import attrgetter

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar  # noqa: F401 - Textual imports it when 10,000 rows first need one: mid-load
from textual.strip import Strip

from kms_tui.tui.objects.columns import TITLES, fit, layout_columns, reads_differently, render_header, render_row
from kms_tui.tui.objects.rows import COLUMNS, ObjectRow, sort_key

_BY_KEY = attrgetter("sort_key")
_UID = attrgetter("uid")
LINES_KEPT = 400  # rendered lines cached: several screenfuls, even on a tall terminal
TEXTUAL_CHECKED = "8.2.8"  # the Textual version whose private API set_virtual_size_quietly uses


def set_virtual_size_quietly(view: ScrollView, size: Size) -> None:
    """Set ``view``'s scrollable size without the layout pass of the whole screen that assigning
    ``virtual_size`` triggers (5-15 ms at 10,000 rows), when only the scrollbar's thumb changes.

    The one place kms-tui reaches into Textual's private API (``ScrollView._scroll_update``;
    ``set_reactive`` skips the watcher), checked against Textual ``TEXTUAL_CHECKED`` (pinned in
    pyproject.toml); tests/tui/test_objects_table.py fails on another version."""
    view.set_reactive(ScrollView.virtual_size, size)
    view._scroll_update(size)


RELEASE_ROWS = 100  # rows freed per turn of the event loop after a clear (well under a millisecond)


MERGE_BY_SORT_RATIO = 16  # a batch at least 1/16 of the view: sorting the whole view is cheaper


def merged(view: list[ObjectRow], rows: list[ObjectRow], reverse: bool) -> list[ObjectRow]:
    """``view`` (sorted by ``sort_key``, ``reverse`` for descending) with ``rows`` (keyed) put in
    their places, in the order ``(view + rows).sort(...)`` gives (equal keys: the view's rows
    first, then ``rows`` as they came), without the whole view's sort: a sort walks every row
    (20-30 ms at 100,000 rows, each slice of a load), each new row is found by bisection instead
    (C code) and the view copied around them (a memory copy)."""
    if len(rows) * MERGE_BY_SORT_RATIO >= len(view):
        out = view + rows
        out.sort(key=_BY_KEY, reverse=reverse)
        return out
    rows = sorted(rows, key=_BY_KEY, reverse=reverse)
    places, low = [], 0  # the rows are sorted: each place is at or after the one before
    if reverse:  # descending: a row goes after every row whose key is >= its own
        rising, count = view[::-1], len(view)
        for row in reversed(rows):
            low = bisect_left(rising, row.sort_key, low, key=_BY_KEY)
            places.append(count - low)
        places.reverse()
    else:  # ascending: after every row whose key is <= its own
        for row in rows:
            low = bisect_right(view, row.sort_key, low, key=_BY_KEY)
            places.append(low)
    out, done = [], 0
    for place, row in zip(places, rows, strict=True):
        out += view[done:place]
        out.append(row)
        done = place
    out += view[done:]
    return out


def _show_all(_row: ObjectRow) -> bool:
    return True


# One key per column (k9s's shift+letter habit): the column's key sorts by it ascending, again
# reverses. A free letter of each title (N, A, T, C are actions' keys); # for the tags.
SORT_KEYS: dict[str, str] = {
    "id": "I",
    "type": "Y",
    "algorithm": "L",
    "length": "E",
    "state": "S",
    "tags": "number_sign",
    "name": "M",
    "created": "D",
}
# (first press, second press) of each column's key; the others go A to Z, then Z to A
_DIRECTIONS = {"length": ("Smallest first", "largest"), "created": ("Oldest first", "newest")}


def _sort_binding(column: str) -> Binding:
    """``column``'s own key: "Sort by name — A to Z; press again for Z to A"."""
    shown = TITLES[column] if column == "id" else column
    first, second = _DIRECTIONS.get(column, ("A to Z", "Z to A"))
    return Binding(
        SORT_KEYS[column],
        f"sort_column('{column}')",
        f"Sort by {shown}",
        show=False,
        id=f"objects.sort-{column}",
        tooltip=f"{first}; press again for {second} (the header shows ▲ or ▼).",
    )


@dataclass
class SortOrder:
    column: str = "created"
    reverse: bool = True


class ObjectTable(ScrollView, can_focus=True):
    """Rows of objects with a fixed header, keyboard cursor and sort by any column."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="objects.cursor-up", tooltip="Previous object."),
        Binding("down,j", "cursor(1)", "Down", show=False, id="objects.cursor-down", tooltip="Next object."),
        Binding("pageup", "page(-1)", "Page up", show=False, id="objects.page-up", tooltip="One screen up."),
        Binding("pagedown", "page(1)", "Page down", show=False, id="objects.page-down", tooltip="One screen down."),
        Binding("home,g", "jump(0)", "First", show=False, id="objects.first", tooltip="First object."),
        Binding("end,G", "jump(-1)", "Last", show=False, id="objects.last", tooltip="Last object."),
        Binding("enter", "select", "Details", id="objects.details", tooltip="Show this object's details."),
        Binding("o", "cycle_sort", "Sort", id="objects.sort", tooltip="Sort by the next column."),
        Binding("O", "reverse_sort", "Reverse", show=False, id="objects.reverse", tooltip="Reverse the sort."),
        *(_sort_binding(column) for column in COLUMNS),
    ]
    COMPONENT_CLASSES = {
        "object-table--header",
        "object-table--cursor",
        "object-table--dim",
        "object-table--active",
        "object-table--warning",
        "object-table--error",
        "object-table--marked",
    }
    DEFAULT_CSS = """
    ObjectTable { height: 1fr; background: $surface; overflow-x: hidden; }
    ObjectTable > .object-table--header { text-style: bold; background: $panel; color: $text; }
    ObjectTable > .object-table--cursor { background: $block-cursor-blurred-background; }
    ObjectTable:focus > .object-table--header { background: $accent; color: $text; }
    ObjectTable:focus > .object-table--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    ObjectTable > .object-table--dim { color: $text-muted; }
    ObjectTable > .object-table--active { color: $success; }
    ObjectTable > .object-table--warning { color: $warning; }
    ObjectTable > .object-table--error { color: $error; }
    ObjectTable > .object-table--marked { color: $accent; text-style: bold; }
    """

    cursor = reactive(0, always_update=True, repaint=False)  # watch_cursor redraws the two lines that change

    class Highlighted(Message):
        """The cursor moved to ``row`` (None when the table is empty)."""

        def __init__(self, row: ObjectRow | None) -> None:
            super().__init__()
            self.row = row

    class SortShown(Message):
        """The sort order changed, or its column came on or went off screen (a resize)."""

    class Selected(Message):
        """Enter (or a click) on ``row``."""

        def __init__(self, row: ObjectRow) -> None:
            super().__init__()
            self.row = row

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._rows: dict[str, ObjectRow] = {}
        self._view: list[ObjectRow] = []
        self._positions: dict[int, int] | None = None  # id(row) -> index in _view, made on demand
        self._filter: Callable[[ObjectRow], bool] = _show_all
        self.row_order = SortOrder()  # (not sort_order: Textual's Widget keeps its DOM order there)
        self._key = sort_key(self.row_order.column)
        self.empty_text = "No objects."
        self._layout: list[tuple[str, int]] = []
        self._layout_width: tuple[int, int] = (-1, 0)  # (width, gutter) the layout was made for
        self.marked: frozenset[str] = frozenset()  # ids marked for a bulk action (kms_tui.tui.bulk)
        # Rendered lines by (row id, under cursor, width); a cursor move redraws two lines.
        # the lines drawn lately, least recently drawn dropped first (a few screenfuls)
        self._lines: LRUCache[tuple[str, bool, int], Strip] = LRUCache(LINES_KEPT)
        self._styles: dict[str, Style] = {}
        self._styles_key: tuple = ()
        self.last_navigation = -math.inf  # time.monotonic() of the last cursor key
        self.changes = 0  # bumped whenever rows or their order change (a staged merge checks it)
        # Whether the user put the cursor somewhere since the rows were cleared: then rows that
        # arrive keep it on its object (what they act on does not change under them); before,
        # it stays on the first line (a load's first screenful moves down as the rest comes).
        self.cursor_placed = False

    # -- data ------------------------------------------------------------------------------------

    @property
    def total(self) -> int:
        """Rows loaded (before the free-text filter)."""
        return len(self._rows)

    @property
    def shown_rows(self) -> list[ObjectRow]:
        """Rows shown, in display order."""
        return self._view

    @property
    def current(self) -> ObjectRow | None:
        """The row under the cursor."""
        return self._view[self.cursor] if 0 <= self.cursor < len(self._view) else None

    def get_row(self, uid: str) -> ObjectRow | None:
        """A loaded row by id, shown or not."""
        return self._rows.get(uid)

    def clear(self) -> None:
        """Forget every row (freed a slice at a time: 10,000 at once is a 20 ms pause)."""
        doomed = list(self._rows.values())
        self._rows = {}
        self.cursor_placed = False
        self._view, self._positions = [], None
        self._rearrange(None)
        if doomed:
            self._release(doomed)

    def _release(self, doomed: list[ObjectRow]) -> None:
        del doomed[-RELEASE_ROWS:]
        if doomed:  # the loop's own queue: Textual's call_later would run them all in one go
            asyncio.get_running_loop().call_soon(self._release, doomed)

    def add_rows(self, rows: Iterable[ObjectRow]) -> None:
        """Add or replace rows (by id), keeping the cursor on the same object.

        New rows (a load in slices) are merged into the sorted view with keys computed once per
        row, so a slice costs a millisecond or two even with 10,000 rows shown."""
        # (C loops, no Python code per row: a load hands over 50,000 rows at once at 100,000)
        rows = rows if isinstance(rows, list) else list(rows)
        by_id = dict(zip(map(_UID, rows), rows, strict=True))  # an id twice (first page, then listing): the last
        rows = list(by_id.values())
        fresh = list(map(by_id.__getitem__, filterfalse(self._rows.__contains__, by_id)))
        if len(fresh) != len(rows) and not self._replace_in_place([r for r in rows if r.uid in self._rows]):
            keep = self.current  # replacements that move or change what is shown: rebuild the view
            replaced = [self._rows[r.uid] for r in rows if r.uid in self._rows]
            self._rows.update((r.uid, r) for r in rows)
            self._rearrange(self._rows.get(keep.uid) if keep else None)  # the fresh row for the same id
            self._release(replaced)
            return
        self._rows.update(zip(map(_UID, fresh), fresh, strict=True))
        shown = fresh if self._filter is _show_all else [r for r in fresh if self._filter(r)]
        if shown:
            self._merge(shown)

    def stage_rows(self, rows: list[ObjectRow]) -> StagedRows:
        """A large batch to add a slice at a time without changing the screen (see
        :class:`StagedRows`): ``step()`` until it returns True, then ``commit()``."""
        return StagedRows(self, rows)

    def prepare_rows(self, rows: Iterable[ObjectRow]) -> None:
        """Compute the sort keys of rows about to be added (nothing changes on screen): a big
        batch is prepared a slice per loop turn, then added in one go (one sort, one redraw)."""
        key = self._key
        for row in rows:
            if row.keyed_by is not key:
                row.sort_key, row.keyed_by = key(row), key

    def replace_rows(self, rows: list[ObjectRow]) -> bool:
        """Swap in fresh versions of loaded rows if none moves (nothing shifts on screen; a
        line is redrawn only if it reads differently); False, changing nothing, otherwise."""
        return all(r.uid in self._rows for r in rows) and self._replace_in_place(rows)

    def _replace_in_place(self, rows: list[ObjectRow]) -> bool:
        """Swap in fresh versions of shown rows that keep their place (same sort key, no text
        filter); False, changing nothing, if any would move."""
        if self._filter is not _show_all:
            return False
        key = self._key
        for row in rows:
            if row.keyed_by is not key:
                row.sort_key, row.keyed_by = key(row), key
            if row.sort_key != self._rows[row.uid].sort_key:
                return False
        self.changes += 1
        if self._positions is None:  # where each shown row is (kept until the view is reordered)
            self._positions = {id(row): at for at, row in enumerate(self._view)}
        where = self._positions
        replaced = []
        for row in rows:
            old = self._rows[row.uid]
            where[id(row)] = at = where.pop(id(old))
            self._view[at] = row
            self._rows[row.uid] = row
            replaced.append(old)
        # Only rows drawn lately have lines cached; those that now read differently are redrawn.
        drawn = {uid for uid, _selected, _width in self._lines.keys()}
        changed = {
            new.uid for new, old in zip(rows, replaced, strict=True) if new.uid in drawn and reads_differently(new, old)
        }
        if changed:
            for stale in [k for k in self._lines.keys() if k[0] in changed]:
                self._lines.discard(stale)
            self.refresh()
        self._release(replaced)  # a reload replaces 10,000 rows: freed a slice per loop turn
        return True

    def _merge(self, rows: list[ObjectRow]) -> None:
        self.prepare_rows(rows)
        keep = self.current if self.cursor_placed else None
        shown_before = self._on_screen()
        self._view = merged(self._view, rows, self.row_order.reverse)
        self._positions = None
        self._after_view_change(keep, relayout=False, shown_before=shown_before)

    def _on_screen(self) -> list[ObjectRow]:
        """The rows in the window, top to bottom."""
        top = int(self.scroll_y)
        return self._view[top : top + max(self.size.height - 1, 0)]

    def row_ids(self) -> KeysView[str]:
        """The ids of every loaded row, as a live set-like view (set operations run in C)."""
        return self._rows.keys()

    def remove_rows(self, uids: Iterable[str]) -> None:
        """Drop rows (objects removed from the server), rearranging once."""
        gone = [row for row in (self._rows.pop(uid, None) for uid in uids) if row is not None]
        if gone:
            self._rearrange(self.current if self.current not in gone else None)
            self._release(gone)

    def set_filter(self, predicate: Callable[[ObjectRow], bool]) -> None:
        """Show only rows matching ``predicate``."""
        keep = self.current
        self._filter = predicate
        self._rearrange(keep)

    def sort_by(self, column: str, reverse: bool | None = None) -> None:
        """Sort by ``column``; the same column again flips the direction."""
        keep = self.current
        if reverse is None:
            reverse = not self.row_order.reverse if column == self.row_order.column else False
        if column != self.row_order.column:
            self._key = sort_key(column)
            self.prepare_rows(self._rows.values())
        self.row_order = SortOrder(column, reverse)
        self._rearrange(keep)
        self.post_message(self.SortShown())

    def sort_hint(self) -> str:
        """ "sorted by type ▼" while a sort you chose is by a column the screen is too narrow
        for (the header cannot show its arrow); "" when the header shows it, or for the
        default order (newest first)."""
        column = self.row_order.column
        if self.row_order == SortOrder() or not self._layout or any(c == column for c, _w in self._layout):
            return ""
        return f"sorted by {column} {'▼' if self.row_order.reverse else '▲'}"

    def select_uid(self, uid: str) -> bool:
        """Put the cursor on ``uid`` if it is shown."""
        for index, row in enumerate(self._view):
            if row.uid == uid:
                self.cursor, self.cursor_placed = index, True
                return True
        return False

    def _rearrange(self, keep: ObjectRow | None) -> None:
        key = self._key
        shown = []
        for row in self._rows.values():
            if self._filter(row):
                if row.keyed_by is not key:  # replaced rows arrive without one
                    row.sort_key, row.keyed_by = key(row), key
                shown.append(row)
        shown.sort(key=_BY_KEY, reverse=self.row_order.reverse)
        self._view, self._positions = shown, None
        self._after_view_change(keep, relayout=True)

    def _after_view_change(
        self, keep: ObjectRow | None, *, relayout: bool, shown_before: list[ObjectRow] | None = None
    ) -> None:
        """Resize, put the cursor on ``keep`` (or as near as it was), redraw (only the scrollbar
        when ``shown_before``, the rows on screen before, are still there in the same places)."""
        self.changes += 1
        if relayout:  # rows were replaced: cached lines may be stale
            self._lines.clear()
        self._set_virtual_height(len(self._view) + 1)
        cursor = None
        if keep is not None:
            try:
                cursor = self._view.index(keep)  # by identity (ObjectRow has no __eq__)
            except ValueError:
                keep = None
        if cursor is None:
            cursor = min(self.cursor, max(len(self._view) - 1, 0))
        if not (keep is not None and cursor == self.cursor):  # same row, same place: nothing to say
            self.cursor = cursor
        now = self._on_screen() if shown_before is not None else None
        if (
            now is None
            or shown_before is None
            or len(now) != len(shown_before)
            or any(a is not b for a, b in zip(now, shown_before, strict=True))
        ):
            self.refresh()  # rows appended off screen (a load in slices) leave the lines as they are

    def _set_virtual_height(self, height: int) -> None:
        """The scrollable height; without a layout pass of the screen (5-15 ms at 10,000 rows)
        when the scrollbar only changes its thumb, i.e. it is shown before and after."""
        size, old = Size(self.size.width, height), self.virtual_size
        if (
            size.width == old.width
            and self.show_vertical_scrollbar
            and min(height, old.height) > self.container_size.height
        ):
            set_virtual_size_quietly(self, size)
        else:
            self.virtual_size = size

    # -- cursor ----------------------------------------------------------------------------------

    def watch_cursor(self, old: int, value: int) -> None:
        page = max(self.size.height - 1, 1)
        if value < self.scroll_y:
            self.scroll_to(y=value, animate=False, immediate=True)
            self.refresh()
        elif value >= self.scroll_y + page:
            self.scroll_to(y=value - page + 1, animate=False, immediate=True)
            self.refresh()
        else:  # no scrolling: only the two rows that changed look are redrawn
            for index in (old, value):
                y = index - int(self.scroll_y) + 1
                if 0 < y < self.size.height:
                    self.refresh(Region(0, y, self.size.width, 1))
        self.post_message(self.Highlighted(self.current))

    def action_cursor(self, delta: int) -> None:
        self.last_navigation = time.monotonic()
        if self._view:  # keys on an empty table place nothing: the cursor stays on the first line
            self.cursor, self.cursor_placed = max(0, min(len(self._view) - 1, self.cursor + delta)), True

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(self.size.height - 1, 1))

    def action_jump(self, index: int) -> None:
        self.last_navigation = time.monotonic()
        if self._view:
            self.cursor, self.cursor_placed = index % len(self._view), True

    def action_select(self) -> None:
        if self.current is not None:
            self.post_message(self.Selected(self.current))

    def action_cycle_sort(self) -> None:
        names = [c for c, _w in self._layout] or list(COLUMNS)
        column = self.row_order.column
        nxt = names[(names.index(column) + 1) % len(names)] if column in names else names[0]
        self.sort_by(nxt, reverse=False)

    def action_sort_column(self, column: str) -> None:
        """A column's own key: sort by it ascending; pressed again, the other way."""
        self.sort_by(column)

    def action_reverse_sort(self) -> None:
        self.sort_by(self.row_order.column, reverse=not self.row_order.reverse)

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            x = 1 if self.marked else 0  # the marks' gutter
            for column, width in self._layout:
                if x <= event.x < x + width + 1:
                    self.sort_by(column)
                    return
                x += width + 1
            return
        index = int(self.scroll_y) + event.y - 1
        if 0 <= index < len(self._view):
            self.cursor, self.cursor_placed = index, True
            if event.chain >= 2:
                self.action_select()

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self._view) + 1)

    # -- rendering -------------------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        key = (self.app.theme, self.has_focus, self.size.width)
        if key != self._styles_key:  # theme, focus or size changed: styles and lines are stale
            self._styles_key, self._styles = key, {}
            self._lines.clear()
        style = self._styles.get(name)
        if style is None:
            style = self.rich_style if name == "base" else self.get_component_rich_style(f"object-table--{name}")
            self._styles[name] = style
        return style

    def set_marks(self, uids: frozenset[str]) -> None:
        """Show ``uids`` as marked: a one-cell gutter (``●``) appears while any row is marked."""
        if uids != self.marked:
            self.marked = uids
            self._lines.clear()
            self.refresh()

    def render_line(self, y: int) -> Strip:
        gutter = 1 if self.marked else 0  # a column for the marks' ● while any row is marked
        width = self.size.width
        if (width, gutter) != self._layout_width:
            hint = self.sort_hint()
            self._layout, self._layout_width = layout_columns(width - gutter), (width, gutter)
            if self.sort_hint() != hint:
                self.post_message(self.SortShown())
        if y == 0:
            header = render_header(
                width - gutter, self._layout, self._style, self.row_order.column, self.row_order.reverse
            )
            return Strip.join([Strip([Segment(" ", self._style("header"))], 1), header]) if gutter else header
        index = int(self.scroll_y) + y - 1
        if index >= len(self._view):
            if not self._view and y == 2:
                return Strip([Segment(fit("  " + self.empty_text, width), self._style("dim"))], width)
            return Strip.blank(width, self._style("base"))
        row = self._view[index]
        selected = index == self.cursor
        key = (row.uid, selected, width)
        line = self._lines.get(key)
        if line is None:
            line = (
                self._with_gutter(row, selected, width)
                if gutter
                else render_row(row, selected, width, self._layout, self._style)
            )
            self._lines.set(key, line)
        return line

    def _with_gutter(self, row: ObjectRow, selected: bool, width: int) -> Strip:
        """The row one cell narrower, after its mark (``●`` when marked); a marked row in bold colour."""
        marked = row.uid in self.marked
        over = (Style(bold=True) if selected else self._style("marked")) if marked else Style()
        mark = Segment("●" if marked else " ", self._style("cursor" if selected else "base") + over)
        body = render_row(row, selected, width - 1, self._layout, self._style)
        if marked:  # on top of each cell's own style (the state's colour included)
            body = Strip([Segment(seg.text, (seg.style or Style()) + over) for seg in body], body.cell_length)
        return Strip.join([Strip([mark], 1), body])


class StagedRows:
    """New rows merged into a copy of an :class:`ObjectTable`'s sorted view a slice per
    :meth:`step` (a millisecond or two each, nothing changes on screen), then put in place by
    :meth:`commit` in one step: one redraw, and no call that holds the event loop for the whole
    batch (at 100,000 objects, 15,000 rows added in one call took 10-50 ms: keys waited).

    The steps: each slice of the batch gets its sort keys and is sorted; the sorted slices are
    merged (one sort of presorted runs: a few ms); then the view is copied around the new rows a
    slice at a time, each row's place found by bisection, so the view is copied once in all (it
    was copied once per slice: 5 ms per step at 100,000 rows, and keys waited behind them).

    The result is the one :meth:`ObjectTable.add_rows` gives: if the table changed meanwhile (rows
    added, replaced or removed, another sort or filter), ``commit`` adds the rows the plain way."""

    def __init__(self, table: ObjectTable, rows: list[ObjectRow]) -> None:
        self._table = table
        self._rows = rows
        self._next = 0
        self._changes = table.changes
        self._reverse = table.row_order.reverse
        self._view = table._view  # never changed in place without a bump of ``changes``
        self._by_id: dict[str, ObjectRow] | None = None  # a copy of the table's, made by the first step
        self._added: dict[str, ObjectRow] = {}  # new ids, in the order they came
        self._later: list[ObjectRow] = []  # ids the table has, or the batch had before: add_rows
        self._runs: list[ObjectRow] = []  # the new rows shown, each slice sorted
        self._batch: list[ObjectRow] | None = None  # all of them, sorted
        self._merged: list[ObjectRow] | None = None  # the new view, built a slice at a time
        self._at = 0  # rows of the batch placed in _merged
        self._copied = 0  # rows of the view copied into _merged
        self._bound = 0  # where the next bisection starts (or ends, descending)
        self._rising: list[ObjectRow] | None = None  # the view, ascending (descending merges bisect it)
        self._complete = False  # _merged holds the whole new view

    def step(self, count: int) -> bool:
        """Stage the next ``count`` rows (or merge the next ``count`` of them); True once done."""
        table = self._table
        if self._complete:
            return True
        if table.changes != self._changes:  # stale: commit adds the rows the plain way
            self._later += self._rows[self._next :]
            self._next = len(self._rows)
            return True
        if self._next < len(self._rows):
            self._stage(self._rows[self._next : self._next + count])
            self._next += count
            return False
        if self._batch is None:  # one sort of presorted slices: timsort merges the runs
            self._runs.sort(key=_BY_KEY, reverse=self._reverse)
            self._batch, self._runs = self._runs, []
            if len(self._batch) * MERGE_BY_SORT_RATIO >= len(self._view):  # a small view: one sort
                self._merged = self._view + self._batch
                self._merged.sort(key=_BY_KEY, reverse=self._reverse)
                self._at, self._complete = len(self._batch), True
                return True
            self._merged = []
            if self._reverse:
                self._rising, self._bound = self._view[::-1], len(self._view)
            return False
        return self._merge(count)

    def _stage(self, rows: list[ObjectRow]) -> None:
        table, added = self._table, self._added
        fresh = []
        for row in rows:
            if row.uid in added or row.uid in table._rows:
                self._later.append(row)
            else:
                added[row.uid] = row
                fresh.append(row)
        if self._by_id is None:  # (one C copy; adding 15,000 ids at commit took 4-7 ms)
            self._by_id = dict(table._rows)
        self._by_id.update(zip(map(_UID, fresh), fresh, strict=True))
        table.prepare_rows(fresh)
        shown = fresh if table._filter is _show_all else [r for r in fresh if table._filter(r)]
        self._runs += sorted(shown, key=_BY_KEY, reverse=self._reverse)

    def _merge(self, count: int) -> bool:
        """Place the next ``count`` rows of the sorted batch, copying the view up to them; in the
        order ``(view + batch).sort()`` gives (equal keys: the view's rows first)."""
        assert self._batch is not None and self._merged is not None
        view, out, done = self._view, self._merged, self._copied
        end = min(self._at + count, len(self._batch))
        if self._reverse:  # descending: a row goes after every row whose key is >= its own
            rising, total, hi = self._rising, len(view), self._bound
            assert rising is not None
            for row in self._batch[self._at : end]:
                hi = bisect_left(rising, row.sort_key, 0, hi, key=_BY_KEY)
                place = total - hi
                out += view[done:place]
                out.append(row)
                done = place
            self._bound = hi
        else:  # ascending: after every row whose key is <= its own
            low = self._bound
            for row in self._batch[self._at : end]:
                low = bisect_right(view, row.sort_key, low, key=_BY_KEY)
                out += view[done:low]
                out.append(row)
                done = low
            self._bound = low
        self._at, self._copied = end, done
        if end < len(self._batch):
            return False
        out += view[done:]
        self._copied, self._complete = len(view), True
        return True

    def commit(self) -> None:
        """Put every row in the table (what ``step`` had not done yet is done now)."""
        table = self._table
        while table.changes == self._changes and not self.step(max(len(self._rows), 1)):
            pass
        if table.changes == self._changes and self._by_id is not None and self._merged is not None and self._complete:
            # (every change to the table bumps ``changes``: nothing came meanwhile)
            keep = table.current if table.cursor_placed else None
            shown_before = table._on_screen()
            table._rows, table._view, table._positions = self._by_id, self._merged, None
            table._after_view_change(keep, relayout=False, shown_before=shown_before)
        else:
            self._later += self._rows[self._next :]
            self._next = len(self._rows)
            if self._added:
                table.add_rows(list(self._added.values()))
        if self._later:
            table.add_rows(self._later)
