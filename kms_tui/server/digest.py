"""The ``Digest`` attribute as Cosmian 5.26 computes it on Create, CreateKeyPair, Import and
Register (``crate/server/src/core/operations/digest.rs: digest``): SHA-256 of the key material
as stored — its bytes when the material is a ByteString, otherwise the binary (KMIP 2) TTLV
encoding of the ``KeyMaterial`` structure (``KeyMaterial::to_ttlv(..).to_bytes(Kmip2)``);
certificates and opaque objects: SHA-256 of their value. The reported KeyFormatType is Raw for
symmetric keys, PKCS1 for transparent RSA keys, the stored format otherwise (none for
certificates and opaque objects)."""

from __future__ import annotations

import hashlib
import struct

from kms_tui.kmip.ttlv import TTLV

# Tag numbers (crate/kmip/src/kmip_2_1/kmip_types.rs: Tag) of what a KeyMaterial holds.
TAGS = {
    "KeyMaterial": 0x420043,
    "Key": 0x42003F,
    "Modulus": 0x420052,
    "PrivateExponent": 0x420063,
    "PublicExponent": 0x42006C,
    "P": 0x42005E,
    "Q": 0x420071,
    "PrimeExponentP": 0x420060,
    "PrimeExponentQ": 0x420061,
    "CRTCoefficient": 0x420027,
    "RecommendedCurve": 0x420075,
    "D": 0x42002E,
    "QString": 0x420072,
    "G": 0x420034,
    "X": 0x420079,
    "Y": 0x42007A,
    "J": 0x42003B,
}
# RecommendedCurve enumeration values (kmip_types.rs: RecommendedCurve).
CURVE_CODES = {
    "P192": 0x01,
    "P224": 0x04,
    "P256": 0x07,
    "P384": 0x0A,
    "P521": 0x0D,
    "SECP192K1": 0x17,
    "SECP224K1": 0x18,
    "SECP256K1": 0x19,
    "CURVE25519": 0x45,
    "CURVE448": 0x46,
    "CURVEED25519": 0x80000001,
    "CURVEED448": 0x80000002,
}


def _pad(data: bytes) -> bytes:
    return data + b"\0" * ((8 - len(data) % 8) % 8)


def _signed_be(value: int) -> bytes:
    """``KmipBigInt::to_signed_bytes_be``: two's complement, sign-extended to a multiple of 8."""
    length = max(1, (value.bit_length() + 8) // 8)  # minimal signed length
    raw = value.to_bytes(length, "big", signed=True)
    fill = b"\xff" if value < 0 else b"\0"
    return fill * ((8 - len(raw) % 8) % 8) + raw


def ttlv_bytes(node: TTLV) -> bytes:
    """The binary TTLV encoding of ``node`` (KMIP 2 tags; the types a KeyMaterial uses)."""
    tag = TAGS.get(node.tag)
    if tag is None:
        raise ValueError(f"no tag number for {node.tag}")
    head = tag.to_bytes(3, "big")
    if node.type == "Structure":
        body = b"".join(ttlv_bytes(c) for c in node.value)
        return head + b"\x01" + struct.pack(">I", len(body)) + body
    if node.type == "Integer":
        return head + b"\x02" + struct.pack(">I", 4) + struct.pack(">i", node.value) + b"\0" * 4
    if node.type == "BigInteger":
        body = _signed_be(node.value)
        return head + b"\x04" + struct.pack(">I", len(body)) + body
    if node.type == "Enumeration":
        code = CURVE_CODES.get(node.value) if isinstance(node.value, str) else node.value
        if code is None:
            raise ValueError(f"no code for {node.value}")
        return head + b"\x05" + struct.pack(">I", 4) + struct.pack(">I", code) + b"\0" * 4
    if node.type == "ByteString":
        return head + b"\x08" + struct.pack(">I", len(node.value)) + _pad(node.value)
    raise ValueError(f"unsupported TTLV type {node.type} in key material")


def _digest(data: bytes, fmt: str | None) -> TTLV:
    return TTLV.struct(
        "Digest",
        [
            TTLV.enum("HashingAlgorithm", "SHA256"),
            TTLV.bytes_("DigestValue", hashlib.sha256(data).digest()),
            TTLV.enum("KeyFormatType", fmt) if fmt else None,
        ],
    )


def object_digest(obj: TTLV) -> TTLV | None:
    """Cosmian's Digest of a managed object, or None (no key value, certificate request)."""
    if obj.tag == "Certificate":
        value = obj.get_value("CertificateValue")
        return _digest(value, None) if isinstance(value, bytes) else None
    if obj.tag == "OpaqueObject":
        value = obj.get_value("OpaqueDataValue")
        return _digest(value, None) if isinstance(value, bytes) else None
    block = obj.get("KeyBlock")
    if block is None:
        return None
    kv = block.get("KeyValue")
    if kv is None:
        return None
    fmt = block.get_value("KeyFormatType")
    if kv.type == "ByteString":  # a wrapped key: the wrapped bytes
        data = kv.value
    else:
        material = kv.get("KeyMaterial")
        if material is None:
            return None
        try:
            data = material.value if material.type == "ByteString" else ttlv_bytes(material)
        except (ValueError, TypeError, OverflowError):
            return None
    if fmt in ("TransparentRSAPrivateKey", "TransparentRSAPublicKey"):
        reported = "PKCS1"
    elif obj.tag == "SymmetricKey":
        reported = "Raw"
    else:
        reported = fmt
    return _digest(data, reported)
