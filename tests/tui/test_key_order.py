"""Keys typed at paste speed land in order, in the field they were typed for (pilot).

``burst`` puts every key on the app's queue at once, as a terminal does when a paste or a fast
typist outruns the console (``pilot.press`` waits for the app between keys, so it never could
show the bug). Each test repeats its burst several rounds. The same bursts go through a real
terminal in ``test_key_order_tmux.py``.
"""

from __future__ import annotations

import random
import string

from textual import events
from textual.keys import _character_to_key
from textual.widgets import Input

from tests.tui.conftest import settle
from tests.tui.helpers import wait_until
from tests.tui.objects_helpers import open_objects

ROUNDS = 5
NAMED = {
    "tab": "\t",
    "enter": "\r",
    "escape": "\x1b",
    "backspace": "\x7f",
    "down": None,
    "up": None,
    "left": None,
    "right": None,
}


def paste_text(length: int = 200, seed: int = 0) -> str:
    """Printable text with no character a binding could take (letters, digits, - _ .)."""
    rng = random.Random(seed)
    return "".join(rng.choice(string.ascii_letters + string.digits + "-_.") for _ in range(length))


def key_event(key: str) -> events.Key:
    if key in NAMED:
        return events.Key(key, NAMED[key])
    return events.Key(_character_to_key(key) if len(key) == 1 and not key.isalnum() else key, key)


def burst(app, *keys: str) -> None:
    """Queue every key now (strings longer than a key name are typed character by character)."""
    for item in keys:
        for key in [item] if item in NAMED or len(item) == 1 or "+" in item else list(item):
            app.post_message(key_event(key))


async def field_holds(pilot, selector: str, expected: str) -> None:
    def value() -> str:
        return pilot.app.screen.query_one(selector, Input).value

    try:
        await wait_until(pilot, lambda: value() == expected, timeout=20, what=selector)
    except AssertionError:
        raise AssertionError(f"{selector} holds {value()!r}, typed {expected!r}") from None


async def test_filter_gets_every_key_after_slash(sandbox_console):
    async with sandbox_console.run_test(size=(80, 24)) as pilot:
        screen = await open_objects(pilot)
        field = screen.query_one("#filter-text", Input)
        for round_ in range(ROUNDS):
            field.value = ""
            screen.table.focus()
            await pilot.pause()
            burst(pilot.app, "/", "XYZW")
            await field_holds(pilot, "#filter-text", "XYZW")
            text = paste_text(seed=round_)
            # esc clears the filter, a second esc leaves it; / comes back to it and typing fills it
            burst(pilot.app, "escape", "escape", "/", text)
            await field_holds(pilot, "#filter-text", text)


async def test_create_form_tab_between_fields_right_after_n(sandbox_console):
    app = sandbox_console
    async with app.run_test(size=(80, 24)) as pilot:
        await open_objects(pilot)
        for round_ in range(ROUNDS):
            text = paste_text(seed=round_)
            burst(app, "n", "tab", "abc", "tab", "def", "tab", "tab", "backspace", text)
            await field_holds(pilot, "#create-name", "abc")
            await field_holds(pilot, "#create-tags", "def")
            # the two tabs went to the check box, then to the rotation interval (where the paste went)
            await field_holds(pilot, "#create-rotation-interval", text)
            assert type(app.screen).__name__ == "CreateKeyModal"
            app.screen.query_one("#create-name", Input).value = ""  # unchanged again: escape closes
            app.screen.query_one("#create-tags", Input).value = ""
            app.screen.query_one("#create-rotation-interval", Input).value = ""
            burst(app, "escape")
            await wait_until(pilot, lambda: type(app.screen).__name__ == "ObjectsScreen", what="form closed")


async def test_destroy_confirmation_with_backspaces(sandbox_console):
    app = sandbox_console
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_objects(pilot)
        await pilot.press("n")
        await pilot.press("ctrl+s")
        await settle(pilot)
        uid = screen.table.current.uid
        for _round in range(ROUNDS):
            burst(app, "d", "ddaXXX", *["backspace"] * 6, uid[:3], "backspace", uid[2:6])
            await field_holds(pilot, "#destroy-confirm", uid[:6])
            burst(app, "escape")
            await wait_until(pilot, lambda: type(app.screen).__name__ == "ObjectsScreen", what="modal closed")
        burst(app, "d", paste_text(200))
        await field_holds(pilot, "#destroy-confirm", paste_text(200))


async def test_new_profile_form_first_keys_land_in_the_name(console_factory, sandbox):
    from kms_tui.config import ProfileStore

    store = ProfileStore()
    store.create("alpha", sandbox.url)
    store.set_active("alpha")
    app = console_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.whoami_data is not None, what="whoami")
        await pilot.press("4")
        await pilot.pause()
        for round_ in range(ROUNDS):
            text = paste_text(seed=round_)
            burst(app, "a", "first", "tab", text, "backspace", "backspace", "X")
            await field_holds(pilot, "#f-name", "first")
            await field_holds(pilot, "#f-server-url", text[:-2] + "X")
            await pilot.press("escape")
            await wait_until(pilot, lambda: type(app.screen).__name__ == "DiscardModal", what="question")
            await pilot.press("right", "enter")
            await wait_until(pilot, lambda: type(app.screen).__name__ == "ProfilesScreen", what="form closed")


async def test_connect_screen_gets_the_url_typed_at_once(console_factory):
    app = console_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for round_ in range(ROUNDS):
            text = paste_text(seed=round_)
            burst(app, "down", "enter", text)
            await field_holds(pilot, "#connect-url", text)
            burst(app, "escape")
            await wait_until(pilot, lambda: type(app.screen).__name__ == "DiscardModal", what="question")
            burst(app, "right", "enter")
            await wait_until(pilot, lambda: type(app.screen).__name__ == "OnboardingScreen", what="welcome")
