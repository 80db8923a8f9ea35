"""Encrypt as Cosmian 5.26 does it (``crate/server/src/core/operations/encrypt.rs: EncryptOp,
encrypt_single, encrypt_bulk, encrypt_with_symmetric_key, get_key_and_cipher,
encrypt_with_public_key, encrypt_with_pkey, encrypt_with_rsa, encrypt_with_certificate``):
an Active symmetric key, public key or certificate allowing Encrypt; AES-GCM by default with a
random 12-byte nonce returned in ``IVCounterNonce`` (only when the request gave none) and the
tag in ``AuthenticatedEncryptionTag``; RSA-OAEP (SHA-256) by default for RSA keys, PKCS#1 v1.5
and CKM_RSA_AES_KEY_WRAP on request."""

from __future__ import annotations

import os
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, keywrap
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric import padding as apad
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import keys
from kms_tui.server.context import OpContext
from kms_tui.server.errors import InvalidRequest, Kmip21Error, KmipFailure, NotSupported, ServerError, Unauthorized
from kms_tui.server.operations import ecies, sym_ciphers
from kms_tui.server.operations.crypto_common import (
    ENCRYPT,
    OPENSSL_TOO_LARGE,
    PROTECT,
    ItemNotFound,
    Spec,
    bulk_serialize,
    crypto_failure,
    field_bytes,
    has_usage_mask,
    run_on_data,
    stored_params,
    usage_allows,
)
from kms_tui.server.store import StoredObject

HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "SHA1": hashes.SHA1,
    "SHA224": hashes.SHA224,
    "SHA256": hashes.SHA256,
    "SHA384": hashes.SHA384,
    "SHA512": hashes.SHA512,
    "SHA3224": hashes.SHA3_224,
    "SHA3256": hashes.SHA3_256,
    "SHA3384": hashes.SHA3_384,
    "SHA3512": hashes.SHA3_512,
}


def _eligible(obj: StoredObject) -> bool:
    if obj.object_type == "Certificate":
        return has_usage_mask(obj, ENCRYPT, True)
    if obj.object_type in ("SymmetricKey", "PublicKey"):
        return has_usage_mask(obj, ENCRYPT, False)
    return False


def _map_error(exc: KmipFailure, uid: str, user: str) -> KmipFailure:
    if isinstance(exc, ItemNotFound):
        return ItemNotFound(f"Encrypt: key id: {uid}, not found")
    if isinstance(exc, Unauthorized):
        return Unauthorized(f"Encrypt: the user {user} does not have permission to encrypt using the key: {uid}")
    return exc


SPEC = Spec("Encrypt", "encrypt", PROTECT, _eligible, _map_error)


def hash_of(name: str) -> hashes.HashAlgorithm:
    """``hashing_algorithm_to_openssl_ref``."""
    cls = HASHES.get(name)
    if cls is None:
        raise Kmip21Error("Operation_Not_Supported", f"hashing algorithm {name} is not supported")
    return cls()


def rsa_defaults(cp: dict[str, Any] | None) -> tuple[str, str, str, str]:
    """``default_cryptographic_parameters``: RSA, OAEP, SHA256, RSASSAPSS."""
    cp = cp or {}
    return (
        cp.get("CryptographicAlgorithm", "RSA"),
        cp.get("PaddingMethod", "OAEP"),
        cp.get("HashingAlgorithm", "SHA256"),
        cp.get("DigitalSignatureAlgorithm", "RSASSAPSS"),
    )


def _oaep(cp: dict[str, Any] | None, hash_name: str) -> apad.OAEP:
    mgf1 = (cp or {}).get("MaskGeneratorHashingAlgorithm", hash_name) if cp is not None else hash_name
    label = (cp or {}).get("PSource") or None
    return apad.OAEP(mgf=apad.MGF1(hash_of(mgf1)), algorithm=hash_of(hash_name), label=label)


def encrypt_with_rsa(public_key: rsa.RSAPublicKey, cp: dict[str, Any] | None, plaintext: bytes) -> bytes:
    """``encrypt_with_rsa``: only the request's parameters count (not the key's)."""
    algorithm, pad, hash_name, _ = rsa_defaults(cp)
    if algorithm != "RSA":
        raise ServerError(f"Unable to encrypt with RSA: algorithm not supported for encrypting: {algorithm}")
    try:
        if pad == "None":  # ckm_rsa_aes_key_wrap: OAEP(ephemeral AES-256 key) || RFC 5649 wrap
            kek = os.urandom(32)
            oaep = apad.OAEP(mgf=apad.MGF1(hash_of(hash_name)), algorithm=hash_of(hash_name), label=None)
            return public_key.encrypt(kek, oaep) + keywrap.aes_key_wrap_with_padding(kek, plaintext)
        if pad == "OAEP":
            return public_key.encrypt(plaintext, _oaep(cp, hash_name))
        if pad == "PKCS1v15":
            return public_key.encrypt(plaintext, apad.PKCS1v15())
    except ValueError:  # data too large for the modulus: OpenSSL's error
        raise crypto_failure(OPENSSL_TOO_LARGE) from None
    raise ServerError(f"Unable to encrypt with RSA: padding method not supported: {pad}")


