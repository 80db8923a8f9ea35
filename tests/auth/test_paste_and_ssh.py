"""Over SSH: the proposed way to sign in, and the paste-the-redirect-URL fallback."""

from __future__ import annotations

import asyncio

import pytest

from kms_tui.auth.errors import LoginFailed
from kms_tui.auth.login import propose_method, sign_in
from kms_tui.auth.oauth import OAuthConfig
from kms_tui.auth.session import Session
from kms_tui.auth.tokens import jwt_claims_unverified
from tests.auth.conftest import load_profile, write_profile
from tests.auth.helpers import Terminal, browse
from tests.support.idp import strict_idp_browser

SSH = {"SSH_CONNECTION": "10.0.0.2 50000 10.0.0.1 22"}


def test_ssh_sessions_get_the_way_that_works():
    with_device = OAuthConfig(client_id="c", token_url="t", device_authorization_endpoint="https://idp/device")
    without = OAuthConfig(client_id="c", token_url="t")
    assert propose_method(with_device, SSH) == "device"
    assert propose_method(without, SSH) == "paste"
    assert propose_method(with_device, {}) == "browser"


async def test_paste_the_failed_redirect_address(tmp_path, strict_idp, redirect_port, monkeypatch):
    monkeypatch.setenv("SSH_CONNECTION", SSH["SSH_CONNECTION"])
    conf = write_profile(tmp_path / "ckms.toml", strict_idp)
    term = Terminal()
    session = Session(load_profile(conf))

    async def user_pastes(prompt: str) -> str:
        # The laptop's browser signs in, then fails to load http://localhost:PORT (nothing listens there).
        url = await term.url()
        return await asyncio.to_thread(
            strict_idp_browser, url, login="dave@example.com", redirect_prefix=f"http://localhost:{redirect_port}/"
        )

    tokens = await sign_in(session, "paste", show=term.show, read_line=user_pastes)
    assert jwt_claims_unverified(tokens.bearer)["email"] == "dave@example.com"
    assert session.state.status == "signed_in"


async def test_ssh_auto_proposes_paste_when_the_idp_has_no_device_grant(tmp_path, mock_idp, redirect_port, monkeypatch):
    monkeypatch.setenv("SSH_CONNECTION", SSH["SSH_CONNECTION"])
    session = Session(load_profile(write_profile(tmp_path / "ckms.toml", mock_idp)))
    term = Terminal()

    async def user_pastes(prompt: str) -> str:
        return (await browse(await term.url(), follow=False)).headers["location"]

    tokens = await sign_in(session, "auto", show=term.show, read_line=user_pastes)
    assert "no device sign-in" in term.text and "paste it here" in term.text
    assert tokens.id_token and session.state.method == "authorization_code"


async def test_pasting_something_else_is_a_clear_error(tmp_path, mock_idp, redirect_port):
    session = Session(load_profile(write_profile(tmp_path / "ckms.toml", mock_idp)))

    async def paste_garbage(prompt: str) -> str:
        return "hello"

    with pytest.raises(LoginFailed, match="does not look like the address"):
        await sign_in(session, "paste", show=Terminal().show, read_line=paste_garbage)
