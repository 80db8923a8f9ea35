"""Words that are true and short (issue 11, item 5): one notification per event, saying a thing
once; errors that never hide a screen's content and stay only while they ask for an action;
forms that check a field once it is edited; a profile whose files are on another machine;
empty states that say why."""

from __future__ import annotations

import os
import signal

from textual.widgets import TextArea
from textual.widgets._toast import Toast

from kms_tui.config import ProfileStore
from kms_tui.tui.modals.diff import DiffModal
from kms_tui.tui.screens.signin_form import SignInFormScreen
from tests.tui.helpers import wait_until


def seed(sandbox) -> ProfileStore:
    store = ProfileStore()
    store.create("alpha", sandbox.url)
    store.set_active("alpha")
    return store


def toasts_since(app, before: int) -> list[str]:
    """Each toast shown since the ``before``-th, as its title and message in one line."""
    return [f"{n.title}: {n.message}" for n in list(app._notifications)[before:]]


def says_once(text: str, word: str) -> bool:
    return text.lower().count(word.lower()) == 1


async def test_saving_the_config_is_one_toast_saying_saved_once(console_factory, sandbox):
    store = seed(sandbox)
    app = console_factory()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_until(pilot, lambda: app.whoami_data is not None, what="whoami")
        await pilot.press("5")
        await pilot.pause()
        app.screen.query_one("#config-text", TextArea).insert("# edited\n", (0, 0))
        before = len(app._notifications)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, DiffModal), what="the diff")
        await pilot.press("y")
        await wait_until(pilot, lambda: store.load("alpha").text.startswith("# edited"), what="the save")
        await wait_until(pilot, lambda: app.services is not None and app.whoami_data is not None, what="reopened")
        await pilot.pause(0.5)
        said = toasts_since(app, before)
        assert len(said) == 1, said
        assert says_once(said[0], "saved") and "alpha.toml" in said[0]


async def test_saving_a_profile_is_one_toast_saying_saved_once(console_factory, sandbox):
    seed(sandbox)
    app = console_factory()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_until(pilot, lambda: app.whoami_data is not None, what="whoami")
        await pilot.press("4")
        await pilot.pause()
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, SignInFormScreen), what="the profile form")
        before = len(app._notifications)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, SignInFormScreen), what="saved")
        await wait_until(pilot, lambda: app.services is not None and app.whoami_data is not None, what="reopened")
        await pilot.pause(0.5)
        said = toasts_since(app, before)
        assert len(said) == 1, said
        assert says_once(said[0], "saved") and "alpha" in said[0]


async def test_error_toasts_never_cover_whoami_and_the_sandbox_one_stays_until_restarted(console_factory):
    app = console_factory(sandbox=True)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_until(pilot, lambda: app.identity.connection == "connected", what="the sandbox")
        await wait_until(pilot, lambda: app.whoami_data is not None, what="whoami")
        os.kill(app.sandbox.pid, signal.SIGKILL)
        await wait_until(pilot, lambda: any(n.title == "Sandbox stopped" for n in app._notifications),
                         what="the sandbox-stopped toast")
        app.report_error(RuntimeError("the audit file is locked"), title="Could not write the audit row")
        await wait_until(pilot, lambda: len(app.screen.query(Toast)) == 2, what="both toasts")
        await pilot.pause()
        body = app.screen.query_one("#whoami-body")
        for toast in app.screen.query(Toast):  # each in its own rows: the whoami panel gives way and scrolls
            assert not toast.region.overlaps(body.region), (toast.region, body.region)
        stays = {n.title: n.timeout for n in app._notifications}
        assert stays["Could not write the audit row"] <= 10  # nothing to do about it: read and gone
        assert stays["Sandbox stopped"] > 3600  # asks for ctrl+r: stays until acted on
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: app.identity.connection == "connected", what="the restarted sandbox")
        assert not any(n.title == "Sandbox stopped" for n in app._notifications)
