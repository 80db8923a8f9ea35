"""Get and Export: the object in its default or requested key format, with its attributes
embedded in the KeyValue (Export also returns them at the top level), refusing what Cosmian
5.26 refuses (``crate/server/src/core/operations/export_get.rs: export_get,
post_process_active_private_key, process_public_key, process_symmetric_key``)."""

from __future__ import annotations

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import keys, wrapping
from kms_tui.server.context import DESTROYED, OpContext
from kms_tui.server.errors import CryptographicError, Kmip21Error, NotSupported, ServerError
from kms_tui.server.objects import with_embedded_attributes
from kms_tui.server.operations import export_bundles
from kms_tui.server.store import StoredObject

# post_process_active_private_key: the formats a private key may be asked in (non-FIPS).
PRIVATE_FORMATS = (
    "PKCS1",
    "PKCS8",
    "TransparentECPrivateKey",
    "TransparentRSAPrivateKey",
    "ECPrivateKey",
    "PKCS12",
    "Pkcs12Legacy",
)
# process_public_key
PUBLIC_FORMATS = ("PKCS1", "PKCS8", "TransparentECPublicKey", "TransparentRSAPublicKey")
CERTIFICATE_FORMATS = ("X509", "PKCS7", "PKCS12", "Pkcs12Legacy")
# What the OpenSSL conversions say when the key does not fit the format (CryptoError::Default).
_MISFIT = {
    ("PrivateKey", "PKCS1"): "the private key is not an openssl RSA key",
    ("PrivateKey", "TransparentRSAPrivateKey"): "the provided openssl key is not an RSA private key",
    ("PrivateKey", "ECPrivateKey"): "the private key is not an openssl EC key",
    ("PrivateKey", "TransparentECPrivateKey"): "Unsupported curve: RSA in KMIP format",
    ("PublicKey", "PKCS1"): "the public key is not an openssl RSA key",
    ("PublicKey", "TransparentRSAPublicKey"): "the public key is not an openssl RSA key",
    ("PublicKey", "TransparentECPublicKey"): "Unsupported key type RSA for a Transparent EC Public Key",
}


def _symmetric(ctx: OpContext, obj: StoredObject, requested: str | None, wrap_type: str | None) -> TTLV:
    node = obj.object
    if wrap_type == "NotWrapped":
        node = wrapping.unwrapped(ctx, obj)
    if wrapping.is_wrapped(node):
        if requested is None:
            return node  # exported as registered, still wrapped
        if requested != "Raw":
            raise ServerError(
                "export: unable to export a wrapped symmetric key with a requested Key Format Type. "
                "It must be the default or Raw"
            )
        node = wrapping.unwrapped(ctx, obj)
    if requested not in (None, "Raw", "TransparentSymmetricKey"):
        raise ServerError(f"export: unsupported requested Key Format Type for a symmetric key: Some({requested})")
    fmt = requested or "Raw"
    if fmt == node.child("KeyBlock").get_value("KeyFormatType"):
        return node
    try:
        return keys.convert_key_object(node, fmt)
    except keys.KeyFormatError as exc:
        raise ServerError("export: unsupported key material") from exc


def _asymmetric(node: TTLV, requested: str | None) -> TTLV:
    if wrapping.is_wrapped(node):
        if requested is not None:
            raise ServerError(
                "export: unable to export a wrapped key with a requested Key Format Type. It must be the default"
            )
        return node
    allowed = PRIVATE_FORMATS if node.tag == "PrivateKey" else PUBLIC_FORMATS
    if requested is not None and requested not in allowed:
        suffix = " for a private key" if node.tag == "PrivateKey" else ""
        raise ServerError(f"export: unsupported Key Format Type: {requested}{suffix}")
    fmt = str(requested or keys.default_format(node))  # "None" when the object has no KeyBlock
    # keys go through Cosmian's OpenSSL round trip: an EC public key comes back uncompressed
    try:
        return keys.convert_key_object(node, fmt)
    except keys.KeyFormatError as exc:
        misfit = _MISFIT.get((node.tag, fmt))
        raise CryptographicError(misfit or f"unsupported key format type {fmt}: {exc}") from None


def _formatted(ctx: OpContext, obj: StoredObject, requested: str | None, wrap_type: str | None) -> TTLV:
    node = obj.object
    if node.tag == "SymmetricKey":
        return _symmetric(ctx, obj, requested, wrap_type)
    if node.tag in ("PrivateKey", "PublicKey"):
        if wrap_type == "NotWrapped" and wrapping.is_wrapped(node):  # unwrap_if_requested
            node = wrapping.unwrapped(ctx, obj)
        return _asymmetric(node, requested)
    if node.tag == "Certificate":
        if requested is not None and requested not in CERTIFICATE_FORMATS:
            raise ServerError(f"export: unsupported Key Format Type for a certificate: {requested}")
        return node
    if node.tag == "SecretData" and wrap_type == "NotWrapped":
        return wrapping.unwrapped(ctx, obj)
    if (
        requested is not None
        and node.get("KeyBlock") is not None
        and requested != node.child("KeyBlock").get_value("KeyFormatType")
    ):
        raise NotSupported(f"unsupported key format type {requested} for a {node.tag}")
    return node


