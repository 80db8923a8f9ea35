"""A yes/no confirmation used before every destructive action."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmationModal(ModalScreen[bool]):
    """Ask ``question``; dismiss with True (confirm) or False (cancel, escape)."""

    DEFAULT_CLASSES = "kms-modal"
    BINDINGS = [
        Binding("escape,n", "cancel", "Cancel", tooltip="Close without doing anything.", id="confirm-cancel"),
        Binding("y", "confirm", "Confirm", tooltip="Go ahead with the action.", id="confirm-accept"),
        Binding("left,right,h,l", "move_focus", "Move", show=False, id="confirm-move"),
    ]

    def __init__(
        self, question: str, *, confirm_label: str = "Confirm", title: str = "Please confirm", destructive: bool = True
    ) -> None:
        super().__init__()
        self.question = question
        self.confirm_label = confirm_label
        self.title_text = title
        self.destructive = destructive

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body"):
            yield Static(self.title_text, classes="modal-title")
            yield Static(self.question, id="confirm-question")
            with Horizontal(classes="modal-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(
                    f"{self.confirm_label} (y)", id="confirm", variant="error" if self.destructive else "primary"
                )

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()  # the safe choice has focus

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_move_focus(self) -> None:
        self.focus_next()
