"""The OAuth configuration of a profile and the calls to the IdP's token-side endpoints.

`oauth2_conf` is ckms's table (`client_id`, `client_secret`, `authorize_url`, `token_url`,
`scopes`); what ckms cannot hold (issuer, device and revocation endpoints) comes from the
settings' extras or from the IdP's discovery document.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import ssl
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from kms_tui.auth.errors import IdpUnreachable, LoginFailed, OAuthConfigError, SessionExpired
from kms_tui.auth.tokens import TokenSet

if TYPE_CHECKING:
    from httpx._client import UseClientDefault  # the type of httpx.USE_CLIENT_DEFAULT

log = logging.getLogger(__name__)
DEVICE_CODE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"  # RFC 8628 §3.4
TIMEOUT = httpx.Timeout(30.0, connect=10.0)


@functools.lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """httpx's default verification (certifi, $SSL_CERT_FILE), built once: it costs ~100 ms of CPU."""
    return httpx.create_ssl_context()


async def idp_client() -> httpx.AsyncClient:
    """An HTTP client for the IdP; the TLS context is built off the event loop, once."""
    return httpx.AsyncClient(timeout=TIMEOUT, verify=await asyncio.to_thread(_tls_context))


ENV_CLIENT_ID = "KMS_TUI_OAUTH_CLIENT_ID"
ENV_CLIENT_SECRET = "KMS_TUI_OAUTH_CLIENT_SECRET"


@dataclass
class OAuthConfig:
    """Where and how to obtain tokens for one profile (secrets already resolved, in memory only)."""

    client_id: str
    token_url: str
    authorize_url: str = ""
    client_secret: str = ""
    scopes: list[str] = field(default_factory=list)
    issuer: str | None = None
    device_authorization_endpoint: str | None = None
    revocation_endpoint: str | None = None
    audience: str | None = None  # Auth0-style `audience` parameter, from the settings' extras
    extra_params: dict[str, str] = field(default_factory=dict)  # added to the authorization URL
    discovered: bool = False

    @classmethod
    def from_profile(cls, http_config: dict[str, Any], extras: dict[str, Any] | None = None) -> OAuthConfig:
        """Read `[http_config.oauth2_conf]` plus the settings' extras; env overrides the client."""
        conf = dict(http_config.get("oauth2_conf") or {})
        conf.update({k: v for k, v in (extras or {}).items() if v not in (None, "")})
        client_id = os.environ.get(ENV_CLIENT_ID) or conf.get("client_id")
        secret = os.environ.get(ENV_CLIENT_SECRET) or conf.get("client_secret") or ""
        if not client_id or not conf.get("token_url"):
            raise OAuthConfigError(
                "This profile has no OAuth sign-in configured (oauth2_conf needs client_id and token_url).",
                "Add an [http_config.oauth2_conf] table with client_id, client_secret, authorize_url, "
                "token_url and scopes to the profile's ckms.toml.",
            )
        if isinstance(secret, str) and secret.startswith("secret://"):
            raise OAuthConfigError(
                "The client secret is a secret:// reference that was not resolved.",
                f"Check that the secret backend is reachable, or set {ENV_CLIENT_SECRET}.",
            )
        scopes = conf.get("scopes") or []
        return cls(
            client_id=str(client_id),
            token_url=str(conf["token_url"]),
            authorize_url=str(conf.get("authorize_url") or ""),
            client_secret=str(secret),
            scopes=[scopes] if isinstance(scopes, str) else [str(s) for s in scopes],
            issuer=conf.get("issuer"),
            device_authorization_endpoint=conf.get("device_authorization_endpoint"),
            revocation_endpoint=conf.get("revocation_endpoint"),
            audience=conf.get("audience"),
            extra_params={str(k): str(v) for k, v in (conf.get("extra_params") or {}).items()},
        )

    @property
    def is_oidc(self) -> bool:
        return "openid" in self.scopes

    def __repr__(self) -> str:  # the secret stays out of reprs and logs
        return f"OAuthConfig(client_id={self.client_id!r}, token_url={self.token_url!r}, scopes={self.scopes!r})"

    def issuer_candidates(self) -> list[str]:
        """Where the discovery document may live: the issuer, else prefixes of the authorize URL."""
        if self.issuer:
            return [self.issuer.rstrip("/")]
        parts = urlsplit(self.authorize_url or self.token_url)
        segments = [s for s in parts.path.split("/") if s]
        out = []
        for n in range(len(segments) - 1, -1, -1):  # longest prefix first (Keycloak realms...)
            out.append(urlunsplit((parts.scheme, parts.netloc, "/" + "/".join(segments[:n]), "", "")).rstrip("/"))
        return out[:4]

    async def discover(self, http: httpx.AsyncClient | None = None) -> dict[str, Any]:
        """Fill the device and revocation endpoints from the IdP's metadata (best effort)."""
        if self.discovered:
            return {}
        self.discovered = True
        if http is None:
            async with await idp_client() as own:
                return await self._discover(own)
        return await self._discover(http)

    async def _discover(self, http: httpx.AsyncClient) -> dict[str, Any]:
        for base in self.issuer_candidates():
            for suffix in ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"):
                try:
                    response = await http.get(base + suffix, timeout=TIMEOUT)
                except httpx.HTTPError:
                    continue
                if response.status_code != 200:
                    continue
                try:
                    meta = response.json()
                except ValueError:
                    continue
                if not isinstance(meta, dict):
                    continue  # not a metadata document
                if meta.get("token_endpoint") not in (None, self.token_url):
                    continue  # someone else's metadata
                self.issuer = self.issuer or meta.get("issuer")
                self.device_authorization_endpoint = self.device_authorization_endpoint or meta.get(
                    "device_authorization_endpoint"
                )
                self.revocation_endpoint = self.revocation_endpoint or meta.get("revocation_endpoint")
                self.authorize_url = self.authorize_url or meta.get("authorization_endpoint", "")
                return meta
        return {}

    def client_auth(self, form: dict[str, Any]) -> httpx.BasicAuth | UseClientDefault:
        """Client authentication: Basic with a secret (client_secret_basic), else the id in the form
        (and the HTTP client's own auth, which :func:`idp_client` leaves empty)."""
        if self.client_secret:
            return httpx.BasicAuth(self.client_id, self.client_secret)
        form["client_id"] = self.client_id
        return httpx.USE_CLIENT_DEFAULT


