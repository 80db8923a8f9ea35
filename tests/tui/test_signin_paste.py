"""The console's sign-in modal: while the browser sign-in waits, the address the browser ended on
can be pasted (over SSH the redirect to this host's loopback port never arrives)."""

from __future__ import annotations

import re

import pytest
from textual.widgets import Input

from kms_tui.tui.modals.sign_in import SignInModal
from tests.auth.conftest import free_port, write_profile
from tests.auth.helpers import assert_closed, ended_on, exchanges
from tests.tui.helpers import text_of, wait_until, whoami_value

EMAIL = "alice@example.com"  # what the mock IdP puts in its tokens


@pytest.fixture
def local_desktopless(monkeypatch) -> int:
    """A local session with no browser to open (the test plays the browser); the redirect port is free."""
    for name in ("SSH_CONNECTION", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    port = free_port()
    monkeypatch.setenv("OAUTH2_REDIRECT_URL_PORT", str(port))
    return port


async def test_paste_the_address_while_the_browser_sign_in_waits(
    console_factory, mock_idp, tmp_path, local_desktopless
):
    from tests.support.sandbox import start_sandbox

    provider = f"{mock_idp.issuer},{mock_idp.discovery['jwks_uri']}"
    with start_sandbox(tmp_path / "jwt-sandbox", config_toml=f'[idp_auth]\njwt_auth_provider = ["{provider}"]\n') as sb:
        conf = write_profile(tmp_path / "ckms.toml", mock_idp, server_url=sb.url)
        app = console_factory(conf=conf)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: app.services is not None, what="profile opened")
            app.push_screen(SignInModal())
            paste = lambda: app.screen.query_one("#sign-in-paste", Input)  # noqa: E731
            await wait_until(
                pilot,
                lambda: (
                    isinstance(app.screen, SignInModal) and paste().display and "http" in text_of(app, "#sign-in-log")
                ),
                what="browser sign-in waiting",
            )
            assert paste().placeholder == "…or paste the address your browser ended on"
            assert paste().has_focus
            url = re.search(r"https?://\S+", text_of(app, "#sign-in-log")).group(0)
            redirect = await ended_on(url)  # the browser on the laptop stops at http://localhost:PORT/...

            paste().value = redirect.replace("state=", "state=forged")  # a stale tab's address
            await pilot.press("enter")
            await wait_until(
                pilot, lambda: "wrong or missing state" in text_of(app, "#sign-in-log"), what="wrong state refused"
            )
            assert isinstance(app.screen, SignInModal) and paste().value == ""  # paste again, or keep waiting
            assert "Paste the address again" in text_of(app, "#sign-in-log")

            paste().value = redirect
            await pilot.press("enter")
            await wait_until(pilot, lambda: not isinstance(app.screen, SignInModal), what="signed in")
            await pilot.press("1")
            await wait_until(pilot, lambda: whoami_value(app, "Effective user") == EMAIL, what="whoami")
            assert whoami_value(app, "State") == "signed in"
        assert exchanges(mock_idp) == 1
        assert_closed(local_desktopless)
