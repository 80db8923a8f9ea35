"""The real ckms.toml files: load, round-trip byte for byte, edit one line, legacy keys."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from kms_tui.config import ConfigError, ProfileDocument, ProfileStore, validate_document


def _configs(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "reference" / "ckms_configs").glob("*.toml"))


def test_every_real_config_loads_and_the_bad_one_names_its_key(data_dir):
    files = _configs(data_dir)
    assert len(files) >= 10
    for path in files:
        problems = [p for p in validate_document(path.read_text()) if p.is_error]
        if ".bad." in path.name:
            assert [p.path for p in problems] == ["http_config.server_url"], path.name
            assert "missing required key `server_url`" in problems[0].message
            assert problems[0].line == 1  # the [http_config] header it belongs in
        else:
            assert problems == [], f"{path.name}: {problems}"


def test_importing_the_bad_config_fails_with_a_readable_message(data_dir, tmp_path):
    with pytest.raises(ConfigError) as info:
        ProfileStore().import_(data_dir / "reference" / "ckms_configs" / "ckms.bad.toml")
    text = str(info.value)
    assert "server_url" in text and "line 1" in text
    assert "eyJ" not in text  # the file's token never leaks into the message
    assert info.value.exit_code == 3
    assert ProfileStore().list() == []


def test_noop_save_is_byte_identical_and_writes_nothing(data_dir, tmp_path):
    for source in _configs(data_dir):
        if ".bad." in source.name:
            continue
        copy = tmp_path / source.name
        copy.write_bytes(source.read_bytes())
        before = copy.stat().st_mtime_ns
        document = ProfileDocument.load(copy)
        assert document.save() is False, source.name
        assert copy.read_bytes() == source.read_bytes()
        assert copy.stat().st_mtime_ns == before
        assert not copy.with_name(copy.name + ".1").exists()


@pytest.mark.parametrize(
    "name, key, value",
    [
        ("pem_cert_and_token_auth.toml", "http_config.server_url", "https://kms.internal:9998"),
        ("auth_plain_jwt_owner.toml", "http_config.oauth2_conf.client_id", "another-client"),
        ("ckms_entra_id.toml", "http_config.accept_invalid_certs", False),
        ("ckms_jwt.toml", "gmail_api_conf.project_id", "prod"),
    ],
)
def test_one_value_edit_changes_only_that_line(data_dir, tmp_path, name, key, value):
    source = data_dir / "reference" / "ckms_configs" / name
    copy = tmp_path / name
    copy.write_bytes(source.read_bytes())
    document = ProfileDocument.load(copy)
    document.set(key, value)
    assert document.save() is True
    old, new = source.read_text().splitlines(), copy.read_text().splitlines()
    changed = [line for line in difflib.ndiff(old, new) if line[:1] in "+-"]
    if key.endswith("accept_invalid_certs"):  # a key that was absent: exactly one line added
        assert changed == ["+ accept_invalid_certs = false"]
    else:
        assert len(changed) == 2, changed
        assert changed[0].startswith("- ") and changed[1].startswith("+ ")
        assert repr(value).strip("'") in changed[1]
    assert copy.with_name(name + ".1").read_bytes() == source.read_bytes()  # the previous version kept as .1


def test_legacy_ssl_keys_load_and_are_renamed_in_place_on_next_save(tmp_path):
    path = tmp_path / "legacy.toml"
    path.write_text(
        "[http_config]\n"
        'server_url = "https://kms:9998"\n'
        "# the bundle\n"
        'ssl_client_pkcs12_path = "client.p12"  # keep me\n'
        'ssl_client_pkcs12_password = ""\n'
    )
    document = ProfileDocument.load(path)
    warnings = [p for p in document.problems() if not p.is_error]
    assert [p.path for p in warnings] == [
        "http_config.ssl_client_pkcs12_path",
        "http_config.ssl_client_pkcs12_password",
    ]
    assert "renamed to `tls_client_pkcs12_path`" in warnings[0].message
    assert not [p for p in document.problems() if p.is_error]
    assert document.save() is True
    assert document.notices == [
        "`ssl_client_pkcs12_path` renamed to `tls_client_pkcs12_path` (ckms deprecated the ssl_ name)",
        "`ssl_client_pkcs12_password` renamed to `tls_client_pkcs12_password` (ckms deprecated the ssl_ name)",
    ]
    assert path.read_text() == (
        "[http_config]\n"
        'server_url = "https://kms:9998"\n'
        "# the bundle\n"
        'tls_client_pkcs12_path = "client.p12"  # keep me\n'
        'tls_client_pkcs12_password = ""\n'
    )


def test_legacy_key_is_dropped_when_the_new_name_is_also_set(tmp_path):
    path = tmp_path / "both.toml"
    path.write_text(
        '[http_config]\nserver_url = "https://kms"\nssl_client_pem_cert_path = "old.crt"\n'
        'tls_client_pem_cert_path = "new.crt"\ntls_client_pem_key_path = "k.pem"\n'
    )
    document = ProfileDocument.load(path)
    document.save()
    assert "old.crt" not in path.read_text() and "new.crt" in path.read_text()
    assert "wins" in document.notices[0]
