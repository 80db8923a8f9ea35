"""The object browser's rows and detail pane show the dates of a real Cosmian answer (serde
tuples in ``/access/owned``, tests/data/cosmian_serde) as dates, not as lists of numbers."""

from __future__ import annotations

from datetime import UTC

from kms_tui.client.json_slices import array_slices
from kms_tui.client.listing import _decode_slice
from kms_tui.client.requests import LocateFilter
from kms_tui.tui.objects.format import readable_attributes, vendor_attributes
from kms_tui.tui.objects.loading import row_from_summary
from kms_tui.tui.objects.rows import row_from_attributes
from tests.conftest import DATA

SERDE = DATA / "cosmian_serde"


def _rows(name: str):
    slices = array_slices((SERDE / name).read_bytes(), "object_id")
    rows = []
    while (decoded := _decode_slice(slices, {}, LocateFilter(state="Deactivated"), row_from_summary)) is not None:
        rows += [row_from_summary(s) for s in decoded[0]]
    return {r.uid: r for r in rows}


def test_rows_show_the_creation_date_and_the_detail_pane_every_date():
    rows = _rows("owned_key_pair.json")
    public = rows["5a1d9e27-6c0b-4f53-8e2a-b94c07d3e612_pk"]
    assert public.cell("created") == "2026-03-01 23:59"
    assert public.tags == ("team-a",) and public.system_tags == ("_pk",)
    assert public.links["PrivateKeyLink"] == "5a1d9e27-6c0b-4f53-8e2a-b94c07d3e612"
    shown = dict(readable_attributes(public.attributes, UTC))
    assert shown["DeactivationDate"] == "2026-12-01 08:00:00 UTC"
    assert shown["LastChangeDate"] == "2026-12-01 08:00:00 UTC"
    assert "[" not in "".join(shown[k] for k in shown if k.endswith("Date"))


def test_vendor_dates_and_offsets_are_shown_as_dates():
    [row] = _rows("owned_vendor_values.json").values()
    shown = dict(readable_attributes(row.attributes, UTC))
    assert shown["ActivationDate"] == "2026-12-31 22:30:00 UTC"  # 2027-01-01T00:00+01:30
    assert shown["InitialDate"] == "2026-12-03 10:05:06 UTC"
    vendor = dict(vendor_attributes(row.attributes))
    assert vendor["acme/expires"].startswith("2030-12-31")
    assert vendor["cosmian/requested_validity_days"] == "365"


def test_raw_owned_attributes_read_directly_give_the_same_row():
    import json

    [entry] = json.loads((SERDE / "owned_symmetric_key.json").read_text())
    row = row_from_attributes(entry["object_id"], entry["attributes"], state=entry["state"])
    assert row.tags == ("payments",) and row.system_tags == ("_kk",)  # read from {"_t", "_c"}
    assert row.cell("created") == "2026-12-03 09:14"
