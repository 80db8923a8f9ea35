"""``--debug[=FILE]``: the TLS, proxy, retry and token-refresh decisions in a 0600 file, no secret.

The end-to-end test runs ``kms-tui whoami`` as a script would, against the real sandbox over TLS,
through a proxy with basic authentication whose first CONNECT fails (the retry path), with an
OAuth2 client-credentials token that is due for a refresh.
"""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import tomlkit

from kms_tui import cli, exitcodes
from kms_tui.commands import options
from tests.client.support.fault_proxy import FlakyTunnel
from tests.support.idp import start_mock_idp

CLIENT_SECRET = "svc-secret-4f1c9a77e2"
PROXY_PASSWORD = "proxy-pass-8d2e61b0"


def kms_tui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kms_tui", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_debug_log_names_each_decision_and_no_secret(tmp_path, start_tls_sandbox, pki):
    idp = start_mock_idp(tmp_path / "idp", token_ttl=20)  # a refresh is due after a quarter of it
    proxy = FlakyTunnel(password=PROXY_PASSWORD, refuse_count=0).start()
    try:
        provider = f"{idp.issuer},{idp.discovery['jwks_uri']}"
        sb = start_tls_sandbox(extra=f'[idp_auth]\njwt_auth_provider = ["{provider}"]\n')
        conf = tmp_path / "ckms.toml"
        conf.write_text(
            tomlkit.dumps(
                {
                    "http_config": {
                        "server_url": sb.url,
                        "verified_cert": pki.ca.cert_pem.decode(),
                        "proxy_params": {
                            "url": proxy.url,
                            "basic_auth_username": "user",
                            "basic_auth_password": PROXY_PASSWORD,
                            "exclusion_list": [],
                        },
                        "oauth2_conf": {
                            "client_id": "svc",
                            "client_secret": CLIENT_SECRET,
                            "scopes": ["kms"],
                            "authorize_url": idp.discovery["authorization_endpoint"],
                            "token_url": idp.discovery["token_endpoint"],
                        },
                    }
                }
            )
        )
        login = kms_tui("login", "--client-credentials", "--conf", str(conf))
        assert login.returncode == 0, login.stderr
        first_token = tomlkit.parse(conf.read_text())["http_config"]["access_token"]

        time.sleep(5.5)  # due for a refresh now, and not yet expired even on a loaded machine
        proxy.refuse_count = 1  # the proxy restarts: the next CONNECT is refused once
        log = tmp_path / "logs" / "debug.log"
        log.parent.mkdir()
        who = kms_tui("--debug=" + str(log), "whoami", "--conf", str(conf), "--json")
        assert who.returncode == 0, who.stderr
        assert proxy.answers.count(503) == 1 and proxy.answers[-1] == 200  # refused once, then tunnelled
        new_token = tomlkit.parse(conf.read_text())["http_config"]["access_token"]
        assert new_token != first_token  # and the token was refreshed on the way
    finally:
        proxy.stop()
        idp.stop()

    assert mode(log) == 0o600
    text = log.read_text()
    assert "TLS: verifying server with CA CN=" in text and "(verified_cert)" in text
    assert "TLS: no client certificate" in text
    assert f"proxy: through {proxy.url} (proxy_params, basic auth as user)" in text
    assert "retry 1/2 after ProxyError" in text and "never_sent" in text and "again in" in text
    assert "answered HTTP 200 on attempt 2/3" in text
    # The refresh is decided either on use ("was due") or, when it gets there first, by the
    # session's worker; either way the grant and the new expiry are logged (the order of the two
    # varies on a loaded machine, so the reason line is not required).
    assert "refresh: the token of profile" not in text or "was due" in text
    assert "client_credentials grant at " + idp.discovery["token_endpoint"] in text
    assert "new token expires in" in text
    basic = base64.b64encode(f"user:{PROXY_PASSWORD}".encode()).decode()
    for secret in (first_token, new_token, CLIENT_SECRET, PROXY_PASSWORD, basic):
        assert secret not in text
    for part in (first_token.split(".")[1], new_token.split(".")[1]):  # not even a JWT's claims
        assert part not in text


def test_debug_before_or_after_the_command_writes_the_default_file(kms_cli):
    state = Path(os.environ["KMS_TUI_HOME"]) / "state"
    for args in (["--debug", "audit", "--json"], ["audit", "--json", "--debug"]):
        result = kms_cli(*args)
        assert result.code == 0, result.err
        assert result.json is not None  # the command itself ran as usual
    log = state / "kms-tui-debug.log"
    assert mode(log) == 0o600
    assert log.read_text().count("debug log started") == 2  # appended, not replaced


def test_a_word_after_a_bare_debug_is_the_command_not_a_file(tmp_path):
    args = cli.parse(["--debug", "revoke", "some-uid", "--reason", "Superseded"])
    assert options.settle(args) is None
    assert args.command == "revoke" and args.id == "some-uid" and args.debug == ""
    args = cli.parse(["revoke", "--debug=" + str(tmp_path / "x.log"), "some-uid", "--reason", "Superseded"])
    assert options.settle(args) is None and args.debug == str(tmp_path / "x.log") and args.id == "some-uid"
    console = cli.parse(["--debug"])
    assert options.settle(console) is None and options.console_problem(console) is None  # the console takes it


def test_a_link_at_the_debug_file_is_refused_and_nothing_is_written(tmp_path, kms_cli):
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me\n")
    os.chmod(target, 0o644)
    link = tmp_path / "debug.log"
    link.symlink_to(target)
    result = kms_cli("--debug=" + str(link), "audit")
    assert result.code == exitcodes.USAGE
    assert "symbolic link" in result.err and "--debug" in result.err
    assert target.read_text() == "keep me\n" and mode(target) == 0o644


def test_two_debug_files_or_debug_on_serve_are_usage_errors(tmp_path, kms_cli):
    two = kms_cli(f"--debug={tmp_path / 'a.log'}", "audit", f"--debug={tmp_path / 'b.log'}")
    assert two.code == exitcodes.USAGE and "--debug was given 2 different files" in two.err
    serve = kms_cli("--debug", "serve")
    assert serve.code == exitcodes.USAGE and "takes none of the global options" in serve.err
    assert not (tmp_path / "a.log").exists()
