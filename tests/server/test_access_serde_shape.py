"""The sandbox's ``/access/owned`` and ``/access/obtained`` have the very shape of Cosmian 5.26's
answers (tests/data/cosmian_serde, written from Cosmian's serde types, not from the sandbox).
``/access/obtained``'s exact entries are checked with two users in test_auth.py."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import DATA
from tests.server.kmip import Kmip, s, t, tag_attr

SERDE = DATA / "cosmian_serde"


def _fixture(name: str) -> list[dict]:
    return json.loads((SERDE / name).read_text())


def skeleton(value: Any) -> Any:
    """The JSON kinds of a value, keys kept: what two answers must share to parse alike."""
    if isinstance(value, dict):
        return {k: skeleton(v) for k, v in value.items()}
    if isinstance(value, list):
        if value and all(type(v) is int for v in value):
            return ["ints", len(value)]  # a date tuple (9), a digest (32)
        return [skeleton(v) for v in value[:1]]
    return type(value).__name__


def _same_shape(ours: dict, theirs: dict) -> None:
    shared = set(ours) & set(theirs)
    assert {"ObjectType", "State", "InitialDate", "Attribute"} <= shared
    for key in shared:
        if key in ("Link", "Name", "Attribute"):  # arrays of structures: compare one element's keys and kinds
            assert isinstance(ours[key], list) and isinstance(theirs[key], list)
            assert skeleton(ours[key][0]) == skeleton(theirs[key][0]), key
        else:
            assert skeleton(ours[key]) == skeleton(theirs[key]), key


def _vendor(name: str, typ: str, value: Any) -> dict:
    return s(
        "Attribute",
        t("VendorIdentification", "TextString", "acme"),
        t("AttributeName", "TextString", name),
        t("AttributeValue", typ, value),
    )


def test_owned_entries_have_cosmians_keys_kinds_and_arrays(sandbox):
    kmip = Kmip(sandbox.url)
    key = kmip.create(tags=("payments",))
    r = kmip.ok(
        s(
            "CreateKeyPair",
            s(
                "CommonAttributes",
                t("ActivationDate", "DateTime", "2099-03-01T23:59:59Z"),  # in the future: kept
                t("CryptographicAlgorithm", "Enumeration", "ECDH"),
                s(
                    "CryptographicDomainParameters",
                    t("Qlength", "Integer", 256),
                    t("RecommendedCurve", "Enumeration", "P256"),
                ),
                s(
                    "Name",
                    t("NameValue", "TextString", "signing key"),
                    t("NameType", "Enumeration", "UninterpretedTextString"),
                ),
                tag_attr("team-a"),
            ),
        )
    )
    private = next(c["value"] for c in r["value"] if c["tag"] == "PrivateKeyUniqueIdentifier")
    entries = kmip.http.get("/access/owned").json()
    kmip.close()
    ours = {e["object_id"]: e for e in entries}
    assert all(list(e) == ["object_id", "state", "attributes"] for e in entries)
    _same_shape(ours[key]["attributes"], _fixture("owned_symmetric_key.json")[0]["attributes"])
    _same_shape(ours[private]["attributes"], _fixture("owned_key_pair.json")[0]["attributes"])
    assert ours[private]["attributes"]["ActivationDate"] == [2099, 60, 23, 59, 59, 0, 0, 0, 0]


def test_vendor_values_are_written_as_cosmian_writes_each_variant(sandbox):
    kmip = Kmip(sandbox.url)
    extra = (
        _vendor("expires", "DateTime", "2030-12-31T12:00:00Z"),
        _vendor("serial", "BigInteger", "0x00000001499602D2"),  # 2^32 + 1234567890
        _vendor("counter", "LongInteger", "0xFFFFFFFFFFFFFFD6"),  # -42
        _vendor("enabled", "Boolean", True),
        _vendor("period", "Interval", 3600),
    )
    key = kmip.create(active=False, extra=extra)
    [entry] = [e for e in kmip.http.get("/access/owned").json() if e["object_id"] == key]
    kmip.close()
    ours = {a["AttributeName"]: a for a in entry["attributes"]["Attribute"] if a["VendorIdentification"] == "acme"}
    theirs = {
        a["AttributeName"]: a
        for a in _fixture("owned_vendor_values.json")[0]["attributes"]["Attribute"]
        if a["VendorIdentification"] == "acme"
    }
    for name in ("expires", "serial", "counter", "enabled", "period"):
        assert ours[name] == theirs[name], name
