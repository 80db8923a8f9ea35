"""A one-line question (a profile name, an export path); dismisses with the text or None."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from kms_tui.tui.unsaved import FormEdits


class PromptModal(FormEdits, ModalScreen[str | None]):
    """Enter submits (if ``check`` returns no message), escape cancels (asking first when the
    text was changed)."""

    DEFAULT_CLASSES = "kms-modal"
    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without doing anything.", id="prompt-cancel")]

    def __init__(
        self, question: str, *, value: str = "", placeholder: str = "", check: Callable[[str], str | None] | None = None
    ) -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.placeholder = placeholder
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body"):
            yield Static(self.question, classes="modal-title")
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")
            yield Static("", id="prompt-problem", classes="problem")
            yield Static("enter: OK · escape: cancel", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        problem = self.check(value) if self.check else (None if value else "Please type a value.")
        if problem:
            self.query_one("#prompt-problem", Static).update(problem)
            return
        self.dismiss(value)

    def describe_changes(self, changed: list[str]) -> str:
        return f"Your answer to “{self.question}” is not saved."

    def action_cancel(self) -> None:
        self.close_form()
