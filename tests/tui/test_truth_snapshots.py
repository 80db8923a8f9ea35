"""Snapshots (80×24) of what the console's truthfulness work added: the export warning for a key
whose private half is compromised, and a connection check that got an HTML error page."""

from __future__ import annotations

import copy

import pytest

from kms_tui.client.errors import ProtocolError
from kms_tui.client.listing import ObjectSummary
from kms_tui.tui.connection_check import CheckResult
from kms_tui.tui.objects import guards
from kms_tui.tui.objects.loading import row_from_summary
from kms_tui.tui.objects.transfer import ExportChecked
from tests.tui.conftest import settle
from tests.tui.scenes import _key

SK = "7d0c4f1e-2b3a-4c5d-8e9f-0a1b2c3d4e5f"
REVOKED = [
    {
        **_key(
            SK,
            "PrivateKey",
            "RSA",
            2048,
            2601,
            "TransparentRSAPrivateKey",
            "Compromised",
            1,
            ["_sk", "prod"],
            ["signing"],
            [("PublicKeyLink", SK + "_pk")],
        ),
        "DeactivationDate": "2026-01-14T16:20:00Z",
        "CompromiseOccurrenceDate": "2026-01-10T00:00:00Z",
    },
    _key(
        SK + "_pk",
        "PublicKey",
        "RSA",
        2048,
        2582,
        "TransparentRSAPublicKey",
        "Active",
        1,
        ["_pk", "prod"],
        (),
        [("PrivateKeyLink", SK)],
    ),
]
# what a proxy's error page looked like when it was dumped whole into the connect screen
HTML_PAGE = (
    "<!DOCTYPE html>\n<html>\n<head><title>404 Not Found</title></head>\n<body>\n"
    + "".join(f"<p>line {i} of a long error page \x1b]0;title\x07</p>\n" for i in range(40))
    + "</body></html>"
)


pytestmark = pytest.mark.usefixtures("utc_local_time")  # dates drawn in UTC


async def _export_warning(pilot):
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)
    screen = pilot.app.screen
    summaries = [ObjectSummary.from_attributes(a["UniqueIdentifier"], a) for a in copy.deepcopy(REVOKED)]
    screen.table.add_rows(row_from_summary(s) for s in summaries)
    screen.table.select_uid(SK + "_pk")
    target, partner = screen.table.get_row(SK + "_pk"), screen.table.get_row(SK)
    # what the export check (it reads the states afresh from the server) posts for these rows
    screen.post_message(ExportChecked(target.uid, "PublicKey", guards.export_warning(target, [partner])))
    await pilot.pause()
    await pilot.pause()


async def _connect_error(pilot):
    from kms_tui.tui.screens.connect import ConnectionChecked, ConnectScreen

    await settle(pilot)
    pilot.app.push_screen(ConnectScreen())
    await pilot.pause()
    error = ProtocolError(
        f"HTTP 404 from http://proxy.example:8080/version: {HTML_PAGE}",
        "Check the URL: it should be the KMS itself, not a proxy's page (https://host:9998).",
    )
    pilot.app.screen.post_message(ConnectionChecked(CheckResult("http://proxy.example:8080", error=error)))
    await pilot.pause()
    await pilot.pause()


def test_export_warning_names_the_compromised_private_key(snap_compare, sandbox_console):
    assert snap_compare(sandbox_console, run_before=_export_warning, terminal_size=(80, 24))


def test_connect_screen_shows_an_html_error_short_and_escaped(snap_compare, console_factory):
    app = console_factory()
    assert snap_compare(app, run_before=_connect_error, terminal_size=(80, 24))
