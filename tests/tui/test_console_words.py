"""Words that are true and short (issue 11, item 5): one notification per event, saying a thing
once; errors that never hide a screen's content and stay only while they ask for an action;
forms that check a field once it is edited; a profile whose files are on another machine;
empty states that say why."""

from __future__ import annotations

import os
import signal

from textual.widgets import Input, Select, Switch, TextArea
from textual.widgets._toast import Toast

from kms_tui.config import ProfileStore
from kms_tui.tui.modals.diff import DiffModal
from kms_tui.tui.screens.signin_form import SignInFormScreen
from tests.tui.helpers import text_of, wait_until
from tests.tui.rendered import screen_text


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
        await wait_until(
            pilot,
            lambda: any(n.title == "Sandbox stopped" for n in app._notifications),
            what="the sandbox-stopped toast",
        )
        app.report_error(RuntimeError("the audit file is locked"), title="Could not write the audit row")
        await wait_until(pilot, lambda: len(app.screen.query(Toast)) == 2, what="both toasts")
        await pilot.pause()
        body = app.screen.query_one("#whoami-body")
        for toast in app.screen.query(Toast):  # each in its own rows: the whoami panel gives way and scrolls
            assert not toast.region.overlaps(body.region), (toast.region, body.region)
        stays = {n.title: n.timeout for n in app._notifications}
        assert stays["Could not write the audit row"] <= 10  # nothing to do about it: read and gone
        assert stays["Sandbox stopped"] > 3600  # asks for ctrl+r: stays until acted on
        child = app.sandbox.pid
        await pilot.press("ctrl+r")
        await wait_until(
            pilot,
            lambda: app.services is not None and app.sandbox.pid != child and app.identity.connection == "connected",
            what="the restarted sandbox",
        )
        await wait_until(
            pilot,
            lambda: not any(n.title == "Sandbox stopped" for n in app._notifications),
            what="the sandbox-stopped toast gone once connected again",
        )


async def open_new_profile_form(pilot) -> SignInFormScreen:
    await wait_until(pilot, lambda: pilot.app.whoami_data is not None, what="whoami")
    await pilot.press("4")
    await pilot.pause()
    await pilot.press("a")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, SignInFormScreen), what="the profile form")
    await pilot.pause()
    return pilot.app.screen


async def test_the_profile_form_checks_a_field_once_edited_and_names_fields_not_toml_lines(console_factory, sandbox):
    seed(sandbox)
    app = console_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_new_profile_form(pilot)
        said = text_of(app, "#form-problems")
        assert "line" not in said and "Profile name" not in said and "Server URL" not in said  # nothing typed
        assert "checked once you edit it" in said
        await pilot.press("space")  # a name no profile may have
        await pilot.pause(0.6)
        said = text_of(app, "#form-problems")
        assert said.startswith("Profile name:") and "Server URL" not in said  # only the field edited
        await pilot.press("ctrl+s")  # a save checks every field
        await pilot.pause()
        said = text_of(app, "#form-problems")
        assert "Server URL: an empty value is not a valid URL" in said
        assert "line " not in said  # the form's fields, not the TOML's lines
        assert isinstance(app.screen, SignInFormScreen)  # refused


async def test_a_pem_profile_whose_files_are_elsewhere_saves_when_told_and_check_still_warns(
    console_factory, sandbox, tmp_path, capsys
):
    from kms_tui.cli import main

    seed(sandbox)
    missing = tmp_path / "on-the-other-host"
    app = console_factory()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        form = await open_new_profile_form(pilot)
        assert not form.query_one("#row-files-elsewhere").display  # no files with the method "None"
        form.query_one("#f-method", Select).value = "pem"
        form.query_one("#f-name", Input).value = "remote"
        form.query_one("#f-server-url", Input).value = sandbox.url
        form.query_one("#f-tls-client-pem-cert-path", Input).value = str(missing / "client.crt")
        form.query_one("#f-tls-client-pem-key-path", Input).value = str(missing / "client.key")
        await pilot.pause(0.6)
        assert "does not exist" in text_of(app, "#form-problems")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SignInFormScreen)  # refused: the files are not here
        # the refusal says how to save it anyway, and the switch's label is whole at 80 columns
        assert any("turn on 'Files are on another machine (save anyway)'" in n.message for n in app._notifications)
        form.query_one("#f-files-elsewhere", Switch).focus()  # scrolled into view
        await pilot.pause(0.3)
        assert "Files are on another machine (save anyway)" in screen_text(app)
        assert "remote" not in [p.name for p in ProfileStore().list()]
        assert form.query_one("#row-files-elsewhere").display
        form.query_one("#f-files-elsewhere", Switch).value = True  # "the files are on another machine"
        await pilot.pause(0.6)
        said = text_of(app, "#form-problems")
        assert said.startswith("warning: Client certificate (PEM file): file ")
        assert "client.crt is not on this machine (on another one, you said)" in said
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, SignInFormScreen), what="saved")
    stored = ProfileStore().load("remote").http_config
    assert stored["tls_client_pem_cert_path"] == str(missing / "client.crt")
    capsys.readouterr()
    assert main(["profile", "check", "remote"]) != 0  # profile check still says the files are missing
    out = capsys.readouterr().out
    assert f"file {missing / 'client.crt'} does not exist" in out


async def _on(pilot, key: str, screen_name: str) -> None:
    await wait_until(pilot, lambda: pilot.app.whoami_data is not None, what="whoami")
    await pilot.press(key)
    await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == screen_name, what=screen_name)


def _words(app) -> str:
    return " ".join(screen_text(app).split())


async def test_empty_access_lists_say_why_and_nothing_before_they_are_read(sandbox_console):
    app = sandbox_console
    async with app.run_test(size=(80, 24)) as pilot:
        await _on(pilot, "6", "AccessScreen")
        await wait_until(pilot, lambda: "0 owned" in _words(app), what="the lists read")
        said = _words(app)
        assert "You own no object yet: the objects you create (2, then n) are yours." in said
        assert "Nobody granted you rights: an object's owner grants them (g on the objects screen)." in said


async def test_an_empty_radar_says_why(sandbox_console):
    app = sandbox_console
    async with app.run_test(size=(80, 24)) as pilot:
        await _on(pilot, "7", "RadarScreen")
        await wait_until(pilot, lambda: "checked" in _words(app), what="the scan")
        assert "Nothing to do: you see no object on this server (n on the objects screen creates one)." in _words(app)
        await app.services.client.create_symmetric_key("AES", 256, name="fine")
        await pilot.press("r")
        await wait_until(pilot, lambda: "1 checked" in _words(app), what="the second scan")
        await pilot.pause()
        assert "Nothing to do: of the 1 object checked, none expires" in _words(app)


async def test_an_empty_audit_trail_says_what_will_appear(console_factory):
    app = console_factory()  # no profile: the trail has no row yet
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("escape", "3")
        await wait_until(pilot, lambda: "No audit rows yet" in _words(app), what="the audit screen")
        assert "No audit rows yet: what you do here and with kms-tui commands appears here, newest first." in _words(
            app
        )
        assert "0 of 0" not in _words(app)
        await pilot.press("6")  # not connected: the access lists were never read, so they say nothing
        await wait_until(pilot, lambda: "Not connected" in _words(app), what="the access screen")
        assert "You own no object" not in _words(app) and "Nobody granted you" not in _words(app)
