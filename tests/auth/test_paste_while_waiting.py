"""The browser sign-in also takes the address the browser ended on, pasted while the listener waits.

Over SSH the browser runs on another machine: its redirect to 127.0.0.1 never reaches us, so the
user pastes it. Whichever answer comes first wins; the other is cancelled and the listener closed.
"""

from __future__ import annotations

import asyncio
import os

import pytest
import tomlkit

from kms_tui.auth.authcode import PASTE_AGAIN, PASTE_PROMPT
from kms_tui.auth.errors import LoginTimeout
from kms_tui.auth.login import sign_in
from kms_tui.auth.session import Session
from kms_tui.auth.tokens import jwt_claims_unverified
from kms_tui.commands.login import sign_in_from_terminal
from tests.auth.conftest import load_profile, write_profile
from tests.auth.helpers import Terminal, assert_closed, browse, ended_on, exchanges

STATE_REFUSED = "does not match this request (wrong or missing state)"


class TypedTerminal:
    """stdin as `kms-tui login` sees it in a terminal: a pipe whose isatty() says yes (or no)."""

    def __init__(self, tty: bool = True) -> None:
        self._read, self._write = os.pipe()
        self.tty = tty

    def fileno(self) -> int:
        return self._read

    def isatty(self) -> bool:
        return self.tty

    def paste(self, *lines: str) -> None:
        os.write(self._write, "".join(line + "\n" for line in lines).encode())

    def end(self) -> None:
        """Ctrl-D: nothing more will be pasted."""
        if self._write >= 0:
            os.close(self._write)
            self._write = -1

    def close(self) -> None:
        self.end()
        os.close(self._read)


@pytest.fixture
def typed():
    term = TypedTerminal()
    yield term
    term.close()


