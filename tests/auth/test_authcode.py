"""Authorization code + PKCE through the real loopback redirect, against real IdPs."""

from __future__ import annotations

import asyncio
import socket
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import tomlkit
from authlib.common.security import generate_token

from kms_tui.auth.authcode import login_with_browser
from kms_tui.auth.cache import CredentialCache
from kms_tui.auth.errors import LoginCancelled, LoginFailed, LoginTimeout, PortBusy
from kms_tui.auth.login import sign_in
from kms_tui.auth.session import Session
from kms_tui.auth.tokens import jwt_claims_unverified
from kms_tui.config.validate import validate_document
from tests.auth.conftest import free_port, load_profile, write_profile
from tests.auth.helpers import Terminal, browse, mode
from tests.support.idp import strict_idp_browser


def stored_token(path) -> str | None:
    return tomlkit.parse(path.read_text())["http_config"].get("access_token")


async def test_login_through_loopback_redirect_stores_the_token_where_ckms_reads_it(tmp_path, mock_idp, redirect_port):
    conf = write_profile(tmp_path / "ckms.toml", mock_idp)
    session = Session(load_profile(conf))
    term = Terminal()
    login = asyncio.create_task(sign_in(session, "browser", show=term.show, browser=False))
    url = await term.url()
    page = await browse(url)
    tokens = await login

    query = parse_qs(urlsplit(url).query)
    assert query["redirect_uri"] == [f"http://localhost:{redirect_port}/authorization"]
    assert query["code_challenge_method"] == ["S256"] and query["state"] and query["nonce"]
    assert "close this window" in page.text
    # ckms stores the id_token (with the email the KMS authenticates) in http_config.access_token.
    assert stored_token(conf) == tokens.id_token
    assert [p for p in validate_document(conf.read_text()) if p.is_error] == []  # still a valid ckms 5.26 file
    assert jwt_claims_unverified(tokens.id_token)["email"] == "alice@example.com"
    assert mode(conf) == 0o600
    cache = CredentialCache(session.profile.cache_key)
    assert mode(cache.path) == 0o600
    assert cache.load().tokens.refresh_token == tokens.refresh_token
    assert session.state.status == "signed_in" and session.state.next_refresh > 0
    signed = mock_idp.events("token")  # one event per signed token (access + id) of the one exchange
    assert signed and all(e["grant_type"] == "authorization_code" and e["has_code_verifier"] for e in signed)
    with pytest.raises(httpx.ConnectError):  # the listener closed after its one callback
        httpx.get(f"http://127.0.0.1:{redirect_port}/authorization?code=x&state=y", timeout=2)


async def test_a_callback_with_the_wrong_state_is_refused(tmp_path, mock_idp, redirect_port):
    conf = write_profile(tmp_path / "ckms.toml", mock_idp)
    session = Session(load_profile(conf))
    term = Terminal()
    login = asyncio.create_task(sign_in(session, "browser", show=term.show, browser=False))
    redirect = (await browse(await term.url(), follow=False)).headers["location"]
    forged = redirect.replace("state=", "state=forged")
    await browse(forged)
    with pytest.raises(LoginFailed, match="wrong or missing state"):
        await login
    assert stored_token(conf) is None
    assert mock_idp.events("token") == []  # the code was never redeemed


async def test_the_idps_error_is_reported_as_the_idps_error(tmp_path, mock_idp, redirect_port):
    conf = write_profile(tmp_path / "ckms.toml", mock_idp)
    mock_idp.command("authorize_error", error="access_denied")
    term = Terminal()
    login = asyncio.create_task(sign_in(Session(load_profile(conf)), "browser", show=term.show, browser=False))
    page = await browse(await term.url())
    with pytest.raises(LoginFailed, match="refused the sign-in: access_denied"):
        await login
    assert "access_denied" in page.text


async def test_nobody_signs_in_times_out_and_frees_the_port(tmp_path, mock_idp, redirect_port):
    conf = write_profile(tmp_path / "ckms.toml", mock_idp)
    term = Terminal()
    with pytest.raises(LoginTimeout, match="within 0 s") as err:
        await sign_in(Session(load_profile(conf)), "browser", show=term.show, browser=False, timeout=0.3)
    assert "--device" in err.value.fix
    assert "Open this address" in term.text  # the URL is always shown
    with socket.socket() as s:
        s.bind(("127.0.0.1", redirect_port))


async def test_a_busy_port_is_reported_as_such(tmp_path, mock_idp, redirect_port):
    conf = write_profile(tmp_path / "ckms.toml", mock_idp)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", redirect_port))
        squatter.listen()
        with pytest.raises(PortBusy, match=f"Port {redirect_port} on 127.0.0.1 is already in use") as err:
            await sign_in(Session(load_profile(conf)), "browser", show=Terminal().show, browser=False)
    assert "OAUTH2_REDIRECT_URL_PORT" in err.value.fix and err.value.exit_code == 3


async def test_cancel_stops_waiting_and_closes_the_listener(tmp_path, mock_idp):
    session = Session(load_profile(write_profile(tmp_path / "ckms.toml", mock_idp)))
    port = free_port()
    listening = []
    login = asyncio.create_task(
        login_with_browser(
            session.profile.oauth_config(),
            show=Terminal().show,
            port=port,
            browser=False,
            on_listening=lambda listener, request: listening.append(listener),
        )
    )
    while not listening:
        await asyncio.sleep(0.01)
    listening[0].cancel()
    with pytest.raises(LoginCancelled):
        await login
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


async def test_strict_idp_full_login_with_pkce_required(tmp_path, strict_idp, redirect_port):
    conf = write_profile(tmp_path / "ckms.toml", strict_idp)
    session = Session(load_profile(conf))
    term = Terminal()
    login = asyncio.create_task(sign_in(session, "browser", show=term.show, browser=False))
    url = await term.url()
    redirect = await asyncio.to_thread(
        strict_idp_browser, url, login="bob@example.com", redirect_prefix=f"http://localhost:{redirect_port}/"
    )
    await browse(redirect)
    tokens = await login
    assert jwt_claims_unverified(stored_token(conf))["email"] == "bob@example.com"
    assert tokens.refresh_token and session.state.status == "signed_in"


async def test_strict_idp_rejects_a_wrong_verifier(tmp_path, strict_idp, redirect_port):
    conf = write_profile(tmp_path / "ckms.toml", strict_idp)
    session = Session(load_profile(conf))
    oauth = session.profile.oauth_config()
    term = Terminal()

    def tamper(listener, request):  # an attacker's verifier: the IdP must refuse the code
        request.verifier = generate_token(64)

    login = asyncio.create_task(
        login_with_browser(oauth, show=term.show, port=redirect_port, browser=False, on_listening=tamper)
    )
    redirect = await asyncio.to_thread(
        strict_idp_browser, await term.url(), redirect_prefix=f"http://localhost:{redirect_port}/"
    )
    await browse(redirect)
    with pytest.raises(LoginFailed, match="invalid_grant"):
        await login
    assert stored_token(conf) is None


async def test_an_id_token_with_another_nonce_is_rejected(tmp_path, mock_idp, redirect_port):
    conf = write_profile(tmp_path / "ckms.toml", mock_idp)
    mock_idp.command("wrong_nonce")
    term = Terminal()
    login = asyncio.create_task(sign_in(Session(load_profile(conf)), "browser", show=term.show, browser=False))
    await browse(await term.url())
    with pytest.raises(LoginFailed, match="nonce does not match"):
        await login
    assert stored_token(conf) is None
