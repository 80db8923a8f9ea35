"""Steps of the export dialog shared by the transfer tests."""

from __future__ import annotations

from textual.widgets import Input, Select

from kms_tui.tui.modals.confirm import ConfirmationModal
from kms_tui.tui.transfer.export_dialog import ExportModal
from tests.tui.conftest import settle


async def _export_dialog_for(pilot, screen, uid: str, fmt: str, name: str) -> ExportModal:
    """Open ``e`` on ``uid`` with ``fmt`` chosen and the file named ``name``."""
    screen.table.select_uid(uid)
    await pilot.press("e")
    await settle(pilot)
    modal = pilot.app.screen
    assert isinstance(modal, ExportModal)
    modal.query_one("#export-format", Select).value = fmt
    await pilot.pause()
    modal.query_one("#export-path", Input).value = name
    return modal


async def _question_after_submit(pilot) -> str:
    await pilot.press("ctrl+s")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ConfirmationModal)
    return str(pilot.app.screen.query_one("#confirm-question").render())
