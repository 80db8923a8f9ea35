"""Managed objects: key blocks (symmetric, RSA, EC, EdDSA), certificates, secret data.

On the wire an object sits under its object-type tag (``SymmetricKey``, ``PrivateKey``…), never
under ``Object``. A ``KeyBlock`` needs ``KeyFormatType`` before ``KeyValue``: the format decides
whether ``KeyMaterial`` is a ByteString (Raw, PKCS1, PKCS8…) or a Transparent* structure.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field

from kms_tui.kmip.enums import (
    CertificateRequestType,
    CertificateType,
    CryptographicAlgorithm,
    KeyCompressionType,
    KeyFormatType,
    ObjectType,
    RecommendedCurve,
    SecretDataType,
)
from kms_tui.kmip.models.attributes import Attributes
from kms_tui.kmip.models.base import TTLVModel, W, codec_error
from kms_tui.kmip.ttlv import TTLV

__all__ = [
    "TransparentSymmetricKey",
    "TransparentRSAPrivateKey",
    "TransparentRSAPublicKey",
    "TransparentECPrivateKey",
    "TransparentECPublicKey",
    "KeyValue",
    "KeyBlock",
    "SymmetricKey",
    "PrivateKey",
    "PublicKey",
    "SecretData",
    "Certificate",
    "CertificateRequest",
    "OpaqueObject",
    "ManagedObject",
    "OBJECT_TAGS",
    "ObjectHolder",
]

Big = Annotated[int, W(type="BigInteger")]


def _secret() -> Any:
    """An optional field kept out of reprs, so key material never shows in a log line."""
    return Field(default=None, repr=False)


class TransparentSymmetricKey(TTLVModel):
    key: bytes = Field(repr=False)


class TransparentRSAPrivateKey(TTLVModel):
    modulus: Big
    private_exponent: Big | None = _secret()
    public_exponent: Big | None = None
    p: Big | None = _secret()
    q: Big | None = _secret()
    prime_exponent_p: Big | None = _secret()
    prime_exponent_q: Big | None = _secret()
    crt_coefficient: Annotated[int | None, W(tag="CRTCoefficient", type="BigInteger")] = _secret()


class TransparentRSAPublicKey(TTLVModel):
    modulus: Big
    public_exponent: Big


class TransparentECPrivateKey(TTLVModel):
    recommended_curve: RecommendedCurve
    d: Big = Field(repr=False)


class TransparentECPublicKey(TTLVModel):
    recommended_curve: RecommendedCurve
    q_string: bytes


KeyMaterial = (
    bytes
    | TransparentSymmetricKey
    | TransparentRSAPrivateKey
    | TransparentRSAPublicKey
    | TransparentECPrivateKey
    | TransparentECPublicKey
    | TTLV
)

# Formats whose KeyMaterial is a structure; every other format carries a ByteString.
_TRANSPARENT: dict[str, type[TTLVModel]] = {
    "TransparentSymmetricKey": TransparentSymmetricKey,
    "TransparentRSAPrivateKey": TransparentRSAPrivateKey,
    "TransparentRSAPublicKey": TransparentRSAPublicKey,
    "TransparentECPrivateKey": TransparentECPrivateKey,
    "TransparentECPublicKey": TransparentECPublicKey,
}
_OPAQUE_STRUCTS = frozenset(
    {"TransparentDSAPrivateKey", "TransparentDSAPublicKey", "TransparentDHPrivateKey", "TransparentDHPublicKey"}
)


class KeyValue(TTLVModel):
    """Plaintext key value: the material and the object's embedded attributes."""

    key_material: KeyMaterial = Field(repr=False)
    attributes: Attributes | None = None

    @classmethod
    def decode_with_format(cls, node: TTLV, path: str, fmt: KeyFormatType) -> KeyValue:
        """Decode, reading ``KeyMaterial`` as the key format ``fmt`` dictates."""
        if node.type != "Structure":
            raise codec_error(path, f"expected Structure, got {node.type}")
        material: Any = None
        attributes: Attributes | None = None
        for child in node.value:
            here = f"{path}/{child.tag}"
            if child.tag == "KeyMaterial":
                material = _decode_material(child, here, fmt)
            elif child.tag == "Attributes":
                attributes = Attributes.from_ttlv(child, here)
        if material is None:
            raise codec_error(path, "missing field `KeyMaterial`")
        return cls.model_construct(key_material=material, attributes=attributes)

    def to_ttlv(self, tag: str | None = None) -> TTLV:
        children = [_encode_material(self.key_material)]
        if self.attributes is not None and self.attributes.to_ttlv().value:
            children.append(self.attributes.to_ttlv("Attributes"))
        return TTLV(tag or "KeyValue", "Structure", children)


def _decode_material(node: TTLV, path: str, fmt: KeyFormatType) -> Any:
    model = _TRANSPARENT.get(fmt.value)
    if model is not None:
        return model.from_ttlv(node, path)
    if fmt.value in _OPAQUE_STRUCTS:
        return node
    if node.type != "ByteString":
        raise codec_error(path, f"expected ByteString for key format {fmt.value}, got {node.type}")
    return node.value