def _wrapped_for_export(
    ctx: OpContext, obj: StoredObject, requested: str | None, wrap_type: str | None, spec: TTLV
) -> TTLV:
    """A key wrapped on the way out: only in its default format (Raw for symmetric keys)."""
    if requested is not None:
        if obj.object_type == "SymmetricKey":
            raise ServerError(
                "export: unable to wrap a symmetric key with a specified Key Format Type. It must be the default"
            )
        raise ServerError("export: unable to wrap a key with a specified Key Format Type. It must be the default")
    if obj.object_type == "SymmetricKey":
        node = obj.object if wrap_type != "NotWrapped" else wrapping.unwrapped(ctx, obj)
        if wrapping.is_wrapped(node):
            return node  # process_symmetric_key: a stored-wrapped key goes out as registered
        node = keys.convert_key_object(node, "Raw")
    elif obj.object_type == "SecretData":
        node = wrapping.unwrapped(ctx, obj)
    else:
        node = _asymmetric(obj.object, None)
    return wrapping.wrap_for_export(ctx, node, spec)


async def _bundle(
    ctx: OpContext, obj: StoredObject, requested: str | None, spec: TTLV | None, op: str
) -> tuple[StoredObject, TTLV] | None:
    """PKCS#12 of a certificate or private key, PKCS#7 of a certificate (else None): the
    PKCS#12 password is the KeyWrappingSpecification's key id, as ckms sends it."""
    if requested in ("PKCS12", "Pkcs12Legacy") and obj.object_type in ("Certificate", "PrivateKey"):
        key = export_bundles.private_key_for_certificate(ctx, obj, op) if obj.object_type == "Certificate" else obj
        password = spec.find("EncryptionKeyInformation/UniqueIdentifier") if spec is not None else None
        body = await export_bundles.pkcs12_body(
            ctx, key, str(password.value) if password is not None else "", op, legacy=requested == "Pkcs12Legacy"
        )
        return key, with_embedded_attributes(body, key.attributes)
    if requested == "PKCS7" and obj.object_type == "Certificate":
        return obj, await export_bundles.pkcs7_body(ctx, obj, op)
    return None


async def _checked(ctx: OpContext, payload: TTLV, op: str) -> tuple[StoredObject, TTLV]:
    uid = ctx.uid_of(payload)
    obj = ctx.retrieve(uid, op, include_destroyed=(op == "get"))
    wrapping_spec = payload.get("KeyWrappingSpecification")
    if obj.attributes.get_value("Sensitive") is True and wrapping_spec is None:
        raise Kmip21Error("Sensitive", "DENIED")
    if op == "get" and obj.state == "Deactivated":
        raise Kmip21Error("Wrong_Key_Lifecycle_State", "DENIED")
    if obj.state in DESTROYED:
        raise Kmip21Error("Object_Destroyed", "DENIED")
    requested = payload.get_value("KeyFormatType")
    bundle = await _bundle(ctx, obj, requested, wrapping_spec, op)
    if bundle is not None:
        return bundle
    if wrapping_spec is not None and obj.object_type in ("SymmetricKey", "PrivateKey", "PublicKey", "SecretData"):
        body = _wrapped_for_export(ctx, obj, requested, payload.get_value("KeyWrapType"), wrapping_spec)
    else:
        body = _formatted(ctx, obj, requested, payload.get_value("KeyWrapType"))
    if obj.attributes.get_value("Fresh") is True and not wrapping.is_wrapped(body):
        obj.attributes.set(TTLV.boolean("Fresh", False))  # the first plaintext Get makes a key not fresh
        ctx.store.update(obj)
    embedded = obj.attributes
    block = body.get("KeyBlock")
    if body.tag in ("PrivateKey", "PublicKey") and block is not None and not wrapping.is_wrapped(body):
        # the OpenSSL round trip's attributes overwrite the stored ones (Attributes::merge)
        embedded = obj.attributes.copy()
        embedded.set(TTLV.enum("KeyFormatType", block.get_value("KeyFormatType")))
    return obj, with_embedded_attributes(body, embedded)


async def handle_get(ctx: OpContext, payload: TTLV) -> TTLV:
    """Get: the object (Deactivated and Destroyed refused), default or requested format."""
    obj, body = await _checked(ctx, payload, "get")
    return TTLV.struct(
        "GetResponse",
        [TTLV.enum("ObjectType", obj.object_type), TTLV.text("UniqueIdentifier", obj.uid), body],
    )


async def handle_export(ctx: OpContext, payload: TTLV) -> TTLV:
    """Export: like Get, also for Deactivated/Compromised objects, with the attributes."""
    obj, body = await _checked(ctx, payload, "export")
    return TTLV.struct(
        "ExportResponse",
        [
            TTLV.enum("ObjectType", obj.object_type),
            TTLV.text("UniqueIdentifier", obj.uid),
            obj.attributes.copy(),
            body,
        ],
    )