def _with_public_key(public_key: PublicKeyTypes, uid: str, cp: dict[str, Any] | None, plaintext: bytes) -> TTLV:
    """``encrypt_with_pkey``."""
    if isinstance(public_key, rsa.RSAPublicKey):
        data = encrypt_with_rsa(public_key, cp, plaintext)
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        data = ecies.encrypt(public_key, plaintext)
    elif _is_ecies(public_key):  # X25519/Ed25519: libsodium's sealed box
        raise NotSupported("the sandbox KMS does not implement ECIES (sealed box) with X25519/Ed25519 keys")
    else:
        raise ServerError(f"Encrypt: public key type not supported: {type(public_key).__name__}")
    return _response(uid, data)


def _is_ecies(public_key: PublicKeyTypes) -> bool:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, x25519

    return isinstance(public_key, (ec.EllipticCurvePublicKey, x25519.X25519PublicKey, ed25519.Ed25519PublicKey))


def _response(
    uid: str, data: bytes, nonce: bytes | None = None, correlation: bytes | None = None, tag: bytes | None = None
) -> TTLV:
    return TTLV.struct(
        "EncryptResponse",
        [
            TTLV.text("UniqueIdentifier", uid),
            TTLV.bytes_("Data", data),
            TTLV.bytes_("IVCounterNonce", nonce) if nonce is not None else None,
            TTLV.bytes_("CorrelationValue", correlation) if correlation is not None else None,
            TTLV.bytes_("AuthenticatedEncryptionTag", tag) if tag is not None else None,
        ],
    )


def key_and_cipher(
    obj: StoredObject, key: TTLV, req_cp: dict[str, Any] | None, usage: int, op: str
) -> tuple[bytes, sym_ciphers.SymCipher]:
    """``get_key_and_cipher`` / ``get_aead_and_key``: the key bytes and the SymCipher."""
    if usage and not usage_allows(obj, usage):
        raise Kmip21Error("Incompatible_Cryptographic_Usage_Mask", f"CryptographicUsageMask not authorized for {op}")
    block = key.child("KeyBlock")
    if block.get_value("CryptographicAlgorithm") == "FPE_FF1":
        raise Kmip21Error(
            "Incompatible_Cryptographic_Usage_Mask",
            f"an FPE_FF1 key may only be used for FPE_FF1 {op.lower()} operations",
        )
    fmt = block.get_value("KeyFormatType")
    if fmt not in ("TransparentSymmetricKey", "Raw"):
        raise NotSupported(f"symmetric encryption with keys of format: {fmt}")
    key_bytes = keys.symmetric_bytes(key)
    stored = stored_params(obj)
    req = req_cp or {}
    algorithm = (
        req.get("CryptographicAlgorithm")
        or stored.get("CryptographicAlgorithm")
        or block.get_value("CryptographicAlgorithm")
        or "AES"
    )
    mode = req.get("BlockCipherMode") or stored.get("BlockCipherMode")
    return key_bytes, sym_ciphers.from_algorithm_and_key_size(algorithm, mode, len(key_bytes))


def _default_padding(cipher: sym_ciphers.SymCipher, cp: dict[str, Any] | None) -> str:
    pad = (cp or {}).get("PaddingMethod")
    return pad or ("None" if cipher.family == "ecb" else "PKCS5")


def _symmetric(obj: StoredObject, key: TTLV, payload: TTLV, cp: dict[str, Any] | None, data: bytes) -> TTLV:
    """``encrypt_with_symmetric_key``."""
    block = key.child("KeyBlock")
    stored = stored_params(obj)
    algorithm = (
        (cp or {}).get("CryptographicAlgorithm")
        or stored.get("CryptographicAlgorithm")
        or block.get_value("CryptographicAlgorithm")
        or "AES"
    )
    if algorithm == "FPE_FF1":
        raise NotSupported("the sandbox KMS does not implement FPE_FF1 encryption")
    key_bytes, cipher = key_and_cipher(obj, key, cp, ENCRYPT, "Encrypt")
    given = field_bytes(payload, "IVCounterNonce")
    if cipher.nonce_size == 0:
        nonce = b""
    else:
        nonce = given if given is not None else os.urandom(cipher.nonce_size)
        if len(nonce) != cipher.nonce_size and not cipher.allows_variable_nonce:
            raise InvalidRequest(
                f"Encrypt: invalid IV/nonce length: expected {cipher.nonce_size} bytes for "
                f"{cipher.name}, got {len(nonce)}"
            )
    aad = field_bytes(payload, "AuthenticatedEncryptionAdditionalData") or b""
    ciphertext, tag = sym_ciphers.encrypt(cipher, key_bytes, nonce, aad, data, _default_padding(cipher, cp))
    out_tag = None
    if cipher.tag_size:
        out_tag = tag
        mode, length = (cp or {}).get("BlockCipherMode"), (cp or {}).get("TagLength")
        if mode == "AEAD" and length is not None and length != len(tag):
            raise Kmip21Error("General_Failure", "L_KMIPCRYPTO_random:invalid-tag-length")
        if mode == "GCM" and length is not None:
            if not 12 <= length <= 16:
                raise Kmip21Error("General_Failure", "L_KMIPCRYPTO_random:invalid-tag-length")
            out_tag = tag[:length]
    return_nonce = nonce if cipher.nonce_size and not given else None
    return _response(obj.uid, ciphertext, return_nonce, field_bytes(payload, "CorrelationValue"), out_tag)


