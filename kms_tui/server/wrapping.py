"""Wrap-on-create (Cosmian's ``wrapping_key_id`` vendor attribute) and unwrapping for Get/Export,
as ``crate/server/src/core/wrapping/{wrap,unwrap}.rs`` of Cosmian 5.26 do it for the case the
sandbox supports: a symmetric (or secret data) key wrapped by an AES key, RFC 5649
(AESKeyWrapPadding), NoEncoding. Other wrapping keys are refused as not supported."""

from __future__ import annotations

from cryptography.hazmat.primitives.keywrap import (
    InvalidUnwrap,
    aes_key_unwrap,
    aes_key_wrap,
    aes_key_unwrap_with_padding,
    aes_key_wrap_with_padding,
)

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import attributes as A
from kms_tui.server import keys
from kms_tui.server.context import OpContext
from kms_tui.server.errors import CryptographicError, InvalidRequest, Kmip21Error, NotSupported, ServerError
from kms_tui.server.store import StoredObject

WRAPPING_KEY_ID = "wrapping_key_id"
WRAP_KEY = 0x10
UNRESTRICTED = 0x200000  # non-FIPS builds accept it for every usage


def requested_wrapping_key(ctx: OpContext, attrs: TTLV | None) -> str | None:
    """The ``cosmian/wrapping_key_id`` of a create request, if any."""
    if attrs is None:
        return None
    node = A.vendor_attribute(attrs, ctx.vendor, WRAPPING_KEY_ID)
    if node is None:
        return None
    return str(node.value)


def is_wrapped(obj: TTLV) -> bool:
    block = obj.get("KeyBlock")
    return block is not None and block.get("KeyWrappingData") is not None


def _usable_wrapping_key(ctx: OpContext, kek_uid: str, *, for_unwrap: bool) -> StoredObject:
    """``wrap_using_kms``: the wrapping key must exist, be Active, be the user's (or granted
    encrypt/get) and allow WrapKey; messages as Cosmian's."""
    kek = ctx.store.get(kek_uid)
    if kek is None:
        if for_unwrap:
            raise NotSupported(f"unable to unwrap key: wrapping key {kek_uid} not found")
        raise NotSupported(f"The wrapping key {kek_uid} does not exist or is not accessible")
    if kek.object_type == "PrivateKey":
        pk_uid = A.links(kek.attributes).get("PublicKeyLink") or kek_uid + "_pk"
        public = ctx.store.get(pk_uid)
        if public is None:
            raise NotSupported(
                f"The wrapping public key {pk_uid} does not exist or is not accessible for the private key {kek_uid}"
            )
        kek = public
    elif kek.object_type not in ("PublicKey", "Certificate", "SymmetricKey"):
        raise ServerError(f"wrap_key: unsupported object type: {kek.object_type}")
    if not for_unwrap:
        if kek.state != "Active":
            raise NotSupported(f"The wrapping key {kek_uid} is not active")
        if kek.owner != ctx.user and not ({"encrypt", "get"} & ctx.store.permissions(kek.uid, ctx.user)):
            raise NotSupported(f"The user {ctx.user} does not have the permission to wrap with the key {kek_uid}")
        if kek.object_type != "Certificate":
            mask = kek.attributes.get_value("CryptographicUsageMask")
            if mask is None:
                raise Kmip21Error("Incompatible_Cryptographic_Usage_Mask", "CryptographicUsageMask is None")
            if not mask & (WRAP_KEY | UNRESTRICTED):
                raise NotSupported(f"The key: {kek_uid} is not meant to wrap keys")
    if kek.object_type != "SymmetricKey":
        raise NotSupported(
            f"the sandbox KMS only wraps with symmetric keys: {kek_uid} is a {kek.object_type}"
        )
    return kek


def _kek_bytes(kek: StoredObject) -> bytes:
    if is_wrapped(kek.object):
        raise CryptographicError("unable to wrap key: wrapping key is wrapped and that is not supported")
    try:
        return keys.symmetric_bytes(kek.object)
    except keys.KeyFormatError as exc:
        raise CryptographicError(str(exc)) from None


def wrap_on_create(ctx: OpContext, uid: str, obj: TTLV, kek_uid: str) -> TTLV:
    """``wrap_and_cache`` with an explicit wrapping key: the stored form of ``obj`` (a copy),
    its KeyValue the RFC 5649 wrap of the key bytes, KeyWrappingData naming the wrapping key."""
    if kek_uid == uid:
        raise InvalidRequest(
            f"Key '{kek_uid}' cannot be used as its own wrapping key: "
            "the wrapping key ID must differ from the key ID being created"
        )
    kek = _usable_wrapping_key(ctx, kek_uid, for_unwrap=False)
    if obj.tag not in ("SymmetricKey", "SecretData"):
        raise NotSupported(f"the sandbox KMS wraps only symmetric keys and secret data on create, not a {obj.tag}")
    try:
        plain = keys.symmetric_bytes(obj)
    except keys.KeyFormatError as exc:
        raise CryptographicError(str(exc)) from None
    wrapped = aes_key_wrap_with_padding(_kek_bytes(kek), plain)
    out = obj.copy()
    block = out.get("KeyBlock")
    block.set(TTLV.bytes_("KeyValue", wrapped))
    block.set(TTLV.struct("KeyWrappingData", [
        TTLV.enum("WrappingMethod", "Encrypt"),
        TTLV.struct("EncryptionKeyInformation", [
            TTLV.text("UniqueIdentifier", kek_uid),
            TTLV.struct("CryptographicParameters", [TTLV.enum("BlockCipherMode", "AESKeyWrapPadding")]),
        ]),
        TTLV.enum("EncodingOption", "NoEncoding"),
    ]))
    return out


