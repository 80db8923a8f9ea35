"""Who am I on this server: the typed data behind the console's panel and `kms-tui whoami`.

Claims are decoded locally and marked unverified: only the server verifies signatures.
Nothing here holds a token or a password.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kms_tui.auth.profile import ProfileRef
from kms_tui.auth.tokens import jwt_claims_unverified
from kms_tui.safetext import mask_url

if TYPE_CHECKING:
    from cryptography import x509

    from kms_tui.client.kms_client import KmsClient


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat() if ts is not None else None


@dataclass
class TokenClaims:
    """The bearer's JWT claims, read without verifying the signature."""

    email: str | None
    sub: str | None
    iss: str | None
    aud: str | list[str] | None
    exp: str | None
    seconds_left: int | None
    verified: bool = False

    @classmethod
    def of(cls, token: str | None, now: float | None = None) -> TokenClaims | None:
        claims = jwt_claims_unverified(token)
        if claims is None:
            return None
        exp = claims.get("exp") if isinstance(claims.get("exp"), (int, float)) else None
        left = int(exp - (now or time.time())) if exp is not None else None
        return cls(
            email=claims.get("email"),
            sub=claims.get("sub"),
            iss=claims.get("iss"),
            aud=claims.get("aud"),
            exp=_iso(exp),
            seconds_left=left,
        )


@dataclass
class CertificateInfo:
    """The client certificate the profile presents."""

    subject: str
    issuer: str
    not_after: str
    seconds_left: int

    @classmethod
    def of(cls, http_config: dict[str, Any]) -> CertificateInfo | None:
        cert = _load_client_certificate(http_config)
        if cert is None:
            return None
        not_after = cert.not_valid_after_utc
        return cls(
            subject=cert.subject.rfc4514_string(),
            issuer=cert.issuer.rfc4514_string(),
            not_after=not_after.isoformat(),
            seconds_left=int(not_after.timestamp() - time.time()),
        )


def _load_client_certificate(http_config: dict[str, Any]) -> x509.Certificate | None:
    pem = http_config.get("tls_client_pem_cert_path")
    p12 = http_config.get("tls_client_pkcs12_path")
    if not (pem or p12):
        return None
    from cryptography import x509  # only with a client certificate configured
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        if pem:
            return x509.load_pem_x509_certificates(Path(pem).expanduser().read_bytes())[0]
        if p12:
            password = http_config.get("tls_client_pkcs12_password") or ""
            loaded = pkcs12.load_pkcs12(Path(p12).expanduser().read_bytes(), password.encode() or None)
            return loaded.cert.certificate if loaded.cert else None
    except (OSError, ValueError, IndexError):
        return None
    return None


@dataclass
class WhoAmI:
    """Everything the panel shows; `errors` says which probe failed and why."""

    profile: str
    server_url: str
    user: str | None = None
    token: TokenClaims | None = None
    client_certificate: CertificateInfo | None = None
    server_version: str | None = None
    health: dict[str, Any] | None = None
    server_info: dict[str, Any] | None = None
    can_create: bool | None = None
    privileged: bool | None = None
    sign_in_methods: list[str] = field(default_factory=list)
    session: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    # Why /me failed (for the exit code); not serialised.
    user_error: Exception | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(replace(self, user_error=None))
        del out["user_error"]
        return out

    @property
    def token_expires_at(self) -> datetime | None:
        """When the bearer lapses (session state first, else the JWT's exp)."""
        exp = self.session.get("expires_at")
        if exp is not None:
            return datetime.fromtimestamp(exp, UTC)
        if self.token is not None and self.token.exp:
            return datetime.fromisoformat(self.token.exp)
        return None


def sign_in_methods(http_config: dict[str, Any], session: Any = None) -> list[str]:
    """Which credentials this profile sends (several can be combined)."""
    methods = []
    state = getattr(session, "state", None)
    if state is not None and state.method not in (None, "static"):
        methods.append(f"oauth2 {state.method}")
    elif http_config.get("access_token"):
        methods.append("bearer token")
    if http_config.get("vault_token"):
        methods.append("vault token")
    if http_config.get("tls_client_pem_cert_path") or http_config.get("tls_client_pkcs12_path"):
        methods.append("client certificate")
    return methods or ["none"]


async def whoami(client: KmsClient, session: Any = None, *, profile: Any = None) -> WhoAmI:
    """Ask the server (concurrently) and combine with what we know locally."""
    ref = ProfileRef.of(
        profile if profile is not None else getattr(session, "profile", None) or ProfileRef("", None, {})
    )
    http_config = ref.http_config
    out = WhoAmI(profile=ref.name, server_url=mask_url(http_config.get("server_url", "")))
    probes = {
        "user": client.me(),
        "server_version": client.version(),
        "health": client.health(),
        "server_info": client.server_info(),
        "can_create": client.access_create(),
        "privileged": client.access_privileged(),
    }
    results = await asyncio.gather(*probes.values(), return_exceptions=True)
    for name, result in zip(probes, results, strict=True):
        if isinstance(result, BaseException):
            if not isinstance(result, Exception):
                raise result
            out.errors[name] = getattr(result, "message", None) or type(result).__name__
            if name == "user":
                out.user_error = result
        else:
            setattr(out, name, result)
    bearer = None
    if session is not None:
        try:
            bearer = await session.bearer_token()
        except Exception:  # noqa: BLE001 - an expired session still gets a whoami (with the reason below)
            bearer = None
        out.session = session.state.to_dict()
    out.token = TokenClaims.of(bearer or http_config.get("access_token"))
    out.client_certificate = CertificateInfo.of(http_config)
    out.sign_in_methods = sign_in_methods(http_config, session)
    return out