async def token_request(
    conf: OAuthConfig, form: dict[str, Any], *, http: httpx.AsyncClient | None = None, refresh: bool = False
) -> dict[str, Any]:
    """POST the token endpoint; return the JSON body or raise with the IdP's own error."""
    form = dict(form)
    auth = conf.client_auth(form)
    try:
        if http is None:
            async with await idp_client() as own:
                response = await own.post(conf.token_url, data=form, auth=auth, headers={"Accept": "application/json"})
        else:
            response = await http.post(conf.token_url, data=form, auth=auth, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        host = urlsplit(conf.token_url).netloc
        raise IdpUnreachable(
            f"The identity provider at {host} could not be reached ({type(exc).__name__}).",
            "Check the network and the token_url of the profile, then try again.",
        ) from None
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):  # a JSON answer that is no object carries no token nor error
        body = {}
    if response.status_code == 200 and "access_token" in body:
        return body
    error = body.get("error") or f"HTTP {response.status_code}"
    description = body.get("error_description") or ""
    raise OAuthError(error, description, refresh=refresh)


class OAuthError(LoginFailed):
    """The IdP answered a token request with an OAuth error (`error`, `error_description`)."""

    def __init__(self, error: str, description: str = "", *, refresh: bool = False) -> None:
        self.error = error
        self.description = description
        what = "refused to refresh the session" if refresh else "refused the request"
        detail = f": {error}" + (f" ({description})" if description else "")
        super().__init__(f"The identity provider {what}{detail}.", "")


async def refresh_tokens(conf: OAuthConfig, tokens: TokenSet) -> TokenSet:
    """Use the refresh token; keep the old one when the IdP does not rotate it."""
    if not tokens.refresh_token:
        raise SessionExpired("The session has no refresh token.")
    form = {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token}
    body = await token_request(conf, form, refresh=True)
    return TokenSet.from_response(body, previous=tokens)


async def client_credentials_grant(conf: OAuthConfig) -> TokenSet:
    """Machine-to-machine: exchange client_id/client_secret for an access token."""
    if not conf.client_secret:
        raise OAuthConfigError(
            "Client credentials need a client secret.",
            f"Set client_secret in oauth2_conf (a secret:// reference works) or {ENV_CLIENT_SECRET}.",
        )
    form = {"grant_type": "client_credentials"}
    if conf.scopes:
        form["scope"] = " ".join(conf.scopes)
    if conf.audience:
        form["audience"] = conf.audience
    return TokenSet.from_response(await token_request(conf, form))


async def device_token_poll(conf: OAuthConfig, device_code: str) -> TokenSet:
    """One poll of the device-code grant (raises OAuthError for pending/slow_down/denied/expired)."""
    body = await token_request(conf, {"grant_type": DEVICE_CODE_GRANT_TYPE, "device_code": device_code})
    return TokenSet.from_response(body)


async def revoke_token(conf: OAuthConfig, token: str, hint: str = "refresh_token") -> bool:
    """RFC 7009 revocation when the IdP advertises it; True if the IdP accepted it."""
    if not conf.revocation_endpoint:
        return False
    form = {"token": token, "token_type_hint": hint}
    auth = conf.client_auth(form)
    try:
        async with await idp_client() as http:
            response = await http.post(conf.revocation_endpoint, data=form, auth=auth)
    except httpx.HTTPError as exc:
        log.warning("token revocation failed: %s", type(exc).__name__)
        return False
    return response.status_code == 200
