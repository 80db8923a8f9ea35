"""Import and Register: store a client-supplied object (keys, certificates, secret data,
opaque objects) after checking that its material can be read."""

from __future__ import annotations

from cryptography import x509

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import attributes as A
from kms_tui.server import keys, wrapping
from kms_tui.server.context import OpContext, new_uid
from kms_tui.server.errors import DatabaseError, NotSupported, Unauthorized, codec
from kms_tui.server.objects import (
    OBJECT_TYPES,
    check_uid_allowed,
    new_stored,
    require,
    stored_attributes,
    user_tags,
)
from kms_tui.server.operations import pkcs12_import


def _object_node(payload: TTLV, object_type: str) -> TTLV:
    for child in payload.children():
        if child.tag in OBJECT_TYPES:
            if child.tag != object_type:
                raise codec(f"{payload.tag}: the object is a {child.tag} but ObjectType says {object_type}")
            return child
    raise codec(f"missing field `Object` (a {object_type} structure) in {payload.tag}")


def _check_material(obj: TTLV) -> bytes | None:
    """Parse the key material so a malformed object is refused now; returns digestable bytes."""
    if obj.tag == "Certificate":
        der: bytes = obj.get_value("CertificateValue")
        try:
            x509.load_der_x509_certificate(der)
        except (TypeError, ValueError):
            raise codec("invalid Certificate: CertificateValue is not a DER X.509 certificate") from None
        return der
    if obj.tag == "OpaqueObject":
        value = obj.get_value("OpaqueDataValue")
        if not isinstance(value, bytes):
            raise codec("missing field `OpaqueDataValue` in OpaqueObject")
        return value
    block = obj.get("KeyBlock")
    if block is None or block.type != "Structure":
        raise codec(f"missing field `KeyBlock` in {obj.tag}")
    kv = block.get("KeyValue")
    if kv is not None and kv.type == "ByteString":
        return None  # a wrapped key is stored as registered (its material is not readable here)
    fmt = block.get_value("KeyFormatType")
    material = kv.get("KeyMaterial") if kv is not None else None
    if material is None:
        raise codec(f"missing field `KeyMaterial` in {obj.tag}/KeyBlock/KeyValue")
    try:
        if obj.tag == "SymmetricKey":
            if fmt == "TransparentSymmetricKey" and material.type != "Structure":
                raise keys.KeyFormatError("TransparentSymmetricKey needs a KeyMaterial structure with a Key")
            if fmt not in ("TransparentSymmetricKey", "Raw"):
                raise keys.KeyFormatError(f"unsupported KeyFormatType {fmt} for a symmetric key")
            return keys.symmetric_bytes(obj)
        if obj.tag == "PrivateKey":
            keys.load_private(obj)
        elif obj.tag == "PublicKey":
            keys.load_public(obj)
        elif material.type == "ByteString":
            raw: bytes = material.value
            return raw
    except keys.KeyFormatError as exc:
        raise codec(f"invalid KeyMaterial in {obj.tag}: {exc}") from None
    return None


def _clean(obj: TTLV) -> tuple[TTLV, TTLV | None]:
    """The object without embedded attributes, and those attributes."""
    obj = obj.copy()
    kv = block.get("KeyValue") if (block := obj.get("KeyBlock")) is not None else None
    embedded = None
    if kv is not None and kv.type == "Structure":
        embedded = kv.get("Attributes")
        kv.remove("Attributes")
    return obj, embedded


def _merge(embedded: TTLV | None, requested: TTLV | None) -> TTLV:
    out = embedded.copy() if embedded is not None else TTLV.struct("Attributes")
    if requested is not None:
        for tag in {c.tag for c in requested.value}:
            out.value = [c for c in out.value if c.tag != tag] + [c.copy() for c in requested.children(tag)]
    out.tag = "Attributes"
    return out


_WRAPPED_ON_IMPORT = ("SymmetricKey", "PrivateKey", "PublicKey", "SecretData")


def _check_may_replace(ctx: OpContext, uid: str) -> None:
    """Import with ReplaceExisting: only the owner may replace (Cosmian's import.rs, 401)."""
    existing = ctx.store.get(uid) if uid else None
    if existing is not None and existing.owner != ctx.user:
        raise Unauthorized(f"User '{ctx.user}' does not own object '{uid}' and cannot replace it")


