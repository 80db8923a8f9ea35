"""Secret data and opaque objects headless, against the real sandbox: `create secret` (the
server's random seed, a random password or seed of a chosen length, a value from a file or
stdin — never from the command line), `create opaque`, `reveal` (text, hex, a 0600 file), revoke
and destroy, and a value that never reaches stdout of create, the audit trail or stderr."""

from __future__ import annotations

import base64
import io
import json
import stat
import sys

from kms_tui.audit import default_path
from kms_tui.client.secrets import PASSWORD_ALPHABET
from tests.client.support.sandbox_cli import succeeded

PASSWORD = "correct horse battery staple, do not log me"


def _stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def _trail_bytes() -> bytes:
    return b"".join(p.read_bytes() for p in default_path().parent.iterdir() if p.is_file())


def test_a_password_from_stdin_is_revealed_and_never_logged(kms_cli, conf, sandbox, monkeypatch):
    _stdin(monkeypatch, PASSWORD.encode() + b"\n")
    created = kms_cli(
        "create", "secret", "--type", "password", "--value-file", "-", "--tag", "db", "--conf", conf, "--json"
    )
    data = succeeded(created)
    assert data["type"] == "SecretData" and data["data_type"] == "Password" and data["length"] == len(PASSWORD)
    assert PASSWORD not in created.out + created.err
    shown = kms_cli("reveal", data["id"], "--conf", conf)
    assert shown.code == 0 and shown.out == PASSWORD + "\n"  # the trailing newline of stdin was dropped
    doc = succeeded(kms_cli("reveal", data["id"], "--conf", conf, "--json"))
    assert doc["encoding"] == "text" and doc["value"] == PASSWORD
    attrs = succeeded(kms_cli("attributes", data["id"], "--conf", conf, "--json"))["attributes"]
    assert attrs["ObjectType"] == "SecretData" and attrs["State"] == "Active" and "db" in attrs["tags"]
    entries = succeeded(kms_cli("audit", "--limit", "10", "--json"))["entries"]
    ops = [(e["operation"], e["object_ids"]) for e in entries]
    assert ("Import", [data["id"]]) in ops and ("Export", [data["id"]]) in ops
    raw = _trail_bytes() + sandbox.log.read_bytes()  # the audit trail, and the server's own log
    for needle in (PASSWORD.encode(), PASSWORD.encode().hex().encode(), PASSWORD.encode().hex().upper().encode()):
        assert needle not in raw


def test_the_server_seed_and_random_values_of_a_chosen_length(kms_cli, conf):
    seed = succeeded(kms_cli("create", "secret", "--conf", conf, "--json"))
    assert (seed["data_type"], seed["length"]) == ("Seed", 32)  # Cosmian's Create: 32 random bytes
    value = succeeded(kms_cli("reveal", seed["id"], "--conf", conf, "--format", "hex", "--json"))["value"]
    assert len(bytes.fromhex(value)) == 32
    short = succeeded(kms_cli("create", "secret", "--length", "16", "--conf", conf, "--json"))
    assert (
        len(
            bytes.fromhex(
                succeeded(kms_cli("reveal", short["id"], "--format", "hex", "--conf", conf, "--json"))["value"]
            )
        )
        == 16
    )
    pw = succeeded(kms_cli("create", "secret", "--type", "password", "--length", "24", "--conf", conf, "--json"))
    text = kms_cli("reveal", pw["id"], "--conf", conf).out.rstrip("\n")
    assert len(text) == 24 and set(text) <= set(PASSWORD_ALPHABET)
    other = succeeded(kms_cli("create", "secret", "--type", "password", "--length", "24", "--conf", conf, "--json"))
    assert kms_cli("reveal", other["id"], "--conf", conf).out.rstrip("\n") != text


