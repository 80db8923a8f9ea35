"""A fake terminal (what the user reads) and a browser played with httpx."""

from __future__ import annotations

import asyncio
import re
import stat
from pathlib import Path

import httpx
import pytest
from keyring.backend import KeyringBackend

URL = re.compile(r"https?://\S+")


class Terminal:
    """Collects what sign-in shows the user; `url()` waits for the first address shown."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._url: asyncio.Future[str] | None = None

    def show(self, text: str) -> None:
        self.lines.append(text)
        self._match(text)

    def _match(self, text: str) -> None:
        match = URL.search(text)
        if match and self._url is not None and not self._url.done():
            self._url.set_result(match.group(0))

    async def url(self, timeout: float = 10) -> str:
        """The first address shown (waits for it)."""
        if self._url is None:
            self._url = asyncio.get_running_loop().create_future()
            for line in list(self.lines):
                self._match(line)
        return await asyncio.wait_for(self._url, timeout)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


async def browse(url: str, *, follow: bool = True) -> httpx.Response:
    """The user's browser opening `url` (in a thread: the app's loop keeps serving)."""
    return await asyncio.to_thread(httpx.get, url, follow_redirects=follow, timeout=10)


async def ended_on(url: str) -> str:
    """The address the user's browser ends on (the IdP's redirect, not followed: nothing listens there)."""
    return (await browse(url, follow=False)).headers["location"]


def assert_closed(port: int) -> None:
    """The loopback listener no longer answers on `port`."""
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/authorization?code=x&state=y", timeout=2)


def exchanges(idp) -> int:
    """Authorization codes redeemed at the IdP (it signs an access and an ID token per exchange)."""
    signed = [e for e in idp.wait_events("token", 2) if e["grant_type"] == "authorization_code"]
    assert len(signed) % 2 == 0, signed
    return len(signed) // 2


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def login_via_loopback(session, **kwargs):
    """Sign `session` in through the real loopback redirect of a no-login-page IdP (the mock)."""
    from kms_tui.auth.login import sign_in

    term = Terminal()
    login = asyncio.create_task(sign_in(session, "browser", show=term.show, browser=False, **kwargs))
    await browse(await term.url())
    return await login


class MemoryKeyring(KeyringBackend):
    """A keyring backend holding entries in memory (stands in for Secret Service)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.entries.get((service, username))

    def set_password(self, service, username, password):
        self.entries[(service, username)] = password

    def delete_password(self, service, username):
        del self.entries[(service, username)]
