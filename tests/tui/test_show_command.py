"""`!` shows a row's or a dialog's request as a kms-tui command, a ckms 5.26 command and the KMIP
JSON, each copied with one key (OSC 52), against the real sandbox; and an 80×24 snapshot."""

from __future__ import annotations

import json
from datetime import UTC

from kms_tui.tui.modals.revoke import RevokeModal
from kms_tui.tui.modals.show_command import ShowCommandModal
from kms_tui.tui.show_command import for_revoke
from tests.tui.objects_helpers import open_objects, reload

UID = "7d0c4f1e-2b3a-4c5d-8e9f-0a1b2c3d4e5f"


def shown(modal: ShowCommandModal, key: str) -> str:
    return str(modal.query_one(f"#show-command-{key}").render())


async def command_modal(pilot, key: str) -> ShowCommandModal:
    """Press ``key`` (`!` or `f3`) and return the "show the command" modal it opens."""
    await pilot.press(key)
    await pilot.pause()
    modal = pilot.app.screen
    assert isinstance(modal, ShowCommandModal)
    return modal


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
        modal = await command_modal(pilot, "exclamation_mark")
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


async def test_f3_in_the_destroy_dialog_while_typing_the_id(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        app, screen, uid = await new_key_selected(pilot)
        await pilot.press("d")
        await pilot.pause()
        dialog = app.screen  # focus is in the id field: ! would be typed there, F3 is the key
        modal = await command_modal(pilot, "f3")
        assert shown(modal, "k") == (
            f"kms-tui revoke {uid} --reason CessationOfOperation --message 'revoked before "
            f"destroy' && kms-tui destroy {uid}"
        )  # an Active key is revoked first
        assert shown(modal, "c") == (
            f"ckms sym keys revoke -k {uid} -r cessation-of-operation 'revoked before "
            f"destroy' && ckms sym keys destroy -k {uid}"
        )
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is dialog


def test_what_ckms_cannot_say_has_no_ckms_line():
    from datetime import datetime

    from kms_tui.tui.show_command import for_create, for_destroy, for_grant

    dated = for_revoke(UID, "SymmetricKey", "AES", "KeyCompromise", None, datetime(2026, 1, 1, tzinfo=UTC), True)
    assert dated.ckms is None and "--compromise-date 2026-01-01T00:00:00Z" in dated.kms_tui
    assert for_destroy(UID, "SymmetricKey", "AES", cascade=False, remove=False, revoke_first=None).ckms is None
    pre = for_create("aes", size=128, curve="", name=None, tags=("a b",), activate=False)
    assert pre.ckms is None and "ActivationDate" not in pre.kmip and "stays pre-active" in pre.kms_tui
    active = for_create("ec", size=0, curve="p384", name=None, tags=("a b",), activate=True)
    assert active.ckms == "ckms ec keys create -c nist-p384 -t 'a b'" and "ActivationDate" in active.kmip
    cert = for_revoke(UID, "Certificate", "", "CACompromise", "x", None, True)
    assert cert.ckms == f"ckms certificates revoke -c {UID} -r ca-compromise x"
    grant = for_grant(UID, "bob", ("get", "getattributes"))
    assert grant.ckms == f"ckms access-rights grant bob get get_attributes -i {UID}"
    assert grant.sections()[2][0] == "REST request" and grant.kmip.startswith("POST /access/grant\n")


async def test_f3_in_the_export_dialog_shows_the_export_and_writes_nothing(sandbox_console, tmp_path):
    out = tmp_path / "exports"
    out.mkdir()
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        app, screen, uid = await new_key_selected(pilot)
        screen.export_dir = out
        await pilot.press("e")
        for _ in range(20):
            await pilot.pause(0.05)
            if type(app.screen).__name__ == "ExportModal":
                break
        dialog = app.screen
        assert type(dialog).__name__ == "ExportModal"  # focus in the file field: F3 is the key
        modal = await command_modal(pilot, "f3")
        assert shown(modal, "k") == f"kms-tui export {uid} --format raw -o {uid}.bin"
        assert shown(modal, "c") == f"ckms sym keys export -k {uid} -f raw {uid}.bin"
        request = json.loads(modal.equivalent.kmip)
        assert request["tag"] == "Get" and request["value"][0]["value"] == uid
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is dialog
        assert list(out.iterdir()) == []  # nothing was written


async def test_f3_in_the_tags_dialog_shows_the_tag_routes_without_sending(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        app, screen, uid = await new_key_selected(pilot)
        await pilot.press("T")
        await pilot.pause()
        dialog = app.screen
        await pilot.press("p", "r", "o", "d", "exclamation_mark", "backspace")  # ! is a character in the field
        assert app.screen is dialog and dialog.query_one("#tags-input").value == "prod"
        modal = await command_modal(pilot, "f3")
        assert shown(modal, "k") == f"kms-tui attributes set {uid} --tag prod"
        assert shown(modal, "c") == "(no ckms command does this)"
        route, body = shown(modal, "j").split("\n", 1)
        assert route == f"POST /v1/crypto/keys/{uid}/tags" and json.loads(body) == {"tags": ["prod"]}
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is dialog
        attrs = await app.services.client.get_attributes(uid)
        assert "prod" not in attrs.get("tags", [])  # nothing was sent


def test_export_and_tag_commands_mask_the_password_and_name_ckms_groups():
    from kms_tui.tui.show_command import for_export, for_tags

    p12 = for_export(UID, "Certificate", "", "pkcs12", "bundle.p12", has_password=True)
    assert p12.kms_tui == f"kms-tui export {UID} --format pkcs12 -o bundle.p12 --pkcs12-password-file PASSWORD_FILE"
    assert p12.ckms == f"ckms certificates export -c {UID} -f pkcs12 -p '********' bundle.p12"
    assert "••••••" in p12.kmip  # the password's place in the Get (the wrapping key's id), masked
    wrapped = for_export(
        UID, "PrivateKey", "RSA", "json-ttlv", "k.json", wrap_key="kek", wrap_alg="rsa-oaep", overwrite=True
    )
    assert wrapped.kms_tui == (
        f"kms-tui export {UID} --format json-ttlv -o k.json --wrap-key kek --wrap-alg rsa-oaep --force"
    )
    assert wrapped.ckms == f"ckms rsa keys export -k {UID} -f json-ttlv -w kek -m rsa-oaep k.json"
    assert '"KeyWrappingSpecification"' in wrapped.kmip and '"OAEP"' in wrapped.kmip
    public = for_export(UID, "PublicKey", "ECDSA", "public-pem", "pub.pem")
    assert public.kms_tui == f"kms-tui export {UID} -o pub.pem"
    assert public.ckms == f"ckms ec keys export -k {UID} -f pkcs8-pem pub.pem"
    assert for_export(UID, "Certificate", "", "der", "c.der").ckms is None  # ckms exports no DER certificate
    both = for_tags(UID, ("a",), ("b c",))
    assert both.kms_tui == f"kms-tui attributes set {UID} --tag a && kms-tui attributes delete {UID} --tag 'b c'"
    post, delete = both.kmip.split("\nDELETE ")
    assert json.loads(post.split("\n", 1)[1]) == {"tags": ["a"]}
    assert delete.startswith(f"/v1/crypto/keys/{UID}/tags\n") and json.loads(delete.split("\n", 1)[1]) == {
        "tags": ["b c"]
    }
