"""Test certificates made with cryptography: a CA, leaf certificates, PKCS#12 bundles."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_cert(
    cn: str, *, issuer=None, days: int = 30, start_days_ago: int = 1, ca: bool = False, ip: str = "127.0.0.1"
):
    """(certificate, key); self-signed unless ``issuer=(cert, key)``; SAN localhost and ``ip``."""
    key = ec.generate_private_key(ec.SECP256R1())
    issuer_cert, issuer_key = issuer or (None, key)
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(issuer_cert.subject if issuer_cert else _name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=start_days_ago))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(ip))]),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256()), key


def pem(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def write_pair(folder: Path, stem: str, cert, key) -> tuple[Path, Path]:
    cert_path, key_path = folder / f"{stem}.crt", folder / f"{stem}.key"
    cert_path.write_bytes(pem(cert))
    key_path.write_bytes(key_pem(key))
    return cert_path, key_path


def write_p12(path: Path, cert, key, password: str) -> Path:
    encryption = serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    path.write_bytes(pkcs12.serialize_key_and_certificates(b"client", key, cert, None, encryption))
    return path


def server_tls(folder: Path) -> tuple[Path, Path, Path]:
    """(ca.pem, server.crt, server.key) for a loopback HTTPS server."""
    ca_cert, ca_key = make_cert("test CA", ca=True, days=2)
    cert, key = make_cert("127.0.0.1", issuer=(ca_cert, ca_key), days=2)
    ca_path = folder / "ca.pem"
    ca_path.write_bytes(pem(ca_cert))
    cert_path, key_path = write_pair(folder, "server", cert, key)
    return ca_path, cert_path, key_path
