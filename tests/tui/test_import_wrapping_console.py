"""The console's import preview and wrapped keys, against a real sandbox (ckms 5.26 ``import
--unwrap`` and ``--wrapping-key-id``, ``shared/import_key.rs``): a json-ttlv key wrapped by one
key of the KMS is unwrapped and stored wrapped by another, with the key usage typed; the rows
that do not apply to the file are hidden; a key that cannot wrap on import is named before the
server's bare error; `!` shows the import as commands and KMIP JSON; a Sensitive secret's export
gets the server's refusal explained. Snapshot at 80×24 of the preview of a wrapped json-ttlv key."""

from __future__ import annotations

import json

from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap_with_padding
from cryptography.hazmat.primitives.serialization import pkcs12
from textual.widgets import Input, Static

from kms_tui.client.transfer import export_files, import_files
from kms_tui.kmip import transfer
from kms_tui.kmip.enums import CryptographicUsageMask
from kms_tui.tui.modals.error import ErrorModal
from kms_tui.tui.transfer.import_preview import ImportPreviewModal
from kms_tui.tui.widgets.checkbox import Checkbox
from tests.client.support.certs import issue, make_ca
from tests.tui.conftest import settle
from tests.tui.objects_helpers import open_objects
from tests.tui.scenes import _objects_with_rows

KEY = bytes(range(40, 72))


async def _preview(pilot, screen, path) -> ImportPreviewModal:
    screen.transfer.import_file(path)
    await pilot.pause()
    await pilot.pause()
    modal = pilot.app.screen
    assert isinstance(modal, ImportPreviewModal)
    return modal


def _hidden(modal: ImportPreviewModal, row: str) -> bool:
    return modal.query_one(f"#{row}").has_class("-hidden")


async def _raw(client, uid: str) -> bytes:
    response = await client.get(uid, "Raw")
    return response.find("SymmetricKey/KeyBlock/KeyValue/KeyMaterial").value


async def test_a_wrapped_key_is_unwrapped_and_stored_wrapped_by_another_key(sandbox_console, tmp_path):
    async with sandbox_console.run_test(size=(80, 24)) as pilot:
        screen = await open_objects(pilot)
        client = pilot.app.services.client
        old_kek = await client.create_symmetric_key("AES", 256)
        new_kek = await client.create_symmetric_key("AES", 256)
        plain = import_files.read_file(KEY, "aes", None)
        uid = (await import_files.send(client, plain, import_files.ImportOptions()))[-1]
        wrapped = tmp_path / "wrapped.json"
        await export_files.export_to_file(
            client,
            uid,
            "SymmetricKey",
            export_files.format_named("json-ttlv"),
            wrapped,
            wrap_key=old_kek,
            wrap_alg=transfer.wrap_algorithm("rfc5649"),
        )

        modal = await _preview(pilot, screen, wrapped)
        assert f"wrapped by {old_kek}" in str(modal.query_one("#import-preview", Static).render())
        assert not _hidden(modal, "import-unwrap-row") and not _hidden(modal, "import-wrap-row")
        modal.query_one("#import-id", Input).value = "rewrapped"
        modal.query_one("#import-usage", Input).value = "encrypt, decrypt, bogus"
        modal.query_one("#import-wrap-key", Input).value = new_kek
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Unknown key usage bogus" in str(modal.query_one("#form-problem", Static).render())
        modal.query_one("#import-usage", Input).value = "encrypt, decrypt"
        await pilot.press("ctrl+s")
        await pilot.pause()
        # stored as the file holds it would keep the old wrapping: said, nothing sent
        assert "tick Unwrap" in str(modal.query_one("#form-problem", Static).render())
        assert pilot.app.screen is modal
        modal.query_one("#import-unwrap", Checkbox).value = True
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, ImportPreviewModal)
        assert screen.table.current.uid == "rewrapped"

        attrs = await client.get_attributes("rewrapped")
        assert {"type": "WrappingKeyLink", "id": new_kek} in attrs["links"]
        assert int(attrs["CryptographicUsageMask"]) == CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt
        stored = (await client.get("rewrapped")).find("SymmetricKey/KeyBlock/KeyValue").value
        assert aes_key_unwrap_with_padding(await _raw(client, new_kek), stored) == KEY  # RFC 5649, the new KEK


