"""A misspelt secret key (`client_secet`) or one named like a secret is still a secret: masked by
`kms-tui profile show` (text and --json) and by `ResolvedConnection.masked()`, and it makes the file
0600 when saved. Known non-secret keys (`token_url`, `client_id`, `private_key_id`) stay visible."""

from __future__ import annotations

import json

import pytest

from kms_tui.config import ProfileStore, resolve_connection
from tests.config.profile_helpers import _mode, _save_edited_home_conf, _show

VALUE = "s3cr3t-value"


def _entra(data_dir, *, secret_key: str = "client_secret") -> str:
    """The real Entra ID ckms.toml without its access token, the client secret under ``secret_key``."""
    text = (data_dir / "reference" / "ckms_configs" / "ckms_entra_id.toml").read_text()
    lines = [line for line in text.splitlines(keepends=True) if not line.startswith("access_token =")]
    return "".join(f'{secret_key} = "{VALUE}"\n' if line.startswith("client_secret =") else line for line in lines)


@pytest.mark.parametrize("secret_key", ["client_secet", "client_secrets", "Client-Secret"])
def test_profile_show_masks_a_misspelt_client_secret_and_keeps_known_keys_visible(
    data_dir, tmp_path, capsys, secret_key
):
    conf = tmp_path / "entra.toml"
    conf.write_text(_entra(data_dir, secret_key=secret_key))
    code, shown = _show(capsys, conf, "--json")
    assert code == 0 and VALUE not in shown
    oauth = json.loads(shown)["config"]["http_config"]["oauth2_conf"]
    assert oauth[secret_key] == "••••••"
    assert oauth["client_id"] == "{CLIENT_ID}" and oauth["token_url"].endswith("/oauth2/v2.0/token")
    code, shown = _show(capsys, conf)
    assert code == 0 and VALUE not in shown
    assert f'http_config.oauth2_conf.{secret_key} = "••••••"' in shown
    assert 'http_config.oauth2_conf.client_id = "{CLIENT_ID}"' in shown
    assert "misspelling of `client_secret`" in shown  # the validator's warning is still there
    masked = resolve_connection(conf=str(conf)).masked()
    assert masked["oauth2_conf"][secret_key] == "••••••" and VALUE not in str(masked)


def test_profile_show_masks_a_misspelt_key_ckms_refuses_and_keys_named_like_secrets(tmp_path, capsys):
    conf = tmp_path / "typos.toml"
    conf.write_text(
        '[http_config]\nserver_url = "https://kms.example.com:9998"\n'
        f'acess_token = "{VALUE}-1"\n'  # refused by ckms (unknown key), shown with the problem
        "[http_config.oauth2_cof]\n"  # a misspelt table: every secret's name counts there
        f'client_secret = "{VALUE}-2"\nclient_id = "kms-console"\n'
        '[http_config.oauth2_conf]\nclient_id = "kms-console"\nauthorize_url = "https://idp/auth"\n'
        'token_url = "https://idp/token"\nscopes = ["openid"]\n'
        f'refresh_token = "{VALUE}-3"\nkeyPassword = "{VALUE}-4"\n'
        'token_endpoint = "https://idp/token-endpoint"\npassword_file = "/etc/kms/password"\n'
        'client_secret_file = "/etc/kms/client-secret"\n'
    )
    for flags in ((), ("--json",)):
        code, shown = _show(capsys, conf, *flags)
        assert code == 3 and VALUE not in shown  # exit 3: ckms refuses `acess_token`, did you mean…
        assert "did you mean `access_token`?" in shown
        # a name that says where a credential is served or stored is not the credential
        assert "https://idp/token-endpoint" in shown and "/etc/kms/password" in shown
        # ... unless the validator takes it for a misspelt secret ("rename it to `client_secret`")
        assert "/etc/kms/client-secret" not in shown and "rename `client_secret_file` to `client_secret`" in shown
        assert "kms-console" in shown and "https://kms.example.com:9998" in shown


def test_saving_a_profile_with_a_misspelt_secret_writes_it_0600(data_dir, tmp_path):
    home_conf = tmp_path / "user-home" / ".cosmian" / "ckms.toml"  # ckms's own file, edited in place
    home_conf.parent.mkdir()
    home_conf.write_text(_entra(data_dir, secret_key="client_secet"))
    home_conf.chmod(0o644)
    store = ProfileStore()
    [entry] = store.list()
    assert entry.source == "discovered"
    document = store.load(entry.name)
    document.set("http_config.server_url", "https://kms.example.com:9998")
    assert store.save(entry.name, document)
    assert _mode(home_conf) == 0o600 and VALUE in home_conf.read_text()
    backup = home_conf.with_name("ckms.toml.1")
    assert _mode(backup) == 0o600 and VALUE in backup.read_text()


def test_a_profile_with_only_non_secret_keys_keeps_its_mode(data_dir, tmp_path, capsys):
    text = _entra(data_dir).replace(f'client_secret = "{VALUE}"\n', "")
    home_conf = _save_edited_home_conf(
        tmp_path, text + 'token_endpoint = "https://idp/token-endpoint"\n', "https://kms.example.com:9998"
    )
    assert _mode(home_conf) == 0o644
    code, shown = _show(capsys, home_conf)
    assert code == 0 and "•" not in shown and "https://idp/token-endpoint" in shown
