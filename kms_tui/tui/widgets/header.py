"""The console header: profile, effective user, sign-in method, token time left, warnings."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from kms_tui.safetext import visible

if TYPE_CHECKING:
    from textual import getters

    from kms_tui.tui.app import KmsConsole


def format_time_left(expires_at: datetime | None, now: datetime) -> str:
    """'12m 03s' style countdown; 'expired' once past; '' when the token never expires."""
    if expires_at is None:
        return ""
    seconds = int((expires_at - now).total_seconds())
    if seconds <= 0:
        return "expired"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {secs:02d}s"


class ConsoleHeader(Horizontal):
    """One line on top of every screen; it follows ``app.identity`` (set by the app, never a worker)."""

    if TYPE_CHECKING:  # it runs in the console: its app has the console's methods
        app = getters.app(KmsConsole)

    def compose(self) -> ComposeResult:
        yield Static("kms-tui", id="header-title")
        yield Static("", id="header-identity", markup=False)
        yield Static("", id="header-token")
        yield Static("", id="header-badges")

    def on_mount(self) -> None:
        self.watch(self.app, "identity", lambda _identity: self.refresh_text(), init=True)
        # a tick a second keeps the countdown honest; the clock itself is injectable
        self.set_interval(1.0, self.refresh_text)

    def refresh_text(self) -> None:
        identity = getattr(self.app, "identity", None)
        if identity is None:
            return
        who = " · ".join(visible(part) for part in (identity.profile, identity.user, identity.method) if part)
        self.query_one("#header-identity", Static).update(who)
        title = self.query_one("#header-title", Static)
        title.set_class(identity.production, "-production")
        if identity.production:  # a red banner naming the profile (plain text: a name is never markup)
            mode = " · WRITE MODE" if identity.write_mode else ""  # else the READ-ONLY badge says it
            title.update(Text(f"PRODUCTION {visible(identity.profile)}{mode}"))
        else:
            title.update("kms-tui")
        left = format_time_left(identity.expires_at, self.app.clock()) if identity.expires_at else ""
        self.query_one("#header-token", Static).update(f"token {left}" if left else "")
        badges = []
        if identity.read_only:
            badges.append("[reverse] READ-ONLY [/]")
        if identity.insecure_tls:
            badges.append("[reverse $warning] TLS NOT VERIFIED [/]")
        if identity.session_expired or left == "expired":
            badges.append("[reverse $error] SESSION EXPIRED [/]")
        if identity.connection == "sandbox stopped":
            badges.append("[reverse $error] SANDBOX STOPPED: ctrl+r [/]")
        elif identity.connection == "unreachable":
            badges.append("[reverse $error] NOT CONNECTED [/]")
        self.query_one("#header-badges", Static).update(" ".join(badges))
