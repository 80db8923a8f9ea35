"""Key operations on a :class:`~kms_tui.client.KmsClient`: Encrypt, Decrypt, Sign,
SignatureVerify, MAC and MACVerify, sending what ckms sends
(:mod:`kms_tui.kmip.models.crypto_requests`).

Plaintext, ciphertext, signatures and key bytes travel in the request and answer only: the audit
trail records the operation, the key id and the outcome (``KmsClient.send``), and no error
message here quotes them."""

from __future__ import annotations

from dataclasses import dataclass

from kms_tui.client import errors
from kms_tui.client.kms_client import KmsClient
from kms_tui.kmip.models import crypto_requests as cr
from kms_tui.kmip.ttlv import TTLV

__all__ = [
    "Ciphertext",
    "data_params",
    "rsa_params",
    "encrypt",
    "decrypt",
    "decrypt_file_bytes",
    "sign",
    "verify",
    "mac",
    "mac_verify",
]


@dataclass(frozen=True)
class Ciphertext:
    """An EncryptResponse: ``data`` and, for symmetric modes, the nonce and tag the server returned."""

    data: bytes
    nonce: bytes = b""
    tag: bytes = b""

    def file_bytes(self) -> bytes:
        """What ``ckms sym encrypt`` writes to its output file: ``nonce || ciphertext || tag``."""
        return self.nonce + self.data + self.tag

    def __repr__(self) -> str:  # never the bytes themselves
        return f"Ciphertext(<{len(self.data)} bytes>, nonce=<{len(self.nonce)}>, tag=<{len(self.tag)}>)"


def data_params(algorithm: str) -> TTLV:
    """``ckms sym encrypt -d ALGORITHM`` parameters (aes-gcm, aes-cbc, aes-xts, aes-gcm-siv,
    chacha20-poly1305)."""
    try:
        fields, _, _ = cr.DATA_ALGORITHMS[algorithm]
    except KeyError:
        raise errors.InvalidValue(
            f"unknown data encryption algorithm {algorithm!r}", f"one of: {', '.join(cr.DATA_ALGORITHMS)}"
        ) from None
    return cr.cryptographic_parameters(**fields)


def rsa_params(algorithm: str = "ckm-rsa-pkcs-oaep", hashing: str = "SHA256") -> TTLV:
    """``ckms rsa encrypt -e ALGORITHM -s HASH`` parameters (PKCS#1 v1.5 sends no hash)."""
    try:
        fields = dict(cr.RSA_ALGORITHMS[algorithm])
    except KeyError:
        raise errors.InvalidValue(
            f"unknown RSA encryption algorithm {algorithm!r}", f"one of: {', '.join(cr.RSA_ALGORITHMS)}"
        ) from None
    if algorithm != "ckm-rsa-pkcs":
        fields["HashingAlgorithm"] = hashing
    return cr.cryptographic_parameters(**fields)


def _bytes(response: TTLV, tag: str, what: str) -> bytes:
    value = response.get_value(tag)
    if not isinstance(value, bytes):
        raise errors.ProtocolError(f"the server's {response.tag} has no {what}", reason="wrong_shape")
    return value


async def encrypt(
    client: KmsClient,
    uid: str,
    plaintext: bytes,
    *,
    params: TTLV | None = None,
    nonce: bytes | None = None,
    aad: bytes | None = None,
) -> Ciphertext:
    """Encrypt ``plaintext`` with the key ``uid`` (symmetric key, public key or certificate)."""
    response = await client.send(cr.encrypt_request(uid, plaintext, params=params, nonce=nonce, aad=aad))
    tag = response.get_value("AuthenticatedEncryptionTag")
    returned = response.get_value("IVCounterNonce")
    return Ciphertext(
        _bytes(response, "Data", "ciphertext"),
        returned if isinstance(returned, bytes) else b"",
        tag if isinstance(tag, bytes) else b"",
    )


async def decrypt(
    client: KmsClient,
    uid: str,
    ciphertext: bytes,
    *,
    params: TTLV | None = None,
    nonce: bytes | None = None,
    tag: bytes | None = None,
    aad: bytes | None = None,
) -> bytes:
    """Decrypt with the key ``uid`` (symmetric or private key)."""
    response = await client.send(cr.decrypt_request(uid, ciphertext, params=params, nonce=nonce, tag=tag, aad=aad))
    return _bytes(response, "Data", "plaintext")


async def decrypt_file_bytes(
    client: KmsClient, uid: str, blob: bytes, algorithm: str = "aes-gcm", aad: bytes | None = None
) -> bytes:
    """Decrypt a ``ckms sym encrypt`` file (``nonce || ciphertext || tag``), as ``ckms sym decrypt``."""
    fields, nonce_size, tag_size = cr.DATA_ALGORITHMS[algorithm]
    try:
        body, nonce, tag = cr.split_ciphertext(blob, nonce_size, tag_size)
    except ValueError as exc:
        raise errors.InvalidValue(str(exc), "pass a file written by `kms-tui encrypt` or `ckms sym encrypt`") from None
    return await decrypt(
        client,
        uid,
        body,
        params=cr.cryptographic_parameters(**fields),
        nonce=nonce,
        tag=tag if tag_size else None,
        aad=aad,
    )


async def sign(
    client: KmsClient, uid: str, data: bytes, *, params: TTLV | None = None, digested: bool = False
) -> bytes:
    """Sign ``data`` (or an already computed digest) with the private key ``uid``."""
    response = await client.send(cr.sign_request(uid, data, params=params, digested=digested))
    return _bytes(response, "SignatureData", "signature")


async def verify(
    client: KmsClient, uid: str, data: bytes, signature: bytes, *, params: TTLV | None = None, digested: bool = False
) -> bool:
    """True when the server says the signature is Valid (False for Invalid)."""
    response = await client.send(cr.signature_verify_request(uid, data, signature, params=params, digested=digested))
    indicator = str(response.get_value("ValidityIndicator"))
    if indicator not in ("Valid", "Invalid", "Unknown"):
        raise errors.ProtocolError(
            "the server's SignatureVerifyResponse has no validity indicator", reason="wrong_shape"
        )
    return indicator == "Valid"


async def mac(client: KmsClient, uid: str, data: bytes, hashing: str = "SHA256") -> bytes:
    """The HMAC of ``data`` under the symmetric key ``uid``."""
    response = await client.send(cr.mac_request(uid, data, hashing))
    return _bytes(response, "MACData", "MAC")


async def mac_verify(client: KmsClient, uid: str, data: bytes, expected: bytes, hashing: str = "SHA256") -> bool:
    response = await client.send(cr.mac_verify_request(uid, data, expected, hashing))
    return str(response.get_value("ValidityIndicator")) == "Valid"
