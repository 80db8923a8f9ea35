"""Two users of one TLS sandbox (client certificates) and a client for each, for the access-rights tests."""

from __future__ import annotations

from kms_tui.client import ConnectionSettings, KmsClient
from tests.client.conftest import write_conf


def make_users(start_tls_sandbox, pki, tmp_path, extra: str = "") -> dict:
    sb = start_tls_sandbox(client_ca=True, extra=extra)
    ca = pki.ca.cert_pem.decode()
    out = {}
    for who, issued in (("alice", pki.alice), ("bob", pki.bob)):
        cert, key = pki.write(issued, f"{who}-console")
        out[who] = {
            "server_url": sb.url,
            "verified_cert": ca,
            "tls_client_pem_cert_path": str(cert),
            "tls_client_pem_key_path": str(key),
        }
    path = write_conf(tmp_path / "alice.toml", out["alice"])
    path.chmod(0o600)
    out["alice_conf"] = path
    return out


def client(conf: dict) -> KmsClient:
    return KmsClient(ConnectionSettings.from_http_config(conf))
