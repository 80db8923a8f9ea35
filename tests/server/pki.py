"""Test PKI and JWT material generated with `cryptography` (nothing checked in): a CA, a
server certificate for 127.0.0.1, client certificates by CN, and a JWKS served over HTTP."""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _write_key(path: Path, key) -> Path:
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    path.chmod(0o600)
    return path


class Pki:
    """A CA in ``directory`` that issues server and client certificates as PEM files."""

    def __init__(self, directory: Path, name: str = "Test CA") -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.dir = directory
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(_name(name))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.ca_file = directory / "ca.crt"
        self.ca_file.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, cn: str, *, server: bool = False) -> tuple[Path, Path]:
        """(cert file, key file) for ``cn``; server certificates name 127.0.0.1 and localhost."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(cn))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
        )
        if server:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
                ),
                critical=False,
            )
            usage = ExtendedKeyUsageOID.SERVER_AUTH
        else:
            usage = ExtendedKeyUsageOID.CLIENT_AUTH
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        cert = builder.sign(self.key, hashes.SHA256())
        safe = cn.replace("@", "_at_").replace("*", "star") or "empty"
        cert_file = self.dir / f"{safe}.crt"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return cert_file, _write_key(self.dir / f"{safe}.key", key)


class JwtIssuer:
    """Signs JWTs and serves its JWKS on a loopback HTTP port (a real HTTP fetch)."""

    def __init__(self) -> None:
        self.keys: dict[str, object] = {}
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = json.dumps(issuer.jwks()).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                issuer.fetches += 1

            def log_message(self, *args: object) -> None:
                pass

        self.fetches = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.issuer = self.url + "/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def add_key(self, kid: str, alg: str = "RS256") -> None:
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.keys[kid] = (
            alg,
            ec.generate_private_key(ec.SECP256R1()) if alg.startswith("ES") else rsa.generate_private_key(65537, 2048),
        )

    def jwks(self) -> dict:
        out = []
        for kid, (alg, key) in self.keys.items():
            jwk = json.loads(jwt.algorithms.get_default_algorithms()[alg].to_jwk(key.public_key()))
            out.append({**jwk, "kid": kid, "alg": alg, "use": "sig"})
        return {"keys": out}

    def token(
        self,
        email: str | None,
        *,
        kid: str | None = None,
        ttl: int = 600,
        iss: str | None = None,
        aud: str | None = "kms",
        sub: str | None = "user",
        alg: str | None = None,
        secret: bytes | None = None,
        extra_headers: dict | None = None,
    ) -> str:
        kid = kid or next(iter(self.keys))
        key_alg, key = self.keys[kid]
        claims = {"iss": iss or self.issuer, "exp": int(time.time()) + ttl, "iat": int(time.time())}
        if sub is not None:
            claims["sub"] = sub
        if email is not None:
            claims["email"] = email
        if aud is not None:
            claims["aud"] = aud
        headers = {"kid": kid, **(extra_headers or {})}
        if secret is not None:
            return jwt.encode(claims, secret, algorithm="HS256", headers=headers)
        return jwt.encode(claims, key, algorithm=alg or key_alg, headers=headers)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @classmethod
    @contextlib.contextmanager
    def running(cls, *kids: str):
        """An issuer with one RS256 key per ``kid``, closed on exit."""
        issuer = cls()
        for kid in kids:
            issuer.add_key(kid, "RS256")
        try:
            yield issuer
        finally:
            issuer.close()


def b64_token(key: bytes) -> str:
    """What Cosmian expects as API token for a symmetric key: lower-cased base64 of its bytes."""
    return base64.b64encode(key).decode().lower()
