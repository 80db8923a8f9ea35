"""A headless command reads a plain profile without pydantic or tomlkit (kms_tui.config.quick);
the connection it gets is the full path's, and a profile the fast read does not take on (an
error, a warning, a reference, a settings.toml) gets exactly the errors and messages it got before."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kms_tui.config import ConfigError, quick, resolve_connection
from kms_tui.config.settings import LimitsSettings, OAuthExtras, ProfileSettings, RetrySettings

ROOT = Path(__file__).resolve().parents[1]
URL = 'server_url = "http://127.0.0.1:9998"\n'

PLAIN = [
    "[http_config]\n" + URL,
    'vendor_id = "cosmian"\n\n[http_config]\n' + URL,
    'vendor_id = "acme"\nprint_json = true\n[http_config]\n'
    + URL
    + 'access_token = "tok"\naccept_invalid_certs = false\n',
    "[http_config]\n"
    + 'server_url = "https://kms.example.com:9998/path"\nverified_cert = "x"\ncipher_suites = "A:B"\n',
    'http_config = { server_url = "http://[::1]:1" }\n',
    "# comment\npkcs11_use_pin_as_access_token = false\n[http_config]\n"
    + URL
    + 'database_secret = "d"\nvault_token = "v"\n',
]
# Each goes to the full path: errors, warnings, references, tables, legacy keys, TLS pairs.
OTHERS = [
    "",
    "[http_config]\n" + URL + "pkcs11_use_pin_as_access_token = false\n",
    "[http_config]\n",
    '[http_config]\nserver_url = "not a url"\n',
    '[http_config]\nserver_url = "http://h:99999"\n',
    "[http_config]\nserver_url = 3\n",
    "[http_config]\n" + URL + 'acces_token = "t"\n',
    "[http_config]\n" + URL + 'accept_invalid_certs = "yes"\n',
    "[http_config]\n" + URL + 'access_token = "secret://vault"\n',
    "[http_config]\n" + URL + 'access_token = "secret://secret/kms#token"\n',
    "[http_config]\n" + URL + 'ssl_client_pem_cert_path = "c"\nssl_client_pem_key_path = "k"\n',
    "[http_config]\n" + URL + 'tls_client_pem_cert_path = "c"\n',
    "[http_config]\n" + URL + 'custom_headers = ["bad header"]\n',
    "[http_config]\n" + URL + '[http_config.oauth2_conf]\nclient_id = "c"\nauthorize_url = "http://a"\n'
    'token_url = "http://t"\nscopes = []\nissuer = "i"\n',
    "[http_config]\n" + URL + '[http_config.proxy_params]\nurl = "http://p:3128"\n',
    "[http_config]\n" + URL + URL,
    "[http_config\n" + URL,
    "vendor_id = 1\n[http_config]\n" + URL,
    "unknown = 1\n[http_config]\n" + URL,
    '[gmail_api_conf]\ntype = "x"\n[http_config]\n' + URL,
    'print_json = "no"\n[http_config]\n' + URL,
]


def _outcome(path: Path, fast: bool):
    try:
        c = resolve_connection(conf=str(path), quick=fast)
    except ConfigError as exc:
        return ("error", str(exc), exc.fix, [(p.path, p.line, p.message, p.allowed, p.severity) for p in exc.problems])
    return (
        "ok",
        c.name,
        c.path,
        c.http_config,
        c.vendor_id,
        c.references,
        [(p.path, p.line, p.message, p.severity) for p in c.warnings],
        c.source,
        c.settings == ProfileSettings(),
        c.settings.oauth.model_dump(),
        c.settings.read_only,
        c.settings.production,
        c.settings.secret_backend,
        c.settings.retry,
        c.settings.limits,
    )


@pytest.mark.parametrize("text", PLAIN + OTHERS)
def test_the_fast_read_gives_what_the_full_path_gives(text, tmp_path):
    path = tmp_path / "ckms.toml"
    path.write_text(text)
    assert _outcome(path, fast=True) == _outcome(path, fast=False)
    taken = quick.quick_connection(path, "ckms", "file") is not None
    assert taken == (text in PLAIN), (
        "the fast path took on a profile the full validation must see (or declined a plain one)"
    )


def test_an_invalid_profile_reads_the_same_error_on_the_command_line(tmp_path):
    path = tmp_path / "ckms.toml"
    path.write_text('[http_config]\nserver_url = "http://127.0.0.1:9998"\nacces_token = "t"\n')
    done = subprocess.run(
        [sys.executable, "-m", "kms_tui", "--conf", str(path), "whoami"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode != 0
    assert (
        "unknown key `acces_token` in [http_config]: ckms 5.26 refuses the file; did you mean `access_token`?"
        in done.stderr
    )


def test_a_settings_file_takes_the_full_path(tmp_path, monkeypatch):
    path = tmp_path / "ckms.toml"
    path.write_text("[http_config]\n" + URL)
    assert quick.settings_absent()
    options = quick.client_options(None)
    assert (options["retry"].timeout, options["retry"].attempts, options["retry"].backoff) == (30.0, 3, 0.5)
    home = tmp_path / "kms-tui-home"
    from kms_tui.config.store import settings_path

    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text("[retry]\nattempts = 7\n")
    assert not quick.settings_absent()
    assert quick.client_options(None)["retry"].attempts == 7
    assert home.exists()


def test_the_defaults_are_the_models():
    assert quick.DEFAULT_RETRY == RetrySettings().model_dump()
    assert quick.DEFAULT_LIMITS == LimitsSettings().model_dump()
    assert quick.DefaultOAuthExtras().model_dump() == OAuthExtras().model_dump()
    stand_in, real = quick.DefaultProfileSettings(), ProfileSettings()
    for field in ProfileSettings.model_fields:
        value = getattr(stand_in, field)
        assert (value.model_dump() if field == "oauth" else value) == (
            getattr(real, field).model_dump() if field == "oauth" else getattr(real, field)
        ), field
    assert stand_in == real and stand_in.model_dump() == real.model_dump()
