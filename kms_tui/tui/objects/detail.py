"""The detail pane: every attribute of one object in readable form, links to follow, raw TTLV."""

from __future__ import annotations

from datetime import tzinfo

from rich.style import Style
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from kms_tui.safetext import visible
from kms_tui.tui.objects.format import format_length, pretty_json, readable_attributes, vendor_attributes
from kms_tui.tui.objects.rows import ObjectRow

LABEL_WIDTH = 23


def _section(text: Text, title: str) -> None:
    text.append(f"\n{title}\n", style="bold underline")


def _pair(text: Text, label: str, value: str | Text) -> None:
    """One ``label value`` line; both are escaped (they come from the server) and, being
    appended to a Text, never read as markup."""
    text.append(f"{visible(label):<{LABEL_WIDTH}} ", style="bold")
    text.append(value) if isinstance(value, Text) else text.append(visible(value))
    text.append("\n")


def render_detail(row: ObjectRow, local: tzinfo | None = None) -> Text:
    """The detail text of ``row``; link targets are clickable (``screen.follow_link``)."""
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
            target_text = Text(visible(target), style=Style(underline=True) + Style.from_meta(
                {"@click": f"screen.follow_link({target!r})"}))
            _pair(text, link_type, target_text)
    _section(text, "Attributes")
    for label, value in readable_attributes(row.attributes, local):
        _pair(text, label, value)
    vendor = vendor_attributes(row.attributes)
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

    def compose(self):
        yield Static(Text("Select an object to see its details.", style="dim"), id="detail-body")

    def show_row(self, row: ObjectRow | None) -> None:
        """Show ``row`` (formatted); clears any raw view."""
        self.row, self.raw = row, None
        body = self.query_one("#detail-body", Static)
        if row is None:
            body.update(Text("Select an object to see its details.", style="dim"))
        else:
            body.update(render_detail(row, self.local))
        self.scroll_home(animate=False)

    def show_raw(self, uid: str, ttlv_json: str) -> None:
        """Show the object's raw GetAttributes TTLV (only if it is still the shown object)."""
        if self.row is None or self.row.uid != uid:
            return
        self.raw = pretty_json(ttlv_json)
        text = Text(f"{visible(uid)} — raw TTLV (t: back to readable)\n", style="bold")
        text.append(visible(self.raw, keep_newlines=True))
        self.query_one("#detail-body", Static).update(text)
        self.scroll_home(animate=False)
