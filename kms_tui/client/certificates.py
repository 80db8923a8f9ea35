"""Certificates on the server: issue (Certify), renew (ReCertify, or a new key), validate, and
the readable facts of a certificate and of its chain up to the root (shared by ``kms-tui
certificates`` and the console)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from kms_tui.client.errors import KmsError, ServerRefused
from kms_tui.kmip.models import certificate_requests as cr
from kms_tui.kmip.ttlv import TTLV

MAX_CHAIN = 10
NEAR_DAYS = 30  # "expires soon" in the console and the listings

KEY_USAGE_NAMES = (
    ("digital_signature", "digitalSignature"),
    ("content_commitment", "nonRepudiation"),
    ("key_encipherment", "keyEncipherment"),
    ("data_encipherment", "dataEncipherment"),
    ("key_agreement", "keyAgreement"),
    ("key_cert_sign", "keyCertSign"),
    ("crl_sign", "crlSign"),
)
EKU_NAMES = {
    "1.3.6.1.5.5.7.3.1": "serverAuth",
    "1.3.6.1.5.5.7.3.2": "clientAuth",
    "1.3.6.1.5.5.7.3.3": "codeSigning",
    "1.3.6.1.5.5.7.3.4": "emailProtection",
    "1.3.6.1.5.5.7.3.8": "timeStamping",
    "1.3.6.1.5.5.7.3.9": "OCSPSigning",
}


@dataclass
class CertInfo:
    """What a person wants to read about a certificate."""

    subject: str
    issuer: str
    serial: str
    not_before: datetime
    not_after: datetime
    sans: list[str]
    key_usage: list[str]
    extended_key_usage: list[str]
    sha256: str
    sha1: str
    public_key: str
    is_ca: bool
    path_length: int | None
    self_signed: bool

    def days_left(self, now: datetime | None = None) -> int:
        now = now or datetime.now(UTC)
        return (self.not_after - now).days if self.not_after >= now else -((now - self.not_after).days + 1)

    def to_json(self, now: datetime | None = None) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "serial": self.serial,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "days_left": self.days_left(now),
            "subject_alternative_names": self.sans,
            "key_usage": self.key_usage,
            "extended_key_usage": self.extended_key_usage,
            "sha256": self.sha256,
            "sha1": self.sha1,
            "public_key": self.public_key,
            "ca": self.is_ca,
            "path_length": self.path_length,
            "self_signed": self.self_signed,
        }


def _colon_hex(data: bytes) -> str:
    return ":".join(f"{b:02X}" for b in data)


def _key_text(key: Any) -> str:
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name}"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448"
    return type(key).__name__


def _san_text(name: x509.GeneralName) -> str:
    kinds = {x509.DNSName: "DNS", x509.IPAddress: "IP", x509.RFC822Name: "email", x509.UniformResourceIdentifier: "URI"}
    return f"{kinds.get(type(name), type(name).__name__)}:{name.value}"


def _ext(cert: x509.Certificate, kind: Any) -> Any:
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except (x509.ExtensionNotFound, ValueError):
        return None


def describe(der: bytes) -> CertInfo:
    """The readable facts of a DER certificate (ValueError when it cannot be parsed)."""
    cert = x509.load_der_x509_certificate(der)
    sans = _ext(cert, x509.SubjectAlternativeName)
    usage = _ext(cert, x509.KeyUsage)
    eku = _ext(cert, x509.ExtendedKeyUsage)
    constraints = _ext(cert, x509.BasicConstraints)
    usages = [label for attr, label in KEY_USAGE_NAMES if usage is not None and getattr(usage, attr)]
    if usage is not None and usage.key_agreement:
        usages += [
            label
            for attr, label in (("encipher_only", "encipherOnly"), ("decipher_only", "decipherOnly"))
            if getattr(usage, attr)
        ]
    try:
        key_text = _key_text(cert.public_key())
    except (ValueError, TypeError):
        key_text = "unknown"
    return CertInfo(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        serial=_colon_hex(cert.serial_number.to_bytes((cert.serial_number.bit_length() + 7) // 8 or 1, "big")),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        sans=[_san_text(n) for n in sans] if sans is not None else [],
        key_usage=usages,
        extended_key_usage=[EKU_NAMES.get(o.dotted_string, o.dotted_string) for o in eku] if eku is not None else [],
        sha256=_colon_hex(hashlib.sha256(der).digest()),
        sha1=_colon_hex(hashlib.sha1(der).digest()),
        public_key=key_text,
        is_ca=bool(constraints is not None and constraints.ca),
        path_length=constraints.path_length if constraints is not None else None,
        self_signed=cert.subject == cert.issuer,
    )


def pem_of(der: bytes) -> str:
    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM).decode()


# -- reading from the server ------------------------------------------------------------------------


async def certificate_der(client: Any, uid: str) -> bytes:
    """The DER of certificate ``uid`` (Export: a Get of a Deactivated one is refused);
    ServerRefused when it is not a certificate."""
    response: TTLV = await client.export(uid)
    if response.get_value("ObjectType") != "Certificate":
        raise ServerRefused(
            f"{uid} is a {response.get_value('ObjectType') or 'object'}, not a certificate", reason="not_a_certificate"
        )
    node = response.get("Certificate")
    der = node.get_value("CertificateValue") if node is not None else None
    if not der:
        raise ServerRefused(f"{uid}: the certificate has no value (destroyed?)", reason="empty")
    return bytes(der)


def link_of(attrs: dict[str, Any], link_type: str) -> str | None:
    return next((lk["id"] for lk in attrs.get("links", []) if lk.get("type") == link_type), None)


@dataclass
class ChainLink:
    """One certificate of a chain: its id, state, facts, and the id of its issuer (None at a root)."""

    uid: str
    state: str
    info: CertInfo | None
    issuer_id: str | None
    problem: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)


async def chain_of(client: Any, uid: str) -> list[ChainLink]:
    """``uid`` and its issuers by ``CertificateLink`` up to a self-signed root (leaf first).

    A link that cannot be followed ends the chain with a ``problem`` on the last entry."""
    out: list[ChainLink] = []
    seen: set[str] = set()
    current: str | None = uid
    while current is not None and current not in seen and len(out) < MAX_CHAIN:
        seen.add(current)
        try:
            attrs = await client.get_attributes(current, with_tags=False)
            der = await certificate_der(client, current)
            info = describe(der)
        except (KmsError, ValueError) as exc:
            out.append(ChainLink(current, "", None, None, problem=getattr(exc, "message", None) or str(exc)))
            break
        issuer = link_of(attrs, "CertificateLink")
        if info.self_signed or issuer == current:
            issuer = None
        problem = "" if issuer or info.self_signed else f"no CertificateLink to its issuer ({info.issuer})"
        out.append(ChainLink(current, str(attrs.get("State", "")), info, issuer, problem, attrs))
        current = issuer
    if out and out[-1].info is not None and out[-1].issuer_id is not None and not out[-1].problem:
        out[-1].problem = "the chain is longer than shown, or loops"
    return out


# -- validation -------------------------------------------------------------------------------------


@dataclass
class Validation:
    valid: bool
    indicator: str  # Valid | Invalid | Unknown | "" (refused)
    reason: str = ""
    ids: list[str] = field(default_factory=list)
    revoked: list[tuple[str, str]] = field(default_factory=list)  # (id, state) the server still accepted


async def validate(client: Any, uids: Sequence[str], validity_time: str | None = None) -> Validation:
    """Validate in a one-item batch, so a refusal keeps its reason (a bare Validate that fails
    is a 500 with a generic body on Cosmian 5.26)."""
    (item,) = await client.batch([cr.validate_request(list(uids), validity_time)])
    if not item.ok:
        if item.reason == "Permission_Denied":
            item.unwrap()  # raises the item's error
        return Validation(False, "", item.message or item.reason, list(uids))
    indicator = str((item.payload or TTLV.struct("x")).get_value("ValidityIndicator") or "Unknown")
    return Validation(indicator == "Valid", indicator, "", list(uids))


# -- renewal with a new key ------------------------------------------------------------------------


def extensions_text(der: bytes) -> bytes:
    """The ``[ v3_ca ]`` text (Cosmian's x509-extension format) that rebuilds the extensions of
    a certificate: basicConstraints, keyUsage, extendedKeyUsage, SKI/AKI, SANs, CRL points."""
    cert = x509.load_der_x509_certificate(der)
    lines = ["[ v3_ca ]"]
    for ext in cert.extensions:
        crit = "critical," if ext.critical else ""
        value = ext.value
        if isinstance(value, x509.BasicConstraints):
            text = "CA:TRUE" if value.ca else "CA:FALSE"
            if value.ca and value.path_length is not None:
                text += f",pathlen:{value.path_length}"
            lines.append(f"basicConstraints={crit}{text}")
        elif isinstance(value, x509.KeyUsage):
            names = [label for attr, label in KEY_USAGE_NAMES if getattr(value, attr)]
            if names:
                lines.append(f"keyUsage={crit}{','.join(names)}")
        elif isinstance(value, x509.ExtendedKeyUsage):
            names = [EKU_NAMES[o.dotted_string] for o in value if o.dotted_string in EKU_NAMES]
            if names:
                lines.append(f"extendedKeyUsage={crit}{','.join(names)}")
        elif isinstance(value, x509.SubjectKeyIdentifier):
            lines.append("subjectKeyIdentifier=hash")
        elif isinstance(value, x509.AuthorityKeyIdentifier):
            lines.append("authorityKeyIdentifier=keyid")
        elif isinstance(value, x509.SubjectAlternativeName):
            names = [_san_text(n) for n in value if not isinstance(n, x509.OtherName)]
            if names:
                lines.append(f"subjectAltName={crit}{','.join(names)}")
        elif isinstance(value, x509.CRLDistributionPoints):
            uris = [n.value for p in value for n in p.full_name or [] if isinstance(n, x509.UniformResourceIdentifier)]
            if uris:
                lines.append("crlDistributionPoints=" + ",".join(f"URI:{u}" for u in uris))
    return ("\n".join(lines) + "\n").encode()


def subject_line(der: bytes) -> str:
    """The certificate's subject in Cosmian's ``parse_subject_line`` spelling."""
    cert = x509.load_der_x509_certificate(der)
    keys = {
        x509.NameOID.COMMON_NAME: "CN",
        x509.NameOID.ORGANIZATION_NAME: "O",
        x509.NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
        x509.NameOID.EMAIL_ADDRESS: "emailAddress",
        x509.NameOID.COUNTRY_NAME: "C",
        x509.NameOID.STATE_OR_PROVINCE_NAME: "ST",
        x509.NameOID.LOCALITY_NAME: "L",
        x509.NameOID.USER_ID: "UID",
        x509.NameOID.SERIAL_NUMBER: "Serial Number",
        x509.NameOID.TITLE: "Title",
        x509.NameOID.DOMAIN_COMPONENT: "DC",
        x509.NameOID.DN_QUALIFIER: "DN Qualifier",
    }
    parts = []
    for attr in cert.subject:
        key = keys.get(attr.oid)
        if key is None:
            raise ValueError(f"the subject has a part Cosmian's subject line cannot carry ({attr.oid.dotted_string})")
        value = str(attr.value)
        if "," in value:
            raise ValueError("the subject has a comma in a value, which Cosmian's subject line cannot carry")
        parts.append(f"{key}={value}")
    return ",".join(parts)


def key_spec_of(der: bytes) -> str:
    """The ``--generate-key`` value for a key like this certificate's."""
    key = x509.load_der_x509_certificate(der).public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return f"rsa:{key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        spec = {"secp224r1": "ec:p224", "secp256r1": "ec:p256", "secp384r1": "ec:p384", "secp521r1": "ec:p521"}
        if key.curve.name in spec:
            return spec[key.curve.name]
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "ed25519"
    if isinstance(key, ed448.Ed448PublicKey):
        return "ed448"
    raise ValueError("the certificate's key type cannot be generated by Certify")


async def ca_certificates(client: Any) -> list[tuple[str, CertInfo]]:
    """The Active CA certificates the user can see (basicConstraints CA), for an issuer choice."""
    from kms_tui.client.listing import list_objects
    from kms_tui.client.requests import LocateFilter

    found = await list_objects(client, LocateFilter(object_type="Certificate", state="Active"))
    out: list[tuple[str, CertInfo]] = []
    for summary in found.objects:
        try:
            info = describe(await certificate_der(client, summary.uid))
        except (KmsError, ValueError):
            continue
        if info.is_ca:
            out.append((summary.uid, info))
    return sorted(out, key=lambda item: (item[1].subject, item[0]))


async def renew_keeping_tags(client: Any, uid: str) -> str:
    """Renew ``uid`` as the console does (the radar's and the objects screen's ``N``): a bare
    ReCertify (the server finds the issuer), the old certificate's user tags put on the new one.
    The new id."""
    attrs = await client.get_attributes(uid)
    return await recertify(client, uid, tags=attrs.get("tags", []))


async def recertify(
    client: Any, uid: str, *, issuer_key: str | None = None, issuer_cert: str | None = None, tags: Sequence[str] = ()
) -> str:
    """ReCertify ``uid`` (a new certificate under a new id; the server finds the issuer when none
    is named and retires the old one); ``tags`` are put on the new certificate, since Cosmian 5.26
    gives it no user tag. The new id."""
    op = cr.recertify_request(uid, issuer_private_key_id=issuer_key, issuer_certificate_id=issuer_cert)
    new = str((await client.send(op, require=("UniqueIdentifier",))).get_value("UniqueIdentifier"))
    kept = [t for t in tags if not t.startswith("_")]
    if kept:
        from kms_tui.client.attributes import change_tags

        await change_tags(client, new, add=kept)
    return new
