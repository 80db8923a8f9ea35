"""`kms-tui rekey` and `kms-tui rotation set|get|clear|history` against the real sandbox, with the
requests ckms 5.26 sends (ReKey / ReKeyKeyPair; one SetAttribute per policy field)."""

from __future__ import annotations

import time

from kms_tui.kmip.models import attribute_requests as R
from kms_tui.kmip.models.rotation_requests import policy_attributes, rekey_key_pair_request, rekey_request
from kms_tui.kmip.ttlv import to_obj
from tests.client.conftest import write_conf
from tests.client.support.sandbox_cli import succeeded
from tests.support.sandbox import start_sandbox


def test_requests_are_what_ckms_sends():
    assert to_obj(rekey_request("k")) == {
        "tag": "ReKey",
        "value": [{"tag": "UniqueIdentifier", "type": "TextString", "value": "k"}],
    }
    assert to_obj(rekey_key_pair_request("sk", offset=60))["value"][1] == {
        "tag": "Offset",
        "type": "LongInteger",
        "value": "0x000000000000003C",
    }
    sent = [
        to_obj(R.set_attribute("k", a).to_ttlv())["value"][1]["value"][0]
        for a in policy_attributes(interval=86400, offset=3600, name="k")
    ]
    assert [(x["tag"], x["type"]) for x in sent] == [
        ("RotateInterval", "LongInteger"),
        ("RotateOffset", "LongInteger"),
        ("RotateName", "TextString"),
    ]


def test_rekey_prints_the_new_id_and_history_walks_the_chain(kms_cli, conf):
    old = succeeded(kms_cli("create", "aes", "--conf", conf, "--json"))["id"]
    done = succeeded(kms_cli("rekey", old, "--conf", conf, "--json"))
    assert done["old"] == old and done["new"] != old and done["kind"] == "SymmetricKey"
    r = kms_cli("rekey", done["new"], "--conf", conf)
    assert r.code == 0 and r.out.startswith(f"re-keyed {done['new']} → ")
    newest = r.out.split("→ ")[1].split()[0]
    chain = succeeded(kms_cli("rotation", "history", done["new"], "--conf", conf, "--json"))["chain"]
    assert [g["id"] for g in chain] == [old, done["new"], newest]
    assert [g["state"] for g in chain] == ["Deactivated", "Deactivated", "Active"]
    assert chain[1]["replaced"] == old and chain[1]["replacement"] == newest
    text = kms_cli("rotation", "history", newest, "--conf", conf).out
    assert f"→ {newest}" in text and old in text


def test_rekey_of_a_key_pair_through_its_public_key(kms_cli, conf):
    made = succeeded(kms_cli("create", "ec", "--conf", conf, "--json"))
    public = made["public_key_id"]
    done = succeeded(kms_cli("rekey", public, "--conf", conf, "--json"))
    assert done["kind"] == "PrivateKey" and done["old"] != public
    assert done["public"] == done["new"] + "_pk"


def test_rotation_set_get_clear(kms_cli, conf):
    key = succeeded(kms_cli("create", "aes", "--conf", conf, "--json"))["id"]
    policy = succeeded(kms_cli("rotation", "set", key, "--interval", "90d", "--offset", "1h", "--conf", conf, "--json"))
    assert (policy["interval"], policy["offset"], policy["automatic"], policy["scheduled"]) == (
        7776000,
        3600,
        True,
        True,
    )
    text = kms_cli("rotation", "get", key, "--conf", conf).out
    assert "90d (7776000 s)" in text and "next rotation" in text and "1h" in text
    cleared = succeeded(kms_cli("rotation", "clear", key, "--conf", conf, "--json"))
    assert cleared["interval"] == 0 and cleared["offset"] is None and cleared["scheduled"] is False
    assert "no automatic rotation" in kms_cli("rotation", "get", key, "--conf", conf).out


def test_bad_spans_and_empty_sets_are_usage_errors(kms_cli, conf):
    r = kms_cli("rotation", "set", "k", "--interval", "soon", "--conf", conf)
    assert r.code == 2 or r.code == 3
    assert "90d" in r.err
    r = kms_cli("rotation", "set", "k", "--conf", conf)
    assert r.code == 3 and "nothing to set" in r.err
    r = kms_cli("rekey", "no-such-key", "--conf", conf)
    assert r.code == 1 and "no-such-key" in r.err
    for args in (("rekey", "k"), ("rotation", "set", "k", "--interval", "1d"), ("rotation", "clear", "k")):
        r = kms_cli(*args, "--read-only", "--conf", conf)
        assert r.code == 3 and "read-only" in r.err


