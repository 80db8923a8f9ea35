"""Snapshots at 80×24 and 60×20 (issue 11): help, the dialogs, the audit view with and without a
row's detail, a key and its public key with long states, and a filter that hides every row.

The server is a real sandbox on the fixed snapshot port; the audit rows are written to the trail
before the console starts, with fixed times and durations, so the pictures are the same on every
machine. Review snapshot_report.html before ``--snapshot-update``."""

from __future__ import annotations

from pathlib import Path

import pytest

from kms_tui.audit.trail import AuditEntry, AuditTrail
from kms_tui.config import ProfileStore
from kms_tui.server.rest import ENV_VERSION
from kms_tui.tui.modals.audit_entry import AuditEntryModal
from tests.tui.dialogs import DIALOGS
from tests.tui.helpers import wait_until

FIT = [(80, 24), (60, 20)]
FIT_IDS = [f"{w}x{h}" for w, h in FIT]
SANDBOX_VERSION = "5.26.0 (OpenSSL 3.0.19 27 Jan 2026-non-FIPS)"
UID = "dda84093-0335-46e4-9d7b-5c1e6a2bf90e"


@pytest.fixture(autouse=True)
def _pinned_sandbox_version(monkeypatch):
    monkeypatch.setenv(ENV_VERSION, SANDBOX_VERSION)


@pytest.fixture
def fit_app(console_factory, snapshot_sandbox):
    store = ProfileStore()
    store.create("prod-eu", snapshot_sandbox.url)
    store.set_active("prod-eu")
    return console_factory()


def _audit_rows() -> None:
    trail = AuditTrail()
    rows = [
        AuditEntry(
            "Create",
            "ok",
            [UID],
            duration_ms=41,
            profile="prod-eu",
            user="admin",
            time="2026-01-15T09:30:01.000+00:00",
            os_user="ops",
        ),
        AuditEntry(
            "RequestMessage[GetAttributes×4]",
            "ok",
            [UID] * 4,
            duration_ms=12,
            profile="prod-eu",
            user="admin",
            time="2026-01-15T09:30:02.000+00:00",
            os_user="ops",
        ),
        AuditEntry(
            "Revoke",
            "ok",
            [UID],
            duration_ms=18,
            profile="prod-eu",
            user="admin",
            os_user="ops",
            details={"reason": "KeyCompromise", "message": "laptop stolen in Lyon"},
            time="2026-01-15T09:31:00.000+00:00",
        ),
        AuditEntry(
            "Destroy",
            "refused",
            [UID + "_pk"],
            error_reason="Item_Not_Found: no such object",
            duration_ms=9,
            profile="prod-eu",
            user="admin",
            time="2026-01-15T09:32:00.000+00:00",
            os_user="ops",
        ),
        AuditEntry(
            "Locate",
            "failed",
            [],
            error_reason="connection refused by 127.0.0.1:9998",
            duration_ms=3,
            profile="prod-eu",
            time="2026-01-15T09:33:00.000+00:00",
            os_user="ops",
        ),
    ]
    for row in rows:
        trail.record(row)
    trail.close()


async def _connected(pilot) -> None:
    await wait_until(pilot, lambda: pilot.app.whoami_data is not None, what="whoami")
    await pilot.pause()


def _help(key: str):
    async def run_before(pilot) -> None:
        await _connected(pilot)
        await pilot.press(key)
        await pilot.pause(0.3)
        await pilot.press("f1")
        await pilot.pause(0.3)

    return run_before


HELP = {"whoami": "1", "objects": "2", "audit": "3"}


@pytest.mark.parametrize("size", FIT, ids=FIT_IDS)
@pytest.mark.parametrize("screen", list(HELP))
def test_help(snap_compare, fit_app, screen, size):
    assert snap_compare(fit_app, run_before=_help(HELP[screen]), terminal_size=size)


SHOWN_DIALOGS = [
    "create-key",
    "revoke",
    "destroy",
    "grant",
    "revoke-rights",
    "tags",
    "attributes",
    "certify",
    "confirm",
    "error",
    "audit-entry",
    "prompt",
    "discard",
]


@pytest.mark.parametrize("size", FIT, ids=FIT_IDS)
@pytest.mark.parametrize("name", SHOWN_DIALOGS)
def test_dialog(snap_compare, fit_app, name, size, tmp_path):
    async def run_before(pilot) -> None:
        await _connected(pilot)
        await pilot.press("2")
        await pilot.pause(0.3)
        pilot.app.push_screen(DIALOGS[name](Path(tmp_path)))
        await pilot.pause(0.3)

    assert snap_compare(fit_app, run_before=run_before, terminal_size=size)


@pytest.mark.parametrize("size", FIT, ids=FIT_IDS)
@pytest.mark.parametrize("detail", [False, True], ids=["list", "detail"])
def test_audit_view(snap_compare, fit_app, detail, size, monkeypatch):
    _audit_rows()
    # the console's own calls at start (whoami's rights) would add rows with this minute's time
    monkeypatch.setattr(AuditTrail, "record", lambda self, entry: None)

    async def run_before(pilot) -> None:
        await _connected(pilot)
        await pilot.press("3")
        await pilot.pause(0.5)
        if detail:
            screen = pilot.app.screen
            screen.query_one("#audit-table").focus()
            await pilot.pause()
            # the revoke row: its reason and message are in the detail
            for _ in range(5):
                if "Revoke" in str(
                    screen.query_one("#audit-table").get_row_at(screen.query_one("#audit-table").cursor_row)
                ):
                    break
                await pilot.press("down")
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, AuditEntryModal), what="detail")
            await pilot.pause()

    assert snap_compare(fit_app, run_before=run_before, terminal_size=size)


# -- the objects screen: key pairs, long states, and a filter that hides every row -----------------


async def _pairs_and_long_states(pilot):
    import copy

    from tests.tui.scenes import RECORDED, SK, _key, _objects_with_rows, add_recorded

    screen = await _objects_with_rows(pilot)
    gone = "9f8e7d6c-5b4a-4321-8fed-cba987654321"
    extra = [
        _key(
            gone,
            "PrivateKey",
            "RSA",
            4096,
            2601,
            "TransparentRSAPrivateKey",
            "Destroyed_Compromised",
            4,
            ["_sk"],
            ["leaked"],
            [("PublicKeyLink", gone + "_pk")],
        ),
        _key(
            gone + "_pk",
            "PublicKey",
            "RSA",
            4096,
            2582,
            "TransparentRSAPublicKey",
            "Destroyed_Compromised",
            4,
            ["_pk"],
            (),
            [("PrivateKeyLink", gone)],
        ),
    ]
    add_recorded(pilot, screen, copy.deepcopy(extra))
    screen._show_counts()
    screen.table.select_uid(SK)
    assert len(RECORDED) + 2 == screen.table.total
    await pilot.pause()
    return screen


async def _hidden_by_filter(pilot):
    from textual.widgets import Input

    screen = await _pairs_and_long_states(pilot)
    await pilot.press("slash")
    screen.query_one("#filter-text", Input).value = "xyz"
    await pilot.press("enter")
    await pilot.pause()


@pytest.mark.parametrize("size", FIT, ids=FIT_IDS)
@pytest.mark.parametrize("case", ["pairs_long_states", "empty_filter"])
def test_objects(snap_compare, sandbox_console, utc_local_time, case, size):
    steps = {"pairs_long_states": _pairs_and_long_states, "empty_filter": _hidden_by_filter}[case]
    assert snap_compare(sandbox_console, run_before=steps, terminal_size=size)
