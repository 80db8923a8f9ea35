"""secret:// with the cosmian-kms backend against the real sandbox (over http, and over https
with a self-signed or a CA-issued certificate), and a sandbox whose own kms.toml holds only
references (``kms-tui serve --backend NAME -c kms.toml``)."""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from kms_tui.config import ProfileSettings, ProfileStore, SecretError, resolve_connection
from tests.config.certs import make_cert, pem, server_tls, write_p12, write_pair
from tests.config.fakes import vault
from tests.config.fakes.server import serve
from tests.support.sandbox import Sandbox, start_sandbox


def register_secret(url: str, value: bytes, object_type: str = "SecretData", *, verify: bool = True) -> str:
    """Register a SecretData (or OpaqueObject) with a raw KMIP Register; returns its id."""
    if object_type == "SecretData":
        obj = {
            "tag": "SecretData",
            "value": [
                {"tag": "SecretDataType", "type": "Enumeration", "value": "Password"},
                {
                    "tag": "KeyBlock",
                    "value": [
                        {"tag": "KeyFormatType", "type": "Enumeration", "value": "Opaque"},
                        {
                            "tag": "KeyValue",
                            "value": [{"tag": "KeyMaterial", "type": "ByteString", "value": value.hex().upper()}],
                        },
                    ],
                },
            ],
        }
    else:
        obj = {
            "tag": "OpaqueObject",
            "value": [
                {"tag": "OpaqueDataType", "type": "Enumeration", "value": "Unknown"},
                {"tag": "OpaqueDataValue", "type": "ByteString", "value": value.hex().upper()},
            ],
        }
    body = {
        "tag": "Register",
        "value": [
            {"tag": "ObjectType", "type": "Enumeration", "value": object_type},
            {"tag": "Attributes", "value": [{"tag": "ObjectType", "type": "Enumeration", "value": object_type}]},
            obj,
        ],
    }
    answer = httpx.post(url + "/kmip/2_1", json=body, timeout=10, verify=verify)
    assert answer.status_code == 200, answer.text
    return next(n["value"] for n in answer.json()["value"] if n["tag"] == "UniqueIdentifier")


def _profile(reference: str) -> None:
    store = ProfileStore()
    store.create("chained")
    store.save_text("chained", f'[http_config]\nserver_url = "https://kms:9998"\naccess_token = "{reference}"\n')
    store.set_profile_settings("chained", ProfileSettings(secret_backend="cosmian-kms"))


def test_secret_data_and_opaque_object_resolve_from_the_sandbox(sandbox):
    host = sandbox.url.removeprefix("http://")
    uid = register_secret(sandbox.url, b"token-from-kms")
    _profile(f"secret://{host}/{uid}")
    connection = resolve_connection("chained")
    assert connection.http_config["access_token"] == "token-from-kms"
    assert connection.masked()["access_token"] == f"secret://{host}/{uid} [••••••]"
    opaque = register_secret(sandbox.url, b"opaque-value", "OpaqueObject")
    ProfileStore().save_text(
        "chained", f'[http_config]\nserver_url = "https://k"\naccess_token = "secret://{host}/{opaque}"\n'
    )
    assert resolve_connection("chained").http_config["access_token"] == "opaque-value"


def test_unknown_object_and_wrong_object_type_are_named(sandbox):
    host = sandbox.url.removeprefix("http://")
    _profile(f"secret://{host}/no-such-object")
    with pytest.raises(SecretError) as info:
        resolve_connection("chained")
    assert f"secret://{host}/no-such-object" in str(info.value) and "http_config.access_token" in str(info.value)
    created = httpx.post(
        sandbox.url + "/kmip/2_1",
        json={
            "tag": "Create",
            "value": [
                {"tag": "ObjectType", "type": "Enumeration", "value": "SymmetricKey"},
                {
                    "tag": "Attributes",
                    "value": [
                        {"tag": "CryptographicAlgorithm", "type": "Enumeration", "value": "AES"},
                        {"tag": "CryptographicLength", "type": "Integer", "value": 256},
                    ],
                },
            ],
        },
        timeout=10,
    ).json()
    key_id = next(n["value"] for n in created["value"] if n["tag"] == "UniqueIdentifier")
    ProfileStore().save_text(
        "chained", f'[http_config]\nserver_url = "https://k"\naccess_token = "secret://{host}/{key_id}"\n'
    )
    with pytest.raises(SecretError, match="is a SymmetricKey, not a SecretData or OpaqueObject"):
        resolve_connection("chained")


# The backend uses http for localhost/127.0.0.1, https for any other host: an HTTPS sandbox
# listens on 127.0.0.2, another loopback address.
TLS_HOST = "127.0.0.2"


def _tls_sandbox(tmp_path: Path, cert, key) -> Sandbox:
    try:
        socket.create_server((TLS_HOST, 0)).close()
    except OSError:
        pytest.skip(f"this machine cannot listen on {TLS_HOST}")
    cert_path, key_path = write_pair(tmp_path, "server", cert, key)
    return start_sandbox(
        tmp_path / "tls-sandbox",
        host=TLS_HOST,
        config_toml=f'[tls]\ntls_cert_file = "{cert_path}"\ntls_key_file = "{key_path}"\n',
    )


