"""ProfileStore and resolve_connection: names, settings, discovery edited in place, precedence."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kms_tui.config import ConfigError, ProfileSettings, ProfileStore, resolve_connection
from kms_tui.config.settings import OAuthExtras

CKMS = '# mine\n[http_config]\nserver_url = "https://home-kms:9998"\naccess_token = "tok"\n'


def _home_ckms(text: str = CKMS) -> Path:
    path = Path(os.environ["HOME"]) / ".cosmian" / "ckms.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_create_rename_duplicate_delete_and_activate():
    store = ProfileStore()
    store.create("prod", "https://kms.prod:9998")
    store.set_active("prod")
    store.set_profile_settings("prod", ProfileSettings(secret_backend="vault", read_only=True))
    store.rename("prod", "production")
    assert store.active() == "production"
    assert store.profile_settings("production").secret_backend == "vault"
    store.duplicate("production", "staging")
    assert store.profile_settings("staging").read_only is True
    assert [(p.name, p.active) for p in store.list()] == [("production", True), ("staging", False)]
    assert store.path_of("staging").read_text() == store.path_of("production").read_text()
    store.delete("production")
    assert store.active() is None and [p.name for p in store.list()] == ["staging"]
    with pytest.raises(ConfigError, match="already exists"):
        store.create("staging")
    with pytest.raises(ConfigError, match="invalid profile name"):
        store.create("../evil")
    with pytest.raises(ConfigError, match="no profile named 'nope'"):
        store.set_active("nope")


def test_settings_file_keeps_hand_written_comments_and_extras_roundtrip():
    store = ProfileStore()
    store.create("p")
    settings_file = store.root / "settings.toml"
    settings_file.write_text('# my console settings\ntheme = "nord"  # dark\n')
    settings = store.settings()
    settings.profiles["p"] = ProfileSettings(oauth=OAuthExtras(flow="device", audience="kms"))
    settings.keymap["quit"] = "ctrl+q"
    store.save_settings(settings)
    text = settings_file.read_text()
    assert text.startswith('# my console settings\ntheme = "nord"  # dark\n')
    assert store.settings().for_profile("p").oauth.audience == "kms"
    assert stat.S_IMODE(settings_file.stat().st_mode) == 0o600


def test_discovered_ckms_config_is_listed_and_edited_in_place_never_copied():
    home_file = _home_ckms()
    store = ProfileStore()
    [entry] = store.list()
    assert (entry.name, entry.source, entry.path) == ("ckms", "discovered", home_file)
    assert not list(store.dir.glob("*.toml")) if store.dir.exists() else True
    document = store.load("ckms")
    document.set("http_config.server_url", "https://moved:9998")
    store.save("ckms", document)
    assert home_file.read_text() == CKMS.replace("home-kms", "moved")  # comment kept, same file
    assert not store.dir.exists() or not list(store.dir.glob("*.toml"))
    store.delete("ckms")  # hides it; the user's file stays
    assert home_file.exists() and store.list() == []


def test_resolve_order_ckms_conf_then_active_then_home(tmp_path, monkeypatch):
    _home_ckms()
    assert resolve_connection().server_url == "https://home-kms:9998"  # ckms's default search
    store = ProfileStore()
    store.create("lab", "https://lab:9998")
    store.set_active("lab")
    assert resolve_connection().name == "lab"
    env_file = tmp_path / "env.toml"
    env_file.write_text('[http_config]\nserver_url = "https://env:9998"\n')
    monkeypatch.setenv("CKMS_CONF", str(env_file))
    assert resolve_connection().server_url == "https://env:9998"
    assert resolve_connection(profile="lab").server_url == "https://lab:9998"
    assert resolve_connection(conf=str(env_file)).path == env_file
    monkeypatch.setenv("CKMS_CONF", str(store.path_of("lab")))  # `CKMS_CONF=<profile file> ckms …`
    assert resolve_connection().name == "lab"
    monkeypatch.setenv("CKMS_CONF", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="specified in CKMS_CONF environment variable does not exist"):
        resolve_connection()


def test_nothing_configured_says_what_to_do():
    with pytest.raises(ConfigError) as info:
        resolve_connection()
    assert "profile import" in str(info.value) and info.value.exit_code == 3


def test_resolved_connection_masks_secrets_and_maps_legacy_keys(tmp_path):
    conf = tmp_path / "c.toml"
    conf.write_text(
        '[http_config]\nserver_url = "https://k"\naccess_token = "tok-secret-value"\n'
        'ssl_client_pkcs12_path = "c.p12"\nssl_client_pkcs12_password = "pw"\n'
    )
    connection = resolve_connection(conf=str(conf))
    assert connection.http_config["tls_client_pkcs12_path"] == "c.p12"
    assert "ssl_client_pkcs12_path" not in connection.http_config
    masked = connection.masked()
    assert masked["access_token"] == "••••••" and masked["tls_client_pkcs12_password"] == "••••••"
    assert "tok-secret-value" not in repr(connection) and "tok-secret-value" not in str(masked)
    assert [w.path for w in connection.warnings] == [
        "http_config.ssl_client_pkcs12_path",
        "http_config.ssl_client_pkcs12_password",
    ]


def test_invalid_profile_raises_config_error_listing_every_problem(tmp_path):
    conf = tmp_path / "bad.toml"
    conf.write_text('[http_config]\nserver_url = "https://k"\nfoo = 1\nbar = 2\n')
    with pytest.raises(ConfigError) as info:
        resolve_connection(conf=str(conf))
    assert [(p.path, p.line) for p in info.value.problems] == [("http_config.foo", 3), ("http_config.bar", 4)]
    assert "2 problems" in str(info.value)


def test_import_then_export_unchanged_is_byte_identical(data_dir, tmp_path):
    source = data_dir / "reference" / "ckms_configs" / "auth_plain_jwt_owner.toml"
    store = ProfileStore()
    name = store.import_(source, "auth0")
    assert stat.S_IMODE(store.path_of(name).stat().st_mode) == 0o600  # holds a token
    out = tmp_path / "out" / "ckms.toml"
    assert store.export(name, out) == []
    assert out.read_bytes() == source.read_bytes()
    with pytest.raises(ConfigError, match="already exists"):
        store.export(name, out)


def test_export_warns_that_ckms_needs_client_secret_for_pkce(tmp_path):
    store = ProfileStore()
    store.create("pkce", "https://k:9998")
    document = store.load("pkce")
    for key, value in (
        ("client_id", "console"),
        ("authorize_url", "https://idp/a"),
        ("token_url", "https://idp/t"),
        ("scopes", ["openid"]),
    ):
        document.set(f"http_config.oauth2_conf.{key}", value)
    store.save("pkce", document)
    [notice] = store.export("pkce", tmp_path / "x.toml")
    assert 'client_secret = ""' in notice
