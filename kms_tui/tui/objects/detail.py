"""The detail pane: every attribute of one object in readable form, links to follow, raw TTLV.

Rows hold no attribute dict (100,000 of them would take most of the console's memory): the pane
shows the row's own fields at once and reads the attributes through the shared client
(GetAttributes) when an object is shown; :func:`recent_attributes` keeps those of the last few
objects, so going back to one, or showing a row just refreshed after an action, asks for nothing.
"""

from __future__ import annotations

import asyncio
import time
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from rich.style import Style
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from kms_tui.safetext import visible
from kms_tui.tui.objects.format import format_length, pretty_json, readable_attributes, vendor_attributes
from kms_tui.tui.objects.rows import ObjectRow, normalise_attributes, recent_attributes

if TYPE_CHECKING:
    from kms_tui.client.kms_client import KmsClient

LABEL_WIDTH = 23
MOVING = 0.25  # seconds: a row shown this soon after the last read means the cursor is moving
PAUSE = 0.1  # then the read waits this long (cancelled if the cursor moves on)


def _section(text: Text, title: str) -> None:
    text.append(f"\n{title}\n", style="bold underline")


def _pair(text: Text, label: str, value: str | Text) -> None:
    """One ``label value`` line; both are escaped (they come from the server) and, being
    appended to a Text, never read as markup."""
    text.append(f"{visible(label):<{LABEL_WIDTH}} ", style="bold")
    text.append(value) if isinstance(value, Text) else text.append(visible(value))
    text.append("\n")


LOADING = "Reading the attributes…"


def render_detail(row: ObjectRow, local: tzinfo | None = None, attributes: dict[str, Any] | str | None = None) -> Text:
    """The detail text of ``row``; link targets are clickable (``screen.follow_link``).
    ``attributes``: the object's (normalised), or a line saying why they are not shown (yet)."""
    text = Text()
    text.append(visible(row.uid), style="bold")
    text.append("\n")
    summary = [row.object_type or "?", row.algorithm]
    if row.length:
        summary.append(format_length(row.algorithm, row.length))
    summary.append(row.state or "?")
    text.append(visible(" · ".join(s for s in summary if s)) + "\n")
    if row.owner:
        _pair(text, "Owner", row.owner)
    _pair(text, "Name", row.name or "—")
    _pair(text, "Tags", ", ".join(row.tags) or "—")
    if row.system_tags:
        _pair(text, "System tags", ", ".join(row.system_tags))
    if row.links:
        _section(text, "Links  (l follows the linked key; click any)")
        for link_type, target in sorted(row.links.items()):
            target_text = Text(
                visible(target),
                style=Style(underline=True) + Style.from_meta({"@click": f"screen.follow_link({target!r})"}),
            )
            _pair(text, link_type, target_text)
    _section(text, "Attributes")
    if not isinstance(attributes, dict):
        text.append(visible(attributes or LOADING) + "\n", style="dim")
        return text
    for label, value in readable_attributes(attributes, local):
        _pair(text, label, value)
    vendor = vendor_attributes(attributes)
    if vendor:
        _section(text, "Vendor attributes")
        for label, value in vendor:
            _pair(text, label, value)
    return text


class ObjectDetail(VerticalScroll, can_focus=True):
    """Scrollable pane showing the highlighted object; ``show_raw`` swaps in the TTLV JSON."""

    DEFAULT_CSS = """
    ObjectDetail { border-left: vkey $panel; padding: 0 1; height: 1fr; }
    ObjectDetail > Static { width: 1fr; }
    """

    def __init__(self, *, local: tzinfo | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.local = local
        self.row: ObjectRow | None = None
        self.raw: str | None = None
        self.attributes: dict[str, Any] | str | None = None  # of row: None while they are read, str: why not
        self._last_read = 0.0

    def compose(self):
        yield Static(Text("Select an object to see its details.", style="dim"), id="detail-body")

    @property
    def client(self) -> Any:
        return getattr(getattr(self.app, "services", None), "client", None)

    def show_row(self, row: ObjectRow | None) -> None:
        """Show ``row`` (formatted); clears any raw view. Its attributes come from the recently
        read ones, or are read in a worker (the pane says so meanwhile)."""
        self.row, self.raw = row, None
        client = self.client
        self.attributes = recent_attributes(client).get(row.uid) if row is not None else None
        if row is not None and self.attributes is None:
            if client is None:
                self.attributes = "Not connected: the attributes cannot be read."
            else:
                now = time.monotonic()
                pause = PAUSE if now - self._last_read < MOVING else 0.0
                self._last_read = now
                self.run_worker(
                    self._read_attributes(client, row, pause),
                    group="detail-attributes",
                    exclusive=True,
                    exit_on_error=False,
                )
        self._draw_readable()
        self.scroll_home(animate=False)

    def _draw_readable(self) -> None:
        body = self.query_one("#detail-body", Static)
        if self.row is None:
            body.update(Text("Select an object to see its details.", style="dim"))
        else:
            body.update(render_detail(self.row, self.local, self.attributes))

    async def _read_attributes(self, client: KmsClient, row: ObjectRow, pause: float = 0.0) -> None:
        if pause:  # moving through the list: ask only for the row the cursor stops on
            await asyncio.sleep(pause)
        attributes: dict[str, Any] | str
        try:
            attributes = found = normalise_attributes(await client.get_attributes(row.uid))
            recent_attributes(client).put(row.uid, found)
        except Exception as exc:  # noqa: BLE001 - shown in the pane
            attributes = f"Attributes unavailable: {getattr(exc, 'message', None) or exc}"
        if self.row is row and self.raw is None:
            self.attributes = attributes
            self.attributes_shown()

    def attributes_shown(self) -> None:
        """The attributes arrived: draw them (a subclass adding lines to the body redraws it all)."""
        self._draw_readable()

    def show_raw(self, uid: str, ttlv_json: str) -> None:
        """Show the object's raw GetAttributes TTLV (only if it is still the shown object)."""
        if self.row is None or self.row.uid != uid:
            return
        self.raw = pretty_json(ttlv_json)
        text = Text(f"{visible(uid)} — raw TTLV (t: back to readable)\n", style="bold")
        text.append(visible(self.raw, keep_newlines=True))
        self.query_one("#detail-body", Static).update(text)
        self.scroll_home(animate=False)
