"""The audit trail masks free text (a revoke message, an error reason) by the same rules that mask a
profile's values: the audit package may not import config, so the two copies are checked here."""

from __future__ import annotations

import pytest

from kms_tui.audit import masking
from kms_tui.config import schema

NAMES = ["api_token", "keyPassword", "pem_key_pass", "client_secret", "passphrase", "db-credentials",
         "private_key", "my_api_key", "token_endpoint", "password_file", "token_url", "server_url",
         "username", "key_id", "tokenizer", "reason", "message", "secret_path", "access_token"]
HEADERS = ["Authorization", "Proxy-Authorization", "Cookie", "X-API-Key", "X-Auth-Token", "Accept",
           "X-Request-Id", "Content-Type", "X-Secret"]


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


@pytest.mark.parametrize("text, hidden, kept", [
    ("rotated; password=hunter2", "hunter2", "rotated; password=••••••"),
    ("Authorization: Bearer abc.def.ghi", "abc.def.ghi", "Authorization: Bearer ••••••"),
    ("api_token: s3cr3t, then reissued", "s3cr3t", "then reissued"),
    ("leaked at https://bob:pw123@kms.example/x", "pw123", "https://bob:••••••@kms.example/x"),
    ("token eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.c2lnbmF0dXJl pasted", "eyJzdWIiOiIxMjM0", "pasted"),
    ("X-API-Key: k-123", "k-123", "X-API-Key: ••••••"),
    ("key from -----BEGIN PRIVATE KEY-----\nMIIEv\n-----END PRIVATE KEY----- posted", "MIIEv", "posted"),
])
def test_secrets_in_free_text_are_masked(text, hidden, kept):
    masked = masking.mask_secrets(text)
    assert hidden not in masked and kept in masked


@pytest.mark.parametrize("text", ["laptop stolen at the airport", "token_url: https://idp/token",
                                  "superseded by key k-2 (reason: rotation)"])
def test_ordinary_text_is_kept(text):
    assert masking.mask_secrets(text) == text
