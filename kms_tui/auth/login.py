"""Sign-in orchestration shared by the console and `kms-tui login`: pick a way, run it, keep the tokens."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping

from kms_tui.auth.authcode import (
    DEFAULT_TIMEOUT,
    AuthCodeRequest,
    login_with_browser,
    params_from_pasted_url,
    redirect_port,
    redirect_uri,
)
from kms_tui.auth.device import instructions, poll_for_tokens, start_device_authorization
from kms_tui.auth.oauth import OAuthConfig, client_credentials_grant
from kms_tui.auth.session import Session
from kms_tui.auth.tokens import TokenSet

METHODS = ("browser", "device", "paste", "client_credentials")
CACHE_METHOD = {
    "browser": "authorization_code",
    "paste": "authorization_code",
    "device": "device_code",
    "client_credentials": "client_credentials",
}


def over_ssh(env: Mapping[str, str] | None = None) -> bool:
    """True in an SSH session: a browser on the user's laptop cannot reach our loopback port."""
    return bool((env if env is not None else os.environ).get("SSH_CONNECTION"))


def propose_method(conf: OAuthConfig, env: Mapping[str, str] | None = None, flow: str = "pkce") -> str:
    """The sign-in that will work here: the browser locally; over SSH the device flow, else paste."""
    if flow == "client_credentials":
        return "client_credentials"
    if flow == "device" and conf.device_authorization_endpoint:
        return "device"
    if over_ssh(env):
        return "device" if conf.device_authorization_endpoint else "paste"
    return "browser"


def ssh_advice(conf: OAuthConfig) -> str:
    """One sentence explaining why the proposed way was chosen over SSH."""
    if conf.device_authorization_endpoint:
        return (
            "You are connected over SSH: a browser on your computer cannot reach this host's "
            "port, so sign in with a code on any device instead."
        )
    return (
        "You are connected over SSH and the identity provider has no device sign-in: open the "
        "address on your computer; the browser will then fail to load a localhost page; copy "
        "that page's address from the address bar and paste it here."
    )


async def sign_in(
    session: Session,
    method: str = "auto",
    *,
    show: Callable[[str], object],
    read_line: Callable[[str], Awaitable[str]] | None = None,
    browser: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    port: int | None = None,
    paste_while_waiting: bool = True,
) -> TokenSet:
    """Run one sign-in and hand the tokens to the session (profile + credential cache).

    `read_line` reads a pasted address: the paste flow's, and (unless `paste_while_waiting` is
    False) one the browser flow also accepts while its listener waits.
    """
    conf = session.profile.oauth_config()
    await conf.discover()
    if method == "auto":
        method = propose_method(conf, flow=session.profile.flow)
        if over_ssh() and method != "client_credentials":
            show(ssh_advice(conf))
    if port is None and method in ("browser", "paste"):
        port = session.profile.redirect_port or redirect_port()
    if method == "browser":
        tokens = await login_with_browser(
            conf,
            show=show,
            port=port,
            browser=browser,
            timeout=timeout,
            read_line=read_line if paste_while_waiting else None,
        )
    elif method == "paste":
        if read_line is None:
            raise ValueError("the paste sign-in needs a way to read the pasted address")
        request = AuthCodeRequest(conf, redirect_uri(port or redirect_port()))
        show(
            f"Open this address in a browser on your computer:\n  {request.url}\n"
            "After signing in, the browser shows an error page for localhost: copy its address."
        )
        tokens = await request.exchange(params_from_pasted_url(await read_line("Paste the address here: ")))
    elif method == "device":
        auth = await start_device_authorization(conf)
        show(instructions(auth))
        tokens = await poll_for_tokens(conf, auth)
    elif method == "client_credentials":
        tokens = await client_credentials_grant(conf)
    else:
        raise ValueError(f"unknown sign-in method {method!r}")
    await session.adopt(tokens, CACHE_METHOD[method], conf)
    return tokens
