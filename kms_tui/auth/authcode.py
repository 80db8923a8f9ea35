"""Authorization code + PKCE (S256), ckms-compatible, with the loopback listener or a pasted URL."""

from __future__ import annotations

import asyncio
import hmac
import os
import sys
import webbrowser
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from kms_tui.auth.errors import LoginCancelled, LoginFailed, OAuthConfigError
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
        extra = {
            **self.conf.extra_params,
            "code_challenge": create_s256_code_challenge(self.verifier),
            "code_challenge_method": "S256",
        }
        if self.conf.audience:
            extra["audience"] = self.conf.audience
        if self.nonce:
            extra["nonce"] = self.nonce
        uri: str = prepare_grant_uri(
            self.conf.authorize_url,
            self.conf.client_id,
            "code",
            redirect_uri=self.redirect_uri,
            scope=self.conf.scopes or None,
            state=self.state,
            **extra,
        )
        return uri

    def check(self, params: dict[str, str]) -> str:
        """The authorization code of a callback meant for this request; LoginFailed for error=, state, no code."""
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
        return code

    async def exchange(self, params: dict[str, str]) -> TokenSet:
        """Check the callback (error=, state, code) and redeem the code with the verifier."""
        form = {
            "grant_type": "authorization_code",
            "code": self.check(params),
            "redirect_uri": self.redirect_uri,
            "code_verifier": self.verifier,
        }
        tokens = TokenSet.from_response(await token_request(self.conf, form))
        if self.nonce and tokens.id_token:
            claims = jwt_claims_unverified(tokens.id_token) or {}
            if claims.get("nonce") not in (None, self.nonce):
                raise LoginFailed(
                    "The ID token's nonce does not match this sign-in; it was rejected.", "Sign in again."
                )
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


PASTE_PROMPT = "…or paste the address your browser ended on:"
PASTE_AGAIN = "Paste the address again, or keep waiting for the browser:"


async def login_with_browser(
    conf: OAuthConfig,
    *,
    show: Callable[[str], object],
    port: int | None = None,
    browser: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    on_listening: Callable[[LoopbackListener, AuthCodeRequest], None] | None = None,
    read_line: Callable[[str], Awaitable[str]] | None = None,
) -> TokenSet:
    """The full loopback flow: listen, show (and maybe open) the URL, wait, exchange the code.

    With `read_line`, the address the browser ended on may also be pasted while the listener
    waits (a browser on another machine cannot reach 127.0.0.1): the first answer wins.
    """
    listener = LoopbackListener(redirect_port() if port is None else port)
    await listener.start()
    try:
        request = AuthCodeRequest(conf, redirect_uri(listener.port))
        show(f"Open this address to sign in:\n  {request.url}")
        if browser and await asyncio.to_thread(open_browser, request.url):  # some launchers wait
            show("A browser window was opened.")
        if on_listening is not None:
            on_listening(listener, request)
        if read_line is None:
            params = await listener.wait(timeout)
        else:
            params = await _first_answer(listener.wait(timeout), _pasted_answer(request, show, read_line))
    finally:
        await listener.close()
    return await request.exchange(params)


async def _pasted_answer(
    request: AuthCodeRequest, show: Callable[[str], object], read_line: Callable[[str], Awaitable[str]]
) -> dict[str, str]:
    """Read pasted addresses until one answers this request (state checked); never ends otherwise."""
    prompt = PASTE_PROMPT
    while True:
        try:
            text = await read_line(prompt)
        except LoginCancelled:  # nothing more can be typed (end of input): the browser may still answer
            await asyncio.get_running_loop().create_future()
        try:
            params = params_from_pasted_url(text)
            request.check(params)
            return params
        except LoginFailed as exc:
            show(exc.message)
        prompt = PASTE_AGAIN


async def _first_answer(*waits: Awaitable[dict[str, str]]) -> dict[str, str]:
    """The result of whichever wait ends first; the others are cancelled (and awaited) before returning."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        answered = [t for t in done if t.exception() is None]
        return (answered[0] if answered else done.pop()).result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
