"""Snapshots at 80×24 of the create dialog for secret data (value typed, shown as dots) and of the
detail pane of a secret (value masked). The rows are the recorded listing of
``test_objects_snapshots`` plus a recorded SecretData."""

from __future__ import annotations

import copy

import pytest
from textual.widgets import Input, Select

from kms_tui.tui.modals.create_key import KEY_KINDS
from tests.tui import test_objects_snapshots as objects_snapshots
from tests.tui.conftest import settle

RECORDED, _key = objects_snapshots.RECORDED, objects_snapshots._key
utc_local_time = objects_snapshots.utc_local_time  # the fixture: dates drawn in UTC

SECRET = "5ec2e7da-7a00-4b1e-9c3d-000000000042"
RECORDED_SECRET = {**_key(SECRET, "SecretData", None, None, 1051136, "Raw", "Active", 4, ["_sd", "db"],
                          ["db-password"]), "CryptographicAlgorithm": None, "CryptographicLength": None}
TYPED = "typed-but-never-drawn"


async def _with_secret(pilot):
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)
    screen = pilot.app.screen
    recorded = copy.deepcopy(RECORDED + [RECORDED_SECRET])
    recorded[-1] = {k: v for k, v in recorded[-1].items() if v is not None}
    objects_snapshots.add_recorded(pilot, screen, recorded)
    screen._show_counts()
    screen.table.select_uid(SECRET)
    await pilot.pause()
    return screen


async def _create_secret(pilot):
    await _with_secret(pilot)
    await pilot.press("n")
    await pilot.pause()
    modal = pilot.app.screen
    modal.query_one("#create-kind", Select).value = next(i for i, k in enumerate(KEY_KINDS)
                                                         if k.label == "Secret data: password")
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
