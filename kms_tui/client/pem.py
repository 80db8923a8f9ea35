"""Turn an Export/Get answer for a public key or a certificate into PEM text."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519

from kms_tui.client.errors import ServerRefused
from kms_tui.kmip.ttlv import TTLV

_CURVES: dict[str, type[ec.EllipticCurve]] = {
    "P256": ec.SECP256R1,
    "P384": ec.SECP384R1,
    "P521": ec.SECP521R1,
    "P224": ec.SECP224R1,
    "SECP256K1": ec.SECP256K1,
}


class NotExportable(ServerRefused):
    default_fix = "export a public key or a certificate; private and secret keys are not written as PEM here"


def to_pem(response: TTLV) -> str:
    """PEM of the public key or certificate in an ``ExportResponse``/``GetResponse``."""
    object_type = str(response.get_value("ObjectType", ""))
    uid = str(response.get_value("UniqueIdentifier", ""))
    if object_type == "Certificate":
        cert = response.get("Certificate")
        der = cert.get_value("CertificateValue") if cert is not None else None
        if not isinstance(der, bytes):
            raise ServerRefused(f"{uid}: the certificate has no value (destroyed?)", reason="empty")
        return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM).decode()
    if object_type != "PublicKey":
        raise NotExportable(
            f"{uid} is a {object_type or 'object'}, not a public key or certificate", reason="not_public"
        )
    block = response.find("PublicKey/KeyBlock")
    if block is None:
        raise ServerRefused(f"{uid}: the answer holds no key block", reason="empty")
    fmt = str(block.get_value("KeyFormatType", ""))
    material = block.find("KeyValue/KeyMaterial")
    if material is None:
        raise ServerRefused(f"{uid}: the public key has no key material (destroyed?)", reason="empty")
    if material.type == "ByteString":  # PKCS1 / PKCS8 (SPKI) / X509 DER
        if not material.value:
            raise ServerRefused(f"{uid}: the public key has no key material (destroyed?)", reason="empty")
        key = serialization.load_der_public_key(material.value)
    elif fmt == "TransparentECPublicKey":
        curve = str(material.get_value("RecommendedCurve", ""))
        q = material.get_value("QString", b"")
        if curve == "CURVEED25519":
            key = ed25519.Ed25519PublicKey.from_public_bytes(q)
        elif curve == "CURVEED448":
            key = ed448.Ed448PublicKey.from_public_bytes(q)
        elif curve in _CURVES:
            key = ec.EllipticCurvePublicKey.from_encoded_point(_CURVES[curve](), q)
        else:
            raise NotExportable(f"{uid}: curve {curve} cannot be written as PEM", reason="curve")
    elif fmt == "TransparentRSAPublicKey":
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.RSAPublicNumbers(
            int(material.get_value("PublicExponent")), int(material.get_value("Modulus"))
        ).public_key()
    else:
        raise NotExportable(f"{uid}: key format {fmt} cannot be written as PEM", reason="format")
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
