"""The onboarding's connection check: /version and /health of a URL, TLS details, or the error."""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class CheckResult:
    """What the check found; ``error`` is the client's error (with ``message`` and ``fix``)."""

    url: str
    version: str = ""
    health: str = ""
    tls: list[str] = field(default_factory=list)
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


async def peer_certificate(url: str, timeout: float = 5.0) -> list[str]:
    """Subject, issuer and expiry of the server's certificate (read without verifying)."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        return ["plain HTTP: the connection is not encrypted"]
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # only to describe it; the client verifies for real
    try:
        _reader, writer = await asyncio.wait_for(
            asyncio.open_connection(parts.hostname, parts.port or 443, ssl=context), timeout)
    except (OSError, asyncio.TimeoutError):
        return []
    try:
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    finally:
        writer.close()
    from cryptography import x509

    cert = x509.load_der_x509_certificate(der)
    return [f"certificate subject: {cert.subject.rfc4514_string()}",
            f"issued by: {cert.issuer.rfc4514_string()}",
            f"valid until: {cert.not_valid_after_utc:%Y-%m-%d}"]


async def check_connection(http_config: dict) -> CheckResult:
    """Ask the server for /version and /health with the given ``[http_config]`` (no sign-in)."""
    from kms_tui.client import ConnectionSettings, KmsClient

    url = str(http_config.get("server_url", ""))
    result = CheckResult(url=url)
    try:
        settings = ConnectionSettings.from_http_config(http_config)
        async with KmsClient(settings, profile="connection-check") as client:
            result.version = str(await client.version())
            health = await client.health()
            result.health = str(health.get("status", health)) if isinstance(health, dict) else str(health)
    except Exception as exc:  # noqa: BLE001 - shown to the user with its fix
        result.error = exc
    result.tls = await peer_certificate(url)
    return result
