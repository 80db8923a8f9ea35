"""'Discard changes?': what would be lost, with keeping the edits as the default answer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

# what the user was doing: (the discard button, what that does to the edits)
LEAVING = {
    "quit": ("Discard and quit", "Quitting throws them away."),
    "close": ("Discard and close", "Closing throws them away."),
    "reload": ("Discard and reload", "Reloading the file from disk throws them away."),
    "leave": ("Discard and leave", "Leaving throws them away."),
}


class DiscardModal(ModalScreen[bool]):
    """True to discard the edits and go on; False (escape, enter on Keep editing) to stay.

    No single letter discards: a key typed by mistake must never throw edits away."""

    DEFAULT_CLASSES = "kms-modal"
    BINDINGS = [
        Binding("escape", "keep", "Keep editing", tooltip="Go back to your edits.", id="discard-keep"),
        Binding("left,right", "app.focus_next", "Move", show=False, id="discard-move"),
    ]
    DEFAULT_CSS = """
    DiscardModal .modal-body { width: 80%; max-width: 76; border: thick $warning; }
    DiscardModal #discard-what { margin-bottom: 1; }
    """

    def __init__(self, lost: list[str], leaving: str = "leave") -> None:
        super().__init__()
        self.lost = lost
        self.leaving = leaving if leaving in LEAVING else "leave"

    def compose(self) -> ComposeResult:
        button, consequence = LEAVING[self.leaving]
        with Vertical(classes="modal-body"):
            yield Static("Discard changes?", classes="modal-title")
            yield Static("\n".join(self.lost), id="discard-what", markup=False)
            yield Static(consequence, id="discard-consequence")
            with Horizontal(classes="modal-buttons"):
                yield Button("Keep editing", id="keep", variant="primary")
                yield Button(button, id="discard", variant="error")

    def on_mount(self) -> None:
        self.query_one("#keep", Button).focus()  # enter keeps the edits

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "discard")

    def action_keep(self) -> None:
        self.dismiss(False)
