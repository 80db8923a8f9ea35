"""Text from the server reaches the console's screen escaped: no terminal control, no Rich markup."""

from __future__ import annotations

from tests.tui.objects_helpers import open_objects, reload
from tests.tui.rendered import screen_text

# sets the terminal title (OSC 0), writes the clipboard (OSC 52), and tries Rich markup
EVIL = "evil\x1b]0;pwned\x07\x1b]52;c;SGVsbG8=\x07[bold]x"
EVIL_SHOWN = r"evil\x1b]0;pwned\x07\x1b]52;c;SGVsbG8=\x07[bold]x"


def assert_safe(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text, "a control character reached the screen"


async def test_an_evil_object_name_is_shown_escaped_in_the_table_and_the_detail(sandbox_console):
    async with sandbox_console.run_test(size=(200, 40)) as pilot:
        screen = await open_objects(pilot)
        client = pilot.app.services.client
        uid = await client.create_symmetric_key("AES", 256, name=EVIL, tags=["t[bold]\x1b[31m"])
        await reload(pilot, screen)
        assert screen.table.get_row(uid).name == EVIL  # the data is kept as the server sent it
        table_text = screen_text(pilot.app)
        assert_safe(table_text)
        assert r"evil\x1b]0;pwned\x07" in table_text  # visible, escaped (cut to the column's width)
        assert r"t[bold]\x1b[31m" in table_text  # a tag: markup shown literally, ESC escaped
        screen.table.select_uid(uid)
        await pilot.press("enter")  # the detail pane
        await pilot.pause()
        detail_text = screen_text(pilot.app)
        assert_safe(detail_text)
        assert EVIL_SHOWN in detail_text  # in full: `[bold]` literal, not swallowed as markup
        await pilot.press("c")  # copying the id is fine; the toast names it escaped
        await pilot.pause()
        assert_safe(screen_text(pilot.app))


async def test_connect_screen_shows_an_html_error_page_short_escaped_and_with_its_fix(console_factory):
    """A web server that answers /version with an HTML error page (a proxy, a wrong path)."""
    from aiohttp import web
    from textual.widgets import Input

    from kms_tui.tui.screens.connect import ConnectScreen

    page = (
        "<!DOCTYPE html><html><head><title>404 \x1b]0;pwned\x07[bold]Not Found</title></head><body>"
        + "<p>a long explanation</p>" * 200
        + "</body></html>"
    )

    async def not_found(_request):
        return web.Response(status=404, text=page, content_type="text/html")

    server = web.Application()
    server.router.add_route("*", "/{tail:.*}", not_found)
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        app = console_factory()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            app.push_screen(ConnectScreen())
            await pilot.pause()
            app.screen.query_one("#connect-url", Input).value = f"http://127.0.0.1:{port}"
            app.screen.query_one("#connect-url", Input).focus()
            await pilot.press("enter")
            from tests.tui.helpers import wait_until

            await wait_until(
                pilot, lambda: "✗" in str(app.screen.query_one("#connect-result").render()), what="the check"
            )
            await pilot.pause()
            shown = screen_text(app)
            assert_safe(shown)
            assert "✗" in shown and "What to do:" in shown  # the verdict and its fix, on an 80×24 screen
            assert "a long explanation" not in shown  # not the page dumped
    finally:
        await runner.cleanup()


async def test_whoami_and_audit_show_server_text_escaped(console_factory, tmp_path, monkeypatch):
    """A server whose /version holds terminal controls and markup, and an audit row with the same."""
    from kms_tui.server.rest import ENV_VERSION
    from tests.support.sandbox import start_sandbox
    from tests.tui.helpers import wait_until

    monkeypatch.setenv(ENV_VERSION, "5.26.0 " + EVIL)  # the sandbox process inherits it
    sb = start_sandbox(tmp_path / "evil-sandbox")
    try:
        conf = tmp_path / "ckms.toml"
        conf.write_text(f'[http_config]\nserver_url = "{sb.url}"\n')
        app = console_factory(conf=conf)
        async with app.run_test(size=(160, 40)) as pilot:
            await wait_until(pilot, lambda: app.whoami_data is not None, what="whoami")
            await pilot.pause()
            shown = screen_text(app)
            assert_safe(shown)
            assert "5.26.0 " + EVIL_SHOWN in shown  # `[bold]` literal: not eaten as markup
            await app.services.client.create_symmetric_key("AES", 256, name=EVIL)
            try:
                await app.services.client.get_attributes(EVIL)  # refused: the reason quotes the id
            except Exception:  # noqa: BLE001 - the error is what the audit row records
                pass
            await pilot.press("3")
            await wait_until(pilot, lambda: "evil" in screen_text(app), what="the audit row")
            assert_safe(screen_text(app))
    finally:
        sb.stop()