def _encode_material(material: Any) -> TTLV:
    if isinstance(material, (bytes, bytearray)):
        return TTLV("KeyMaterial", "ByteString", bytes(material))
    if isinstance(material, TTLV):
        return TTLV("KeyMaterial", material.type, material.value)
    return material.to_ttlv("KeyMaterial")  # type: ignore[no-any-return]  # a TTLVModel


class KeyBlock(TTLVModel):
    key_format_type: KeyFormatType
    key_compression_type: KeyCompressionType | None = None
    key_value: KeyValue | bytes | None = Field(default=None, repr=False)  # bytes when wrapped
    cryptographic_algorithm: CryptographicAlgorithm | None = None
    cryptographic_length: int | None = None
    key_wrapping_data: TTLV | None = None

    @classmethod
    def _decode_field(cls, f: Any, child: TTLV, path: str, seen: dict[str, Any]) -> Any:
        if f.name != "key_value":
            return super()._decode_field(f, child, path, seen)
        fmt = seen.get("key_format_type")
        if fmt is None:
            raise codec_error(path, "KeyFormatType must be known to deserialize the KeyValue")
        if child.type == "ByteString":
            return child.value
        return KeyValue.decode_with_format(child, path, fmt)

    @property
    def attributes(self) -> Attributes | None:
        """The attributes embedded in the key value (Cosmian stores them there)."""
        return self.key_value.attributes if isinstance(self.key_value, KeyValue) else None

    @property
    def key_bytes(self) -> bytes | None:
        """Raw key bytes when the material is a ByteString or a TransparentSymmetricKey."""
        if not isinstance(self.key_value, KeyValue):
            return None
        m = self.key_value.key_material
        if isinstance(m, bytes):
            return m
        if isinstance(m, TransparentSymmetricKey):
            return m.key
        return None


class _Object(TTLVModel):
    """A managed object; its ``TAG`` is its object type (and its tag on the wire)."""

    OBJECT_TYPE: ClassVar[ObjectType]

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls.OBJECT_TYPE = ObjectType(cls.TAG)


class SymmetricKey(_Object):
    TAG = "SymmetricKey"
    key_block: KeyBlock


class PrivateKey(_Object):
    TAG = "PrivateKey"
    key_block: KeyBlock


class PublicKey(_Object):
    TAG = "PublicKey"
    key_block: KeyBlock


class SecretData(_Object):
    TAG = "SecretData"
    secret_data_type: SecretDataType
    key_block: KeyBlock


class Certificate(_Object):
    TAG = "Certificate"
    certificate_type: CertificateType = CertificateType.X509
    certificate_value: bytes  # DER


class CertificateRequest(_Object):
    TAG = "CertificateRequest"
    certificate_request_type: CertificateRequestType
    certificate_request_value: bytes


class OpaqueObject(_Object):
    TAG = "OpaqueObject"
    opaque_data_type: TTLV
    opaque_data_value: bytes


ManagedObject = (
    SymmetricKey | PrivateKey | PublicKey | SecretData | Certificate | CertificateRequest | OpaqueObject | TTLV
)
_OBJECT_CLASSES: dict[str, type[TTLVModel]] = {
    c.TAG: c for c in (SymmetricKey, PrivateKey, PublicKey, SecretData, Certificate, CertificateRequest, OpaqueObject)
}
# Every tag Cosmian maps to an `Object` field (Object::VARIANTS); SplitKey/PGPKey kept as raw nodes.
OBJECT_TAGS = frozenset({*_OBJECT_CLASSES, "SplitKey", "PGPKey"})


class ObjectHolder(TTLVModel):
    """Base for payloads with an ``object`` field, which travels under its object-type tag."""

    @classmethod
    def _field_for(cls, child: TTLV, index: dict[str, Any], path: str) -> Any:
        if child.tag in OBJECT_TAGS:
            return index.get("Object")
        if child.tag == "Object":
            # Pre-5.0 documents wrap the object in `Object`; Cosmian 5.x cannot map that tag.
            raise codec_error(
                f"{path}/Object",
                "an object travels under its object-type tag (SymmetricKey, PrivateKey, ...), not `Object`",
            )
        return index.get(child.tag)

    @classmethod
    def _decode_field(cls, f: Any, child: TTLV, path: str, seen: dict[str, Any]) -> Any:
        if f.tag != "Object":
            return super()._decode_field(f, child, path, seen)
        model = _OBJECT_CLASSES.get(child.tag)
        return child if model is None else model.from_ttlv(child, path)

    def _encode_field(self, f: Any, value: Any) -> TTLV:
        if f.tag != "Object":
            return super()._encode_field(f, value)
        if isinstance(value, TTLV):
            return value
        return value.to_ttlv()  # type: ignore[no-any-return]  # a TTLVModel
