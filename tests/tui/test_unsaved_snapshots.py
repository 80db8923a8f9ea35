"""The 'Discard changes?' question over the config editor, at 80×24 and 60×20 (it must fit both).

Update after reviewing with ``pytest tests/tui/test_unsaved_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import pytest

from kms_tui.config import ProfileStore
from kms_tui.server.rest import ENV_VERSION
from tests.tui.console_helpers import open_editor
from tests.tui.scenes import SANDBOX_VERSION

SIZES = [(80, 24), (60, 20)]


@pytest.fixture(autouse=True)
def _pinned_sandbox_version(monkeypatch):
    monkeypatch.setenv(ENV_VERSION, SANDBOX_VERSION)


async def edited_then_quit(pilot) -> None:
    await open_editor(pilot)  # types "# mine" at the top
    await pilot.press("ctrl+q")
    await pilot.pause(0.5)


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_discard_question(snap_compare, console_factory, snapshot_sandbox, size):
    store = ProfileStore()
    store.create("prod-eu", snapshot_sandbox.url)
    store.set_active("prod-eu")
    assert snap_compare(console_factory(), run_before=edited_then_quit, terminal_size=size)
