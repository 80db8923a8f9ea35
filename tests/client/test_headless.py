"""Every headless key command, with --json and its exit code, against the real sandbox."""

from __future__ import annotations

import json

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from kms_tui.kmip.ttlv import TTLV, decode_obj
from tests.client.conftest import write_conf
from tests.client.support.commands import send


def created(result) -> dict:
    assert result.code == 0, result.err
    return result.json


def test_create_every_kind(kms_cli, conf):
    aes = created(kms_cli("create", "aes", "--size", "192", "--tag", "app", "--name", "k1", "--conf", conf, "--json"))
    assert aes["type"] == "SymmetricKey"
    for args in (["rsa", "--size", "3072"], ["ec", "--curve", "p384"], ["ed25519"], ["ed448"]):
        pair = created(kms_cli("create", *args, "--tag", "app", "--conf", conf, "--json"))
        assert pair["public_key_id"] == pair["private_key_id"] + "_pk"
    listing = created(kms_cli("locate", "--tag", "app", "--conf", conf, "--json"))
    assert listing["count"] == 9 and not listing["partial"]
    lengths = sorted((o["algorithm"], o["length"]) for o in listing["objects"] if o["type"] != "PublicKey")
    assert lengths == [("AES", 192), ("ECDH", 384), ("Ed25519", 256), ("Ed448", 456), ("RSA", 3072)]


def test_create_table_output_and_bad_tag(kms_cli, conf):
    r = kms_cli("create", "aes", "--conf", conf)
    assert r.code == 0 and r.out.startswith("created symmetric key ")
    r = kms_cli("create", "aes", "--tag", "_system", "--conf", conf, "--json")
    assert r.code == 3 and "must not start with '_'" in r.err
    assert r.json["error"]["type"] == "UsageError"


def test_locate_filters(kms_cli, conf):
    a = created(
        kms_cli(
            "create", "aes", "--size", "128", "--tag", "t1", "--tag", "t2", "--name", "alpha", "--conf", conf, "--json"
        )
    )["id"]
    created(kms_cli("create", "aes", "--size", "256", "--tag", "t1", "--conf", conf, "--json"))
    pair = created(kms_cli("create", "rsa", "--tag", "t1", "--conf", conf, "--json"))

    def ids(*args: str) -> set[str]:
        return {o["id"] for o in created(kms_cli("locate", *args, "--conf", conf, "--json"))["objects"]}

    assert ids("--tag", "t1", "--tag", "t2") == {a}
    assert ids("--name", "alpha") == {a}
    assert ids("--length", "128") == {a}
    assert ids("--type", "PublicKey") == {pair["public_key_id"]}
    assert ids("--type", "private-key", "--algorithm", "RSA") == {pair["private_key_id"]}
    assert ids("--linked-to", pair["private_key_id"]) == {pair["public_key_id"]}
    assert ids("--state", "Active", "--tag", "t1") == {a, pair["private_key_id"], pair["public_key_id"]} | ids(
        "--length", "256"
    )
    r = kms_cli("locate", "--state", "Frozen", "--conf", conf)
    assert r.code == 3 and "unknown state" in r.err


def test_attributes_by_id_and_by_tags(kms_cli, conf):
    uid = created(kms_cli("create", "aes", "--tag", "only-me", "--conf", conf, "--json"))["id"]
    doc = created(kms_cli("attributes", uid, "--conf", conf, "--json"))
    assert doc["attributes"]["CryptographicAlgorithm"] == "AES" and "only-me" in doc["attributes"]["tags"]
    by_tag = created(kms_cli("attributes", '["only-me"]', "--conf", conf, "--json"))
    assert by_tag["attributes"]["UniqueIdentifier"] == uid
    r = kms_cli("attributes", uid, "--conf", conf)
    assert r.code == 0 and "CryptographicAlgorithm" in r.out and "AES" in r.out
    r = kms_cli("attributes", "no-such-id", "--conf", conf, "--json")
    assert r.code == 1 and "not found, or you have no access to it" in r.err
    assert r.json["error"]["reason"] in ("Object_Not_Found", "Item_Not_Found")
    r = kms_cli("attributes", '["unclosed"', "--conf", conf)
    assert r.code == 3 and "JSON array of tags" in r.err


def test_activate_a_pre_active_key(kms_cli, conf, sandbox):
    # A key created without ActivationDate is PreActive (reference §4.1).
    response = send(
        sandbox.url,
        TTLV.struct(
            "Create",
            [
                TTLV.enum("ObjectType", "SymmetricKey"),
                TTLV.struct(
                    "Attributes",
                    [
                        TTLV.enum("CryptographicAlgorithm", "AES"),
                        TTLV.integer("CryptographicLength", 256),
                        TTLV.enum("ObjectType", "SymmetricKey"),
                    ],
                ),
            ],
        ),
    )
    uid = response.get_value("UniqueIdentifier")
    assert created(kms_cli("attributes", uid, "--conf", conf, "--json"))["attributes"]["State"] == "PreActive"
    assert created(kms_cli("activate", uid, "--conf", conf, "--json")).items() >= {"id": uid, "state": "Active"}.items()
    r = kms_cli("activate", uid, "--conf", conf, "--json")
    assert r.code == 1 and r.json["error"]["reason"] == "Wrong_Key_Lifecycle_State"


