"""The object browser's rows and detail pane show the dates of a real Cosmian answer (serde
tuples in ``/access/owned``, tests/data/cosmian_serde) as dates, not as lists of numbers."""

from __future__ import annotations

from datetime import UTC

from kms_tui.client.json_slices import array_slices
from kms_tui.client.listing import _decode_slice
from kms_tui.client.requests import LocateFilter
from kms_tui.tui.objects.format import readable_attributes, vendor_attributes
from kms_tui.tui.objects.loading import row_from_summary
from kms_tui.tui.objects.rows import normalise_attributes, row_from_attributes
from tests.conftest import DATA

SERDE = DATA / "cosmian_serde"


def _summaries(name: str):
    slices = array_slices((SERDE / name).read_bytes(), "object_id")
    found = []
    while (decoded := _decode_slice(slices, {}, LocateFilter(state="Deactivated"), row_from_summary)) is not None:
        found += decoded[0]
    return {s.uid: s for s in found}


def _rows(name: str):
    return {uid: row_from_summary(s) for uid, s in _summaries(name).items()}


def _attributes(name: str, uid: str | None = None):
    """What the detail pane shows of an object listed in ``name`` (its attributes as the listing
    decoded them, normalised as the pane does with what GetAttributes answers)."""
    summaries = _summaries(name)
    return normalise_attributes((summaries[uid] if uid else next(iter(summaries.values()))).attributes)


def test_rows_show_the_creation_date_and_the_detail_pane_every_date():
    rows = _rows("owned_key_pair.json")
    public = rows["5a1d9e27-6c0b-4f53-8e2a-b94c07d3e612_pk"]
    assert public.cell("created") == "2026-03-01 23:59"
    assert public.tags == ("team-a",) and public.system_tags == ("_pk",)
    assert public.links["PrivateKeyLink"] == "5a1d9e27-6c0b-4f53-8e2a-b94c07d3e612"
    assert f"{public.deactivated:%Y-%m-%d %H:%M}" == "2026-12-01 08:00"  # kept for the export warning
    shown = dict(readable_attributes(_attributes("owned_key_pair.json", public.uid), UTC))
    assert shown["DeactivationDate"] == "2026-12-01 08:00:00 UTC"
    assert shown["LastChangeDate"] == "2026-12-01 08:00:00 UTC"
    assert "[" not in "".join(shown[k] for k in shown if k.endswith("Date"))


def test_vendor_dates_and_offsets_are_shown_as_dates():
    attributes = _attributes("owned_vendor_values.json")
    shown = dict(readable_attributes(attributes, UTC))
    assert shown["ActivationDate"] == "2026-12-31 22:30:00 UTC"  # 2027-01-01T00:00+01:30
    assert shown["InitialDate"] == "2026-12-03 10:05:06 UTC"
    vendor = dict(vendor_attributes(attributes))
    assert vendor["acme/expires"].startswith("2030-12-31")
    assert vendor["cosmian/requested_validity_days"] == "365"


def test_raw_owned_attributes_read_directly_give_the_same_row():
    import json

    [entry] = json.loads((SERDE / "owned_symmetric_key.json").read_text())
    row = row_from_attributes(entry["object_id"], entry["attributes"], state=entry["state"])
    assert row.tags == ("payments",) and row.system_tags == ("_kk",)  # read from {"_t", "_c"}
    assert row.cell("created") == "2026-12-03 09:14"