async def test_rows_follow_the_file_and_a_public_key_cannot_wrap_on_import(sandbox_console, tmp_path):
    root = make_ca("rows root")
    leaf = issue(root, "rows leaf", rsa_key=True)
    bundle = tmp_path / "b.p12"
    bundle.write_bytes(
        pkcs12.serialize_key_and_certificates(b"b", leaf.key, leaf.cert, [root.cert], ser.NoEncryption())
    )
    raw = tmp_path / "k.bin"
    raw.write_bytes(KEY)
    async with sandbox_console.run_test(size=(80, 24)) as pilot:
        screen = await open_objects(pilot)
        client = pilot.app.services.client
        modal = await _preview(pilot, screen, bundle)  # neither wrapped nor wrapped on import
        assert _hidden(modal, "import-unwrap-row") and _hidden(modal, "import-wrap-row")
        await pilot.press("escape")
        await settle(pilot)

        _sk, pk = await client.create_key_pair("rsa", size=2048)
        before = await client.locate()
        modal = await _preview(pilot, screen, raw)
        assert _hidden(modal, "import-unwrap-row") and not _hidden(modal, "import-wrap-row")
        modal.query_one("#import-wrap-key", Input).value = pk
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = pilot.app.screen
        assert isinstance(error, ErrorModal)
        assert "symmetric key only" in str(error.query_one("#error-message", Static).render())
        assert await client.locate() == before  # nothing imported


def _wrapped_json_file(tmp_path):
    """A json-ttlv AES key wrapped (RFC 5649, TTLV-encoded) by ``kek-of-the-vault``, as
    ``kms-tui export --format json-ttlv --wrap-key`` writes it (the bytes are random)."""

    def node(tag, type_, value):
        return {"tag": tag, "type": type_, "value": value}

    doc = {
        "tag": "SymmetricKey",
        "value": [
            {
                "tag": "KeyBlock",
                "value": [
                    node("KeyFormatType", "Enumeration", "Raw"),
                    node(
                        "KeyValue",
                        "ByteString",
                        "A131FCAEB0B055440687881901E00BC6864F42D28D8A279474A00CA6EBD0D5E5"
                        "852CBDAECB6C9AD26CFC93D5E5D772DA2517C95BF0F6FF11",
                    ),
                    node("CryptographicAlgorithm", "Enumeration", "AES"),
                    node("CryptographicLength", "Integer", 256),
                    {
                        "tag": "KeyWrappingData",
                        "value": [
                            node("WrappingMethod", "Enumeration", "Encrypt"),
                            {
                                "tag": "EncryptionKeyInformation",
                                "value": [
                                    node("UniqueIdentifier", "TextString", "kek-of-the-vault"),
                                    {
                                        "tag": "CryptographicParameters",
                                        "value": [
                                            node("CryptographicAlgorithm", "Enumeration", "AES"),
                                            node("BlockCipherMode", "Enumeration", "AESKeyWrapPadding"),
                                        ],
                                    },
                                ],
                            },
                            node("EncodingOption", "Enumeration", "TTLVEncoding"),
                        ],
                    },
                ],
            }
        ],
    }
    path = tmp_path / "payments-key.json"
    path.write_text(json.dumps(doc))
    return path


def test_wrapped_key_import_preview_snapshot(snap_compare, sandbox_console, tmp_path):
    path = _wrapped_json_file(tmp_path)

    async def run_before(pilot):
        screen = await _objects_with_rows(pilot)
        screen.transfer.import_file(path)
        await pilot.pause()
        modal = pilot.app.screen
        modal.query_one("#import-unwrap", Checkbox).value = True
        modal.query_one("#import-wrap-key", Input).value = "kek-2027"
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(sandbox_console, run_before=run_before, terminal_size=(80, 24))


