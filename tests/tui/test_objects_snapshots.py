"""Snapshots of the objects screen and its modals at 80×24 and 120×40.

The console runs on a real (empty) sandbox; the rows shown are a listing recorded from a
sandbox (``RECORDED``: the shape ``KmsClient.list_objects`` returns) with fixed ids and dates,
fed through the same parsing code as a live load, so every run draws the same screen.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from tests.tui.conftest import SIZES, settle
from tests.tui.scenes import _objects_with_rows

pytestmark = pytest.mark.usefixtures("utc_local_time")  # dates drawn in UTC: the same on every machine


def _shot(**steps):
    """A run_before that opens the objects screen, then does ``steps`` (keys or a callable)."""

    async def run_before(pilot):
        screen = await _objects_with_rows(pilot, rows=steps.get("rows", True))
        action = steps.get("then")
        if action is not None:
            await action(pilot, screen)
        await pilot.pause()

    return run_before


async def _filtered(pilot, screen):
    await pilot.press("slash")
    screen.query_one("#filter-text", Input).value = "prod !public"
    await pilot.press("enter")


async def _detail(pilot, screen):
    await pilot.press("enter")
    await settle(pilot)  # the access-rights section asks the server in a worker


async def _server_filters(pilot, screen):
    await pilot.press("f")


def _modal(key):
    async def open_modal(pilot, screen):
        await pilot.press(key)
        await pilot.pause()

    return open_modal


CASES = {
    "empty": _shot(rows=False),
    "loaded": _shot(),
    "filtered": _shot(then=_filtered),
    "server_filters": _shot(then=_server_filters),
    "detail": _shot(then=_detail),
    "create": _shot(then=_modal("n")),
    "revoke": _shot(then=_modal("v")),
    "destroy_active": _shot(then=_modal("d")),
    "export": _shot(then=_modal("e")),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("case", list(CASES))
def test_objects_screen(case, size, snap_compare, sandbox_console):
    assert snap_compare(sandbox_console, run_before=CASES[case], terminal_size=size)
