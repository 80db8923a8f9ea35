"""`kms-tui serve` as a user runs it: the first line, config loading (Cosmian's own configs),
clear errors with exit code 3, PKCS#12 TLS, the default database, non-blocking key generation."""

from __future__ import annotations

import os
import re
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from kms_tui.server.config import ServerConfigError, load_config
from tests.conftest import DATA
from tests.server.kmip import Kmip, first, key_pair
from tests.server.pki import Pki
from tests.support.sandbox import start_sandbox

CONFIGS = DATA / "conformance" / "configs" / "server" / "test"


def _serve(*args: str, env_home: Path, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kms_tui", "serve", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "KMS_TUI_HOME": str(env_home)},
    )


def test_first_line_is_exactly_the_url(tmp_path):
    sb = start_sandbox(tmp_path)
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", sb.url)
        assert httpx.get(sb.url + "/version").json().startswith("5.26.0 (")
        assert httpx.get(sb.url + "/version").json().endswith("-non-FIPS)")
        info = httpx.get(sb.url + "/server-info").json()
        assert info["fips_mode"] is False and info["default_username"] == "admin"
    finally:
        sb.stop()


@pytest.mark.parametrize("name", ["auth_plain.toml", "auth_https.toml", "cert_auth.toml"])
def test_cosmian_test_configs_load_relative_to_the_config_file(name):
    cfg = load_config(CONFIGS / name)
    assert cfg.default_username == "tech@cosmian.com"
    if name != "auth_plain.toml":
        assert cfg.tls.cert_file is not None and cfg.tls.cert_file.is_file()
    assert cfg.cert_auth == (name == "cert_auth.toml")


def test_test_data_root_option_resolves_test_data_paths(tmp_path):
    config = tmp_path / "kms.toml"
    config.write_text((CONFIGS / "cert_auth.toml").read_text())
    with pytest.raises(ServerConfigError, match="--test-data-root"):
        load_config(config)
    cfg = load_config(config, test_data_root=DATA / "conformance")
    assert cfg.tls.clients_ca_cert_file == DATA / "conformance" / "certificates/client_server/ca/ca.crt"


@pytest.mark.parametrize(
    "toml,needle",
    [
        ("default_username = ", "not valid TOML"),
        ('[http]\ntls_cert_file = "missing.crt"\ntls_key_file = "missing.key"\n', "cannot load the TLS files"),
        ('[http]\nport = "x"\n', "http.port"),
        ('[idp_auth]\njwt_auth_provider = [",x"]\n', "issuer URL is empty"),
    ],
)
def test_bad_config_exits_3_with_a_message(tmp_path, toml, needle):
    config = tmp_path / "kms.toml"
    config.write_text(toml)
    proc = _serve("--port", "0", "--db", str(tmp_path / "db.sqlite"), "-c", str(config), env_home=tmp_path)
    assert proc.returncode == 3
    assert needle in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_port_in_use_exits_3(tmp_path):
    sb = start_sandbox(tmp_path / "a")
    try:
        port = sb.url.rsplit(":", 1)[1]
        proc = _serve("--port", port, "--db", str(tmp_path / "b.sqlite"), env_home=tmp_path)
        assert proc.returncode == 3 and f"cannot listen on 127.0.0.1:{port}" in proc.stderr
    finally:
        sb.stop()


def test_pkcs12_server_identity_and_its_password_stays_secret(tmp_path):
    pki = Pki(tmp_path / "pki")
    cert_file, key_file = pki.issue("kms.test", server=True)
    key = serialization.load_pem_private_key(key_file.read_bytes(), None)
    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    password = "p12-Secret-Value"
    p12 = tmp_path / "server.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"kms", key, cert, None, serialization.BestAvailableEncryption(password.encode())
        )
    )
    sb = start_sandbox(
        tmp_path / "ok", config_toml=f'[http]\ntls_p12_file = "{p12}"\ntls_p12_password = "{password}"\n'
    )
    try:
        assert sb.url.startswith("https://")
        assert (
            httpx.get(sb.url + "/version", verify=ssl.create_default_context(cafile=str(pki.ca_file))).status_code
            == 200
        )
    finally:
        sb.stop()
    config = tmp_path / "bad.toml"
    config.write_text(f'[http]\ntls_p12_file = "{p12}"\ntls_p12_password = "wrong-{password}"\n')
    proc = _serve("--port", "0", "--db", str(tmp_path / "db.sqlite"), "-c", str(config), env_home=tmp_path)
    assert proc.returncode == 3 and "PKCS#12" in proc.stderr and password not in proc.stderr


