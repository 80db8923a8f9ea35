"""The object browser offers only what an object's state allows, and warns before exporting a
revoked key's public half."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.widgets import Checkbox, Input

from kms_tui.client.requests import LocateFilter
from kms_tui.tui.commands import palette_entries
from kms_tui.tui.modals.confirm import ConfirmationModal
from kms_tui.tui.modals.export import ExportModal
from tests.tui.conftest import settle
from tests.tui.objects_helpers import notices, open_objects, reload, submit_form


def footer_actions(screen) -> dict[str, bool]:
    """action -> enabled, for the bindings the footer shows."""
    return {
        active.binding.action: bool(active.enabled) for active in screen.active_bindings.values() if active.binding.show
    }


async def test_export_of_a_compromised_keys_public_half_asks_and_names_the_state(sandbox_console, tmp_path):
    async with sandbox_console.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await open_objects(pilot)
        screen.export_dir = tmp_path
        client = pilot.app.services.client
        sk, pk = await client.create_key_pair("rsa", size=2048)
        await client.revoke(
            sk, "KeyCompromise", compromise_date=datetime(2026, 1, 10, tzinfo=UTC), cascade=False
        )  # the private key only: the public one stays Active
        await reload(pilot, screen)
        assert (screen.table.get_row(sk).state, screen.table.get_row(pk).state) == ("Compromised", "Active")
        assert screen.table.select_uid(pk)
        await pilot.press("e")
        await settle(pilot)
        modal = pilot.app.screen
        assert isinstance(modal, ConfirmationModal)
        question = str(modal.query_one("#confirm-question").render())
        assert "private key is Compromised" in question and "2026-01-10" in question
        assert "Export anyway?" in question
        await pilot.press("escape")  # no: nothing is written
        await pilot.pause()
        assert not isinstance(pilot.app.screen, (ConfirmationModal, ExportModal))
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("y")  # yes: the file name is asked, then the PEM written
        await pilot.pause()
        assert isinstance(pilot.app.screen, ExportModal)
        pilot.app.screen.query_one("#export-path", Input).value = "revoked.pem"
        await submit_form(pilot)
        assert (tmp_path / "revoked.pem").read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")


async def test_export_of_a_healthy_key_asks_nothing(sandbox_console, tmp_path):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        _sk, pk = await pilot.app.services.client.create_key_pair("ec", curve="p256")
        await reload(pilot, screen)
        screen.table.select_uid(pk)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ExportModal)


async def test_revoke_is_not_offered_on_a_destroyed_key_and_refused_with_the_reason(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await open_objects(pilot)
        client = pilot.app.services.client
        uid = await client.create_symmetric_key("AES", 256)
        await client.revoke(uid, "Superseded")
        await client.destroy(uid)
        live = await client.create_symmetric_key("AES", 128)
        await reload(pilot, screen)
        screen.table.select_uid(live)
        await pilot.pause()
        assert footer_actions(screen)["revoke"] is True
        screen.start_load(LocateFilter(state="Destroyed"))  # what the server filter "state" does
        await settle(pilot)
        assert screen.table.select_uid(uid)
        await pilot.pause()
        assert screen.table.current.state == "Destroyed"
        assert footer_actions(screen)["revoke"] is False  # shown disabled
        titles = [title for title, _help, _cb in palette_entries(pilot.app)]
        assert "Objects: Revoke" not in titles and "Objects: Destroy" in titles
        await pilot.press("v")  # the key: refused with the reason, no form
        await pilot.pause()
        assert type(pilot.app.screen).__name__ == "ObjectsScreen"
        assert any("Destroyed: there is nothing left to revoke" in n for n in notices(pilot.app))
        screen.action_revoke()  # invoked directly (palette, keymap): refused the same way
        await pilot.pause()
        assert type(pilot.app.screen).__name__ == "ObjectsScreen"
        before = len(notices(pilot.app))
        await pilot.press("slash", "v")  # typing v in the filter is text, not a refused revoke
        await pilot.pause()
        assert screen.query_one("#filter-text", Input).value == "v" and len(notices(pilot.app)) == before
        await pilot.press("escape", "escape")  # the first esc clears the filter, the second leaves it
        screen.start_load(LocateFilter())
        await settle(pilot)
        screen.table.select_uid(live)
        await pilot.press("a")  # activate an Active key: refused with the reason
        await pilot.pause()
        assert any("this symmetric key is Active" in n for n in notices(pilot.app))


async def test_destroy_with_remove_and_cascade_names_every_object_before_and_after(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await open_objects(pilot)
        client = pilot.app.services.client
        sk, pk = await client.create_key_pair("rsa", size=2048)
        await client.revoke(sk, "Superseded", cascade=True)
        await reload(pilot, screen)
        screen.table.select_uid(sk)
        await pilot.press("d")
        modal = pilot.app.screen
        assert str(modal.query_one("#destroy-plan").render()) == f"Will destroy: {sk}, {pk}"
        modal.query_one("#destroy-remove", Checkbox).value = True
        await pilot.pause()
        assert str(modal.query_one("#destroy-plan").render()) == f"Will remove for good: {sk}, {pk}"
        modal.query_one("#destroy-cascade", Checkbox).value = False
        await pilot.pause()
        assert str(modal.query_one("#destroy-plan").render()) == f"Will remove for good: {sk}"
        modal.query_one("#destroy-cascade", Checkbox).value = True
        modal.query_one("#destroy-confirm", Input).value = sk[:6]
        await submit_form(pilot)
        done = [n for n in notices(pilot.app) if n.startswith("Removed for good")]
        assert done and sk in done[-1] and pk in done[-1]
        assert screen.table.get_row(sk) is None and screen.table.get_row(pk) is None