def test_an_opaque_object_from_a_file_written_back_0600(kms_cli, conf, tmp_path):
    blob = bytes(range(256)) * 3
    source, back = tmp_path / "blob.bin", tmp_path / "back.bin"
    source.write_bytes(blob)
    created = succeeded(kms_cli("create", "opaque", "--value-file", source, "--conf", conf, "--json"))
    assert (created["type"], created["data_type"], created["length"]) == ("OpaqueObject", "Vendor", len(blob))
    assert kms_cli("reveal", created["id"], "--conf", conf).out.strip() == blob.hex()  # not text: hex
    assert succeeded(kms_cli("reveal", created["id"], "-o", back, "--conf", conf, "--json"))["file"] == str(back)
    assert back.read_bytes() == blob and stat.S_IMODE(back.stat().st_mode) == 0o600
    again = kms_cli("reveal", created["id"], "-o", back, "--conf", conf)
    assert again.code == 3 and "already exists" in again.err
    assert kms_cli("reveal", created["id"], "-o", back, "--force", "--conf", conf).code == 0


def test_revoke_and_destroy_work_and_reveal_follows_the_state(kms_cli, conf, tmp_path):
    source = tmp_path / "v"
    source.write_bytes(b"s3cr3t")
    for kind in (("secret", "--type", "password"), ("opaque",)):
        uid = succeeded(kms_cli("create", *kind, "--value-file", source, "--conf", conf, "--json"))["id"]
        assert kms_cli("revoke", uid, "--reason", "Unspecified", "--conf", conf).code == 0
        refused = kms_cli("reveal", uid, "--conf", conf)
        assert refused.code == 1 and "Deactivated" in refused.err and "--allow-revoked" in refused.err
        assert kms_cli("reveal", uid, "--allow-revoked", "--conf", conf).out == "s3cr3t\n"
        assert kms_cli("destroy", uid, "--conf", conf).code == 0
        gone = kms_cli("reveal", uid, "--allow-revoked", "--conf", conf)
        assert gone.code == 1 and "value is gone" in gone.err
        state = succeeded(kms_cli("attributes", uid, "--conf", conf, "--json"))["attributes"]["State"]
        assert state == "Destroyed"


def test_refusals_say_what_to_do(kms_cli, conf, tmp_path, monkeypatch):
    r = kms_cli("create", "secret", "--type", "password", "--conf", conf)
    assert r.code == 3 and "--prompt" in r.err and "--value-file" in r.err
    _stdin(monkeypatch, b"")
    r = kms_cli("create", "secret", "--prompt", "--conf", conf)  # stdin is not a terminal
    assert r.code == 3 and "--value-file -" in r.err
    r = kms_cli("create", "secret", "--value-file", tmp_path / "missing", "--conf", conf)
    assert r.code == 3 and "cannot read" in r.err
    r = kms_cli("create", "secret", "--value", "x", "--conf", conf)  # no value on the command line
    assert r.code == 3
    aes = succeeded(kms_cli("create", "aes", "--conf", conf, "--json"))["id"]
    r = kms_cli("reveal", aes, "--conf", conf)
    assert r.code == 3 and "not secret data" in r.err
    r = kms_cli("create", "secret", "--length", "8", "--conf", conf, "--read-only")
    assert r.code == 3


KEY_KINDS = [  # (create arguments, ObjectType, CryptographicAlgorithm, CryptographicLength or None)
    (("aes", "--size", "128"), "SymmetricKey", "AES", 128),
    (("aes", "--size", "192"), "SymmetricKey", "AES", 192),
    (("aes",), "SymmetricKey", "AES", 256),
    (("chacha20",), "SymmetricKey", "ChaCha20", 256),
    (("sha3", "--size", "224"), "SymmetricKey", "SHA3224", 224),
    (("sha3", "--size", "384"), "SymmetricKey", "SHA3384", 384),
    (("sha3", "--size", "512"), "SymmetricKey", "SHA3512", 512),
    (("shake", "--size", "128"), "SymmetricKey", "SHAKE128", 128),
    (("shake",), "SymmetricKey", "SHAKE256", 256),
    (("fpe",), "SymmetricKey", "FPE_FF1", 256),
    (("rsa", "--size", "3072"), "PrivateKey", "RSA", 3072),
    (("ec", "--curve", "p192"), "PrivateKey", "ECDH", None),
    (("ec", "--curve", "p224"), "PrivateKey", "ECDH", None),
    (("ec", "--curve", "p384"), "PrivateKey", "ECDH", None),
    (("ec", "--curve", "p521"), "PrivateKey", "ECDH", None),
    (("ec", "--curve", "secp256k1"), "PrivateKey", "ECDH", None),
    (("ec", "--curve", "x25519"), "PrivateKey", "ECDH", None),
    (("ec", "--curve", "x448"), "PrivateKey", "ECDH", None),
    (("ed25519",), "PrivateKey", "Ed25519", None),
    (("ed448",), "PrivateKey", "Ed448", None),
]
CURVES = {
    "p192": "P192",
    "p224": "P224",
    "p384": "P384",
    "p521": "P521",
    "secp256k1": "SECP256K1",
    "x25519": "CURVE25519",
    "x448": "CURVE448",
}


