"""The headless commands as scripts run them: `kms-tui login|logout|whoami`, exit codes, output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from urllib.parse import urlsplit

import httpx
import pytest
import tomlkit

from tests.auth.conftest import free_port, write_profile
from tests.support.sandbox import start_sandbox


def kms_tui(*args: str, env: dict | None = None, stdin: str | None = None, timeout: float = 60):
    return subprocess.run(
        [sys.executable, "-m", "kms_tui", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def jwt_sandbox(tmp_path, mock_idp):
    provider = f"{mock_idp.issuer},{mock_idp.discovery['jwks_uri']}"
    sandbox = start_sandbox(tmp_path / "sandbox", config_toml=f'[idp_auth]\njwt_auth_provider = ["{provider}"]\n')
    yield sandbox
    sandbox.stop()


def test_client_credentials_login_then_whoami_then_logout(tmp_path, mock_idp, jwt_sandbox):
    conf = write_profile(
        tmp_path / "ckms.toml",
        mock_idp,
        client_id="svc",
        client_secret="svc-secret",
        scopes=["kms"],
        server_url=jwt_sandbox.url,
    )
    login = kms_tui("login", "--client-credentials", "--conf", str(conf), "--json")
    assert login.returncode == 0, login.stderr
    assert json.loads(login.stdout)["user"] == "alice@example.com"
    token = tomlkit.parse(conf.read_text())["http_config"]["access_token"]

    who = kms_tui("whoami", "--conf", str(conf), "--json")
    assert who.returncode == 0, who.stderr
    data = json.loads(who.stdout)
    assert data["user"] == "alice@example.com" and data["token"]["email"] == "alice@example.com"
    assert data["token"]["verified"] is False and data["can_create"] is True
    assert data["sign_in_methods"] == ["oauth2 client_credentials"] and data["server_version"]
    assert token not in who.stdout + who.stderr + login.stdout + login.stderr
    text = kms_tui("whoami", "--conf", str(conf))
    assert text.returncode == 0 and "alice@example.com" in text.stdout and "[claims not verified]" in text.stdout

    logout = kms_tui("logout", "--conf", str(conf))
    assert logout.returncode == 0 and "revoked at the identity provider" in logout.stdout
    assert "access_token" not in tomlkit.parse(conf.read_text())["http_config"]
    again = kms_tui("whoami", "--conf", str(conf))
    assert again.returncode == 2 and "kms-tui login" in again.stderr


def test_login_over_ssh_pastes_the_redirect_address(tmp_path, mock_idp):
    conf = write_profile(tmp_path / "ckms.toml", mock_idp)
    port = free_port()
    env = {**os.environ, "SSH_CONNECTION": "10.0.0.2 5000 10.0.0.1 22", "OAUTH2_REDIRECT_URL_PORT": str(port)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kms_tui", "login", "--conf", str(conf)],
        env=env,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        url = None
        seen = []
        while url is None:
            line = proc.stderr.readline()
            assert line, "".join(seen)
            seen.append(line)
            if line.strip().startswith("http"):
                url = line.strip()
        assert "over SSH" in "".join(seen)
        redirect = httpx.get(url, follow_redirects=False, timeout=10).headers["location"]
        assert urlsplit(redirect).netloc == f"localhost:{port}"
        out, err = proc.communicate(redirect + "\n", timeout=30)
    finally:
        proc.kill() if proc.poll() is None else None
    assert proc.returncode == 0, err
    assert "Signed in as alice@example.com" in out


def test_login_timeout_and_busy_port_exit_codes(tmp_path, mock_idp):
    conf = write_profile(tmp_path / "ckms.toml", mock_idp)
    port = free_port()
    timed_out = kms_tui(
        "login", "--conf", str(conf), "--no-browser", "--timeout", "0.5", env={"OAUTH2_REDIRECT_URL_PORT": str(port)}
    )
    assert timed_out.returncode == 2 and "within 0 s" in timed_out.stderr and "http" in timed_out.stderr
    import socket

    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        busy = kms_tui("login", "--conf", str(conf), "--no-browser", env={"OAUTH2_REDIRECT_URL_PORT": str(port)})
    assert busy.returncode == 3 and f"Port {port}" in busy.stderr


def test_device_login_that_expires_exits_2(tmp_path):
    from tests.support.idp import start_strict_idp

    idp = start_strict_idp(tmp_path / "op", device_ttl=2)
    try:
        conf = write_profile(tmp_path / "ckms.toml", idp, client_id="kms-device")
        started = time.monotonic()
        result = kms_tui("login", "--device", "--conf", str(conf))
    finally:
        idp.stop()
    assert result.returncode == 2, result.stderr
    assert "enter the code" in result.stderr and "█" in result.stderr  # code, URL and QR were shown
    assert "expired" in result.stderr and time.monotonic() - started < 30


def test_no_oauth_configuration_is_a_usage_error(tmp_path):
    conf = tmp_path / "ckms.toml"
    conf.write_text('[http_config]\nserver_url = "http://127.0.0.1:9"\n')
    result = kms_tui("login", "--conf", str(conf))
    assert result.returncode == 3 and "oauth2_conf" in result.stderr


def test_login_opens_the_browser_when_there_is_a_desktop(tmp_path, mock_idp):
    conf = write_profile(tmp_path / "ckms.toml", mock_idp)
    browser = tmp_path / "browser.py"  # what $BROWSER launches: it follows the IdP's redirect home
    browser.write_text("import sys, httpx\nhttpx.get(sys.argv[1], follow_redirects=True, timeout=10)\n")
    env = {"DISPLAY": ":99", "BROWSER": f"{sys.executable} {browser} %s", "OAUTH2_REDIRECT_URL_PORT": str(free_port())}
    result = kms_tui("login", "--conf", str(conf), "--timeout", "20", env=env)
    assert result.returncode == 0, result.stderr
    assert "A browser window was opened" in result.stderr and "Open this address" in result.stderr
    assert "Signed in as alice@example.com" in result.stdout


def test_device_login_approved_on_another_device(tmp_path, strict_idp):
    from tests.support.idp import strict_idp_browser

    conf = write_profile(tmp_path / "ckms.toml", strict_idp, client_id="kms-device")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kms_tui", "login", "--device", "--conf", str(conf)],
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        code = None
        while code is None:
            line = proc.stderr.readline()
            assert line, "no user code shown"
            if "enter the code:" in line:
                code = line.split(":", 1)[1].strip()
        # The user types the code on their phone (here: the verification page with the code filled in).
        strict_idp_browser(f"{strict_idp.issuer}/device?user_code={code}", login="grace@example.com")
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill() if proc.poll() is None else None
    assert proc.returncode == 0, err
    assert "Signed in as grace@example.com" in out


def test_a_bad_redirect_port_is_a_usage_error(tmp_path, mock_idp):
    conf = write_profile(tmp_path / "ckms.toml", mock_idp)
    result = kms_tui("login", "--conf", str(conf), "--no-browser", env={"OAUTH2_REDIRECT_URL_PORT": "http"})
    assert result.returncode == 3 and "Invalid OAUTH2_REDIRECT_URL_PORT: 'http'" in result.stderr


@pytest.mark.parametrize("mode", [[], ["--paste"]])
def test_ctrl_c_cancels_the_sign_in_and_frees_the_port(tmp_path, mock_idp, mode):
    import signal
    import socket

    conf = write_profile(tmp_path / "ckms.toml", mock_idp)
    port = free_port()
    env = {**os.environ, "OAUTH2_REDIRECT_URL_PORT": str(port)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kms_tui", "login", "--no-browser", *mode, "--conf", str(conf)],
        env=env,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        while "http" not in (line := proc.stderr.readline()):
            assert line, "the sign-in address was never shown"
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill() if proc.poll() is None else None
    assert proc.returncode == 2 and "cancelled" in err
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # the listener is gone


async def test_an_expired_session_makes_headless_commands_exit_2(tmp_path, mock_idp, jwt_sandbox, redirect_port):
    import asyncio

    from kms_tui.auth.session import Session
    from tests.auth.conftest import load_profile
    from tests.auth.helpers import login_via_loopback

    mock_idp.command("ttl", seconds=2)
    conf = write_profile(tmp_path / "ckms.toml", mock_idp, server_url=jwt_sandbox.url)
    await login_via_loopback(Session(load_profile(conf)))
    mock_idp.command("fail_refresh", error="invalid_grant")  # e.g. the refresh token was revoked
    await asyncio.sleep(2.2)
    result = await asyncio.to_thread(kms_tui, "whoami", "--conf", str(conf))
    assert result.returncode == 2
    assert "session has expired" in result.stderr and "invalid_grant" in result.stderr
    assert "kms-tui login" in result.stderr
