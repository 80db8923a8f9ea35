"""A profile marked production (settings.toml): the red banner, read-only until write mode is
switched on for the session (ctrl+g and the profile's name), the name typed again before each
destructive action; and the headless side: `profile mark`, writes refused without --yes."""

from __future__ import annotations

import json

from textual.widgets import Input

from kms_tui import cli
from kms_tui.config import ProfileStore
from kms_tui.tui.modals.production import ProductionConfirmModal
from tests.tui.helpers import text_of, wait_until
from tests.tui.objects_helpers import notices, open_objects, reload, submit_form


def active_profile(name: str, url: str, *, production: bool) -> None:
    store = ProfileStore()
    store.create(name, url)
    store.set_active(name)
    if production:
        assert cli.main(["profile", "mark", name, "--production"]) == 0


def production_profile(name: str, url: str) -> None:
    active_profile(name, url, production=True)


def test_production_banner_snapshot(snap_compare, console_factory, snapshot_sandbox):
    production_profile("prod-eu", snapshot_sandbox.url)
    app = console_factory(theme="ansi-dark")  # 16 colours: the banner is the terminal's own red

    async def ready(pilot):
        await wait_until(pilot, lambda: pilot.app.whoami_data is not None, what="whoami")
        await pilot.pause()

    assert snap_compare(app, run_before=ready, terminal_size=(80, 24))


async def test_production_is_read_only_until_write_mode_then_asks_the_name_to_destroy(console_factory, sandbox):
    production_profile("live", sandbox.url)
    app = console_factory()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await open_objects(pilot)
        header = text_of(app, "#header-title")
        assert header == "PRODUCTION live"
        assert app.read_only and "READ-ONLY" in text_of(app, "#header-badges")
        client = app.services.client
        uid = await client.create_symmetric_key("AES", 256)  # (the test's own write, not the console's)
        await client.revoke(uid, "Superseded")
        await reload(pilot, screen)
        screen.table.select_uid(uid)
        await pilot.press("d")  # refused: the profile is read-only, the toast says how to write
        await pilot.pause()
        assert not isinstance(app.screen, ProductionConfirmModal) and "Destroy" not in type(app.screen).__name__
        assert any("ctrl+g switches to write mode" in n for n in notices(app))

        await pilot.press("ctrl+g")  # write mode: the profile's name, typed
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ProductionConfirmModal)
        await pilot.press(*"prod", "enter")  # not the name: stays read-only
        await pilot.pause()
        assert app.screen is modal and "Type live exactly" in str(modal.query_one("#production-problem").render())
        modal.query_one("#production-name", Input).value = "live"
        await pilot.press("enter")
        await pilot.pause()
        assert not app.read_only and "WRITE MODE" in text_of(app, "#header-title")

        await pilot.press("d")
        destroy = app.screen
        destroy.query_one("#destroy-confirm", Input).value = uid[:6]
        await submit_form(pilot)
        again = app.screen
        assert isinstance(again, ProductionConfirmModal)  # the name once more, before anything is sent
        assert (await client.get_attributes(uid))["State"] == "Deactivated"
        again.query_one("#production-name", Input).value = "live"
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.table.get_row(uid).state == "Destroyed", what="destroyed")

        await pilot.press("ctrl+g")  # again: back to read-only, no question
        await pilot.pause()
        assert app.read_only and text_of(app, "#header-title") == "PRODUCTION live"
        assert "READ-ONLY" in text_of(app, "#header-badges")


async def test_write_mode_key_shows_only_on_a_production_profile(console_factory, sandbox):
    active_profile("staging", sandbox.url, production=False)
    app = console_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.whoami_data is not None, what="whoami")
        assert not app.check_action("write_mode", ())  # hidden from the footer, and the banner absent
        assert text_of(app, "#header-title") == "kms-tui" and not app.read_only


def test_headless_writes_on_a_production_profile_need_yes(sandbox, capsys):
    production_profile("live", sandbox.url)
    capsys.readouterr()
    assert cli.main(["create", "aes", "--profile", "live"]) == 3
    err = capsys.readouterr().err
    assert "profile live is marked production" in err and "--yes" in err
    assert cli.main(["locate", "--profile", "live"]) == 0  # reads need nothing
    capsys.readouterr()
    assert cli.main(["profile", "list", "--json"]) == 0
    assert [p["production"] for p in json.loads(capsys.readouterr().out)["profiles"] if p["name"] == "live"] == [True]
    assert cli.main(["create", "aes", "--profile", "live", "--yes"]) == 0
    assert cli.main(["profile", "mark", "live", "--no-production"]) == 0
    assert cli.main(["create", "aes", "--profile", "live"]) == 0
    assert "production" not in ProfileStore().load("live").text  # never in the ckms.toml ckms reads
