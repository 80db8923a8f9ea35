"""KMIP JSON TTLV (and REST JSON) with secrets masked, for ``--print-kmip`` and the console's
"show the command" view: never key material, a password, a token or the data being encrypted.

In a TTLV node (``{"tag", "type", "value"}``) the value is masked when it is:

* a ``ByteString`` (key material, plaintext and ciphertext ``Data``, wrapped keys…), except the
  tags that are never secret (nonces, tags, signatures, digests, MACs: :data:`OPEN_BYTES`);
* a ``BigInteger`` other than a public key's modulus and exponent (RSA private fields are
  BigIntegers in a Transparent key);
* any value whose tag is named like a secret (``Password``, ``…Token``, ``…Secret``: the rule of
  :func:`kms_tui.audit.masking.named_like_a_secret`);
* a PKCS#12 password where Cosmian carries it in an identifier: the ``LinkedObjectIdentifier``
  of a ``PKCS12PasswordLink`` (an Import of a PKCS#12, ``import_certificate.rs``) and the wrapping
  key's ``UniqueIdentifier`` of a Get/Export asking KeyFormatType PKCS12 (``export_get.rs``).

A masked value keeps its tag and type and says how long it was: ``"•••••• (32 bytes)"``. In plain
JSON (the access REST routes) a string under a key named like a secret is masked.
"""

from __future__ import annotations

import json
from typing import Any

from kms_tui.audit.masking import MASK, named_like_a_secret
from kms_tui.safetext import visible

OPEN_BYTES = frozenset(
    {
        "IVCounterNonce",
        "AuthenticatedEncryptionTag",
        "SignatureData",
        "MACData",
        "DigestValue",
        "CorrelationValue",
        "InitIndicator",
        "FinalIndicator",
    }
)
OPEN_BIG_INTEGERS = frozenset({"Modulus", "PublicExponent"})


def _masked_size(value: Any, kind: str) -> str:
    if kind == "ByteString" and isinstance(value, str):
        return f"{MASK} ({len(value) // 2} bytes)"
    return MASK


PKCS12_FORMATS = frozenset({"PKCS12", "Pkcs12Legacy"})


def _child(children: list[Any], tag: str) -> Any:
    return next((c.get("value") for c in children if isinstance(c, dict) and c.get("tag") == tag), None)


def _mask_identifiers(node: Any, tag: str) -> Any:
    """``node`` with the value of every ``tag`` inside it masked (a password sent as an id)."""
    if not isinstance(node, dict):
        return node
    if node.get("tag") == tag and not isinstance(node.get("value"), list):
        return {**node, "value": MASK}
    if isinstance(node.get("value"), list):
        return {**node, "value": [_mask_identifiers(c, tag) for c in node["value"]]}
    return node


def _passwords_masked(tag: str, children: list[Any], redacted: list[Any]) -> list[Any]:
    """The PKCS#12 passwords Cosmian's requests carry in identifiers, masked."""
    if tag == "Link" and _child(children, "LinkType") == "PKCS12PasswordLink":
        return [_mask_identifiers(c, "LinkedObjectIdentifier") for c in redacted]
    if _child(children, "KeyFormatType") in PKCS12_FORMATS:
        return [
            _mask_identifiers(c, "UniqueIdentifier")
            if isinstance(c, dict) and c.get("tag") == "KeyWrappingSpecification"
            else c
            for c in redacted
        ]
    return redacted


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
            out["value"] = _passwords_masked(tag, value, redact(value))
        elif (
            (kind == "ByteString" and tag not in OPEN_BYTES)
            or (kind == "BigInteger" and tag not in OPEN_BIG_INTEGERS)
            or named_like_a_secret(tag)
        ):
            out["value"] = _masked_size(value, kind)
        return out
    return {
        k: (MASK if isinstance(v, str) and v and named_like_a_secret(str(k)) else redact(v)) for k, v in node.items()
    }


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
