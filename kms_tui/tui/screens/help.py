"""F1 / ? help: the bindings of the screen underneath, with their ids for remapping.

One scrollable text, so it reads to its last line at 80×24 and 60×20: each key with its
action's title, then what it does, wrapped (never cut), and the id to remap it with.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from kms_tui.tui.widgets.vim import vim_bindings


def screen_bindings(screen: Screen) -> list[tuple[str, str, str, str]]:
    """(keys, description, tooltip, id) of every console binding active on ``screen``, app ones included."""
    rows: dict[tuple[str, str], tuple[str, str, str, str]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description or not binding.id:
            continue  # widgets' built-in scrolling keys have no id: not ours to document
        keys = screen.app.get_key_display(binding)
        slot = (binding.action, binding.description)
        if slot in rows:  # several keys for one action: show them together
            keys = f"{rows[slot][0]}, {keys}"
        rows[slot] = (keys, binding.description, binding.tooltip or "", binding.id or "")
    return list(rows.values())


def help_table(rows: list[tuple[str, str, str, str]]) -> Table:
    """Key | action title, what it does (wrapped) and the keymap id, one row per binding."""
    table = Table.grid(padding=(0, 2), expand=True)
    table.add_column("Key", no_wrap=True, style="bold")
    table.add_column("What it does", ratio=1, overflow="fold")
    for keys, action, tooltip, binding_id in rows:
        text = Text(action, style="bold")
        if tooltip and tooltip.rstrip(".") != action:
            text.append(f" — {tooltip}")
        text.append(f"  [{binding_id}]", style="dim")
        table.add_row(Text(keys), text)
    return table


class HelpScreen(ModalScreen[None]):
    """Lists the current screen's bindings; escape, q, ? or F1 closes; the text scrolls."""

    DEFAULT_CLASSES = "kms-modal"
    BINDINGS = [
        Binding("escape,f1,q,question_mark", "close", "Close help", tooltip="Back to the screen.", id="help-close"),
        *vim_bindings("help"),
    ]

    def __init__(self, target: Screen) -> None:
        super().__init__()
        self.target = target
        self.rows: list[tuple[str, str, str, str]] = []

    def compose(self) -> ComposeResult:
        title = getattr(self.target, "HELP_TITLE", None) or type(self.target).__name__
        with Vertical(classes="modal-body help"):
            yield Static(f"Keys on {title}  (↑↓ PgUp PgDn scroll, esc closes)", classes="modal-title", markup=False)
            with VerticalScroll(id="help-scroll"):
                intro = getattr(self.target, "HELP_TEXT", "")
                if intro:
                    yield Static(intro, id="help-intro", markup=False)
                self.rows = screen_bindings(self.target)
                yield Static(help_table(self.rows), id="help-bindings")
                yield Static('Remap any key in settings.toml: [keymap] <id> = "<keys>"', classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#help-scroll", VerticalScroll).focus()

    def action_vim_move(self, where: str) -> None:
        scroll = self.query_one("#help-scroll", VerticalScroll)
        {"down": scroll.scroll_down, "up": scroll.scroll_up, "top": scroll.scroll_home, "bottom": scroll.scroll_end}[
            where
        ](animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
