"""The error modal: what happened and what to do, from a client error."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from kms_tui.safetext import visible


def describe_error(error: BaseException) -> tuple[str, str]:
    """(message, fix) for any exception: the client's ``KmsError`` carries both."""
    message = str(getattr(error, "message", None) or str(error) or type(error).__name__)
    problems = getattr(error, "problems", None) or []  # a ConfigError: every problem with its line
    if problems:
        message += "\n" + "\n".join(f"  {problem}" for problem in problems)
    fix = getattr(error, "fix", None) or ""
    # the text may quote a server's answer or a file: shown escaped, never as terminal controls
    return visible(message, keep_newlines=True), visible(fix)


class ErrorModal(ModalScreen[None]):
    """Shows an error's message and fix; any of enter/escape/q closes, ``c`` copies the text."""

    DEFAULT_CLASSES = "kms-modal"
    BINDINGS = [
        Binding("escape,enter,q", "close", "Close", tooltip="Close this message.", id="error-close"),
        Binding("c", "copy", "Copy", tooltip="Copy the message and fix to the clipboard.", id="error-copy"),
    ]

    def __init__(
        self,
        error: BaseException | None = None,
        *,
        title: str = "Something went wrong",
        message: str = "",
        fix: str = "",
    ) -> None:
        super().__init__()
        if error is not None:
            message, fix = describe_error(error)
        self.title_text = title
        self.message = message
        self.fix = fix

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body error"):
            yield Static(self.title_text, classes="modal-title")
            # a long message scrolls between the title and the button, which both stay in view
            with VerticalScroll(id="error-text"):
                yield Static(self.message, id="error-message", markup=False)
                if self.fix:
                    yield Static(f"What to do: {self.fix}", id="error-fix", markup=False)
            with Horizontal(classes="modal-buttons"):
                yield Button("Close", id="close", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_copy(self) -> None:
        # OSC 52 works over SSH and tmux, where desktop clipboards don't
        self.app.copy_to_clipboard(f"{self.message}\n{self.fix}".strip())
        self.app.notify("Copied the error to the clipboard.")
