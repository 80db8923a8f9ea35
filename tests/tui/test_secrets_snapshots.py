"""Snapshots at 80×24 of the create dialog for secret data (value typed, shown as dots) and of the
detail pane of a secret (value masked). The rows are the recorded listing of
``test_objects_snapshots`` plus a recorded SecretData."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Select

from kms_tui.tui.modals.create_key import KEY_KINDS
from tests.tui.conftest import settle
from tests.tui.scenes import _with_secret

pytestmark = pytest.mark.usefixtures("utc_local_time")  # dates drawn in UTC

TYPED = "typed-but-never-drawn"


async def _create_secret(pilot):
    await _with_secret(pilot)
    await pilot.press("n")
    await pilot.pause()
    modal = pilot.app.screen
    modal.query_one("#create-kind", Select).value = next(
        i for i, k in enumerate(KEY_KINDS) if k.label == "Secret data: password"
    )
    modal.query_one("#create-value", Input).value = TYPED
    modal.query_one("#create-name", Input).focus()
    await pilot.pause()


async def _secret_detail(pilot):
    await _with_secret(pilot)
    await pilot.press("enter")
    await settle(pilot)


@pytest.mark.parametrize("case", ["create_secret", "secret_detail"])
def test_secret_snapshots(case, snap_compare, sandbox_console):
    run_before = {"create_secret": _create_secret, "secret_detail": _secret_detail}[case]
    assert snap_compare(sandbox_console, run_before=run_before, terminal_size=(80, 24))
