"""Key material: generation with ``cryptography`` and conversion between the stored KMIP
forms (TransparentSymmetricKey, TransparentRSA*, TransparentEC*) and the export formats
(Raw, PKCS1, PKCS8, ECPrivateKey, X509/SPKI, Transparent*)."""

from __future__ import annotations

import os

from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa, x448, x25519
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes

from kms_tui.kmip.ttlv import TTLV

EC_CURVES: dict[str, type[ec.EllipticCurve]] = {
    "P192": ec.SECP192R1,
    "P224": ec.SECP224R1,
    "P256": ec.SECP256R1,
    "P384": ec.SECP384R1,
    "P521": ec.SECP521R1,
    "SECP256K1": ec.SECP256K1,
}
CURVE_BITS = {
    "P192": 192,
    "P224": 224,
    "P256": 256,
    "P384": 384,
    "P521": 521,
    "SECP256K1": 256,
    "CURVE25519": 253,
    "CURVE448": 448,
    "CURVEED25519": 256,
    "CURVEED448": 456,
}
# The Montgomery and Edwards curve keys, read and written as raw bytes.
RawPrivateKey = x25519.X25519PrivateKey | x448.X448PrivateKey | ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey
RawPublicKey = x25519.X25519PublicKey | x448.X448PublicKey | ed25519.Ed25519PublicKey | ed448.Ed448PublicKey
# Raw private/public sizes of the Montgomery and Edwards curves.
RAW_CURVES: dict[str, tuple[type[RawPrivateKey], int]] = {
    "CURVE25519": (x25519.X25519PrivateKey, 32),
    "CURVE448": (x448.X448PrivateKey, 56),
    "CURVEED25519": (ed25519.Ed25519PrivateKey, 32),
    "CURVEED448": (ed448.Ed448PrivateKey, 57),
}
RAW_PUBLIC_KEYS: dict[str, type[RawPublicKey]] = {
    "CURVE25519": x25519.X25519PublicKey,
    "CURVE448": x448.X448PublicKey,
    "CURVEED25519": ed25519.Ed25519PublicKey,
    "CURVEED448": ed448.Ed448PublicKey,
}
_DER = ser.Encoding.DER
_RAW = ser.Encoding.Raw


class KeyFormatError(ValueError):
    """The object cannot be expressed in, or read from, the requested format."""


def random_bytes(nbytes: int) -> bytes:
    """Key material from the OS CSPRNG."""
    return os.urandom(nbytes)


def generate_rsa(bits: int) -> rsa.RSAPrivateKey:
    """A fresh RSA key (CPU heavy: call through ``run_cpu``). The key object itself, not its DER:
    loading DER again validates the key (RSA-4096: about 0.5 s holding the event loop)."""
    return rsa.generate_private_key(65537, bits)


def generate_curve(curve: str) -> ec.EllipticCurvePrivateKey | RawPrivateKey:
    """A fresh private key on a named KMIP curve."""
    if curve in EC_CURVES:
        return ec.generate_private_key(EC_CURVES[curve]())
    if curve in RAW_CURVES:
        return RAW_CURVES[curve][0].generate()
    raise KeyFormatError(f"unsupported curve {curve}")


def curve_of(key: PrivateKeyTypes | PublicKeyTypes) -> str:
    """The KMIP RecommendedCurve name of an elliptic-curve key."""
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        for name, cls in EC_CURVES.items():
            if isinstance(key.curve, cls):
                return name
        raise KeyFormatError(f"unsupported curve {key.curve.name}")
    for name, (private, _) in RAW_CURVES.items():
        if isinstance(key, (private, RAW_PUBLIC_KEYS[name])):
            return name
    raise KeyFormatError("not an elliptic-curve key")


# -- KMIP key blocks ----------------------------------------------------------------------------


