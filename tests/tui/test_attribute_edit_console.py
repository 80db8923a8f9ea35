"""Name, dates and vendor attributes edited in the console (``A``) against a real sandbox: the requests land
(read back from the server), the browser row changes in place without a reload, clearing a field
deletes the attribute, a bad date keeps the dialog open; and the dialog's snapshot at 80×24."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from kms_tui.tui.modals.attributes_edit import AttributesModal
from kms_tui.tui.modals.error import ErrorModal
from kms_tui.tui.objects.rows import recent_attributes
from tests.tui.conftest import settle
from tests.tui.objects_helpers import notices, open_objects, press_on_a_new_key, reload, submit_form
from tests.tui.scenes import _with_secret

pytestmark = pytest.mark.usefixtures("utc_local_time")  # dates drawn in UTC

EDIT_FIELDS = ("#edit-name", "#edit-activation", "#edit-deactivation")


async def _edit(pilot, **values: str):
    await pilot.press("A")
    await pilot.pause()
    modal = pilot.app.screen
    assert isinstance(modal, AttributesModal)
    for field, value in values.items():
        modal.query_one(f"#edit-{field}", Input).value = value
    await submit_form(pilot)
    return modal


async def test_name_and_dates_change_in_place(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        client = pilot.app.services.client
        uid = await client.create_symmetric_key(name="old-name", tags=("t",))
        await reload(pilot, screen)
        assert screen.table.select_uid(uid)
        row_before = screen.table.current
        loads = screen.generation
        await _edit(pilot, name="new-name", deactivation="2030-01-31")
        attrs = await client.get_attributes(uid)
        assert attrs["names"] == ["new-name"]  # ModifyAttribute replaced the first name
        assert attrs["DeactivationDate"] == "2030-01-31T00:00:00Z"
        row = screen.table.current
        assert row.uid == uid and row.name == "new-name" and row is not row_before  # refreshed in place…
        assert screen.generation == loads  # …without a reload of the list
        assert shown_deactivation(row) == "2030-01-31T00:00:00Z"
        assert any("name 'new-name'" in n for n in notices(pilot.app))

        await _edit(pilot, name="", deactivation="")  # clearing deletes
        attrs = await client.get_attributes(uid)
        assert "names" not in attrs and "DeactivationDate" not in attrs
        assert screen.table.current.name == "" and screen.generation == loads

        await _edit(pilot, name="added-back", activation="2031-02-01T10:00:00Z")
        attrs = await client.get_attributes(uid)
        assert attrs["names"] == ["added-back"] and attrs["ActivationDate"] == "2031-02-01T10:00:00Z"
        assert attrs["State"] == "Active"  # SetAttribute of a date does not change the state

        await _edit(pilot, **{"vendor-set": "acme:owner=team-payments"})
        assert (await client.get_attributes(uid))["vendor_attributes"] == {"acme/owner": "team-payments"}
        vendor = recent_attributes(client).get(uid)["Attribute"]  # the detail pane's, read with the row
        assert [(a["AttributeName"], a["AttributeValue"]) for a in vendor] == [("owner", "team-payments")]  # in place
        await _edit(pilot, **{"vendor-delete": "acme:nothing"})  # not there: said, nothing sent
        assert isinstance(pilot.app.screen, ErrorModal)
        assert "no vendor attribute acme/nothing" in str(pilot.app.screen.query_one("#error-message").render())
        await pilot.press("escape")
        await _edit(pilot, **{"vendor-delete": "acme:owner"})
        assert "vendor_attributes" not in await client.get_attributes(uid)
        assert not recent_attributes(client).get(uid).get("Attribute")


def shown_deactivation(row) -> str:
    from kms_tui.tui.modals.attributes_edit import shown_date

    return shown_date(row.deactivated)


async def test_a_bad_date_or_no_change_keeps_the_dialog_open(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        uid = await pilot.app.services.client.create_symmetric_key(name="k")
        await reload(pilot, screen)
        assert screen.table.select_uid(uid)
        modal = await _edit(pilot, deactivation="next tuesday")
        assert pilot.app.screen is modal and "YYYY-MM-DD" in str(modal.query_one("#form-problem").render())
        modal.query_one("#edit-deactivation", Input).value = ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is modal and "Nothing changed" in str(modal.query_one("#form-problem").render())


async def test_read_only_console_does_not_open_the_dialog(console_factory, sandbox_conf):
    def refused(app) -> None:
        assert not isinstance(app.screen, AttributesModal)
        assert any("Read-only" in n for n in notices(app))

    await press_on_a_new_key(console_factory(conf=sandbox_conf, read_only=True), "A", refused)


async def _attributes_dialog(pilot):
    await _with_secret(pilot)
    await pilot.press("A")
    await pilot.pause()
    pilot.app.screen.query_one("#edit-deactivation", Input).value = "2030-01-31"
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24)], ids=["80x24"])
def test_attributes_dialog_snapshot(size, snap_compare, sandbox_console):
    assert snap_compare(sandbox_console, run_before=_attributes_dialog, terminal_size=size)