def test_a_short_policy_and_the_scheduler_make_a_linked_successor(kms_cli, tmp_path):
    sb = start_sandbox(tmp_path / "sb", extra_args=["--auto-rotation-check-interval", "0.5"])
    try:
        conf = write_conf(tmp_path / "auto.toml", {"server_url": sb.url})
        key = succeeded(kms_cli("create", "aes", "--conf", conf, "--json"))["id"]
        succeeded(kms_cli("rotation", "set", key, "--interval", "2s", "--conf", conf, "--json"))
        for _ in range(60):
            chain = succeeded(kms_cli("rotation", "history", key, "--conf", conf, "--json"))["chain"]
            if len(chain) > 1:
                break
            time.sleep(0.3)
        assert chain[0]["id"] == key and chain[0]["state"] == "Deactivated"
        assert chain[1]["replaced"] == key and chain[1]["generation"] == 1
        successor = succeeded(kms_cli("rotation", "get", chain[1]["id"], "--conf", conf, "--json"))
        assert successor["interval"] == 2 and successor["automatic"] is True
    finally:
        sb.stop()


def test_what_a_get_grant_allows_leaves_rekey_out():
    # the server test (tests/server/test_rekey.py) shows a `get` grant is refused ReKey
    from kms_tui.access_rights import effective, explain

    assert "rekey" not in effective(["get"]) and "rekey" in effective(["get", "rekey"])
    assert (
        explain(["get"]) == "get stands for every operation except revoke and destroy; rekey needs its own grant "
        "(Cosmian 5.26)"
    )


def test_due_tells_a_re_keyed_key_from_one_without_successor(kms_cli, conf):
    old = succeeded(kms_cli("create", "aes", "--conf", conf, "--json"))["id"]
    new = succeeded(kms_cli("rekey", old, "--conf", conf, "--json"))["new"]
    lone = succeeded(kms_cli("create", "aes", "--conf", conf, "--json"))["id"]
    assert kms_cli("revoke", lone, "--reason", "Unspecified", "--conf", conf).code == 0
    r = kms_cli("due", "--no-grants", "--conf", conf, "--json")
    fixes = {f["id"]: f["action"] for f in r.json["findings"] if f["kind"] == "key_deactivated"}
    assert fixes[old].startswith(f"re-keyed: {new} replaces it")
    assert fixes[lone].startswith("rotate to a new key if it is still needed")


def test_rekey_takes_keyset_references(kms_cli, conf, sandbox):
    import httpx

    name = "ledger-key"
    attrs = [
        {"tag": "ActivationDate", "type": "DateTime", "value": "2024-01-01T00:00:00Z"},
        {"tag": "CryptographicAlgorithm", "type": "Enumeration", "value": "AES"},
        {"tag": "CryptographicLength", "type": "Integer", "value": 256},
        {"tag": "RotateName", "type": "TextString", "value": name},
        {"tag": "UniqueIdentifier", "type": "TextString", "value": name},
    ]
    body = {
        "tag": "Create",
        "value": [
            {"tag": "ObjectType", "type": "Enumeration", "value": "SymmetricKey"},
            {"tag": "Attributes", "value": attrs},
        ],
    }
    assert httpx.post(f"{sandbox.url}/kmip/2_1", json=body).status_code == 200
    assert succeeded(kms_cli("rekey", name, "--conf", conf, "--json"))["new"] == f"{name}@1"
    assert succeeded(kms_cli("rekey", f"{name}@latest", "--conf", conf, "--json"))["new"] == f"{name}@2"
    r = kms_cli("rekey", f"{name}@1", "--conf", conf)
    assert r.code == 1 and "not the latest in its keyset" in r.err
    chain = succeeded(kms_cli("rotation", "history", name, "--conf", conf, "--json"))["chain"]
    assert [g["id"] for g in chain] == [name, f"{name}@1", f"{name}@2"] and chain[2]["generation"] == 2


def test_create_takes_ckms_rotation_options(kms_cli, conf):
    made = succeeded(
        kms_cli(
            "create",
            "aes",
            "--rotation-interval",
            "30d",
            "--rotation-offset",
            "1d",
            "--enroll-keyset",
            "--conf",
            conf,
            "--json",
        )
    )
    assert (made["rotation_interval"], made["rotation_offset"], made["keyset"]) == (2592000, 86400, made["id"])
    policy = succeeded(kms_cli("rotation", "get", made["id"], "--conf", conf, "--json"))
    assert (policy["interval"], policy["offset"], policy["name"], policy["generation"]) == (
        2592000,
        86400,
        made["id"],
        0,
    )
    assert policy["scheduled"] is True
    pair = succeeded(kms_cli("create", "ed25519", "--rotation-interval", "7d", "--conf", conf, "--json"))
    assert succeeded(kms_cli("rotation", "get", pair["private_key_id"], "--conf", conf, "--json"))["interval"] == 604800
    plain = succeeded(kms_cli("create", "aes", "--conf", conf, "--json"))
    assert "rotation_interval" not in plain