def test_show_command_of_an_import_masks_the_password_and_names_the_ckms_group(tmp_path):
    """`!` in the preview: the kms-tui and ckms 5.26 commands and the Imports as KMIP JSON."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    from kms_tui.tui.show_command import for_import

    root = make_ca("show root")
    leaf = issue(root, "show leaf", rsa_key=True)
    password = "show-p12-secret"
    p12 = pkcs12.serialize_key_and_certificates(
        b"s", leaf.key, leaf.cert, [root.cert], ser.BestAvailableEncryption(password.encode())
    )
    plan = import_files.read_file(p12, None, password)
    shown = for_import("b.p12", plan, import_files.ImportOptions(uid="leaf", tags=("web",), password=password))
    assert shown.kms_tui == "kms-tui import b.p12 --id leaf --tag web --password-file PASSWORD_FILE"
    assert shown.ckms == "ckms certificates import -f pkcs12 -p '********' -t web b.p12 leaf"
    assert "PKCS12PasswordLink" in shown.kmip and password not in shown.kmip and password not in shown.ckms

    wrapped = _wrapped_json_file(tmp_path)
    plan = import_files.read_file(wrapped.read_bytes(), None, None)
    options = import_files.ImportOptions(usages=("encrypt",), unwrap=True, wrap_key="kek-2027")
    shown = for_import("k.json", plan, options, chosen_format="json-ttlv")
    assert shown.kms_tui == "kms-tui import k.json --format json-ttlv --key-usage encrypt --unwrap --wrap-key kek-2027"
    assert shown.ckms == "ckms sym keys import -f json-ttlv --key-usage encrypt -u -w kek-2027 k.json"
    assert '"NotWrapped"' in shown.kmip and '"kek-2027"' in shown.kmip
    assert "A131FCAE" not in shown.kmip  # the wrapped bytes: their size only

    pem = rsa.generate_private_key(65537, 2048).private_bytes(
        ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption()
    )
    shown = for_import("k.pem", import_files.read_file(pem, None, None), import_files.ImportOptions(replace=True))
    assert shown.ckms == "ckms rsa keys import -f pem -r k.pem"


async def test_bang_in_the_preview_shows_the_import(sandbox_console, tmp_path):
    from kms_tui.tui.modals.show_command import ShowCommandModal

    path = _wrapped_json_file(tmp_path)
    async with sandbox_console.run_test(size=(80, 24)) as pilot:
        screen = await open_objects(pilot)
        modal = await _preview(pilot, screen, path)
        modal.query_one("#import-wrap-key", Input).value = "kek-2027"
        await pilot.press("f3")
        await pilot.pause()
        assert "tick Unwrap" in str(modal.query_one("#form-problem", Static).render())  # said, not shown
        modal.query_one("#import-unwrap", Checkbox).value = True
        await pilot.press("f3")
        await pilot.pause()
        shown = pilot.app.screen
        assert isinstance(shown, ShowCommandModal)
        assert "ckms sym keys import -f json-ttlv -u -w kek-2027" in shown.equivalent.ckms


async def test_export_of_a_sensitive_secret_gets_the_refusal_explained(sandbox_console, tmp_path):
    """`e` → raw → the confirmation naming secret data → the server's Sensitive: DENIED, said in
    words with what to do in the console; no file."""
    from kms_tui.client import secrets as sd
    from tests.tui.objects_helpers import reload
    from tests.tui.transfer_helpers import _export_dialog_for, _question_after_submit

    async with sandbox_console.run_test(size=(80, 24)) as pilot:
        screen = await open_objects(pilot)
        created = await sd.create_secret_data(pilot.app.services.client, sensitive=True)
        screen.export_dir = tmp_path
        await reload(pilot, screen)
        await _export_dialog_for(pilot, screen, created.uid, "raw", "secret.bin")
        assert "secret data" in await _question_after_submit(pilot)
        await pilot.press("y")
        await settle(pilot)
        error = pilot.app.screen
        assert isinstance(error, ErrorModal)
        assert "marked Sensitive" in str(error.query_one("#error-message", Static).render())
        assert "Wrap with key id" in str(error.query_one("#error-fix", Static).render())
        assert not (tmp_path / "secret.bin").exists()


async def test_export_of_a_key_stored_wrapped_offers_unwrap(sandbox_console, tmp_path):
    """ckms ``export --unwrap``: a key stored wrapped leaves as stored (the confirmation says so)
    unless Unwrap is ticked; a key stored in the clear has no Unwrap row."""
    from tests.tui.objects_helpers import reload
    from tests.tui.transfer_helpers import _export_dialog_for, _question_after_submit

    async with sandbox_console.run_test(size=(80, 24)) as pilot:
        screen = await open_objects(pilot)
        client = pilot.app.services.client
        kek = await client.create_symmetric_key("AES", 256)
        plan = import_files.read_file(KEY, "aes", None)
        uid = (await import_files.send(client, plan, import_files.ImportOptions(wrap_key=kek)))[-1]
        screen.export_dir = tmp_path
        await reload(pilot, screen)

        modal = await _export_dialog_for(pilot, screen, kek, "raw", "kek.bin")
        assert _hidden(modal, "export-unwrap-row")  # stored in the clear
        modal.dismiss(None)
        await settle(pilot)

        modal = await _export_dialog_for(pilot, screen, uid, "raw", "as-stored.bin")
        assert not _hidden(modal, "export-unwrap-row")
        assert f"Stored wrapped by {kek}" in str(modal.query_one("#export-material", Static).render())
        assert f"as stored, wrapped by {kek}" in await _question_after_submit(pilot)
        await pilot.press("y")
        await settle(pilot)
        stored = (tmp_path / "as-stored.bin").read_bytes()
        assert aes_key_unwrap_with_padding(await _raw(client, kek), stored) == KEY

        modal = await _export_dialog_for(pilot, screen, uid, "raw", "plain.bin")
        modal.query_one("#export-unwrap", Checkbox).value = True
        assert "in the clear" in await _question_after_submit(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert (tmp_path / "plain.bin").read_bytes() == KEY


def test_export_dialog_of_a_key_stored_wrapped_snapshot(snap_compare, sandbox_console, tmp_path):
    from kms_tui.tui.transfer.export_dialog import ExportModal

    async def run_before(pilot):
        await _objects_with_rows(pilot)
        pilot.app.push_screen(
            ExportModal("payments-key", "SymmetricKey", directory=tmp_path, algorithm="AES", wrapped_by="kek-2025")
        )
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(sandbox_console, run_before=run_before, terminal_size=(80, 24))
