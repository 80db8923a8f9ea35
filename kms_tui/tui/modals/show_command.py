"""`!`: the action as a kms-tui command, a ckms 5.26 command and the KMIP JSON (secrets masked),
each copied with one key (OSC 52: works over SSH)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from kms_tui.safetext import visible
from kms_tui.tui.show_command import Equivalent, copy_text


class ShowCommandModal(ModalScreen[None]):
    """Shows an :class:`Equivalent`; k, c, j copy its three forms; escape closes."""

    DEFAULT_CLASSES = "kms-modal"
    BINDINGS = [
        Binding("escape,q", "close", "Close", tooltip="Close.", id="show-command-close"),
        Binding(
            "k",
            "copy('kms-tui')",
            "Copy kms-tui",
            tooltip="Copy the kms-tui command (OSC 52).",
            id="show-command-copy-kms-tui",
        ),
        Binding(
            "c",
            "copy('ckms')",
            "Copy ckms",
            tooltip="Copy the ckms 5.26 command (OSC 52).",
            id="show-command-copy-ckms",
        ),
        Binding(
            "j",
            "copy('kmip')",
            "Copy JSON",
            tooltip="Copy the KMIP JSON, secrets masked (OSC 52).",
            id="show-command-copy-kmip",
        ),
    ]
    DEFAULT_CSS = """
    ShowCommandModal .show-command-body { width: 90%; max-width: 100; height: 90%; border: thick $primary;
        background: $surface; padding: 0 1; }
    ShowCommandModal .show-command-label { text-style: bold; color: $accent; }
    ShowCommandModal #show-command-kmip { height: 1fr; }
    ShowCommandModal .show-command-keys { color: $text-muted; }
    """

    def __init__(self, equivalent: Equivalent) -> None:
        super().__init__()
        self.equivalent = equivalent

    def compose(self) -> ComposeResult:
        e = self.equivalent
        with Vertical(classes="show-command-body"):
            yield Static(Text(visible(e.title), style="bold"))
            for (label, text), key in zip(e.sections(), ("k", "c", "j"), strict=False):  # a section may be absent
                yield Static(Text(f"{label}  ({key} copies)"), classes="show-command-label")
                shown = Static(Text(visible(text, keep_newlines=True)), id=f"show-command-{key}")
                if key == "j":
                    with VerticalScroll(id="show-command-kmip"):
                        yield shown
                else:
                    yield shown
            yield Static("k · c · j copy (OSC 52) · escape closes · secrets are masked", classes="show-command-keys")

    def action_copy(self, which: str) -> None:
        text = copy_text(self.equivalent, which)
        if not text:
            self.notify("ckms 5.26 has no command for this.", severity="warning")
            return
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied the {'KMIP JSON' if which == 'kmip' else which + ' command'}.")

    def action_close(self) -> None:
        self.dismiss(None)