def _public(obj: StoredObject, key: TTLV, cp: dict[str, Any] | None, data: bytes) -> TTLV:
    """``encrypt_with_public_key``."""
    if not usage_allows(obj, ENCRYPT):
        raise Kmip21Error("Incompatible_Cryptographic_Usage_Mask", "CryptographicUsageMask not authorized for Encrypt")
    fmt = key.child("KeyBlock").get_value("KeyFormatType")
    if fmt not in ("TransparentECPublicKey", "TransparentRSAPublicKey", "PKCS1", "PKCS8", "Raw"):
        raise NotSupported(f"encryption with public keys of format: {fmt}")
    try:
        public_key = keys.load_public(key)
    except keys.KeyFormatError as exc:
        raise crypto_failure(str(exc)) from None
    return _with_public_key(public_key, obj.uid, cp, data)


def _certificate(obj: StoredObject, cp: dict[str, Any] | None, data: bytes) -> TTLV:
    """``encrypt_with_certificate``: the certificate's public key."""
    der = obj.object.get_value("CertificateValue")
    try:
        public_key = x509.load_der_x509_certificate(der).public_key()
    except (ValueError, TypeError) as exc:
        raise Kmip21Error(
            "Operation_Not_Supported", f"Conversion Error: invalid X509 DER: {type(exc).__name__}"
        ) from None
    return _with_public_key(public_key, obj.uid, cp, data)


def _single(obj: StoredObject, key: TTLV, payload: TTLV, cp: dict[str, Any] | None, data: bytes) -> TTLV:
    if obj.object_type == "SymmetricKey":
        return _symmetric(obj, key, payload, cp, data)
    if obj.object_type == "PublicKey":
        return _public(obj, key, cp, data)
    if obj.object_type == "Certificate":
        return _certificate(obj, cp, data)
    raise NotSupported(f"encrypt: encryption with keys of type: {obj.object_type} is not supported")


def _bulk(obj: StoredObject, key: TTLV, payload: TTLV, cp: dict[str, Any] | None, items: list[bytes]) -> TTLV:
    """``encrypt_bulk``: each plaintext separately; symmetric ones as ``nonce || ciphertext || tag``."""
    out = []
    for item in items:
        if obj.object_type == "SymmetricKey":
            key_bytes, cipher = key_and_cipher(obj, key, cp, ENCRYPT, "Encrypt")
            given = field_bytes(payload, "IVCounterNonce")
            nonce = given if given is not None else os.urandom(cipher.nonce_size)
            if cipher.nonce_size and len(nonce) != cipher.nonce_size and not cipher.allows_variable_nonce:
                raise InvalidRequest(
                    f"Encrypt: invalid IV/nonce length: expected {cipher.nonce_size} bytes for "
                    f"{cipher.name}, got {len(nonce)}"
                )
            aad = field_bytes(payload, "AuthenticatedEncryptionAdditionalData") or b""
            pad = (cp or {}).get("PaddingMethod") or "PKCS5"
            ct, tag = sym_ciphers.encrypt(cipher, key_bytes, nonce, aad, item, pad)
            out.append(nonce + ct + tag)
        elif obj.object_type in ("PublicKey", "Certificate"):
            response = _single(obj, key, payload, cp, item)
            out.append(response.get_value("Data"))
        else:
            raise NotSupported(f"Encrypt bulk: encryption with keys of type: {obj.object_type} is not supported")
    return _response(obj.uid, bulk_serialize(out), None, field_bytes(payload, "CorrelationValue"))


async def handle(ctx: OpContext, payload: TTLV) -> TTLV:
    """Encrypt: select the key, then encrypt one plaintext (or each of a BulkData)."""
    return await run_on_data(ctx, payload, SPEC, "Encrypt", "encrypt", _single, _bulk)
