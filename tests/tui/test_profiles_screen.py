"""The profiles screen: list, duplicate, rename, delete (confirmed), set active, export."""

from __future__ import annotations

import tomllib

from textual.widgets import DataTable, Input

from kms_tui.config import ProfileStore
from kms_tui.tui.modals.confirm import ConfirmationModal
from kms_tui.tui.modals.prompt import PromptModal
from tests.tui.helpers import table_rows, wait_until


def seed(sandbox, *names: str) -> ProfileStore:
    store = ProfileStore()
    for name in names:
        store.create(name, sandbox.url)
    store.set_active(names[0])
    return store


async def open_profiles(pilot):
    await wait_until(pilot, lambda: pilot.app.whoami_data is not None, what="whoami")
    await pilot.press("4")
    await pilot.pause()
    return pilot.app.screen.query_one("#profiles-table", DataTable)


async def answer(pilot, text: str) -> None:
    assert isinstance(pilot.app.screen, PromptModal)
    pilot.app.screen.query_one(Input).value = text
    await pilot.press("enter")
    await pilot.pause()


async def test_list_shows_server_method_and_status(console_factory, sandbox):
    seed(sandbox, "alpha", "beta")
    app = console_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        table = await open_profiles(pilot)
        rows = table_rows(table)
        assert [r[0] for r in rows] == ["alpha", "beta"]
        assert rows[0][1] == sandbox.url and rows[0][2] == "no sign-in"
        assert rows[0][3] == "active, connected" and rows[1][3] == ""


async def test_duplicate_rename_and_delete_with_confirmation(console_factory, sandbox):
    store = seed(sandbox, "alpha", "beta")
    app = console_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        table = await open_profiles(pilot)
        await pilot.press("c")  # duplicate alpha
        await answer(pilot, "alpha-eu")
        assert "alpha-eu" in [r[0] for r in table_rows(table)]
        await pilot.press("j", "j")  # vim keys: down to beta
        await pilot.press("R")
        await answer(pilot, "alpha")  # taken: refused in place
        assert isinstance(app.screen, PromptModal) and "taken" in str(app.screen.query_one("#prompt-problem").render())
        await answer(pilot, "gamma")
        assert sorted(r[0] for r in table_rows(table)) == ["alpha", "alpha-eu", "gamma"]  # beta renamed
        table.move_cursor(row=[r[0] for r in table_rows(table)].index("gamma"))
        await pilot.press("D")
        assert isinstance(app.screen, ConfirmationModal)
        await pilot.press("escape")  # cancel keeps it
        assert store.exists("gamma")
        await pilot.press("D", "y")
        await pilot.pause()
        assert not store.exists("gamma")
        assert sorted(r[0] for r in table_rows(table)) == ["alpha", "alpha-eu"]


async def test_enter_makes_a_profile_active_and_connects(console_factory, sandbox):
    store = seed(sandbox, "alpha", "beta")
    app = console_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_profiles(pilot)
        await pilot.press("down", "enter")
        await wait_until(
            pilot, lambda: app.services is not None and app.services.profile_name == "beta", what="beta connected"
        )
        assert store.active() == "beta"
        assert "beta" in str(app.screen.query_one("#header-identity").render())


async def test_export_writes_a_ckms_toml(console_factory, sandbox, tmp_path):
    seed(sandbox, "alpha")
    app = console_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_profiles(pilot)
        await pilot.press("x")
        await answer(pilot, str(tmp_path / "out" / "ckms.toml"))
    assert tomllib.loads((tmp_path / "out" / "ckms.toml").read_text())["http_config"]["server_url"] == sandbox.url


async def test_a_broken_profile_is_listed_with_its_problem_and_does_not_crash(console_factory, sandbox):
    store = seed(sandbox, "alpha")
    store.dir.mkdir(parents=True, exist_ok=True)
    (store.dir / "broken.toml").write_text("[http_config\nserver_url = 1\n")
    app = console_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        table = await open_profiles(pilot)
        broken = [r for r in table_rows(table) if r[0] == "broken"][0]
        assert "unreadable" in broken[3]
        await pilot.press("down", "enter")  # using it fails with a message, the console stays
        await pilot.pause()
        assert app.services.profile_name == "alpha"
