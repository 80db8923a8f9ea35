"""Access rights in the console, against a real sandbox with two users signed in by client
certificates (alice drives the console, bob is the grantee): the detail pane lists who holds
rights, `g` grants through the dialog, delete on a row revokes all or a subset of that user's
rights through a dialog (bob can then do exactly what he kept), and the
access screen lists what alice owns and what bob was granted."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, SelectionList

from kms_tui.client import KmsError
from kms_tui.client.crypto import encrypt
from kms_tui.tui.modals.grant import GrantModal
from kms_tui.tui.modals.revoke_rights import RevokeRightsModal
from tests.client.conftest import write_conf
from tests.tui.access_helpers import client, make_users
from tests.tui.conftest import settle
from tests.tui.helpers import wait_until
from tests.tui.objects_helpers import open_objects, reload
from tests.tui.scenes import SANDBOX_VERSION


@pytest.fixture
def users(start_tls_sandbox, pki, tmp_path):
    """{"alice": http_config, "bob": http_config, "alice_conf": ckms.toml path} on one mTLS sandbox."""
    return make_users(start_tls_sandbox, pki, tmp_path)


async def bob_may_get(conf: dict, uid: str) -> bool:
    async with client(conf) as bob:
        try:
            await bob.get(uid)
        except KmsError:
            return False
        return True


async def bob_may_encrypt(conf: dict, uid: str) -> bool:
    async with client(conf) as bob:
        try:
            await encrypt(bob, uid, b"hello")
        except KmsError:
            return False
        return True


def access_rows(screen) -> list[tuple[str, str]]:
    table = screen.query_one("#access-table", DataTable)
    return [(str(table.get_row_at(i)[0]), str(table.get_row_at(i)[1])) for i in range(table.row_count)]


async def test_grant_and_revoke_from_the_detail_pane(console_factory, users):
    app = console_factory(conf=users["alice_conf"])
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        alice = pilot.app.services.client
        uid = await alice.create_symmetric_key(name="shared")
        await alice.grant(uid, "bob", ["encrypt"])
        await reload(pilot, screen)
        assert screen.table.select_uid(uid)
        await pilot.press("enter")  # the detail pane: owner, then who holds which rights
        await wait_until(pilot, lambda: access_rows(screen) == [("bob", "encrypt")], what="bob in the detail pane")
        owner = str(screen.query_one("#access-owner").render())
        assert "Owner" in owner and "you" in owner

        await pilot.press("g")
        await settle(pilot)
        modal = pilot.app.screen
        assert isinstance(modal, GrantModal)
        warning = str(modal.query_one("#grant-warning").render())
        assert "every operation except revoke and destroy" in warning  # what `get` really means
        modal.query_one("#grant-user", Input).value = "bob"
        modal.query_one("#grant-operations", SelectionList).select("get")
        await pilot.pause()
        assert "every operation except revoke and destroy" in str(modal.query_one("#grant-allows").render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, GrantModal)
        listed = await alice.access_list(uid)
        assert [(a["user_id"], a["operations"]) for a in listed] == [("bob", ["encrypt", "get"])]  # landed
        assert await bob_may_get(users["bob"], uid)
        await wait_until(pilot, lambda: access_rows(screen) == [("bob", "encrypt, get")], what="the new grant")

        # a subset: take get away, bob keeps encrypt
        screen.query_one("#access-table", DataTable).focus()
        await pilot.press("delete")
        await pilot.pause()
        dialog = pilot.app.screen
        assert isinstance(dialog, RevokeRightsModal)
        assert "bob" in str(dialog.query_one("#revoke-rights-who").render())
        ops = dialog.query_one("#revoke-rights-operations", SelectionList)
        assert ops.selected == ["encrypt", "get"]  # everything ticked to begin with
        ops.deselect("encrypt")
        await pilot.pause()
        assert "bob keeps: encrypt" in str(dialog.query_one("#revoke-rights-after").render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        listed = await alice.access_list(uid)
        assert [(a["user_id"], a["operations"]) for a in listed] == [("bob", ["encrypt"])]  # landed
        assert not await bob_may_get(users["bob"], uid) and await bob_may_encrypt(users["bob"], uid)
        await wait_until(pilot, lambda: access_rows(screen) == [("bob", "encrypt")], what="bob keeps encrypt")

        # the rest: cancelled first (nothing changes), then revoked
        screen.query_one("#access-table", DataTable).focus()
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("escape")
        await settle(pilot)
        assert [a["user_id"] for a in await alice.access_list(uid)] == ["bob"]
        await pilot.press("delete")
        await pilot.pause()
        assert "nothing on this object" in str(pilot.app.screen.query_one("#revoke-rights-after").render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert await alice.access_list(uid) == []  # landed
        assert not await bob_may_get(users["bob"], uid) and not await bob_may_encrypt(users["bob"], uid)
        await wait_until(pilot, lambda: access_rows(screen) == [], what="the revoked grant gone")


async def test_revoke_cancelled_changes_nothing(console_factory, users):
    app = console_factory(conf=users["alice_conf"])
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        alice = pilot.app.services.client
        uid = await alice.create_symmetric_key()
        await alice.grant(uid, "bob", ["get"])
        await reload(pilot, screen)
        assert screen.table.select_uid(uid)
        await pilot.press("enter")
        await wait_until(pilot, lambda: access_rows(screen) == [("bob", "get")], what="bob listed")
        screen.query_one("#access-table", DataTable).focus()
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(pilot.app.screen, RevokeRightsModal)
        await pilot.press("escape")
        await settle(pilot)
        assert [a["user_id"] for a in await alice.access_list(uid)] == ["bob"]


async def test_read_only_console_does_not_grant(console_factory, users):
    app = console_factory(conf=users["alice_conf"], read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        uid = await pilot.app.services.client.create_symmetric_key()
        await reload(pilot, screen)
        assert screen.table.select_uid(uid)
        await pilot.press("g")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, GrantModal)
        assert any("Read-only" in n.message for n in pilot.app._notifications)


async def test_access_screen_lists_owned_and_obtained(console_factory, users):
    async with client(users["alice"]) as alice:
        uid = await alice.create_symmetric_key(name="for-bob")
        await alice.grant(uid, "bob", ["get"])
    bob_conf = write_conf(users["alice_conf"].parent / "bob.toml", users["bob"])
    bob_conf.chmod(0o600)
    app = console_factory(conf=bob_conf)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        own = await pilot.app.services.client.create_symmetric_key(name="bobs-own")
        await pilot.press("6")
        await settle(pilot)
        screen = pilot.app.screen
        assert type(screen).__name__ == "AccessScreen"
        await wait_until(
            pilot, lambda: screen.query_one("#access-obtained", DataTable).row_count == 1, what="the obtained right"
        )
        obtained = [str(c) for c in screen.query_one("#access-obtained", DataTable).get_row_at(0)]
        # ids are shortened in the middle, as on the objects screen: start and end kept
        assert obtained[0] == uid[:10] + "…" + uid[-9:] and obtained[1] == "alice" and obtained[3] == "get"
        assert "every operation except revoke and destroy" in obtained[4]
        owned = screen.query_one("#access-owned", DataTable)
        assert [str(owned.get_row_at(i)[0]) for i in range(owned.row_count)] == [own[:10] + "…" + own[-9:]]
        assert "You may create objects." in str(screen.query_one("#access-create").render())
        owned.focus()
        await pilot.press("enter")  # the full id, on demand
        await wait_until(pilot, lambda: any(own in n.message for n in pilot.app._notifications), what="full id")


async def test_server_text_is_escaped_in_the_pane_and_the_confirmation(console_factory, users):
    app = console_factory(conf=users["alice_conf"])
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        alice = pilot.app.services.client
        uid = await alice.create_symmetric_key()
        await alice.grant(uid, "[b]eve\x1b[2J", ["encrypt"])
        await reload(pilot, screen)
        assert screen.table.select_uid(uid)
        await pilot.press("enter")
        await wait_until(pilot, lambda: access_rows(screen) == [("[b]eve\\x1b[2J", "encrypt")], what="eve, escaped")
        screen.query_one("#access-table", DataTable).focus()
        await pilot.press("delete")
        await pilot.pause()
        shown = str(pilot.app.screen.query_one("#revoke-rights-who").render())
        assert "[b]eve\\x1b[2J" in shown and "\x1b" not in shown  # markup and controls shown as text
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert await alice.access_list(uid) == []  # the real user id was revoked, not the escaped text


async def test_a_privileged_user_grants_the_create_right(console_factory, start_tls_sandbox, pki, tmp_path):
    users = make_users(start_tls_sandbox, pki, tmp_path, extra='privileged_users = ["alice"]')
    async with client(users["bob"]) as bob:
        assert await bob.access_create() is False
    app = console_factory(conf=users["alice_conf"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        screen = pilot.app.screen
        await wait_until(
            pilot,
            lambda: "privileged user" in str(screen.query_one("#access-create").render()),
            what="the privileged status",
        )
        await pilot.press("c")
        await pilot.pause()
        pilot.app.screen.query_one(Input).value = "bob"
        await pilot.press("enter")
        await settle(pilot)
    async with client(users["bob"]) as bob:
        assert await bob.access_create() is True  # landed: bob may create objects now


async def test_on_a_granted_object_the_pane_names_the_owner_and_g_refuses(console_factory, users):
    async with client(users["alice"]) as alice:
        uid = await alice.create_symmetric_key()
        await alice.grant(uid, "bob", ["get"])
    bob_conf = write_conf(users["alice_conf"].parent / "bob.toml", users["bob"])
    bob_conf.chmod(0o600)
    async with console_factory(conf=bob_conf).run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        assert screen.table.select_uid(uid)
        await pilot.press("enter")
        await settle(pilot)
        assert "alice" in str(screen.query_one("#detail-body").render())
        assert "Only the owner" in str(screen.query_one("#access-note").render())
        assert access_rows(screen) == []
        await pilot.press("g")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, GrantModal)
        assert any("Only the owner (alice)" in n.message for n in pilot.app._notifications)


def _dialog_snapshot(snap_compare, console_factory, snapshot_sandbox, size, monkeypatch, open_dialog) -> bool:
    """The objects screen (empty) with a dialog on top: ``open_dialog(pilot)`` pushes and fills it."""
    from kms_tui.config import ProfileStore
    from kms_tui.server.rest import ENV_VERSION

    monkeypatch.setenv(ENV_VERSION, SANDBOX_VERSION)
    store = ProfileStore()
    store.create("prod-eu", snapshot_sandbox.url)
    store.set_active("prod-eu")

    async def run_before(pilot) -> None:
        await wait_until(pilot, lambda: pilot.app.whoami_data is not None, what="whoami")
        await pilot.press("2")
        await settle(pilot)
        objects = pilot.app.screen
        await wait_until(
            pilot,
            lambda: not objects.load_running and "0 objects" in str(objects.query_one("#objects-status").render()),
            what="the empty list",
        )
        await open_dialog(pilot)
        await settle(pilot)

    return snap_compare(console_factory(), run_before=run_before, terminal_size=size)


@pytest.mark.parametrize("size", [(80, 24)], ids=["80x24"])
def test_grant_dialog_snapshot(snap_compare, console_factory, snapshot_sandbox, size, monkeypatch):
    async def open_dialog(pilot) -> None:
        pilot.app.push_screen(GrantModal("4a1f0c9e-6b8d-4f1e-9a57-2c3d4e5f6a7b", owner="admin"))
        await pilot.pause()
        modal = pilot.app.screen
        modal.query_one("#grant-user", Input).value = "bob@example.com"
        modal.query_one("#grant-operations", SelectionList).select("get")
        await wait_until(
            pilot, lambda: "except revoke" in str(modal.query_one("#grant-allows").render()), what="the allows line"
        )

    assert _dialog_snapshot(snap_compare, console_factory, snapshot_sandbox, size, monkeypatch, open_dialog)


@pytest.mark.parametrize("size", [(80, 24)], ids=["80x24"])
def test_revoke_rights_dialog_snapshot(snap_compare, console_factory, snapshot_sandbox, size, monkeypatch):
    async def open_dialog(pilot) -> None:
        pilot.app.push_screen(
            RevokeRightsModal("4a1f0c9e-6b8d-4f1e-9a57-2c3d4e5f6a7b", "bob@example.com", ["get", "encrypt", "decrypt"])
        )
        await pilot.pause()
        modal = pilot.app.screen
        modal.query_one("#revoke-rights-operations", SelectionList).deselect("get")
        await wait_until(
            pilot, lambda: "keeps: get" in str(modal.query_one("#revoke-rights-after").render()), what="the keeps line"
        )

    assert _dialog_snapshot(snap_compare, console_factory, snapshot_sandbox, size, monkeypatch, open_dialog)


async def test_g_is_a_letter_in_the_filter_field(console_factory, users):
    app = console_factory(conf=users["alice_conf"])
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        await pilot.press("slash", "g", "e", "t")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, GrantModal)
        assert screen.query_one("#filter-text", Input).value == "get"


def test_every_access_binding_has_an_id_and_a_description():
    from kms_tui.tui.objects.access import AccessSection
    from kms_tui.tui.objects.screen import ObjectsScreen
    from kms_tui.tui.screens.access import AccessScreen

    bindings = [
        *AccessScreen.BINDINGS,
        *AccessSection.BINDINGS,
        *GrantModal.BINDINGS,
        *[b for b in ObjectsScreen.BINDINGS if b.action == "grant_access"],
    ]
    assert len(bindings) >= 7
    assert all(b.id and b.description and b.tooltip for b in bindings)
    ids = [b.id for b in bindings]
    assert len(ids) == len(set(ids))
