"""The client reads ``/access/owned`` and ``/access/obtained`` as a real Cosmian 5.26 writes them
(tests/data/cosmian_serde: arrays for Link/Name/Attribute, ``{"_t","_c"}`` vendor values, dates
as time's integer tuples), and the sandbox, which now writes the same, through real HTTP."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from kms_tui.client import ConnectionSettings, KmsClient, LocateFilter
from kms_tui.client.json_slices import array_slices
from kms_tui.client.listing import _decode_slice, shared_entries
from kms_tui.client.serde_dates import as_datetime, serde_datetime
from tests.client.conftest import write_conf
from tests.conftest import DATA

SERDE = DATA / "cosmian_serde"
UTC = UTC


def _text(name: str) -> bytes:
    return (SERDE / name).read_bytes()


def _summaries(name: str, filters: LocateFilter = LocateFilter()):  # noqa: B008 - frozen
    """The rows the listing makes of a recorded answer (the same code the browser runs)."""
    slices = array_slices(_text(name), "object_id", per_slice=1)
    rows, shown = [], []
    while (decoded := _decode_slice(slices, {}, filters, lambda r: r)) is not None:
        rows += decoded[0]
        shown += decoded[1]
    return {r.uid: r for r in rows}, shown


@pytest.mark.parametrize("name", sorted(p.name for p in SERDE.glob("*.json")))
def test_slices_of_a_cosmian_answer_are_the_whole_answer(name):
    text = _text(name)
    for per_slice in (1, 2, 1000):
        joined = [e for piece in array_slices(text, "object_id", per_slice) for e in piece]
        assert joined == json.loads(text)


def test_a_symmetric_key_row_has_its_tags_and_creation_date():
    rows, shown = _summaries("owned_symmetric_key.json")
    [key] = rows.values()
    assert (key.object_type, key.algorithm, key.length, key.state) == ("SymmetricKey", "AES", 256, "Active")
    assert key.tags == ["payments"] and key.attributes["tags"] == ["_kk", "payments"]
    assert key.created == datetime(2026, 12, 3, 9, 14, 2, tzinfo=UTC)
    assert shown == [key]  # tags known from the answer: no extra round trip needed


def test_a_key_pair_has_links_names_and_states_from_the_arrays():
    rows, _ = _summaries("owned_key_pair.json")
    private, public = rows["5a1d9e27-6c0b-4f53-8e2a-b94c07d3e612"], rows["5a1d9e27-6c0b-4f53-8e2a-b94c07d3e612_pk"]
    assert private.names == ["signing key"]
    assert private.links == [{"type": "PublicKeyLink", "id": public.uid}]
    assert {ln["type"] for ln in public.links} == {"PrivateKeyLink", "CertificateLink"}
    assert public.state == "Deactivated" and public.tags == ["team-a"]
    assert private.created == datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC)  # day 60 of 2026
    assert as_datetime(public.attributes["DeactivationDate"]) == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    # the filters Locate applies work on these rows too
    _, shown = _summaries("owned_key_pair.json", LocateFilter(name="signing key"))
    assert [r.uid for r in shown] == [private.uid]
    _, shown = _summaries("owned_key_pair.json", LocateFilter(state="Deactivated", tags=("team-a",)))
    assert [r.uid for r in shown] == [public.uid]


def test_vendor_values_of_every_type_and_dates_with_offsets_and_nanoseconds():
    rows, _ = _summaries("owned_vendor_values.json")
    [key] = rows.values()
    vendor = key.attributes["vendor_attributes"]
    assert vendor["cosmian/requested_validity_days"] == 365
    assert vendor["cosmian/aad"] == "0102FEFF"  # as GetAttributes' byte strings read
    assert vendor["acme/serial"] == 2**32 + 1234567890 and vendor["acme/period"] == 3600
    assert as_datetime({"_t": "DateTime", "_c": [2030, 365, 12, 0, 0, 0, 0, 0, 0]}) == datetime(
        2030, 12, 31, 12, tzinfo=UTC
    )
    assert as_datetime(vendor["acme/expires"]) == datetime(2030, 12, 31, 12, tzinfo=UTC)
    assert vendor["acme/counter"] == -42 and vendor["acme/enabled"] is True
    assert key.tags == [] and key.attributes["tags"] == ["_kk"]
    assert key.created == datetime(2026, 12, 3, 10, 5, 6, 123456, tzinfo=UTC)
    activation = as_datetime(key.attributes["ActivationDate"])  # 2027-01-01T00:00+01:30
    assert activation == datetime(2026, 12, 31, 22, 30, tzinfo=UTC)
    assert activation.utcoffset() == timedelta(hours=1, minutes=30)


@pytest.mark.parametrize(
    "bad",
    [
        [2026, 366, 0, 0, 0, 0, 0, 0, 0],
        [2026, 1, 24, 0, 0, 0, 0, 0, 0],
        [2026, 1],
        "2026",
        [2026.0, 1, 0, 0, 0, 0, 0, 0, 0],
        [10000, 1, 0, 0, 0, 0, 0, 0, 0],
    ],
)
def test_what_is_not_a_date_tuple_is_no_date(bad):
    assert serde_datetime(bad) is None


def test_obtained_entries_are_read_as_cosmian_writes_them():
    entries = json.loads(_text("obtained.json"))
    shared = shared_entries(entries, {"77d0c2aa-91e4-4b8f-a6c3-2e5f1b0d9c47"})  # that one is also ours
    # the create right (a grant on "*") is not an object: no GetAttributes for it, no partial listing
    assert list(shared) == ["e41b7a09-2f3c-4d6e-8a1b-5c9d0e7f2a34"]
    entry = shared["e41b7a09-2f3c-4d6e-8a1b-5c9d0e7f2a34"]
    assert entry["owner_id"] == "alice@example.com" and set(entry["operations"]) == {"encrypt", "get", "decrypt"}


def test_the_sandbox_listing_and_locate_json_show_the_creation_date(sandbox, kms_cli, tmp_path):
    conf = write_conf(tmp_path / "ckms.toml", {"server_url": sandbox.url})

    async def listing():
        async with KmsClient(ConnectionSettings.from_http_config({"server_url": sandbox.url})) as client:
            uid = await client.create_symmetric_key("AES", 256, tags=("dated",), name="dated-key")
            initial = (await client.get_attributes(uid))["InitialDate"]
            owned = {e["object_id"]: e for e in await client.access_owned()}
            rows = {o.uid: o for o in (await client.list_objects(LocateFilter(tags=("dated",)))).objects}
            return uid, initial, owned, rows

    uid, initial, owned, rows = asyncio.run(listing())
    assert isinstance(owned[uid]["attributes"]["InitialDate"], list)  # the serde tuple, as Cosmian writes it
    assert rows[uid].created == as_datetime(initial) and rows[uid].names == ["dated-key"]
    r = kms_cli("locate", "--tag", "dated", "--conf", conf, "--json")
    assert r.code == 0
    [obj] = r.json["objects"]
    assert obj["id"] == uid and obj["created"] == initial  # RFC 3339, like every date the CLI prints
