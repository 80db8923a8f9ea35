"""Wrap-on-create (Cosmian's ``wrapping_key_id`` vendor attribute) and unwrapping for Get/Export,
as ``crate/server/src/core/wrapping/{wrap,unwrap}.rs`` of Cosmian 5.26 do it for the case the
sandbox supports: on create and import (``wrap_and_cache``), a symmetric key, secret data, a
private key (its PKCS#8) or a public key (its SPKI) wrapped by an AES key (RFC 5649); on export
and import, any key wrapped by an AES key (RFC 3394, RFC 5649, AES-GCM), an RSA key (OAEP,
PKCS#1 v1.5, RSA-AES key wrap) or an EC key of a NIST curve (ECIES, ``wrap_with_public_key``),
with EncodingOption NoEncoding (the key bytes) or TTLVEncoding (the binary TTLV of the
KeyValue) (``crate/crypto/src/crypto/wrap/{wrap_key,unwrap_key}.rs``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.keywrap import (
    InvalidUnwrap,
    aes_key_unwrap,
    aes_key_unwrap_with_padding,
    aes_key_wrap,
    aes_key_wrap_with_padding,
)

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import attributes as A
from kms_tui.server import keys, ttlv_binary
from kms_tui.server.context import OpContext
from kms_tui.server.errors import CryptographicError, InvalidRequest, Kmip21Error, NotSupported, ServerError
from kms_tui.server.store import StoredObject

if TYPE_CHECKING:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes

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


def wrapping_key_of(obj: TTLV) -> str | None:
    """The id of the key that wrapped ``obj``, if it is wrapped."""
    node = obj.find("KeyBlock/KeyWrappingData/EncryptionKeyInformation/UniqueIdentifier")
    return str(node.value) if node is not None else None


def _usable_wrapping_key(ctx: OpContext, kek_uid: str, *, for_unwrap: bool) -> StoredObject:
    """``wrap_using_kms``: the wrapping key must exist, be Active, be the user's (or granted
    encrypt/get) and allow WrapKey; messages as Cosmian's. A private key wraps with its public
    key (``PublicKeyLink``)."""
    kek = ctx.store.get(kek_uid)
    if kek is None:
        if for_unwrap:
            raise NotSupported(f"unable to unwrap key: wrapping key {kek_uid} not found")
        raise NotSupported(f"The wrapping key {kek_uid} does not exist or is not accessible")
    if kek.object_type == "PrivateKey" and not for_unwrap:
        pk_uid = A.links(kek.attributes).get("PublicKeyLink") or kek_uid + "_pk"
        public = ctx.store.get(pk_uid)
        if public is None:
            raise NotSupported(
                f"The wrapping public key {pk_uid} does not exist or is not accessible for the private key {kek_uid}"
            )
        kek = public
    elif kek.object_type not in ("PublicKey", "Certificate", "SymmetricKey", "PrivateKey"):
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
    return kek


def _unwrapping_key(ctx: OpContext, kek_uid: str) -> StoredObject:
    """``unwrap_using_kms``: a public key or certificate unwraps with its ``PrivateKeyLink``."""
    kek = _usable_wrapping_key(ctx, kek_uid, for_unwrap=True)
    if kek.object_type in ("PublicKey", "Certificate"):
        sk_uid = A.links(kek.attributes).get("PrivateKeyLink")
        private = ctx.store.get(sk_uid) if sk_uid else None
        if private is None:
            raise NotSupported(f"unable to unwrap key: no private key found for the wrapping key {kek_uid}")
        kek = private
    return kek


def _public_key_of(kek: StoredObject) -> PublicKeyTypes:
    from cryptography import x509

    try:
        if kek.object_type == "Certificate":
            return x509.load_der_x509_certificate(kek.object.get_value("CertificateValue")).public_key()
        return keys.load_public(kek.object)
    except (keys.KeyFormatError, ValueError, TypeError) as exc:
        raise CryptographicError(f"invalid wrapping key: {exc}") from None


def _rsa_parameters(params: TTLV | None) -> tuple[str, str, str]:
    """``wrap/common.rs: rsa_parameters``: (algorithm, padding, hash), OAEP SHA256 by default."""
    g = params.get_value if params is not None else (lambda _t, d=None: d)
    return g("CryptographicAlgorithm") or "RSA", g("PaddingMethod") or "OAEP", g("HashingAlgorithm") or "SHA256"


def _hash(name: str) -> hashes.HashAlgorithm:
    from cryptography.hazmat.primitives import hashes

    table: dict[str, type[hashes.HashAlgorithm]] = {
        "SHA1": hashes.SHA1,
        "SHA224": hashes.SHA224,
        "SHA256": hashes.SHA256,
        "SHA384": hashes.SHA384,
        "SHA512": hashes.SHA512,
    }
    if name not in table:
        raise CryptographicError(f"Unable to wrap key with RSA: hashing algorithm not supported: {name}")
    return table[name]()


def _oaep(hash_name: str) -> padding.OAEP:
    from cryptography.hazmat.primitives.asymmetric import padding

    h = _hash(hash_name)
    return padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None)


def _wrap_with_public_key(public: PublicKeyTypes, params: TTLV | None, data: bytes) -> bytes:
    """``wrap_with_rsa``: CKM_RSA_AES_KEY_WRAP (padding None), CKM_RSA_OAEP, CKM_RSA v1.5."""
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    if isinstance(public, ec.EllipticCurvePublicKey):  # non-FIPS: ecies_encrypt, parameters ignored
        from kms_tui.server.operations import ecies

        return ecies.encrypt(public, data)
    if not isinstance(public, rsa.RSAPublicKey):
        raise CryptographicError(
            "Unable to wrap key: wrapping public key type not supported: "
            f"{type(public).__name__} (the sandbox: RSA and NIST-curve EC keys)"
        )
    algorithm, pad, hash_name = _rsa_parameters(params)
    if algorithm != "RSA":
        raise CryptographicError(f"Unable to wrap key with RSA: algorithm not supported for wrapping: {algorithm}")
    try:
        if pad == "None":
            kek = keys.random_bytes(32)
            return public.encrypt(kek, _oaep(hash_name)) + aes_key_wrap_with_padding(kek, data)
        if pad == "OAEP":
            return public.encrypt(data, _oaep(hash_name))
        if pad == "PKCS1v15":
            return public.encrypt(data, padding.PKCS1v15())
    except ValueError as exc:
        raise CryptographicError(f"key wrapping failed: {exc}") from None
    raise CryptographicError(f"Unable to wrap key with RSA: padding method not supported: {pad}")


def _unwrap_with_private_key(private: PrivateKeyTypes, params: TTLV | None, data: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    if isinstance(private, ec.EllipticCurvePrivateKey):  # unwrap_with_private_key: ecies_decrypt
        from kms_tui.server.operations import ecies

        return ecies.decrypt(private, data)
    if not isinstance(private, rsa.RSAPrivateKey):
        raise CryptographicError(
            "Unable to unwrap key: unwrapping private key type not supported (the sandbox: RSA and NIST-curve EC keys)"
        )
    _algorithm, pad, hash_name = _rsa_parameters(params)
    try:
        if pad == "None":
            size = private.key_size // 8
            kek = private.decrypt(data[:size], _oaep(hash_name))
            return aes_key_unwrap_with_padding(kek, data[size:])
        if pad == "OAEP":
            return private.decrypt(data, _oaep(hash_name))
        if pad == "PKCS1v15":
            return private.decrypt(data, padding.PKCS1v15())
    except (ValueError, InvalidUnwrap):
        raise CryptographicError("unable to unwrap the key") from None
    raise CryptographicError(f"Unable to unwrap key with RSA: padding method not supported: {pad}")


def _aes_wrap(kek_bytes: bytes, mode: str, data: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        if mode == "NISTKeyWrap":
            return aes_key_wrap(kek_bytes, data)
        if mode == "AESKeyWrapPadding":
            return aes_key_wrap_with_padding(kek_bytes, data)
        if mode == "GCM":
            nonce = keys.random_bytes(12)
            return nonce + AESGCM(kek_bytes).encrypt(nonce, data, None)  # nonce || ciphertext || tag
    except ValueError as exc:
        raise CryptographicError(f"key wrapping failed: {exc}") from None
    raise NotSupported(f"the sandbox KMS does not wrap keys with BlockCipherMode {mode}")


def _aes_unwrap(kek_bytes: bytes, mode: str | None, data: bytes) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        if mode in (None, "NISTKeyWrap"):
            return aes_key_unwrap(kek_bytes, data)
        if mode == "GCM":
            return AESGCM(kek_bytes).decrypt(data[:12], data[12:], None)
        return aes_key_unwrap_with_padding(kek_bytes, data)
    except (InvalidUnwrap, InvalidTag, ValueError):
        raise CryptographicError("unable to unwrap the key") from None


def _kek_bytes(kek: StoredObject) -> bytes:
    if is_wrapped(kek.object):
        raise CryptographicError("unable to wrap key: wrapping key is wrapped and that is not supported")
    try:
        return keys.symmetric_bytes(kek.object)
    except keys.KeyFormatError as exc:
        raise CryptographicError(str(exc)) from None


def wrap_on_create(ctx: OpContext, uid: str, obj: TTLV, kek_uid: str) -> TTLV:
    """``wrap_and_cache`` with an explicit wrapping key: the stored form of ``obj`` (a copy),
    wrapped with BlockCipherMode AESKeyWrapPadding (RFC 5649), NoEncoding when the object's
    material is bytes (a symmetric key, secret data, a PKCS#8 or SPKI key), TTLVEncoding else;
    KeyWrappingData names the wrapping key. An RSA or EC wrapping key is refused as Cosmian
    refuses it (a BlockCipherMode is only for a symmetric wrapping key)."""
    if kek_uid == uid:
        raise InvalidRequest(
            f"Key '{kek_uid}' cannot be used as its own wrapping key: "
            "the wrapping key ID must differ from the key ID being created"
        )
    if obj.tag not in ("SymmetricKey", "SecretData", "PrivateKey", "PublicKey"):
        raise InvalidRequest(f"wrap_object: no key block to wrap in object: a {obj.tag}")
    material = obj.find("KeyBlock/KeyValue/KeyMaterial")
    encoding = (
        "NoEncoding"
        if material is not None and (material.type == "ByteString" or material.get("Key") is not None)
        else "TTLVEncoding"
    )
    spec = TTLV.struct(
        "KeyWrappingSpecification",
        [
            TTLV.enum("WrappingMethod", "Encrypt"),
            TTLV.struct(
                "EncryptionKeyInformation",
                [
                    TTLV.text("UniqueIdentifier", kek_uid),
                    TTLV.struct("CryptographicParameters", [TTLV.enum("BlockCipherMode", "AESKeyWrapPadding")]),
                ],
            ),
            TTLV.enum("EncodingOption", encoding),
        ],
    )
    return wrap_for_export(ctx, obj, spec)


def unwrapped(ctx: OpContext, obj: StoredObject) -> TTLV:
    """The plaintext form of a stored wrapped object (``unwrap_object``)."""
    return unwrap_node(ctx, obj.object)


def unwrap_node(ctx: OpContext, node: TTLV) -> TTLV:
    """The plaintext form of a wrapped key object (itself when not wrapped): a symmetric key or
    secret data gets its bytes back in its format; a private key its PKCS#8, a public key its
    SPKI (what NoEncoding wraps)."""
    block = node.get("KeyBlock")
    kwd = block.get("KeyWrappingData") if block is not None else None
    if block is None or kwd is None:
        return node
    info = kwd.get("EncryptionKeyInformation")
    kek_uid = info.get_value("UniqueIdentifier") if info is not None else None
    if info is None or not isinstance(kek_uid, str):
        raise NotSupported("unable to unwrap key: the wrapping key identifier is missing")
    kek = _unwrapping_key(ctx, kek_uid)
    params = info.get("CryptographicParameters")
    data = block.get_value("KeyValue")
    if not isinstance(data, bytes):
        raise InvalidRequest("unable to unwrap key: key value is not a byte string")
    if kek.object_type == "SymmetricKey":
        plain = _aes_unwrap(_kek_bytes(kek), params.get_value("BlockCipherMode") if params is not None else None, data)
    else:
        try:
            private = keys.load_private(kek.object)
        except keys.KeyFormatError as exc:
            raise CryptographicError(str(exc)) from None
        plain = _unwrap_with_private_key(private, params, data)
    fmt = block.get_value("KeyFormatType")
    out = node.copy()
    plain_block = out.child("KeyBlock")
    plain_block.remove("KeyWrappingData")
    if (kwd.get_value("EncodingOption") or "TTLVEncoding") == "TTLVEncoding":  # KeyValue::from_ttlv_bytes
        try:
            plain_block.set(ttlv_binary.key_value_from_bytes(plain))
        except ValueError as exc:
            raise CryptographicError(f"unable to unwrap the key: the unwrapped TTLV cannot be read: {exc}") from None
        return out
    if node.tag in ("PrivateKey", "PublicKey"):
        plain_block.set(TTLV.enum("KeyFormatType", "PKCS8"))
        plain_block.set(TTLV.struct("KeyValue", [TTLV.bytes_("KeyMaterial", plain)]))
        return out
    material = (
        TTLV.struct("KeyMaterial", [TTLV.bytes_("Key", plain)])
        if fmt == "TransparentSymmetricKey"
        else TTLV.bytes_("KeyMaterial", plain)
    )
    plain_block.set(TTLV.struct("KeyValue", [material]))
    return out


def wrap_for_export(ctx: OpContext, node: TTLV, spec: TTLV) -> TTLV:
    """Get/Export with a ``KeyWrappingSpecification`` (``wrap_object`` → ``wrap_using_kms`` →
    ``wrap_object_with_key``): ``node`` (already in the default format) with its key bytes
    (NoEncoding) or its KeyValue's binary TTLV (TTLVEncoding, the default) wrapped by an AES
    key, an RSA public key or an EC public key (ECIES)."""
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
    try:
        if encoding == "TTLVEncoding":  # key_data_to_wrap: the binary TTLV of the KeyValue
            key_value = node.find("KeyBlock/KeyValue")
            if key_value is None or key_value.type != "Structure":
                raise CryptographicError("Unable to wrap the key: key value is not set")
            try:
                data = ttlv_binary.key_value_bytes(key_value)
            except ValueError as exc:
                raise CryptographicError(f"Unable to wrap the key: {exc}") from None
        elif node.tag in ("SymmetricKey", "SecretData"):
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
    if kek.object_type == "SymmetricKey":
        if params is not None and params.get_value("CryptographicAlgorithm") == "RSA":
            raise Kmip21Error("Operation_Not_Supported", "Can't use RSA algorithm for AES wrapping key")
        mode = (params.get_value("BlockCipherMode") if params is not None else None) or "NISTKeyWrap"
        wrapped = _aes_wrap(_kek_bytes(kek), mode, data)
    else:
        if params is not None and params.get_value("BlockCipherMode") is not None:
            raise CryptographicError("BlockCipherMode is only used for a SymmetricKey object")
        wrapped = _wrap_with_public_key(_public_key_of(kek), params, data)
        mode = None
    out_params = params.copy() if params is not None else TTLV.struct("CryptographicParameters")
    if mode is not None:
        out_params.set(TTLV.enum("BlockCipherMode", mode))
    info_children = [TTLV.text("UniqueIdentifier", kek_uid)] + ([out_params] if out_params.value else [])
    out = node.copy()
    block = out.child("KeyBlock")
    block.set(TTLV.bytes_("KeyValue", wrapped))
    block.set(
        TTLV.struct(
            "KeyWrappingData",
            [
                TTLV.enum("WrappingMethod", "Encrypt"),
                TTLV.struct("EncryptionKeyInformation", info_children),
                TTLV.enum("EncodingOption", encoding),
            ],
        )
    )
    return out
