"""``kms-tui import`` and ``kms-tui export`` against a real sandbox, with files made by the
``cryptography`` package and the ``openssl`` command: every import format (detected and named),
round trips whose bytes match the originals or that openssl reads, wrapped exports unwrapped
here with the wrapping key, PKCS#12 import linking key, certificate and chain, files 0600 for key
material and never written over or through a link, a Sensitive key's refusal explained, and an
audit trail that says what left the KMS without holding it."""

from __future__ import annotations

import base64
import json
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_unwrap_with_padding
from cryptography.hazmat.primitives.serialization import pkcs12

from kms_tui.audit import default_path
from tests.client.support.certs import issue, make_ca
from tests.client.support.sandbox_cli import module_sandbox, put_file, sandbox_cli

DER, PEM = ser.Encoding.DER, ser.Encoding.PEM
NOENC = ser.NoEncryption()
OPENSSL = shutil.which("openssl")


shared_sandbox = module_sandbox("transfer-sandbox")


@pytest.fixture
def cli(kms_cli, shared_sandbox, tmp_path):
    return sandbox_cli(kms_cli, shared_sandbox.url, tmp_path)


_file = put_file


RSA = rsa.generate_private_key(65537, 2048)
EC = ec.generate_private_key(ec.SECP256R1())


def _key_files() -> dict[str, tuple[bytes, str, str]]:
    """name → (bytes, detected format, object type)."""
    pub = RSA.public_key()
    return {
        "rsa1.der": (RSA.private_bytes(DER, ser.PrivateFormat.TraditionalOpenSSL, NOENC), "pkcs1-priv", "PrivateKey"),
        "rsa8.der": (RSA.private_bytes(DER, ser.PrivateFormat.PKCS8, NOENC), "pkcs8-priv", "PrivateKey"),
        "rsapub1.der": (pub.public_bytes(DER, ser.PublicFormat.PKCS1), "pkcs1-pub", "PublicKey"),
        "rsapub8.der": (pub.public_bytes(DER, ser.PublicFormat.SubjectPublicKeyInfo), "pkcs8-pub", "PublicKey"),
        "ec.sec1": (EC.private_bytes(DER, ser.PrivateFormat.TraditionalOpenSSL, NOENC), "sec1", "PrivateKey"),
        "rsa1.pem": (RSA.private_bytes(PEM, ser.PrivateFormat.TraditionalOpenSSL, NOENC), "pem", "PrivateKey"),
        "ec8.pem": (EC.private_bytes(PEM, ser.PrivateFormat.PKCS8, NOENC), "pem", "PrivateKey"),
        "ed.pem": (
            ed25519.Ed25519PrivateKey.generate().private_bytes(PEM, ser.PrivateFormat.PKCS8, NOENC),
            "pem",
            "PrivateKey",
        ),
        "pub.pem": (pub.public_bytes(PEM, ser.PublicFormat.SubjectPublicKeyInfo), "pem", "PublicKey"),
        "aes.key": (bytes(range(32)), "aes", "SymmetricKey"),
    }


def test_every_key_format_is_detected_imported_and_named(cli, tmp_path):
    for name, (data, fmt, object_type) in _key_files().items():
        doc = cli.ok("import", _file(tmp_path, name, data), "--tag", "imported")
        assert doc["format"] == fmt and doc["detected"] is True, name
        attrs = cli.ok("attributes", doc["id"])["attributes"]
        assert attrs["ObjectType"] == object_type, name
        assert "imported" in attrs["tags"]
        assert attrs["State"] == "Active"  # ckms sets ActivationDate=now on import
    # the same bytes named explicitly, as ckms's --key-format
    for name, fmt in (("rsa1.der", "pkcs1-priv"), ("ec.sec1", "sec1"), ("rsapub8.der", "pkcs8-pub")):
        doc = cli.ok("import", tmp_path / name, "--format", fmt)
        assert doc["format"] == fmt and doc["detected"] is False
    r = cli("import", tmp_path / "aes.key", "--read-only")
    assert r.code == 3 and "read-only" in r.err  # an import is a change
    doc = cli.ok("import", _file(tmp_path, "chacha.key", bytes(32)), "--format", "chacha20")
    assert cli.ok("attributes", doc["id"])["attributes"]["CryptographicAlgorithm"] == "ChaCha20"


