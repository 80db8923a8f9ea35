"""Pilot tests of tag editing in the object browser (T) against a real sandbox: the row shows the
new tags in place, the server finds the object by them, read-only mode refuses."""

from __future__ import annotations

from textual.widgets import Input

from kms_tui.client.requests import LocateFilter
from tests.tui.conftest import settle
from tests.tui.objects_helpers import notices, open_objects, reload


async def _edit_tags(pilot, text: str) -> None:
    await pilot.press("T")
    await pilot.pause()
    modal = pilot.app.screen
    assert type(modal).__name__ == "TagsModal", modal
    modal.query_one("#tags-input", Input).value = text
    await pilot.press("enter")
    await settle(pilot)


async def test_tags_added_and_removed_update_the_row_in_place(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        client = pilot.app.services.client
        uid = await client.create_symmetric_key("AES", 256, tags=("keep",))
        other = await client.create_symmetric_key("AES", 256)
        await reload(pilot, screen)
        assert screen.table.select_uid(uid)
        await _edit_tags(pilot, "keep, blue, green")
        assert type(pilot.app.screen).__name__ == "ObjectsScreen"  # no error modal
        row = screen.table.current
        assert row.uid == uid and row.tags == ("blue", "green", "keep")
        assert screen.table.total == 2  # updated in place, not added
        assert await client.locate(LocateFilter(tags=("blue",))) == [uid]
        assert any("Tags of" in n and "blue" in n for n in notices(pilot.app))

        await _edit_tags(pilot, "green")
        assert screen.table.current.tags == ("green",)
        assert await client.locate(LocateFilter(tags=("blue",))) == []
        assert screen.table.get_row(other).tags == ()


async def test_a_reserved_tag_is_refused_in_the_form(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        uid = await pilot.app.services.client.create_symmetric_key("AES", 256)
        await reload(pilot, screen)
        assert screen.table.select_uid(uid)
        await _edit_tags(pilot, "_kk")
        modal = pilot.app.screen
        assert type(modal).__name__ == "TagsModal"  # still open, saying why
        assert "may not start with '_'" in str(modal.query_one("#tags-problem").render())


async def test_read_only_refuses_tag_changes(console_factory, sandbox_conf):
    app = console_factory(conf=sandbox_conf, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        await pilot.press("T")
        await pilot.pause()
        assert pilot.app.screen is screen  # no form
        assert any("read-only" in n.lower() for n in notices(pilot.app))
