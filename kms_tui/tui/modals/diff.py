"""Shows what a save will change (a unified diff) and asks before writing."""

from __future__ import annotations

import difflib

from rich.syntax import Syntax
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static


def unified_diff(before: str, after: str, name: str) -> str:
    """The change from ``before`` to ``after`` as a unified diff ('' when nothing changes)."""
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"{name} (on disk)",
            tofile=f"{name} (edited)",
        )
    )


class DiffModal(ModalScreen[bool]):
    """True to save, False to keep editing."""

    DEFAULT_CLASSES = "kms-modal"
    BINDINGS = [
        Binding("escape,n", "cancel", "Keep editing", tooltip="Go back without saving.", id="diff-cancel"),
        Binding(
            "y,ctrl+s", "save", "Save", tooltip="Write the file (the old one is kept as a backup).", id="diff-save"
        ),
    ]

    def __init__(self, diff: str, *, title: str = "Save these changes?") -> None:
        super().__init__()
        self.diff = diff
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body diff"):
            yield Static(self.title_text, classes="modal-title")
            with VerticalScroll(id="diff-view"):
                yield Static(
                    Syntax(self.diff or "(no change)", "diff", theme="ansi_dark", word_wrap=True), id="diff-text"
                )
            with Horizontal(classes="modal-buttons"):
                yield Button("Keep editing", id="cancel")
                yield Button("Save (y)", id="save", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "save")

    def action_save(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