def test_revoke_then_destroy(kms_cli, conf):
    pair = created(kms_cli("create", "ec", "--conf", conf, "--json"))
    sk, pk = pair["private_key_id"], pair["public_key_id"]
    r = kms_cli("destroy", sk, "--conf", conf, "--json")
    assert r.code == 1 and "revoke it first" in r.err and r.json["error"]["type"] == "WrongLifecycleState"
    r = kms_cli(
        "revoke",
        sk,
        "--reason",
        "key-compromise",
        "--compromise-date",
        "2026-01-02T03:04:05Z",
        "--message",
        "laptop stolen",
        "--no-cascade",
        "--conf",
        conf,
        "--json",
    )
    assert created(r).items() >= {"id": sk, "reason": "KeyCompromise", "cascade": False}.items()
    states = {o["id"]: o["state"] for o in created(kms_cli("locate", "--conf", conf, "--json"))["objects"]}
    assert states[sk] == "Compromised" and states[pk] == "Active"  # --no-cascade left the partner alone
    assert created(kms_cli("destroy", sk, "--no-cascade", "--conf", conf, "--json"))["id"] == sk
    destroyed = created(kms_cli("locate", "--state", "Destroyed_Compromised", "--conf", conf, "--json"))
    assert [o["id"] for o in destroyed["objects"]] == [sk]
    r = kms_cli("revoke", pk, "--reason", "Bogus", "--conf", conf)
    assert r.code == 3
    r = kms_cli("revoke", pk, "--reason", "Superseded", "--compromise-date", "yesterday", "--conf", conf)
    assert r.code == 3 and "ISO 8601" in r.err


def test_destroy_remove_deletes_the_record(kms_cli, conf):
    uid = created(kms_cli("create", "aes", "--conf", conf, "--json"))["id"]
    created(kms_cli("revoke", uid, "--reason", "CessationOfOperation", "--conf", conf, "--json"))
    done = created(kms_cli("destroy", uid, "--remove", "--conf", conf, "--json"))
    assert done.items() >= {"id": uid, "removed": True, "cascade": True}.items()
    r = kms_cli("attributes", uid, "--conf", conf)
    assert r.code == 1


def test_export_public_keys_and_refuse_private(kms_cli, conf, tmp_path):
    for args in (["rsa"], ["ec"], ["ed25519"], ["ed448"]):
        pair = created(kms_cli("create", *args, "--conf", conf, "--json"))
        out = tmp_path / f"{args[0]}.pem"
        assert created(kms_cli("export", pair["public_key_id"], "-o", out, "--conf", conf, "--json"))["file"] == str(
            out
        )
        serialization.load_pem_public_key(out.read_bytes())  # real PEM
        doc = created(kms_cli("export", pair["public_key_id"], "--conf", conf, "--json"))
        assert doc["pem"].startswith("-----BEGIN PUBLIC KEY-----")
    doc = created(kms_cli("export", pair["private_key_id"], "--conf", conf, "--json"))  # its public key, said so
    assert doc["id"] == pair["public_key_id"] and doc["pem"].startswith("-----BEGIN PUBLIC KEY-----")


def test_export_certificate(kms_cli, conf, sandbox, data_dir):
    body = json.loads((data_dir / "reference/ttlv_samples/vec_certify_self_signed_request.json").read_text())
    pair = created(kms_cli("create", "ec", "--conf", conf, "--json"))
    op = decode_obj(body)
    op.set(TTLV.text("UniqueIdentifier", pair["public_key_id"]))
    cert_id = send(sandbox.url, op).get_value("UniqueIdentifier")
    pem = kms_cli("export", cert_id, "--conf", conf)
    assert pem.code == 0, pem.err
    assert x509.load_pem_x509_certificate(pem.out.encode()).subject is not None


def test_configuration_and_network_exit_codes(kms_cli, tmp_path, unused_tcp_port):
    r = kms_cli("locate", "--conf", tmp_path / "missing.toml", "--json")
    assert r.code == 3 and "error" in r.json
    bad = write_conf(tmp_path / "bad.toml", {"server_url": "http://127.0.0.1:1", "tls_client_pem_cert_path": "x.crt"})
    r = kms_cli("locate", "--conf", bad)
    assert r.code == 3 and "both PEM certificate and key paths must be provided" in r.err
    down = write_conf(tmp_path / "down.toml", {"server_url": f"http://127.0.0.1:{unused_tcp_port}"})
    r = kms_cli("locate", "--conf", down, "--json")
    assert r.code == 4 and r.json["error"]["type"] == "ConnectionRefused"
    assert "nothing listens" in r.err


def test_ckms_conf_environment_is_used(kms_cli, conf, monkeypatch):
    monkeypatch.setenv("CKMS_CONF", str(conf))
    assert created(kms_cli("create", "aes", "--json"))["type"] == "SymmetricKey"


def test_audit_command(kms_cli, conf):
    uid = created(kms_cli("create", "aes", "--conf", conf, "--json"))["id"]
    kms_cli("destroy", uid, "--conf", conf)  # refused: active
    doc = created(kms_cli("audit", "--limit", "10", "--json"))
    writes = [e for e in doc["entries"] if "GetAttributes" not in e["operation"]]  # the state checks
    ops = [(e["operation"], e["outcome"]) for e in writes]
    assert ops == [("Destroy", "refused"), ("Create", "ok")]
    assert writes[1]["object_ids"] == [uid]
    assert "Wrong_Key_Lifecycle_State" in writes[0]["error_reason"]
    r = kms_cli("audit")
    assert r.code == 0 and "Destroy" in r.out and "refused" in r.out
    assert kms_cli("audit", "--limit", "0").code == 3
