"""Habits from k9s and editors that carry over (issue 11): esc leaves the config editor's text,
? opens help, : opens the palette in command mode, esc in a filter clears it then leaves, sort keys."""

from __future__ import annotations

from textual.widgets import TextArea

from kms_tui.tui.modals.diff import DiffModal
from kms_tui.tui.modals.discard import DiscardModal
from kms_tui.tui.screens.help import HelpScreen
from tests.tui.conftest import settle
from tests.tui.helpers import wait_until
from tests.tui.rendered import screen_text


async def test_config_editor_leaves_with_escape_then_number_keys_switch(sandbox_console, sandbox_conf):
    app = sandbox_console
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await wait_until(pilot, lambda: app.current_mode == "config", what="config")
        await pilot.pause()
        editor = app.screen.query_one("#config-text", TextArea)
        assert app.screen.focused is editor
        assert "esc Leave text" in screen_text(app)  # the footer says how to get out
        await pilot.press("end", "#", "1")  # typed into the file while the text has the focus
        assert editor.text.splitlines()[0].endswith("#1")
        await pilot.press("ctrl+s")  # works inside the text: the diff shows
        await wait_until(pilot, lambda: isinstance(app.screen, DiffModal), what="diff")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, DiffModal), what="diff closed")
        app.screen.query_one("#config-text", TextArea).focus()
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.focused is None
        assert "Edit" in screen_text(app)
        await pilot.press("enter")  # enter edits again
        await pilot.pause()
        assert app.screen.focused is editor
        await pilot.press("escape", "question_mark")  # ? is help once out of the text
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        assert "Esc leaves the text" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        before = editor.text
        await pilot.press("1")  # a screen switch, not a character: unsaved edits, so it asks first
        await wait_until(pilot, lambda: isinstance(app.screen, DiscardModal), what="discard question")
        assert editor.text == before


async def test_colon_is_command_mode_and_a_colon_in_the_filter_is_text(sandbox_console):
    from textual.command import CommandPalette
    from textual.widgets import Input

    from tests.tui.objects_helpers import open_objects

    app = sandbox_console
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_objects(pilot)
        await pilot.press("slash", "a", "colon", "b")  # typing in the filter: ':' is a character
        await pilot.pause()
        assert screen.query_one("#filter-text", Input).value == "a:b"
        assert not isinstance(app.screen, CommandPalette)
        await pilot.press("escape", "escape")  # clear the filter, leave it
        await pilot.press("colon")  # k9s's ':' — the palette in command mode
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the command palette")
        await pilot.press(*"go to audit")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "AuditScreen", what="the audit screen")