@pytest.mark.skipif(OPENSSL is None, reason="needs the openssl command")
def test_openssl_made_keys_round_trip_in_every_format(cli, tmp_path):
    def openssl(*args: str) -> None:
        subprocess.run([OPENSSL, *args], check=True, capture_output=True, cwd=tmp_path)

    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.pem")
    openssl("rsa", "-in", "rsa.pem", "-traditional", "-out", "rsa1.pem")
    openssl("rsa", "-in", "rsa.pem", "-traditional", "-outform", "DER", "-out", "rsa1.der")
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.pem")
    openssl("ec", "-in", "ec.pem", "-outform", "DER", "-out", "ec.der")
    rsa_id = cli.ok("import", tmp_path / "rsa1.pem", "--key-usage", "sign", "--key-usage", "verify")["id"]
    mask = cli.ok("attributes", rsa_id)["attributes"]["CryptographicUsageMask"]
    assert mask == 3  # Sign | Verify, from --key-usage
    expected = {
        "pkcs8-pem": (tmp_path / "rsa.pem").read_bytes(),
        "pkcs1-pem": (tmp_path / "rsa1.pem").read_bytes(),
        "pkcs1-der": (tmp_path / "rsa1.der").read_bytes(),
    }
    for fmt, want in expected.items():
        out = tmp_path / f"out.{fmt}"
        doc = cli.ok("export", rsa_id, "--format", fmt, "-o", out)
        assert out.read_bytes() == want, fmt  # byte for byte what openssl wrote
        assert stat.S_IMODE(out.stat().st_mode) == 0o600 and doc["material"] == "private key"
    out = tmp_path / "out.pkcs8-der"
    cli.ok("export", rsa_id, "--format", "pkcs8-der", "-o", out)
    openssl("pkey", "-inform", "DER", "-in", out.name, "-noout")  # openssl reads it
    # a PKCS#12 and a ChaCha20 key made by openssl
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "c.key",
        "-out",
        "c.pem",
        "-subj",
        "/CN=openssl leaf",
        "-days",
        "2",
    )
    (tmp_path / "pw").write_text("openssl pw\n")
    openssl("pkcs12", "-export", "-inkey", "c.key", "-in", "c.pem", "-passout", "file:pw", "-out", "c.p12")
    openssl("rand", "-out", "chacha.key", "32")
    doc = cli.ok("import", tmp_path / "c.p12", "--password-file", tmp_path / "pw")
    assert doc["format"] == "pkcs12" and "openssl leaf" in doc["objects"][1]
    cli.ok("export", doc["certificate_id"], "--format", "pem", "-o", tmp_path / "c.back.pem")
    assert (tmp_path / "c.back.pem").read_bytes() == (tmp_path / "c.pem").read_bytes()
    cli.ok("export", doc["private_key_id"], "--format", "pkcs8-pem", "-o", tmp_path / "c.back.key")
    assert (tmp_path / "c.back.key").read_bytes() == (tmp_path / "c.key").read_bytes()
    chacha = cli.ok("import", tmp_path / "chacha.key", "--format", "chacha20")["id"]
    cli.ok("export", chacha, "--format", "raw", "-o", tmp_path / "chacha.back")
    assert (tmp_path / "chacha.back").read_bytes() == (tmp_path / "chacha.key").read_bytes()
    ec_id = cli.ok("import", tmp_path / "ec.der")["id"]  # detected as sec1
    cli.ok("export", ec_id, "--format", "sec1-pem", "-o", tmp_path / "back.pem")
    assert (tmp_path / "back.pem").read_bytes() == (tmp_path / "ec.pem").read_bytes()
    cli.ok("export", ec_id, "--format", "sec1-der", "-o", tmp_path / "back.der")
    assert (tmp_path / "back.der").read_bytes() == (tmp_path / "ec.der").read_bytes()


