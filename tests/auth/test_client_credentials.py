"""Client credentials (machine to machine) against the strict IdP, re-granted before expiry."""

from __future__ import annotations

import asyncio

import pytest
import tomlkit

from kms_tui.auth.errors import AuthError
from kms_tui.auth.login import sign_in
from kms_tui.auth.session import Session
from kms_tui.auth.tokens import jwt_claims_unverified
from tests.auth.conftest import load_profile, write_profile
from tests.auth.helpers import Terminal
from tests.support.idp import start_strict_idp


async def test_client_credentials_from_the_profile(tmp_path, strict_idp):
    conf = write_profile(tmp_path / "ckms.toml", strict_idp, client_id="svc", client_secret="svc-secret", scopes=[])
    session = Session(load_profile(conf))
    tokens = await sign_in(session, "client_credentials", show=Terminal().show)
    claims = jwt_claims_unverified(tokens.access_token)
    assert claims["sub"] == "svc" and claims["aud"] == "cosmian-kms"
    assert tomlkit.parse(conf.read_text())["http_config"]["access_token"] == tokens.access_token
    assert session.state.method == "client_credentials"


async def test_client_secret_from_the_environment(tmp_path, strict_idp, monkeypatch):
    conf = write_profile(tmp_path / "ckms.toml", strict_idp, client_id="svc", scopes=[])
    monkeypatch.setenv("KMS_TUI_OAUTH_CLIENT_SECRET", "svc-secret")
    tokens = await sign_in(Session(load_profile(conf)), "client_credentials", show=Terminal().show)
    assert jwt_claims_unverified(tokens.access_token)["sub"] == "svc"


async def test_a_wrong_secret_is_refused_without_showing_it(tmp_path, strict_idp):
    conf = write_profile(tmp_path / "ckms.toml", strict_idp, client_id="svc", client_secret="not-the-secret", scopes=[])
    with pytest.raises(AuthError, match="invalid_client") as err:
        await sign_in(Session(load_profile(conf)), "client_credentials", show=Terminal().show)
    assert "not-the-secret" not in str(err.value) and err.value.exit_code == 2


async def test_machine_tokens_are_regranted_before_expiry(tmp_path):
    idp = start_strict_idp(tmp_path / "op", token_ttl=4)
    try:
        conf = write_profile(tmp_path / "ckms.toml", idp, client_id="svc", client_secret="svc-secret", scopes=[])
        session = Session(load_profile(conf))
        first = await sign_in(session, "client_credentials", show=Terminal().show)
        async with session:
            await asyncio.sleep(2.5)  # a 4 s token is re-granted after at most 3.2 s (80 %), at least 1 s
            assert session.state.last_refresh is not None and session.state.status == "signed_in"
            assert await session.bearer_token() != first.access_token
    finally:
        idp.stop()


async def test_client_secret_from_a_secret_reference(strict_idp, moto_ssm):
    """`client_secret = "secret://…"` resolved by the profile's backend (AWS SSM on moto)."""
    import boto3

    from kms_tui.config import ProfileSettings, ProfileStore, resolve_connection

    boto3.client("ssm", region_name="eu-west-1").put_parameter(
        Name="/kms-console/svc-secret", Value="svc-secret", Type="SecureString", Overwrite=True
    )
    store = ProfileStore()
    store.create("machine")
    store.save_text(
        "machine",
        "[http_config]\n"
        'server_url = "http://127.0.0.1:9"\n'
        "[http_config.oauth2_conf]\n"
        'client_id = "svc"\n'
        'client_secret = "secret://eu-west-1/kms-console/svc-secret"\n'
        f'authorize_url = "{strict_idp.discovery["authorization_endpoint"]}"\n'
        f'token_url = "{strict_idp.discovery["token_endpoint"]}"\n'
        "scopes = []\n",
    )
    store.set_profile_settings("machine", ProfileSettings(secret_backend="aws-ssm"))
    session = Session(resolve_connection("machine"))
    tokens = await sign_in(session, "client_credentials", show=Terminal().show)
    assert jwt_claims_unverified(tokens.access_token)["sub"] == "svc"
    saved = store.path_of("machine").read_text()
    assert 'client_secret = "secret://eu-west-1/kms-console/svc-secret"' in saved  # the reference stays
    assert tokens.access_token in saved and '"svc-secret"' not in saved  # the resolved secret is never written
