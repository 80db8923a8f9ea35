"""Import and export in the console, against a real sandbox: ``i`` opens the file picker, the
preview shows what the file holds before anything is sent, the import adds the rows; ``e``
offers every format and writes private key material only after a confirmation naming it.
Snapshots at 80×24 of the import preview and the extended export dialog."""

from __future__ import annotations

import stat

import pytest
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap_with_padding
from cryptography.hazmat.primitives.serialization import pkcs12
from textual.widgets import Input, Select, Static

from kms_tui.tui.modals.file_picker import FilePickerModal
from kms_tui.tui.transfer.import_preview import ImportPreviewModal
from tests.client.support.certs import issue, make_ca
from tests.tui.conftest import settle
from tests.tui.objects_helpers import open_objects, reload
from tests.tui.scenes import SK, _objects_with_rows
from tests.tui.transfer_helpers import _export_dialog_for, _question_after_submit


async def _submit(pilot) -> None:
    await pilot.press("ctrl+s")
    await pilot.pause()
    await settle(pilot)


async def test_import_shows_the_pkcs12_before_sending_then_the_rows_appear(sandbox_console, tmp_path):
    root = make_ca("console root")
    leaf = issue(root, "console leaf", rsa_key=True)
    bundle = tmp_path / "service.p12"
    bundle.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"svc", leaf.key, leaf.cert, [root.cert], ser.BestAvailableEncryption(b"hunter2")
        )
    )
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(pilot.app.screen, FilePickerModal)
        pilot.app.screen.query_one("#picker-path", Input).value = str(bundle)
        await pilot.press("enter")
        await pilot.pause()
        modal = pilot.app.screen
        assert isinstance(modal, ImportPreviewModal)
        preview = str(modal.query_one("#import-preview", Static).render())
        assert "pkcs12" in preview and "password" in preview
        before = await pilot.app.services.client.locate()
        modal.query_one("#import-password", Input).value = "hunter2"
        modal.query_one("#import-password", Input).focus()
        await pilot.press("enter")  # shows what it holds; nothing sent yet
        await pilot.pause()
        preview = str(modal.query_one("#import-preview", Static).render())
        assert "console leaf" in preview and "console root" in preview and "RSA 2048" in preview
        assert await pilot.app.services.client.locate() == before
        modal.query_one("#import-id", Input).value = "console-p12"
        modal.query_one("#import-tags", Input).value = "web, imported"
        await _submit(pilot)
        assert not isinstance(pilot.app.screen, ImportPreviewModal)
        for uid in ("console-p12_sk", "console-p12_pk", "console-p12"):
            row = screen.table.get_row(uid)
            assert row is not None and "imported" in row.tags, uid
        assert screen.table.current.uid == "console-p12_sk"


async def test_import_preview_refuses_a_wrong_password(sandbox_console, tmp_path):
    key = rsa.generate_private_key(65537, 2048)
    path = tmp_path / "enc.pem"
    path.write_bytes(
        key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.BestAvailableEncryption(b"right"))
    )
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        screen.transfer.import_file(path)
        await pilot.pause()
        modal = pilot.app.screen
        modal.query_one("#import-password", Input).value = "wrong"
        await _submit(pilot)
        assert isinstance(pilot.app.screen, ImportPreviewModal)  # kept open, saying why
        assert "password" in str(modal.query_one("#form-problem", Static).render())


async def test_export_of_a_private_key_names_it_and_writes_0600(sandbox_console, tmp_path):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        client = pilot.app.services.client
        kek = await client.create_symmetric_key("AES", 256)
        sk, _pk = await client.create_key_pair("rsa", size=2048)
        screen.export_dir = tmp_path
        await reload(pilot, screen)
        await _export_dialog_for(pilot, screen, sk, "pkcs8-pem", "sk.pem")
        question = await _question_after_submit(pilot)
        assert "private key" in question and sk in question and "0600" in question
        await pilot.press("escape")  # no: nothing written
        await settle(pilot)
        assert not (tmp_path / "sk.pem").exists()
        await _export_dialog_for(pilot, screen, sk, "pkcs8-pem", "sk.pem")
        await _question_after_submit(pilot)
        await pilot.press("y")
        await settle(pilot)
        out = tmp_path / "sk.pem"
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        key = ser.load_pem_private_key(out.read_bytes(), None)
        assert key.key_size == 2048
        # wrapped by a key of the KMS: the confirmation says so, the bytes unwrap with it
        modal = await _export_dialog_for(pilot, screen, sk, "raw", "sk.wrapped")
        modal.query_one("#export-wrap-key", Input).value = kek
        modal.query_one("#export-wrap-alg", Select).value = "aes-key-wrap-padding"
        assert f"wrapped by {kek}" in await _question_after_submit(pilot)
        await pilot.press("y")
        await settle(pilot)
        kek_bytes = await _raw(client, kek)
        plain = aes_key_unwrap_with_padding(kek_bytes, (tmp_path / "sk.wrapped").read_bytes())
        assert ser.load_der_private_key(plain, None).private_numbers() == key.private_numbers()


async def test_export_of_an_opaque_object_names_it_and_writes_its_bytes_0600(sandbox_console, tmp_path):
    from kms_tui.client.secrets import SecretValue, create_opaque_object

    blob = b"vendor blob \x00\x01\x02" * 4
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        uid = (await create_opaque_object(pilot.app.services.client, SecretValue(blob))).uid
        screen.export_dir = tmp_path
        await reload(pilot, screen)
        modal = await _export_dialog_for(pilot, screen, uid, "raw", "blob.bin")
        assert "opaque object" in str(modal.query_one("#export-material", Static).render())
        question = await _question_after_submit(pilot)
        assert "opaque object" in question and uid in question
        await pilot.press("y")
        await settle(pilot)
        out = tmp_path / "blob.bin"
        assert out.read_bytes() == blob and stat.S_IMODE(out.stat().st_mode) == 0o600


async def _raw(client, uid: str) -> bytes:
    response = await client.get(uid, "Raw")
    return response.find("SymmetricKey/KeyBlock/KeyValue/KeyMaterial").value


# -- snapshots --------------------------------------------------------------------------------------


def _import_preview(tmp_path):
    async def run_before(pilot):
        screen = await _objects_with_rows(pilot)
        path = tmp_path / "service-public.pem"
        key = rsa.generate_private_key(65537, 2048)
        path.write_bytes(key.public_key().public_bytes(ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo))
        screen.transfer.import_file(path)
        await pilot.pause()
        await pilot.pause()

    return run_before


async def _export_dialog(pilot):
    screen = await _objects_with_rows(pilot)
    screen.table.select_uid(SK)
    await pilot.press("e")
    await settle(pilot)
    pilot.app.screen.query_one("#export-format", Select).value = "pkcs8-pem"
    await pilot.pause()
    await pilot.pause()


@pytest.mark.parametrize("case", ["import_preview", "export_dialog"])
def test_transfer_snapshots(case, snap_compare, sandbox_console, tmp_path):
    run_before = _import_preview(tmp_path) if case == "import_preview" else _export_dialog
    assert snap_compare(sandbox_console, run_before=run_before, terminal_size=(80, 24))
