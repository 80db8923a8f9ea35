"""One audit row spelled out: every field, the revoke reason and message, the full error reason."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from kms_tui.audit.view import detail_fields
from kms_tui.safetext import visible


def entry_table(entry: dict[str, Any]) -> Table:
    table = Table.grid(padding=(0, 2), expand=True)
    table.add_column(no_wrap=True, style="bold")
    table.add_column(ratio=1, overflow="fold")
    for label, value in detail_fields(entry):
        # ids, reasons, user names come from a server or a file: escaped, and Text so never markup
        table.add_row(Text(label), Text(visible(value, keep_newlines=True)))
    return table


class AuditEntryModal(ModalScreen[None]):
    """Escape, enter or q closes; the text scrolls at 60×20."""

    DEFAULT_CLASSES = "kms-modal"
    BINDINGS = [
        Binding("escape,enter,q", "close", "Close", tooltip="Back to the audit list.", id="audit-entry-close"),
    ]
    DEFAULT_CSS = """
    AuditEntryModal .modal-body { height: auto; max-height: 100%; width: 95%; padding: 0 1; }
    AuditEntryModal #audit-entry-scroll { height: auto; max-height: 100%; }
    """

    def __init__(self, entry: dict[str, Any]) -> None:
        super().__init__()
        self.entry = entry

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body"):
            yield Static("Audit entry  (esc closes)", classes="modal-title", markup=False)
            with VerticalScroll(id="audit-entry-scroll"):
                yield Static(entry_table(self.entry), id="audit-entry-fields")

    def on_mount(self) -> None:
        self.query_one("#audit-entry-scroll", VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)
