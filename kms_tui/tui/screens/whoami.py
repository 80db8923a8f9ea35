"""The whoami panel: who the server thinks you are, your token and certificate, server state."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, Iterator

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from kms_tui.tui.widgets.vim import VimNavigation, vim_bindings
from kms_tui.tui.screens.base import ConsoleScreen
from kms_tui.tui.widgets.header import format_time_left

# labels for the WhoAmI fields we know; any other field is shown with its own name
FIELD_LABELS = {
    "effective_user": "Effective user",
    "user": "Effective user",
    "profile": "Profile",
    "server_url": "Server",
    "sign_in_method": "Sign-in method",
    "method": "Sign-in method",
    "token_expires_at": "Token expires",
    "expires_at": "Token expires",
    "claims": "Claims",
    "certificate_subject": "Certificate subject",
    "certificate_expires_at": "Certificate expires",
    "server_version": "Server version",
    "server_health": "Server health",
    "health": "Server health",
    "can_create": "May create objects",
    "create_right": "May create objects",
    "is_privileged": "Privileged user",
    "privileged": "Privileged user",
    "refresh_state": "Token refresh",
    "next_refresh_at": "Next refresh",
    "last_error": "Last sign-in error",
}
SECRET_FIELDS = frozenset({"access_token", "token", "refresh_token", "id_token", "password"})


def whoami_fields(whoami: Any) -> dict[str, Any]:
    """The WhoAmI as a plain dict, whatever its shape (pydantic, dataclass, mapping)."""
    if whoami is None:
        return {}
    if hasattr(whoami, "model_dump"):
        return whoami.model_dump()
    if dataclasses.is_dataclass(whoami):
        return dataclasses.asdict(whoami)
    if isinstance(whoami, dict):
        return dict(whoami)
    return {k: v for k, v in vars(whoami).items() if not k.startswith("_")}


def whoami_rows(whoami: Any, now: datetime) -> Iterator[tuple[str, str]]:
    """(label, value) rows; datetimes get a countdown; secrets are never shown."""
    for key, value in whoami_fields(whoami).items():
        if key in SECRET_FIELDS or value in (None, "", [], {}):
            continue
        label = FIELD_LABELS.get(key, key.replace("_", " ").capitalize())
        if isinstance(value, dict):
            for sub_key, sub_value in sorted(value.items()):
                yield f"{label}: {sub_key}", str(sub_value)
            continue
        if isinstance(value, datetime):
            left = format_time_left(value, now)
            text = value.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
            value = f"{text} ({left} left)" if left and left != "expired" else f"{text} ({left or 'no expiry'})"
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, (list, tuple)):
            value = ", ".join(map(str, value))
        yield label, str(value)


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
            yield Static("Not connected yet. Ctrl+O to connect.", id="whoami-status")
            table = DataTable(id="whoami-table", cursor_type="row", show_header=False, zebra_stripes=True)
            table.add_columns("Field", "Value")
            yield table

    def on_mount(self) -> None:
        self.watch(self.app, "whoami_data", self.show_whoami, init=True)

    def show_whoami(self, whoami: Any) -> None:
        table = self.query_one("#whoami-table", DataTable)
        table.clear()
        status = self.query_one("#whoami-status", Static)
        if whoami is None:
            services = getattr(self.app, "services", None)
            status.update(f"Asking {services.server_url}…" if services else "Not connected yet. Ctrl+O to connect.")
            return
        status.update("")
        for label, value in whoami_rows(whoami, self.app.clock()):
            table.add_row(label, value)

    def action_refresh(self) -> None:
        self.app.refresh_whoami()