def key_block(fmt: str, material: TTLV, algorithm: str | None, length: int | None) -> TTLV:
    """A ``KeyBlock`` in Cosmian's field order."""
    return TTLV.struct(
        "KeyBlock",
        [
            TTLV.enum("KeyFormatType", fmt),
            TTLV.struct("KeyValue", [material]),
            TTLV.enum("CryptographicAlgorithm", algorithm) if algorithm else None,
            TTLV.integer("CryptographicLength", length) if length is not None else None,
        ],
    )


def symmetric_object(key: bytes, algorithm: str) -> TTLV:
    """A ``SymmetricKey`` object in the stored TransparentSymmetricKey form."""
    material = TTLV.struct("KeyMaterial", [TTLV.bytes_("Key", key)])
    return TTLV.struct("SymmetricKey", [key_block("TransparentSymmetricKey", material, algorithm, len(key) * 8)])


def _big(tag: str, v: int) -> TTLV:
    return TTLV.big(tag, v)


def private_object(key: PrivateKeyTypes, algorithm: str | None) -> TTLV:
    """The stored (transparent) form of a private key."""
    if isinstance(key, rsa.RSAPrivateKey):
        n = key.private_numbers()
        m = TTLV.struct(
            "KeyMaterial",
            [
                _big("Modulus", n.public_numbers.n),
                _big("PrivateExponent", n.d),
                _big("PublicExponent", n.public_numbers.e),
                _big("P", n.p),
                _big("Q", n.q),
                _big("PrimeExponentP", n.dmp1),
                _big("PrimeExponentQ", n.dmq1),
                _big("CRTCoefficient", n.iqmp),
            ],
        )
        return TTLV.struct("PrivateKey", [key_block("TransparentRSAPrivateKey", m, algorithm, key.key_size)])
    curve = curve_of(key)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        d = key.private_numbers().private_value
    else:
        d = int.from_bytes(key.private_bytes(_RAW, ser.PrivateFormat.Raw, ser.NoEncryption()), "big")
    m = TTLV.struct("KeyMaterial", [TTLV.enum("RecommendedCurve", curve), _big("D", d)])
    return TTLV.struct("PrivateKey", [key_block("TransparentECPrivateKey", m, algorithm, CURVE_BITS[curve])])


def public_object(key: PublicKeyTypes, algorithm: str | None) -> TTLV:
    """The stored (transparent) form of a public key."""
    if isinstance(key, rsa.RSAPublicKey):
        n = key.public_numbers()
        m = TTLV.struct("KeyMaterial", [_big("Modulus", n.n), _big("PublicExponent", n.e)])
        return TTLV.struct("PublicKey", [key_block("TransparentRSAPublicKey", m, algorithm, key.key_size)])
    curve = curve_of(key)
    if isinstance(key, ec.EllipticCurvePublicKey):
        q = key.public_bytes(ser.Encoding.X962, ser.PublicFormat.UncompressedPoint)
    else:
        q = key.public_bytes(_RAW, ser.PublicFormat.Raw)
    m = TTLV.struct("KeyMaterial", [TTLV.enum("RecommendedCurve", curve), TTLV.bytes_("QString", q)])
    return TTLV.struct("PublicKey", [key_block("TransparentECPublicKey", m, algorithm, CURVE_BITS[curve])])


# -- reading stored or imported key blocks ------------------------------------------------------


def _material(obj: TTLV) -> tuple[str, TTLV]:
    block = obj.get("KeyBlock")
    if block is None:
        raise KeyFormatError("the object has no KeyBlock")
    fmt = str(block.get_value("KeyFormatType"))
    kv = block.get("KeyValue")
    material = kv.get("KeyMaterial") if kv is not None and kv.type == "Structure" else None
    if material is None:
        raise KeyFormatError("the key block has no plaintext KeyMaterial")
    return fmt, material


def symmetric_bytes(obj: TTLV) -> bytes:
    """The raw bytes of a symmetric key (Raw or TransparentSymmetricKey)."""
    fmt, m = _material(obj)
    if m.type == "ByteString":
        raw: bytes = m.value
        return raw
    key = m.get_value("Key")
    if not isinstance(key, bytes):
        raise KeyFormatError(f"no symmetric key bytes in {fmt} material")
    return key


