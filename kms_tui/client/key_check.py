""" "Test this key": a round trip suited to the key, run on the server, timed.

- a symmetric key: Encrypt → Decrypt (the server's default mode: AES-GCM, ChaCha20-Poly1305), or
  for an HMAC key MAC → MACVerify;
- a private or public key of a pair: Sign (private) → SignatureVerify (public), or for a key that
  cannot sign (RSA is signed, X25519/X448 cannot) Encrypt (public, ECIES) → Decrypt (private).

The data is 32 random bytes made here; it travels in the requests only. Each operation is in the
audit trail as the client records it (operation, key id, outcome); one more row,
``TestKey``, records the round trip's result, algorithm and timing — never the data.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

from kms_tui.client import crypto, errors
from kms_tui.client.kms_client import KmsClient

__all__ = ["KeyCheck", "check_key"]

HMAC_HASH = {
    "HMACSHA1": "SHA1",
    "HMACSHA224": "SHA224",
    "HMACSHA256": "SHA256",
    "HMACSHA384": "SHA384",
    "HMACSHA512": "SHA512",
}
NO_SIGNING_CURVES = ("CURVE25519", "CURVE448")


@dataclass
class KeyCheck:
    """What the round trip did: ``passed``, the ``round_trip`` made, the ``algorithm``, each
    step's time, and why it failed (a server refusal or a mismatch)."""

    uid: str
    round_trip: str = ""
    algorithm: str = ""
    passed: bool = False
    steps: list[tuple[str, str, float]] = field(default_factory=list)  # (operation, key id, ms)
    problem: str = ""

    @property
    def total_ms(self) -> float:
        return sum(ms for _, _, ms in self.steps)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.uid,
            "round_trip": self.round_trip,
            "algorithm": self.algorithm,
            "passed": self.passed,
            "steps": [{"operation": op, "id": uid, "ms": round(ms, 2)} for op, uid, ms in self.steps],
            "total_ms": round(self.total_ms, 2),
            "problem": self.problem or None,
        }


def _link(attrs: dict[str, Any], link_type: str) -> str | None:
    return next((link["id"] for link in attrs.get("links", []) if link["type"] == link_type), None)


def _algorithm_text(attrs: dict[str, Any]) -> str:
    algorithm = str(attrs.get("CryptographicAlgorithm") or "?")
    params = attrs.get("CryptographicDomainParameters")
    curve = params.get("RecommendedCurve") if isinstance(params, dict) else None
    if curve:
        return f"{algorithm} {curve}"
    length = attrs.get("CryptographicLength")
    return f"{algorithm}-{length}" if length else algorithm


class _Timer:
    def __init__(self, check: KeyCheck) -> None:
        self.check = check

    async def __call__(self, operation: str, uid: str, coro: Any) -> Any:
        started = time.perf_counter()
        try:
            return await coro
        finally:
            self.check.steps.append((operation, uid, (time.perf_counter() - started) * 1000))


async def _plan(client: KmsClient, uid: str) -> tuple[str, dict[str, Any], str | None, str | None]:
    """(kind, attributes of the key tested, private id, public id)."""
    attrs = await client.get_attributes(uid, with_tags=False)
    kind = str(attrs.get("ObjectType", ""))
    if kind == "SymmetricKey":
        return kind, attrs, None, None
    if kind == "PrivateKey":
        return kind, attrs, uid, _link(attrs, "PublicKeyLink")
    if kind == "PublicKey":
        return kind, attrs, _link(attrs, "PrivateKeyLink"), uid
    raise errors.InvalidValue(
        f"{uid} is a {kind or 'object of unknown type'}: there is no round trip to run with it",
        "test a symmetric key, a private key or a public key",
    )


async def check_key(client: KmsClient, uid: str) -> KeyCheck:
    """Run the round trip; a refusal by the server is a failed check (not an exception), an
    object that is no key raises ``InvalidValue``."""
    started = time.monotonic()
    kind, attrs, private, public = await _plan(client, uid)
    check = KeyCheck(uid, algorithm=_algorithm_text(attrs))
    timed = _Timer(check)
    data = os.urandom(32)
    algorithm = str(attrs.get("CryptographicAlgorithm") or "")
    try:
        if kind == "SymmetricKey" and algorithm in HMAC_HASH:
            check.round_trip = "MAC → verify"
            tag = await timed("MAC", uid, crypto.mac(client, uid, data, HMAC_HASH[algorithm]))
            check.passed = await timed(
                "MACVerify", uid, crypto.mac_verify(client, uid, data, tag, HMAC_HASH[algorithm])
            )
        elif kind == "SymmetricKey":
            check.round_trip = "encrypt → decrypt"
            sealed = await timed("Encrypt", uid, crypto.encrypt(client, uid, data))
            back = await timed(
                "Decrypt",
                uid,
                crypto.decrypt(client, uid, sealed.data, nonce=sealed.nonce or None, tag=sealed.tag or None),
            )
            check.passed = back == data
        else:
            if private is None or public is None:
                raise errors.InvalidValue(
                    "the key pair is incomplete: a round trip needs both keys",
                    "check the key's PublicKeyLink / PrivateKeyLink",
                )
            params = attrs.get("CryptographicDomainParameters")
            curve = params.get("RecommendedCurve") if isinstance(params, dict) else None
            if curve in NO_SIGNING_CURVES:
                check.round_trip = "encrypt → decrypt"
                sealed = await timed("Encrypt", public, crypto.encrypt(client, public, data))
                back = await timed("Decrypt", private, crypto.decrypt(client, private, sealed.data))
                check.passed = back == data
            else:
                check.round_trip = "sign → verify"
                signature = await timed("Sign", private, crypto.sign(client, private, data))
                check.passed = await timed("SignatureVerify", public, crypto.verify(client, public, data, signature))
        if not check.passed:
            check.problem = "the round trip did not give back what went in"
    except errors.ServerRefused as exc:
        check.passed, check.problem = False, exc.message
    error = None if check.passed else errors.KmsError(check.problem or "round trip failed")
    client.exchange.record(
        "TestKey",
        [uid],
        started,
        error=error,
        details={
            "round_trip": check.round_trip,
            "algorithm": check.algorithm,
            "result": "pass" if check.passed else "fail",
            "total_ms": f"{check.total_ms:.1f}",
        },
    )
    return check
