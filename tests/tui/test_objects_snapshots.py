"""Snapshots of the objects screen and its modals at 80×24 and 120×40.

The console runs on a real (empty) sandbox; the rows shown are a listing recorded from a
sandbox (``RECORDED``: the shape ``KmsClient.list_objects`` returns) with fixed ids and dates,
fed through the same parsing code as a live load, so every run draws the same screen.
"""

from __future__ import annotations

import copy
import time

import pytest
from textual.widgets import Input

from kms_tui.client.listing import ObjectSummary
from kms_tui.tui.objects.loading import row_from_summary
from kms_tui.tui.objects.rows import normalise_attributes, recent_attributes
from tests.tui.conftest import SIZES, settle

DAY = "2026-01-1{}T08:{}:00Z"
SK = "5b1d0c2e-8f43-4a51-9a0e-7c3f2b9d6e10"
EC = "c0ffee00-1234-4abc-8def-00000000p384"
AES = "0a9e8d7c-6b5a-4f3e-8d2c-1b0a9f8e7d6c"


def _key(uid, otype, alg, length, mask, fmt, state, day, tags, names=(), links=()):
    date = DAY.format(day, "0" + str(day))
    return {
        "ActivationDate": date,
        "AlwaysSensitive": False,
        "CryptographicAlgorithm": alg,
        "CryptographicLength": length,
        "CryptographicUsageMask": mask,
        "InitialDate": date,
        "KeyFormatType": fmt,
        "LastChangeDate": date,
        "links": [{"type": t, "id": i} for t, i in links],
        "names": list(names),
        "ObjectType": otype,
        "OriginalCreationDate": date,
        "State": state,
        "UniqueIdentifier": uid,
        "tags": list(tags),
    }


RECORDED = [
    _key(SK, "PrivateKey", "RSA", 2048, 2601, "TransparentRSAPrivateKey", "Active", 1, ["_sk", "eu", "prod"],
         ["web-tls"], [("PublicKeyLink", SK + "_pk")]),
    _key(SK + "_pk", "PublicKey", "RSA", 2048, 2582, "TransparentRSAPublicKey", "Active", 1, ["_pk", "eu", "prod"],
         (), [("PrivateKeyLink", SK)]),
    _key(EC, "PrivateKey", "ECDH", 384, 1063425, "TransparentECPrivateKey", "Deactivated", 2, ["_sk", "prod"],
         ["payments"], [("PublicKeyLink", EC + "_pk")]),
    _key(EC + "_pk", "PublicKey", "ECDH", 384, 1051138, "TransparentECPublicKey", "Deactivated", 2, ["_pk", "prod"],
         (), [("PrivateKeyLink", EC)]),
    _key(AES, "SymmetricKey", "AES", 256, 2108, "TransparentSymmetricKey", "PreActive", 3, ["_kk", "ops"],
         ["backup-key"]),
]


@pytest.fixture(autouse=True)
def utc_local_time(monkeypatch):
    """Local dates are drawn in UTC so the pane looks the same on every machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def _objects_with_rows(pilot, *, rows: bool = True):
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)
    screen = pilot.app.screen
    if rows:
        recorded = copy.deepcopy(RECORDED)  # rows take over (reshape) the dicts they are built from
        add_recorded(pilot, screen, recorded)
        screen._show_counts()
        screen.table.select_uid(SK)
    await pilot.pause()
    return screen


def add_recorded(pilot, screen, recorded: list[dict]) -> None:
    """Rows for the ``recorded`` attributes; the detail pane gets those attributes as if read from
    the server (the objects are not on the sandbox)."""
    summaries = [ObjectSummary.from_attributes(a["UniqueIdentifier"], a) for a in recorded]
    screen.table.add_rows(row_from_summary(s) for s in summaries)
    recent = recent_attributes(pilot.app.services.client)
    for s in summaries:
        recent.put(s.uid, normalise_attributes(s.attributes))


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
