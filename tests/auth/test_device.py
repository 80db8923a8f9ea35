"""Device authorization grant (RFC 8628) against oidc-provider's real device flow."""

from __future__ import annotations

import asyncio
import time

import pytest
import qrcode

from kms_tui.auth.device import DeviceAuthorization, instructions, poll_for_tokens, start_device_authorization
from kms_tui.auth.errors import LoginFailed, LoginTimeout, OAuthConfigError
from kms_tui.auth.tokens import jwt_claims_unverified
from tests.auth.conftest import load_profile, write_profile
from tests.support.idp import start_strict_idp, strict_idp_browser

pytestmark = pytest.mark.slow
HALF_BLOCKS = {"█": (True, True), "▀": (True, False), "▄": (False, True), " ": (False, False)}
ECC_LEVELS = (
    qrcode.constants.ERROR_CORRECT_L,
    qrcode.constants.ERROR_CORRECT_M,
    qrcode.constants.ERROR_CORRECT_Q,
    qrcode.constants.ERROR_CORRECT_H,
)


def shown_qr(shown: str) -> list[list[bool]]:
    """The QR modules read back from what the user sees: each character is two modules, one above the other."""
    rows: list[list[bool]] = []
    for line in shown.split("Or scan:\n", 1)[1].splitlines():
        pairs = [HALF_BLOCKS[char] for char in line]
        rows += [[top for top, _ in pairs], [bottom for _, bottom in pairs]]
    return rows


def qr_of(text: str, border: int, level: int) -> list[list[bool]]:
    qr = qrcode.QRCode(border=border, error_correction=level)
    qr.add_data(text)
    qr.make(fit=True)
    return qr.get_matrix()


def qr_encodes(shown: str, text: str) -> bool:
    """True when the QR shown is the one ``qrcode`` makes for ``text`` (any error-correction level)."""
    modules = shown_qr(shown)
    if len(modules) == len(modules[0]) + 1 and not any(modules[-1]):
        modules.pop()  # two module rows per line: an odd-sized code ends with a blank half row
    border = next(i for i, row in enumerate(modules) if any(row))
    assert border >= 2 and len(modules) == len(modules[0]), "a square code with a quiet zone around it"
    return any(modules == qr_of(text, border, level) for level in ECC_LEVELS)


def test_the_qr_code_holds_the_complete_verification_address():
    auth = DeviceAuthorization(
        device_code="dc",
        user_code="WDJB-MJHT",
        verification_uri="https://idp.example/device",
        verification_uri_complete="https://idp.example/device?user_code=WDJB-MJHT",
        expires_in=600,
    )
    shown = instructions(auth)
    assert qr_encodes(shown, auth.verification_uri_complete)
    assert not qr_encodes(shown, auth.verification_uri)  # the check tells addresses apart
    auth.verification_uri_complete = None  # an IdP without it: the QR opens the page where the code is typed
    assert qr_encodes(instructions(auth), auth.verification_uri)
    assert "Or scan" not in instructions(auth, qr=False)


def device_conf(tmp_path, idp):
    profile = load_profile(write_profile(tmp_path / "ckms.toml", idp, client_id="kms-device"))
    from kms_tui.auth.profile import ProfileRef

    return ProfileRef.of(profile).oauth_config()


async def test_device_sign_in_shows_code_url_and_qr_then_gets_tokens(tmp_path):
    idp = start_strict_idp(tmp_path / "op", slow_down_at=2)
    try:
        await _device_sign_in(tmp_path, idp)
    finally:
        idp.stop()


async def _device_sign_in(tmp_path, idp):
    conf = device_conf(tmp_path, idp)
    await conf.discover()
    assert conf.device_authorization_endpoint.endswith("/device/auth")
    auth = await start_device_authorization(conf)
    shown = instructions(auth)
    assert auth.user_code in shown and auth.verification_uri in shown
    assert auth.user_code in auth.verification_uri_complete and qr_encodes(shown, auth.verification_uri_complete)

    async def user_approves():  # on "another device": open the complete URL, log in, consent
        await asyncio.sleep(1.0)
        await asyncio.to_thread(strict_idp_browser, auth.verification_uri_complete, login="carol@example.com")

    started = time.monotonic()
    approve = asyncio.create_task(user_approves())
    answers: list[str] = []
    tokens = await poll_for_tokens(conf, auth, interval=0.3, on_poll=answers.append)
    await approve
    assert answers[:2] == ["authorization_pending", "slow_down"] and answers[-1] == "ok"
    assert time.monotonic() - started >= 5.3  # after slow_down the interval grew by 5 s
    assert jwt_claims_unverified(tokens.id_token)["email"] == "carol@example.com"
    assert tokens.refresh_token


async def test_device_sign_in_refused_on_the_other_device(tmp_path, strict_idp):
    conf = device_conf(tmp_path, strict_idp)
    await conf.discover()
    auth = await start_device_authorization(conf)
    await asyncio.to_thread(strict_idp_browser, auth.verification_uri_complete, abort=True)
    with pytest.raises(LoginFailed, match="access_denied"):
        await poll_for_tokens(conf, auth, interval=0.2)


async def test_device_code_expires(tmp_path):
    idp = start_strict_idp(tmp_path / "op", device_ttl=1)
    try:
        conf = device_conf(tmp_path, idp)
        await conf.discover()
        auth = await start_device_authorization(conf)
        with pytest.raises(LoginTimeout, match="expired") as err:
            await poll_for_tokens(conf, auth, interval=1.5)
        assert "--device" in err.value.fix
    finally:
        idp.stop()


async def test_no_device_endpoint_says_to_paste(tmp_path, mock_idp):
    conf = device_conf(tmp_path, mock_idp)
    await conf.discover()
    with pytest.raises(OAuthConfigError, match="does not offer the device sign-in") as err:
        await start_device_authorization(conf)
    assert "--paste" in err.value.fix
