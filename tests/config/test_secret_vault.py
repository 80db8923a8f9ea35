"""secret:// with the vault backend (KV v2 via hvac) against a fake that follows Vault's REST API."""

from __future__ import annotations

import sys

import pytest

from kms_tui.config import ConfigError, ProfileSettings, ProfileStore, SecretError, resolve_connection

PROFILE = (
    "[http_config]\n"
    'server_url = "https://kms:9998"\n'
    'access_token = "secret://secret/kms-console/prod#api_token"\n'
    'database_secret = "postgresql://kms:secret://secret/kms-console/db@db.internal/kms"\n'
)


def _profile(text: str = PROFILE, backend: str | None = "vault") -> ProfileStore:
    store = ProfileStore()
    store.create("prod")
    store.save_text("prod", text)
    store.set_profile_settings("prod", ProfileSettings(secret_backend=backend))
    return store


def test_references_resolve_in_memory_and_show_masked(vault_server):
    store = _profile()
    connection = resolve_connection("prod")
    assert connection.http_config["access_token"] == "s3cr3t-api-token"
    assert connection.http_config["database_secret"] == "postgresql://kms:db-pass-42@db.internal/kms"
    masked = connection.masked()
    assert masked["access_token"] == "secret://secret/kms-console/prod#api_token [••••••]"
    assert masked["database_secret"] == "postgresql://kms:secret://secret/kms-console/db [••••••]@db.internal/kms"
    assert "s3cr3t" not in str(masked) and "db-pass-42" not in str(masked)
    assert store.path_of("prod").read_text() == PROFILE  # never written back
    assert store.load("prod").holds_secret() is False
    assert [p for m, p in vault_server.log if m == "GET"] == [
        "/v1/secret/data/kms-console/prod",
        "/v1/secret/data/kms-console/db",
    ]


def test_each_reference_is_fetched_once(vault_server):
    _profile(PROFILE.replace("kms-console/db@", "kms-console/prod#api_token@"))
    resolve_connection("prod")
    assert len(vault_server.log) == 1


def test_wrong_token_names_key_and_reference_but_not_the_token(vault_server, monkeypatch):
    _profile()
    monkeypatch.setenv("VAULT_TOKEN", "wrong-token-xyz")
    with pytest.raises(SecretError) as info:
        resolve_connection("prod")
    text = str(info.value)
    assert "http_config.access_token" in text and "secret://secret/kms-console/prod#api_token" in text
    assert "403" in text and "VAULT_TOKEN" in text
    assert "wrong-token-xyz" not in text and info.value.exit_code == 3
    assert info.value.problems[0].line == 3


def test_missing_path_and_missing_field(vault_server):
    _profile(PROFILE.replace("prod#api_token", "nowhere"))
    with pytest.raises(SecretError, match="no secret at secret/kms-console/nowhere"):
        resolve_connection("prod")
    ProfileStore().save_text("prod", PROFILE.replace("#api_token", "#other"))
    with pytest.raises(SecretError, match=r"no field 'other' \(fields: api_token\)"):
        resolve_connection("prod")


def test_no_backend_set_and_unknown_backend(vault_server, monkeypatch):
    _profile(backend=None)
    with pytest.raises(SecretError, match="no secret backend is set") as info:
        resolve_connection("prod")
    assert "KMS_SECRET_BACKEND" in info.value.fix
    monkeypatch.setenv("KMS_SECRET_BACKEND", "vault")  # the environment supplies one
    assert resolve_connection("prod").http_config["access_token"] == "s3cr3t-api-token"
    monkeypatch.setenv("KMS_SECRET_BACKEND", "keepass")
    with pytest.raises(SecretError, match="unknown secret backend 'keepass'"):
        resolve_connection("prod")


def test_missing_sdk_names_the_pip_extra(vault_server, monkeypatch):
    _profile()
    monkeypatch.setitem(sys.modules, "hvac", None)  # as if kms-tui[vault] were not installed
    monkeypatch.delitem(sys.modules, "kms_tui.config.secrets.vault", raising=False)
    with pytest.raises(ConfigError) as info:
        resolve_connection("prod")
    assert "pip install 'kms-tui[vault]'" in str(info.value)
    assert "'hvac'" in str(info.value)


def test_missing_vault_addr(monkeypatch):
    _profile()
    monkeypatch.delenv("VAULT_ADDR", raising=False)
    with pytest.raises(SecretError, match="VAULT_ADDR is not set"):
        resolve_connection("prod")
