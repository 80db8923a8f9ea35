"""Onboarding, "Connect to a server": URL and TLS, a connection check, then the sign-in setup."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static, Switch

from kms_tui.safetext import mask_url, visible
from kms_tui.tui.connection_check import CheckResult, check_connection
from kms_tui.tui.modals.error import describe_error
from kms_tui.tui.unsaved import FormEdits
from kms_tui.tui.widgets.header import ConsoleHeader

if TYPE_CHECKING:
    from textual import getters

    from kms_tui.tui.app import KmsConsole


@dataclass
class ConnectionChecked(Message):
    result: CheckResult


MESSAGE_LINES = 3  # an error's message at most this many lines (80x24: the fix stays on screen)
MESSAGE_CHARS = 240
_HTML = re.compile(r"<(!doctype|html|head|body)\b", re.IGNORECASE)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def without_html(text: str) -> str:
    """A message that quotes an HTML page (a proxy's or a web server's error page) with the page
    replaced by its title: the operator sees the status and the title, never the markup."""
    found = _HTML.search(text)
    if found is None:
        return text
    title = _TITLE.search(text)
    named = " ".join(title.group(1).split()) if title else ""
    before = text[: found.start()].rstrip().rstrip(":").rstrip()
    shown = f"{before} (an HTML page{': ' + named if named else ''})"
    return shown + ")" * max(before.count("(") - before.count(")"), 0)  # a bracket the page sat in


def shorten(text: str, lines: int = MESSAGE_LINES, chars: int = MESSAGE_CHARS) -> str:
    """``text`` cut to ``lines`` lines and ``chars`` characters, with an ellipsis when cut."""
    kept = text.strip().splitlines()[:lines]
    cut = "\n".join(kept)
    if len(cut) > chars:
        cut = cut[: chars - 1].rstrip()
    return cut + "…" if cut != text.strip() else cut


def result_lines(result: CheckResult) -> list[str]:
    """What the check found, every outside text escaped (server answers, certificate fields)."""
    tls = [visible(line) for line in result.tls]
    if result.error is None:  # result.ok
        warnings = [visible(line) for line in result.links if line.startswith("!")]  # works, but…
        return [
            f"✓ {mask_url(result.url)} answers",
            f"version: {visible(result.version)}",
            f"health: {visible(result.health)}",
            *warnings,
            *tls,
        ]
    text, fix = describe_error(result.error)  # already escaped
    return [f"✗ {shorten(without_html(text))}", *([f"What to do: {shorten(fix, 3)}"] if fix else []), *tls]


def suggested_name(url: str) -> str:
    """A profile name from the host ('kms.example.com' -> 'kms-example-com')."""
    host = urlsplit(url).hostname or "server"
    return host.replace(".", "-")[:64]


class ConnectScreen(FormEdits, Screen[None]):
    """Step 1 of connecting: where the server is and whether it answers. Opens with the URL
    field focused; escape asks before throwing away what was typed."""

    if TYPE_CHECKING:  # it runs in the console: its app has the console's methods
        app = getters.app(KmsConsole)

    AUTO_FOCUS = "#connect-url"

    HELP_TITLE = "Connect to a server"
    HELP_TEXT = "Type the KMS URL and press enter: kms-tui asks /version and /health before going on."
    BINDINGS = [
        Binding("escape", "back", "Back", tooltip="Back to the welcome screen.", id="connect-back"),
        Binding("ctrl+n", "next", "Next", tooltip="Go on to the sign-in setup.", id="connect-next"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.result: CheckResult | None = None

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        with VerticalScroll(id="connect-body"):
            yield Static("Connect to a server", classes="section-title")
            yield Label("Server URL")
            yield Input(placeholder="https://kms.example.com:9998", id="connect-url")
            with Horizontal(classes="switch-row"):
                yield Switch(False, id="connect-insecure")
                yield Label("Accept invalid certificates (test servers only)")
            yield Label("Trusted CA certificate file (empty: system roots)")
            yield Input(placeholder="/path/to/ca.pem", id="connect-ca")
            with Horizontal(classes="modal-buttons"):
                yield Button("Check connection", id="connect-check", variant="primary")
                yield Button("Next: sign-in (ctrl+n)", id="connect-next", disabled=True)
            yield Static("", id="connect-result", markup=False)
        yield Footer()

    def http_config(self) -> dict:
        from kms_tui.tui.signin_model import verified_cert_value

        config: dict = {"server_url": self.query_one("#connect-url", Input).value.strip().rstrip("/")}
        if self.query_one("#connect-insecure", Switch).value:
            config["accept_invalid_certs"] = True
        ca = self.query_one("#connect-ca", Input).value.strip()
        if ca:
            config["verified_cert"] = verified_cert_value(ca)
        return config

    @on(Input.Submitted)
    @on(Button.Pressed, "#connect-check")
    def start_check(self) -> None:
        config = self.http_config()
        if not config["server_url"].startswith(("http://", "https://")):
            self.query_one("#connect-result", Static).update(
                "✗ The URL must start with http:// or https:// (for example https://kms.example.com:9998)."
            )
            return
        self.query_one("#connect-result", Static).update(f"Checking {mask_url(config['server_url'])}…")
        self.query_one("#connect-next", Button).disabled = True
        self.run_check(config)

    @work(exclusive=True, exit_on_error=False, group="connect-check")
    async def run_check(self, config: dict) -> None:
        self.post_message(ConnectionChecked(await check_connection(config)))

    @on(ConnectionChecked)
    def show_result(self, message: ConnectionChecked) -> None:
        self.result = result = message.result
        shown = self.query_one("#connect-result", Static)
        shown.update("\n".join(result_lines(result)))
        self.call_after_refresh(shown.scroll_visible, animate=False)  # the verdict and its fix on screen
        self.query_one("#connect-next", Button).disabled = not result.ok
        if result.ok:
            self.query_one("#connect-next", Button).focus()

    @on(Button.Pressed, "#connect-next")
    def action_next(self) -> None:
        if self.result is None or not self.result.ok:
            self.app.notify("Check the connection first (enter in the URL field).")
            return
        if self.app.refuse_if_read_only("saving a new profile"):
            return
        from kms_tui.config import ProfileDocument
        from kms_tui.tui.screens.signin_form import SignInFormScreen

        config = self.http_config()
        document = ProfileDocument.new(config["server_url"])
        for key, value in config.items():
            document.set(f"http_config.{key}", value)
        form = SignInFormScreen(
            server_url=config["server_url"], document=document, suggested_name=suggested_name(config["server_url"])
        )
        self.app.push_screen(form, self.after_form)

    def after_form(self, name: str | None) -> None:
        if not name:
            return
        self.dismiss(None)
        self.app.switch_mode("whoami")
        self.app.switch_profile(name, then_sign_in=True)

    def edits_title(self) -> str:
        return "The connect form"

    def action_back(self) -> None:
        from kms_tui.tui.screens.onboarding import OnboardingScreen

        self.app.confirm_discard([self], "leave", lambda: self.app.switch_screen(OnboardingScreen()))
