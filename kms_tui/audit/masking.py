"""Free text bound for the audit trail with anything shaped like a credential masked.

The audit trail keeps what a user typed (a revoke message) and what a server answered (an error
reason). Before either is stored, secrets are cut out by the same rules that mask a profile
(``kms_tui.config.schema``: a name with secret/password/passphrase/credential in it, ending in
token, naming a key's password or a private/API key, or a credential header such as
``Authorization`` or ``X-API-Key``), applied to ``name=value`` / ``name: value`` pairs in the
text, plus bearer tokens, JWTs, PEM private keys and passwords in URLs. The audit package may not
import ``config``; ``tests/config/test_audit_masking.py`` checks both rules agree.
"""

from __future__ import annotations

import re

from kms_tui.safetext import mask_url

MASK = "••••••"

# Same words as kms_tui.config.schema (_SECRET_WORDS, _PLACE_WORDS, _CREDENTIAL_HEADERS,
# _CREDENTIAL_HEADER_WORDS).
SECRET_WORDS = frozenset({"secret", "password", "passwd", "passphrase", "credential", "credentials"})
PLACE_WORDS = frozenset({"url", "uri", "endpoint", "path", "file"})
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
CREDENTIAL_HEADER_WORDS = ("key", "token", "secret", "auth", "password")


def named_like_a_secret(key: str) -> bool:
    """The rule of ``config.schema._named_like_a_secret`` (``api_token``, ``keyPassword``)."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key).lower().replace("-", "_").split("_")
    words = [w for w in words if w]
    if not words or words[-1] in PLACE_WORDS:
        return False
    joined = "_".join(words)
    return (
        not SECRET_WORDS.isdisjoint(words)
        or words[-1] == "token"
        or re.search(r"key_?pass", joined) is not None
        or joined.endswith(("private_key", "api_key"))
    )


def credential_header(name: str) -> bool:
    """The rule of ``config.schema.secret_header_name`` for a header's name."""
    lowered = name.strip().lower()
    return lowered in CREDENTIAL_HEADERS or any(word in lowered for word in CREDENTIAL_HEADER_WORDS)


_PRIVATE = "PRIVATE" + " KEY"  # spelt in two parts: no line of this file looks like a PEM header
_PEM = re.compile(rf"-----BEGIN [A-Z0-9 ]*{_PRIVATE}-----.*?(-----END [A-Z0-9 ]*{_PRIVATE}-----|\Z)", re.S)
_BEARER = re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]+")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s/@]+@[^\s]*")
# name = value, name: value, name=value (a value runs to the next blank, comma or semicolon,
# or is quoted)
_PAIR = re.compile(r"(?P<name>[A-Za-z][A-Za-z0-9_.-]*)(?P<sep>\s*[:=]\s*)(?P<value>\"[^\"]*\"|'[^']*'|[^\s,;]+)")


def _pair(match: re.Match[str]) -> str:
    name = match.group("name")
    secret = named_like_a_secret(name) or (":" in match.group("sep") and "_" not in name and credential_header(name))
    if (
        name.lower() in ("bearer", "basic")
        or not secret
        or match.group("value") == MASK
        or match.group("value").lower() in ("bearer", "basic")
    ):
        return match.group(0)
    return f"{name}{match.group('sep')}{MASK}"


def mask_secrets(text: str) -> str:
    """``text`` with every credential-shaped part replaced by ``••••••``."""
    if not text:
        return text
    text = _PEM.sub(MASK, text)
    text = _URL.sub(lambda m: mask_url(m.group(0)), text)
    text = _BEARER.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    text = _JWT.sub(MASK, text)
    return _PAIR.sub(_pair, text)
