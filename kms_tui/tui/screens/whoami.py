"""The whoami panel: who the server thinks you are, your token and certificate, server state."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from kms_tui.safetext import mask_url, visible
from kms_tui.tui.screens.base import ConsoleScreen
from kms_tui.tui.whoami_view import whoami_rows
from kms_tui.tui.widgets.vim import VimNavigation, vim_bindings


class WhoAmIScreen(VimNavigation, ConsoleScreen):
    """Shows ``app.whoami_data``; ``r`` asks the server again."""

    HELP_TITLE = "Who am I"
    HELP_TEXT = "What the server knows about you with the active profile. Refreshes when the token does."
    BINDINGS = [
        Binding("r", "refresh", "Refresh", tooltip="Ask the server again.", id="whoami-refresh"),
        *vim_bindings("whoami"),
    ]

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="whoami-body"):
            yield Static("Who am I", classes="section-title")
            yield Static("Not connected yet. Ctrl+O to connect.", id="whoami-status", markup=False)
            yield DataTable(id="whoami-table", cursor_type="row", show_header=False, zebra_stripes=True)

    def on_mount(self) -> None:
        self.watch(self.app, "whoami_data", self.show_whoami, init=True)

    def on_resize(self) -> None:
        self.show_whoami(getattr(self.app, "whoami_data", None))  # values wrap to the new width

    def show_whoami(self, whoami: Any) -> None:
        table = self.query_one("#whoami-table", DataTable)
        table.clear(columns=True)
        # the values wrap in what the labels leave (never cut: a host:port reads whole at 60 columns)
        rows = whoami_rows(whoami, self.app.clock()) if whoami is not None else []
        label_width = max([len(visible(label)) for label, _v in rows] + [10])
        value_width = max(self.size.width - label_width - 8, 16)
        table.add_column("Field", width=label_width)
        table.add_column("Value", width=value_width)
        status = self.query_one("#whoami-status", Static)
        if whoami is None:
            services = getattr(self.app, "services", None)
            status.update(
                f"Asking {mask_url(services.server_url)}…" if services else "Not connected yet. Ctrl+O to connect."
            )
            return
        status.update("")
        for label, value in rows:
            # Text cells: a value from a token or the server is shown as written, escaped
            table.add_row(Text(visible(label), style="bold" if not value else ""), Text(visible(value)), height=None)

    def action_refresh(self) -> None:
        self.app.refresh_whoami()