def test_symmetric_key_round_trip_raw_base64_and_json_ttlv(cli, tmp_path):
    key = bytes(range(100, 132))
    uid = cli.ok("import", _file(tmp_path, "k.bin", key), "--id", "transfer-aes")["id"]
    assert uid == "transfer-aes"
    cli.ok("export", uid, "--format", "raw", "-o", tmp_path / "k.raw")
    assert (tmp_path / "k.raw").read_bytes() == key
    cli.ok("export", uid, "--format", "base64", "-o", tmp_path / "k.b64")
    assert base64.b64decode((tmp_path / "k.b64").read_bytes()) == key
    cli.ok("export", uid, "--format", "json-ttlv", "-o", tmp_path / "k.json")
    assert json.loads((tmp_path / "k.json").read_text())["tag"] == "SymmetricKey"
    again = cli.ok("import", tmp_path / "k.json", "--id", "transfer-aes-2")
    assert again["format"] == "json-ttlv"
    cli.ok("export", "transfer-aes-2", "--format", "raw", "-o", tmp_path / "k2.raw")
    assert (tmp_path / "k2.raw").read_bytes() == key
    # an existing id is refused unless --replace
    r = cli("import", tmp_path / "k.bin", "--id", "transfer-aes")
    assert r.code == 1 and "already exist" in r.err
    assert cli.ok("import", tmp_path / "k.bin", "--id", "transfer-aes", "--replace")["id"] == "transfer-aes"


def test_existing_file_is_kept_without_force_and_links_are_refused(cli, tmp_path):
    uid = cli.ok("import", _file(tmp_path, "k.bin", bytes(16)))["id"]
    out = tmp_path / "out.raw"
    out.write_bytes(b"precious")
    r = cli("export", uid, "--format", "raw", "-o", out)
    assert r.code == 3 and "already exists" in r.err and "--force" in r.err
    assert out.read_bytes() == b"precious"
    cli.ok("export", uid, "--format", "raw", "-o", out, "--force")
    assert out.read_bytes() == bytes(16) and stat.S_IMODE(out.stat().st_mode) == 0o600
    target = tmp_path / "elsewhere"
    (tmp_path / "link.raw").symlink_to(target)
    r = cli("export", uid, "--format", "raw", "-o", tmp_path / "link.raw", "--force")
    assert r.code == 3 and "symbolic link" in r.err and not target.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    # public material: 0644, and the default export (no --format) is still public PEM
    pub = cli.ok(
        "import", _file(tmp_path, "pub.der", RSA.public_key().public_bytes(DER, ser.PublicFormat.SubjectPublicKeyInfo))
    )["id"]
    cli.ok("export", pub, "--format", "pkcs8-pem", "-o", tmp_path / "pub.pem")
    assert stat.S_IMODE((tmp_path / "pub.pem").stat().st_mode) == 0o644
    assert cli.ok("export", pub)["pem"].startswith("-----BEGIN PUBLIC KEY-----")


