"""F1 help: the bindings of the screen underneath, with their ids for remapping."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from kms_tui.tui.widgets.vim import VimNavigation, vim_bindings
from textual.widgets import DataTable, Static


def screen_bindings(screen: Screen) -> list[tuple[str, str, str, str]]:
    """(keys, description, tooltip, id) of every console binding active on ``screen``, app ones included."""
    rows: dict[tuple[str, str], tuple[str, str, str, str]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not binding.description or not binding.id:
            continue  # widgets' built-in scrolling keys have no id: not ours to document
        keys = screen.app.get_key_display(binding)
        slot = (binding.action, binding.description)
        if slot in rows:  # several keys for one action: show them together
            keys = f"{rows[slot][0]}, {keys}"
        rows[slot] = (keys, binding.description, binding.tooltip or "", binding.id or "")
    return list(rows.values())


class HelpScreen(VimNavigation, ModalScreen[None]):
    """Lists the current screen's bindings; escape or F1 closes."""

    DEFAULT_CLASSES = "kms-modal"
    BINDINGS = [
        Binding("escape,f1,q", "close", "Close help", tooltip="Back to the screen.", id="help-close"),
        *vim_bindings("help"),
    ]

    def __init__(self, target: Screen) -> None:
        super().__init__()
        self.target = target

    def compose(self) -> ComposeResult:
        title = getattr(self.target, "HELP_TITLE", None) or type(self.target).__name__
        with Vertical(classes="modal-body help"):
            yield Static(f"Keys on {title}", classes="modal-title")
            intro = getattr(self.target, "HELP_TEXT", "")
            if intro:
                yield Static(intro, id="help-intro")
            table = DataTable(id="help-bindings", cursor_type="row", zebra_stripes=True)
            table.add_columns("Key", "Action", "Id (for keymap)", "What it does")
            for keys, action, tooltip, binding_id in screen_bindings(self.target):
                table.add_row(keys, action, binding_id, tooltip)
            yield table
            yield Static("Remap any key in settings.toml: \\[keymap] <id> = \"<keys>\"", classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)
