"""Onboarding: the sandbox (default), connecting to a server, importing a ckms.toml."""

from __future__ import annotations

import os

import psutil
from textual.widgets import Button, Input

from kms_tui.config import ProfileStore
from kms_tui.tui.modals.error import ErrorModal
from kms_tui.tui.screens.connect import ConnectScreen
from kms_tui.tui.screens.import_ckms import ImportScreen
from kms_tui.tui.screens.onboarding import OnboardingScreen
from kms_tui.tui.screens.signin_form import SignInFormScreen
from kms_tui.tui.screens.whoami import WhoAmIScreen
from tests.tui.helpers import text_of, wait_until, whoami_value


async def test_enter_on_first_start_runs_the_sandbox_and_shows_admin(console_factory, tmp_path):
    app = console_factory()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.screen, OnboardingScreen)
        await pilot.press("enter")  # the sandbox is the default choice
        await wait_until(pilot, lambda: app.whoami_data is not None, what="whoami")
        assert isinstance(app.screen, WhoAmIScreen)
        assert whoami_value(app, "Effective user") == "admin"
        assert "sandbox · admin" in text_of(app, "#header-identity")
        child = app.sandbox.pid
        assert psutil.pid_exists(child)
    assert not psutil.pid_exists(child) or psutil.Process(child).status() == psutil.STATUS_ZOMBIE
    store = ProfileStore()
    assert store.active() == "sandbox"
    assert (tmp_path / "console-sandbox.sqlite").exists()  # kept for next time


async def test_sandbox_flag_starts_straight_on_the_sandbox(console_factory):
    app = console_factory(sandbox=True)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.whoami_data is not None, what="whoami")
        assert not isinstance(app.screen, OnboardingScreen)
        assert whoami_value(app, "Effective user") == "admin"
        assert app.services.server_url.startswith("http://127.0.0.1:")


async def test_connect_to_a_server_checks_it_then_sets_up_sign_in(console_factory, sandbox):
    app = console_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("down", "enter")  # "Connect to a server"
        assert isinstance(app.screen, ConnectScreen)
        app.screen.query_one("#connect-url", Input).value = sandbox.url
        app.screen.query_one("#connect-url", Input).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: not app.screen.query_one("#connect-next", Button).disabled, what="check")
        result = text_of(app, "#connect-result")
        assert "answers" in result and "5.26" in result and "UP" in result
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, SignInFormScreen)
        assert app.screen.query_one("#f-name", Input).value == "127-0-0-1"
        await pilot.press("ctrl+s")  # method None: the sandbox needs no sign-in
        await wait_until(pilot, lambda: app.whoami_data is not None, what="whoami")
        assert whoami_value(app, "Effective user") == "admin"
        assert ProfileStore().active() == "127-0-0-1"


async def test_an_unreachable_server_shows_the_clients_message_and_fix(console_factory, unused_tcp_port):
    app = console_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("down", "enter")
        app.screen.query_one("#connect-url", Input).value = f"http://127.0.0.1:{unused_tcp_port}"
        app.screen.query_one("#connect-url", Input).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: "✗" in text_of(app, "#connect-result"), what="failed check")
        result = text_of(app, "#connect-result")
        assert "What to do:" in result
        assert app.screen.query_one("#connect-next", Button).disabled


async def test_a_discovered_ckms_toml_is_imported_and_opened(console_factory, sandbox):
    conf = os.path.join(os.environ["HOME"], ".cosmian", "ckms.toml")
    os.makedirs(os.path.dirname(conf))
    with open(conf, "w") as handle:
        handle.write(f'# mine\n[http_config]\nserver_url = "{sandbox.url}"\n')
    app = console_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("down", "down", "enter")
        assert isinstance(app.screen, ImportScreen)
        await pilot.press("enter")  # the discovered file is first
        await wait_until(pilot, lambda: app.whoami_data is not None, what="whoami")
        assert whoami_value(app, "Effective user") == "admin"
        assert whoami_value(app, "Profile") == "cosmian"
    assert ProfileStore().load("cosmian").text.startswith("# mine")  # copied byte for byte


async def test_an_invalid_ckms_toml_is_refused_with_its_line(console_factory):
    conf = os.path.join(os.environ["HOME"], ".cosmian", "ckms.toml")
    os.makedirs(os.path.dirname(conf))
    with open(conf, "w") as handle:
        handle.write('[http_config]\nserver_url = "https://kms:9998"\ntls_client_pkcs12_path = "/x.p12"\n')
    app = console_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("down", "down", "enter", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ErrorModal)
        assert "line 3" in text_of(app, "#error-message") or "line 3" in text_of(app, "#error-fix")
        assert app.services is None


async def test_leaving_the_first_welcome_screen_shows_whoami_not_connected(console_factory):
    app = console_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("down", "enter")  # "Connect to a server"
        assert isinstance(app.screen, ConnectScreen)
        await pilot.press("escape")  # back to the welcome screen
        await pilot.pause()
        assert isinstance(app.screen, OnboardingScreen)
        await pilot.press("escape")
        await wait_until(pilot, lambda: "Not connected yet" in text_of(app, "#whoami-status"), what="whoami")
        assert isinstance(app.screen, WhoAmIScreen)
        await pilot.press("ctrl+o", "escape")  # opened again later, it closes back onto whoami
        await pilot.pause()
        assert isinstance(app.screen, WhoAmIScreen)


async def test_ctrl_o_with_a_profile_closes_back_onto_the_screen_it_was_opened_on(sandbox_console):
    from kms_tui.tui.screens.profiles import ProfilesScreen

    app = sandbox_console
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.whoami_data is not None, what="whoami")
        assert isinstance(app.screen, WhoAmIScreen)  # with a profile, whoami is the first screen
        await pilot.press("4", "ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, OnboardingScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ProfilesScreen)
