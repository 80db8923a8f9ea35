"""Cosmian answers 401 both for missing credentials (``No authentication provided.``) and for
access-right refusals (``Access denied: …``). Only the first may trigger a token refresh; the
second is a permission problem (exit 1), never "not authenticated"."""

from __future__ import annotations

import pytest

from kms_tui.client import ConnectionSettings, KmsClient, NotAuthenticated, PermissionDenied
from tests.client.conftest import write_conf


class CountingCredentials:
    """The credentials protocol; counts the forced refreshes the client asks for."""

    def __init__(self) -> None:
        self.refreshes = 0

    async def bearer_token(self) -> str | None:
        return "a-token-the-certificate-makes-irrelevant"

    async def on_unauthorized(self) -> bool:
        self.refreshes += 1
        return True


@pytest.fixture
def officer_sandbox(start_tls_sandbox, pki):
    """Client-certificate auth where only bob may create; returns a conf builder per user."""
    sb = start_tls_sandbox(client_ca=True, extra='privileged_users = ["bob"]\n')

    def conf(who, stem: str) -> dict:
        cert, key = pki.write(who, f"{stem}-officer")
        return {
            "server_url": sb.url,
            "verified_cert": pki.ca.cert_pem.decode(),
            "tls_client_pem_cert_path": str(cert),
            "tls_client_pem_key_path": str(key),
        }

    return conf


async def test_access_denied_is_a_permission_error_without_refresh(officer_sandbox, pki):
    async with KmsClient(ConnectionSettings.from_http_config(officer_sandbox(pki.bob, "bob"))) as bob:
        bobs_key = await bob.create_symmetric_key(tags=["officer"])
    creds = CountingCredentials()
    settings = ConnectionSettings.from_http_config(officer_sandbox(pki.alice, "alice"))
    async with KmsClient(settings, credentials=creds) as alice:
        with pytest.raises(PermissionDenied) as create:
            await alice.create_symmetric_key(tags=["not-allowed"])
        with pytest.raises(PermissionDenied) as access:
            await alice.access_list(bobs_key)  # the access API: owner only
        assert await alice.locate() == []  # alice is signed in: reading her (empty) view works
    assert creds.refreshes == 0, "an Access denied 401 must not refresh the token"
    assert not isinstance(create.value, NotAuthenticated)
    assert create.value.exit_code == 1 and "create access-right" in create.value.message
    assert "not owned" in access.value.message and create.value.fix


def test_headless_create_without_the_right_exits_1(officer_sandbox, pki, kms_cli, tmp_path):
    conf = write_conf(tmp_path / "alice.toml", officer_sandbox(pki.alice, "alice"))
    r = kms_cli("create", "aes", "--conf", conf, "--json")
    assert r.code == 1, r.err
    assert r.json["error"]["type"] == "PermissionDenied"
    assert "not authenticated" not in (r.out + r.err).lower()
    assert kms_cli("locate", "--conf", conf, "--json").code == 0
