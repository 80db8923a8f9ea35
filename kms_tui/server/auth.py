"""Authentication as Cosmian's middleware chain does it: TLS client certificate, then JWT
(verified against the issuer's JWKS), then API token; the first success wins. With no
method configured every request is ``default_username``; with one configured, any failure
is a 401 ``No authentication provided.`` (decided by the caller)."""

from __future__ import annotations

import base64
import hmac
import json
import logging
import time
from typing import Any

import warnings

import aiohttp
import authlib.deprecate  # noqa: F401 - installs its "always" filter before ours

with warnings.catch_warnings():  # authlib 1.6+ announces joserfc; the API stays until 2.0
    warnings.simplefilter("ignore")
    from authlib.jose import JsonWebKey, JsonWebToken
    from authlib.jose.errors import JoseError

from kms_tui.server.config import JwtProvider, ServerConfig
from kms_tui.server.keys import symmetric_bytes
from kms_tui.server.store import Store

log = logging.getLogger("kms_tui.server.auth")
JWT_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "PS384", "PS512"]
_JWT = JsonWebToken(JWT_ALGORITHMS)


def bearer_token(headers: Any, *, exact_scheme: bool = False) -> str | None:
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


def _b64url_json(part: str) -> dict:
    data = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    value = json.loads(data)
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


class JwksCache:
    """The JWKS of one provider, fetched on first use and refetched once on a kid miss."""

    def __init__(self, provider: JwtProvider) -> None:
        self.provider = provider
        self.keys: dict[str, dict] = {}
        self.fetched_at = 0.0

    async def fetch(self, session: aiohttp.ClientSession) -> None:
        """Download the JWKS; on failure keep the previous keys (the request is then refused)."""
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
            self.fetched_at = time.monotonic()

    async def key(self, kid: str, session: aiohttp.ClientSession) -> dict | None:
        """The JWK with ``kid``, refetching the JWKS once if it is unknown."""
        if kid not in self.keys:
            await self.fetch(session)  # one refetch: the IdP may have rotated its keys
        return self.keys.get(kid)


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
        """The subject CN of a verified client certificate (empty and ``*`` refused)."""
        cert = ssl_object.getpeercert()
        if not cert:
            return None
        for rdn in cert.get("subject", ()):
            for key, value in rdn:
                if key == "commonName" and value and value != "*":
                    return str(value)
        return None

    async def from_jwt(self, token: str) -> str | None:
        """The ``email`` claim of a JWT valid for one configured provider, else None."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        try:
            header, payload = _b64url_json(parts[0]), _b64url_json(parts[1])
        except (ValueError, UnicodeDecodeError):
            return None
        kid, alg = header.get("kid"), header.get("alg")
        if not isinstance(kid, str) or alg not in JWT_ALGORITHMS:
            return None
        for cache in self.jwks:
            if payload.get("iss") != cache.provider.issuer:
                continue
            jwk = await cache.key(kid, self._http())
            if jwk is None:
                continue
            try:
                claims = _JWT.decode(token, JsonWebKey.import_key(jwk))
            except (JoseError, ValueError, TypeError) as exc:
                log.info("JWT rejected: %s", type(exc).__name__)
                continue
            if self._claims_ok(claims, cache.provider):
                email = claims.get("email")
                return email if isinstance(email, str) and email else None
        return None

    @staticmethod
    def _claims_ok(claims: dict, provider: JwtProvider) -> bool:
        exp = claims.get("exp")
        if not isinstance(exp, (int, float)) or exp <= time.time():
            return False
        if not isinstance(claims.get("sub"), str):
            return False
        if provider.audiences:
            aud = claims.get("aud")
            auds = aud if isinstance(aud, list) else [aud]
            if not any(a in provider.audiences for a in auds):
                return False
        return True

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