def load_private(obj: TTLV) -> PrivateKeyTypes:
    """A ``cryptography`` private key from a stored or imported PrivateKey object."""
    fmt, m = _material(obj)
    try:
        if fmt == "TransparentRSAPrivateKey":
            g = m.get_value
            pub = rsa.RSAPublicNumbers(g("PublicExponent"), g("Modulus"))
            return rsa.RSAPrivateNumbers(
                g("P"),
                g("Q"),
                g("PrivateExponent"),
                g("PrimeExponentP"),
                g("PrimeExponentQ"),
                g("CRTCoefficient"),
                pub,
            ).private_key()
        if fmt == "TransparentECPrivateKey":
            curve, d = m.get_value("RecommendedCurve"), m.get_value("D")
            if curve in EC_CURVES:
                return ec.derive_private_key(d, EC_CURVES[curve]())
            cls, size = RAW_CURVES[curve]
            return cls.from_private_bytes(d.to_bytes(size, "big"))
        if fmt == "PKCS1":
            return ser.load_der_private_key(m.value, None)
        if fmt in ("PKCS8", "ECPrivateKey", "Raw"):
            return ser.load_der_private_key(m.value, None)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise KeyFormatError(f"invalid {fmt} private key material: {exc}") from None
    raise KeyFormatError(f"unsupported private key format {fmt}")


def load_public(obj: TTLV) -> PublicKeyTypes:
    """A ``cryptography`` public key from a stored or imported PublicKey object."""
    fmt, m = _material(obj)
    try:
        if fmt == "TransparentRSAPublicKey":
            return rsa.RSAPublicNumbers(m.get_value("PublicExponent"), m.get_value("Modulus")).public_key()
        if fmt == "TransparentECPublicKey":
            curve, q = m.get_value("RecommendedCurve"), m.get_value("QString")
            if curve in EC_CURVES:
                return ec.EllipticCurvePublicKey.from_encoded_point(EC_CURVES[curve](), q)
            return RAW_PUBLIC_KEYS[curve].from_public_bytes(q)
        if fmt in ("PKCS1", "PKCS8", "X509", "Raw"):  # cryptography reads SPKI and PKCS#1 DER
            return ser.load_der_public_key(m.value)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise KeyFormatError(f"invalid {fmt} public key material: {exc}") from None
    raise KeyFormatError(f"unsupported public key format {fmt}")


# -- export formats -----------------------------------------------------------------------------


def private_material(key: PrivateKeyTypes, fmt: str) -> TTLV:
    """KeyMaterial for ``key`` in ``fmt`` (the block's format tag is ``fmt`` too)."""
    if fmt == "PKCS1":
        if not isinstance(key, rsa.RSAPrivateKey):
            raise KeyFormatError("PKCS1 is only for RSA keys")
        return TTLV.bytes_(
            "KeyMaterial", key.private_bytes(_DER, ser.PrivateFormat.TraditionalOpenSSL, ser.NoEncryption())
        )
    if fmt == "PKCS8":
        return TTLV.bytes_("KeyMaterial", key.private_bytes(_DER, ser.PrivateFormat.PKCS8, ser.NoEncryption()))
    if fmt == "ECPrivateKey":
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise KeyFormatError("ECPrivateKey is only for NIST-curve keys")
        return TTLV.bytes_(
            "KeyMaterial", key.private_bytes(_DER, ser.PrivateFormat.TraditionalOpenSSL, ser.NoEncryption())
        )
    if fmt == "Raw" and not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        return TTLV.bytes_("KeyMaterial", key.private_bytes(_RAW, ser.PrivateFormat.Raw, ser.NoEncryption()))
    raise KeyFormatError(f"a private key cannot be exported as {fmt}")


