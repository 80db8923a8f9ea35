"""CreateKeyPair: RSA, EC (NIST and secp curves, X25519/X448), Ed25519/Ed448, as Cosmian 5.26
(non-FIPS build) does it: ``crate/server/src/core/operations/create_key_pair.rs:
create_key_pair, generate_key_pair`` and ``crate/crypto/src/crypto/{rsa,elliptic_curves}/
operation.rs``.

The public key's id is the private id + ``_pk``; each key's attributes are its own attributes
merged over the common ones (``Attributes::merge``), then overwritten by what the generated key
says (type, algorithm, length, format, parameters, the one link to its partner); tags come from
the common attributes only; each key's state follows its own ActivationDate (falling back to the
common one); both keys get Cosmian's Digest."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import attributes as A
from kms_tui.server import keys
from kms_tui.server.context import OpContext, new_uid
from kms_tui.server.errors import CryptographicError, InvalidRequest, NotSupported, UnsupportedPlaceholder
from kms_tui.server.objects import check_uid_allowed, new_stored, stored_attributes, user_tags
from kms_tui.server.operations.create import keyset_attributes

EC_ALGORITHMS = ("EC", "ECDH", "ECDSA")
NIST = ("P192", "P224", "P256", "P384", "P521")
SECP = ("SECP224K1", "SECP256K1")
MAX_RSA_BITS = 8192  # the sandbox's CPU guard (Cosmian hands any size to OpenSSL)
# Fields `Attributes::merge` treats as lists; every other tag is single-valued.
_LIST_TAGS = ("Name", "Link", "Attribute")


def merge(base: TTLV, other: TTLV | None, *, overwrite: bool) -> TTLV:
    """Cosmian's ``Attributes::merge(other, overwrite)`` on ``base`` (in place): a field of
    ``other`` replaces ``base``'s when ``overwrite`` or when ``base`` lacks it; Names are
    unioned, Links unioned by LinkType and vendor attributes by (vendor, name) unless
    ``overwrite`` (then ``other``'s list replaces them)."""
    if other is None:
        return base
    for tag in dict.fromkeys(c.tag for c in other.value):
        new = [c.copy() for c in other.children(tag)]
        old = base.all(tag)
        if tag in _LIST_TAGS and old and not overwrite:
            if tag == "Name":
                new = [n for n in new if n not in old]
            elif tag == "Link":
                have = {c.get_value("LinkType") for c in old}
                new = [n for n in new if n.get_value("LinkType") not in have]
            else:
                have = {(c.get_value("VendorIdentification"), c.get_value("AttributeName")) for c in old}
                new = [
                    n for n in new if (n.get_value("VendorIdentification"), n.get_value("AttributeName")) not in have
                ]
            base.value += new
        elif overwrite or not old:
            base.value = [c for c in base.value if c.tag != tag] + new
    return A.sort_attributes(base)


def _algorithm(common: TTLV | None, private: TTLV | None, public: TTLV | None) -> str:
    for attrs in (common, private, public):
        if attrs is not None and attrs.get_value("CryptographicAlgorithm") is not None:
            return str(attrs.get_value("CryptographicAlgorithm"))
    raise InvalidRequest("the cryptographic algorithm must be specified for key pair creation")


def _curve(algorithm: str, common: TTLV | None) -> str:
    """``generate_key_pair``'s curve choice for EC/ECDH/ECDSA (non-FIPS default CURVE25519)."""
    params = common.get("CryptographicDomainParameters") if common is not None else None
    curve = (params.get_value("RecommendedCurve") if params is not None else None) or "CURVE25519"
    if curve in ("CURVEED25519", "CURVEED448"):
        raise NotSupported("Edwards curve can't be created for EC or ECDSA")
    if curve not in NIST + SECP + ("CURVE25519", "CURVE448"):
        raise NotSupported(f"Generation of Key Pair for curve: {curve}, is not supported")
    if curve == "SECP224K1":  # OpenSSL has it, the `cryptography` package does not
        raise NotSupported(f"Generation of Key Pair for curve: {curve}, is not supported by the sandbox KMS")
    return curve


async def _generate(ctx: OpContext, algorithm: str, common: TTLV | None) -> PrivateKeyTypes:
    if algorithm == "RSA":
        bits = common.get_value("CryptographicLength") if common is not None else None
        if bits is None:
            raise InvalidRequest("RSA key size: error")
        if not isinstance(bits, int) or bits < 1024:  # OpenSSL's own floor is 512; the sandbox's 1024
            raise CryptographicError(f"RSA key generation failed: invalid key size {bits}")
        if bits > MAX_RSA_BITS:
            raise InvalidRequest(f"the sandbox KMS generates RSA keys of at most {MAX_RSA_BITS} bits, not {bits}")
        return await ctx.run_cpu(keys.generate_rsa, bits)
    if algorithm in EC_ALGORITHMS:
        return keys.generate_curve(_curve(algorithm, common))
    if algorithm in ("Ed25519", "Ed448"):
        return keys.generate_curve("CURVEED25519" if algorithm == "Ed25519" else "CURVEED448")
    raise NotSupported(f"The creation of a keypair for algorithm: {algorithm} is not supported")


def _objects(key: PrivateKeyTypes, algorithm: str) -> tuple[TTLV, TTLV, TTLV | None]:
    """The generated private/public objects and the EC domain parameters (None for RSA)."""
    if algorithm == "RSA":
        return keys.private_object(key, "RSA"), keys.public_object(key.public_key(), "RSA"), None
    stored_alg = "Ed25519" if algorithm == "Ed25519" else "Ed448" if algorithm == "Ed448" else algorithm
    sk, pk, qlength = keys.generated_curve_objects(key, stored_alg)
    params = TTLV.struct(
        "CryptographicDomainParameters",
        [
            TTLV.integer("Qlength", qlength),
            TTLV.enum("RecommendedCurve", keys.curve_of(key)),
        ],
    )
    return sk, pk, params


def _key_attributes(
    specific: TTLV | None, common: TTLV, obj: TTLV, params: TTLV | None, partner_link: str, partner: str
) -> TTLV:
    """``private_key_attributes.merge(common, false)`` then ``merge(created, true)``."""
    attrs = specific.copy() if specific is not None else TTLV.struct("Attributes")
    attrs.tag = "Attributes"
    merge(attrs, common, overwrite=False)
    block = obj.child("KeyBlock")
    algorithm = block.get_value("CryptographicAlgorithm")
    mask = specific.get("CryptographicUsageMask") if specific is not None else None
    created = TTLV.struct(
        "Attributes",
        [
            TTLV.enum("ObjectType", obj.tag),
            TTLV.enum("CryptographicAlgorithm", algorithm),
            block.child("CryptographicLength").copy(),
            mask.copy() if mask is not None else None,
            TTLV.enum("KeyFormatType", block.get_value("KeyFormatType")),
            TTLV.struct("CryptographicParameters", [TTLV.enum("CryptographicAlgorithm", algorithm)]),
            params.copy() if params is not None else None,
            TTLV.struct("Link", [TTLV.enum("LinkType", partner_link), TTLV.text("LinkedObjectIdentifier", partner)]),
            TTLV.boolean("Sensitive", True)
            if obj.tag == "PrivateKey" and attrs.get_value("Sensitive") is True
            else None,
        ],
    )
    return merge(attrs, created, overwrite=True)


async def handle(ctx: OpContext, payload: TTLV) -> TTLV:
    """CreateKeyPair: generate, store both keys linked, answer both ids."""
    for tag in ("CommonProtectionStorageMasks", "PrivateProtectionStorageMasks", "PublicProtectionStorageMasks"):
        if payload.get(tag) is not None:  # reject_protection_storage_masks
            raise UnsupportedPlaceholder()
    ctx.check_create()
    common = payload.get("CommonAttributes")
    private = payload.get("PrivateKeyAttributes")
    public = payload.get("PublicKeyAttributes")
    sk_uid = private.get_value("UniqueIdentifier") if private is not None else None
    sk_uid = str(sk_uid) if sk_uid is not None else new_uid()
    pk_uid = sk_uid + "_pk"
    rotate_source = private if private is not None else common
    rotate_name = rotate_source.get_value("RotateName") if rotate_source is not None else None
    if rotate_name is not None and str(rotate_name) != sk_uid and not sk_uid.startswith("hsm::"):
        raise InvalidRequest(
            f"CreateKeyPair: rotate_name ('{rotate_name}') must equal the private key's UID ('{sk_uid}') "
            "— set the private key ID to the keyset name at creation time"
        )
    algorithm = _algorithm(common, private, public)
    check_uid_allowed(sk_uid)
    key = await _generate(ctx, algorithm, common)
    common_attrs = common.copy() if common is not None else TTLV.struct("Attributes")
    common_attrs.tag = "Attributes"
    tags = user_tags(ctx, common_attrs, strict=True)  # tags come from the common attributes only
    A.remove_vendor_attribute(common_attrs, ctx.vendor, "tag")
    sk_obj, pk_obj, params = _objects(key, algorithm)
    sk_req = _key_attributes(private, common_attrs, sk_obj, params, "PublicKeyLink", pk_uid)
    pk_req = _key_attributes(public, common_attrs, pk_obj, params, "PrivateKeyLink", sk_uid)
    sk_attrs, sk_state = stored_attributes(ctx, sk_req, uid=sk_uid, obj=sk_obj, tags=tags, lifecycle=True)
    pk_attrs, pk_state = stored_attributes(ctx, pk_req, uid=pk_uid, obj=pk_obj, tags=tags, lifecycle=True)
    if rotate_name is not None:
        keyset_attributes(sk_attrs, sk_uid, "CreateKeyPair", "private key's UID")
    for attrs in (sk_attrs, pk_attrs):
        if A.vendor_attribute(attrs, ctx.vendor, "wrapping_key_id") is not None:
            raise NotSupported("the sandbox KMS does not wrap key pairs on create (wrapping_key_id)")
    ctx.store.insert(
        [new_stored(ctx, sk_uid, sk_obj, sk_attrs, sk_state), new_stored(ctx, pk_uid, pk_obj, pk_attrs, pk_state)]
    )
    return TTLV.struct(
        "CreateKeyPairResponse",
        [TTLV.text("PrivateKeyUniqueIdentifier", sk_uid), TTLV.text("PublicKeyUniqueIdentifier", pk_uid)],
    )


# Public names for other operations (Certify generates a subject key pair the same way; ReKeyKeyPair
# builds the replacement pair with generate_key_pair's attributes).
generate_private_key = _generate
key_pair_objects = _objects
key_attributes = _key_attributes
