"""Create: symmetric keys (AES, ChaCha20, 3DES, HMAC/SHA3 keys…) and secret data."""

from __future__ import annotations

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import keys
from kms_tui.server.context import OpContext, new_uid
from kms_tui.server.errors import InvalidRequest, NotSupported
from kms_tui.server.objects import check_uid_allowed, new_stored, require, stored_attributes, user_tags

# Allowed lengths in bits; None = any multiple of 8 in 8..8192.
SYMMETRIC = {
    "AES": (128, 192, 256),
    "ChaCha20": (256,),
    "ChaCha20Poly1305": (256,),
    "THREE_DES": (112, 168),
    "FPE_FF1": None,
    **{name: None for name in (
        "HMACSHA1", "HMACSHA224", "HMACSHA256", "HMACSHA384", "HMACSHA512",
        "HMACSHA3224", "HMACSHA3256", "HMACSHA3384", "HMACSHA3512",
        "SHA3224", "SHA3256", "SHA3384", "SHA3512", "SHAKE128", "SHAKE256",
    )},
}
DEFAULT_MASK = 2108  # Encrypt|Decrypt|WrapKey|UnwrapKey|KeyAgreement


def symmetric_length(algorithm: str, length: object) -> int:
    """Validate a requested key length (bits) for ``algorithm``; default 256."""
    if algorithm not in SYMMETRIC:
        raise NotSupported(f"unsupported symmetric key algorithm: {algorithm}")
    if length is None:
        length = 168 if algorithm == "THREE_DES" else 256
    if not isinstance(length, int):
        raise InvalidRequest("the cryptographic length must be an integer")
    allowed = SYMMETRIC[algorithm]
    if allowed is not None and length not in allowed:
        sizes = ", ".join(map(str, allowed))
        raise InvalidRequest(f"invalid cryptographic length {length} for {algorithm} keys: use {sizes}")
    if allowed is None and not (8 <= length <= 8192 and length % 8 == 0):
        raise InvalidRequest(f"invalid cryptographic length {length}: must be a multiple of 8 in 8..8192")
    return length


def _key_bytes(algorithm: str, length: int) -> bytes:
    if algorithm == "THREE_DES":  # 112 → 2-key (16 bytes), 168 → 3-key (24 bytes)
        return keys.random_bytes(16 if length == 112 else 24)
    return keys.random_bytes(length // 8)


async def handle(ctx: OpContext, payload: TTLV) -> TTLV:
    """Create: a symmetric key or secret data, stored with Cosmian's attributes."""
    ctx.check_create()
    object_type = require(payload, "ObjectType").value
    attrs = require(payload, "Attributes")
    if payload.get("ProtectionStorageMasks") is not None:
        raise NotSupported("ProtectionStorageMasks are not supported")
    uid = attrs.get_value("UniqueIdentifier") or new_uid()
    check_uid_allowed(str(uid))
    if object_type == "SymmetricKey":
        algorithm = attrs.get_value("CryptographicAlgorithm", "AES")
        length = symmetric_length(algorithm, attrs.get_value("CryptographicLength"))
        fmt = attrs.get_value("KeyFormatType")
        if fmt not in (None, "TransparentSymmetricKey"):
            raise NotSupported(f"unsupported key format type for a symmetric key: {fmt}")
        material = _key_bytes(algorithm, length)
        obj = keys.symmetric_object(material, algorithm)
        obj.get("KeyBlock").set(TTLV.integer("CryptographicLength", length))
    elif object_type == "SecretData":
        material = keys.random_bytes(32)
        block = keys.key_block("Raw", TTLV.bytes_("KeyMaterial", material), None, None)
        obj = TTLV.struct("SecretData", [TTLV.enum("SecretDataType", "Seed"), block])
    else:
        raise NotSupported(f"Create of a {object_type} is not supported: use CreateKeyPair or Import")
    tags = user_tags(ctx, attrs, strict=False)
    if attrs.get("CryptographicUsageMask") is None and object_type == "SymmetricKey":
        attrs = attrs.copy()
        attrs.value.append(TTLV.integer("CryptographicUsageMask", DEFAULT_MASK))
    stored_attrs, state = stored_attributes(ctx, attrs, uid=str(uid), obj=obj, tags=tags, digest_of=material)
    ctx.store.insert([new_stored(ctx, str(uid), obj, stored_attrs, state)])
    return TTLV.struct(
        "CreateResponse", [TTLV.enum("ObjectType", object_type), TTLV.text("UniqueIdentifier", str(uid))]
    )
