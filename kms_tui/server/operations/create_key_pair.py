"""CreateKeyPair: RSA 2048–4096, EC (NIST curves, X25519/X448), Ed25519/Ed448.

The public key's id is the private id + ``_pk``; the keys link to each other; each key's
state follows its own ActivationDate (falling back to the common attributes)."""

from __future__ import annotations

from cryptography.hazmat.primitives.serialization import load_der_private_key

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import attributes as A
from kms_tui.server import keys
from kms_tui.server.context import OpContext, new_uid
from kms_tui.server.errors import InvalidRequest, NotSupported
from kms_tui.server.objects import check_uid_allowed, new_stored, stored_attributes, user_tags

EC_ALGORITHMS = ("EC", "ECDH", "ECDSA")


def _merged(common: TTLV | None, specific: TTLV | None) -> TTLV:
    """Specific attributes override common ones, tag by tag."""
    out = common.copy() if common is not None else TTLV.struct("Attributes")
    out.tag = "Attributes"
    if specific is not None:
        for tag in {c.tag for c in specific.value}:
            out.value = [c for c in out.value if c.tag != tag]
            out.value += [c.copy() for c in specific.children(tag)]
    return out


async def _generate(ctx: OpContext, algorithm: str, common: TTLV | None):
    if algorithm == "RSA":
        bits = common.get_value("CryptographicLength") if common is not None else None
        if bits is None:
            raise InvalidRequest("RSA key pair creation: the cryptographic length must be specified in the common attributes")
        if not isinstance(bits, int) or not 1024 <= bits <= 8192:
            raise InvalidRequest(f"invalid RSA key length {bits}: use 2048, 3072 or 4096 bits")
        return load_der_private_key(await ctx.run_cpu(keys.generate_rsa, bits), None)
    if algorithm in EC_ALGORITHMS:
        params = common.get("CryptographicDomainParameters") if common is not None else None
        curve = params.get_value("RecommendedCurve") if params is not None else None
        curve = curve or "CURVE25519"  # the non-FIPS default
        if curve in ("CURVEED25519", "CURVEED448"):
            raise NotSupported(f"curve {curve} with {algorithm}: use the Ed25519 or Ed448 algorithm")
        if curve not in keys.EC_CURVES and curve not in ("CURVE25519", "CURVE448"):
            raise NotSupported(f"unsupported curve {curve} for {algorithm}")
        return keys.generate_curve(curve)
    if algorithm in ("Ed25519", "Ed448"):
        return keys.generate_curve("CURVEED25519" if algorithm == "Ed25519" else "CURVEED448")
    raise NotSupported(f"unsupported key pair algorithm: {algorithm}")


async def handle(ctx: OpContext, payload: TTLV) -> TTLV:
    """CreateKeyPair: generate, store both keys linked, answer both ids."""
    ctx.check_create()
    for tag in ("CommonProtectionStorageMasks", "PrivateProtectionStorageMasks", "PublicProtectionStorageMasks"):
        if payload.get(tag) is not None:
            raise NotSupported("ProtectionStorageMasks are not supported")
    common = payload.get("CommonAttributes")
    private = payload.get("PrivateKeyAttributes")
    public = payload.get("PublicKeyAttributes")
    algorithm = None
    for attrs in (common, private, public):
        if attrs is not None and attrs.get_value("CryptographicAlgorithm") is not None:
            algorithm = attrs.get_value("CryptographicAlgorithm")
            break
    if algorithm is None:
        raise InvalidRequest("the cryptographic algorithm must be specified")
    tags = user_tags(ctx, common, strict=True) | user_tags(ctx, private, strict=True)
    sk_uid = (private.get_value("UniqueIdentifier") if private is not None else None) or new_uid()
    sk_uid = str(sk_uid)
    check_uid_allowed(sk_uid)
    pk_uid = sk_uid + "_pk"
    key = await _generate(ctx, algorithm, common)
    sk_obj = keys.private_object(key, algorithm)
    pk_obj = keys.public_object(key.public_key(), algorithm)
    sk_req = _merged(common, private)
    pk_req = _merged(common, public)
    for req in (sk_req, pk_req):  # the stored format is the transparent one, whatever was asked
        req.remove("KeyFormatType")
        req.remove("ObjectType")
        A.remove_vendor_attribute(req, ctx.vendor, "tag")
    sk_attrs, sk_state = stored_attributes(ctx, sk_req, uid=sk_uid, obj=sk_obj, tags=tags)
    pk_attrs, pk_state = stored_attributes(ctx, pk_req, uid=pk_uid, obj=pk_obj, tags=tags)
    A.set_link(sk_attrs, "PublicKeyLink", pk_uid)
    A.set_link(pk_attrs, "PrivateKeyLink", sk_uid)
    ctx.store.insert(
        [new_stored(ctx, sk_uid, sk_obj, sk_attrs, sk_state), new_stored(ctx, pk_uid, pk_obj, pk_attrs, pk_state)]
    )
    return TTLV.struct(
        "CreateKeyPairResponse",
        [TTLV.text("PrivateKeyUniqueIdentifier", sk_uid), TTLV.text("PublicKeyUniqueIdentifier", pk_uid)],
    )


# Public name for other operations (Certify generates a subject key pair the same way).
generate_private_key = _generate
