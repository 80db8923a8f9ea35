"""N on the objects screen renews the highlighted certificate (ReCertify, the radar's client call)
after a confirmation, against a real sandbox: the new certificate is selected, the old one is
Deactivated and links to it; N on a key is refused with why; the confirmation at 80×24."""

from __future__ import annotations

from kms_tui.kmip.models.certificate_requests import certify_any
from tests.tui.certificate_chain import LEAF, _objects_with_chain
from tests.tui.conftest import settle
from tests.tui.objects_helpers import notices, open_objects, reload


def _question(app) -> str:
    return str(app.screen.query_one("#confirm-question").render())


async def test_n_renews_a_certificate_after_confirmation_and_selects_the_new_one(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await open_objects(pilot)
        client = pilot.app.services.client
        old = await client.certify(
            certify_any(generate="ec:p256", subject="CN=web.example,O=Example", days=30, tags=["web"])
        )
        key = await client.create_symmetric_key(name="not-a-certificate")
        await reload(pilot, screen)

        assert screen.table.select_uid(key)
        await pilot.press("N")
        await pilot.pause()
        assert type(pilot.app.screen).__name__ == "ObjectsScreen"  # nothing asked, nothing sent
        assert any("N renews a certificate" in n for n in notices(pilot.app))

        assert screen.table.select_uid(old)
        await pilot.press("N")
        await pilot.pause()
        assert type(pilot.app.screen).__name__ == "ConfirmationModal"
        assert f"Renew the certificate {old}?" in _question(pilot.app)
        await pilot.press("n")  # cancelled: nothing sent
        await settle(pilot)
        assert (await client.get_attributes(old))["State"] == "Active"

        await pilot.press("N")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        new = screen.table.current.uid
        assert new != old and screen.table.current.object_type == "Certificate"
        assert screen.table.current.state == "Active" and "web" in screen.table.current.tags  # tags moved along
        old_attrs = await client.get_attributes(old)
        assert old_attrs["State"] == "Deactivated"
        assert {"type": "ReplacementObjectLink", "id": new} in old_attrs["links"]
        assert screen.table.get_row(old).state == "Deactivated"  # the old row was read again
        assert any(f"Renewed {old}" in n for n in notices(pilot.app))


async def test_n_in_read_only_mode_is_refused(console_factory, sandbox_conf):
    app = console_factory(conf=sandbox_conf, read_only=True)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await open_objects(pilot)
        await settle(pilot)
        await pilot.press("N")
        await pilot.pause()
        assert pilot.app.screen is screen


def test_renew_confirmation_snapshot(snap_compare, sandbox_console, sandbox):
    async def run_before(pilot):
        screen = await _objects_with_chain(pilot, sandbox)
        screen.table.select_uid(LEAF)
        await pilot.press("N")
        await settle(pilot)

    assert snap_compare(sandbox_console, run_before=run_before, terminal_size=(80, 24))