def test_every_key_type_ckms_creates(kms_cli, conf):
    for args, object_type, algorithm, length in KEY_KINDS:
        made = succeeded(kms_cli("create", *args, "--conf", conf, "--json"))
        uid = made.get("id") or made["private_key_id"]
        attrs = succeeded(kms_cli("attributes", uid, "--conf", conf, "--json"))["attributes"]
        assert (attrs["ObjectType"], attrs["CryptographicAlgorithm"], attrs["State"]) == (
            object_type,
            algorithm,
            "Active",
        ), args
        if length is not None:
            assert attrs["CryptographicLength"] == length, args
        if args[0] == "ec":
            assert attrs["CryptographicDomainParameters"]["RecommendedCurve"] == CURVES[args[2]], args
        if object_type == "PrivateKey":  # the public key is there and linked
            public = succeeded(kms_cli("attributes", made["public_key_id"], "--conf", conf, "--json"))["attributes"]
            assert public["ObjectType"] == "PublicKey" and public["State"] == "Active"


def test_secp224k1_is_sent_and_the_sandbox_says_it_cannot(kms_cli, conf):
    r = kms_cli("create", "ec", "--curve", "secp224k1", "--conf", conf)
    assert r.code == 1 and "SECP224K1" in r.err and "not supported by the sandbox" in r.err


def test_the_masked_prompt_on_a_terminal(conf, sandbox, tmp_path):
    """`--prompt` in a real terminal: asked twice, nothing echoed, the value stored."""
    import os

    import pexpect

    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "kms_tui", "create", "secret", "--type", "password", "--prompt", "--conf", str(conf), "--json"],
        env=env,
        timeout=60,
    )
    child.expect("Secret value")
    child.sendline(PASSWORD)
    child.expect("Again")
    child.sendline(PASSWORD)
    child.expect(pexpect.EOF)
    shown = child.before.decode()
    child.close()
    assert child.exitstatus == 0, shown
    assert PASSWORD not in shown  # not echoed, not printed
    uid = json.loads(shown[shown.index("{") : shown.rindex("}") + 1])["id"]
    child = pexpect.spawn(
        sys.executable,
        ["-m", "kms_tui", "create", "secret", "--type", "password", "--prompt", "--conf", str(conf)],
        env=env,
        timeout=60,
    )
    child.expect("Secret value")
    child.sendline("one")
    child.expect("Again")
    child.sendline("two")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 3 and "differ" in child.before.decode()
    import httpx

    body = {"tag": "Get", "value": [{"tag": "UniqueIdentifier", "type": "TextString", "value": uid}]}
    assert PASSWORD.encode().hex().upper() in httpx.post(f"{sandbox.url}/kmip/2_1", json=body).text


def test_another_user_reveals_a_secret_only_while_granted(two_users, kms_cli, tmp_path):
    """alice stores a password; bob (another client certificate) cannot read it, can once alice
    grants him `export`, and cannot again once it is revoked."""
    _, paths, _ = two_users
    value = tmp_path / "pw"
    value.write_text(PASSWORD + "\n")
    uid = succeeded(
        kms_cli("create", "secret", "--type", "password", "--value-file", value, "--conf", paths["alice"], "--json")
    )["id"]
    denied = kms_cli("reveal", uid, "--conf", paths["bob"])
    assert denied.code == 1 and PASSWORD not in denied.out + denied.err
    assert kms_cli("access", "grant", "bob", "export", "--id", uid, "--conf", paths["alice"]).code == 0
    assert kms_cli("reveal", uid, "--conf", paths["bob"]).out == PASSWORD + "\n"
    assert kms_cli("access", "revoke", "bob", "export", "--id", uid, "--conf", paths["alice"]).code == 0
    assert kms_cli("reveal", uid, "--conf", paths["bob"]).code == 1