def test_wrapped_exports_unwrap_with_the_wrapping_key(cli, tmp_path):
    key = bytes(range(32))
    uid = cli.ok("import", _file(tmp_path, "k.bin", key))["id"]
    kek_id = cli.ok("create", "aes")["id"]
    cli.ok("export", kek_id, "--format", "raw", "-o", tmp_path / "kek")
    kek = (tmp_path / "kek").read_bytes()
    pair = cli.ok("create", "rsa")
    cli.ok("export", pair["private_key_id"], "--format", "pkcs8-der", "-o", tmp_path / "rsa.der")
    sk = ser.load_der_private_key((tmp_path / "rsa.der").read_bytes(), None)
    oaep = padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None)

    def wrapped(alg: str, kek_id: str) -> bytes:
        out = tmp_path / f"w.{alg}"
        doc = cli.ok("export", uid, "--format", "raw", "-o", out, "--wrap-key", kek_id, "--wrap-alg", alg)
        assert doc["wrapped_by"] == kek_id
        return out.read_bytes()

    assert aes_key_unwrap_with_padding(kek, wrapped("rfc5649", kek_id)) == key
    assert aes_key_unwrap(kek, wrapped("rfc3394", kek_id)) == key
    blob = wrapped("aes-gcm", kek_id)
    assert AESGCM(kek).decrypt(blob[:12], blob[12:], None) == key  # nonce || ciphertext || tag
    assert sk.decrypt(wrapped("rsa-oaep", pair["public_key_id"]), oaep) == key
    assert sk.decrypt(wrapped("rsa-pkcs1v15", pair["private_key_id"]), padding.PKCS1v15()) == key
    blob = wrapped("rsa-aes-kw", pair["public_key_id"])
    assert aes_key_unwrap_with_padding(sk.decrypt(blob[:256], oaep), blob[256:]) == key
    # a private key wrapped is its PKCS#8 (RFC 5649: RFC 3394 needs a multiple of 8 bytes)
    priv = cli.ok("import", _file(tmp_path, "rsa8.der", RSA.private_bytes(DER, ser.PrivateFormat.PKCS8, NOENC)))["id"]
    cli.ok("export", priv, "--format", "raw", "-o", tmp_path / "wp", "--wrap-key", kek_id, "--wrap-alg", "rfc5649")
    assert aes_key_unwrap_with_padding(kek, (tmp_path / "wp").read_bytes()) == RSA.private_bytes(
        DER, ser.PrivateFormat.PKCS8, NOENC
    )
    r = cli("export", uid, "--format", "pkcs8-pem", "-o", tmp_path / "x", "--wrap-key", kek_id)
    assert r.code == 3 and "raw" in r.err
    # a wrapped json-ttlv comes back in: stored wrapped, or unwrapped with --unwrap
    cli.ok(
        "export", uid, "--format", "json-ttlv", "-o", tmp_path / "w.json", "--wrap-key", kek_id, "--wrap-alg", "rfc5649"
    )
    kept = cli.ok("import", tmp_path / "w.json")["id"]
    cli.ok("export", kept, "--format", "raw", "-o", tmp_path / "kept.raw")
    # json-ttlv is wrapped TTLV-encoded, as ckms asks: the KeyValue's binary TTLV, the key inside
    assert aes_key_unwrap_with_padding(kek, (tmp_path / "kept.raw").read_bytes())[16:48] == key
    assert any(link["type"] == "WrappingKeyLink" for link in cli.ok("attributes", kept)["attributes"]["links"])
    opened = cli.ok("import", tmp_path / "w.json", "--unwrap")["id"]
    cli.ok("export", opened, "--format", "raw", "-o", tmp_path / "opened.raw")
    assert (tmp_path / "opened.raw").read_bytes() == key
    # wrapped on import (ckms --wrapping-key-id): stored wrapped by the KEK (RFC 5649), linked to it
    stored = cli.ok("import", tmp_path / "k.bin", "--wrap-key", kek_id)["id"]
    cli.ok("export", stored, "--format", "raw", "-o", tmp_path / "stored.raw")
    assert aes_key_unwrap_with_padding(kek, (tmp_path / "stored.raw").read_bytes()) == key
    assert {"type": "WrappingKeyLink", "id": kek_id} in cli.ok("attributes", stored)["attributes"]["links"]
    cli.ok("export", stored, "--format", "raw", "-o", tmp_path / "stored.plain", "--unwrap")
    assert (tmp_path / "stored.plain").read_bytes() == key


def _pki(_tmp_path: Path):
    root = make_ca("transfer root")
    leaf = issue(root, "transfer leaf", rsa_key=True)
    return root, leaf


def test_certificates_pem_der_chain_and_back(cli, tmp_path):
    root, leaf = _pki(tmp_path)
    leaf_pem = leaf.cert.public_bytes(PEM)
    doc = cli.ok("import", _file(tmp_path, "leaf.crt", leaf_pem))
    assert doc["format"] == "pem" and "transfer leaf" in doc["objects"][0]
    cli.ok("export", doc["id"], "--format", "pem", "-o", tmp_path / "back.pem")
    assert (tmp_path / "back.pem").read_bytes() == leaf_pem
    assert stat.S_IMODE((tmp_path / "back.pem").stat().st_mode) == 0o644
    der = cli.ok("import", _file(tmp_path, "leaf.der", leaf.cert.public_bytes(DER)))
    assert der["format"] == "der"
    cli.ok("export", der["id"], "--format", "der", "-o", tmp_path / "back.der")
    assert (tmp_path / "back.der").read_bytes() == leaf.cert.public_bytes(DER)
    chain = cli.ok("import", _file(tmp_path, "chain.pem", leaf_pem + root.cert.public_bytes(PEM)), "--tag", "chain")
    assert chain["format"] == "chain" and len(chain["ids"]) == 2
    root_id, leaf_id = chain["ids"]
    assert chain["id"] == leaf_id
    links = cli.ok("attributes", leaf_id)["attributes"]["links"]
    assert {"type": "CertificateLink", "id": root_id} in links  # the leaf points at its issuer
    r = cli("export", leaf_id, "--format", "pkcs8-pem", "-o", tmp_path / "nope")
    assert r.code == 3 and "certificate" in r.err


