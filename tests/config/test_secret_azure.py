"""secret:// with the azure-kv backend (azure-identity + azure-keyvault-secrets) over real HTTPS."""

from __future__ import annotations

import pytest

from kms_tui.config import ProfileSettings, ProfileStore, SecretError, resolve_connection
from tests.config.certs import server_tls
from tests.config.fakes import azure_kv
from tests.config.fakes.server import serve


@pytest.fixture
def azure(tmp_path, monkeypatch):
    ca, cert, key = server_tls(tmp_path)
    azure_kv.SECRETS.clear()
    azure_kv.SECRETS["kms-api-token"] = ("v2", "s3cr3t-from-akv")
    azure_kv.SECRETS["p12-password"] = ("v1", "p12-pw")
    with serve(azure_kv.AzureHandler, tls=(cert, key)) as server:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca))  # the SDKs' HTTP stack trusts the test CA
        monkeypatch.setenv("AZURE_AUTHORITY_HOST", server.url)
        monkeypatch.setenv("AZURE_TENANT_ID", azure_kv.TENANT)
        monkeypatch.setenv("AZURE_CLIENT_ID", azure_kv.CLIENT_ID)
        monkeypatch.setenv("AZURE_CLIENT_SECRET", azure_kv.CLIENT_SECRET)
        yield server


def _profile(host: str, token_ref: str) -> None:
    store = ProfileStore()
    store.create("azure")
    store.save_text(
        "azure",
        "[http_config]\n"
        'server_url = "https://kms:9998"\n'
        f'access_token = "secret://{host}/secrets/{token_ref}"\n'
        'tls_client_pkcs12_path = "c.p12"\n'
        f'tls_client_pkcs12_password = "secret://{host}/secrets/p12-password/v1"\n',
    )
    store.set_profile_settings("azure", ProfileSettings(secret_backend="azure-kv"))


def test_secrets_resolve_with_a_service_principal(azure):
    host = azure.url.removeprefix("https://")
    _profile(host, "kms-api-token")
    connection = resolve_connection("azure")
    assert connection.http_config["access_token"] == "s3cr3t-from-akv"
    assert connection.http_config["tls_client_pkcs12_password"] == "p12-pw"
    assert connection.masked()["access_token"] == f"secret://{host}/secrets/kms-api-token [••••••]"
    paths = [p for m, p in azure.log]
    assert any(p.startswith(f"/{azure_kv.TENANT}/oauth2/v2.0/token") for p in paths)
    assert any(p.startswith("/secrets/p12-password/v1?api-version=") for p in paths)


def test_missing_secret_names_key_and_reference(azure):
    host = azure.url.removeprefix("https://")
    _profile(host, "absent")
    with pytest.raises(SecretError) as info:
        resolve_connection("azure")
    assert "http_config.access_token" in str(info.value) and f"secret://{host}/secrets/absent" in str(info.value)
    assert "no secret 'absent'" in str(info.value)


def test_wrong_client_secret_is_refused_without_leaking_it(azure, monkeypatch):
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-the-sp-secret")
    _profile(azure.url.removeprefix("https://"), "kms-api-token")
    with pytest.raises(SecretError) as info:
        resolve_connection("azure")
    assert "Azure refused the service principal" in str(info.value)
    assert "not-the-sp-secret" not in str(info.value) and "s3cr3t" not in str(info.value)


def test_missing_credentials_say_which_variables(monkeypatch):
    monkeypatch.delenv("AZURE_CLIENT_SECRET", raising=False)
    monkeypatch.setenv("AZURE_TENANT_ID", "t")
    monkeypatch.setenv("AZURE_CLIENT_ID", "c")
    _profile("my-vault", "kms-api-token")
    with pytest.raises(SecretError, match="AZURE_CLIENT_SECRET not set"):
        resolve_connection("azure")
