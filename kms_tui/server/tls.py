"""The server's TLS context: PEM cert/key or PKCS#12, optional client CA (certificates are
then requested but optional, so other authentication methods keep working)."""

from __future__ import annotations

import os
import ssl
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.serialization import pkcs12

from kms_tui.server.config import ServerConfigError, TlsSettings


def _load_p12(ctx: ssl.SSLContext, path: Path, password: str | None) -> None:
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(path.read_bytes(), password.encode() if password else None)
    except (OSError, ValueError) as exc:
        # Never echo the password; say which file failed.
        raise ServerConfigError(
            f"cannot read the PKCS#12 file {path}: wrong password or not PKCS#12 ({type(exc).__name__})"
        ) from None
    if key is None or cert is None:
        raise ServerConfigError(f"the PKCS#12 file {path} holds no key and certificate")
    pem = key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption())
    chain = cert.public_bytes(ser.Encoding.PEM) + b"".join(c.public_bytes(ser.Encoding.PEM) for c in extra or [])
    with tempfile.TemporaryDirectory() as tmp:  # ssl only loads keys from files; private dir, removed at once
        key_path, cert_path = Path(tmp) / "key.pem", Path(tmp) / "cert.pem"
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        cert_path.write_bytes(chain)
        ctx.load_cert_chain(cert_path, key_path)


def server_context(tls: TlsSettings) -> ssl.SSLContext:
    """An SSLContext for the server, or raise :class:`ServerConfigError` naming the bad file."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        if tls.p12_file is not None:
            _load_p12(ctx, tls.p12_file, tls.p12_password)
        else:
            assert tls.cert_file is not None and tls.key_file is not None
            ctx.load_cert_chain(tls.cert_file, tls.key_file)
        if tls.clients_ca_cert_file is not None:
            ctx.load_verify_locations(cafile=str(tls.clients_ca_cert_file))
            ctx.verify_mode = ssl.CERT_OPTIONAL
    except (OSError, ssl.SSLError) as exc:
        raise ServerConfigError(f"cannot load the TLS files: {exc}") from None
    return ctx