def unwrapped(ctx: OpContext, obj: StoredObject) -> TTLV:
    """The plaintext form of a wrapped symmetric key or secret data (``unwrap_object``)."""
    block = obj.object.get("KeyBlock")
    kwd = block.get("KeyWrappingData") if block is not None else None
    if kwd is None:
        return obj.object
    info = kwd.get("EncryptionKeyInformation")
    kek_uid = info.get_value("UniqueIdentifier") if info is not None else None
    if not isinstance(kek_uid, str):
        raise NotSupported("unable to unwrap key: the wrapping key identifier is missing")
    kek = _usable_wrapping_key(ctx, kek_uid, for_unwrap=True)
    params = info.get("CryptographicParameters")
    mode = params.get_value("BlockCipherMode") if params is not None else None
    data = block.get_value("KeyValue")
    try:
        if mode in (None, "NISTKeyWrap"):
            plain = aes_key_unwrap(_kek_bytes(kek), data)
        else:
            plain = aes_key_unwrap_with_padding(_kek_bytes(kek), data)
    except (InvalidUnwrap, ValueError):
        raise CryptographicError("unable to unwrap the key") from None
    fmt = block.get_value("KeyFormatType")
    material = (TTLV.struct("KeyMaterial", [TTLV.bytes_("Key", plain)]) if fmt == "TransparentSymmetricKey"
                else TTLV.bytes_("KeyMaterial", plain))
    out = obj.object.copy()
    plain_block = out.get("KeyBlock")
    plain_block.remove("KeyWrappingData")
    plain_block.set(TTLV.struct("KeyValue", [material]))
    return out


def wrap_for_export(ctx: OpContext, node: TTLV, spec: TTLV) -> TTLV:
    """Get/Export with a ``KeyWrappingSpecification`` (``wrap_object`` → ``wrap_using_kms`` →
    ``wrap_object_with_key``): ``node`` (already in the default format) with its key bytes
    wrapped by an AES key. NoEncoding only (what ckms sends unless ``--encode-to-ttlv``)."""
    method = spec.get_value("WrappingMethod", "Encrypt")
    info = spec.get("EncryptionKeyInformation")
    if info is None:
        raise ServerError("unable to wrap key: wrapping key uid is missing")
    kek_uid = info.get_value("UniqueIdentifier")
    if not isinstance(kek_uid, str):
        raise CryptographicError("unable to wrap key: wrapping key uid is not a string")
    kek = _usable_wrapping_key(ctx, kek_uid, for_unwrap=False)
    if method != "Encrypt":
        raise CryptographicError(f"Unable to wrap the key: wrapping method is not supported: {method}")
    encoding = spec.get_value("EncodingOption") or "TTLVEncoding"
    if encoding != "NoEncoding":
        raise NotSupported("the sandbox KMS wraps exported keys with EncodingOption NoEncoding only")
    try:
        if node.tag in ("SymmetricKey", "SecretData"):
            data = keys.symmetric_bytes(node)
        elif node.tag == "PrivateKey":
            data = keys.private_material(keys.load_private(node), "PKCS8").value
        elif node.tag == "PublicKey":
            data = keys.public_material(keys.load_public(node), "PKCS8").value
        else:
            raise CryptographicError(f"Unable to wrap the object: its type is not supported: {node.tag}")
    except keys.KeyFormatError as exc:
        raise CryptographicError(str(exc)) from None
    params = info.get("CryptographicParameters")
    if params is not None and params.get_value("CryptographicAlgorithm") == "RSA":
        raise Kmip21Error("Operation_Not_Supported", "Can't use RSA algorithm for AES wrapping key")
    mode = (params.get_value("BlockCipherMode") if params is not None else None) or "NISTKeyWrap"
    kek_bytes = _kek_bytes(kek)
    try:
        if mode == "NISTKeyWrap":
            wrapped = aes_key_wrap(kek_bytes, data)
        elif mode == "AESKeyWrapPadding":
            wrapped = aes_key_wrap_with_padding(kek_bytes, data)
        else:
            raise NotSupported(f"the sandbox KMS does not wrap keys with BlockCipherMode {mode}")
    except ValueError as exc:
        raise CryptographicError(f"key wrapping failed: {exc}") from None
    out_params = params.copy() if params is not None else TTLV.struct("CryptographicParameters")
    out_params.set(TTLV.enum("BlockCipherMode", mode))
    out = node.copy()
    block = out.get("KeyBlock")
    block.set(TTLV.bytes_("KeyValue", wrapped))
    block.set(TTLV.struct("KeyWrappingData", [
        TTLV.enum("WrappingMethod", "Encrypt"),
        TTLV.struct("EncryptionKeyInformation", [TTLV.text("UniqueIdentifier", kek_uid), out_params]),
        TTLV.enum("EncodingOption", encoding),
    ]))
    return out
