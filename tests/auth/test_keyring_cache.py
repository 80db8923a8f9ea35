"""The credential cache uses the OS keyring when one is usable, else a 0600 file."""

from __future__ import annotations

import keyring
import pytest

from kms_tui.auth.cache import CachedCredentials, CredentialCache
from kms_tui.auth.tokens import TokenSet
from tests.auth.helpers import MemoryKeyring, mode


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def creds() -> CachedCredentials:
    return CachedCredentials(
        method="authorization_code",
        client_id="c",
        token_endpoint="https://idp/token",
        tokens=TokenSet(access_token="at-value", refresh_token="rt-value", expires_at=1e10),
    )


def test_keyring_holds_the_secrets_when_usable(memory_keyring, monkeypatch):
    monkeypatch.setenv("KMS_TUI_KEYRING", "on")
    cache = CredentialCache("prod")
    assert cache.backend == "keyring"
    cache.save(creds())
    assert not cache.path.exists()  # nothing on disk
    assert "rt-value" in memory_keyring.entries[("kms-tui", "prod")]
    assert CredentialCache("prod").load().tokens.refresh_token == "rt-value"
    assert cache.forget() is True and memory_keyring.entries == {}


def test_a_non_os_keyring_is_not_trusted_by_default(memory_keyring):
    cache = CredentialCache("prod")  # an unknown backend (e.g. a plaintext file keyring): use our 0600 file
    assert cache.backend == "file"
    cache.save(creds())
    assert mode(cache.path) == 0o600 and memory_keyring.entries == {}
    assert "at-value" not in repr(cache.load())


def test_a_corrupt_cache_is_ignored_not_fatal(tmp_path):
    cache = CredentialCache("prod")
    cache.path.parent.mkdir(parents=True, exist_ok=True)
    cache.path.write_text("{not json")
    assert cache.load() is None
