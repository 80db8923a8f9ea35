"""X.509 building blocks for Certify: subject names from and to Cosmian's
``CertificateAttributes``, and v3 extensions from the ``x509-extension`` vendor attribute.

That attribute holds an OpenSSL configuration text (what ``ckms certificates certify
--certificate-extensions FILE`` sends); Cosmian reads its ``[ v3_ca ]`` section. The sandbox
understands the usual keys: basicConstraints, keyUsage, extendedKeyUsage, subjectKeyIdentifier,
authorityKeyIdentifier, subjectAltName and crlDistributionPoints.
"""

from __future__ import annotations

import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server.errors import CryptographicError, InvalidRequest, Kmip21Error, NotSupported, codec

# CertificateAttributes field suffix → X.509 name attribute, in conventional DN order.
NAME_FIELDS = (
    ("C", x509.NameOID.COUNTRY_NAME),
    ("St", x509.NameOID.STATE_OR_PROVINCE_NAME),
    ("L", x509.NameOID.LOCALITY_NAME),
    ("O", x509.NameOID.ORGANIZATION_NAME),
    ("Ou", x509.NameOID.ORGANIZATIONAL_UNIT_NAME),
    ("Cn", x509.NameOID.COMMON_NAME),
    ("Email", x509.NameOID.EMAIL_ADDRESS),
    ("Uid", x509.NameOID.USER_ID),
    ("SerialNumber", x509.NameOID.SERIAL_NUMBER),
    ("Title", x509.NameOID.TITLE),
    ("Dc", x509.NameOID.DOMAIN_COMPONENT),
    ("DnQualifier", x509.NameOID.DN_QUALIFIER),
)
# Cosmian's wire order of the 24 CertificateAttributes fields.
WIRE_ORDER = ("Cn", "O", "Ou", "Email", "C", "St", "L", "Uid", "SerialNumber", "Title", "Dc", "DnQualifier")

SECTION = "v3_ca"
SUPPORTED = (
    "basicConstraints",
    "keyUsage",
    "extendedKeyUsage",
    "subjectKeyIdentifier",
    "authorityKeyIdentifier",
    "subjectAltName",
    "crlDistributionPoints",
    "noRevAvail",
)
# Cosmian's own spellings (crate/crypto/src/openssl/x509_extensions.rs: parse_v3_ca): note
# `crlSign` (OpenSSL's configuration files say `cRLSign`, which Cosmian refuses).
KEY_USAGES = {
    "digitalSignature": "digital_signature",
    "nonRepudiation": "content_commitment",
    "keyEncipherment": "key_encipherment",
    "dataEncipherment": "data_encipherment",
    "keyAgreement": "key_agreement",
    "keyCertSign": "key_cert_sign",
    "crlSign": "crl_sign",
    "encipherOnly": "encipher_only",
    "decipherOnly": "decipher_only",
}
EXTENDED_USAGES = {
    "serverAuth": ExtendedKeyUsageOID.SERVER_AUTH,
    "clientAuth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "codeSigning": ExtendedKeyUsageOID.CODE_SIGNING,
    "emailProtection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "timeStamping": ExtendedKeyUsageOID.TIME_STAMPING,
    "OCSPSigning": ExtendedKeyUsageOID.OCSP_SIGNING,
    "ipsecIKE": x509.ObjectIdentifier("1.3.6.1.5.5.7.3.17"),
    "msCodeInd": x509.ObjectIdentifier("1.3.6.1.4.1.311.2.1.21"),
    "msCodeCom": x509.ObjectIdentifier("1.3.6.1.4.1.311.2.1.22"),
    "msCTLSign": x509.ObjectIdentifier("1.3.6.1.4.1.311.10.3.1"),
    "msEFS": x509.ObjectIdentifier("1.3.6.1.4.1.311.10.3.4"),
    "nsSGC": x509.ObjectIdentifier("2.16.840.1.113730.4.1"),
    "msSGC": x509.ObjectIdentifier("1.3.6.1.4.1.311.10.3.3"),
}
NO_REV_AVAIL = x509.ObjectIdentifier("2.5.29.56")  # RFC 9608


# -- names ----------------------------------------------------------------------------------------


def subject_name(cert_attrs: TTLV) -> x509.Name:
    """The X.509 subject built from ``CertificateSubject*`` fields (empty ones skipped).

    Cosmian's struct has no defaults: all 24 fields must be present (``""`` when unset)."""
    for part in ("CertificateSubject", "CertificateIssuer"):
        for suffix in WIRE_ORDER:
            if cert_attrs.get(part + suffix) is None:
                raise codec(f'missing field `{part + suffix}` in CertificateAttributes (send "" when unset)')
    try:
        return x509.Name(
            [
                x509.NameAttribute(oid, value)
                for suffix, oid in NAME_FIELDS
                if (value := cert_attrs.get_value("CertificateSubject" + suffix))
            ]
        )
    except (ValueError, TypeError) as exc:  # e.g. a country that is not 2 letters, a non-text value
        raise InvalidRequest(f"Certify: invalid subject name: {exc}") from None


