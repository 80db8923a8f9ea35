"""Create: symmetric keys (AES, ChaCha20, 3DES, HMAC/SHA3 keys…) and secret data, validated as
Cosmian 5.26 does (``crate/server/src/core/operations/create.rs: create`` and
``core/kms/other_kms_methods.rs: create_symmetric_key_and_tags``)."""

from __future__ import annotations

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import attributes as A
from kms_tui.server import keys, wrapping
from kms_tui.server.context import OpContext, new_uid
from kms_tui.server.errors import InvalidRequest, Kmip21Error, NotSupported, UnsupportedPlaceholder
from kms_tui.server.objects import check_uid_allowed, new_stored, require, stored_attributes, user_tags

# The algorithms `create_symmetric_key_and_tags` generates (non-FIPS build).
SYMMETRIC = frozenset(
    {
        "AES",
        "FPE_FF1",
        "ChaCha20",
        "ChaCha20Poly1305",
        "THREE_DES",
        "HMACSHA1",
        "HMACSHA224",
        "HMACSHA256",
        "HMACSHA384",
        "HMACSHA512",
        "SHA3224",
        "SHA3256",
        "SHA3384",
        "SHA3512",
        "SHAKE128",
        "SHAKE256",
    }
)
MIN_SYMMETRIC_KEY_BITS = 8
MAX_SYMMETRIC_KEY_BITS = 8192
DEFAULT_MASK = 2108  # Encrypt|Decrypt|WrapKey|UnwrapKey|KeyAgreement


def symmetric_key_bytes(algorithm: str | None, length: object) -> int:
    """The key size in bytes Cosmian generates for ``algorithm`` and the requested length
    (bits), or its refusal (text as in ``create_symmetric_key_and_tags``)."""
    if algorithm is None:
        raise InvalidRequest("the cryptographic algorithm must be specified for secret key creation")
    if algorithm not in SYMMETRIC:
        raise NotSupported(f"the creation of secret key for algorithm: {algorithm} is not supported")
    if length is not None and not isinstance(length, int):
        raise InvalidRequest("the cryptographic length must be an integer")
    if algorithm == "FPE_FF1":
        bits = 256 if length is None else length
        if bits != 256:
            raise InvalidRequest(f"unsupported FPE_FF1 cryptographic_length: {bits} (expected 256)")
        return 32
    if algorithm == "THREE_DES":
        if length is None:
            raise InvalidRequest("cryptographic_length must be provided for THREE_DES keys")
        if length not in (112, 168):
            raise InvalidRequest(f"unsupported THREE_DES cryptographic_length: {length} (expected 112 or 168)")
        return length // 56 * 8  # bytes, parity bits included
    bits = 256 if length is None else length
    if not MIN_SYMMETRIC_KEY_BITS <= bits <= MAX_SYMMETRIC_KEY_BITS:
        raise InvalidRequest(
            f"invalid symmetric key length {bits} bits: must be between "
            f"{MIN_SYMMETRIC_KEY_BITS} and {MAX_SYMMETRIC_KEY_BITS}"
        )
    return bits // 8


def reported_length(algorithm: str, nbytes: int) -> int:
    """``create_symmetric_key_kmip_object``: bits of the material (3DES: effective bits)."""
    if algorithm == "THREE_DES":
        return {24: 168, 16: 112, 8: 56}.get(nbytes, nbytes * 8)
    return nbytes * 8


def check_quantum_safe(attrs: TTLV) -> None:
    """QS-M-2-21: QuantumSafe with a ProtectionLevel or ProtectionPeriod on a classical key."""
    if attrs.get_value("QuantumSafe") is True and (
        attrs.get("ProtectionLevel") is not None or attrs.get("ProtectionPeriod") is not None
    ):
        raise Kmip21Error("General_Failure", "NOT_SAFE")


