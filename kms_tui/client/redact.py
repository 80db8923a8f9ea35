"""KMIP JSON TTLV (and REST JSON) with secrets masked, for ``--print-kmip`` and the console's
"show the command" view: never key material, a password, a token or the data being encrypted.

In a TTLV node (``{"tag", "type", "value"}``) the value is masked when it is:

* a ``ByteString`` (key material, plaintext and ciphertext ``Data``, wrapped keys…), except the
  tags that are never secret (nonces, tags, signatures, digests, MACs: :data:`OPEN_BYTES`);
* a ``BigInteger`` other than a public key's modulus and exponent (RSA private fields are
  BigIntegers in a Transparent key);
* any value whose tag is named like a secret (``Password``, ``…Token``, ``…Secret``: the rule of
  :func:`kms_tui.audit.masking.named_like_a_secret`).

A masked value keeps its tag and type and says how long it was: ``"•••••• (32 bytes)"``. In plain
JSON (the access REST routes) a string under a key named like a secret is masked.
"""

from __future__ import annotations

import json
from typing import Any

from kms_tui.audit.masking import MASK, named_like_a_secret
from kms_tui.safetext import visible

OPEN_BYTES = frozenset({"IVCounterNonce", "AuthenticatedEncryptionTag", "SignatureData", "MACData",
                        "DigestValue", "CorrelationValue", "InitIndicator", "FinalIndicator"})
OPEN_BIG_INTEGERS = frozenset({"Modulus", "PublicExponent"})


def _masked_size(value: Any, kind: str) -> str:
    if kind == "ByteString" and isinstance(value, str):
        return f"{MASK} ({len(value) // 2} bytes)"
    return MASK


def redact(node: Any) -> Any:
    """A copy of a decoded JSON document with the secrets masked (see the module's rules)."""
    if isinstance(node, list):
        return [redact(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "tag" in node and "value" in node:  # a TTLV node
        tag, kind, value = str(node.get("tag")), str(node.get("type", "Structure")), node.get("value")
        out = dict(node)
        if isinstance(value, list):
            out["value"] = redact(value)
        elif ((kind == "ByteString" and tag not in OPEN_BYTES)
              or (kind == "BigInteger" and tag not in OPEN_BIG_INTEGERS) or named_like_a_secret(tag)):
            out["value"] = _masked_size(value, kind)
        return out
    return {k: (MASK if isinstance(v, str) and v and named_like_a_secret(str(k)) else redact(v)) for k,
            v in node.items()}


def redact_text(text: str | bytes, *, limit: int = 64 * 1024) -> str:
    """``text`` (JSON) masked and indented; not JSON (a server's plain-text error, a web page):
    its first 200 characters, escaped; past ``limit`` characters cut with a note."""
    try:
        document = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        if not text:
            return "(empty)"
        raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        cut = "…" if len(raw) > 200 else ""
        return f"(not JSON, {len(text)} bytes) {visible(raw[:200])}{cut}"  # an error reason, a web page
    shown = json.dumps(redact(document), indent=2, ensure_ascii=False)
    if len(shown) > limit:
        shown = shown[:limit] + f"\n… ({len(shown) - limit} more characters)"
    return shown