def certificate_attributes(cert: x509.Certificate) -> TTLV:
    """Cosmian's ``CertificateAttributes`` of a certificate: 24 TextStrings, "" when absent."""

    def field_of(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
        return ", ".join(str(a.value) for a in name.get_attributes_for_oid(oid))

    oids = dict(NAME_FIELDS)
    children = [TTLV.text("CertificateSubject" + s, field_of(cert.subject, oids[s])) for s in WIRE_ORDER]
    children += [TTLV.text("CertificateIssuer" + s, field_of(cert.issuer, oids[s])) for s in WIRE_ORDER]
    return TTLV.struct("CertificateAttributes", children)


# -- extensions -----------------------------------------------------------------------------------


def _bad(key: str, detail: str) -> InvalidRequest:
    return InvalidRequest(f"x509-extension: {key}: {detail}")


def section_entries(text: str) -> list[tuple[str, str]]:
    """``key = value`` lines of the ``[ v3_ca ]`` section (or of the whole text without sections)."""
    entries: dict[str, list[tuple[str, str]]] = {"": []}
    current = ""
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
            entries.setdefault(current, [])
            continue
        if "=" not in line:
            raise InvalidRequest(f"x509-extension: expected `key = value`, got {line!r}")
        key, value = (part.strip() for part in line.split("=", 1))
        entries[current].append((key, value))
    if SECTION not in entries:  # CryptoError::NotSupported → Operation_Not_Supported
        raise Kmip21Error("Operation_Not_Supported", "unable to find `v3_ca` parag from X.509 extension content")
    return entries[SECTION]


def _general_names(key: str, value: str) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for item in (p.strip() for p in value.split(",") if p.strip()):
        kind, _, content = item.partition(":")
        if kind == "DNS":
            names.append(x509.DNSName(content))
        elif kind == "IP":
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(content)))
            except ValueError:
                raise _bad(key, f"invalid IP address {content!r}") from None
        elif kind == "email":
            names.append(x509.RFC822Name(content))
        elif kind == "URI":
            names.append(x509.UniformResourceIdentifier(content))
        else:
            raise _bad(key, f"unsupported name {item!r}: use DNS:, IP:, email: or URI:")
    return names


def _not_supported(key: str, token: str, quoted: bool = False) -> CryptographicError:
    shown = f"`{token}`" if quoted else token
    return CryptographicError(f"not supported `{key}` extension's value: {shown}")


def _one(key: str, value: str, subject_key: PublicKeyTypes, issuer_key: PublicKeyTypes) -> x509.ExtensionType:
    """One extension, its ``,``-separated tokens read exactly as Cosmian's ``parse_v3_ca``
    reads them: not trimmed one by one (``a, b`` has a token `` b``)."""
    tokens = [t for t in value.strip().split(",") if t != "critical"]
    if key == "basicConstraints":
        ca, pathlen = False, None
        for tok in tokens:
            if tok in ("CA:true", "CA:TRUE"):
                ca = True
            elif tok.startswith("pathlen"):
                raw = tok.split(":", 1)[1] if ":" in tok else ""
                if not raw.isdigit():
                    raise NotSupported(f"unable to convert Basic Constraints pathlen to `u32` value: `{tok}`")
                pathlen = int(raw)
            # anything else is ignored (Cosmian logs a warning)
        return x509.BasicConstraints(ca=ca, path_length=pathlen if ca else None)
    if key == "keyUsage":
        for tok in tokens:
            if tok not in KEY_USAGES:
                raise _not_supported(key, tok, quoted=True)
        chosen = {KEY_USAGES[t] for t in tokens}
        return x509.KeyUsage(**{name: name in chosen for name in set(KEY_USAGES.values())})
    if key == "extendedKeyUsage":
        for tok in tokens:
            if tok not in EXTENDED_USAGES:
                raise _not_supported(key, tok)
        return x509.ExtendedKeyUsage([EXTENDED_USAGES[t] for t in tokens])
    if key == "subjectKeyIdentifier":
        # A key no certificate can hold (DH, ML-DSA…) raises TypeError: a codec error (run_operation).
        return x509.SubjectKeyIdentifier.from_public_key(subject_key)  # type: ignore[arg-type]
    if key == "authorityKeyIdentifier":
        for tok in tokens:
            if tok not in ("issuer:always", "issuer", "keyid:always", "keyid"):
                raise _not_supported(key, tok)
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key)  # type: ignore[arg-type]  # as above
    if key == "subjectAltName":
        for tok in tokens:
            if not tok.startswith(("email", "URI", "DNS", "IP", "RID")):
                raise _not_supported(key, tok)
        return x509.SubjectAlternativeName(_general_names(key, ",".join(tokens)))
    if key == "crlDistributionPoints":
        points = [x509.DistributionPoint([n], None, None, None) for n in _general_names(key, value)]
        return x509.CRLDistributionPoints(points)
    if key == "noRevAvail":
        return x509.UnrecognizedExtension(NO_REV_AVAIL, b"\x05\x00")
    if key in (
        "privateKeyUsagePeriod",
        "issuerAltName",
        "nameConstraints",
        "certificatePolicies",
        "authorityInfoAccess",
    ):
        raise NotSupported(f"x509-extension: {key}: the sandbox KMS does not build this extension")
    raise CryptographicError(f"`{key}` is not a valid X.509 extension key property")


def parse_extensions(
    text: str, subject_key: PublicKeyTypes, issuer_key: PublicKeyTypes
) -> list[x509.Extension[x509.ExtensionType]]:
    """The extensions an ``x509-extension`` text asks for, in its order."""
    out = []
    for key, value in section_entries(text):
        ext = _one(key, value, subject_key, issuer_key)
        critical = "critical" in value.strip().split(",") and key != "noRevAvail"
        out.append(x509.Extension(ext.oid, critical, ext))
    return out


def merged(
    base: list[x509.Extension[x509.ExtensionType]], explicit: list[x509.Extension[x509.ExtensionType]]
) -> list[x509.Extension[x509.ExtensionType]]:
    """``base`` (from a CSR or the renewed certificate) overridden by ``explicit``, by OID."""
    chosen = {e.oid: e for e in base}
    chosen.update({e.oid: e for e in explicit})
    return list(chosen.values())
