"""Authentication as Cosmian's middleware chain does it: TLS client certificate, then JWT
(verified against the issuer's JWKS), then API token; the first success wins. With no
method configured every request is ``default_username``; with one configured, any failure
is a 401 ``No authentication provided.`` (decided by the caller)."""

from __future__ import annotations

import asyncio
import base64
import hmac
import json
import logging
import time
import warnings
from collections.abc import Mapping
from typing import Any

import aiohttp
import authlib.deprecate  # noqa: F401 - installs its "always" filter before ours

with warnings.catch_warnings():  # authlib 1.6+ announces joserfc; the API stays until 2.0
    warnings.simplefilter("ignore")
    from authlib.jose import JsonWebKey, JsonWebToken

from kms_tui.server.config import JwtProvider, ServerConfig
from kms_tui.server.keys import symmetric_bytes
from kms_tui.server.store import Store

log = logging.getLogger("kms_tui.server.auth")
JWT_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "PS384", "PS512"]
_JWT = JsonWebToken(JWT_ALGORITHMS)


def bearer_token(headers: Mapping[str, str], *, exact_scheme: bool = False) -> str | None:
    """The credentials of an ``Authorization: Bearer …`` header. The scheme is matched
    case-insensitively (API tokens) or, with ``exact_scheme``, literally (JWTs), as Cosmian."""
    value = headers.get("Authorization")
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    ok = scheme == "Bearer" if exact_scheme else scheme.lower() == "bearer"
    if not ok or not token.strip():
        return None
    return token.strip()


def _b64url_json(part: str) -> dict[str, Any]:
    data = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    value = json.loads(data)
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


# Cosmian's JwksManager (crate/server/src/middlewares/jwt/jwks.rs): the JWKS is downloaded again
# at most once per REFRESH_INTERVAL seconds, however many tokens with an unknown `kid` arrive.
REFRESH_INTERVAL = 60.0
# jsonwebtoken's default `Validation::leeway` (seconds), which Cosmian keeps: a token is refused
# as expired only when `exp < now - leeway`.
EXP_LEEWAY = 60


class JwksCache:
    """The JWKS of one provider: fetched on first use, then again on a validation failure but
    no more than once per :data:`REFRESH_INTERVAL` (the attempt counts even when it fails)."""

    def __init__(self, provider: JwtProvider) -> None:
        self.provider = provider
        self.keys: dict[str, dict[str, Any]] = {}
        self.fetched_at: float | None = None  # time of the last download attempt
        self._lock = asyncio.Lock()

    async def fetch(self, session: aiohttp.ClientSession) -> None:
        """Download the JWKS; on failure keep the previous keys (the request is then refused)."""
        self.fetched_at = time.monotonic()
        try:
            async with session.get(self.provider.jwks_uri, timeout=aiohttp.ClientTimeout(total=10)) as resp:
                resp.raise_for_status()
                doc = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("cannot fetch the JWKS of %s: %s", self.provider.issuer, type(exc).__name__)
            return
        keys = doc.get("keys") if isinstance(doc, dict) else None
        if isinstance(keys, list):
            self.keys = {k["kid"]: k for k in keys if isinstance(k, dict) and isinstance(k.get("kid"), str)}

    async def refresh(self, session: aiohttp.ClientSession) -> bool:
        """Download again unless the last attempt is younger than :data:`REFRESH_INTERVAL`;
        returns whether a download was attempted."""
        async with self._lock:
            if self.fetched_at is not None and time.monotonic() - self.fetched_at < REFRESH_INTERVAL:
                return False
            await self.fetch(session)
            return True


class Authenticator:
    """Resolves the user of a request, or None when no configured method succeeds."""

    def __init__(self, config: ServerConfig, store: Store) -> None:
        self.config = config
        self.store = store
        self.jwks = [JwksCache(p) for p in config.jwt_providers]
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        """Close the HTTP session used for JWKS downloads."""
        if self._session is not None:
            await self._session.close()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def authenticate(self, headers: Any, ssl_object: Any) -> str | None:
        """The user of a request (certificate, then JWT, then API token), or None."""
        user = None
        if self.config.cert_auth and ssl_object is not None:
            user = self.from_certificate(ssl_object)
        token = bearer_token(headers)
        jwt_token = bearer_token(headers, exact_scheme=True)
        if user is None and jwt_token and self.jwks:
            user = await self.from_jwt(jwt_token)
        if user is None and token and self.config.api_token_id:
            user = self.from_api_token(token)
        if user is not None and self.config.force_default_username:
            return self.config.default_username
        return user

    def from_certificate(self, ssl_object: Any) -> str | None:
        """Cosmian's ``tls_auth`` (crate/server/src/middlewares/tls_auth.rs): the FIRST subject
        CN of the verified client certificate, as-is; refused when, trimmed, it is blank or
        ``*``; no CN, no user."""
        cert = ssl_object.getpeercert()
        if not cert:
            return None
        for rdn in cert.get("subject", ()):
            for key, value in rdn:
                if key == "commonName":
                    text = str(value)
                    if not text.strip() or text.strip() == "*":
                        return None
                    return text
        return None

    async def from_jwt(self, token: str) -> str | None:
        """The ``email`` claim of a JWT valid for one configured provider, else None.

        As Cosmian's ``handle_jwt`` (crate/server/src/middlewares/jwt/jwt_token_auth.rs): every
        provider is tried; if none accepts the token, the JWKS is refreshed (at most once per
        :data:`REFRESH_INTERVAL`) and every provider is tried once more."""
        user = self._jwt_user(token)
        if user is _RETRY:
            refreshed = False
            for cache in self.jwks:
                refreshed = await cache.refresh(self._http()) or refreshed
            if refreshed:
                user = self._jwt_user(token)
        return None if user is _RETRY else user  # type: ignore[return-value]  # _RETRY is an object()

    def _jwt_user(self, token: str) -> object:
        """The user, None (a valid token without ``email``), or ``_RETRY`` (no provider
        accepts it with the keys at hand)."""
        parts = token.split(".")
        if len(parts) != 3:
            return _RETRY
        try:
            header = _b64url_json(parts[0])
        except (ValueError, UnicodeDecodeError):
            return _RETRY
        kid, alg = header.get("kid"), header.get("alg")
        if not isinstance(kid, str) or alg not in JWT_ALGORITHMS:
            return _RETRY
        for cache in self.jwks:
            claims = _verified_claims(token, cache, kid, alg)
            if claims is not None:
                # Cosmian: a valid token without `email` authenticates nobody; an empty one is the user "".
                email = claims.get("email")
                return email if isinstance(email, str) else None
        return _RETRY

    def from_api_token(self, token: str) -> str | None:
        """``default_username`` when the bearer is the lower-cased base64 of the token key."""
        obj = self.store.get(self.config.api_token_id or "")
        if obj is None or obj.object_type != "SymmetricKey" or obj.state != "Active":
            return None
        try:
            key = symmetric_bytes(obj.object)
        except ValueError:
            return None
        expected = base64.b64encode(key).decode().lower()
        if hmac.compare_digest(expected.encode(), token.strip().lower().encode()):
            return self.config.default_username
        return None


