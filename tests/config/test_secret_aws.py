"""secret:// with the aws-ssm backend (boto3) against moto's server, signatures checked."""

from __future__ import annotations

import pytest

from kms_tui.config import ProfileSettings, ProfileStore, SecretError, resolve_connection


def _profile(token_ref: str = "secret://eu-west-1/kms-console/prod/api-token") -> None:
    store = ProfileStore()
    store.create("aws")
    store.save_text(
        "aws",
        "[http_config]\n"
        'server_url = "https://kms:9998"\n'
        f'access_token = "{token_ref}"\n'
        'database_secret = "postgresql://kms:secret://eu-west-1//kms-console/prod/db-password@db/kms"\n',
    )
    store.set_profile_settings("aws", ProfileSettings(secret_backend="aws-ssm"))


def test_secure_strings_are_decrypted_and_leading_slash_added(moto_ssm):
    _profile()
    connection = resolve_connection("aws")
    assert connection.http_config["access_token"] == "s3cr3t-token"
    assert connection.http_config["database_secret"] == "postgresql://kms:db-pw-7@db/kms"
    assert "s3cr3t-token" not in str(connection.masked())


def test_wrong_secret_key_fails_signature_check(moto_ssm, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "definitely-wrong-secret")
    _profile()
    with pytest.raises(SecretError) as info:
        resolve_connection("aws")
    text = str(info.value)
    assert "AWS refused the credentials" in text and "http_config.access_token" in text
    assert "secret://eu-west-1/kms-console/prod/api-token" in text
    assert "definitely-wrong-secret" not in text


def test_missing_parameter_is_named(moto_ssm):
    _profile("secret://eu-west-1/kms-console/prod/nope")
    with pytest.raises(SecretError, match="no parameter /kms-console/prod/nope in eu-west-1"):
        resolve_connection("aws")


def test_no_credentials_says_which_variables(monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    _profile()
    with pytest.raises(SecretError, match="no AWS credentials found"):
        resolve_connection("aws")