def test_pkcs12_import_links_key_certificate_and_chain_and_exports_again(cli, tmp_path):
    root, leaf = _pki(tmp_path)
    p12 = pkcs12.serialize_key_and_certificates(
        b"x", leaf.key, leaf.cert, [root.cert], ser.BestAvailableEncryption(b"p12 secret")
    )
    pw = _file(tmp_path, "pw", b"p12 secret\n")
    r = cli("import", _file(tmp_path, "b.p12", p12))
    assert r.code == 3 and "--password-file" in r.err
    doc = cli.ok("import", tmp_path / "b.p12", "--password-file", pw, "--id", "p12leaf", "--tag", "p12")
    assert doc["format"] == "pkcs12"
    assert (doc["private_key_id"], doc["public_key_id"], doc["certificate_id"]) == (
        "p12leaf_sk",
        "p12leaf_pk",
        "p12leaf",
    )
    cert_links = {link["type"]: link["id"] for link in cli.ok("attributes", "p12leaf")["attributes"]["links"]}
    assert cert_links["PrivateKeyLink"] == "p12leaf_sk" and cert_links["PublicKeyLink"] == "p12leaf_pk"
    root_id = cert_links["CertificateLink"]
    sk_links = {link["type"]: link["id"] for link in cli.ok("attributes", "p12leaf_sk")["attributes"]["links"]}
    assert sk_links == {"PKCS12CertificateLink": "p12leaf"}
    pk_links = {link["type"]: link["id"] for link in cli.ok("attributes", "p12leaf_pk")["attributes"]["links"]}
    assert pk_links == {"PrivateKeyLink": "p12leaf_sk"}
    assert "p12" in cli.ok("attributes", root_id)["attributes"]["tags"]
    r = cli("import", tmp_path / "b.p12", "--password-file", _file(tmp_path, "bad", b"wrong"))
    assert r.code == 3 and "password" in r.err
    # back out: PKCS#12 (password from a file), PKCS#7, PEM
    out = tmp_path / "out.p12"
    doc = cli.ok("export", "p12leaf", "--format", "pkcs12", "-o", out, "--pkcs12-password-file", pw)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    key, cert, cas = pkcs12.load_key_and_certificates(out.read_bytes(), b"p12 secret")
    assert cert == leaf.cert and [c.subject for c in cas] == [root.cert.subject]
    assert key.private_numbers() == leaf.key.private_numbers()
    cli.ok("export", "p12leaf", "--format", "pkcs7", "-o", tmp_path / "c.p7")
    from cryptography.hazmat.primitives.serialization import pkcs7

    certs = pkcs7.load_pem_pkcs7_certificates((tmp_path / "c.p7").read_bytes())
    assert {c.subject for c in certs} == {leaf.cert.subject, root.cert.subject}
    # the audit trail says a PKCS#12 left, never its password nor bytes
    trail = default_path().read_bytes()
    assert b"p12 secret" not in trail and b"pkcs12" in trail


def test_sensitive_key_refusal_is_explained_and_audit_keeps_no_bytes(cli, tmp_path):
    key = b"\x42" * 32
    obj = {
        "tag": "SymmetricKey",
        "value": [
            {
                "tag": "KeyBlock",
                "value": [
                    {"tag": "KeyFormatType", "type": "Enumeration", "value": "TransparentSymmetricKey"},
                    {
                        "tag": "KeyValue",
                        "value": [
                            {
                                "tag": "KeyMaterial",
                                "value": [{"tag": "Key", "type": "ByteString", "value": key.hex().upper()}],
                            },
                            {"tag": "Attributes", "value": [{"tag": "Sensitive", "type": "Boolean", "value": True}]},
                        ],
                    },
                    {"tag": "CryptographicAlgorithm", "type": "Enumeration", "value": "AES"},
                    {"tag": "CryptographicLength", "type": "Integer", "value": 256},
                ],
            }
        ],
    }
    uid = cli.ok("import", _file(tmp_path, "s.json", json.dumps(obj).encode()))["id"]
    r = cli("export", uid, "--format", "raw", "-o", tmp_path / "s.raw")
    assert r.code == 1 and "Sensitive" in r.err and "--wrap-key" in r.err
    assert not (tmp_path / "s.raw").exists()
    plain = cli.ok("import", _file(tmp_path, "p.bin", b"\x17" * 32))["id"]
    cli.ok("export", plain, "--format", "base64", "-o", tmp_path / "p.b64")
    trail = default_path().read_bytes()
    assert key.hex().encode() not in trail.lower() and base64.b64encode(b"\x17" * 32) not in trail
    assert b"symmetric key" in trail and b"p.b64" in trail
