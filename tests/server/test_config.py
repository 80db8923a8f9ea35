"""The server TOML subset: what each key becomes in the typed config."""

from __future__ import annotations

from pathlib import Path

import pytest

from kms_tui.server.config import ServerConfigError, config_from_dict, parse_jwt_provider


def test_defaults_mean_no_authentication_and_user_admin():
    cfg = config_from_dict({})
    assert (cfg.default_username, cfg.vendor_identification, cfg.auth_configured) == ("admin", "cosmian", False)
    assert cfg.privileged_users is None and not cfg.tls.enabled


def test_jwt_providers_parse_issuer_jwks_and_audiences():
    p = parse_jwt_provider("https://idp.example/, https://idp.example/keys ,aud1,aud2")
    assert (p.issuer, p.jwks_uri, p.audiences) == ("https://idp.example/", "https://idp.example/keys", ("aud1", "aud2"))
    assert parse_jwt_provider("https://idp.example").jwks_uri == "https://idp.example/.well-known/jwks.json"
    cfg = config_from_dict({"idp_auth": {"jwt_auth_provider": ["https://a", "https://b,https://b/jwks"]}})
    assert [p.issuer for p in cfg.jwt_providers] == ["https://a", "https://b"] and cfg.auth_configured


def test_tls_keys_come_from_tls_or_http_tables_relative_to_the_config(tmp_path):
    cfg = config_from_dict({"tls": {"tls_cert_file": "c.pem", "tls_key_file": "k.pem"}}, base_dir=tmp_path)
    assert (cfg.tls.cert_file, cfg.tls.key_file) == (tmp_path / "c.pem", tmp_path / "k.pem")
    cfg = config_from_dict({"http": {"tls_p12_file": "/abs/s.p12", "tls_p12_password": "pw", "port": 0}})
    assert cfg.tls.p12_file == Path("/abs/s.p12") and cfg.port == 0
    assert "pw" not in repr(cfg)  # the PKCS#12 password never shows in a repr or log line


def test_client_ca_without_server_tls_does_not_enable_certificate_auth(tmp_path):
    cfg = config_from_dict({"tls": {"clients_ca_cert_file": "ca.pem"}}, base_dir=tmp_path)
    assert not cfg.cert_auth and not cfg.auth_configured


def test_api_token_privileged_users_and_vendor():
    cfg = config_from_dict(
        {"privileged_users": ["ops"], "vendor_identification": "acme", "http": {"api_token_id": "tok"}}
    )
    assert (cfg.privileged_users, cfg.vendor_identification, cfg.api_token_id) == (["ops"], "acme", "tok")
    assert cfg.auth_configured


@pytest.mark.parametrize(
    "data,needle",
    [
        ({"http": []}, "[http] must be a table"),
        ({"privileged_users": 3}, "privileged_users"),
        ({"http": {"tls_cert_file": "c.pem"}}, "tls_key_file"),
        ({"http": {"port": 70000}}, "http.port"),
    ],
)
def test_bad_values_name_the_key(data, needle, tmp_path):
    with pytest.raises(ServerConfigError, match=None) as info:
        config_from_dict(data, base_dir=tmp_path)
    assert needle in str(info.value)