def public_material(key: PublicKeyTypes, fmt: str) -> TTLV:
    """KeyMaterial for a public key in ``fmt`` (PKCS1, PKCS8/X509 = SPKI, Raw)."""
    if fmt == "PKCS1":
        if not isinstance(key, rsa.RSAPublicKey):
            raise KeyFormatError("PKCS1 is only for RSA keys")
        return TTLV.bytes_("KeyMaterial", key.public_bytes(_DER, ser.PublicFormat.PKCS1))
    if fmt in ("PKCS8", "X509"):
        return TTLV.bytes_("KeyMaterial", key.public_bytes(_DER, ser.PublicFormat.SubjectPublicKeyInfo))
    if fmt == "Raw" and not isinstance(key, (rsa.RSAPublicKey, ec.EllipticCurvePublicKey)):
        return TTLV.bytes_("KeyMaterial", key.public_bytes(_RAW, ser.PublicFormat.Raw))
    raise KeyFormatError(f"a public key cannot be exported as {fmt}")


def convert_key_object(obj: TTLV, fmt: str) -> TTLV:
    """A copy of a key object with its KeyBlock in ``fmt`` (embedded attributes dropped)."""
    block = obj.get("KeyBlock")
    alg = block.get_value("CryptographicAlgorithm") if block else None
    length = block.get_value("CryptographicLength") if block else None
    if obj.tag == "SymmetricKey":
        secret = symmetric_bytes(obj)
        if fmt == "Raw":
            material = TTLV.bytes_("KeyMaterial", secret)
        elif fmt == "TransparentSymmetricKey":
            material = TTLV.struct("KeyMaterial", [TTLV.bytes_("Key", secret)])
        else:
            raise KeyFormatError(f"a symmetric key cannot be exported as {fmt}")
        return TTLV.struct(obj.tag, [key_block(fmt, material, alg, length)])
    if obj.tag == "PrivateKey":
        private = load_private(obj)
        if fmt.startswith("Transparent"):
            if (fmt == "TransparentRSAPrivateKey") != isinstance(private, rsa.RSAPrivateKey) or "Public" in fmt:
                raise KeyFormatError(f"this private key cannot be exported as {fmt}")
            out = private_object(private, alg)
            if length is not None:
                out.child("KeyBlock").set(TTLV.integer("CryptographicLength", length))
            return out
        return TTLV.struct(obj.tag, [key_block(fmt, private_material(private, fmt), alg, length)])
    if obj.tag == "PublicKey":
        public = load_public(obj)
        if fmt.startswith("Transparent"):
            if (fmt == "TransparentRSAPublicKey") != isinstance(public, rsa.RSAPublicKey) or "Private" in fmt:
                raise KeyFormatError(f"this public key cannot be exported as {fmt}")
            return public_object(public, alg)
        return TTLV.struct(obj.tag, [key_block(fmt, public_material(public, fmt), alg, length)])
    raise KeyFormatError(f"a {obj.tag} has no key format")


def default_format(obj: TTLV) -> str | None:
    """Get's default format: Raw for symmetric keys, PKCS1 for RSA, TransparentEC* for EC."""
    block = obj.get("KeyBlock")
    if block is None:
        return None
    fmt: str | None = block.get_value("KeyFormatType")
    if obj.tag == "SymmetricKey":
        return "Raw"
    if obj.tag in ("PrivateKey", "PublicKey"):
        if fmt in ("TransparentRSAPrivateKey", "TransparentRSAPublicKey"):
            return "PKCS1"
        if fmt in ("TransparentECPrivateKey", "TransparentECPublicKey"):
            return fmt
        try:  # an imported DER key: Cosmian's defaults still depend on the key type
            key = load_private(obj) if obj.tag == "PrivateKey" else load_public(obj)
        except KeyFormatError:
            return fmt
        if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
            return "PKCS1"
        return "TransparentECPrivateKey" if obj.tag == "PrivateKey" else "TransparentECPublicKey"
    return fmt


# -- the form CreateKeyPair stores (crate/crypto/src/crypto/elliptic_curves/operation.rs) ------


