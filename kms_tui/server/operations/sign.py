"""Sign as Cosmian 5.26 does it (``crate/server/src/core/operations/sign.rs: SignOp, sign,
sign_with_private_key, handle_streaming_sign, sign_with_pkey``; ``crate/crypto/src/crypto/rsa/sign.rs:
sign_rsa_with_pkey``; ``elliptic_curves/sign.rs: ecdsa_sign, eddsa_sign``): an Active private key
allowing Sign; the key's CryptographicParameters fill what the request leaves out; RSA defaults to
RSASSA-PSS with SHA-256 (MGF1 = the hash, salt = the digest length); ECDSA on P-256 and secp256k1
signs SHA-256 deterministically (RFC 6979, as the p256/k256 crates), other curves with their
DigitalSignatureAlgorithm's hash; Ed25519/Ed448 sign the data itself."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric import padding as apad
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.asymmetric.utils import (
    Prehashed,
    decode_dss_signature,
    encode_dss_signature,
)

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import keys
from kms_tui.server.context import OpContext
from kms_tui.server.errors import InvalidRequest, Kmip21Error, NotSupported, ServerError
from kms_tui.server.operations.crypto_common import (
    PROTECT,
    SIGN,
    Spec,
    crypto_failure,
    decrement_usage_limits,
    enforce_usage_limits,
    field_bool,
    field_bytes,
    first_success,
    has_usage_mask,
    key_object,
    load_private,
    merged,
    not_supported,
    read_params,
    select_keys,
    stored_params,
    usage_allows,
)
from kms_tui.server.operations.encrypt import HASHES, rsa_defaults
from kms_tui.server.store import StoredObject

SPEC = Spec("Sign", "sign", PROTECT, lambda obj: obj.object_type == "PrivateKey" and has_usage_mask(obj, SIGN, False))
PRIVATE_FORMATS = ("TransparentECPrivateKey", "TransparentRSAPrivateKey", "PKCS1", "PKCS8")
_BY_DSA = {
    "RSASSAPSS": "SHA256",
    "SHA256WithRSAEncryption": "SHA256",
    "SHA384WithRSAEncryption": "SHA384",
    "SHA512WithRSAEncryption": "SHA512",
    "SHA3256WithRSAEncryption": "SHA3256",
    "SHA3384WithRSAEncryption": "SHA3384",
    "SHA3512WithRSAEncryption": "SHA3512",
}
_BY_LENGTH = {20: "SHA1", 32: "SHA256", 48: "SHA384", 64: "SHA512"}
_OPENSSL_HASH = {"SHA1", "SHA384", "SHA512", "SHA3256", "SHA3384", "SHA3512"}  # map_kmip_hash_to_openssl (else SHA-256)
ECDSA_HASHES = {"ECDSAWithSHA256": "SHA256", "ECDSAWithSHA384": "SHA384", "ECDSAWithSHA512": "SHA512"}
_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def _hash(name: str) -> hashes.HashAlgorithm:
    return HASHES[name]()


def sign_rsa(
    private_key: rsa.RSAPrivateKey,
    cp: dict[str, Any],
    data: bytes | None,
    digested: bytes | None,
    correlation: bytes | None,
) -> bytes:
    """``sign_rsa_with_pkey``."""
    _, _, default_hash, dsa = rsa_defaults(cp)
    if cp.get("HashingAlgorithm"):
        effective = cp["HashingAlgorithm"]
    elif dsa in _BY_DSA:
        effective = _BY_DSA[dsa]
    else:
        raise NotSupported(f"rsa sign error: sign_rsa_with_pkey: not supported: {dsa}")
    if digested is not None:
        effective = _BY_LENGTH.get(len(digested), effective)
    digest = effective if effective in _OPENSSL_HASH else "SHA256"
    prefix = correlation or b""
    if digested is not None:
        if effective not in HASHES:
            raise Kmip21Error("Operation_Not_Supported", f"hashing algorithm {effective} is not supported")
        h = _hash(effective)
        if len(prefix + digested) != h.digest_size:
            raise NotSupported(
                f"rsa sign error: rsa {'pss' if dsa == 'RSASSAPSS' else 'pkcs1'} prehash sign init "
                f"failed (hash={effective}, payload_len={len(prefix + digested)})"
            )
        if dsa == "RSASSAPSS":
            mgf1 = cp.get("MaskGeneratorHashingAlgorithm") or effective
            salt = cp.get("SaltLength")
            pad = apad.PSS(mgf=apad.MGF1(_hash(mgf1)), salt_length=salt if salt is not None else apad.PSS.DIGEST_LENGTH)
            return private_key.sign(prefix + digested, pad, Prehashed(h))
        return private_key.sign(prefix + digested, apad.PKCS1v15(), Prehashed(h))
    h = _hash(digest)
    padder: apad.AsymmetricPadding
    if dsa == "RSASSAPSS":
        mgf1 = cp.get("MaskGeneratorHashingAlgorithm")
        mgf1 = (mgf1 if mgf1 in _OPENSSL_HASH else "SHA256") if mgf1 else digest
        salt = cp.get("SaltLength")
        padder = apad.PSS(mgf=apad.MGF1(_hash(mgf1)), salt_length=salt if salt is not None else apad.PSS.DIGEST_LENGTH)
    else:
        padder = apad.PKCS1v15()
    return private_key.sign(prefix + (data or b""), padder, h)


def sign_ecdsa(
    private_key: ec.EllipticCurvePrivateKey,
    cp: dict[str, Any],
    data: bytes | None,
    digested: bytes | None,
    correlation: bytes | None,
) -> bytes:
    """``ecdsa_sign``: P-256 and secp256k1 through the RustCrypto crates (SHA-256, RFC 6979;
    secp256k1 with a low S), other curves through OpenSSL."""
    dsa = cp.get("DigitalSignatureAlgorithm") or "ECDSAWithSHA256"
    if dsa not in ECDSA_HASHES:
        raise not_supported(f"ecdsa_sign: not supported: {dsa}")
    message = (correlation or b"") + (digested if digested is not None else (data or b""))
    curve = keys.curve_of(private_key)
    if curve in ("P256", "SECP256K1"):
        if digested is not None:
            if len(message) != 32:
                raise NotSupported(f"Sign ({'P256' if curve == 'P256' else 'K256'}) error: signature error")
            algorithm = ec.ECDSA(Prehashed(_hash("SHA256")), deterministic_signing=True)
        else:
            algorithm = ec.ECDSA(_hash("SHA256"), deterministic_signing=True)
        signature = private_key.sign(message, algorithm)
        if curve == "SECP256K1":  # normalize_s
            r, s = decode_dss_signature(signature)
            if s > _SECP256K1_N // 2:
                signature = encode_dss_signature(r, _SECP256K1_N - s)
        return signature
    if digested is not None:
        name = _BY_LENGTH.get(len(digested))
        if name is None or name == "SHA1":
            raise crypto_failure("KMIP Error: ecdsa_sign: prehashed ECDSA sign failed")
        return private_key.sign(digested, ec.ECDSA(Prehashed(_hash(name))))
    return private_key.sign(message, ec.ECDSA(_hash(ECDSA_HASHES[dsa])))


def sign_with_key(
    private_key: PrivateKeyTypes,
    cp: dict[str, Any],
    data: bytes | None,
    digested: bytes | None,
    correlation: bytes | None,
) -> bytes:
    """``sign_with_pkey``."""
    if isinstance(private_key, rsa.RSAPrivateKey):
        return sign_rsa(private_key, cp, data, digested, correlation)
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return sign_ecdsa(private_key, cp, data, digested, correlation)
    if isinstance(private_key, (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)):
        return private_key.sign((correlation or b"") + (digested if digested is not None else (data or b"")))
    raise ServerError(f"sign_with_pkey: private key type not supported: {type(private_key).__name__}")


def _response(uid: str, signature: bytes | None, correlation: bytes | None = None) -> TTLV:
    return TTLV.struct(
        "SignResponse",
        [
            TTLV.text("UniqueIdentifier", uid),
            TTLV.bytes_("SignatureData", signature) if signature is not None else None,
            TTLV.bytes_("CorrelationValue", correlation) if correlation is not None else None,
        ],
    )


def _sign(obj: StoredObject, key: TTLV, payload: TTLV, cp: dict[str, Any] | None) -> TTLV:
    """``sign_with_private_key`` (and ``handle_streaming_sign``)."""
    if not usage_allows(obj, SIGN):
        raise Kmip21Error("Incompatible_Cryptographic_Usage_Mask", "CryptographicUsageMask not authorized for Sign")
    fmt = key.child("KeyBlock").get_value("KeyFormatType")
    if fmt not in PRIVATE_FORMATS:
        raise NotSupported(f"signing with private keys of format: {fmt}")
    init, final = field_bool(payload, "InitIndicator"), field_bool(payload, "FinalIndicator")
    if init is True and final is True:
        raise ServerError("Invalid request: init_indicator and final_indicator cannot both be true")
    try:
        private_key = load_private(key)
    except keys.KeyFormatError as exc:
        raise crypto_failure(str(exc)) from None
    effective = merged(cp, stored_params(obj))
    data, digested = field_bytes(payload, "Data"), field_bytes(payload, "DigestedData")
    correlation = field_bytes(payload, "CorrelationValue")
    if init is True or correlation is not None:
        if correlation is None and init is not True:
            raise InvalidRequest("Correlation value required for non-initial streaming operations")
        if digested is not None:
            raise InvalidRequest(
                "Streaming sign supports non-digested data only"
                if data is None
                else "Cannot provide both data and digested_data"
            )
        if data is None and final is not True:
            raise InvalidRequest("Must provide data for streaming sign")
        accumulated = (correlation or b"") + (data or b"")
        if final is True:
            return _response(obj.uid, sign_with_key(private_key, effective, accumulated, None, None))
        return _response(obj.uid, None, accumulated)
    return _response(obj.uid, sign_with_key(private_key, effective, data, digested, None))


async def handle(ctx: OpContext, payload: TTLV) -> TTLV:
    """Sign: data and digested data together are refused before the key is looked up."""
    if payload.get("Data") is not None and payload.get("DigestedData") is not None:
        raise InvalidRequest("Sign request must not set both 'data' and 'digested_data' simultaneously")
    uid = ctx.uid_of(payload, use_placeholder=False)
    cp = read_params(payload.get("CryptographicParameters"), "Sign")
    data_len = max(len(field_bytes(payload, "Data") or b""), len(field_bytes(payload, "DigestedData") or b""))

    async def attempt(obj: StoredObject) -> TTLV:
        enforce_usage_limits(obj, data_len)
        key = key_object(ctx, obj)
        if obj.object_type != "PrivateKey":
            raise NotSupported(f"signing with keys of type: {obj.object_type} is not supported")
        response = await ctx.run_cpu(_sign, obj, key, payload, cp)
        decrement_usage_limits(ctx, obj, data_len)
        return response

    return await first_success(SPEC, select_keys(ctx, SPEC, uid), attempt)