def test_sensitive_and_wrapped_secrets(kms_cli, conf, tmp_path):
    value = tmp_path / "pw"
    value.write_text(PASSWORD)
    sensitive = succeeded(
        kms_cli(
            "create", "secret", "--type", "password", "--value-file", value, "--sensitive", "--conf", conf, "--json"
        )
    )["id"]
    assert succeeded(kms_cli("attributes", sensitive, "--conf", conf, "--json"))["attributes"]["Sensitive"] is True
    refused = kms_cli("reveal", sensitive, "--conf", conf)  # said before anything is exported
    assert refused.code == 3 and "is Sensitive" in refused.err and PASSWORD not in refused.out + refused.err
    entries = succeeded(kms_cli("audit", "--limit", "5", "--json"))["entries"]
    assert not any(e["operation"] == "Export" and sensitive in e["object_ids"] for e in entries)
    kek = succeeded(kms_cli("create", "aes", "--conf", conf, "--json"))["id"]
    wrapped = succeeded(kms_cli("create", "secret", "--wrapping-key-id", kek, "--conf", conf, "--json"))["id"]
    links = succeeded(kms_cli("attributes", wrapped, "--conf", conf, "--json"))["attributes"]["links"]
    assert {"type": "WrappingKeyLink", "id": kek} in links  # stored wrapped by the key
    shown = succeeded(kms_cli("reveal", wrapped, "--format", "hex", "--conf", conf, "--json"))
    assert len(bytes.fromhex(shown["value"])) == 32  # unwrapped on the way out
    r = kms_cli("create", "secret", "--value-file", value, "--wrapping-key-id", kek, "--conf", conf)
    assert r.code == 3 and "seed the server makes" in r.err


def test_secret_data_and_opaque_objects_go_through_files_both_ways(kms_cli, conf, tmp_path, sandbox):
    """ckms 5.26's `secret-data|opaque-object export|import` (shared/export_key.rs, import_key.rs):
    json-ttlv out and back in, raw and base64 out; the files are 0600 and the values never logged."""
    _ = sandbox
    source = tmp_path / "pw.txt"
    source.write_bytes(PASSWORD.encode())
    secret = succeeded(
        kms_cli("create", "secret", "--type", "password", "--value-file", source, "--conf", conf, "--json")
    )
    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"\x00opaque\xffbytes")
    opaque = succeeded(kms_cli("create", "opaque", "--value-file", blob, "--conf", conf, "--json"))
    for made, value, kind in ((secret, PASSWORD.encode(), "SecretData"), (opaque, blob.read_bytes(), "OpaqueObject")):
        exported = tmp_path / f"{made['id']}.json"
        done = kms_cli("export", made["id"], "--format", "json-ttlv", "-o", exported, "--conf", conf)
        assert done.code == 0 and stat.S_IMODE(exported.stat().st_mode) == 0o600
        assert kind in json.loads(exported.read_text())["tag"]  # the object itself, in KMIP JSON TTLV
        raw = tmp_path / f"{made['id']}.raw"
        assert kms_cli("export", made["id"], "--format", "raw", "-o", raw, "--conf", conf).code == 0
        assert raw.read_bytes() == value and stat.S_IMODE(raw.stat().st_mode) == 0o600
        b64 = tmp_path / f"{made['id']}.b64"
        assert kms_cli("export", made["id"], "--format", "base64", "-o", b64, "--conf", conf).code == 0
        assert base64.b64decode(b64.read_bytes()) == value
        imported = kms_cli("import", exported, "--tag", "restored", "--conf", conf, "--json")
        new = succeeded(imported)["id"]
        assert new != made["id"] and PASSWORD not in imported.out + imported.err
        attrs = succeeded(kms_cli("attributes", new, "--conf", conf, "--json"))["attributes"]
        assert attrs["ObjectType"] == kind and "restored" in attrs["tags"]
        back = tmp_path / f"{new}.back"
        assert succeeded(kms_cli("reveal", new, "-o", back, "--conf", conf, "--json"))["file"] == str(back)
        assert back.read_bytes() == value  # the same value, through a file and back
    assert PASSWORD.encode() not in _trail_bytes()
