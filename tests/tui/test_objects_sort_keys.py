"""One key per column sorts the objects (k9s's shift+letter habit), again reverses; the header's
arrow and the visible row order follow; o and O still cycle and reverse (issue 11, item 4)."""

from __future__ import annotations

from kms_tui.tui.objects.table import SORT_KEYS
from kms_tui.tui.screens.help import HelpScreen
from tests.tui.conftest import settle
from tests.tui.helpers import wait_until
from tests.tui.objects_helpers import open_objects, reload, status_text
from tests.tui.rendered import screen_text

NAMES = ["delta", "alpha", "charlie", "bravo"]


def _header(app) -> str:
    return next(line for line in screen_text(app).splitlines() if line.lstrip().startswith("ID"))


def _visible_names(app) -> list[str]:
    """The names in the order the table shows them on screen."""
    lines = screen_text(app).splitlines()
    return [name for line in lines for name in NAMES if f" {name} " in f" {line} "]


async def test_a_column_key_sorts_ascending_then_reverses_and_the_header_says_so(sandbox_console):
    app = sandbox_console
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_objects(pilot)
        for name, bits in zip(NAMES, (256, 128, 192, 256), strict=True):
            await app.services.client.create_symmetric_key("AES", bits, name=name)
        await reload(pilot, screen)
        assert screen.focused is screen.table

        await pilot.press("M")  # naMe: A to Z
        await pilot.pause()
        assert _visible_names(app) == sorted(NAMES)
        assert "Name ▲" in _header(app)
        await pilot.press("M")  # again: Z to A
        await pilot.pause()
        assert _visible_names(app) == sorted(NAMES, reverse=True)
        assert "Name ▼" in _header(app) and "▲" not in _header(app)

        await pilot.press("E")  # lEngth: smallest first, only one arrow in the header
        await pilot.pause()
        assert _visible_names(app)[:2] == ["alpha", "charlie"]
        header = _header(app)
        assert "Len… ▲" in header and "Name ▲" not in header and "Name ▼" not in header

        await pilot.press("O")  # O still reverses whichever column is sorted
        await pilot.pause()
        assert _visible_names(app)[-2:] == ["charlie", "alpha"]
        assert "▼" in _header(app)
        await pilot.press("o")  # o still moves to the next column, ascending
        await pilot.pause()
        assert screen.table.row_order.column == "state" and "State ▲" in _header(app)


async def test_sorting_by_a_column_off_screen_is_said_in_the_status_line(sandbox_console):
    app = sandbox_console
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_objects(pilot)
        for name in NAMES:
            await app.services.client.create_symmetric_key("AES", 128, name=name)
        await reload(pilot, screen)
        assert "Created" not in _header(app)  # 80 columns leave the creation date out
        assert "sorted by" not in status_text(screen)  # the default, newest first, goes unsaid
        await pilot.press("D")  # createD, again: oldest first
        await pilot.pause()
        assert screen.table.row_order.reverse is False
        assert "sorted by created ▲" in status_text(screen)
        await pilot.press("M")  # a column on screen: the header's arrow says it, the status does not
        await pilot.pause()
        assert "sorted by" not in status_text(screen)


async def test_help_lists_every_sort_key(sandbox_console):
    app = sandbox_console
    async with app.run_test(size=(80, 24)) as pilot:
        await open_objects(pilot)
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        await settle(pilot)
        ids = {row[3] for row in app.screen.rows}
        assert {f"objects.sort-{column}" for column in SORT_KEYS} <= ids
        keys = {row[3]: row[0] for row in app.screen.rows}
        assert keys["objects.sort-name"] == "M" and keys["objects.sort-tags"] == "#"
