"""The audit trail masks free text (a revoke message, an error reason) by the same rules that mask a
profile's values: the audit package may not import config, so the two copies are checked here."""

from __future__ import annotations

import pytest

from kms_tui.audit import masking
from kms_tui.config import schema

NAMES = [
    "api_token",
    "keyPassword",
    "pem_key_pass",
    "client_secret",
    "passphrase",
    "db-credentials",
    "private_key",
    "my_api_key",
    "token_endpoint",
    "password_file",
    "token_url",
    "server_url",
    "username",
    "key_id",
    "tokenizer",
    "reason",
    "message",
    "secret_path",
    "access_token",
]
HEADERS = [
    "Authorization",
    "Proxy-Authorization",
    "Cookie",
    "X-API-Key",
    "X-Auth-Token",
    "Accept",
    "X-Request-Id",
    "Content-Type",
    "X-Secret",
]


def test_the_word_lists_are_the_same():
    assert masking.SECRET_WORDS == schema._SECRET_WORDS
    assert masking.PLACE_WORDS == schema._PLACE_WORDS
    assert masking.CREDENTIAL_HEADERS == schema._CREDENTIAL_HEADERS
    assert masking.CREDENTIAL_HEADER_WORDS == schema._CREDENTIAL_HEADER_WORDS


@pytest.mark.parametrize("name", NAMES)
def test_names_like_a_secret_agree(name):
    assert masking.named_like_a_secret(name) == schema._named_like_a_secret(name)


@pytest.mark.parametrize("name", HEADERS)
def test_credential_headers_agree(name):
    in_profile = schema.secret_header_name("http_config.custom_headers[0]", f"{name}: value") is not None
    assert masking.credential_header(name) == in_profile


@pytest.mark.parametrize(
    "text, hidden, kept",
    [
        ("rotated; password=hunter2", "hunter2", "rotated; password=••••••"),
        ("Authorization: Bearer abc.def.ghi", "abc.def.ghi", "Authorization: Bearer ••••••"),
        ("api_token: s3cr3t, then reissued", "s3cr3t", "then reissued"),
        ("leaked at https://bob:pw123@kms.example/x", "pw123", "https://bob:••••••@kms.example/x"),
        ("token eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.c2lnbmF0dXJl pasted", "eyJzdWIiOiIxMjM0", "pasted"),
        ("X-API-Key: k-123", "k-123", "X-API-Key: ••••••"),
        ("key from -----BEGIN PRIVATE KEY-----\nMIIEv\n-----END PRIVATE KEY----- posted", "MIIEv", "posted"),
    ],
)
def test_secrets_in_free_text_are_masked(text, hidden, kept):
    masked = masking.mask_secrets(text)
    assert hidden not in masked and kept in masked


@pytest.mark.parametrize(
    "text", ["laptop stolen at the airport", "token_url: https://idp/token", "superseded by key k-2 (reason: rotation)"]
)
def test_ordinary_text_is_kept(text):
    assert masking.mask_secrets(text) == text


def test_the_trail_stores_no_url_password_and_no_secret_in_details(tmp_path):
    from kms_tui.audit import AuditEntry, AuditTrail

    trail = AuditTrail(tmp_path / "audit.sqlite")
    trail.record(
        AuditEntry(
            operation="Revoke",
            outcome="failed",
            object_ids=["k1"],
            server="https://bob:pw-in-url@kms.example:9998",
            error_reason="ProxyError: http://p:proxy-pw@proxy:3128 refused",
            details={"reason": "KeyCompromise", "message": "client_secret=abc123 leaked"},
        )
    )
    trail.flush()
    trail.close()
    raw = (tmp_path / "audit.sqlite").read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("audit.sqlite-*"))
    for secret in (b"pw-in-url", b"proxy-pw", b"abc123"):
        assert secret not in raw
    entry = trail.entries(1)[0]
    assert entry["server"] == "https://bob:••••••@kms.example:9998"
    assert "http://p:••••••@proxy:3128" in entry["error_reason"]
    assert entry["details"] == {"reason": "KeyCompromise", "message": "client_secret=•••••• leaked"}
