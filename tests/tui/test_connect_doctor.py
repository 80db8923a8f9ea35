"""The connect screen's check is the doctor's walk: it names the broken link and its fix (a TLS
server whose CA is not trusted yet), and passes once the CA file is given."""

from __future__ import annotations

from textual.widgets import Button, Input

from kms_tui.tui.screens.connect import ConnectScreen
from tests.tui.helpers import text_of, wait_until


async def test_the_connect_check_names_the_missing_ca_then_passes_with_it(console_factory, start_tls_sandbox, pki):
    sb = start_tls_sandbox()
    app = console_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.push_screen(ConnectScreen())
        await pilot.pause()
        app.screen.query_one("#connect-url", Input).value = sb.url
        app.screen.query_one("#connect-url", Input).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: "✗" in text_of(app, "#connect-result"), what="failed check")
        result = text_of(app, "#connect-result")
        assert "✗ tls: no trusted CA for the server's certificate: its issuer 'CN=kms-tui test CA'" in result
        assert "What to do: put the PEM text of the CA 'CN=kms-tui test CA' in verified_cert" in result
        assert app.screen.query_one("#connect-next", Button).disabled
        app.screen.query_one("#connect-ca", Input).value = str(pki.ca_file)
        app.screen.query_one("#connect-url", Input).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: not app.screen.query_one("#connect-next", Button).disabled, what="check")
        result = text_of(app, "#connect-result")
        assert "answers" in result and "5.26" in result
        assert "! tls: verified, but the server's certificate expires in" in result  # a warning, shown
