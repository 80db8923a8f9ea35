"""Device authorization grant (RFC 8628): for shells where no browser can reach a loopback port."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
import qrcode

from kms_tui.auth.errors import IdpUnreachable, LoginFailed, LoginTimeout, OAuthConfigError
from kms_tui.auth.oauth import OAuthConfig, OAuthError, device_token_poll, idp_client
from kms_tui.auth.tokens import TokenSet

SLOW_DOWN_STEP = 5  # RFC 8628 §3.5: add 5 s to the interval on slow_down


@dataclass
class DeviceAuthorization:
    """What the IdP returned: the code the user types and where to type it."""

    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_in: int
    interval: int = 5

    def __repr__(self) -> str:  # the device code is a credential
        return f"DeviceAuthorization(user_code={self.user_code!r}, verification_uri={self.verification_uri!r})"


def render_qr(text: str) -> str:
    """A QR code of `text` drawn with half blocks (two modules per character row)."""
    qr = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_L)
    qr.add_data(text)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    if len(matrix) % 2:
        matrix.append([False] * len(matrix[0]))
    glyphs = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}
    rows = []
    for top, bottom in zip(matrix[0::2], matrix[1::2], strict=True):  # padded to an even count above
        rows.append("".join(glyphs[(a, b)] for a, b in zip(top, bottom, strict=True)))
    return "\n".join(rows)


def instructions(auth: DeviceAuthorization, *, qr: bool = True) -> str:
    """What to tell the user: the address, the code, and a QR code to scan with a phone."""
    lines = [
        f"On any device, open {auth.verification_uri}",
        f"and enter the code:  {auth.user_code}",
        f"(the code is valid for {auth.expires_in // 60} min {auth.expires_in % 60} s)",
    ]
    if qr:
        lines += ["Or scan:", render_qr(auth.verification_uri_complete or auth.verification_uri)]
    return "\n".join(lines)


async def start_device_authorization(conf: OAuthConfig) -> DeviceAuthorization:
    """Ask the IdP for a device code and a user code."""
    if not conf.device_authorization_endpoint:
        raise OAuthConfigError(
            "The identity provider does not offer the device sign-in (no device_authorization_endpoint).",
            "Use `kms-tui login --paste` instead.",
        )
    form = {"client_id": conf.client_id}
    if conf.scopes:
        form["scope"] = " ".join(conf.scopes)
    if conf.audience:
        form["audience"] = conf.audience
    auth = conf.client_auth(form)
    try:
        async with await idp_client() as http:
            response = await http.post(conf.device_authorization_endpoint, data=form, auth=auth)
    except httpx.HTTPError as exc:
        raise IdpUnreachable(
            f"The identity provider could not be reached ({type(exc).__name__}).", "Try again."
        ) from None
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
    if response.status_code != 200 or "device_code" not in body:
        raise OAuthError(body.get("error") or f"HTTP {response.status_code}", body.get("error_description", ""))
    return DeviceAuthorization(
        device_code=body["device_code"],
        user_code=body["user_code"],
        verification_uri=body.get("verification_uri") or body.get("verification_url", ""),
        verification_uri_complete=body.get("verification_uri_complete"),
        expires_in=int(body.get("expires_in", 600)),
        interval=int(body.get("interval", 5)),
    )


async def poll_for_tokens(
    conf: OAuthConfig,
    auth: DeviceAuthorization,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    interval: float | None = None,
    on_poll: Callable[[str], None] | None = None,
) -> TokenSet:
    """Poll at the advertised interval until the user approves, refuses, or the code expires.

    `on_poll` hears each answer ("authorization_pending", "slow_down", "ok"...) for progress display.
    """
    wait = auth.interval if interval is None else interval
    deadline = time.monotonic() + auth.expires_in
    while True:
        await sleep(wait)
        try:
            tokens = await device_token_poll(conf, auth.device_code)
        except OAuthError as exc:
            if on_poll is not None:
                on_poll(exc.error)
            if exc.error == "authorization_pending":
                pass
            elif exc.error == "slow_down":
                wait += SLOW_DOWN_STEP
            elif exc.error == "expired_token":
                raise _expired() from None
            elif exc.error == "access_denied":
                raise LoginFailed(
                    "The sign-in was refused on the other device (access_denied).",
                    "Run the login again and approve the request.",
                ) from None
            else:
                raise
        else:
            if on_poll is not None:
                on_poll("ok")
            return tokens
        if time.monotonic() > deadline:
            raise _expired()


def _expired() -> LoginTimeout:
    return LoginTimeout(
        "The device code expired before the sign-in was approved (expired_token).",
        "Run `kms-tui login --device` again and enter the new code sooner.",
    )
