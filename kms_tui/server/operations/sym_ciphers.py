"""Cosmian's symmetric ciphers (``crate/crypto/src/crypto/symmetric/symmetric_ciphers.rs:
SymCipher, from_algorithm_and_key_size, encrypt, decrypt``) with the ``cryptography`` package:
AES ECB/CBC/GCM/XTS/GCM-SIV, RFC 5649 / RFC 3394 key wrap, ChaCha20-Poly1305 and ChaCha20
(non-FIPS build). Errors are the KMIP errors the server turns Cosmian's CryptoErrors into."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import keywrap, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCMSIV, ChaCha20Poly1305

from kms_tui.server.operations.crypto_common import (
    OPENSSL_BAD_DECRYPT,
    OPENSSL_EMPTY,
    OPENSSL_INVALID_TAG,
    crypto_failure,
    not_supported,
)


@dataclass(frozen=True)
class SymCipher:
    """A ``SymCipher`` variant: its Debug name, family, nonce and tag sizes."""

    name: str  # Rust Debug name, e.g. Aes256Gcm
    family: str  # ecb, cbc, gcm, xts, gcmsiv, kwp, kw, chachapoly, chacha
    nonce_size: int
    tag_size: int

    @property
    def allows_variable_nonce(self) -> bool:
        return self.family == "gcm"


def _aes(
    prefix: str, family: str, sizes: dict[int, str], nonce: int, tag: int, key_size: int, message: str
) -> SymCipher:
    name = sizes.get(key_size)
    if name is None:
        raise not_supported(message.format(key_size=key_size))
    return SymCipher(f"{prefix}{name}", family, nonce, tag)


def from_algorithm_and_key_size(algorithm: str, mode: str | None, key_size: int) -> SymCipher:
    """``SymCipher::from_algorithm_and_key_size`` (AES defaults to GCM)."""
    if algorithm == "AES":
        mode = mode or "GCM"
        if mode == "ECB":
            return _aes(
                "Aes",
                "ecb",
                {16: "128Ecb", 24: "192Ecb", 32: "256Ecb"},
                0,
                0,
                key_size,
                "AES key must be 16, 24 or 32 bytes long for AES ECB. Found {key_size} bytes",
            )
        if mode in ("AEAD", "GCM"):
            return _aes(
                "Aes",
                "gcm",
                {16: "128Gcm", 24: "192Gcm", 32: "256Gcm"},
                12,
                16,
                key_size,
                "AES key must be 16 or 32 bytes long for AES GCM. Found {key_size} bytes",
            )
        if mode == "CBC":
            return _aes(
                "Aes",
                "cbc",
                {16: "128Cbc", 24: "192Cbc", 32: "256Cbc"},
                16,
                0,
                key_size,
                "AES key must be 16 or 32 bytes long for AES CBC. Found {key_size} bytes",
            )
        if mode == "XTS":
            return _aes(
                "Aes",
                "xts",
                {32: "128Xts", 64: "256Xts"},
                16,
                0,
                key_size,
                "AES key must be 32 or 64 bytes long for AES XTS. Found {key_size} bytes",
            )
        if mode == "GCMSIV":
            return _aes(
                "Aes",
                "gcmsiv",
                {16: "128GcmSiv", 32: "256GcmSiv"},
                12,
                16,
                key_size,
                "AES key must be 16 or 32 bytes long for AES GCM SIV. Found {key_size} bytes",
            )
        if mode == "AESKeyWrapPadding":
            return _aes(
                "Rfc5649_",
                "kwp",
                {16: "16", 24: "24", 32: "32"},
                0,
                0,
                key_size,
                "RFC5649 key must be 16, 24 or 32 bytes long. Found {key_size} bytes",
            )
        if mode == "NISTKeyWrap":
            return _aes(
                "Rfc3394_",
                "kw",
                {16: "16", 24: "24", 32: "32"},
                0,
                0,
                key_size,
                "RFC3394 key must be 16, 24 or 32 bytes long. Found {key_size} bytes",
            )
        raise not_supported(f"AES is not supported with mode: {mode}")
    if algorithm == "ChaCha20":
        if key_size != 32:
            raise not_supported("ChaCha20 key must be 32 bytes long")
        return SymCipher("Chacha20", "chacha", 8, 0)
    if algorithm == "ChaCha20Poly1305":
        if key_size != 32:
            raise not_supported("ChaCha20 key must be 32 bytes long")
        return SymCipher("Chacha20Poly1305", "chachapoly", 12, 16)
    raise not_supported(f"unsupported cryptographic algorithm: {algorithm} for a symmetric key")


_NO_PAD_ENC = "Invalid size: Plaintext must be a multiple of the block size when no padding is used"
_NO_PAD_DEC = "Invalid size: Ciphertext must be a multiple of the block size when no padding is used"


def _block(cipher_mode: modes.Mode | None, key: bytes, data: bytes, pad: str, encrypt: bool) -> bytes:
    if pad not in ("None", "PKCS5"):
        raise not_supported(f"Padding method {pad} is not currently supported")
    if pad == "None" and len(data) % 16:
        raise crypto_failure(_NO_PAD_ENC if encrypt else _NO_PAD_DEC)
    c = Cipher(algorithms.AES(key), cipher_mode if cipher_mode is not None else modes.ECB())
    if encrypt:
        if pad == "PKCS5":
            p = padding.PKCS7(128).padder()
            data = p.update(data) + p.finalize()
        # cryptography's stubs overload encryptor()/decryptor() on the mode; for a Cipher[Mode]
        # mypy tries the AEAD overload only. These modes are not AEAD: a plain CipherContext.
        e = c.encryptor()  # type: ignore[misc]
        return e.update(data) + e.finalize()
    d = c.decryptor()  # type: ignore[misc]  # as above
    try:
        if pad == "PKCS5" and len(data) % 16:
            raise ValueError
        out = d.update(data) + d.finalize()
        if pad == "PKCS5":
            u = padding.PKCS7(128).unpadder()
            out = u.update(out) + u.finalize()
    except ValueError:  # OpenSSL queues "bad decrypt" for a wrong final block
        raise crypto_failure(OPENSSL_BAD_DECRYPT) from None
    return out


def _chacha20(key: bytes, nonce: bytes, data: bytes) -> bytes:
    if len(nonce) != 8:
        raise crypto_failure(f"Invalid size: ChaCha20 nonce must be 8 bytes. Got {len(nonce)}")
    iv = (0).to_bytes(4, "little") + bytes(4) + nonce  # chacha20_xor: counter || 0 || nonce
    e = Cipher(algorithms.ChaCha20(key, iv), mode=None).encryptor()
    return e.update(data) + e.finalize()


def encrypt(cipher: SymCipher, key: bytes, nonce: bytes, aad: bytes, plaintext: bytes, pad: str) -> tuple[bytes, bytes]:
    """``symmetric_ciphers::encrypt`` → (ciphertext, tag)."""
    f = cipher.family
    try:
        if f == "ecb":
            return _block(None, key, plaintext, pad, True), b""
        if f == "cbc":
            return _block(modes.CBC(nonce), key, plaintext, pad, True), b""
        if f == "xts":
            if len(plaintext) < 16:
                raise crypto_failure("Invalid size: Plaintext is too short for XTS block encryption")
            e = Cipher(algorithms.AES(key), modes.XTS(nonce)).encryptor()
            return e.update(plaintext) + e.finalize(), b""
        if f == "kwp":
            return keywrap.aes_key_wrap_with_padding(key, plaintext), b""
        if f == "kw":
            return keywrap.aes_key_wrap(key, plaintext), b""
        if f == "chacha":
            return _chacha20(key, nonce, plaintext), b""
        if f == "gcm":
            e = Cipher(algorithms.AES(key), modes.GCM(nonce)).encryptor()
            e.authenticate_additional_data(aad)
            ct = e.update(plaintext) + e.finalize()
            return ct, e.tag
        if f == "gcmsiv":
            out = AESGCMSIV(key).encrypt(nonce, plaintext, aad or None)
        else:  # chachapoly
            out = ChaCha20Poly1305(key).encrypt(nonce, plaintext, aad or None)
        return out[:-16], out[-16:]
    except ValueError:  # what OpenSSL refuses (a nonce or key of the wrong size, a too-short wrap input)
        raise crypto_failure(OPENSSL_EMPTY) from None


def decrypt(cipher: SymCipher, key: bytes, nonce: bytes, aad: bytes, ciphertext: bytes, tag: bytes, pad: str) -> bytes:
    """``symmetric_ciphers::decrypt``; a wrong tag is a Cryptographic_Failure."""
    f = cipher.family
    try:
        if f == "ecb":
            return _block(None, key, ciphertext, pad, False)
        if f == "cbc":
            return _block(modes.CBC(nonce), key, ciphertext, pad, False)
        if f == "xts":
            d = Cipher(algorithms.AES(key), modes.XTS(nonce)).decryptor()
            return d.update(ciphertext) + d.finalize()
        if f == "kwp":
            return keywrap.aes_key_unwrap_with_padding(key, ciphertext)
        if f == "kw":
            return keywrap.aes_key_unwrap(key, ciphertext)
        if f == "chacha":
            return _chacha20(key, nonce, ciphertext)
        if f == "gcm":
            if not tag or len(tag) > 16:  # OpenSSL refuses to set such a tag (PROV_R_INVALID_TAG)
                raise crypto_failure(OPENSSL_INVALID_TAG)
            if len(tag) < 4:
                raise InvalidTag
            d = Cipher(algorithms.AES(key), modes.GCM(nonce, tag, min_tag_length=4)).decryptor()
            d.authenticate_additional_data(aad)
            return d.update(ciphertext) + d.finalize()
        if f == "gcmsiv":
            return AESGCMSIV(key).decrypt(nonce, ciphertext + tag, aad or None)
        return ChaCha20Poly1305(key).decrypt(nonce, ciphertext + tag, aad or None)
    except (InvalidTag, keywrap.InvalidUnwrap, ValueError):
        raise crypto_failure(OPENSSL_EMPTY) from None
