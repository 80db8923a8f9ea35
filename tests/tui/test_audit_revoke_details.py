"""What the revoke form says is kept ("why (kept in the audit trail)") is kept: the reason code,
message and compromise date typed in the console's revoke form reach the audit trail and the
audit view shows them at 80×24 (the Details column and the line under the table)."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Select, Static

from tests.tui.conftest import settle
from tests.tui.objects_helpers import open_objects, reload, submit_form


def _rows(screen) -> list[list[str]]:
    table = screen.query_one("#audit-table", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_revoke_form_reason_message_and_date_show_in_the_audit_view(sandbox_console):
    async with sandbox_console.run_test(size=(80, 24)) as pilot:
        screen = await open_objects(pilot)
        uid = await pilot.app.services.client.create_symmetric_key("AES", 256, name="to-revoke")
        await reload(pilot, screen)
        assert screen.table.select_uid(uid)
        await pilot.press("v")
        modal = pilot.app.screen
        assert "kept in the audit trail" in str(modal.query_one("#revoke-message", Input).placeholder)
        modal.query_one("#revoke-reason", Select).value = "KeyCompromise"
        await pilot.pause()
        modal.query_one("#revoke-date", Input).value = "2026-01-10"
        modal.query_one("#revoke-message", Input).value = "laptop stolen; password=hunter2"
        await submit_form(pilot)
        assert screen.table.get_row(uid).state == "Compromised"

        await pilot.press("3")
        await settle(pilot)
        audit = pilot.app.screen
        assert type(audit).__name__ == "AuditScreen"
        revoke = next(
            r for r, e in zip(_rows(audit), audit._shown, strict=False) if r[2] == "Revoke" and uid in e["object_ids"]
        )
        details = revoke[7]
        assert "reason=KeyCompromise" in details and "laptop stolen" in details
        assert "compromise_date=2026-01-10" in details
        assert "hunter2" not in details and "password=••••••" in details  # masked like any secret

        audit.query_one("#audit-operation", Select).value = "Revoke"
        await pilot.pause()
        detail = audit.query_one("#audit-detail", Static)
        assert detail.region.height >= 1 and detail.region.width >= 60  # on screen at 80×24
        line = str(detail.render())
        assert "Revoke reason: KeyCompromise" in line and "Revoke message: laptop stolen" in line
        assert "Compromised on: 2026-01-10" in line and "hunter2" not in line


async def test_audit_view_says_when_the_trail_is_a_symbolic_link(sandbox_console, tmp_path):
    from kms_tui.audit import default_path

    async with sandbox_console.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pilot.app.services.audit.flush()
        victim = tmp_path / "victim.txt"
        victim.write_text("not yours\n")
        path = default_path()
        path.unlink()
        for side in ("-wal", "-shm"):
            path.with_name(path.name + side).unlink(missing_ok=True)
        path.symlink_to(victim)
        pilot.app.services.audit.problem = None  # as if the link appeared after start
        await pilot.press("3")
        await settle(pilot)
        widget = pilot.app.screen.query_one("#audit-status", Static)
        assert widget.region.height >= 3  # the whole message is on screen at 80×24, not cut to one line
        status = str(widget.render())
        assert "symbolic link" in status and str(path) in status and "Remove the link" in status
        assert victim.read_text() == "not yours\n"
