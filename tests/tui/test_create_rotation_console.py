"""The create dialog's rotation fields (interval, offset, enroll in a keyset) set the policy on the
new key as `kms-tui create … --rotation-interval/--rotation-offset/--enroll-keyset` does (ckms's
RotationPolicyArgs: SetAttribute RotateInterval, RotateOffset, RotateName = the key's id), against
a real sandbox; F3 shows them in the command; a span that is not one stays in the form; the rows
hide for secrets; the dialog at 80×24."""

from __future__ import annotations

from textual.widgets import Input, Select

from kms_tui.tui.modals.create_key import KEY_KINDS
from kms_tui.tui.modals.show_command import ShowCommandModal
from kms_tui.tui.widgets.checkbox import Checkbox
from tests.tui.conftest import settle
from tests.tui.objects_helpers import open_objects, submit_form


def _kind(label_start: str) -> int:
    return next(i for i, k in enumerate(KEY_KINDS) if k.label.startswith(label_start))


async def _dialog(pilot):
    await open_objects(pilot)
    await pilot.press("n")
    await pilot.pause()
    dialog = pilot.app.screen
    assert type(dialog).__name__ == "CreateKeyModal"
    return dialog


def _fill(dialog, kind: int, interval: str, offset: str = "", keyset: bool = False) -> None:
    dialog.query_one("#create-kind", Select).value = kind
    dialog.query_one("#create-rotation-interval", Input).value = interval
    dialog.query_one("#create-rotation-offset", Input).value = offset
    dialog.query_one("#create-keyset", Checkbox).value = keyset


async def test_a_key_created_with_a_rotation_policy_and_enrolled_in_a_keyset(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        dialog = await _dialog(pilot)
        aes = _kind("AES 256")
        _fill(dialog, aes, "90d", "1d", keyset=True)
        await pilot.pause()
        dialog.query_one("#create-name", Input).focus()
        await pilot.press("f3")
        await pilot.pause()
        modal = pilot.app.screen
        assert isinstance(modal, ShowCommandModal)
        eq = modal.equivalent
        assert eq.kms_tui == (
            "kms-tui create aes --size 256 --rotation-interval 90d --rotation-offset 1d --enroll-keyset"
        )
        assert eq.ckms == (
            "ckms sym keys create -l 256 --enroll-keyset --rotation-interval 7776000 --rotation-offset 86400"
        )
        assert eq.kmip.count('"tag": "SetAttribute"') == 3 and '"RotateName"' in eq.kmip
        await pilot.press("escape")
        await pilot.pause()
        await submit_form(pilot)
        await settle(pilot)
        screen = pilot.app.screen
        uid = screen.table.current.uid
        attrs = await pilot.app.services.client.get_attributes(uid)
        assert (attrs["RotateInterval"], attrs["RotateOffset"], attrs["RotateName"]) == (7776000, 86400, uid)


async def test_a_key_pair_gets_the_policy_on_its_private_key(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        dialog = await _dialog(pilot)
        _fill(dialog, _kind("EC P-256"), "12h")
        await submit_form(pilot)
        await settle(pilot)
        row = pilot.app.screen.table.current
        assert row.object_type == "PrivateKey"
        attrs = await pilot.app.services.client.get_attributes(row.uid)
        assert attrs["RotateInterval"] == 43200 and "RotateName" not in attrs


async def test_a_bad_span_stays_in_the_form_and_secrets_have_no_rotation_rows(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        dialog = await _dialog(pilot)
        _fill(dialog, _kind("AES 256"), "soon")
        await submit_form(pilot)
        assert pilot.app.screen is dialog
        assert "The rotation interval 'soon' is not a duration" in str(dialog.query_one("#form-problem").render())
        dialog.query_one("#create-kind", Select).value = _kind("Secret data: password")
        await pilot.pause()
        assert dialog.query_one("#create-rotation-interval-row").has_class("-hidden")
        assert dialog.query_one("#create-keyset-row").has_class("-hidden")


def test_create_dialog_with_rotation_fields_snapshot(snap_compare, sandbox_console):
    async def run_before(pilot):
        dialog = await _dialog(pilot)
        _fill(dialog, _kind("AES 256"), "90d", "1d", keyset=True)
        await settle(pilot)

    assert snap_compare(sandbox_console, run_before=run_before, terminal_size=(80, 24))
