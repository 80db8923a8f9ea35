"""Pilot tests of the object browser's actions against a real sandbox."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from textual.widgets import Checkbox, Input, Select

from kms_tui.tui.modals.create_key import KEY_KINDS
from tests.tui.conftest import settle
from tests.tui.objects_helpers import notices, open_objects, reload, submit_form


def _kind_index(label: str) -> int:
    return next(i for i, k in enumerate(KEY_KINDS) if k.label == label)


async def test_create_rsa_pair_selects_the_new_private_key(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        assert screen.table.total == 0
        await pilot.press("n")
        modal = pilot.app.screen
        modal.query_one("#create-name", Input).value = "payments-signing"
        modal.query_one("#create-tags", Input).value = "prod, eu"
        await submit_form(pilot)
        current = screen.table.current
        assert current is not None and current.object_type == "PrivateKey"
        assert (current.algorithm, current.length, current.state) == ("RSA", 2048, "Active")
        assert current.name == "payments-signing" and current.tags == ("eu", "prod")
        assert current.links["PublicKeyLink"] == current.uid + "_pk"
        assert screen.table.total == 2  # the public key came with it


async def test_create_preactive_aes_then_activate(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        await pilot.press("n")
        modal = pilot.app.screen
        modal.query_one("#create-kind", Select).value = _kind_index("AES 192 key")
        modal.query_one("#create-activate", Checkbox).value = False
        await submit_form(pilot)
        row = screen.table.current
        assert (row.object_type, row.length, row.state) == ("SymmetricKey", 192, "PreActive")
        await pilot.press("a")
        await pilot.pause()
        from tests.tui.conftest import settle

        await settle(pilot)
        assert screen.table.current.state == "Active"
        await pilot.press("a")  # already active: told why, nothing sent
        assert any("Only pre-active" in n for n in notices(pilot.app))


async def test_each_key_kind_can_be_created(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        labels = [k.label for k in KEY_KINDS if not k.is_secret and k.size not in (2048, 4096)]  # every kind
        for label in labels:
            await pilot.press("n")
            pilot.app.screen.query_one("#create-kind", Select).value = _kind_index(label)
            await submit_form(pilot)
            assert type(pilot.app.screen).__name__ == "ObjectsScreen", label  # no error modal
            assert screen.table.current.state == "Active", label
        algorithms = {r.algorithm for r in screen.table.shown_rows}
        assert {"RSA", "ECDH", "Ed25519", "Ed448", "AES", "ChaCha20", "SHA3224", "SHA3512", "SHAKE128"} <= algorithms
        assert screen.table.total == sum(2 if KEY_KINDS[_kind_index(label)].is_pair else 1 for label in labels)


async def test_revoke_key_compromise_cascades_to_the_public_key(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        sk, pk = await pilot.app.services.client.create_key_pair("rsa", size=2048, name="to-revoke")
        await reload(pilot, screen)
        assert screen.table.select_uid(sk)
        await pilot.press("v")
        modal = pilot.app.screen
        assert modal.query_one("#revoke-date-row").has_class("-hidden")  # only for compromise reasons
        modal.query_one("#revoke-reason", Select).value = "KeyCompromise"
        await pilot.pause()
        assert not modal.query_one("#revoke-date-row").has_class("-hidden")
        modal.query_one("#revoke-date", Input).value = "2026-01-10"
        modal.query_one("#revoke-message", Input).value = "laptop stolen"
        await submit_form(pilot)
        assert screen.table.get_row(sk).state == "Compromised"
        assert screen.table.get_row(pk).state == "Compromised"


async def test_revoke_refuses_a_future_compromise_date(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        await pilot.app.services.client.create_symmetric_key("AES", 256)
        await reload(pilot, screen)
        await pilot.press("v")
        modal = pilot.app.screen
        modal.query_one("#revoke-reason", Select).value = "KeyCompromise"
        modal.query_one("#revoke-date", Input).value = "2999-01-01"
        await submit_form(pilot)
        assert pilot.app.screen is modal  # still open, nothing sent
        assert "future" in str(modal.query_one("#form-problem").render())
        assert screen.table.current.state == "Active"


async def test_destroy_active_key_offers_revoke_then_destroy(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        sk, pk = await pilot.app.services.client.create_key_pair("ec", curve="p256")
        await reload(pilot, screen)
        screen.table.select_uid(sk)
        await pilot.press("d")
        modal = pilot.app.screen
        names = str(modal.query_one("#destroy-names").render())
        assert sk in names and pk in names  # the object and its linked key are named
        assert "Revoke, then destroy" in str(modal.query_one("#confirm").label)
        await pilot.press(*"nope42", "enter")  # wrong id start: refused, nothing sent
        await pilot.pause()
        assert pilot.app.screen is modal
        assert "first 6 characters" in str(modal.query_one("#form-problem").render())
        modal.query_one("#destroy-confirm", Input).value = sk[:6]
        await submit_form(pilot)
        assert screen.table.get_row(sk).state == "Destroyed"
        assert screen.table.get_row(pk).state == "Destroyed"  # cascade is on by default


async def test_destroy_with_remove_drops_the_rows(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        client = pilot.app.services.client
        sk, pk = await client.create_key_pair("rsa", size=2048)
        await client.revoke(sk, "Superseded")
        await reload(pilot, screen)
        screen.table.select_uid(sk)
        await pilot.press("d")
        modal = pilot.app.screen
        assert "Destroy (ctrl+s)" == str(modal.query_one("#confirm").label)  # revoked: no revoke step
        modal.query_one("#destroy-remove", Checkbox).value = True
        modal.query_one("#destroy-confirm", Input).value = sk[:6]
        await submit_form(pilot)
        assert screen.table.get_row(sk) is None and screen.table.get_row(pk) is None
        assert await client.list_objects() is not None
        owned = [o["object_id"] for o in await client.access_owned()]
        assert sk not in owned and pk not in owned  # gone for good on the server too


async def test_export_public_key_pem_and_copy_id(sandbox_console, tmp_path):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        screen.export_dir = tmp_path
        sk, pk = await pilot.app.services.client.create_key_pair("rsa", size=2048)
        await reload(pilot, screen)
        screen.table.select_uid(sk)
        await pilot.press("c")
        assert pilot.app.clipboard == sk
        await pilot.press("e")  # a private key row exports its public key
        modal = pilot.app.screen
        modal.query_one("#export-path", Input).value = "signing.pem"
        await submit_form(pilot)
        pem = (tmp_path / "signing.pem").read_bytes()
        assert pem.startswith(b"-----BEGIN PUBLIC KEY-----")
        assert serialization.load_pem_public_key(pem).key_size == 2048
        await pilot.press("e")  # the file exists now: refused unless Overwrite is ticked
        modal = pilot.app.screen
        modal.query_one("#export-path", Input).value = "signing.pem"
        await submit_form(pilot)
        assert "exists" in str(modal.query_one("#form-problem").render())


async def test_symmetric_key_export_offers_its_formats_and_asks_first(sandbox_console, tmp_path):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        screen.export_dir = tmp_path
        await pilot.app.services.client.create_symmetric_key("AES", 256)
        await reload(pilot, screen)
        await pilot.press("e")
        await settle(pilot)
        modal = pilot.app.screen
        assert [value for _label, value in modal.choices] == ["raw", "base64", "json-ttlv"]  # no public part
        modal.query_one("#export-path", Input).value = "k.bin"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "symmetric key" in str(pilot.app.screen.query_one("#confirm-question").render())
        await pilot.press("y")
        await settle(pilot)
        assert len((tmp_path / "k.bin").read_bytes()) == 32


async def test_export_certificate_pem(sandbox_console, tmp_path):
    from cryptography import x509

    from kms_tui.kmip.models.requests import CertificateAttributes, certify_request

    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        screen.export_dir = tmp_path
        client = pilot.app.services.client
        _sk, pk = await client.create_key_pair("rsa", size=2048)
        subject = CertificateAttributes(certificate_subject_cn="console-e2e")
        cert = await client.certify(certify_request(pk, subject).to_ttlv())
        await reload(pilot, screen)
        assert screen.table.select_uid(cert)
        await pilot.press("e")
        pilot.app.screen.query_one("#export-path", Input).value = "cert.pem"
        await submit_form(pilot)
        loaded = x509.load_pem_x509_certificate((tmp_path / "cert.pem").read_bytes())
        assert "console-e2e" in loaded.subject.rfc4514_string()
