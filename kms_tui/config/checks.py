"""File-system checks of a profile: certificate and key files, PKCS#12 bundles, expiry.

ckms hands these paths to OpenSSL at connection time and fails with a bare OpenSSL error;
here each problem names its key and says what to fix. Relative paths resolve from the
current directory, as ckms does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12

from kms_tui.config.errors import LineOf, Problem
from kms_tui.config.locate import key_lines, line_of

if TYPE_CHECKING:
    from kms_tui.config.resolve import ResolvedConnection

EXPIRY_WARNING = timedelta(days=30)


def _public_der(key: PrivateKeyTypes) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _expiry_problems(cert: x509.Certificate, path: str, at: LineOf, now: datetime) -> list[Problem]:
    subject = cert.subject.rfc4514_string() or "(no subject)"
    not_after = cert.not_valid_after_utc
    if not_after < now:
        return [
            Problem(
                path,
                at(path),
                f"certificate {subject} expired on {not_after:%Y-%m-%d}",
                "a certificate that is currently valid",
            )
        ]
    if cert.not_valid_before_utc > now:
        return [
            Problem(
                path,
                at(path),
                f"certificate {subject} is not valid before {cert.not_valid_before_utc:%Y-%m-%d}",
                "a certificate that is currently valid",
            )
        ]
    if not_after - now < EXPIRY_WARNING:
        return [
            Problem(
                path, at(path), f"certificate {subject} expires on {not_after:%Y-%m-%d}", "renew it soon", "warning"
            )
        ]
    return []


_EXISTING_FILE = "an existing file path"  # what a missing file's problem allows (is_missing_file)
CLIENT_FILE_KEYS = (
    "http_config.tls_client_pem_cert_path",
    "http_config.tls_client_pem_key_path",
    "http_config.tls_client_pkcs12_path",
)


def is_missing_file(problem: Problem) -> bool:
    """Whether ``problem`` is a client certificate file that is not on this machine (a profile
    may be prepared here for another host: the form saves it when told so; checks still warn)."""
    return problem.path in CLIENT_FILE_KEYS and problem.allowed == _EXISTING_FILE


def _read(path_key: str, value: str, at: LineOf, out: list[Problem]) -> bytes | None:
    try:
        return Path(value).expanduser().read_bytes()
    except FileNotFoundError:
        out.append(Problem(path_key, at(path_key), f"file {value} does not exist", _EXISTING_FILE))
    except OSError as exc:
        out.append(Problem(path_key, at(path_key), f"cannot read {value}: {exc.strerror}", "a readable file"))
    return None


def check_http_config(http: dict[str, Any], text: str = "", now: datetime | None = None) -> list[Problem]:
    """Check the files named by a (resolved) ``[http_config]``; ``text`` supplies line numbers."""
    now = now or datetime.now(UTC)
    lines = key_lines(text) if text else {}

    def at(key: str) -> int | None:
        return line_of(text, key, lines) if text else None

    out: list[Problem] = []
    cert_key, key_key = "http_config.tls_client_pem_cert_path", "http_config.tls_client_pem_key_path"
    cert_path, key_path = http.get("tls_client_pem_cert_path"), http.get("tls_client_pem_key_path")
    certs: list[x509.Certificate] = []
    if cert_path:
        raw = _read(cert_key, cert_path, at, out)
        if raw is not None:
            try:
                certs = x509.load_pem_x509_certificates(raw)
                out += _expiry_problems(certs[0], cert_key, at, now)
            except ValueError:
                out.append(
                    Problem(
                        cert_key,
                        at(cert_key),
                        f"{cert_path} holds no PEM certificate",
                        "a PEM file starting with -----BEGIN CERTIFICATE-----",
                    )
                )
    if key_path:
        raw = _read(key_key, key_path, at, out)
        if raw is not None:
            try:
                private = serialization.load_pem_private_key(raw, password=None)
                if certs and _public_der(private) != certs[0].public_key().public_bytes(
                    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
                ):
                    out.append(
                        Problem(
                            key_key,
                            at(key_key),
                            f"{key_path} does not match the certificate {cert_path}",
                            "the private key of the client certificate",
                        )
                    )
            except TypeError:
                out.append(
                    Problem(
                        key_key,
                        at(key_key),
                        f"{key_path} is encrypted; ckms cannot use an encrypted key",
                        "an unencrypted PKCS#8 or traditional PEM key",
                    )
                )
            except ValueError:
                out.append(
                    Problem(
                        key_key,
                        at(key_key),
                        f"{key_path} holds no PEM private key",
                        "a PKCS#8 PEM key (a PRIVATE KEY block) or a traditional RSA/EC PEM key",
                    )
                )
    p12_key = "http_config.tls_client_pkcs12_path"
    p12_path = http.get("tls_client_pkcs12_path")
    if p12_path:
        raw = _read(p12_key, p12_path, at, out)
        if raw is not None:
            password = http.get("tls_client_pkcs12_password")
            try:
                key, cert, _ = pkcs12.load_key_and_certificates(raw, password.encode() if password else None)
                if cert is None or key is None:
                    out.append(
                        Problem(
                            p12_key,
                            at(p12_key),
                            f"{p12_path} lacks a certificate or private key",
                            "a bundle with the client certificate and its key",
                        )
                    )
                else:
                    out += _expiry_problems(cert, p12_key, at, now)
            except ValueError:
                pw_key = "http_config.tls_client_pkcs12_password"
                out.append(
                    Problem(
                        pw_key,
                        at(pw_key),
                        f"{p12_path} does not open with this password (or is not PKCS#12)",
                        "the bundle's password",
                    )
                )
    ca = http.get("verified_cert")
    if ca:
        try:
            for cert in x509.load_pem_x509_certificates(ca.encode()):
                out += _expiry_problems(cert, "http_config.verified_cert", at, now)
        except ValueError:
            out.append(
                Problem(
                    "http_config.verified_cert",
                    at("http_config.verified_cert"),
                    "verified_cert must hold PEM certificate text, not a path"
                    if "BEGIN" not in ca
                    else "verified_cert holds no readable PEM certificate",
                    "the CA certificate(s) inline, -----BEGIN CERTIFICATE----- …",
                )
            )
    return out


def check_profile(connection: ResolvedConnection, text: str | None = None) -> list[Problem]:
    """Every problem of a resolved profile: validation warnings plus file and certificate checks.

    ``connection`` is a :class:`~kms_tui.config.resolve.ResolvedConnection`; ``text`` defaults
    to its file's content (for line numbers).
    """
    if text is None and connection.path is not None:
        try:
            text = Path(connection.path).read_text(encoding="utf-8")
        except OSError:
            text = ""
    return list(connection.warnings) + check_http_config(connection.http_config, text or "")