def _prepared(ctx: OpContext, payload: TTLV, obj: TTLV) -> TTLV:
    """``process_*``: unwrap when asked (KeyWrapType NotWrapped); an unwrapped private or public
    key is stored as PKCS#8 with its algorithm and length (Cosmian's OpenSSL round trip)."""
    if wrapping.is_wrapped(obj):
        if payload.get_value("KeyWrapType") != "NotWrapped":
            return obj
        obj = wrapping.unwrap_node(ctx, obj)
    if obj.tag in ("PrivateKey", "PublicKey"):
        fmt = block.get_value("KeyFormatType") if (block := obj.get("KeyBlock")) is not None else None
        if fmt in ("PKCS12", "Pkcs12Legacy"):
            return obj
        try:
            return keys.pkcs8_object(obj)
        except keys.KeyFormatError as exc:
            raise codec(f"invalid KeyMaterial in {obj.tag}: {exc}") from None
    return obj


async def store_object(ctx: OpContext, payload: TTLV, uid: str, *, replace: bool) -> str:
    """Shared by Import and Register: validate, build attributes, insert (or replace)."""
    ctx.check_create()
    if replace:  # Cosmian's import.rs checks ownership before anything else is looked at
        _check_may_replace(ctx, uid)
    object_type = require(payload, "ObjectType").value
    obj, embedded = _clean(_object_node(payload, object_type))
    obj = _prepared(ctx, payload, obj)
    requested = payload.get("Attributes")
    if obj.tag == "PrivateKey" and obj.child("KeyBlock").get_value("KeyFormatType") in ("PKCS12", "Pkcs12Legacy"):
        return await pkcs12_import.store_pkcs12(ctx, obj, requested, uid, replace=replace)
    digest_source = _check_material(obj)
    attrs_in = _merge(embedded, requested)
    if object_type in ("PrivateKey", "PublicKey") and attrs_in.get("CryptographicUsageMask") is None:
        attrs_in.value.append(TTLV.integer("CryptographicUsageMask", wrapping.UNRESTRICTED))  # non-FIPS default
    kek = wrapping.wrapping_key_of(obj)
    if kek:
        A.set_link(attrs_in, "WrappingKeyLink", kek)  # copy_wrapping_key_link_to
    if object_type == "SymmetricKey" and attrs_in.get("CryptographicAlgorithm") is None:
        attrs_in.value.append(TTLV.enum("CryptographicAlgorithm", "AES"))
    tags = user_tags(ctx, requested, strict=False) or user_tags(ctx, embedded, strict=False)
    A.remove_vendor_attribute(attrs_in, ctx.vendor, "tag")
    attrs, state = stored_attributes(
        ctx, attrs_in, uid=uid, obj=obj, tags=tags, digest_of=digest_source if object_type == "SymmetricKey" else None
    )
    # import.rs: only process_symmetric_key/private_key/public_key/secret_data call wrap_and_cache
    wrap_with = wrapping.requested_wrapping_key(ctx, requested) if object_type in _WRAPPED_ON_IMPORT else None
    if wrap_with is not None:  # wrap_and_cache: stored wrapped (RFC 5649, NoEncoding), the KEK linked
        A.remove_vendor_attribute(attrs, ctx.vendor, wrapping.WRAPPING_KEY_ID)
        if not wrapping.is_wrapped(obj):
            obj = wrapping.wrap_on_create(ctx, uid, obj, wrap_with)
            A.set_link(attrs, "WrappingKeyLink", wrap_with)
    record = new_stored(ctx, uid, obj, attrs, state)
    existing = ctx.store.get(uid)
    if existing is not None:
        if not replace:
            raise DatabaseError(f"failed to insert objects: one or more objects already exist (`{uid}`)")
        _check_may_replace(ctx, uid)
        ctx.store.replace(record)
    else:
        ctx.store.insert([record])
    return uid


async def handle(ctx: OpContext, payload: TTLV) -> TTLV:
    """Import: store a client-supplied object under the given id (``""`` = new UUID)."""
    uid_node = require(payload, "UniqueIdentifier")
    uid = str(uid_node.value) or new_uid()
    check_uid_allowed(uid)
    if payload.get_value("KeyWrapType") not in (None, "NotWrapped", "AsRegistered"):
        raise NotSupported(f"unsupported KeyWrapType {payload.get_value('KeyWrapType')}")
    uid = await store_object(ctx, payload, uid, replace=payload.get_value("ReplaceExisting") is True)
    return TTLV.struct("ImportResponse", [TTLV.text("UniqueIdentifier", uid)])
