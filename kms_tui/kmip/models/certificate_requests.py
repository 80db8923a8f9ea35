"""Certify, ReCertify and Validate requests as Cosmian's clients build them
(``crate/clients/client_utils/src/certificate_utils.rs: build_certify_request,
build_re_certify_request``; ``crate/kmip/src/kmip_2_1/requests/validate.rs``;
``kmip_types.rs: CertificateAttributes::parse_subject_line``).

``certify_any`` and ``recertify_request`` / ``validate_request`` return TTLV nodes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from kms_tui.kmip.enums import CryptographicAlgorithm, KeyFormatType, LinkType, ObjectType, RecommendedCurve
from kms_tui.kmip.models import operations as o
from kms_tui.kmip.models.attributes import COSMIAN, Attributes, CertificateAttributes, CryptographicDomainParameters
from kms_tui.kmip.ttlv import TTLV

__all__ = [
    "SUBJECT_KEYS",
    "KEY_SPECS",
    "SAN_KINDS",
    "parse_subject",
    "parse_key_spec",
    "with_sans",
    "certify_any",
    "recertify_request",
    "validate_request",
]

# parse_subject_line's identifiers → CertificateAttributes fields
SUBJECT_KEYS = {
    "CN": "cn",
    "O": "o",
    "OU": "ou",
    "emailAddress": "email",
    "C": "c",
    "ST": "st",
    "L": "l",
    "UID": "uid",
    "Serial Number": "serial_number",
    "Title": "title",
    "DC": "dc",
    "DN Qualifier": "dn_qualifier",
}
# --generate-key values → (algorithm, RSA length or curve); what ckms's Algorithm enum sets
KEY_SPECS: dict[str, tuple[str, int | str]] = {
    "rsa:2048": ("RSA", 2048),
    "rsa:3072": ("RSA", 3072),
    "rsa:4096": ("RSA", 4096),
    "ec:p224": ("EC", "P224"),
    "ec:p256": ("EC", "P256"),
    "ec:p384": ("EC", "P384"),
    "ec:p521": ("EC", "P521"),
    "ed25519": ("Ed25519", "CURVEED25519"),
    "ed448": ("Ed448", "CURVEED448"),
}


SAN_KINDS = ("DNS", "IP", "email", "URI")


def with_sans(extensions: bytes | None, sans: Sequence[str]) -> bytes | None:
    """The x509-extension text with ``subjectAltName=…`` added to its ``[ v3_ca ]`` section
    (one made when there is no text): Cosmian takes SANs only there. ValueError when a SAN is
    not ``KIND:VALUE``, the text has a subjectAltName already or no ``[ v3_ca ]`` section."""
    if not sans:
        return extensions
    for san in sans:
        kind, sep, value = san.partition(":")
        if not sep or kind not in SAN_KINDS or not value or "," in san:
            raise ValueError(f"SAN {san!r} is not KIND:VALUE ({', '.join(k + ':' for k in SAN_KINDS)})")
    line = "subjectAltName=" + ",".join(sans)
    if extensions is None:
        return f"[ v3_ca ]\n{line}\n".encode()
    try:
        text = extensions.decode()
    except UnicodeDecodeError:
        raise ValueError("the extensions file is not UTF-8 text") from None
    if "subjectAltName" in text:
        raise ValueError("the extensions file has a subjectAltName line already: keep it or the SANs, not both")
    lines = text.splitlines()
    at = next((i for i, ln in enumerate(lines) if ln.strip().replace(" ", "") == "[v3_ca]"), None)
    if at is None:
        raise ValueError("the extensions file has no [ v3_ca ] section (the only one Cosmian reads)")
    lines.insert(at + 1, line)
    return ("\n".join(lines) + "\n").encode()


def parse_subject(line: str) -> CertificateAttributes:
    """``CN=…,O=…,C=…`` → CertificateAttributes (ValueError with Cosmian's words)."""
    fields: dict[str, str] = {}
    for component in line.split(","):
        key, sep, value = component.partition("=")
        key = key.strip()
        if not sep:
            raise ValueError(f"Missing or invalid x509 certificate `subject name` value for identifier {key}")
        if key not in SUBJECT_KEYS:
            raise ValueError(f"Invalid subject line identifier: {key}")
        fields["certificate_subject_" + SUBJECT_KEYS[key]] = value.strip()
    return CertificateAttributes(**fields)


def parse_key_spec(text: str) -> tuple[str, int | str]:
    spec = KEY_SPECS.get(text.strip().lower())
    if spec is None:
        raise ValueError(f"unknown key type {text!r} (one of: {', '.join(KEY_SPECS)})")
    return spec


def _key_attributes(attrs: Attributes, spec: tuple[str, int | str]) -> None:
    """ckms's ``rsa_algorithm`` / ``ec_algorithm``: what the generated private key will be."""
    algorithm, size = spec
    attrs.cryptographic_algorithm = CryptographicAlgorithm.from_wire(algorithm)
    if algorithm == "RSA":
        attrs.cryptographic_length = int(size)
        attrs.key_format_type = KeyFormatType.TransparentRSAPrivateKey
    else:
        attrs.cryptographic_domain_parameters = CryptographicDomainParameters(
            recommended_curve=RecommendedCurve.from_wire(str(size))
        )
        attrs.key_format_type = KeyFormatType.ECPrivateKey
    attrs.object_type = ObjectType.PrivateKey


def _attributes(
    issuer_key: str | None, issuer_cert: str | None, days: int, tags: Sequence[str], now: datetime | None
) -> Attributes:
    """What both builders put first: issuer links, validity days, activation now, tags."""
    if days < 0 or days > 2**31 - 1:
        raise ValueError("number of days must be a positive integer")
    attrs = Attributes(object_type=ObjectType.Certificate)
    if issuer_cert:
        attrs.set_link(LinkType.CertificateLink, issuer_cert)
    if issuer_key:
        attrs.set_link(LinkType.PrivateKeyLink, issuer_key)
    attrs.set_vendor_attribute(COSMIAN, "requested_validity_days", days)
    attrs.activation_date = (now or datetime.now(UTC)).replace(microsecond=0)
    attrs.set_tags(list(tags))
    return attrs


def certify_any(
    *,
    csr: bytes | None = None,
    csr_format: str = "pem",
    public_key_id: str | None = None,
    renew_id: str | None = None,
    generate: str | None = None,
    subject: str | None = None,
    issuer_private_key_id: str | None = None,
    issuer_certificate_id: str | None = None,
    days: int = 365,
    extensions: bytes | None = None,
    tags: Sequence[str] = (),
    certificate_id: str | None = None,
    now: datetime | None = None,
) -> TTLV:
    """``build_certify_request``: exactly one of ``csr``, ``public_key_id``, ``renew_id``,
    ``generate`` (a :data:`KEY_SPECS` key); ``subject`` for a public key or a generated pair."""
    attrs = _attributes(issuer_private_key_id, issuer_certificate_id, days, tags, now)
    if certificate_id:
        attrs.unique_identifier = certificate_id
    request = o.Certify()
    if csr is not None:
        request.certificate_request_value = csr
        request.certificate_request_type = "PKCS10" if csr_format == "der" else "PEM"  # type: ignore[assignment]  # a variant name, encoded as given
    elif public_key_id:
        if not subject:
            raise ValueError("subject name is required when certifying a public key")
        attrs.certificate_attributes = parse_subject(subject)
        request.unique_identifier = public_key_id
    elif renew_id:
        request.unique_identifier = renew_id
    elif generate:
        if not subject:
            raise ValueError("subject name is required when generating a keypair")
        attrs.certificate_attributes = parse_subject(subject)
        _key_attributes(attrs, parse_key_spec(generate))
    else:
        raise ValueError(
            "Supply a certificate signing request, a public key id or an existing certificate id "
            "or request a keypair to be generated"
        )
    if extensions is not None:
        attrs.set_vendor_attribute(COSMIAN, "x509-extension", extensions)
    request.attributes = attrs
    return request.to_ttlv()


def recertify_request(
    uid: str,
    *,
    issuer_private_key_id: str | None = None,
    issuer_certificate_id: str | None = None,
    days: int = 365,
    tags: Sequence[str] = (),
    now: datetime | None = None,
) -> TTLV:
    """``build_re_certify_request``: ReCertify{UniqueIdentifier, Attributes}."""
    attrs = _attributes(issuer_private_key_id, issuer_certificate_id, days, tags, now)
    return TTLV.struct("ReCertify", [TTLV.text("UniqueIdentifier", uid), attrs.to_ttlv()])


def validate_request(uids: Sequence[str], validity_time: str | None = None) -> TTLV:
    """``build_validate_certificate_request``: one UniqueIdentifier per certificate."""
    children = [TTLV.text("UniqueIdentifier", u) for u in uids]
    if validity_time is not None:
        children.append(TTLV.text("ValidityTime", validity_time))
    return TTLV.struct("Validate", children)
