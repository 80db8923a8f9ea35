"""The audit view lists what the console did, newest first, and filters it."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Select

from kms_tui.client.errors import KmsError
from tests.tui.conftest import settle
from tests.tui.objects_helpers import open_objects


def _rows(screen) -> list[list[str]]:
    table = screen.query_one("#audit-table", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_audit_view_newest_first_and_filters(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        await open_objects(pilot)
        client = pilot.app.services.client
        sk, _pk = await client.create_key_pair("rsa", size=2048)
        aes = await client.create_symmetric_key("AES", 256)
        await client.revoke(sk, "KeyCompromise")
        try:
            await client.destroy("no-such-object")
        except KmsError:
            pass  # a refused call is on record too
        await pilot.press("3")
        await settle(pilot)
        screen = pilot.app.screen
        assert type(screen).__name__ == "AuditScreen"
        rows = _rows(screen)
        assert rows[0][0].split()[-1] in ("ok", "refused", "failed")  # the outcome comes first
        operations = [r[2] for r in rows]
        # newest first: the refused Destroy, then Revoke, Create, CreateKeyPair
        ours = [op for op in operations if op in ("Destroy", "Revoke", "Create", "CreateKeyPair")]
        assert ours == ["Destroy", "Revoke", "Create", "CreateKeyPair"]

        screen.query_one("#audit-operation", Select).value = "Revoke"
        await pilot.pause()
        assert [r[2] for r in _rows(screen)] == ["Revoke"] and screen._shown[0]["object_ids"] == [sk]

        screen.query_one("#audit-operation", Select).clear()
        screen.query_one("#audit-outcome", Select).value = "refused"
        await pilot.pause()
        refused = _rows(screen)
        assert [r[2] for r in refused] == ["Destroy"] and refused[0][6]  # with its reason
        assert refused[0][0] == "✗ refused"

        screen.query_one("#audit-outcome", Select).clear()
        screen.query_one("#audit-object", Input).value = aes[:8]
        await pilot.pause()
        assert [r[2] for r in _rows(screen)] == ["Create"]
        assert "1 of" in str(screen.query_one("#audit-status").render())


async def test_audit_view_shows_the_hash_chain_intact_then_the_row_that_was_changed(sandbox_console):
    import sqlite3

    from kms_tui.audit.trail import default_path

    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        await open_objects(pilot)
        client = pilot.app.services.client
        first = await client.create_symmetric_key("AES", 256)
        await client.create_symmetric_key("AES", 128)
        await pilot.press("3")
        await settle(pilot)
        screen = pilot.app.screen
        status = str(screen.query_one("#audit-status").render())
        assert "✓ chain intact (" in status and "rows, head" in status
        conn = sqlite3.connect(default_path())  # someone rewrites history: the first create's object
        with conn:
            row_id = conn.execute("SELECT id FROM audit WHERE object_ids LIKE ?", (f"%{first}%",)).fetchone()[0]
            conn.execute("UPDATE audit SET object_ids = ? WHERE id = ?", ('["someone-else"]', row_id))
        conn.close()
        await pilot.press("r")
        await settle(pilot)
        status = str(screen.query_one("#audit-status").render())
        assert f"✗ CHAIN BROKEN at row {row_id}: was changed" in status and "kms-tui audit verify" in status
