"""Certificate facts the doctor reports: names, validity, and the PKCS#12 ciphers FIPS refuses."""

from __future__ import annotations

import ssl
import time
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509

# PKCS#12 PBE (RFC 7292 appendix C) and PKCS#5 v1 (PBES1) algorithm identifiers, DER-encoded
# (tag 06, length, value): what OpenSSL < 3 and many HSM/Windows exports still write. None of them
# is a FIPS 140 approved algorithm: a FIPS build of OpenSSL (hence of ckms) cannot open such a
# bundle. PBES2 with AES (OpenSSL 3's default) is fine.
LEGACY_PBE = {
    bytes.fromhex("060a2a864886f70d010c0101"): "pbeWithSHAAnd128BitRC4",
    bytes.fromhex("060a2a864886f70d010c0102"): "pbeWithSHAAnd40BitRC4",
    bytes.fromhex("060a2a864886f70d010c0103"): "pbeWithSHAAnd3-KeyTripleDES-CBC",
    bytes.fromhex("060a2a864886f70d010c0104"): "pbeWithSHAAnd2-KeyTripleDES-CBC",
    bytes.fromhex("060a2a864886f70d010c0105"): "pbeWithSHAAnd128BitRC2-CBC",
    bytes.fromhex("060a2a864886f70d010c0106"): "pbeWithSHAAnd40BitRC2-CBC",
    bytes.fromhex("06092a864886f70d010503"): "pbeWithMD5AndDES-CBC",
    bytes.fromhex("06092a864886f70d01050a"): "pbeWithSHA1AndDES-CBC",
}
REEXPORT = (
    "re-export the bundle with AES: openssl pkcs12 -in OLD.p12 -nodes | openssl pkcs12 -export "
    "-keypbe AES-256-CBC -certpbe AES-256-CBC -macalg sha256 -out NEW.p12, then point "
    "tls_client_pkcs12_path at NEW.p12"
)


def legacy_ciphers(der: bytes) -> list[str]:
    """The legacy PBE algorithms a PKCS#12 file uses (their identifiers are never encrypted)."""
    return [name for oid, name in LEGACY_PBE.items() if oid in der]


def local_openssl_is_fips() -> bool:
    """Whether this machine's OpenSSL runs in FIPS mode (then it refuses legacy PBE itself)."""
    if "fips" in ssl.OPENSSL_VERSION.lower():
        return True
    try:
        return Path("/proc/sys/crypto/fips_enabled").read_text().strip() == "1"
    except OSError:
        return False


def names(cert: x509.Certificate) -> list[str]:
    """The DNS names and IP addresses a certificate is valid for (subjectAltName, else its CN)."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        found = [*san.get_values_for_type(x509.DNSName), *(str(ip) for ip in san.get_values_for_type(x509.IPAddress))]
    except x509.ExtensionNotFound:
        found = []
    if not found:
        found = [str(a.value) for a in cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)]
    return found


def day(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def days_left(cert: x509.Certificate, now: float | None = None) -> float:
    return (cert.not_valid_after_utc.timestamp() - (time.time() if now is None else now)) / 86400


def describe(cert: x509.Certificate) -> list[str]:
    return [
        f"subject: {cert.subject.rfc4514_string()}",
        f"issued by: {cert.issuer.rfc4514_string()}",
        f"valid for: {', '.join(names(cert)) or '-'}",
        f"valid from {day(cert.not_valid_before_utc)} until {day(cert.not_valid_after_utc)}",
    ]


def pem_certificates(text: str) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(text.encode())
    except ValueError:
        return []
