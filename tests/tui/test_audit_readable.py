"""The audit view at 80×24 (issue 11): outcome first, batches as one operation with a count,
enter opens every field of a row, filters by profile and time, esc clears the filter then leaves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from textual.widgets import DataTable, Input, Select

from kms_tui.tui.modals.audit_entry import AuditEntryModal
from tests.tui.conftest import settle
from tests.tui.helpers import wait_until
from tests.tui.objects_helpers import open_objects
from tests.tui.rendered import screen_text


def _rows(screen) -> list[list[str]]:
    table = screen.query_one("#audit-table", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_audit_view_reads_at_80x24_with_row_detail(sandbox_console):
    async with sandbox_console.run_test(size=(80, 24)) as pilot:
        await open_objects(pilot)
        client = pilot.app.services.client
        uid = await client.create_symmetric_key("AES", 256)
        await client.revoke(uid, "KeyCompromise", message="laptop stolen")
        await client.get_attributes_many([uid, uid, uid, uid])  # a batch of four
        await pilot.press("3")
        await settle(pilot)
        screen = pilot.app.screen
        text = screen_text(pilot.app)
        header = next(line for line in text.splitlines() if "Outcome" in line)
        for column in ("Outcome", "Time", "Operation", "User", "ms"):
            assert column in header  # on screen at 80 columns
        assert header.split()[0] == "Outcome"
        assert "✓ ok" in text and "admin" in text
        operations = [r[2] for r in _rows(screen)]
        batches = [op for op in operations if op.startswith("GetAttributes ×")]
        assert batches  # one operation with its count
        assert not any(op.startswith("RequestMessage[") for op in operations)
        screen.query_one("#audit-operation", Select).value = "GetAttributes"  # batches filed under it
        await pilot.pause()
        assert batches[0] in [r[2] for r in _rows(screen)]
        screen.query_one("#audit-operation", Select).value = "Revoke"
        await pilot.pause()
        table = screen.query_one("#audit-table", DataTable)
        table.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, AuditEntryModal), what="row detail")
        await pilot.pause()
        detail = " ".join(screen_text(pilot.app).split())
        for expected in (
            "Revoke reason KeyCompromise",
            "Revoke message laptop stolen",
            uid,
            "KMS user admin",
            "Profile ckms",
            "Duration",
            "Attempts 1",
            "Outcome ✓ ok",
        ):
            assert expected in detail, expected
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, AuditEntryModal)

        screen.query_one("#audit-operation", Select).clear()
        screen.query_one("#audit-profile", Select).value = "ckms"
        pilot.app.clock = lambda: datetime.now(UTC) + timedelta(hours=2)  # two hours from now
        screen.query_one("#audit-time", Select).value = "last hour"
        await pilot.pause()
        said = " ".join(screen_text(pilot.app).split())
        assert "No entry matches ckms + last hour:" in said and "hidden (a list set back to 'any' shows more)" in said
        screen.query_one("#audit-time", Select).value = "last 24 hours"
        await pilot.pause()
        assert _rows(screen)

        await pilot.press("slash", *"zzz")
        await pilot.pause()
        assert not _rows(screen)
        await pilot.press("escape")  # first esc clears the filter, the focus stays in it
        await pilot.pause()
        assert screen.query_one("#audit-object", Input).value == "" and _rows(screen)
        assert isinstance(screen.focused, Input)
        await pilot.press("escape")  # the second leaves it, for the table
        await pilot.pause()
        assert screen.focused is table
