"""The filter bar: server-side filters (what to load) and a free-text filter (what to show)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Select, Static

from kms_tui.client.requests import LocateFilter
from kms_tui.tui.objects.query import ALGORITHMS, OBJECT_TYPES, STATE_CHOICES, QueryError, filter_from_fields
from kms_tui.tui.widgets.filter_input import FilterInput


def _options(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(v, v) for v in values]


class ObjectFilterBar(Vertical):
    """Posts ``QueryChanged`` when the server filters are applied (enter in any field) and
    ``TextChanged`` on every keystroke in the free-text filter."""

    DEFAULT_CSS = """
    ObjectFilterBar { height: auto; }
    ObjectFilterBar #server-filters { height: auto; display: none; }
    ObjectFilterBar.-expanded #server-filters { display: block; }
    ObjectFilterBar Horizontal { height: 1; }
    ObjectFilterBar Select { width: 1fr; margin-right: 1; }
    ObjectFilterBar Input { width: 1fr; margin-right: 1; }
    ObjectFilterBar #filter-text { width: 2fr; }
    ObjectFilterBar #filter-summary { width: 1fr; color: $text-muted; content-align: right middle; }
    ObjectFilterBar #filter-error { color: $error; height: auto; display: none; }
    ObjectFilterBar #filter-error.-shown { display: block; }
    """

    class QueryChanged(Message):
        """The user applied new server-side filters."""

        def __init__(self, query: LocateFilter) -> None:
            super().__init__()
            self.query = query

    class TextChanged(Message):
        """The free-text filter changed."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def compose(self) -> ComposeResult:
        yield Vertical(id="server-filters")  # filled on first use: three Selects and four Inputs
        with Horizontal():  # nobody needs yet would slow the screen's first frames while it loads
            yield FilterInput(  # esc clears it, a second esc leaves it (FilterInput.Left)
                placeholder="/ filter rows: text  /regex/  !not  (esc clears)", compact=True, id="filter-text"
            )
            yield Static("", id="filter-summary")
        yield Static("", id="filter-error")

    @property
    def expanded(self) -> bool:
        return self.has_class("-expanded")

    async def _server_filters(self) -> Vertical:
        """The server filter fields, made the first time they are needed."""
        box = self.query_one("#server-filters", Vertical)
        if not box.children:
            await box.mount(
                Horizontal(
                    Select(_options(OBJECT_TYPES), prompt="any type", compact=True, id="filter-type"),
                    Select(_options(ALGORITHMS), prompt="any algorithm", compact=True, id="filter-algorithm"),
                    Select(_options(STATE_CHOICES), prompt="any live state", compact=True, id="filter-state"),
                ),
                Horizontal(
                    Input(placeholder="tags a,b", compact=True, id="filter-tags"),
                    Input(placeholder="name", compact=True, id="filter-name"),
                    Input(placeholder="length", compact=True, id="filter-length"),
                    Input(placeholder="linked to id", compact=True, id="filter-linked"),
                ),
            )
        return box

    async def toggle(self) -> None:
        """Show or hide the server filters; focus goes to the first one when shown."""
        self.toggle_class("-expanded")
        if self.expanded:
            (await self._server_filters()).query_one("#filter-type", Select).focus()

    def current_query(self) -> LocateFilter:
        """The server filters as typed; raises :class:`QueryError` with what to fix."""
        if not self.query_one("#server-filters", Vertical).children:
            return LocateFilter()  # never opened: no server filter

        def selected(widget_id: str) -> str | None:
            value = self.query_one(widget_id, Select).value
            return value if isinstance(value, str) else None

        def text(widget_id: str) -> str:
            return self.query_one(widget_id, Input).value

        return filter_from_fields(
            object_type=selected("#filter-type"),
            algorithm=selected("#filter-algorithm"),
            state=selected("#filter-state"),
            tags=text("#filter-tags"),
            name=text("#filter-name"),
            length=text("#filter-length"),
            linked_to=text("#filter-linked"),
        )

    async def set_linked_to(self, uid: str) -> None:
        """Fill the linked-to field (used by "show objects linked to this one")."""
        (await self._server_filters()).query_one("#filter-linked", Input).value = uid

    def show_error(self, text: str) -> None:
        """Show (or clear, with "") a problem with the filters."""
        error = self.query_one("#filter-error", Static)
        error.update(text)
        error.set_class(bool(text), "-shown")

    def set_summary(self, text: str) -> None:
        """The right-hand status text (counts, progress)."""
        self.query_one("#filter-summary", Static).update(text)

    def _apply(self) -> None:
        try:
            query = self.current_query()
        except QueryError as exc:
            self.show_error(str(exc))
            return
        self.show_error("")
        self.post_message(self.QueryChanged(query))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "filter-text":  # the screen moves focus back to the table on that one
            event.stop()
            self._apply()

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._apply()

    @on(Input.Changed, "#filter-text")
    def _text_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.TextChanged(event.value))
