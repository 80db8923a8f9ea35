"""`[http_config] custom_headers` entries that carry a credential (`Authorization: Bearer …`,
`X-API-Key: …`, `Cookie: …`) are masked by `kms-tui profile show` (text and --json) and by
`ResolvedConnection.masked()`, the header's name staying visible, and they make the file 0600 when
saved or imported. Other headers stay visible and leave the file's mode alone."""

from __future__ import annotations

import json

import pytest

from kms_tui.cli import main
from kms_tui.client import ConnectionSettings
from kms_tui.config import ProfileStore, resolve_connection
from tests.config.profile_helpers import _mode, _save_edited_home_conf, _show

TOKEN = "s3cr3t-token"
HEADERS = ["Authorization: Bearer s3cr3t-token", "X-Trace: visible-123"]


def _profile(headers: list[str]) -> str:
    return (
        'vendor_id = "cosmian"\n\n[http_config]\nserver_url = "https://kms.example.com:9998"\n'
        f"custom_headers = {json.dumps(headers)}\n"
    )


def test_profile_show_masks_an_authorization_header_and_keeps_other_headers(tmp_path, capsys):
    conf = tmp_path / "headers.toml"
    conf.write_text(_profile(HEADERS))
    code, shown = _show(capsys, conf)
    assert code == 0 and TOKEN not in shown and "Bearer" not in shown
    assert 'http_config.custom_headers = ["Authorization: ••••••", "X-Trace: visible-123"]' in shown
    code, shown = _show(capsys, conf, "--json")
    assert code == 0 and TOKEN not in shown
    assert json.loads(shown)["config"]["http_config"]["custom_headers"] == [
        "Authorization: ••••••",
        "X-Trace: visible-123",
    ]
    connection = resolve_connection(conf=str(conf))
    assert connection.masked()["custom_headers"] == ["Authorization: ••••••", "X-Trace: visible-123"]
    assert TOKEN not in str(connection.masked())
    sent = ConnectionSettings.from_http_config(connection.http_config).custom_headers
    assert sent == (("Authorization", "Bearer s3cr3t-token"), ("X-Trace", "visible-123"))  # sent as written


@pytest.mark.parametrize(
    "header",
    [
        "Proxy-Authorization: Basic s3cr3t-token",
        "X-API-Key: s3cr3t-token",
        "cookie: session=s3cr3t-token",
        "Set-Cookie: id=s3cr3t-token",
        "X-Auth-Token: s3cr3t-token",
        "X-Client-Secret:s3cr3t-token",
        "DB-Password: s3cr3t-token",
        "authorization: Bearer s3cr3t-token",
    ],
)
def test_credential_headers_are_masked_by_name_in_either_case(tmp_path, capsys, header):
    conf = tmp_path / "headers.toml"
    conf.write_text(_profile(["Accept: application/json", header, "X-Request-Id: visible-123"]))
    name = header.partition(":")[0]
    for flags in ((), ("--json",)):
        code, shown = _show(capsys, conf, *flags)
        assert code == 0 and TOKEN not in shown
        assert f"{name}: ••••••" in shown
        assert "Accept: application/json" in shown and "X-Request-Id: visible-123" in shown


def test_a_misspelt_custom_headers_key_is_masked_too(tmp_path, capsys):
    conf = tmp_path / "headers.toml"
    conf.write_text(_profile(HEADERS).replace("custom_headers =", "custom_header ="))
    code, shown = _show(capsys, conf)
    assert code == 3 and TOKEN not in shown  # ckms refuses the unknown key; the value stays hidden
    assert "did you mean `custom_headers`?" in shown
    assert "Authorization: ••••••" in shown and "X-Trace: visible-123" in shown


def test_saving_or_importing_a_profile_with_an_authorization_header_writes_it_0600(tmp_path, capsys):
    home_conf = _save_edited_home_conf(tmp_path, _profile(HEADERS))
    assert _mode(home_conf) == 0o600 and TOKEN in home_conf.read_text()
    assert _mode(home_conf.with_name("ckms.toml.1")) == 0o600
    assert main(["profile", "import", str(home_conf), "--name", "with-token"]) == 0
    capsys.readouterr()
    assert _mode(ProfileStore().path_of("with-token")) == 0o600


def test_a_profile_whose_headers_carry_no_credential_keeps_its_mode(tmp_path, capsys):
    # a credential header whose value is a secret:// reference holds no secret in the file
    home_conf = _save_edited_home_conf(
        tmp_path, _profile(["X-Trace: visible-123", "Authorization: Bearer secret://vault/kms/prod#token"])
    )
    assert _mode(home_conf) == 0o644
    code, shown = _show(capsys, home_conf)
    assert code == 0 and "X-Trace: visible-123" in shown
    assert "Authorization: Bearer secret://vault/kms/prod#token [••••••]" in shown


def test_a_header_entry_without_a_colon_is_never_shown_and_the_check_says_how_to_write_it(tmp_path, capsys):
    """`Authorization Bearer s3cr3t-token` (no colon): where its name ends is unknown, so the
    whole entry is masked and the config check names the entry without quoting it."""
    conf = tmp_path / "malformed.toml"
    conf.write_text(_profile(["Authorization Bearer s3cr3t-token", "X-Trace: visible-123"]))
    for flags in ((), ("--json",)):
        _code, shown = _show(capsys, conf, *flags)
        assert TOKEN not in shown and "X-Trace: visible-123" in shown
        assert "custom_headers[0]" in shown and "Name: Value" in shown
    assert main(["profile", "check", "--conf", str(conf), "--json"]) != 0
    out, err = capsys.readouterr()
    assert TOKEN not in out + err and "custom_headers[0]" in out + err
