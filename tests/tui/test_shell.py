"""The app shell: onboarding on first start, F1 help, read-only badge, error modal, palette."""

from __future__ import annotations

from textual.widgets import Static

from kms_tui.tui.modals.confirm import ConfirmationModal
from kms_tui.tui.modals.error import ErrorModal
from kms_tui.tui.screens.help import HelpScreen
from kms_tui.tui.screens.onboarding import OnboardingScreen


async def test_first_start_without_profile_opens_onboarding_with_sandbox_first(console_factory):
    app = console_factory()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.screen, OnboardingScreen)
        choices = app.screen.query_one("#onboarding-choices")
        assert choices.highlighted == 0
        assert "sandbox" in str(choices.get_option_at_index(0).prompt).lower()


async def test_f1_lists_the_bindings_of_the_current_screen_with_their_ids(console_factory):
    app = console_factory()
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("escape")  # leave onboarding: the whoami screen is underneath
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        ids = {row[3] for row in app.screen.rows}
        assert "whoami-refresh" in ids and "help" in ids
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_read_only_shows_a_badge_in_the_header(console_factory):
    app = console_factory(read_only=True)
    async with app.run_test() as pilot:
        await pilot.press("escape")
        await pilot.pause()
        assert "READ-ONLY" in str(app.screen.query_one("#header-badges", Static).render())


async def test_error_modal_shows_message_and_fix(console_factory):
    class Refused(Exception):
        message = "Object 1234 was not found"
        fix = "Check the id with `kms-tui objects list`."

    app = console_factory()
    async with app.run_test() as pilot:
        await pilot.pause()
        app.report_error(Refused(), destructive=True)
        await pilot.pause()
        assert isinstance(app.screen, ErrorModal)
        assert "not found" in str(app.screen.query_one("#error-message", Static).render())
        assert "kms-tui objects list" in str(app.screen.query_one("#error-fix", Static).render())
        await pilot.press("enter")
        assert not isinstance(app.screen, ErrorModal)


async def test_confirmation_defaults_to_cancel(console_factory):
    app = console_factory()
    answers: list[bool] = []
    async with app.run_test() as pilot:
        await pilot.pause()
        app.push_screen(ConfirmationModal("Destroy key k1?"), answers.append)
        await pilot.pause()
        await pilot.press("enter")  # focus starts on Cancel
        await pilot.pause()
        app.push_screen(ConfirmationModal("Destroy key k1?"), answers.append)
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    assert answers == [False, True]


async def test_settings_remap_keys_by_id_and_pick_the_theme(console_factory, sandbox):
    from kms_tui.config import ProfileStore, Settings
    from kms_tui.tui.screens.profiles import ProfilesScreen
    from tests.tui.helpers import wait_until

    store = ProfileStore()
    store.create("alpha", sandbox.url)
    store.save_settings(Settings(active_profile="alpha", theme="ansi-light", keymap={"go-profiles": "p"}))
    app = console_factory(discover_user_config=True, theme=None)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.whoami_data is not None, what="whoami")
        assert app.theme == "ansi-light"
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ProfilesScreen)


async def test_a_broken_settings_file_is_reported_and_the_console_runs(console_factory):
    from kms_tui import paths

    (paths.config_dir() / "settings.toml").write_text("theme = [\n")
    app = console_factory(discover_user_config=True)
    async with app.run_test(notifications=True) as pilot:
        await pilot.pause(0.5)
        assert isinstance(app.screen, OnboardingScreen)
        assert any("settings.toml" in n.message or "profile" in (n.title or "").lower() for n in app._notifications)


async def test_header_warns_when_certificates_are_not_verified(console_factory, sandbox, tmp_path):
    from tests.tui.helpers import text_of, wait_until

    conf = tmp_path / "insecure.toml"
    conf.write_text(f'[http_config]\nserver_url = "{sandbox.url}"\naccept_invalid_certs = true\n')
    app = console_factory(conf=conf)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.whoami_data is not None, what="whoami")
        assert "TLS NOT VERIFIED" in text_of(app, "#header-badges")
        assert "insecure · admin" in text_of(app, "#header-identity")
