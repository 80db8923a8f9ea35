"""Snapshots at 80×24 of what issue 11's words change: empty states that say why (access, radar,
an empty audit trail), the profile form before anything is typed and with files on another machine."""

from __future__ import annotations

from textual.widgets import Input, Select, Switch

from tests.tui.conftest import settle
from tests.tui.helpers import wait_until
from tests.tui.rendered import screen_text


def _on(key: str, said: str):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press(key)
        await wait_until(pilot, lambda: said in " ".join(screen_text(pilot.app).split()), what=said)
        await pilot.pause()

    return run_before


def test_empty_access_lists(snap_compare, sandbox_console):
    assert snap_compare(sandbox_console, run_before=_on("6", "0 owned"), terminal_size=(80, 24))


def test_empty_radar(snap_compare, sandbox_console):
    assert snap_compare(sandbox_console, run_before=_on("7", "Nothing to do"), terminal_size=(80, 24))


def test_empty_audit_trail(snap_compare, console_factory):
    async def run_before(pilot):
        await pilot.pause()
        await pilot.press("escape", "3")  # no profile opened: nothing recorded yet
        await wait_until(pilot, lambda: "No audit rows yet" in screen_text(pilot.app), what="the audit screen")
        await pilot.pause()

    assert snap_compare(console_factory(), run_before=run_before, terminal_size=(80, 24))


def test_profile_form_with_files_on_another_machine(snap_compare, sandbox_console, tmp_path):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("4")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause(0.5)
        form = pilot.app.screen
        form.query_one("#f-method", Select).value = "pem"
        form.query_one("#f-name", Input).value = "remote"
        form.query_one("#f-tls-client-pem-cert-path", Input).value = "/elsewhere/client.crt"
        form.query_one("#f-tls-client-pem-key-path", Input).value = "/elsewhere/client.key"
        switch = form.query_one("#f-files-elsewhere", Switch)
        switch.value = True
        await pilot.pause(0.8)  # the inline checks run after a pause in typing
        switch.focus(scroll_visible=False)
        form.query_one("#form-body").scroll_to_widget(switch, animate=False, top=True)
        await pilot.pause()

    assert snap_compare(sandbox_console, run_before=run_before, terminal_size=(80, 24))
