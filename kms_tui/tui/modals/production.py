"""Type the profile's name: the extra step before a change on a profile marked production
(switching the console to write mode, revoke, destroy, taking rights away)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from kms_tui.safetext import visible


class ProductionConfirmModal(ModalScreen[bool]):
    """Dismisses with True only when the profile's exact name was typed; escape cancels."""

    DEFAULT_CLASSES = "kms-modal"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without doing anything.", id="production-cancel"),
        Binding(
            "ctrl+s", "confirm", "Confirm", tooltip="Go ahead once the profile name is typed.", id="production-confirm"
        ),
    ]

    def __init__(self, profile: str, what: str) -> None:
        super().__init__()
        self.profile = profile
        self.what = what

    def compose(self) -> ComposeResult:
        name = visible(self.profile)
        with Vertical(classes="modal-body"):
            yield Static(Text(f" PRODUCTION {name} ", style="bold"), classes="modal-title production-title")
            yield Static(
                Text(f"{self.what} on the production profile {name}.\nType the profile name to confirm."),
                id="production-question",
            )
            yield Input(placeholder=name, compact=True, id="production-name")
            yield Static("", id="production-problem", classes="form-warning")
            with Horizontal(classes="modal-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Confirm (ctrl+s)", id="confirm", variant="error")

    def on_mount(self) -> None:
        self.query_one("#production-name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_confirm()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "confirm":
            self.action_confirm()
        else:
            self.dismiss(False)

    def action_confirm(self) -> None:
        if self.query_one("#production-name", Input).value.strip() == self.profile:
            self.dismiss(True)
            return
        self.query_one("#production-problem", Static).update(
            Text(f"Type {visible(self.profile)} exactly (or escape to cancel).")
        )

    def action_cancel(self) -> None:
        self.dismiss(False)