def test_self_signed_server_is_refused_without_insecure_certs_and_accepted_with_it(tmp_path, monkeypatch):
    with _tls_sandbox(tmp_path, *make_cert(TLS_HOST, ip=TLS_HOST)) as sb:
        assert sb.url.startswith(f"https://{TLS_HOST}:")
        uid = register_secret(sb.url, b"token-over-tls", verify=False)
        reference = f"secret://{sb.url.removeprefix('https://')}/{uid}"
        _profile(reference)
        for setting in (None, "0"):
            if setting is not None:
                monkeypatch.setenv("COSMIAN_KMS_INSECURE_CERTS", setting)
            with pytest.raises(SecretError) as info:
                resolve_connection("chained")
            text = str(info.value)
            assert "http_config.access_token" in text and reference in text
            assert (
                f"cannot reach {sb.url}: TLS: the server certificate of {TLS_HOST} is issued by an unknown CA" in text
            )
            assert info.value.fix.startswith("for a test server set COSMIAN_KMS_INSECURE_CERTS=1")
            assert "verified_cert" not in text  # the profile's TLS keys are not this connection's
        monkeypatch.setenv("COSMIAN_KMS_INSECURE_CERTS", "1")
        connection = resolve_connection("chained")
    assert connection.http_config["access_token"] == "token-over-tls"
    assert connection.masked()["access_token"] == f"{reference} [••••••]"


def test_server_issued_by_a_trusted_ca_needs_no_variable(tmp_path, monkeypatch):
    ca_cert, ca_key = make_cert("test CA", ca=True, days=2)
    (tmp_path / "ca.pem").write_bytes(pem(ca_cert))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))  # OpenSSL's trust store for this test
    with _tls_sandbox(tmp_path, *make_cert(TLS_HOST, issuer=(ca_cert, ca_key), ip=TLS_HOST)) as sb:
        uid = register_secret(sb.url, b"trusted-token", verify=False)
        _profile(f"secret://{sb.url.removeprefix('https://')}/{uid}")
        assert resolve_connection("chained").http_config["access_token"] == "trusted-token"


@pytest.fixture
def vault_with_sandbox_secrets():
    vault.SECRETS.clear()
    vault.SECRETS[("secret", "sandbox/tls")] = {"p12_password": "p12-from-vault"}
    vault.SECRETS[("secret", "sandbox/db")] = {"value": "db-pw"}
    with serve(vault.VaultHandler) as server:
        yield server


KMS_TOML = """\
default_username = "admin"

[tls]
tls_p12_file = "server.p12"
tls_p12_password = "secret://secret/sandbox/tls#p12_password"

[db]
database_url = "postgresql://kms:secret://secret/sandbox/db@db.internal/kms"
"""


def test_sandbox_starts_with_a_kms_toml_whose_secrets_are_all_references(tmp_path, vault_with_sandbox_secrets):
    ca, cert, key = server_tls(tmp_path)
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    leaf = x509.load_pem_x509_certificate(cert.read_bytes())
    private = serialization.load_pem_private_key(key.read_bytes(), None)
    workdir = tmp_path / "sb"
    workdir.mkdir()
    write_p12(workdir / "server.p12", leaf, private, "p12-from-vault")
    env = {"VAULT_ADDR": vault_with_sandbox_secrets.url, "VAULT_TOKEN": vault.TOKEN}
    sb = start_sandbox(workdir, config_toml=KMS_TOML, extra_args=["--backend", "vault"], env=env)
    try:
        assert sb.url.startswith("https://")
        answer = httpx.get(
            sb.url + "/version", verify=ssl.create_default_context(cafile=str(ca)), timeout=10
        )  # TLS with the p12 from Vault
        assert answer.status_code == 200
    finally:
        sb.stop()
    assert (workdir / "kms.toml").read_text() == KMS_TOML  # references never written back
    assert "p12-from-vault" not in sb.log.read_text(errors="replace")


def test_sandbox_refuses_to_start_when_a_reference_fails(tmp_path, vault_with_sandbox_secrets):
    (tmp_path / "kms.toml").write_text(KMS_TOML)
    env = {
        "VAULT_ADDR": vault_with_sandbox_secrets.url,
        "VAULT_TOKEN": "bad-token",
        "KMS_SECRET_BACKEND": "vault",
        "KMS_TUI_HOME": str(tmp_path / "home"),
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kms_tui",
            "serve",
            "--port",
            "0",
            "--db",
            str(tmp_path / "db.sqlite"),
            "-c",
            str(tmp_path / "kms.toml"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=str(tmp_path),
    )
    assert done.returncode == 3
    assert "tls.tls_p12_password" in done.stderr and "secret://secret/sandbox/tls#p12_password" in done.stderr
    assert "403" in done.stderr and "bad-token" not in done.stderr and "listening" not in done.stdout
