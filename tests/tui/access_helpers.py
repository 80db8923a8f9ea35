"""Two users of one TLS sandbox (client certificates) and a client for each, for the access-rights tests."""

from __future__ import annotations

from kms_tui.client import ConnectionSettings, KmsClient
from tests.client.conftest import write_conf


def make_users(start_tls_sandbox, pki, tmp_path, extra: str = "") -> dict:
    sb = start_tls_sandbox(client_ca=True, extra=extra)
    out: dict = dict(pki.user_confs(sb.url, "console"))
    path = write_conf(tmp_path / "alice.toml", out["alice"])
    path.chmod(0o600)
    out["alice_conf"] = path
    return out


def client(conf: dict) -> KmsClient:
    return KmsClient(ConnectionSettings.from_http_config(conf))
