"""`!` shows a row's or a dialog's request as a kms-tui command, a ckms 5.26 command and the KMIP
JSON, each copied with one key (OSC 52), against the real sandbox; and an 80×24 snapshot."""

from __future__ import annotations

import json

from kms_tui.tui.modals.revoke import RevokeModal
from kms_tui.tui.modals.show_command import ShowCommandModal
from kms_tui.tui.show_command import for_revoke
from tests.tui.test_objects_helpers import open_objects, reload

UID = "7d0c4f1e-2b3a-4c5d-8e9f-0a1b2c3d4e5f"


def shown(modal: ShowCommandModal, key: str) -> str:
    return str(modal.query_one(f"#show-command-{key}").render())


async def new_key_selected(pilot):
    """The objects screen with a new AES key highlighted: (app, screen, its id)."""
    screen = await open_objects(pilot)
    uid = await pilot.app.services.client.create_symmetric_key("AES", 256)
    await reload(pilot, screen)
    screen.table.select_uid(uid)
    return pilot.app, screen, uid


async def test_bang_on_a_row_shows_and_copies_the_three_forms(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40), notifications=True) as pilot:
        app, screen, uid = await new_key_selected(pilot)
        await pilot.press("exclamation_mark")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ShowCommandModal)
        assert shown(modal, "k") == f"kms-tui attributes {uid}"
        assert shown(modal, "c") == f"ckms attributes get -i {uid}"
        await pilot.press("k")
        assert app.clipboard == f"kms-tui attributes {uid}"
        await pilot.press("j")
        request = json.loads(app.clipboard)  # the JSON TTLV the client sends, as JSON
        assert request["tag"] == "GetAttributes" and request["value"][0]["value"] == uid
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_bang_in_the_revoke_dialog_shows_the_request_without_sending_it(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        app, screen, uid = await new_key_selected(pilot)
        client = app.services.client
        await pilot.press("v")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, RevokeModal)
        await pilot.press("exclamation_mark")  # focus is on the reason list: ! is the key
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ShowCommandModal)
        assert shown(modal, "k") == f"kms-tui revoke {uid} --reason Unspecified"
        assert shown(modal, "c") == f"ckms sym keys revoke -k {uid} -r unspecified revoked"
        assert '"tag": "Revoke"' in shown(modal, "j") and '"RevocationReasonCode"' in shown(modal, "j")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is dialog
        assert (await client.get_attributes(uid))["State"] == "Active"  # nothing was sent


def test_show_command_snapshot(snap_compare, console_factory):
    equivalent = for_revoke(UID, "PrivateKey", "RSA", "KeyCompromise", "laptop stolen", None, True)

    async def show(pilot):
        await pilot.pause()
        pilot.app.push_screen(ShowCommandModal(equivalent))
        await pilot.pause()

    assert snap_compare(console_factory(theme="textual-dark"), run_before=show, terminal_size=(80, 24))
