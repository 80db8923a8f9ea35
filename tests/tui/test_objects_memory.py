"""The object browser holds its rows compactly (issue 14: 100,000 objects in 200 MB): after a
load, no row keeps an attribute dict, rows share their type, algorithm, state and tag strings,
and the detail pane still shows every attribute of an object, read from the server when the
object is opened (against a real sandbox)."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime

from kms_tui.client import attributes as edits
from kms_tui.client import requests as kmip
from kms_tui.kmip.models import attribute_requests as R
from kms_tui.tui.objects.rows import NO_LINKS, ObjectRow, recent_attributes
from tests.tui.conftest import settle
from tests.tui.objects_helpers import open_objects

COUNT = 300
SKIPPED = {"names", "links", "tags", "vendor_attributes"}  # shown in their own sections


async def _fill(client) -> str:
    """COUNT keys, and one with a name, tags, a deactivation date and a vendor attribute."""
    ops = [
        kmip.create_symmetric_key(length=256, tags=["bulk", f"team-{i % 3}"], name=f"bulk-{i:04d}")
        for i in range(COUNT)
    ]
    assert all(r.ok for r in await client.batch(ops))
    uid = await client.create_symmetric_key(tags=["watched", "payments"], name="watched-key")
    await edits.set_attributes(client, uid, [R.deactivation_date_attribute(datetime(2031, 5, 6, 7, 8, tzinfo=UTC))])
    await edits.set_attributes(client, uid, [R.vendor_attribute("acme", "owner", "team-payments")])
    return uid


def _body(screen) -> str:
    return str(screen.detail.query_one("#detail-body").render())


async def test_loaded_rows_hold_no_attribute_dict_and_share_their_strings(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await _fill(pilot.app.services.client)
        screen = await open_objects(pilot)
        rows = list(screen.table.shown_rows)
        assert len(rows) == COUNT + 1
        names = {f.name for f in fields(ObjectRow)}
        assert not names & {"raw_attributes", "_attributes", "attributes"}
        for row in rows:
            assert not hasattr(row, "__dict__")  # slots only: nothing can be hung on a row
            held = [getattr(row, n) for n in names if n != "links"]
            assert not any(isinstance(v, dict | list) for v in held), row.uid
            assert row.links is NO_LINKS  # keys without links share one empty mapping
        same = [r for r in rows if r.tags == rows[0].tags]
        assert len(same) > 1 and all(r.tags is same[0].tags for r in same)
        assert all(r.object_type is rows[0].object_type and r.state is rows[0].state for r in rows)


async def test_the_detail_pane_shows_every_attribute_of_an_object_opened_after_the_load(sandbox_console):
    async with sandbox_console.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        client = pilot.app.services.client
        uid = await _fill(client)
        screen = await open_objects(pilot)
        recent_attributes(client).clear()  # as for any row of a large listing: nothing read yet
        assert screen.table.select_uid(uid)
        await pilot.press("enter")
        await settle(pilot)  # the pane reads the attributes in a worker
        body = _body(screen)
        on_server = await client.get_attributes(uid)
        labels = [k for k in on_server if k not in SKIPPED]
        assert len(labels) >= 8
        missing = [k for k in labels if f"\n{k} " not in body]
        assert not missing, body
        assert "watched-key" in body and "payments, watched" in body
        assert "acme/owner" in body and "team-payments" in body
        assert "2031-05-06 07:08:00" in body  # the deactivation date, readable
        assert "CryptographicUsageMask" in body and "Encrypt" in body
