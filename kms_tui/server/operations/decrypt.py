"""Decrypt as Cosmian 5.26 does it (``crate/server/src/core/operations/decrypt.rs: DecryptOp,
decrypt_single, decrypt_bulk, decrypt_single_with_symmetric_key, get_aead_and_key,
decrypt_with_private_key, merge_cryptographic_parameters, decrypt_with_rsa``): a symmetric or
private key allowing Decrypt, Active, Deactivated or Compromised; a symmetric decryption needs
``IVCounterNonce`` (absent → ``Invalid_Message: missing-iv``, empty → all zeros) and the tag; a
wrong tag or padding is ``Cryptographic_Failure``. RSA keys use the request's parameters merged
over the key's own (OAEP with SHA-256 by default)."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import keywrap
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa, x25519
from cryptography.hazmat.primitives.asymmetric import padding as apad

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import keys
from kms_tui.server.context import OpContext
from kms_tui.server.errors import InvalidRequest, Kmip21Error, KmipFailure, NotSupported, ServerError, Unauthorized
from kms_tui.server.operations import ecies, sym_ciphers
from kms_tui.server.operations.crypto_common import (
    DECRYPT,
    OPENSSL_RSA_DECRYPT,
    PROCESS,
    ItemNotFound,
    Spec,
    bulk_serialize,
    crypto_failure,
    field_bytes,
    has_usage_mask,
    load_private,
    merged,
    run_on_data,
    stored_params,
)
from kms_tui.server.operations.encrypt import _oaep, hash_of, key_and_cipher, rsa_defaults
from kms_tui.server.store import StoredObject

PRIVATE_FORMATS = ("TransparentECPrivateKey", "TransparentRSAPrivateKey", "PKCS1", "PKCS8", "Raw")


def _eligible(obj: StoredObject) -> bool:
    if obj.object_type in ("SymmetricKey", "PrivateKey"):
        return has_usage_mask(obj, DECRYPT, False)
    return False


def _map_error(exc: KmipFailure, uid: str, user: str) -> KmipFailure:
    if isinstance(exc, ItemNotFound):
        return ItemNotFound(f"Decrypt: failed to retrieve the key: {uid}")
    if isinstance(exc, Unauthorized):
        return Unauthorized(f"Decrypt: the user {user} does not have the permission to decrypt using the key: {uid}")
    return exc


SPEC = Spec("Decrypt", "decrypt", PROCESS, _eligible, _map_error, try_each=True)


def _response(uid: str, data: bytes, correlation: bytes | None) -> TTLV:
    return TTLV.struct(
        "DecryptResponse",
        [
            TTLV.text("UniqueIdentifier", uid),
            TTLV.bytes_("Data", data),
            TTLV.bytes_("CorrelationValue", correlation) if correlation is not None else None,
        ],
    )


def _padding(cipher: sym_ciphers.SymCipher, cp: dict[str, Any] | None) -> str:
    return (cp or {}).get("PaddingMethod") or ("None" if cipher.family == "ecb" else "PKCS5")


def _symmetric(obj: StoredObject, key: TTLV, payload: TTLV, cp: dict[str, Any] | None, data: bytes) -> TTLV:
    """``decrypt_single_with_symmetric_key``."""
    block = key.child("KeyBlock")
    stored = stored_params(obj)
    algorithm = (
        (cp or {}).get("CryptographicAlgorithm")
        or stored.get("CryptographicAlgorithm")
        or block.get_value("CryptographicAlgorithm")
        or "AES"
    )
    if algorithm == "FPE_FF1":
        raise NotSupported("the sandbox KMS does not implement FPE_FF1 decryption")
    key_bytes, cipher = key_and_cipher(obj, key, cp, 0, "Decrypt")
    given = field_bytes(payload, "IVCounterNonce")
    if cipher.nonce_size == 0:
        nonce = b""
    elif given is None:
        raise Kmip21Error("Invalid_Message", "missing-iv")
    elif not given:
        nonce = bytes(cipher.nonce_size)
    elif len(given) == cipher.nonce_size or cipher.family == "gcm":
        nonce = given
    else:
        raise Kmip21Error("Invalid_Message", f"invalid-iv-length: expected {cipher.nonce_size} got {len(given)}")
    aad = field_bytes(payload, "AuthenticatedEncryptionAdditionalData") or b""
    tag = (field_bytes(payload, "AuthenticatedEncryptionTag") or b"") if cipher.tag_size else b""
    plaintext = sym_ciphers.decrypt(cipher, key_bytes, nonce, aad, data, tag, _padding(cipher, cp))
    return _response(obj.uid, plaintext, field_bytes(payload, "CorrelationValue"))


def decrypt_with_rsa(private_key: rsa.RSAPrivateKey, cp: dict[str, Any] | None, ciphertext: bytes) -> bytes:
    """``decrypt_with_rsa``."""
    algorithm, pad, hash_name, _ = rsa_defaults(cp)
    try:
        if algorithm == "RSA" and pad == "None":  # ckm_rsa_aes_key_unwrap
            size = private_key.key_size // 8
            if len(ciphertext) <= size:
                raise crypto_failure(
                    f"CKM_RSA_AES: CKM_RSA_OAEP decryption error: encapsulated data of insufficient "
                    f"length: got {len(ciphertext)}, expected: {size}"
                )
            oaep = apad.OAEP(mgf=apad.MGF1(hash_of(hash_name)), algorithm=hash_of(hash_name), label=None)
            kek = private_key.decrypt(ciphertext[:size], oaep)
            return keywrap.aes_key_unwrap_with_padding(kek, ciphertext[size:])
        if algorithm == "RSA" and pad == "OAEP":
            return private_key.decrypt(ciphertext, _oaep(cp, hash_name))
        if algorithm == "RSA" and pad == "PKCS1v15":
            return private_key.decrypt(ciphertext, apad.PKCS1v15())
    except (ValueError, keywrap.InvalidUnwrap):
        raise crypto_failure(OPENSSL_RSA_DECRYPT) from None
    raise ServerError("Decrypt: algorithm or padding method not supported for RSA decryption")


def _private(
    obj: StoredObject, key: TTLV, cp: dict[str, Any] | None, data: bytes, correlation: bytes | None = None
) -> TTLV:
    """``decrypt_with_private_key``: the key's CryptographicParameters under the request's."""
    try:
        private_key = load_private(key)
    except keys.KeyFormatError as exc:
        raise crypto_failure(str(exc)) from None
    stored = stored_params(obj)
    effective = merged(cp, stored) if (cp is not None or stored) else None
    if isinstance(private_key, rsa.RSAPrivateKey):
        plaintext = decrypt_with_rsa(private_key, effective, data)
    elif isinstance(private_key, ec.EllipticCurvePrivateKey):
        plaintext = ecies.decrypt(private_key, data)
    elif isinstance(private_key, (x25519.X25519PrivateKey, ed25519.Ed25519PrivateKey)):  # libsodium's sealed box
        raise NotSupported("the sandbox KMS does not implement ECIES (sealed box) with X25519/Ed25519 keys")
    else:
        raise ServerError(f"Decrypt with PKey: private key type not supported: {type(private_key).__name__}")
    return _response(obj.uid, plaintext, correlation)


def _single(obj: StoredObject, key: TTLV, payload: TTLV, cp: dict[str, Any] | None, data: bytes) -> TTLV:
    fmt = key.child("KeyBlock").get_value("KeyFormatType")
    if fmt in PRIVATE_FORMATS and obj.object_type != "SymmetricKey":
        return _private(obj, key, cp, data, field_bytes(payload, "CorrelationValue"))
    if fmt in ("TransparentSymmetricKey", "Raw"):
        return _symmetric(obj, key, payload, cp, data)
    raise NotSupported(f"decryption with keys of format: {fmt}")


def _bulk(obj: StoredObject, key: TTLV, payload: TTLV, cp: dict[str, Any] | None, items: list[bytes]) -> TTLV:
    """``decrypt_bulk``: symmetric items are ``nonce || ciphertext || tag`` (no AAD)."""
    fmt = key.child("KeyBlock").get_value("KeyFormatType")
    out = []
    if fmt in ("TransparentSymmetricKey", "Raw") and obj.object_type == "SymmetricKey":
        key_bytes, cipher = key_and_cipher(obj, key, cp, 0, "Decrypt")
        for item in items:
            if len(item) < cipher.nonce_size + cipher.tag_size:
                raise InvalidRequest("Decrypt bulk: invalid nonce/ciphertext/tag length")
            nonce = item[: cipher.nonce_size]
            body = item[cipher.nonce_size : len(item) - cipher.tag_size]
            tag = item[len(item) - cipher.tag_size :] if cipher.tag_size else b""
            pad = (cp or {}).get("PaddingMethod") or "PKCS5"
            out.append(sym_ciphers.decrypt(cipher, key_bytes, nonce, b"", body, tag, pad))
    elif fmt in ("TransparentECPrivateKey", "TransparentRSAPrivateKey", "PKCS1", "PKCS8"):
        for item in items:
            out.append(_private(obj, key, cp, item).get_value("Data"))
    else:
        raise NotSupported(f"decryption with keys of format: {fmt}")
    return _response(obj.uid, bulk_serialize(out), field_bytes(payload, "CorrelationValue"))


async def handle(ctx: OpContext, payload: TTLV) -> TTLV:
    """Decrypt: select the key, then decrypt one ciphertext (or each of a BulkData)."""
    return await run_on_data(ctx, payload, SPEC, "Decrypt", "decrypt", _single, _bulk)
