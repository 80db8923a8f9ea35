"""Secret data and opaque objects in the console, against a real sandbox: the create dialog
(a hidden value or a random one of a chosen length), the detail pane's value masked until V,
revoked secrets revealed only after a confirmation, nothing of the value in the audit trail or on
screen before V, every key type of the dialog created — and, end to end, a password created in
the console resolved through a ``secret://HOST:PORT/ID`` reference in a profile."""

from __future__ import annotations

from textual.widgets import Checkbox, Input, Select

from kms_tui.audit import default_path
from kms_tui.config import ProfileSettings, ProfileStore, resolve_connection
from kms_tui.tui.modals.confirm import ConfirmationModal
from kms_tui.tui.modals.create_key import KEY_KINDS
from kms_tui.tui.objects.secrets import MASK
from tests.tui.conftest import settle
from tests.tui.objects_helpers import notices, open_objects, press_on_a_new_key, reload, submit_form

PASSWORD = "s3cret-for-the-db, never on screen"


def _kind(label: str) -> int:
    return next(i for i, k in enumerate(KEY_KINDS) if k.label == label)


def _value_line(screen) -> str:
    return str(screen.query_one("#detail-body").render())


async def _create(pilot, label: str, *, value: str = "", length: str = "", name: str = "", settle_after=True):
    """Fill the create dialog for a secret kind and send it; returns the dialog."""
    await pilot.press("n")
    modal = pilot.app.screen
    modal.query_one("#create-kind", Select).value = _kind(label)
    await pilot.pause()
    assert not modal.query_one("#create-value-row").has_class("-hidden")  # the secret fields show
    assert modal.query_one("#create-value", Input).password  # typed value hidden
    modal.query_one("#create-value", Input).value = value
    modal.query_one("#create-length", Input).value = length
    modal.query_one("#create-name", Input).value = name
    if settle_after:
        await submit_form(pilot)
    else:
        await pilot.press("ctrl+s")
        await pilot.pause()
    return modal


async def test_a_typed_password_stays_masked_until_v(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        await _create(pilot, "Secret data: password", value=PASSWORD, name="db-password")
        row = screen.table.current
        assert (row.object_type, row.state, row.name) == ("SecretData", "Active", "db-password")
        await pilot.press("enter")
        await settle(pilot)
        assert MASK in _value_line(screen) and PASSWORD not in _value_line(screen)
        assert PASSWORD not in pilot.app.export_screenshot()
        await pilot.press("V")
        await settle(pilot)
        assert PASSWORD in _value_line(screen)  # revealed on request
        await pilot.press("V")
        await pilot.pause()
        assert MASK in _value_line(screen) and PASSWORD not in _value_line(screen)  # hidden again
        await pilot.press("V")
        await settle(pilot)
        await pilot.press("down")  # another object: the value goes
        await pilot.press("up")
        await pilot.pause()
        assert PASSWORD not in _value_line(screen)
        assert not any(PASSWORD in n for n in notices(pilot.app))
    raw = b"".join(p.read_bytes() for p in default_path().parent.iterdir() if p.is_file())
    assert b"Import" in raw and b"Export" in raw  # recorded…
    assert PASSWORD.encode() not in raw and PASSWORD.encode().hex().encode() not in raw  # …without the value


async def test_random_values_of_a_chosen_length_and_the_servers_seed(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        client = pilot.app.services.client
        from kms_tui.client import secrets as sd

        await _create(pilot, "Secret data: password", length="40")
        assert len((await sd.reveal(client, screen.table.current.uid)).value) == 40
        await _create(pilot, "Secret data: seed")
        assert len((await sd.reveal(client, screen.table.current.uid)).value) == 32  # the server's seed
        await _create(pilot, "Opaque object", length="10")
        row = screen.table.current
        assert row.object_type == "OpaqueObject" and len((await sd.reveal(client, row.uid)).value) == 10
        modal = await _create(pilot, "Opaque object", value="x", length="5", settle_after=False)
        assert "not both" in str(modal.query_one("#form-problem").render())
        modal.query_one("#create-length", Input).value = ""
        modal.query_one("#create-activate", Checkbox).value = False  # never activable afterwards: refused
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "cannot be activated later" in str(modal.query_one("#form-problem").render())


async def test_a_revoked_secret_is_revealed_after_a_confirmation(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        await _create(pilot, "Secret data: password", value=PASSWORD)
        uid = screen.table.current.uid
        await pilot.app.services.client.revoke(uid, "Unspecified")
        await reload(pilot, screen)
        assert screen.table.select_uid(uid) and screen.table.current.state == "Deactivated"
        await pilot.press("V")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmationModal)
        await pilot.press("escape")
        await settle(pilot)
        assert PASSWORD not in _value_line(screen)
        await pilot.press("V")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert PASSWORD in _value_line(screen)


async def test_v_on_a_sensitive_secret_says_so_and_exports_nothing(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        from kms_tui.client import secrets as sd

        created = await sd.create_secret_data(pilot.app.services.client, sensitive=True)
        await reload(pilot, screen)
        assert screen.table.select_uid(created.uid)
        await pilot.press("V")
        await settle(pilot)
        assert any("is Sensitive" in n for n in notices(pilot.app)) and MASK in _value_line(screen)
    raw = b"".join(p.read_bytes() for p in default_path().parent.iterdir() if p.is_file())
    assert b"Export" not in raw


async def test_v_on_a_key_says_there_is_no_value(sandbox_console):
    await press_on_a_new_key(sandbox_console, "V", lambda app: _no_value_told(app))


def _no_value_told(app) -> None:
    assert any("Only secret data and opaque objects" in n for n in notices(app))


async def test_a_secret_created_in_the_console_resolves_through_a_secret_reference(sandbox_console, sandbox):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        await _create(pilot, "Secret data: password", value=PASSWORD, name="api-token")
        uid = screen.table.current.uid
    host = sandbox.url.removeprefix("http://")
    store = ProfileStore()
    store.create("chained")
    store.save_text(
        "chained", f'[http_config]\nserver_url = "https://kms.example:9998"\naccess_token = "secret://{host}/{uid}"\n'
    )
    store.set_profile_settings("chained", ProfileSettings(secret_backend="cosmian-kms"))
    connection = resolve_connection("chained")
    assert connection.http_config["access_token"] == PASSWORD
    assert PASSWORD not in str(connection.masked())


async def test_secret_data_and_opaque_objects_are_destroyed_from_the_console(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        for label in ("Secret data: password", "Opaque object"):
            await _create(pilot, label, value=PASSWORD)
            uid = screen.table.current.uid
            await pilot.press("d")  # Active: the dialog revokes first, then destroys
            modal = pilot.app.screen
            assert "Revoke, then destroy" in str(modal.query_one("#confirm").label)
            modal.query_one("#destroy-confirm", Input).value = uid[:6]
            await submit_form(pilot)
            assert screen.table.get_row(uid).state == "Destroyed", label
            await pilot.press("V")
            await pilot.pause()
            assert any("its value is gone" in n for n in notices(pilot.app)), label
