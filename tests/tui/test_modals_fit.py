"""Every dialog fits at 60×20 and 80×24 (issue 11): what does not fit scrolls, and each field and
button can be reached with the keyboard and is on screen when it has the focus."""

from __future__ import annotations

import pytest
from textual.widgets import Button

from tests.tui.conftest import settle
from tests.tui.dialogs import DIALOGS

SIZES = [(60, 20), (80, 24)]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("name", list(DIALOGS))
async def test_every_dialog_fits_and_each_control_is_reachable_on_screen(sandbox_console, tmp_path, name, size):
    app = sandbox_console
    width, height = size
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        dialog = DIALOGS[name](tmp_path)
        app.push_screen(dialog)
        await pilot.pause()
        await pilot.pause()
        assert app.screen is dialog
        chain = list(dialog.focus_chain)
        buttons = list(dialog.query(Button))
        for button in buttons:  # every button can be reached with tab
            assert button in chain, f"{name}: button {button.label!s} cannot get the focus"
        if not chain:  # nothing to focus (a message): the dialog itself fits and closes on a key
            assert dialog.region.right <= width and dialog.region.bottom <= height
            return
        for _turn in range(len(chain)):
            await pilot.press("tab")
            await pilot.pause()
            focused = dialog.focused
            assert focused is not None, f"{name}: tab leaves no control with the focus"
            region = focused.region
            # the control with the focus is scrolled into view: it shows at least a line on screen
            assert region.height > 0 and region.width > 0, f"{name}: {focused!r} has the focus but is not shown"
            assert 0 <= region.y and region.y < height and 0 <= region.x and region.x < width, (
                f"{name}: {focused!r} has the focus at {region} outside {width}×{height}"
            )
