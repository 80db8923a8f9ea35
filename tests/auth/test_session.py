"""The refresh worker: schedule, single-flight, 401 replay, failures that end the session."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time

import httpx
import pytest
import tomlkit

from kms_tui.auth.cache import CredentialCache
from kms_tui.auth.errors import SessionExpired
from kms_tui.auth.session import Session
from kms_tui.auth.tokens import refresh_due
from tests.auth.conftest import load_profile, write_profile
from tests.auth.helpers import login_via_loopback, mode
from tests.support.idp import start_mock_idp


def refresh_grants(idp) -> int:
    return sum(1 for e in idp.events("token") if e["grant_type"] == "refresh_token") // 2  # access + id token


def test_refresh_schedule():
    assert refresh_due(0, 3600) == 2880  # 80 % of an hour is earlier than 60 s before exp
    assert refresh_due(0, 200) == 140  # 60 s before exp is earlier than 80 % (160)
    assert refresh_due(0, 8) == 2  # short-lived: never in the first quarter (no refresh storm)


@pytest.fixture
def short_idp(tmp_path):
    idp = start_mock_idp(tmp_path / "idp", token_ttl=4)
    yield idp
    idp.stop()


async def test_the_worker_refreshes_before_expiry_and_keeps_ckms_in_step(tmp_path, short_idp, redirect_port, caplog):
    caplog.set_level(logging.DEBUG)
    conf = write_profile(tmp_path / "ckms.toml", short_idp)
    changes = []
    session = Session(load_profile(conf), on_change=changes.append)
    first = await login_via_loopback(session)
    async with session:
        await asyncio.sleep(2.2)  # a 4 s token is due after 1 s..3.2 s
        assert refresh_grants(short_idp) >= 1
        assert session.state.status == "signed_in" and session.state.last_refresh is not None
        bearer = await session.bearer_token()
    assert bearer != first.bearer
    assert tomlkit.parse(conf.read_text())["http_config"]["access_token"] == bearer  # ckms keeps working
    cache = CredentialCache(session.profile.cache_key)
    assert mode(cache.path) == 0o600 and cache.load().tokens.bearer == bearer
    assert any(c.status == "refreshing" for c in changes)
    logged = caplog.text + "".join(repr(c) for c in changes)
    for secret in (first.access_token, first.id_token, first.refresh_token, bearer):
        assert secret not in logged


async def test_concurrent_callers_share_one_refresh(tmp_path, mock_idp, redirect_port):
    session = Session(load_profile(write_profile(tmp_path / "ckms.toml", mock_idp)))
    await login_via_loopback(session)
    before = refresh_grants(mock_idp)
    results = await asyncio.gather(*(session.on_unauthorized() for _ in range(8)))
    assert results == [True] * 8
    assert refresh_grants(mock_idp) == before + 1


async def test_a_revoked_refresh_token_ends_the_session_without_retrying(tmp_path, mock_idp, redirect_port):
    session = Session(load_profile(write_profile(tmp_path / "ckms.toml", mock_idp)))
    tokens = await login_via_loopback(session)
    httpx.post(mock_idp.discovery["revocation_endpoint"], data={"token": tokens.refresh_token}, timeout=5)
    with pytest.raises(SessionExpired) as err:
        await session.refresh()
    assert "invalid_grant" in err.value.message and "kms-tui login" in err.value.fix
    assert err.value.exit_code == 2 and session.state.status == "expired"
    assert await session.on_unauthorized() is False  # no second attempt
    with pytest.raises(SessionExpired):
        await session.bearer_token()
    session.state.next_refresh = time.time() - 1  # even if due, the worker must not loop
    async with session:
        await asyncio.sleep(0.5)
    assert len(mock_idp.events("refresh_refused")) == 1


async def test_idp_down_during_refresh_marks_the_session_expired(tmp_path, redirect_port):
    idp = start_mock_idp(tmp_path / "idp")
    session = Session(load_profile(write_profile(tmp_path / "ckms.toml", idp)))
    await login_via_loopback(session)
    idp.stop()
    assert await session.on_unauthorized() is False
    assert session.state.status == "expired" and "could not be reached" in session.state.last_error


def _jwt(claims: dict) -> str:
    enc = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{enc({'alg': 'none'})}.{enc(claims)}.sig"


async def test_a_static_jwt_warns_before_it_lapses_then_expires(tmp_path, mock_idp):
    now = time.time()
    token = _jwt({"email": "erin@example.com", "iat": now - 100, "exp": now + 1.5})
    conf = write_profile(tmp_path / "ckms.toml", mock_idp, access_token=token)
    session = Session(load_profile(conf))
    assert session.state.status == "static" and abs(session.state.expires_at - (now + 1.5)) < 1
    async with session:
        await asyncio.sleep(0.3)
        assert "expires in about" in session.state.warning and "kms-tui login" in session.state.warning
        assert await session.bearer_token() == token
        await asyncio.sleep(1.7)
        assert session.state.status == "expired"


async def test_logout_forgets_locally_and_revokes_at_the_idp(tmp_path, mock_idp, redirect_port):
    conf = write_profile(tmp_path / "ckms.toml", mock_idp)
    session = Session(load_profile(conf))
    await login_via_loopback(session)
    result = await session.logout()
    assert result == {"revoked": True, "forgot_cache": True, "removed_access_token": True}
    assert mock_idp.wait_events("revoke") == [
        {"event": "revoke", "token_type_hint": "refresh_token", "has_token": True}
    ]
    assert "access_token" not in tomlkit.parse(conf.read_text())["http_config"]
    assert CredentialCache(session.profile.cache_key).load() is None
    assert Session(load_profile(conf)).state.status == "signed_out"


async def test_without_the_worker_a_due_token_is_refreshed_on_use(tmp_path, short_idp, redirect_port):
    """One-off headless commands never start the worker: the first request past the due time refreshes."""
    conf = write_profile(tmp_path / "ckms.toml", short_idp)
    first = await login_via_loopback(Session(load_profile(conf)))
    later = Session(load_profile(conf))  # a new process: state from ckms.toml + the credential cache
    assert later.state.status == "signed_in"
    assert await later.bearer_token() == first.bearer  # not due yet
    await asyncio.sleep(max(0.0, later.state.next_refresh - time.time()) + 0.1)
    fresh = await later.bearer_token()
    assert fresh != first.bearer and refresh_grants(short_idp) == 1
    assert tomlkit.parse(conf.read_text())["http_config"]["access_token"] == fresh


async def test_strict_idp_rotates_on_refresh_and_logout_really_revokes(tmp_path, strict_idp, redirect_port):
    from kms_tui.auth.login import sign_in
    from tests.auth.helpers import Terminal, browse
    from tests.support.idp import strict_idp_browser

    conf = write_profile(tmp_path / "ckms.toml", strict_idp)
    session = Session(load_profile(conf))
    term = Terminal()
    login = asyncio.create_task(sign_in(session, "browser", show=term.show, browser=False))
    await browse(
        await asyncio.to_thread(
            strict_idp_browser, await term.url(), redirect_prefix=f"http://localhost:{redirect_port}/"
        )
    )
    first = await login
    await session.refresh()  # public client: client_id in the form, no secret
    rotated = CredentialCache(session.profile.cache_key).load().tokens.refresh_token
    assert rotated and rotated != first.refresh_token
    stale = Session(load_profile(conf))  # another process, loaded before the logout
    assert (await session.logout())["revoked"] is True
    # It still holds the refresh token in memory: the IdP refuses it, the user is told to sign in again.
    with pytest.raises(SessionExpired, match="invalid_grant"):
        await stale.refresh()


async def test_a_profile_file_broken_by_hand_does_not_stop_refreshing(tmp_path, mock_idp, redirect_port):
    conf = write_profile(tmp_path / "ckms.toml", mock_idp)
    session = Session(load_profile(conf))
    first = await login_via_loopback(session)
    conf.write_text(conf.read_text() + "\n[oops\n")  # someone is editing it
    await session.refresh()
    assert session.state.status == "signed_in" and "could not be saved" in session.state.last_error
    assert await session.bearer_token() != first.bearer
    assert conf.read_text().endswith("[oops\n")  # a file that fails to parse is never overwritten
    conf.write_text(conf.read_text().replace("\n[oops\n", "\n"))  # fixed by hand, old token inside
    later = Session(load_profile(conf))  # the next process still knows the session (and its new tokens)
    assert later.state.status == "signed_in" and await later.bearer_token() == await session.bearer_token()


async def test_a_token_written_by_ckms_login_takes_precedence_over_the_cache(tmp_path, mock_idp, redirect_port):
    conf = write_profile(tmp_path / "ckms.toml", mock_idp)
    await login_via_loopback(Session(load_profile(conf)))
    other = _jwt({"email": "frank@example.com", "exp": time.time() + 3600})
    doc = tomlkit.parse(conf.read_text())
    doc["http_config"]["access_token"] = other  # `ckms login oauth` ran in between
    conf.write_text(tomlkit.dumps(doc))
    session = Session(load_profile(conf))
    assert session.state.status == "static" and await session.bearer_token() == other


async def test_two_processes_share_one_refresh_through_the_cache(tmp_path, mock_idp, redirect_port):
    conf = write_profile(tmp_path / "ckms.toml", mock_idp)
    console = Session(load_profile(conf))
    await login_via_loopback(console)
    script = Session(load_profile(conf))  # same profile, loaded in "another process"
    await console.refresh()
    assert refresh_grants(mock_idp) == 1
    assert await script.on_unauthorized() is True  # picks up the console's tokens: no second refresh
    assert refresh_grants(mock_idp) == 1
    assert await script.bearer_token() == await console.bearer_token()
