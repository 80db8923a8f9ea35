"""SignatureVerify as Cosmian 5.26 does it (``crate/server/src/core/operations/signature_verify.rs:
SignatureVerifyOp, signature_verify, extract_verification_key, verify_signature,
handle_streaming_verification``; ``crate/crypto/src/crypto/rsa/verify.rs: rsa_verify``;
``elliptic_curves/verify.rs: ecdsa_verify, ed_verify``): a public or private key (the public
half is used) allowing Verify — a key without a usage mask passes — Active, Deactivated or
Compromised; the answer is ``ValidityIndicator`` Valid or Invalid, not an error."""

from __future__ import annotations

from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric import padding as apad
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import keys
from kms_tui.server.context import OpContext
from kms_tui.server.errors import InvalidRequest, NotSupported, codec
from kms_tui.server.operations.crypto_common import (
    PROCESS,
    VERIFY,
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
)
from kms_tui.server.operations.encrypt import HASHES
from kms_tui.server.store import StoredObject

SPEC = Spec(
    "SignatureVerify",
    "signatureverify",
    PROCESS,
    lambda obj: obj.object_type in ("PublicKey", "PrivateKey") and has_usage_mask(obj, VERIFY, True),
    try_each=True,
)
_RSA_BY_HASH = {
    "SHA256": "SHA256WithRSAEncryption",
    "SHA384": "SHA384WithRSAEncryption",
    "SHA512": "SHA512WithRSAEncryption",
    "SHA3256": "SHA3256WithRSAEncryption",
    "SHA3384": "SHA3384WithRSAEncryption",
    "SHA3512": "SHA3512WithRSAEncryption",
}
_RSA_DEFAULT_HASH = {
    "RSASSAPSS": "SHA256",
    "SHA256WithRSAEncryption": "SHA256",
    "SHA384WithRSAEncryption": "SHA384",
    "SHA512WithRSAEncryption": "SHA512",
    "SHA3256WithRSAEncryption": "SHA3256",
    "SHA3384WithRSAEncryption": "SHA3384",
    "SHA3512WithRSAEncryption": "SHA3512",
}
_VERIFY_HASHES = ("SHA1", "SHA256", "SHA384", "SHA512", "SHA3256", "SHA3384", "SHA3512")
_ECDSA = {"ECDSAWithSHA256": "SHA256", "ECDSAWithSHA384": "SHA384", "ECDSAWithSHA512": "SHA512"}


def _hash(name: str) -> hashes.HashAlgorithm:
    return HASHES[name]()


def _digest(name: str) -> str:
    if name not in _VERIFY_HASHES:
        raise not_supported(f"Hash not supported: {name}")
    return name


def rsa_verify(key: rsa.RSAPublicKey, data: bytes, signature: bytes, cp: dict[str, Any], digested: bool) -> bool:
    """``rsa_verify``: PSS (salt auto-detected; digested: digest length), retried with MGF1-SHA1."""
    dsa = cp.get("DigitalSignatureAlgorithm")
    if dsa is None:
        dsa = (
            "RSASSAPSS"
            if cp.get("PaddingMethod") == "PSS"
            else _RSA_BY_HASH.get(str(cp.get("HashingAlgorithm")), "RSASSAPSS")
        )
    if cp.get("HashingAlgorithm"):
        digest = _digest(cp["HashingAlgorithm"])
    elif dsa in _RSA_DEFAULT_HASH:
        digest = _RSA_DEFAULT_HASH[dsa]
    else:
        raise not_supported(f"RSA verify not supported: {dsa}")
    mgf1 = _digest(cp["MaskGeneratorHashingAlgorithm"]) if cp.get("MaskGeneratorHashingAlgorithm") else digest
    algorithm = Prehashed(_hash(digest)) if digested else _hash(digest)

    def attempt(pad: apad.AsymmetricPadding) -> bool:
        try:
            key.verify(signature, data, pad, algorithm)
            return True
        except (InvalidSignature, ValueError):
            return False

    if dsa != "RSASSAPSS":
        return attempt(apad.PKCS1v15())
    salt = apad.PSS.DIGEST_LENGTH if digested else apad.PSS.AUTO
    if attempt(apad.PSS(mgf=apad.MGF1(_hash(mgf1)), salt_length=salt)):
        return True
    return mgf1 != "SHA1" and attempt(apad.PSS(mgf=apad.MGF1(_hash("SHA1")), salt_length=salt))


