"""Bearer tokens (API token), certificate + token, 401 handling, and the audit trail that all
of it leaves behind — which must hold the operations and never a secret."""

from __future__ import annotations

import asyncio
import base64
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time

import pytest

from kms_tui.audit import AuditEntry, AuditTrail, default_path
from kms_tui.client import ConnectionSettings, KmsClient, NotAuthenticated, RetryPolicy
from tests.client.conftest import write_conf
from tests.support.sandbox import start_sandbox

FAST = RetryPolicy(attempts=2, backoff=0.05, timeout=10)


def run(coro):
    return asyncio.run(coro)


async def _token_key(url: str) -> tuple[str, bytes]:
    async with KmsClient(ConnectionSettings.from_http_config({"server_url": url})) as client:
        uid = await client.create_symmetric_key(tags=["api-token"])
        got = await client.get(uid)
    return uid, got.find("SymmetricKey/KeyBlock/KeyValue/KeyMaterial").value


@pytest.fixture
def token_sandbox(tmp_path):
    """A sandbox whose API token is an AES key it holds (Cosmian's api_token_id); yields (url, token, key)."""
    db = tmp_path / "token.sqlite"
    first = start_sandbox(tmp_path / "setup", db=db)
    try:
        uid, key = run(_token_key(first.url))
    finally:
        first.stop()
    sb = start_sandbox(tmp_path / "token", db=db, config_toml=f'[http]\napi_token_id = "{uid}"\n')
    yield sb.url, base64.b64encode(key).decode(), key
    sb.stop()


class RefreshingCredentials:
    """The credentials protocol: a stale token first, a good one after the forced refresh."""

    def __init__(self, stale: str, fresh: str) -> None:
        self.token, self.fresh, self.refreshes = stale, fresh, 0

    async def bearer_token(self) -> str | None:
        return self.token

    async def on_unauthorized(self) -> bool:
        self.refreshes += 1
        self.token = self.fresh
        return True


def test_access_token_is_sent_as_bearer(token_sandbox):
    url, token, _ = token_sandbox

    async def go(conf):
        async with KmsClient(ConnectionSettings.from_http_config(conf), retry=FAST) as client:
            return await client.me(), await client.locate()

    user, ids = run(go({"server_url": url, "access_token": token}))
    assert user == "admin" and len(ids) == 1
    with pytest.raises(NotAuthenticated) as err:
        run(go({"server_url": url, "access_token": "not-the-token"}))
    assert err.value.exit_code == 2 and "token missing, expired or rejected" in err.value.message
    assert "not-the-token" not in err.value.describe()
    with pytest.raises(NotAuthenticated):
        run(go({"server_url": url}))


def test_unauthorized_forces_one_refresh_then_replays(token_sandbox):
    url, token, _ = token_sandbox
    creds = RefreshingCredentials("expired-token", token)

    async def go():
        async with KmsClient(ConnectionSettings.from_http_config({"server_url": url}), credentials=creds) as client:
            return await client.create_symmetric_key(tags=["after-refresh"])

    assert run(go())
    assert creds.refreshes == 1


def test_certificate_and_token_together(tmp_path, pki, token_sandbox, start_tls_sandbox):
    url, token, _ = token_sandbox
    sb = start_tls_sandbox(client_ca=True, extra="")
    cert, key = pki.write(pki.alice, "alice-both")
    conf = {
        "server_url": sb.url,
        "verified_cert": pki.ca.cert_pem.decode(),
        "access_token": "any-token",
        "tls_client_pem_cert_path": str(cert),
        "tls_client_pem_key_path": str(key),
    }

    async def go():
        async with KmsClient(ConnectionSettings.from_http_config(conf)) as client:
            return await client.me()

    assert run(go()) == "alice"  # the certificate authenticates first; the token rides along


def test_headless_not_authenticated_exit_code(kms_cli, token_sandbox, tmp_path):
    url, token, _ = token_sandbox
    bad = write_conf(tmp_path / "bad.toml", {"server_url": url, "access_token": "wrong-bearer-value"})
    r = kms_cli("locate", "--conf", bad, "--json")
    assert r.code == 2 and r.json["error"]["type"] == "NotAuthenticated"
    assert "wrong-bearer-value" not in r.out + r.err
    good = write_conf(tmp_path / "good.toml", {"server_url": url, "access_token": token})
    assert kms_cli("locate", "--conf", good, "--json").code == 0