_RETRY = object()
# Key types each accepted algorithm verifies with (jsonwebtoken refuses a family mismatch).
_KTY = {"RS": "RSA", "PS": "RSA", "ES": "EC"}
_CURVE = {"ES256": "P-256", "ES384": "P-384"}
# Cosmian's `UserClaim` (crate/server/src/middlewares/jwt/jwt_config.rs): serde refuses the token
# when one of these claims has another JSON type (`Option<usize>` / `Option<String>`).
_INT_CLAIMS = ("iat", "exp", "nbf")
_STR_CLAIMS = (
    "email",
    "iss",
    "sub",
    "jti",
    "role",
    "resource_name",
    "perimeter_id",
    "kacls_url",
    "spki_hash",
    "spki_hash_algorithm",
    "message_id",
    "email_type",
    "google_email",
)


def _key_fits(jwk: dict[str, Any], alg: str) -> bool:
    kty = _KTY.get(alg[:2])
    if jwk.get("kty") != kty:
        return False
    return kty != "EC" or jwk.get("crv") == _CURVE.get(alg)


def _verified_claims(token: str, cache: JwksCache, kid: str, alg: str) -> dict[str, Any] | None:
    """The claims if the signature (by the ``kid`` key, whose type must fit ``alg``) and the
    claims pass jsonwebtoken's checks as Cosmian configures them, else None."""
    jwk = cache.keys.get(kid)
    if jwk is None or not _key_fits(jwk, alg):
        return None
    try:
        claims = dict(_JWT.decode(token, JsonWebKey.import_key(jwk)))
    except Exception as exc:  # noqa: BLE001 - whatever the library raises, the token is refused
        log.info("JWT rejected: %s", type(exc).__name__)
        return None
    return claims if _claims_ok(claims, cache.provider) else None


def _claims_ok(claims: dict[str, Any], provider: JwtProvider) -> bool:
    """jsonwebtoken 10's ``Validation`` as Cosmian sets it, then serde's ``UserClaim``:

    - ``exp`` and ``sub`` required; ``exp`` refused only when ``exp < now - 60`` (leeway);
    - ``nbf`` and ``iat`` are NOT checked (``validate_nbf`` is false by default): a token that
      is not yet valid is accepted, as by Cosmian;
    - ``iss`` must equal the configured issuer; ``aud`` checked (any match) only when
      audiences are configured;
    - a token without ``aud`` is accepted, unlike Cosmian (``UserClaim.aud`` has
      ``deserialize_with`` and no ``#[serde(default)]``, so Cosmian's serde refuses it with
      ``missing field `aud```, an accident the code around it does not intend); see
      docs/fidelity.md;
    - typed claims: integers ``>= 0`` for iat/exp/nbf, strings for email/iss/sub/jti…
    """
    for name in _INT_CLAIMS:
        v = claims.get(name)
        if v is not None and (type(v) is not int or v < 0):
            return False
    for name in _STR_CLAIMS:
        v = claims.get(name)
        if v is not None and not isinstance(v, str):
            return False
    aud = claims.get("aud")
    if aud is None:
        auds: list[Any] = []
    elif isinstance(aud, str):
        auds = [aud]
    elif isinstance(aud, list) and all(isinstance(a, str) for a in aud):
        auds = aud
    else:
        return False
    exp = claims.get("exp")
    if type(exp) is not int or exp < time.time() - EXP_LEEWAY:
        return False
    if not isinstance(claims.get("sub"), str):
        return False
    if claims.get("iss") != provider.issuer:
        return False
    if provider.audiences and not any(a in provider.audiences for a in auds):
        return False
    return True
