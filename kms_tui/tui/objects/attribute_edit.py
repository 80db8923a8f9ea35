"""Edit the highlighted object's name, dates and vendor attributes from the objects screen
(:class:`AttributeEditor`, owned by it).

``A`` opens :class:`~kms_tui.tui.modals.attributes_edit.AttributesModal`; the changes run in a
``destructive`` worker, one request per attribute (Set/Modify/DeleteAttribute through
:mod:`kms_tui.client.attributes`, the value to delete read from the server first), and the row
is refreshed in place from the server (:class:`RowsChanged`), as after a tag edit.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from kms_tui.client import attributes as edits
from kms_tui.client.errors import ServerRefused
from kms_tui.client.serde_dates import as_datetime
from kms_tui.kmip.models import attribute_requests as R
from kms_tui.safetext import visible
from kms_tui.tui.modals.attributes_edit import NOT_GIVEN, AttributeEdits, AttributesModal, shown_date
from kms_tui.tui.objects import actions
from kms_tui.tui.objects.lifecycle import RowsChanged

if TYPE_CHECKING:
    from kms_tui.client.kms_client import KmsClient
    from kms_tui.tui.objects.screen import ObjectsScreen

_BUILD = {"ActivationDate": R.activation_date_attribute, "DeactivationDate": R.deactivation_date_attribute}


async def apply_edits(client: KmsClient, request: AttributeEdits) -> list[str]:
    """Send the requests ``request`` asks for; what was done, for the notice."""
    uid, done = request.uid, []
    if request.name is not NOT_GIVEN:
        if request.name is None:
            await edits.delete_attributes(client, uid, [R.name_attribute(request.old_name)])
            done.append(f"name {visible(request.old_name)!r} removed")
        elif request.old_name:
            await edits.modify_attributes(client, uid, [R.name_attribute(str(request.name))])
            done.append(f"name {visible(str(request.name))!r}")
        else:
            await edits.set_attributes(client, uid, [R.name_attribute(str(request.name))])
            done.append(f"name {visible(str(request.name))!r} added")
    if request.dates:
        current = await client.get_attributes(uid, with_tags=False)
    for attr, when in request.dates:
        if when is None:
            before = as_datetime(current.get(attr))
            if before is not None:
                await edits.delete_attributes(client, uid, [_BUILD[attr](before)])
                done.append(f"{attr} removed")
        else:
            await edits.set_attributes(client, uid, [_BUILD[attr](when)])
            done.append(f"{attr} {shown_date(when)}")
    if request.vendor_set is not None:
        vendor, name, value = request.vendor_set
        await edits.set_attributes(client, uid, [R.vendor_attribute(vendor, name, value)])
        done.append(f"vendor attribute {visible(vendor)}/{visible(name)} set")
    if request.vendor_delete is not None:
        vendor, name = request.vendor_delete
        present = (await client.get_attributes(uid, with_tags=False)).get("vendor_attributes", {})
        if f"{vendor}/{name}" not in present:
            raise NothingThere(
                f"{visible(uid)} has no vendor attribute {visible(vendor)}/{visible(name)}",
                "the detail pane lists its vendor attributes",
                reason="Attribute_Not_Found",
            )
        await edits.delete_attributes(client, uid, [R.vendor_attribute(vendor, name, b"")])
        done.append(f"vendor attribute {visible(vendor)}/{visible(name)} removed")
    return done


class NothingThere(ServerRefused):
    """The attribute to remove is not on the object (nothing is sent)."""


class AttributeEditor:
    """Owned by the objects screen (``screen.attribute_edits``): ``A`` on the highlighted object."""

    def __init__(self, screen: ObjectsScreen) -> None:
        self.screen = screen

    def edit(self) -> None:
        row = self.screen.writable_row("change attributes")
        if row is not None:
            self.screen.app.push_screen(AttributesModal(row), self._chosen)

    def _chosen(self, request: AttributeEdits | None) -> None:
        if request is not None:
            self.screen.run_for(partial(self._apply, request), "destructive")

    async def _apply(self, request: AttributeEdits) -> None:
        client = self.screen.client
        done = await apply_edits(client, request)
        rows, gone = await actions.fetch_rows(client, [request.uid])
        notice = f"{visible(request.uid)}: " + ("; ".join(done) or "nothing to change")
        self.screen.post_message(RowsChanged(notice, rows, gone))
