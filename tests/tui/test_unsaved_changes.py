"""Unsaved edits survive quit, escape, reload and screen switches unless the user says Discard.

Every test runs the real console on a real sandbox; the edits are typed with the keyboard.
"""

from __future__ import annotations

from textual.widgets import Input, TextArea

from kms_tui.config import ProfileStore
from kms_tui.tui.modals.discard import DiscardModal
from tests.tui.console_helpers import connected, open_editor
from tests.tui.helpers import wait_until


def seed(sandbox) -> ProfileStore:
    store = ProfileStore()
    store.create("alpha", sandbox.url)
    store.set_active("alpha")
    return store


async def asked(pilot) -> DiscardModal:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, DiscardModal), what="the discard question")
    return pilot.app.screen


def question(modal: DiscardModal) -> str:
    return "\n".join(str(w.content) for w in modal.query("Static"))


async def discard(pilot) -> None:
    """Move to the Discard button and press it (no single key discards)."""
    await pilot.press("right", "enter")
    await pilot.pause()


# --- the config editor -----------------------------------------------------------------------


async def test_quit_asks_names_the_file_and_keeps_the_edits(console_factory, sandbox):
    seed(sandbox)
    app = console_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await open_editor(pilot)
        await pilot.press("ctrl+q")
        modal = await asked(pilot)
        text = question(modal)
        assert "The config editor has unsaved changes to profiles/alpha.toml" in text
        assert "Quitting throws them away" in text
        await pilot.press("enter")  # the focused button: Keep editing
        await pilot.pause()
        assert app.is_running and app.screen.query_one("#config-text", TextArea) is editor
        assert editor.text.startswith("# mine\n")
        await pilot.press("ctrl+q")
        await asked(pilot)
        await pilot.press("escape")  # escape keeps them too
        await pilot.pause()
        assert app.is_running and editor.text.startswith("# mine\n")
        await pilot.press("ctrl+q")
        await asked(pilot)
        await discard(pilot)
        await wait_until(pilot, lambda: not app.is_running, what="the console to quit")
    assert "# mine" not in ProfileStore().load("alpha").text


async def test_reload_asks_and_discard_brings_back_the_file(console_factory, sandbox):
    store = seed(sandbox)
    app = console_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await open_editor(pilot)
        await pilot.press("ctrl+r")
        text = question(await asked(pilot))
        assert "profiles/alpha.toml" in text and "Reloading" in text
        await pilot.press("escape")
        await pilot.pause()
        assert editor.text.startswith("# mine\n")
        await pilot.press("ctrl+r")
        await asked(pilot)
        await discard(pilot)
        assert editor.text == store.load("alpha").text


async def test_screen_switch_asks_keep_stays_discard_leaves_and_reverts(console_factory, sandbox):
    store = seed(sandbox)
    app = console_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await open_editor(pilot)
        editor.blur()  # a digit typed in the editor is text: leave it to switch screens
        await pilot.press("1")
        await asked(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert app.current_mode == "config" and editor.text.startswith("# mine\n")
        await pilot.press("ctrl+o")  # the welcome screen asks too
        await asked(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfigEditorScreen"
        editor.blur()  # the editor had its focus back
        await pilot.press("1")
        await asked(pilot)
        await discard(pilot)
        await wait_until(pilot, lambda: app.current_mode == "whoami", what="the whoami screen")
        assert editor.text == store.load("alpha").text


async def test_palette_go_to_asks(console_factory, sandbox):
    seed(sandbox)
    app = console_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await open_editor(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Go to Who am I")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await asked(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert app.current_mode == "config" and editor.text.startswith("# mine\n")


# --- forms -----------------------------------------------------------------------------------


async def open_objects(pilot) -> None:
    await connected(pilot)
    await pilot.press("2")
    await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "ObjectsScreen", what="objects")


async def test_unchanged_create_form_closes_without_asking(sandbox_console):
    async with sandbox_console.run_test(size=(80, 24)) as pilot:
        await open_objects(pilot)
        await pilot.press("n")
        await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "CreateKeyModal", what="form")
        await pilot.press("escape")
        await pilot.pause()
        assert type(pilot.app.screen).__name__ == "ObjectsScreen"


async def test_create_form_escape_and_quit_ask(sandbox_console):
    app = sandbox_console
    async with app.run_test(size=(80, 24)) as pilot:
        await open_objects(pilot)
        await pilot.press("n", "tab", *"keep-me")
        form = app.screen
        name = form.query_one("#create-name", Input)
        assert name.value == "keep-me"
        await pilot.press("escape")
        text = question(await asked(pilot))
        assert "The form “Create a key” has unsaved changes: Name." in text
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is form and name.value == "keep-me"
        await pilot.press("ctrl+q")
        assert "Create a key" in question(await asked(pilot))
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is form and name.value == "keep-me"
        await pilot.press("escape")
        await asked(pilot)
        await discard(pilot)
        assert type(app.screen).__name__ == "ObjectsScreen"
        await pilot.press("n")  # a new form starts empty
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CreateKeyModal", what="form")
        assert app.screen.query_one("#create-name", Input).value == ""


async def test_new_profile_form_escape_and_screen_switch_ask(console_factory, sandbox):
    seed(sandbox)
    app = console_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot)
        await pilot.press("4", "a", *"half-done")
        form = app.screen
        assert type(form).__name__ == "SignInFormScreen"
        assert form.query_one("#f-name", Input).value == "half-done"  # the first field had the focus
        await pilot.press("escape")
        assert "The new profile form has unsaved changes: Profile name." in question(await asked(pilot))
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is form and form.query_one("#f-name", Input).value == "half-done"
        await pilot.press("ctrl+o")
        await asked(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is form
        await pilot.press("ctrl+o")
        await asked(pilot)
        await discard(pilot)
        await wait_until(pilot, lambda: type(app.screen).__name__ == "OnboardingScreen", what="welcome")
        assert form not in app.screen_stack  # the form went with its edits
        assert not ProfileStore().exists("half-done")


async def test_connect_screen_escape_asks(console_factory):
    app = console_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("down", "enter", *"https://kms.example.com")
        form = app.screen
        assert type(form).__name__ == "ConnectScreen"
        assert form.query_one("#connect-url", Input).value == "https://kms.example.com"
        await pilot.press("escape")
        assert "The connect form has unsaved changes: Server URL." in question(await asked(pilot))
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is form and form.query_one("#connect-url", Input).value == "https://kms.example.com"
        await pilot.press("escape")
        await asked(pilot)
        await discard(pilot)
        await wait_until(pilot, lambda: type(app.screen).__name__ == "OnboardingScreen", what="welcome")