def generated_curve_objects(key: PrivateKeyTypes, algorithm: str) -> tuple[TTLV, TTLV, int]:
    """The private and public objects of a freshly generated EC/Montgomery/Edwards key as
    Cosmian's ``to_ec_private_key`` / ``to_ec_public_key`` build them: NIST and secp curves
    carry the minimal big-endian scalar and a *compressed* point, the others their raw bytes;
    each CryptographicLength is the byte length × 8. Also returns ``Qlength`` (the private
    key's bit count, as OpenSSL reports it)."""
    curve = curve_of(key)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        d = key.private_numbers().private_value
        sk_bytes = d.to_bytes(max(1, (d.bit_length() + 7) // 8), "big")
        pk_bytes = key.public_key().public_bytes(ser.Encoding.X962, ser.PublicFormat.CompressedPoint)
        qlength = d.bit_length()
    else:
        sk_bytes = key.private_bytes(_RAW, ser.PrivateFormat.Raw, ser.NoEncryption())
        pk_bytes = key.public_key().public_bytes(_RAW, ser.PublicFormat.Raw)
        qlength = {"CURVE25519": 253, "CURVE448": 448, "CURVEED25519": 253, "CURVEED448": 456}[curve]
    sk_material = TTLV.struct(
        "KeyMaterial", [TTLV.enum("RecommendedCurve", curve), _big("D", int.from_bytes(sk_bytes, "big"))]
    )
    pk_material = TTLV.struct("KeyMaterial", [TTLV.enum("RecommendedCurve", curve), TTLV.bytes_("QString", pk_bytes)])
    sk = TTLV.struct("PrivateKey", [key_block("TransparentECPrivateKey", sk_material, algorithm, len(sk_bytes) * 8)])
    pk = TTLV.struct("PublicKey", [key_block("TransparentECPublicKey", pk_material, algorithm, len(pk_bytes) * 8)])
    return sk, pk, qlength


# -- the form Import stores (crate/server/src/core/operations/import.rs) ----------------------

# openssl's EVP_PKEY_bits for the curves without a field size in cryptography.
_OPENSSL_BITS = {"CURVE25519": 253, "CURVE448": 448, "CURVEED25519": 253, "CURVEED448": 456}


def algorithm_and_bits(key: PrivateKeyTypes | PublicKeyTypes) -> tuple[str, int]:
    """``openssl_private_key_to_kmip(…, PKCS8)``: RSA, ECDH (NIST, X25519, X448), Ed25519, Ed448;
    the length is OpenSSL's ``bits()``."""
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return "RSA", key.key_size
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        return "ECDH", key.curve.key_size
    curve = curve_of(key)
    algorithm = {"CURVEED25519": "Ed25519", "CURVEED448": "Ed448"}.get(curve, "ECDH")
    return algorithm, _OPENSSL_BITS[curve]


def pkcs8_object(obj: TTLV) -> TTLV:
    """An imported private or public key as Cosmian stores it: PKCS#8 (SPKI for a public key)
    DER with the algorithm and length read from the key."""
    if obj.tag == "PrivateKey":
        return private_key_object(load_private(obj))
    return public_key_object(load_public(obj))


def private_key_object(key: PrivateKeyTypes) -> TTLV:
    """``key`` as Cosmian stores an imported private key (PKCS#8)."""
    return _pkcs8_object("PrivateKey", key, private_material(key, "PKCS8"))


def public_key_object(key: PublicKeyTypes) -> TTLV:
    """``key`` as Cosmian stores an imported public key (SPKI)."""
    return _pkcs8_object("PublicKey", key, public_material(key, "PKCS8"))


def _pkcs8_object(object_type: str, key: PrivateKeyTypes | PublicKeyTypes, material: TTLV) -> TTLV:
    algorithm, bits = algorithm_and_bits(key)
    return TTLV.struct(object_type, [key_block("PKCS8", material, algorithm, bits)])
