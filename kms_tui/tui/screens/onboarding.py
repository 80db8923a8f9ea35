"""First start (and Ctrl+O any time): try the sandbox, connect to a server, or import a ckms.toml."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from kms_tui.tui.widgets.header import ConsoleHeader
from kms_tui.tui.widgets.vim import VimNavigation, vim_bindings

if TYPE_CHECKING:
    from textual import getters

    from kms_tui.tui.app import KmsConsole

CHOICES = (
    ("sandbox", "Try the local sandbox", "Starts a local KMS on this machine. Nothing to set up."),
    ("connect", "Connect to a server", "Your Cosmian KMS: URL, connection check, sign-in."),
    ("import", "Use my existing ckms.toml", "Import a ckms configuration file found on this machine."),
)


class OnboardingScreen(VimNavigation, Screen):
    """Three choices; the sandbox is the default (enter)."""

    if TYPE_CHECKING:  # it runs in the console: its app has the console's methods
        app = getters.app(KmsConsole)

    HELP_TITLE = "Welcome"
    BINDINGS = [
        Binding("escape", "dismiss_screen", "Back", tooltip="Close this screen.", id="onboarding-back"),
        *vim_bindings("onboarding"),
    ]

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        with Vertical(id="onboarding-body"):
            yield Static("Welcome to kms-tui", classes="section-title")
            yield Static("How do you want to start?")
            yield OptionList(
                *[Option(f"{title}\n  {help_text}", id=key) for key, title, help_text in CHOICES],
                id="onboarding-choices",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        choice = event.option.id
        if choice == "sandbox":
            self.leave()
            self.app.start_sandbox()
        elif choice == "connect":
            from kms_tui.tui.screens.connect import ConnectScreen

            self.app.switch_screen(ConnectScreen())
        elif choice == "import":
            from kms_tui.tui.screens.import_ckms import ImportScreen

            self.app.switch_screen(ImportScreen())

    def action_dismiss_screen(self) -> None:
        self.leave()

    def leave(self) -> None:
        """Close this screen; on first start nothing is under it yet, so go to the whoami screen."""
        self.dismiss(None)
        if self.app.current_mode == "_default":  # Textual's mode before any switch_mode
            self.app.switch_mode("whoami")
