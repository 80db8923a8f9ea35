"""Pilot steps shared by the console tests: wait for the connection, open the config editor."""

from __future__ import annotations

from textual.widgets import TextArea

from tests.tui.helpers import wait_until


async def open_editor(pilot) -> TextArea:
    await connected(pilot)
    await pilot.press("5")
    await wait_until(pilot, lambda: pilot.app.screen.query_one("#config-text", TextArea).text, what="editor")
    editor = pilot.app.screen.query_one("#config-text", TextArea)
    editor.focus()
    editor.move_cursor((0, 0))
    await pilot.press(*"# mine", "enter")
    assert editor.text.startswith("# mine\n")
    return editor


async def connected(pilot) -> None:
    await wait_until(pilot, lambda: pilot.app.whoami_data is not None, what="whoami")