def test_default_database_lives_in_the_data_directory(tmp_path):
    home = tmp_path / "home"
    with subprocess.Popen(
        [sys.executable, "-m", "kms_tui", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "KMS_TUI_HOME": str(home)},
    ) as proc:
        try:  # leaving the with block closes the pipe and waits for the server
            url = proc.stdout.readline().split("listening on ", 1)[1].strip()
            Kmip(url).create()
            assert (home / "data" / "sandbox.sqlite").is_file()
        finally:
            proc.terminate()


def test_aes_create_is_answered_while_rsa_4096_keys_are_generated(tmp_path):
    sb = start_sandbox(tmp_path)
    try:
        slow_done: list[bool] = []

        def rsa() -> None:
            Kmip(sb.url).ok(key_pair("RSA", length=4096))
            slow_done.append(True)

        threads = [threading.Thread(target=rsa) for _ in range(3)]
        for th in threads:
            th.start()
        client = Kmip(sb.url)
        client.http.get("/health")
        fast = [client.create() for _ in range(3)]
        finished_first = len(slow_done) < 3  # ordering, not timing: the AES keys did not wait
        for th in threads:
            th.join(timeout=120)
        assert len(fast) == 3 and len(slow_done) == 3
        assert finished_first
        assert first(client.attributes(fast[0], "State"), "State") == "Active"
    finally:
        sb.stop()


def _rsa_4096_validation_s() -> float:
    """What loading an RSA-4096 private key from DER costs here (OpenSSL checks the key)."""
    from cryptography.hazmat.primitives.asymmetric import rsa as rsa_keys

    der = rsa_keys.generate_private_key(65537, 4096).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    started = time.perf_counter()
    serialization.load_der_private_key(der, None)
    return time.perf_counter() - started


def test_the_server_keeps_answering_while_it_generates_rsa_4096_pairs(tmp_path):
    """Every RSA-4096 CreateKeyPair once held the event loop while its new key was validated
    (about 0.5 s on 2 busy cores): every other client waited that long. The longest /version
    answer during three generations stays well below one such validation, measured here."""
    validation_s = _rsa_4096_validation_s()
    sb = start_sandbox(tmp_path)
    try:
        generating = threading.Event()
        latencies: list[float] = []

        def poll() -> None:
            with httpx.Client(base_url=sb.url, timeout=60) as http:
                while generating.is_set():
                    started = time.perf_counter()
                    assert http.get("/version").status_code == 200
                    latencies.append(time.perf_counter() - started)
                    time.sleep(0.005)

        generating.set()
        poller = threading.Thread(target=poll)
        poller.start()
        try:
            client = Kmip(sb.url)
            pairs = [client.ok(key_pair("RSA", length=4096)) for _ in range(3)]
        finally:
            generating.clear()
            poller.join(timeout=60)
        assert all(first(pair, "PrivateKeyUniqueIdentifier") for pair in pairs)
        assert len(latencies) > 10
        assert max(latencies) < validation_s / 2, (
            f"/version waited {max(latencies) * 1000:.0f} ms during RSA-4096 generation "
            f"(validating one key takes {validation_s * 1000:.0f} ms here)"
        )
    finally:
        sb.stop()


def test_a_file_that_is_not_a_database_exits_3_and_is_left_alone(tmp_path):
    db = tmp_path / "notes.sqlite"
    db.write_text("these are my notes, not a database\n" * 10)
    before = db.read_bytes()
    proc = _serve("--port", "0", "--db", str(db), env_home=tmp_path)
    assert proc.returncode == 3 and "cannot open the database" in proc.stderr and "--db" in proc.stderr
    assert db.read_bytes() == before
