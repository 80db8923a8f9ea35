"""Snapshots of sorting by a column's own key (issue 11): the objects screen sorted by name, then
reversed (the header's arrow), and F1 help scrolled to the sort keys at 80×24 and 60×20."""

from __future__ import annotations

import pytest

from kms_tui.tui.screens.help import HelpScreen
from tests.tui.helpers import wait_until
from tests.tui.rendered import screen_text
from tests.tui.scenes import _objects_with_rows

pytestmark = pytest.mark.usefixtures("utc_local_time")  # the dates in UTC

HELP_SIZES = [(80, 24), (60, 20)]


async def _sorted_by_name_descending(pilot):
    await _objects_with_rows(pilot)
    await pilot.press("M", "M")  # naMe ascending, again: descending
    await pilot.pause()


async def _help_at_the_sort_keys(pilot):
    await _objects_with_rows(pilot)
    await pilot.press("f1")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen), what="help")
    await pilot.pause()
    for _line in range(200):  # down to where the sort keys are listed
        if "[objects.sort-created]" in screen_text(pilot.app):
            break
        await pilot.press("down")
    await pilot.pause()


def test_objects_sorted_by_name_descending(snap_compare, sandbox_console):
    assert snap_compare(sandbox_console, run_before=_sorted_by_name_descending, terminal_size=(80, 24))


@pytest.mark.parametrize("size", HELP_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_objects_help_lists_the_sort_keys(size, snap_compare, sandbox_console):
    assert snap_compare(sandbox_console, run_before=_help_at_the_sort_keys, terminal_size=size)
