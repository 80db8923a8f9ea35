"""Authorization code + PKCE (S256), ckms-compatible, with the loopback listener or a pasted URL."""

from __future__ import annotations

import asyncio
import hmac
import os
import sys
import webbrowser
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import parse_qsl, urlsplit

from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from kms_tui.auth.errors import LoginFailed, OAuthConfigError
from kms_tui.auth.loopback import REDIRECT_PATH, LoopbackListener
from kms_tui.auth.oauth import OAuthConfig, token_request
from kms_tui.auth.tokens import TokenSet, jwt_claims_unverified

DEFAULT_PORT = 17899
PORT_ENV = "OAUTH2_REDIRECT_URL_PORT"
DEFAULT_TIMEOUT = 300.0


def redirect_port() -> int:
    """The redirect port: $OAUTH2_REDIRECT_URL_PORT (as ckms) or 17899."""
    raw = os.environ.get(PORT_ENV)
    if raw is None or raw == "":
        return DEFAULT_PORT
    try:
        port = int(raw)
        if not 0 < port < 65536:
            raise ValueError
    except ValueError:
        raise OAuthConfigError(f"Invalid {PORT_ENV}: {raw!r}.", "Use a port number between 1 and 65535.") from None
    return port


def redirect_uri(port: int) -> str:
    """ckms's redirect URI (the IdP must list it)."""
    return f"http://localhost:{port}{REDIRECT_PATH}"


@dataclass
class AuthCodeRequest:
    """One authorization request: its random state, PKCE verifier and (for OIDC) nonce."""

    conf: OAuthConfig
    redirect_uri: str
    state: str = field(default_factory=lambda: generate_token(32))
    verifier: str = field(default_factory=lambda: generate_token(64))
    nonce: str | None = None

    def __post_init__(self) -> None:
        if not self.conf.authorize_url:
            raise OAuthConfigError(
                "This profile's oauth2_conf has no authorize_url.", "Add authorize_url to [http_config.oauth2_conf]."
            )
        if self.conf.is_oidc and self.nonce is None:
            self.nonce = generate_token(32)

    @property
    def url(self) -> str:
        """The URL the user opens in a browser."""
        extra = {**self.conf.extra_params, "code_challenge": create_s256_code_challenge(self.verifier),
                 "code_challenge_method": "S256"}
        if self.conf.audience:
            extra["audience"] = self.conf.audience
        if self.nonce:
            extra["nonce"] = self.nonce
        return prepare_grant_uri(
            self.conf.authorize_url, self.conf.client_id, "code", redirect_uri=self.redirect_uri,
            scope=self.conf.scopes or None, state=self.state, **extra,
        )

    async def exchange(self, params: dict[str, str]) -> TokenSet:
        """Check the callback (error=, state, code) and redeem the code with the verifier."""
        if "error" in params:
            description = params.get("error_description", "")
            raise LoginFailed(
                f"The identity provider refused the sign-in: {params['error']}"
                + (f" ({description})." if description else "."),
                "Check that your account may use this application, then sign in again.",
            )
        state = params.get("state")
        if not state or not hmac.compare_digest(state, self.state):
            raise LoginFailed(
                "The sign-in answer does not match this request (wrong or missing state); it was ignored.",
                "Start the sign-in again and use only the newest browser tab.",
            )
        code = params.get("code")
        if not code:
            raise LoginFailed("The identity provider's answer holds no authorization code.", "Sign in again.")
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri,
                "code_verifier": self.verifier}
        tokens = TokenSet.from_response(await token_request(self.conf, form))
        if self.nonce and tokens.id_token:
            claims = jwt_claims_unverified(tokens.id_token) or {}
            if claims.get("nonce") not in (None, self.nonce):
                raise LoginFailed("The ID token's nonce does not match this sign-in; it was rejected.", "Sign in again.")
        return tokens


def params_from_pasted_url(text: str) -> dict[str, str]:
    """The query of the URL the browser failed to open (http://localhost:PORT/authorization?code=...)."""
    text = text.strip()
    query = urlsplit(text).query if "://" in text else text.lstrip("?")
    params = dict(parse_qsl(query))
    if not params:
        raise LoginFailed(
            "That does not look like the address the browser was sent to.",
            "Copy the whole address from the browser's address bar (it starts with http://localhost).",
        )
    return params


def has_graphical_browser() -> bool:
    """A desktop session whose browser can reach our loopback port (never a text browser in this tty)."""
    if os.environ.get("SSH_CONNECTION") and not os.environ.get("DISPLAY"):
        return False
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def open_browser(url: str) -> bool:
    """Open the URL in a browser when there is one; the URL is shown either way."""
    if not has_graphical_browser():
        return False
    try:
        return webbrowser.open(url, new=1)
    except webbrowser.Error:
        return False


async def login_with_browser(
    conf: OAuthConfig,
    *,
    show: Callable[[str], None],
    port: int | None = None,
    browser: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    on_listening: Callable[[LoopbackListener, AuthCodeRequest], None] | None = None,
) -> TokenSet:
    """The full loopback flow: listen, show (and maybe open) the URL, wait, exchange the code."""
    listener = LoopbackListener(redirect_port() if port is None else port)
    await listener.start()
    try:
        request = AuthCodeRequest(conf, redirect_uri(listener.port))
        show(f"Open this address to sign in:\n  {request.url}")
        if browser and await asyncio.to_thread(open_browser, request.url):  # some launchers wait
            show("A browser window was opened.")
        if on_listening is not None:
            on_listening(listener, request)
        params = await listener.wait(timeout)
    finally:
        await listener.close()
    return await request.exchange(params)
