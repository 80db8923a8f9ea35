"""Sign in with the active profile's method: browser (PKCE), device code, or client credentials."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static


@dataclass
class SignInProgress(Message):
    """A line to show while signing in (a URL to open, a device code)."""

    text: str


@dataclass
class SignInDone(Message):
    ok: bool
    text: str = ""


async def sign_in(session, show) -> str:
    """Run the profile's OAuth flow and hand the tokens to the session; returns the method used."""
    from kms_tui.auth.authcode import login_with_browser
    from kms_tui.auth.device import instructions, poll_for_tokens, start_device_authorization
    from kms_tui.auth.oauth import client_credentials_grant

    profile = session.profile
    conf = profile.oauth_config()
    if profile.flow == "client_credentials":
        tokens, method = await client_credentials_grant(conf), "client_credentials"
    elif profile.flow == "device":
        authorization = await start_device_authorization(conf)
        show(instructions(authorization))
        tokens, method = await poll_for_tokens(conf, authorization), "device_code"
    else:
        tokens = await login_with_browser(conf, show=show, port=profile.redirect_port)
        method = "authorization_code"
    await session.adopt(tokens, method, conf)
    return method


class SignInModal(ModalScreen[bool]):
    """Shows the flow's instructions; closes itself once signed in. Escape cancels."""

    DEFAULT_CLASSES = "kms-modal"
    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Stop signing in.", id="sign-in-cancel")]

    def compose(self) -> ComposeResult:
        services = self.app.services
        with Vertical(classes="modal-body sign-in"):
            yield Static(f"Signing in: {services.profile_name if services else ''}", classes="modal-title")
            with VerticalScroll():
                yield Static("", id="sign-in-log", markup=False)

    def on_mount(self) -> None:
        services = self.app.services
        if services is None:
            self.dismiss(False)
            return
        if not services.http_config.get("oauth2_conf"):
            self.app.notify("This profile's credentials (token or certificate) are sent with every request: "
                            "there is nothing to sign in to.", title="No sign-in needed")
            self.dismiss(True)
            return
        self.run_flow()

    @work(exclusive=True, exit_on_error=False, group="sign-in")
    async def run_flow(self) -> None:
        services = self.app.services
        try:
            method = await sign_in(services.session, lambda text: self.post_message(SignInProgress(text)))
        except Exception as exc:  # noqa: BLE001 - shown with its fix
            message = getattr(exc, "message", None) or str(exc)
            fix = getattr(exc, "fix", "") or ""
            self.post_message(SignInDone(False, f"{message}\n{fix}".strip()))
            return
        self.post_message(SignInDone(True, method))

    @on(SignInProgress)
    def progress(self, message: SignInProgress) -> None:
        log = self.query_one("#sign-in-log", Static)
        log.update(f"{log.content}\n{message.text}".strip() if str(log.content) else message.text)

    @on(SignInDone)
    def done(self, message: SignInDone) -> None:
        if message.ok:
            self.app.notify(f"Signed in ({message.text.replace('_', ' ')}).", title="Signed in")
            self.app.refresh_whoami()
            self.dismiss(True)
        else:
            self.app.report_error(Exception(message.text), title="Sign-in failed")
            self.dismiss(False)

    def action_cancel(self) -> None:
        self.workers.cancel_group(self, "sign-in")
        self.dismiss(False)
