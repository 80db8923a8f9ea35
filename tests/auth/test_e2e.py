"""End to end: the sandbox authenticates JWTs against the IdP's JWKS; sign in, work, survive expiry."""

from __future__ import annotations

import asyncio
import base64
import logging

import pytest

from kms_tui.audit import AuditTrail
from kms_tui.auth.session import Session
from kms_tui.auth.whoami import whoami
from kms_tui.client import ConnectionSettings, KmsClient, NotAuthenticated
from tests.auth.conftest import load_profile, write_profile
from tests.auth.helpers import login_via_loopback
from tests.support.idp import start_mock_idp
from tests.support.sandbox import start_sandbox

pytestmark = pytest.mark.slow
TTL = 5  # seconds: the IdP's tokens expire during the test


@pytest.fixture
def idp_and_sandbox(tmp_path, request):
    ttl = getattr(request, "param", TTL)
    idp = start_mock_idp(tmp_path / "idp", token_ttl=ttl)
    provider = f"{idp.issuer},{idp.discovery['jwks_uri']}"
    sandbox = start_sandbox(tmp_path / "sandbox", config_toml=f'[idp_auth]\njwt_auth_provider = ["{provider}"]\n')
    yield idp, sandbox
    sandbox.stop()
    idp.stop()


def client_for(profile, session, audit) -> KmsClient:
    settings = ConnectionSettings.from_http_config(dict(profile.http_config))
    return KmsClient(settings, profile=profile.name, audit=audit, credentials=session)


async def test_sign_in_create_a_key_and_survive_token_expiry(tmp_path, idp_and_sandbox, redirect_port, caplog):
    caplog.set_level(logging.DEBUG)
    idp, sandbox = idp_and_sandbox
    profile = load_profile(write_profile(tmp_path / "ckms.toml", idp, server_url=sandbox.url))
    audit = AuditTrail(tmp_path / "audit.sqlite")
    session = Session(profile)
    seen = [await login_via_loopback(session)]
    try:
        async with session, client_for(profile, session, audit) as client:
            key = await client.create_symmetric_key(tags=["e2e"])
            assert await client.me() == "alice@example.com"
            owned = await client.access_owned()
            assert key in str(owned)  # the key belongs to the signed-in user
            data = await whoami(client, session)
            assert data.user == "alice@example.com" and data.token.email == "alice@example.com"
            assert data.token.verified is False and 0 < data.token.seconds_left <= TTL
            assert data.sign_in_methods == ["oauth2 authorization_code"]
            assert data.session["status"] == "signed_in"

            await asyncio.sleep(TTL + 1)  # the first token has expired by now
            assert await client.me() == "alice@example.com"  # the worker refreshed it in time
            assert session.state.last_refresh is not None and session.state.last_error is None
            assert await client.get_attributes(key)
    finally:
        audit.close()
    assert session.creds.tokens.bearer != seen[0].bearer
    secrets = [t for s in (seen[0], session.creds.tokens) for t in (s.access_token, s.id_token, s.refresh_token) if t]
    audit_bytes = (tmp_path / "audit.sqlite").read_bytes()
    for path in tmp_path.glob("audit.sqlite*"):
        audit_bytes += path.read_bytes()
    logs = caplog.text + sandbox.log.read_text(errors="replace") + idp.log.read_text(errors="replace")
    for token in secrets:
        assert token not in logs
        assert token.encode() not in audit_bytes
        assert base64.b64encode(token.encode()) not in audit_bytes


@pytest.mark.parametrize("idp_and_sandbox", [3600], indirect=True)  # nothing is due: only a 401 refreshes
async def test_a_rejected_token_is_refreshed_once_and_the_request_replayed(tmp_path, idp_and_sandbox, redirect_port):
    idp, sandbox = idp_and_sandbox
    profile = load_profile(write_profile(tmp_path / "ckms.toml", idp, server_url=sandbox.url))
    session = Session(profile)  # no worker: only the 401 path can save the call
    await login_via_loopback(session)
    header, payload, _sig = session.creds.tokens.bearer.split(".")
    session.creds.tokens.id_token = f"{header}.{payload}.forged-signature"  # the server answers 401
    audit = AuditTrail(tmp_path / "audit.sqlite")
    try:
        async with client_for(profile, session, audit) as client:
            assert await client.me() == "alice@example.com"
    finally:
        audit.close()
    refreshes = [e for e in idp.events("token") if e["grant_type"] == "refresh_token"]
    assert len(refreshes) == 2  # one refresh (access + id token signed), then the replay succeeded


async def test_a_failed_refresh_tells_how_to_sign_in_again(tmp_path, idp_and_sandbox, redirect_port):
    idp, sandbox = idp_and_sandbox
    profile = load_profile(write_profile(tmp_path / "ckms.toml", idp, server_url=sandbox.url))
    session = Session(profile)
    await login_via_loopback(session)
    idp.command("fail_refresh", error="invalid_grant")
    audit = AuditTrail(tmp_path / "audit.sqlite")
    try:
        async with session, client_for(profile, session, audit) as client:
            await asyncio.sleep(TTL + 0.5)
            with pytest.raises(NotAuthenticated) as err:
                await client.me()
    finally:
        audit.close()
    assert err.value.exit_code == 2 and "kms-tui login" in err.value.fix
    assert session.state.status == "expired"
    assert len(idp.events("refresh_refused")) == 1  # one attempt, no retry loop


async def test_the_certified_idps_tokens_are_accepted_by_the_sandbox(tmp_path, strict_idp, redirect_port):
    from kms_tui.auth.login import sign_in
    from tests.auth.helpers import Terminal, browse
    from tests.support.idp import strict_idp_browser

    provider = f"{strict_idp.issuer},{strict_idp.discovery['jwks_uri']}"
    sandbox = start_sandbox(tmp_path / "sandbox", config_toml=f'[idp_auth]\njwt_auth_provider = ["{provider}"]\n')
    audit = AuditTrail(tmp_path / "audit.sqlite")
    try:
        profile = load_profile(write_profile(tmp_path / "ckms.toml", strict_idp, server_url=sandbox.url))
        session = Session(profile)
        term = Terminal()
        login = asyncio.create_task(sign_in(session, "browser", show=term.show, browser=False))
        await browse(
            await asyncio.to_thread(
                strict_idp_browser,
                await term.url(),
                login="heidi@example.com",
                redirect_prefix=f"http://localhost:{redirect_port}/",
            )
        )
        await login
        async with client_for(profile, session, audit) as client:
            assert await client.me() == "heidi@example.com"
            await session.refresh()  # rotated tokens are accepted too
            assert await client.me() == "heidi@example.com"
    finally:
        audit.close()
        sandbox.stop()
