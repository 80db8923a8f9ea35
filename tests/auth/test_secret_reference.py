"""A profile whose access_token is a secret:// reference keeps it through sign-in, refresh and sign-out.

ckms overwrites the reference with the fresh token; kms-tui keeps the file as it is and keeps the
token in the credential cache, which the next start prefers to the reference's (stale) value.
"""

from __future__ import annotations

import pytest
import tomlkit

from kms_tui.audit import AuditTrail
from kms_tui.auth.session import Session
from kms_tui.client import ConnectionSettings, KmsClient, NotAuthenticated
from kms_tui.config import resolve_connection
from tests.auth.conftest import load_profile, write_profile
from tests.auth.helpers import login_via_loopback
from tests.support.idp import start_mock_idp
from tests.support.sandbox import start_sandbox

pytestmark = pytest.mark.slow
REFERENCE = "secret://secret/kms-console/prod#api_token"
VAULT_VALUE = "s3cr3t-api-token"  # what vault_server holds there: not a token the sandbox accepts


@pytest.fixture
def idp_and_sandbox(tmp_path):
    idp = start_mock_idp(tmp_path / "idp")
    provider = f"{idp.issuer},{idp.discovery['jwks_uri']}"
    sandbox = start_sandbox(tmp_path / "sandbox", config_toml=f'[idp_auth]\njwt_auth_provider = ["{provider}"]\n')
    yield idp, sandbox
    sandbox.stop()
    idp.stop()


def open_profile(conf) -> Session:
    """A new start: the profile resolved afresh (the reference fetched from Vault) and its session."""
    return Session(resolve_connection(conf=str(conf)))


async def whoami_with(session: Session, audit: AuditTrail) -> str:
    """The user the sandbox sees for the token ``session`` sends."""
    settings = ConnectionSettings.from_http_config(dict(session.profile.http_config))
    async with KmsClient(settings, profile=session.profile.name, audit=audit, credentials=session) as client:
        return await client.me()


async def test_sign_in_keeps_the_reference_and_the_next_start_uses_the_fresh_token(
    tmp_path, idp_and_sandbox, vault_server, redirect_port, monkeypatch
):
    monkeypatch.setenv("KMS_SECRET_BACKEND", "vault")
    idp, sandbox = idp_and_sandbox
    conf = write_profile(tmp_path / "ckms.toml", idp, server_url=sandbox.url, access_token=REFERENCE)
    original = conf.read_bytes()
    audit = AuditTrail(tmp_path / "audit.sqlite")

    before = open_profile(conf)
    assert before.profile.http_config["access_token"] == VAULT_VALUE and before.state.status == "static"
    with pytest.raises(NotAuthenticated):
        await whoami_with(before, audit)  # the referenced token is refused

    tokens = await login_via_loopback(before)
    assert conf.read_bytes() == original  # the reference is still there, byte for byte
    assert VAULT_VALUE.encode() not in conf.read_bytes() and tokens.bearer.encode() not in conf.read_bytes()

    after = open_profile(conf)
    assert after.state.status == "signed_in" and after.state.method == "authorization_code"
    assert await after.bearer_token() == tokens.bearer
    assert await whoami_with(after, audit) == "alice@example.com"

    await after.refresh()  # a refreshed token is kept the same way
    assert conf.read_bytes() == original
    assert await open_profile(conf).bearer_token() == after.creds.tokens.bearer != tokens.bearer

    result = await after.logout()
    assert conf.read_bytes() == original and result["removed_access_token"] is False
    assert after.state.status == "static" and await after.bearer_token() == VAULT_VALUE
    assert open_profile(conf).state.status == "static"


async def test_a_reference_written_while_signed_in_survives_the_next_refresh(tmp_path, mock_idp, redirect_port):
    conf = write_profile(tmp_path / "ckms.toml", mock_idp)
    session = Session(load_profile(conf))
    await login_via_loopback(session)
    document = tomlkit.parse(conf.read_text())
    document["http_config"]["access_token"] = REFERENCE  # the user moves the token to Vault meanwhile
    conf.write_text(tomlkit.dumps(document))
    edited = conf.read_bytes()
    await session.refresh()
    assert conf.read_bytes() == edited