class Prompts:
    """A console-like paste box: records each prompt, hands out what the test pastes."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.lines: asyncio.Queue[str] = asyncio.Queue()
        self.cancelled = False

    async def read_line(self, prompt: str) -> str:
        self.asked.append(prompt)
        try:
            return await self.lines.get()
        except asyncio.CancelledError:
            self.cancelled = True
            raise


def stored_token(path) -> str | None:
    return tomlkit.parse(path.read_text())["http_config"].get("access_token")


async def test_a_wrong_state_is_refused_then_the_right_address_signs_in(tmp_path, mock_idp, redirect_port):
    conf = write_profile(tmp_path / "ckms.toml", mock_idp)
    session = Session(load_profile(conf))
    term, box = Terminal(), Prompts()
    login = asyncio.create_task(sign_in(session, "browser", show=term.show, read_line=box.read_line, browser=False))
    redirect = await ended_on(await term.url())
    assert box.asked == [PASTE_PROMPT]

    await box.lines.put(redirect.replace("state=", "state=forged"))
    while len(box.asked) < 2:
        await asyncio.sleep(0.01)
    assert STATE_REFUSED in term.text and box.asked[1] == PASTE_AGAIN  # told, and asked again
    assert not login.done() and mock_idp.events("token") == []  # the forged code was not redeemed

    await box.lines.put(redirect)
    tokens = await asyncio.wait_for(login, 30)
    assert stored_token(conf) == tokens.id_token
    assert jwt_claims_unverified(tokens.id_token)["email"] == "alice@example.com"
    assert exchanges(mock_idp) == 1
    assert_closed(redirect_port)


async def test_an_error_pasted_is_explained_and_the_browser_can_still_answer(tmp_path, mock_idp, redirect_port):
    conf = write_profile(tmp_path / "ckms.toml", mock_idp)
    session = Session(load_profile(conf))
    term, box = Terminal(), Prompts()
    login = asyncio.create_task(sign_in(session, "browser", show=term.show, read_line=box.read_line, browser=False))
    url = await term.url()
    mock_idp.command("authorize_error", error="access_denied")
    await box.lines.put(await ended_on(url))  # the IdP refused this attempt: error=access_denied
    while len(box.asked) < 2:
        await asyncio.sleep(0.01)
    assert "refused the sign-in: access_denied" in term.text and not login.done()

    page = await browse(url)  # the user tries again in the browser, whose redirect does arrive
    tokens = await asyncio.wait_for(login, 30)
    assert "close this window" in page.text and stored_token(conf) == tokens.id_token
    assert box.cancelled  # the paste box stopped waiting
    assert exchanges(mock_idp) == 1
    assert_closed(redirect_port)


async def test_the_terminal_paste_signs_in_once_and_closes_the_listener(
    tmp_path, mock_idp, redirect_port, typed, capsys
):
    conf = write_profile(tmp_path / "ckms.toml", mock_idp)
    session = Session(load_profile(conf))
    login = asyncio.create_task(sign_in_from_terminal(session, "browser", stdin=typed, browser=False))
    url = None
    while url is None:
        await asyncio.sleep(0.02)
        shown = capsys.readouterr().err
        url = next((w for w in shown.split() if w.startswith("http")), None)
    redirect = await ended_on(url)
    typed.paste(redirect.replace("state=", "state=forged"), redirect)  # a stale tab first, then the right one
    tokens = await asyncio.wait_for(login, 30)
    shown += capsys.readouterr().err
    assert PASTE_PROMPT in shown and STATE_REFUSED in shown and PASTE_AGAIN in shown
    assert stored_token(conf) == tokens.id_token and session.state.status == "signed_in"
    assert exchanges(mock_idp) == 1
    assert_closed(redirect_port)
    assert tokens.id_token not in shown and tokens.refresh_token not in shown


async def test_the_browser_answering_first_cancels_the_terminal_prompt(
    tmp_path, mock_idp, redirect_port, typed, capsys
):
    conf = write_profile(tmp_path / "ckms.toml", mock_idp)
    session = Session(load_profile(conf))
    login = asyncio.create_task(sign_in_from_terminal(session, "browser", stdin=typed, browser=False))
    while "http" not in (shown := capsys.readouterr().err):
        await asyncio.sleep(0.02)
    url = next(w for w in shown.split() if w.startswith("http"))
    await browse(url)
    tokens = await asyncio.wait_for(login, 30)
    assert stored_token(conf) == tokens.id_token
    assert exchanges(mock_idp) == 1
    assert_closed(redirect_port)
    typed.paste("typed after signing in")  # nobody reads stdin any more: the line stays in the pipe
    assert os.read(typed.fileno(), 100) == b"typed after signing in\n"


async def test_no_prompt_without_a_terminal(tmp_path, mock_idp, redirect_port, capsys):
    """CI runs `kms-tui login` with stdin a pipe or closed: it only waits for the browser."""
    conf = write_profile(tmp_path / "ckms.toml", mock_idp)
    piped = TypedTerminal(tty=False)
    try:
        for stdin in (piped, None):
            with pytest.raises(LoginTimeout):
                await sign_in_from_terminal(
                    Session(load_profile(conf)), "browser", stdin=stdin, browser=False, timeout=0.3
                )
            shown = capsys.readouterr().err
            assert "Open this address" in shown and "paste" not in shown
    finally:
        piped.close()


async def test_end_of_input_keeps_waiting_for_the_browser(tmp_path, mock_idp, redirect_port, typed, capsys):
    conf = write_profile(tmp_path / "ckms.toml", mock_idp)
    login = asyncio.create_task(
        sign_in_from_terminal(Session(load_profile(conf)), "browser", stdin=typed, browser=False)
    )
    while "http" not in (shown := capsys.readouterr().err):
        await asyncio.sleep(0.02)
    typed.end()
    await asyncio.sleep(0.2)
    assert not login.done()
    await browse(next(w for w in shown.split() if w.startswith("http")))
    assert (await asyncio.wait_for(login, 30)).id_token