def ecdsa_verify(
    key: ec.EllipticCurvePublicKey, data: bytes, signature: bytes, cp: dict[str, Any], digested: bool
) -> bool:
    """``ecdsa_verify``."""
    dsa = cp.get("DigitalSignatureAlgorithm")
    if dsa is None:
        h = cp.get("HashingAlgorithm") or "SHA256"
        if h not in ("SHA256", "SHA384", "SHA512"):
            raise not_supported(f"ECDSA unsupported hash: {h}")
        dsa = f"ECDSAWithSHA{h[3:]}"
    if dsa not in _ECDSA:
        raise not_supported(f"ECDSA verify not supported: {dsa}")
    curve = keys.curve_of(key)
    if digested and dsa == "ECDSAWithSHA256" and curve in ("P256", "SECP256K1"):
        if len(data) != 32:
            raise crypto_failure(
                f"Invalid size: SHA-256 digest for verify must be exactly 32 bytes, is {len(data)} bytes."
            )
        name = "P256" if curve == "P256" else "K256"
        try:
            decode_dss_signature(signature)
        except ValueError:
            raise codec(f"Verify - invalid ECDSA {name} signature: signature error") from None
        return _ec_ok(key, signature, data, ec.ECDSA(Prehashed(_hash("SHA256"))))
    try:
        decode_dss_signature(signature)
    except ValueError:
        if digested:
            raise codec("ECDSA prehash verify: invalid DER signature") from None
        raise crypto_failure("OpenSSL Error: Error: OpenSSL error. Details: ErrorStack([])") from None
    if digested:
        by_size = {32: "SHA256", 48: "SHA384", 64: "SHA512"}.get(len(data))
        if by_size is None:
            return False
        return _ec_ok(key, signature, data, ec.ECDSA(Prehashed(_hash(by_size))))
    return _ec_ok(key, signature, data, ec.ECDSA(_hash(_ECDSA[dsa])))


def _ec_ok(key: ec.EllipticCurvePublicKey, signature: bytes, data: bytes, algorithm: ec.ECDSA) -> bool:
    try:
        key.verify(signature, data, algorithm)
        return True
    except InvalidSignature:
        return False


def verify(key: PublicKeyTypes, data: bytes, signature: bytes, cp: dict[str, Any], digested: bool) -> bool:
    """``verify_signature``."""
    if isinstance(key, rsa.RSAPublicKey):
        return rsa_verify(key, data, signature, cp, digested)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return ecdsa_verify(key, data, signature, cp, digested)
    if isinstance(key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
        try:
            key.verify(signature, data)
            return True
        except InvalidSignature:
            return False
    raise NotSupported(f"verify_signature: key type not supported: {type(key).__name__}")


def _response(uid: str, valid: bool | None, correlation: bytes | None) -> TTLV:
    return TTLV.struct(
        "SignatureVerifyResponse",
        [
            TTLV.text("UniqueIdentifier", uid),
            TTLV.enum("ValidityIndicator", "Valid" if valid else "Invalid") if valid is not None else None,
            TTLV.bytes_("CorrelationValue", correlation) if correlation is not None else None,
        ],
    )


def _verification_key(key: TTLV, object_type: str) -> PublicKeyTypes:
    """``extract_verification_key``: a private key's public half."""
    try:
        if object_type == "PublicKey":
            return keys.load_public(key)
        return load_private(key).public_key()
    except keys.KeyFormatError as exc:
        raise crypto_failure(str(exc)) from None


def _verify(obj: StoredObject, key: TTLV, payload: TTLV, cp: dict[str, Any] | None) -> TTLV:
    public_key = _verification_key(key, obj.object_type)
    effective = merged(cp, stored_params(obj))
    data, digested = field_bytes(payload, "Data"), field_bytes(payload, "DigestedData")
    correlation = field_bytes(payload, "CorrelationValue")
    signature = field_bytes(payload, "SignatureData")
    init, final = field_bool(payload, "InitIndicator"), field_bool(payload, "FinalIndicator")
    if init is True or correlation is not None:  # handle_streaming_verification: the request's parameters only
        if correlation is None and init is not True:
            raise InvalidRequest("Correlation value required for non-initial streaming operations")
        if data is not None and digested is not None:
            raise InvalidRequest("Cannot provide both data and digested_data")
        if data is None and digested is None and final is not True:
            raise InvalidRequest("Must provide either data or digested_data")
        accumulated = (correlation or b"") + (data if data is not None else (digested or b""))
        if final is True:
            if signature is None:
                raise InvalidRequest("Missing signature_data for final verification")
            return _response(obj.uid, verify(public_key, accumulated, signature, cp or {}, digested is not None), None)
        return _response(obj.uid, None, accumulated)
    if signature is None:
        raise InvalidRequest("Missing signature_data")
    if data is not None and digested is not None:
        raise InvalidRequest("Cannot provide both data and digested_data")
    if data is None and digested is None:
        raise InvalidRequest("Must provide either data or digested_data")
    message = data if data is not None else (digested or b"")  # one of them is given (checked above)
    valid = verify(public_key, message, signature, effective, digested is not None)
    return _response(obj.uid, valid, correlation)


async def handle(ctx: OpContext, payload: TTLV) -> TTLV:
    """SignatureVerify: init and final together are refused before the key is looked up."""
    if field_bool(payload, "InitIndicator") is True and field_bool(payload, "FinalIndicator") is True:
        raise InvalidRequest("Invalid request: init_indicator and final_indicator cannot both be true")
    uid = ctx.uid_of(payload, use_placeholder=False)
    cp = read_params(payload.get("CryptographicParameters"), "SignatureVerify")
    data_len = max(len(field_bytes(payload, "Data") or b""), len(field_bytes(payload, "DigestedData") or b""))

    async def attempt(obj: StoredObject) -> TTLV:
        enforce_usage_limits(obj, data_len)
        key = key_object(ctx, obj)
        response = await ctx.run_cpu(_verify, obj, key, payload, cp)
        decrement_usage_limits(ctx, obj, data_len)
        return response

    return await first_success(SPEC, select_keys(ctx, SPEC, uid), attempt)
