"""``GET /access/owned``: every owned object with its attributes as plain serde JSON (reference
§2.3, Cosmian's ``ObjectOwnedResponse``), kept current through changes, and listed from databases
of earlier sandbox versions."""

from __future__ import annotations

import json
import sqlite3

from tests.server.kmip import Kmip, aes, first, revoke, s, serde_date, t, uid
from tests.support.sandbox import start_sandbox

VECTORS = {"Link", "Name", "Attribute"}  # Option<Vec<_>> fields of Cosmian's Attributes


def plain(node: dict, top: bool = True):
    """JSON TTLV → Cosmian's serde JSON, written out independently of the server's code."""
    typ, value = node.get("type"), node["value"]
    if typ is None or typ == "Structure":
        out: dict = {}
        for child in value:
            v = plain(child, False)
            if child["tag"] == "AttributeValue":
                v = {"_t": child["type"], "_c": v}
            if top and child["tag"] in VECTORS:
                out.setdefault(child["tag"], []).append(v)
            else:
                out[child["tag"]] = v
        return out
    if typ == "ByteString":
        return list(bytes.fromhex(value))
    if typ in ("LongInteger", "BigInteger"):
        return int.from_bytes(bytes.fromhex(value[2:]), "big", signed=True)
    if typ == "DateTime":
        return serde_date(value)
    return value


def owned(client: Kmip) -> dict[str, dict]:
    r = client.http.get("/access/owned")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    entries = r.json()
    assert all(list(e) == ["object_id", "state", "attributes"] for e in entries)  # nothing invented
    return {e["object_id"]: e for e in entries}


def test_owned_attributes_are_what_get_attributes_says_after_every_change(kmip):
    key = kmip.create(tags=("owned-list",))
    private, public = kmip.create_pair("RSA", length=2048)
    kmip.ok(
        s(
            "AddAttribute",
            uid(key),
            s(
                "NewAttribute",
                s(
                    "Name",
                    t("NameValue", "TextString", "é-key"),
                    t("NameType", "Enumeration", "UninterpretedTextString"),
                ),
            ),
        )
    )
    kmip.ok(revoke(key, "KeyCompromise"))
    listed = owned(kmip)
    for target in (key, private, public):
        entry = listed[target]
        expected = plain(kmip.attributes(target)["value"][1])
        assert entry["state"] == expected["State"]
        # KeyFormatType: GetAttributes reports the key's format (Raw), the database keeps the
        # attribute as stored (as before this listing was cached); everything else must agree.
        shared = (set(entry["attributes"]) & set(expected)) - {"KeyFormatType"}
        assert {"State", "ObjectType", "CryptographicAlgorithm", "LastChangeDate"} <= shared
        assert {k: entry["attributes"][k] for k in shared} == {k: expected[k] for k in shared}
    assert listed[key]["state"] == "Compromised"
    assert listed[key]["attributes"]["Name"] == [{"NameValue": "é-key", "NameType": "UninterpretedTextString"}]
    assert isinstance(listed[key]["attributes"]["Digest"]["DigestValue"], list)  # bytes as numbers, like serde
    [tag] = listed[key]["attributes"]["Attribute"]
    assert tag["AttributeName"] == "tag" and tag["AttributeValue"]["_t"] == "TextString"
    assert "owned-list" in json.loads(tag["AttributeValue"]["_c"])
    assert listed[private]["attributes"]["Link"] == [{"LinkType": "PublicKeyLink", "LinkedObjectIdentifier": public}]
    assert len(listed[key]["attributes"]["LastChangeDate"]) == 9


def test_a_database_of_an_earlier_sandbox_lists_the_same(tmp_path):
    db = tmp_path / "old.sqlite"
    with start_sandbox(tmp_path / "first", db=db) as sb:
        client = Kmip(sb.url)
        keys = [client.create(tags=("before",)) for _ in range(3)]
        client.create_pair("EC", curve="P256")
        before = owned(client)
        client.close()
    with sqlite3.connect(db) as conn:  # what an earlier version wrote: no stored plain JSON
        conn.execute("ALTER TABLE objects DROP COLUMN plain_attributes")
    with start_sandbox(tmp_path / "second", db=db) as sb:
        client = Kmip(sb.url)
        assert owned(client) == before
        client.close()
    with sqlite3.connect(db) as conn:  # what the previous version wrote: single values, RFC 3339 dates
        conn.execute('UPDATE objects SET plain_attributes=\'{"Name":{"NameValue":"old"}}\'')
        conn.execute("DELETE FROM meta")
    with start_sandbox(tmp_path / "third", db=db) as sb:
        client = Kmip(sb.url)
        assert owned(client) == before  # rewritten in the current shape when the server starts
        client.ok(revoke(keys[0]))
        assert owned(client)[keys[0]]["state"] == "Deactivated"
        newer = first(client.ok(aes(tags=("after",))), "UniqueIdentifier")
        assert set(owned(client)) == set(before) | {newer}
        client.close()
