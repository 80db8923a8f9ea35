"""Cosmian's ECIES on the NIST curves (``crate/crypto/src/crypto/elliptic_curves/ecies/
standard_curves.rs: ecies_encrypt, ecies_decrypt, ecies_get_key, ecies_get_iv,
aead_and_digest``): an ephemeral key ``r``, ``S = r·Q``; the AES-GCM key is
SHAKE(S compressed), the nonce SHAKE(R compressed ‖ Q compressed); the ciphertext is
``R compressed ‖ ciphertext ‖ tag``. P-192/P-224/P-256 use AES-128-GCM and SHAKE128,
P-384/P-521 AES-256-GCM and SHAKE256.

``cryptography`` exposes ECDH's x coordinate only, and the key needs the whole point, so the
scalar multiplication is done here (affine coordinates; not constant time — a sandbox)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kms_tui.server.errors import CryptographicError
from kms_tui.server.operations.crypto_common import OPENSSL_EMPTY, crypto_failure


class _Xof(Protocol):
    def digest(self, length: int, /) -> bytes: ...


# name → (p, key bytes, SHAKE)  (a = -3 on every NIST prime curve)
CURVES: dict[str, tuple[int, int, Callable[[bytes], _Xof]]] = {
    "secp192r1": (2**192 - 2**64 - 1, 16, hashlib.shake_128),
    "secp224r1": (2**224 - 2**96 + 1, 16, hashlib.shake_128),
    "secp256r1": (2**256 - 2**224 + 2**192 + 2**96 - 1, 16, hashlib.shake_128),
    "secp384r1": (2**384 - 2**128 - 2**96 + 2**32 - 1, 32, hashlib.shake_256),
    "secp521r1": (2**521 - 1, 32, hashlib.shake_256),
}


def _params(curve: ec.EllipticCurve) -> tuple[int, int, Callable[[bytes], _Xof]]:
    found = CURVES.get(curve.name)
    if found is None:
        raise CryptographicError(f"Unsupported curve: {curve.name}")
    return found


def _add(p: int, a: tuple[int, int] | None, b: tuple[int, int] | None) -> tuple[int, int] | None:
    if a is None:
        return b
    if b is None:
        return a
    (x1, y1), (x2, y2) = a, b
    if x1 == x2:
        if (y1 + y2) % p == 0:
            return None
        lam = (3 * x1 * x1 - 3) * pow(2 * y1, -1, p) % p
    else:
        lam = (y2 - y1) * pow(x2 - x1, -1, p) % p
    x3 = (lam * lam - x1 - x2) % p
    return x3, (lam * (x1 - x3) - y1) % p


def _mul(p: int, k: int, point: tuple[int, int]) -> tuple[int, int]:
    result: tuple[int, int] | None = None
    addend: tuple[int, int] | None = point
    while k:
        if k & 1:
            result = _add(p, result, addend)
        addend = _add(p, addend, addend)
        k >>= 1
    if result is None:
        raise crypto_failure(OPENSSL_EMPTY)
    return result


def _compressed(p: int, point: tuple[int, int]) -> bytes:
    size = (p.bit_length() + 7) // 8
    return bytes([2 + (point[1] & 1)]) + point[0].to_bytes(size, "big")


def _point(key: ec.EllipticCurvePublicKey) -> tuple[int, int]:
    n = key.public_numbers()
    return n.x, n.y


def encrypt(public_key: ec.EllipticCurvePublicKey, plaintext: bytes) -> bytes:
    """``ecies_encrypt``."""
    p, key_size, shake = _params(public_key.curve)
    r = ec.generate_private_key(public_key.curve)
    q_point = _point(public_key)
    s = _mul(p, r.private_numbers().private_value, q_point)
    key = shake(_compressed(p, s)).digest(key_size)
    r_bytes = r.public_key().public_bytes(ser.Encoding.X962, ser.PublicFormat.CompressedPoint)
    iv = shake(r_bytes + _compressed(p, q_point)).digest(12)
    return r_bytes + AESGCM(key).encrypt(iv, plaintext, None)


def decrypt(private_key: ec.EllipticCurvePrivateKey, ciphertext: bytes) -> bytes:
    """``ecies_decrypt``."""
    p, key_size, shake = _params(private_key.curve)
    r_size = (private_key.curve.key_size + 7) // 8 + 1  # idiv_ceil(order bits, 8) + 1
    if len(ciphertext) <= r_size + 16:
        raise CryptographicError("ECIES: Decryption error: invalid ciphertext")
    try:
        r_point = _point(ec.EllipticCurvePublicKey.from_encoded_point(private_key.curve, ciphertext[:r_size]))
    except ValueError:
        raise crypto_failure(OPENSSL_EMPTY) from None
    s = _mul(p, private_key.private_numbers().private_value, r_point)
    key = shake(_compressed(p, s)).digest(key_size)
    q_bytes = private_key.public_key().public_bytes(ser.Encoding.X962, ser.PublicFormat.CompressedPoint)
    iv = shake(ciphertext[:r_size] + q_bytes).digest(12)
    try:
        return AESGCM(key).decrypt(iv, ciphertext[r_size:], None)
    except InvalidTag:
        raise crypto_failure(OPENSSL_EMPTY) from None