def keyset_attributes(attrs: TTLV, uid: str, op: str, what: str) -> None:
    """RotateName must equal the new key's id; then RotateGeneration 0, RotateLatest true."""
    name = attrs.get_value("RotateName")
    if name is None:
        return
    if str(name) != uid and not uid.startswith("hsm::"):
        raise InvalidRequest(
            f"{op}: rotate_name ('{name}') must equal the {what} ('{uid}') — set the "
            f"{'key ID' if op == 'Create' else 'private key ID'} to the keyset name at creation time"
        )
    A.put(attrs, TTLV.integer("RotateGeneration", 0))
    A.put(attrs, TTLV.boolean("RotateLatest", True))
    A.sort_attributes(attrs)


async def handle(ctx: OpContext, payload: TTLV) -> TTLV:
    """Create: a symmetric key or secret data, stored with Cosmian's attributes."""
    if payload.get("ProtectionStorageMasks") is not None:  # reject_protection_storage_masks
        raise UnsupportedPlaceholder()
    ctx.check_create()
    object_type = require(payload, "ObjectType").value
    attrs = require(payload, "Attributes").copy()
    attrs.tag = "Attributes"
    requested_uid = attrs.get_value("UniqueIdentifier")
    uid = str(requested_uid) if requested_uid not in (None, "") else new_uid()
    if object_type == "SymmetricKey":
        algorithm = attrs.get_value("CryptographicAlgorithm")
        nbytes = symmetric_key_bytes(algorithm, attrs.get_value("CryptographicLength"))
        fmt = attrs.get_value("KeyFormatType")
        if fmt not in (None, "TransparentSymmetricKey"):
            raise InvalidRequest(f"unable to generate a symmetric key for format: {fmt}")
        obj = keys.symmetric_object(keys.random_bytes(nbytes), algorithm)
        obj.child("KeyBlock").set(TTLV.integer("CryptographicLength", reported_length(algorithm, nbytes)))
        if attrs.get("CryptographicUsageMask") is None:
            attrs.value.append(TTLV.integer("CryptographicUsageMask", DEFAULT_MASK))
        if attrs.get("KeyFormatType") is None:
            attrs.value.append(TTLV.enum("KeyFormatType", "TransparentSymmetricKey"))
    elif object_type == "SecretData":
        material = keys.random_bytes(32)
        block = keys.key_block("Raw", TTLV.bytes_("KeyMaterial", material), None, None)
        obj = TTLV.struct("SecretData", [TTLV.enum("SecretDataType", "Seed"), block])
    elif object_type == "PrivateKey":
        algorithm = attrs.get_value("CryptographicAlgorithm")
        if algorithm is None:
            raise InvalidRequest("the cryptographic algorithm must be specified for private key creation")
        raise NotSupported(f"the creation of a private key for algorithm: {algorithm} is not supported")
    else:
        raise NotSupported(f"This server does not yet support creation of: {object_type}")
    check_uid_allowed(uid)
    tags = user_tags(ctx, attrs, strict=False)
    if object_type == "SymmetricKey" and attrs.get_value("CryptographicAlgorithm") == "FPE_FF1":
        tags.add("fpe-ff1")
    check_quantum_safe(attrs)
    stored_attrs, state = stored_attributes(ctx, attrs, uid=uid, obj=obj, tags=tags, lifecycle=True)
    keyset_attributes(stored_attrs, uid, "Create", "key's unique_identifier")
    kek = wrapping.requested_wrapping_key(ctx, attrs)
    if kek is not None:  # Cosmian stores the key wrapped and links the wrapping key
        obj = wrapping.wrap_on_create(ctx, uid, obj, kek)
        A.set_link(stored_attrs, "WrappingKeyLink", kek)
    ctx.store.insert([new_stored(ctx, uid, obj, stored_attrs, state)])
    return TTLV.struct("CreateResponse", [TTLV.enum("ObjectType", object_type), TTLV.text("UniqueIdentifier", uid)])
