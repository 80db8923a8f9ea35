"""Lifecycle guards of the headless commands against the real sandbox: a revoked key is not
handed out without --allow-revoked, actions the state does not allow are refused before they are
sent, cascades name every object they removed, a tag selector names one object unless --all."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization

from kms_tui.kmip.ttlv import TTLV, decode_obj
from tests.client.support.commands import send


@pytest.fixture
def cli(kms_cli, conf):
    """``kms-tui ARGS --conf <the sandbox>``."""
    return lambda *args: kms_cli(*args, "--conf", conf)


def ok(result) -> dict:
    assert result.code == 0, result.err
    return result.json


def state(cli, uid: str) -> str | None:
    r = cli("attributes", uid, "--json")
    return r.json["attributes"]["State"] if r.code == 0 else None


def sent(cli, operation: str, uid: str) -> int:
    """How many times the audit trail saw ``operation`` sent for ``uid``."""
    entries = ok(cli("audit", "--limit", "1000", "--json"))["entries"]
    return sum(1 for e in entries if e["operation"] == operation and uid in e["object_ids"])


def test_export_after_a_key_compromise_needs_allow_revoked(cli, tmp_path):
    pair = ok(cli("create", "rsa", "--json"))
    sk, pk = pair["private_key_id"], pair["public_key_id"]
    ok(cli("revoke", sk, "--reason", "KeyCompromise", "--json"))  # cascade: both Compromised
    out = tmp_path / "pub.pem"
    r = cli("export", pk, "-o", out, "--json")
    assert r.code == 1 and not out.exists()
    assert "Compromised" in r.err and "--allow-revoked" in r.err
    assert r.json["error"]["reason"] == "Wrong_Key_Lifecycle_State"
    r = cli("export", pk, "-o", out, "--allow-revoked", "--json")
    assert ok(r)["file"] == str(out) and "Compromised" in r.err  # done, with a warning
    serialization.load_pem_public_key(out.read_bytes())


@pytest.mark.parametrize("reason,shown", [("KeyCompromise", "Compromised"), ("Superseded", "Deactivated")])
def test_export_of_a_public_key_whose_private_key_is_revoked_is_refused(cli, reason, shown):
    pair = ok(cli("create", "ec", "--json"))
    sk, pk = pair["private_key_id"], pair["public_key_id"]
    ok(cli("revoke", sk, "--reason", reason, "--no-cascade", "--json"))
    assert state(cli, pk) == "Active"  # only its partner is revoked
    r = cli("export", pk)
    assert r.code == 1 and f"{sk} is {shown}" in r.err and "BEGIN PUBLIC KEY" not in r.out
    assert "BEGIN PUBLIC KEY" in cli("export", pk, "--allow-revoked").out


def test_export_of_a_certificate_whose_key_is_compromised_is_refused(cli, sandbox, data_dir):
    body = json.loads((data_dir / "reference/ttlv_samples/vec_certify_self_signed_request.json").read_text())
    pair = ok(cli("create", "ec", "--json"))
    op = decode_obj(body)
    op.set(TTLV.text("UniqueIdentifier", pair["public_key_id"]))
    cert = send(sandbox.url, op).get_value("UniqueIdentifier")
    assert cli("export", cert).code == 0
    ok(cli("revoke", pair["private_key_id"], "--reason", "KeyCompromise", "--no-cascade", "--json"))
    r = cli("export", cert)
    assert r.code == 1 and "Compromised" in r.err and "BEGIN CERTIFICATE" not in r.out
    assert "BEGIN CERTIFICATE" in cli("export", cert, "--allow-revoked").out


def test_export_of_a_private_key_writes_its_public_key_and_says_so(cli, tmp_path):
    pair = ok(cli("create", "ed25519", "--json"))
    out = tmp_path / "from-private.pem"
    r = cli("export", pair["private_key_id"], "-o", out)
    assert r.code == 0, r.err
    assert f"{pair['private_key_id']} is a private key: exporting its public key {pair['public_key_id']}" in r.err
    assert out.read_text() == ok(cli("export", pair["public_key_id"], "--json"))["pem"]
    assert b"PRIVATE" not in out.read_bytes()
    doc = ok(cli("export", pair["private_key_id"], "--json"))
    assert doc["id"] == pair["public_key_id"] and doc["requested_id"] == pair["private_key_id"]


def test_revoke_of_a_destroyed_key_is_refused_before_sending(cli):
    uid = ok(cli("create", "aes", "--json"))["id"]
    ok(cli("revoke", uid, "--reason", "CessationOfOperation", "--json"))
    ok(cli("destroy", uid, "--json"))
    revokes = sent(cli, "Revoke", uid)
    r = cli("revoke", uid, "--reason", "KeyCompromise", "--json")
    assert r.code == 1 and "Destroyed" in r.err and r.json["error"]["reason"] == "Wrong_Key_Lifecycle_State"
    assert sent(cli, "Revoke", uid) == revokes  # nothing was sent
    assert state(cli, uid) == "Destroyed"
    r = cli("destroy", uid)  # destroying it again would "succeed" at the server and do nothing
    assert r.code == 1 and "already Destroyed" in r.err and "--remove" in r.err


def test_revoke_that_would_change_nothing_is_refused(cli):
    uid = ok(cli("create", "aes", "--json"))["id"]
    ok(cli("revoke", uid, "--reason", "Superseded", "--json"))
    r = cli("revoke", uid, "--reason", "Superseded")
    assert r.code == 1 and "already Deactivated" in r.err
    ok(cli("revoke", uid, "--reason", "KeyCompromise", "--json"))  # Deactivated -> Compromised is allowed
    assert state(cli, uid) == "Compromised"
    r = cli("revoke", uid, "--reason", "KeyCompromise")
    assert r.code == 1 and "already Compromised" in r.err


def test_activate_of_an_active_key_is_refused_before_sending(cli):
    uid = ok(cli("create", "aes", "--json"))["id"]
    r = cli("activate", uid, "--json")
    assert r.code == 1 and "already Active" in r.err
    assert sent(cli, "Activate", uid) == 0


@pytest.mark.parametrize("remove", [True, False], ids=["remove", "destroy"])
def test_cascade_destroy_names_every_object_it_acted_on(cli, remove):
    pair = ok(cli("create", "rsa", "--json"))
    sk, pk = pair["private_key_id"], pair["public_key_id"]
    ok(cli("revoke", sk, "--reason", "Superseded", "--json"))
    extra = ("--remove",) if remove else ()
    doc = ok(cli("destroy", sk, *extra, "--json"))
    assert sorted(doc["objects"]) == sorted([sk, pk])
    if remove:
        assert state(cli, sk) is None and state(cli, pk) is None
    else:
        assert state(cli, sk) == state(cli, pk) == "Destroyed"
    pair = ok(cli("create", "ec", "--json"))
    ok(cli("revoke", pair["private_key_id"], "--reason", "Superseded", "--json"))
    r = cli("destroy", pair["private_key_id"], *extra)
    assert r.code == 0, r.err
    verb = "removed" if remove else "destroyed"
    assert f"{verb}: {pair['private_key_id']}" in r.out and f"{verb}: {pair['public_key_id']}" in r.out


def test_a_tag_that_matches_several_objects_needs_all(cli):
    one = ok(cli("create", "aes", "--tag", "shared", "--json"))["id"]
    two = ok(cli("create", "aes", "--tag", "shared", "--json"))["id"]
    r = cli("attributes", '["shared"]', "--json")
    assert r.code == 3 and one in r.err and two in r.err
    assert sorted(r.json["error"]["matches"]) == sorted([one, two])
    doc = ok(cli("attributes", '["shared"]', "--all", "--json"))
    assert doc["count"] == 2 and {o["id"] for o in doc["objects"]} == {one, two}
    text = cli("attributes", '["shared"]', "--all")
    assert text.code == 0 and one in text.out and two in text.out
    r = cli("export", '["shared"]')
    assert r.code == 3 and one in r.err


def test_a_write_by_tags_that_match_several_objects_needs_all(cli):
    one = ok(cli("create", "aes", "--tag", "batch", "--json"))["id"]
    two = ok(cli("create", "aes", "--tag", "batch", "--json"))["id"]
    r = cli("revoke", '["batch"]', "--reason", "Superseded", "--json")
    assert r.code == 3 and sorted(r.json["error"]["matches"]) == sorted([one, two])
    assert state(cli, one) == state(cli, two) == "Active"  # nothing was revoked
    doc = ok(cli("revoke", '["batch"]', "--reason", "Superseded", "--all", "--json"))
    assert {o["id"] for o in doc["objects"]} == {one, two}
    assert state(cli, one) == state(cli, two) == "Deactivated"
    assert cli("destroy", '["batch"]', "--remove").code == 3
    doc = ok(cli("destroy", '["batch"]', "--remove", "--all", "--json"))
    assert sorted(doc["objects"]) == sorted([one, two])
