"""`kms-tui diff A B`: two real sandboxes, a "primary" and a "replica" that drifted: objects on one
side only, one re-created under a new id, and common ids (imported with the same id on both)
whose state, tags, links and grants differ. Exit 0 when the same, 5 when different."""

from __future__ import annotations

import httpx
import pytest

from tests.server.kmip import Kmip, aes, first, revoke, s, t, tag_attr, uid
from tests.support.sandbox import start_sandbox


def _create_with_id(kms: Kmip, key_id: str, *, tags: tuple[str, ...] = (), name: str = "") -> str:
    body = aes(tags=tags)
    body["value"][1]["value"].append(uid(key_id))  # Create with a chosen id: in the attributes, as Cosmian reads it
    if name:
        body["value"][1]["value"].append(
            s("Name", t("NameValue", "TextString", name), t("NameType", "Enumeration", "UninterpretedTextString"))
        )
    return first(kms.ok(body), "UniqueIdentifier")


def _grant(url: str, key_id: str, user: str, ops: list[str]) -> None:
    r = httpx.post(url + "/access/grant", json={"unique_identifier": key_id, "user_id": user, "operation_types": ops})
    assert r.status_code == 200, r.text


@pytest.fixture
def pair(tmp_path):
    a, b = start_sandbox(tmp_path / "a"), start_sandbox(tmp_path / "b")
    ka, kb = Kmip(a.url), Kmip(b.url)
    for kms in (ka, kb):
        _create_with_id(kms, "same-key", tags=("app",), name="same")
        _create_with_id(kms, "state-key", tags=("app",))
        _create_with_id(kms, "tag-key", tags=("app",))
        _create_with_id(kms, "grant-key")
    _grant(a.url, "grant-key", "bob", ["get"])
    _grant(b.url, "grant-key", "bob", ["get", "encrypt"])
    ka.ok(revoke("state-key", "Superseded"))
    kb.ok(s("AddAttribute", uid("tag-key"), s("NewAttribute", tag_attr("extra"))))
    only_a = _create_with_id(ka, "only-on-a", tags=("app",))
    only_b = _create_with_id(kb, "only-on-b")
    old = ka.create(tags=("payments",))  # re-created on B under another id: same tags
    new = kb.create(tags=("payments",))
    from kms_tui.config.store import ProfileStore

    store = ProfileStore()
    store.create("primary", a.url)
    store.create("replica", b.url)
    yield {"a": a, "b": b, "ka": ka, "kb": kb, "only_a": only_a, "only_b": only_b, "old": old, "new": new}
    ka.close()
    kb.close()
    a.stop()
    b.stop()


def test_diff_reports_one_sided_recreated_and_changed_objects_and_exits_5(pair, kms_cli):
    r = kms_cli("diff", "primary", "replica", "--json")
    assert r.code == 5, r.err
    doc = r.json
    assert doc["same"] is False
    assert [o["id"] for o in doc["only_a"]] == ["only-on-a"]
    assert [o["id"] for o in doc["only_b"]] == ["only-on-b"]
    assert [(x["a"]["id"], x["b"]["id"]) for x in doc["recreated"]] == [(pair["old"], pair["new"])]
    changed = {(c["id"], c["field"]): (c["a"], c["b"]) for c in doc["changed"]}
    assert changed == {
        ("state-key", "state"): ("Deactivated", "Active"),
        ("tag-key", "tags"): (["app"], ["app", "extra"]),
        ("grant-key", "grants"): ({"bob": ["get"]}, {"bob": ["encrypt", "get"]}),
    }
    assert doc["counts"]["compared"] == 4

    text = kms_cli("diff", "primary", "replica")
    assert text.code == 5
    assert "different: 1 only on A, 1 only on B, 1 re-created under a new id, 3 changed (4 compared)" in text.out
    assert "Re-created under a new id (same type, names and tags) (1):" in text.out
    assert any(
        line.startswith("state-key  state") and "Deactivated" in line and line.rstrip().endswith("Active")
        for line in text.out.splitlines()
    )

    r = kms_cli("diff", "primary", "replica", "--no-grants", "--json")
    assert ("grant-key", "grants") not in {(c["id"], c["field"]) for c in r.json["changed"]}
    assert r.json["grants_compared"] is False


def test_a_server_against_itself_is_the_same_and_exits_0(pair, kms_cli):
    r = kms_cli("diff", "primary", "primary")
    assert r.code == 0, r.err
    assert "same: 6 objects, same states, tags, links and grants" in r.out


def test_a_destroyed_object_is_compared_too(pair, kms_cli):
    from tests.server.kmip import destroy

    pair["ka"].ok(revoke("same-key", "Superseded"))
    pair["ka"].ok(destroy("same-key"))
    r = kms_cli("diff", "primary", "replica", "--json", "--no-grants")
    changed = {(c["id"], c["field"]): (c["a"], c["b"]) for c in r.json["changed"]}
    assert changed[("same-key", "state")] == ("Destroyed", "Active")


def test_an_unreachable_side_is_named_and_exits_4(pair, kms_cli):
    pair["b"].stop()
    r = kms_cli("diff", "primary", "replica")
    assert r.code == 4
    assert "error: replica: " in r.err