def test_audit_trail_holds_operations_and_no_secret(kms_cli, token_sandbox, tmp_path, pki, forward_proxy):
    url, token, token_key = token_sandbox
    p12_password, proxy_password, db_secret = "P12-pass-4-audit", "pass", "database-secret-4-audit"
    conf = write_conf(
        tmp_path / "ckms.toml",
        {
            "server_url": url,
            "access_token": token,
            "database_secret": db_secret,
            "custom_headers": ["X-Api-Key: header-secret-4-audit"],
            "proxy_params": {
                "url": forward_proxy.url,
                "basic_auth_username": "user",
                "basic_auth_password": proxy_password,
                "exclusion_list": [],
            },
        },
    )
    uid = kms_cli("create", "aes", "--tag", "audited", "--conf", conf, "--json").json["id"]
    pair = kms_cli("create", "rsa", "--conf", conf, "--json").json
    assert kms_cli("revoke", uid, "--reason", "Superseded", "--conf", conf).code == 0
    assert kms_cli("destroy", uid, "--conf", conf).code == 0
    assert kms_cli("destroy", pair["private_key_id"], "--conf", conf).code == 1
    assert kms_cli("export", pair["public_key_id"], "--conf", conf).code == 0
    assert kms_cli("locate", "--conf", conf).code == 0
    # a PKCS#12 sign-in against a TLS sandbox, to put its password through the client too
    p12 = pki.alice.write_p12(tmp_path / "a.p12", p12_password)
    bad_p12 = write_conf(
        tmp_path / "p12.toml",
        {
            "server_url": url.replace("http:", "https:"),
            "tls_client_pkcs12_path": str(p12),
            "tls_client_pkcs12_password": p12_password,
        },
    )
    assert kms_cli("locate", "--conf", bad_p12).code == 4

    entries = AuditTrail().entries(50)
    ops = [(e["operation"], e["outcome"]) for e in reversed(entries)]
    assert ("Create", "ok") in ops and ("CreateKeyPair", "ok") in ops and ("Revoke", "ok") in ops
    assert ("Destroy", "ok") in ops and ("Destroy", "refused") in ops and ("Export", "ok") in ops
    assert any(op == "Locate" for op, _ in ops)
    assert all(e["profile"] and e["server"].split("//")[1] == url.split("//")[1] and e["os_user"] for e in entries)
    assert any(uid in e["object_ids"] for e in entries)

    path = default_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    raw = b"".join(p.read_bytes() for p in path.parent.glob("audit.sqlite*"))
    secrets = [
        token,
        token.lower(),
        p12_password,
        proxy_password + "@",
        db_secret,
        "header-secret-4-audit",
        base64.b64encode(b"user:pass").decode(),
    ]
    for secret in secrets:
        assert secret.encode() not in raw, f"a secret reached the audit trail: {secret[:4]}…"
    assert token_key not in raw and token_key.hex().encode() not in raw and token_key.hex().upper().encode() not in raw
    client_key_lines = [ln for ln in pki.alice.key_pem().splitlines() if not ln.startswith(b"-----")]
    assert not any(ln in raw for ln in client_key_lines)  # the client certificate's private key


def test_audit_file_is_private_and_in_wal_mode():
    trail = AuditTrail()
    trail.record(AuditEntry(operation="Locate", outcome="ok"))
    trail.flush()
    trail.close()
    assert stat.S_IMODE(default_path().stat().st_mode) == 0o600
    with sqlite3.connect(default_path()) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    for side in default_path().parent.glob("audit.sqlite-*"):
        assert stat.S_IMODE(side.stat().st_mode) == 0o600


def test_record_never_blocks_even_when_the_database_is_locked():
    trail = AuditTrail()
    blocker = sqlite3.connect(default_path(), timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
    started = time.monotonic()
    for i in range(200):
        trail.record(AuditEntry(operation="Get", outcome="ok", object_ids=[f"id-{i}"]))
    assert time.monotonic() - started < 0.2
    blocker.rollback()
    blocker.close()
    trail.flush(15)
    trail.close()
    assert len(AuditTrail().entries(500)) == 200


def test_audit_survives_a_crash_mid_write(tmp_path):
    """kill -9 a process while it writes: the file stays sound and keeps committed rows."""
    script = textwrap.dedent("""
        import sys, time
        from kms_tui.audit import AuditEntry, AuditTrail
        trail = AuditTrail()
        i = 0
        while True:
            trail.record(AuditEntry(operation="Create", outcome="ok", object_ids=[f"k{i}"]))
            i += 1
            if i == 500:
                trail.flush(); print("ready", flush=True)
            if i % 50 == 0:
                time.sleep(0.001)
    """)
    with subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=os.environ.copy()
    ) as proc:
        try:  # leaving the with block closes the pipe and waits for the writer
            assert proc.stdout.readline().strip() == "ready"
            time.sleep(0.3)
        finally:
            proc.kill()
    with sqlite3.connect(default_path()) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        count = conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    assert count >= 500
    entries = AuditTrail().entries(5)
    assert entries and entries[0]["operation"] == "Create"
