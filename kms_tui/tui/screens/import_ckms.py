"""Onboarding, "Use my existing ckms.toml": the ckms files found on this machine, or any file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from kms_tui.safetext import visible
from kms_tui.tui.modals.file_picker import FilePickerModal
from kms_tui.tui.widgets.header import ConsoleHeader
from kms_tui.tui.widgets.vim import VimNavigation, vim_bindings

if TYPE_CHECKING:
    from textual import getters

    from kms_tui.tui.app import KmsConsole

OTHER = "__other__"


def free_name(store, path: Path) -> str:
    """A profile name for ``path`` not yet taken ('ckms.toml' in ~/.cosmian -> 'cosmian')."""
    base = path.stem if path.stem != "ckms" else (path.parent.name.lstrip(".") or "imported")
    base = "".join(c if c.isalnum() or c in "._-" else "-" for c in base)[:60] or "imported"
    name, n = base, 2
    while store.exists(name):
        name, n = f"{base}-{n}", n + 1
    return name


class ImportScreen(VimNavigation, Screen[None]):
    """Pick a discovered ckms.toml (or browse); it is copied into a profile and opened."""

    if TYPE_CHECKING:  # it runs in the console: its app has the console's methods
        app = getters.app(KmsConsole)

    HELP_TITLE = "Import a ckms.toml"
    BINDINGS = [
        Binding("escape", "back", "Back", tooltip="Back to the welcome screen.", id="import-back"),
        *vim_bindings("import"),
    ]

    def compose(self) -> ComposeResult:
        from kms_tui.config import discover_ckms_confs

        found = discover_ckms_confs()
        yield ConsoleHeader()
        with Vertical(id="import-body"):
            yield Static("Use my existing ckms.toml", classes="section-title")
            yield Static(
                "Found on this machine:" if found else "No ckms.toml found ($CKMS_CONF, ~/.cosmian, /etc/cosmian)."
            )
            # Text: a file name is shown as it is (escaped), never read as markup
            options = [Option(Text(visible(f"{conf.path}  ({conf.origin})")), id=str(conf.path)) for conf in found]
            yield OptionList(*options, Option("Another file…", id=OTHER), id="import-choices")
        yield Footer()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == OTHER:
            self.app.push_screen(
                FilePickerModal("Choose a ckms.toml", Path.home()),
                lambda path: self.import_file(path) if path else None,
            )
        else:
            self.import_file(Path(str(event.option.id)))

    def import_file(self, path: Path) -> None:
        """Copy ``path`` into a profile (validated first), make it active, show whoami."""
        from kms_tui.config import ProfileStore

        if self.app.refuse_if_read_only("importing a profile"):
            return
        store = ProfileStore()
        try:
            name = store.import_(path, free_name(store, path))
        except Exception as exc:  # noqa: BLE001 - the file's problems, each with its line
            self.app.report_error(exc, title=f"Cannot use {path}", destructive=True)
            return
        self.app.notify(f"{visible(path)} as profile {name}.", title="Imported", markup=False)
        self.dismiss(None)
        self.app.switch_mode("whoami")
        self.app.switch_profile(name, then_sign_in=False)

    def action_back(self) -> None:
        from kms_tui.tui.screens.onboarding import OnboardingScreen

        self.app.switch_screen(OnboardingScreen())
