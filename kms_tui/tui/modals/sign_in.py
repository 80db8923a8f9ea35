"""Sign in with the active profile's OAuth flow (browser/PKCE, device code, client credentials)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from kms_tui.safetext import visible

if TYPE_CHECKING:
    from textual import getters

    from kms_tui.tui.app import KmsConsole


@dataclass
class SignInProgress(Message):
    """A line to show while signing in (a URL to open, a device code)."""

    text: str
    ask: bool = False  # show the paste box


@dataclass
class SignInDone(Message):
    ok: bool
    text: str = ""


class SignInModal(ModalScreen[bool]):
    """Shows the flow's instructions; closes itself once signed in. Escape cancels."""

    if TYPE_CHECKING:  # it runs in the console: its app has the console's methods
        app = getters.app(KmsConsole)

    DEFAULT_CLASSES = "kms-modal"
    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Stop signing in.", id="sign-in-cancel")]

    def compose(self) -> ComposeResult:
        services = self.app.services
        with Vertical(classes="modal-body sign-in"):
            yield Static(f"Signing in: {services.profile_name if services else ''}", classes="modal-title")
            with VerticalScroll():
                yield Static("", id="sign-in-log", markup=False)
            paste = Input(placeholder="paste the address from the browser here", id="sign-in-paste")
            paste.display = False
            yield paste

    pasted: asyncio.Future[str] | None = None

    def on_mount(self) -> None:
        services = self.app.services
        if services is None:
            self.dismiss(False)
            return
        if not services.http_config.get("oauth2_conf"):
            self.app.notify(
                "This profile's credentials (token or certificate) are sent with every request: "
                "there is nothing to sign in to.",
                title="No sign-in needed",
            )
            self.dismiss(True)
            return
        self.run_flow()

    @work(exclusive=True, exit_on_error=False, group="sign-in")
    async def run_flow(self) -> None:
        services = self.app.services
        if services is None:  # no profile open: nothing to sign in to
            self.dismiss(False)
            return
        from kms_tui.auth.login import sign_in

        try:
            await sign_in(
                services.session,
                "auto",
                show=lambda text: self.post_message(SignInProgress(text)),
                read_line=self.read_pasted_address,
            )
            method = services.session.state.method or ""
        except Exception as exc:  # noqa: BLE001 - shown with its fix
            message = getattr(exc, "message", None) or str(exc)
            fix = getattr(exc, "fix", "") or ""
            self.post_message(SignInDone(False, f"{message}\n{fix}".strip()))
            return
        self.post_message(SignInDone(True, method))

    async def read_pasted_address(self, prompt: str) -> str:
        """The address typed below: the paste flow's, or the browser flow's while it waits (over SSH
        the redirect to this host's loopback port never arrives)."""
        self.pasted = asyncio.get_running_loop().create_future()
        self.post_message(SignInProgress(prompt, ask=True))
        return await self.pasted

    @on(Input.Submitted, "#sign-in-paste")
    def pasted_address(self, event: Input.Submitted) -> None:
        if self.pasted is not None and not self.pasted.done():
            self.pasted.set_result(event.value.strip())
            event.input.clear()  # a refused address is pasted again, not edited

    @on(SignInProgress)
    def progress(self, message: SignInProgress) -> None:
        log = self.query_one("#sign-in-log", Static)
        text = visible(message.text, keep_newlines=True)  # the IdP's and the browser's words
        log.update(f"{log.content}\n{text}".strip() if str(log.content) else text)
        if message.ask:
            field = self.query_one("#sign-in-paste", Input)
            field.placeholder = visible(message.text.strip().rstrip(":"))
            field.display = True
            field.focus()

    @on(SignInDone)
    def done(self, message: SignInDone) -> None:
        if message.ok:
            how = message.text.replace("_", " ")  # device code, authorization code…
            self.app.notify(f"With {how}." if how else "The session is ready.", title="Signed in", markup=False)
            self.app.refresh_whoami()
            self.dismiss(True)
        else:
            self.app.report_error(Exception(message.text), title="Sign-in failed")
            self.dismiss(False)

    def action_cancel(self) -> None:
        self.workers.cancel_group(self, "sign-in")
        self.dismiss(False)
