"""Secret data and opaque objects to and from files (ckms 5.26 ``secret-data export|import``,
``opaque-object export|import``: ``shared/export_key.rs``, ``shared/import_key.rs``), private
keys wrapped on import, EC (ECIES) wrapping keys and TTLV-encoded wrapped json-ttlv exports,
against a real sandbox: the bytes come back as they went in, files are 0600, and the values never
reach the audit trail."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ec, rsa, x25519
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap_with_padding

from kms_tui.audit import default_path
from tests.client.support.sandbox_cli import module_sandbox, put_file, sandbox_cli

DER = ser.Encoding.DER
NOENC = ser.NoEncryption()


shared_sandbox = module_sandbox("secrets-transfer-sandbox")


@pytest.fixture
def cli(kms_cli, shared_sandbox, tmp_path):
    return sandbox_cli(kms_cli, shared_sandbox.url, tmp_path)


_file = put_file


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_secret_data_round_trips_through_files_0600_and_never_into_the_audit(cli, tmp_path):
    value = b"correct horse battery staple 42"
    uid = cli.ok("create", "secret", "--type", "password", "--value-file", _file(tmp_path, "pw", value))["id"]
    for fmt, read in (("raw", lambda b: b), ("base64", base64.b64decode)):
        out = tmp_path / f"s.{fmt}"
        doc = cli.ok("export", uid, "--format", fmt, "-o", out)
        assert doc["material"] == "secret data" and doc["mode"] == "0600"
        assert read(out.read_bytes()) == value and _mode(out) == 0o600
    cli.ok("export", uid, "--format", "json-ttlv", "-o", tmp_path / "s.json")
    assert json.loads((tmp_path / "s.json").read_text())["tag"] == "SecretData"
    assert _mode(tmp_path / "s.json") == 0o600
    back = cli.ok("import", tmp_path / "s.json", "--id", "secret-again", "--tag", "from-file")
    assert back["format"] == "json-ttlv" and back["id"] == "secret-again"
    assert any("secret data" in d for d in back["objects"])
    cli.ok("export", "secret-again", "--format", "raw", "-o", tmp_path / "again.raw")
    assert (tmp_path / "again.raw").read_bytes() == value
    attrs = cli.ok("attributes", "secret-again")["attributes"]
    assert attrs["ObjectType"] == "SecretData" and "from-file" in attrs["tags"]
    # a secret-data key format makes no sense: refused before anything is asked
    r = cli("export", uid, "--format", "pkcs8-pem", "-o", tmp_path / "x.pem")
    assert r.code != 0 and not (tmp_path / "x.pem").exists()
    trail = default_path().read_bytes()
    assert value not in trail and base64.b64encode(value) not in trail and value.hex().encode() not in trail.lower()
    assert b"secret data" in trail


def test_opaque_object_round_trips_through_files(cli, tmp_path):
    blob = bytes(range(256)) * 3
    uid = cli.ok("create", "opaque", "--value-file", _file(tmp_path, "blob", blob))["id"]
    doc = cli.ok("export", uid, "--format", "raw", "-o", tmp_path / "o.raw")
    assert (tmp_path / "o.raw").read_bytes() == blob
    assert doc["material"] == "opaque object" and _mode(tmp_path / "o.raw") == 0o600
    cli.ok("export", uid, "--format", "json-ttlv", "-o", tmp_path / "o.json")
    assert json.loads((tmp_path / "o.json").read_text())["tag"] == "OpaqueObject"
    again = cli.ok("import", tmp_path / "o.json")
    assert again["format"] == "json-ttlv"
    cli.ok("export", again["id"], "--format", "base64", "-o", tmp_path / "o.b64")
    assert base64.b64decode((tmp_path / "o.b64").read_bytes()) == blob
    assert cli.ok("attributes", again["id"])["attributes"]["ObjectType"] == "OpaqueObject"
    trail = default_path().read_bytes()
    assert blob[:64].hex().encode() not in trail.lower() and base64.b64encode(blob)[:40] not in trail


def test_secret_data_exported_wrapped_comes_back_unwrapped(cli, tmp_path):
    value = b"s3cr3t-for-a-service"
    uid = cli.ok("create", "secret", "--value-file", _file(tmp_path, "v", value))["id"]
    kek_id = cli.ok("create", "aes")["id"]
    cli.ok("export", kek_id, "--format", "raw", "-o", tmp_path / "kek")
    kek = (tmp_path / "kek").read_bytes()
    cli.ok("export", uid, "--format", "raw", "-o", tmp_path / "w.raw", "--wrap-key", kek_id, "--wrap-alg", "rfc5649")
    assert aes_key_unwrap_with_padding(kek, (tmp_path / "w.raw").read_bytes()) == value
    cli.ok("export", uid, "--format", "json-ttlv", "-o", tmp_path / "w.json", "--wrap-key", kek_id)
    opened = cli.ok("import", tmp_path / "w.json", "--unwrap")["id"]
    cli.ok("export", opened, "--format", "raw", "-o", tmp_path / "opened")
    assert (tmp_path / "opened").read_bytes() == value


def _kek(cli, tmp_path: Path) -> tuple[str, bytes]:
    kek_id = cli.ok("create", "aes")["id"]
    cli.ok("export", kek_id, "--format", "raw", "-o", tmp_path / f"kek-{kek_id}")
    return kek_id, (tmp_path / f"kek-{kek_id}").read_bytes()


def test_json_ttlv_wrapped_export_is_ttlv_encoded_as_ckms_asks(cli, tmp_path):
    key = bytes(range(7, 39))
    uid = cli.ok("import", _file(tmp_path, "k.bin", key))["id"]
    kek_id, kek = _kek(cli, tmp_path)
    cli.ok(
        "export", uid, "--format", "json-ttlv", "-o", tmp_path / "w.json", "--wrap-key", kek_id, "--wrap-alg", "rfc5649"
    )
    doc = json.loads((tmp_path / "w.json").read_text())
    block = next(c for c in doc["value"] if c["tag"] == "KeyBlock")
    kwd = next(c for c in block["value"] if c["tag"] == "KeyWrappingData")
    assert {"tag": "EncodingOption", "type": "Enumeration", "value": "TTLVEncoding"} in kwd["value"]
    wrapped = bytes.fromhex(next(c for c in block["value"] if c["tag"] == "KeyValue")["value"])
    plain = aes_key_unwrap_with_padding(kek, wrapped)
    # KeyValue (0x420045, a Structure) holding KeyMaterial (0x420043, a ByteString) = the key
    assert plain[:4] == bytes.fromhex("42004501") and plain[8:12] == bytes.fromhex("42004308")
    assert plain[16:48] == key
    opened = cli.ok("import", tmp_path / "w.json", "--unwrap")["id"]
    cli.ok("export", opened, "--format", "raw", "-o", tmp_path / "opened")
    assert (tmp_path / "opened").read_bytes() == key
    # raw and base64 stay NoEncoding: the bytes are the key itself
    cli.ok("export", uid, "--format", "raw", "-o", tmp_path / "w.raw", "--wrap-key", kek_id, "--wrap-alg", "rfc5649")
    assert aes_key_unwrap_with_padding(kek, (tmp_path / "w.raw").read_bytes()) == key


def test_private_key_wrapped_on_import_is_stored_wrapped_and_still_usable(cli, tmp_path):
    rsa_key = rsa.generate_private_key(65537, 2048)
    pkcs8 = rsa_key.private_bytes(DER, ser.PrivateFormat.PKCS8, NOENC)
    kek_id, kek = _kek(cli, tmp_path)
    uid = cli.ok("import", _file(tmp_path, "rsa8.der", pkcs8), "--wrap-key", kek_id)["id"]
    links = cli.ok("attributes", uid)["attributes"]["links"]
    assert {"type": "WrappingKeyLink", "id": kek_id} in links
    cli.ok("export", uid, "--format", "raw", "-o", tmp_path / "stored")
    assert aes_key_unwrap_with_padding(kek, (tmp_path / "stored").read_bytes()) == pkcs8  # RFC 5649 of PKCS#8
    cli.ok("export", uid, "--format", "pkcs8-der", "--unwrap", "-o", tmp_path / "plain.der")
    assert (tmp_path / "plain.der").read_bytes() == pkcs8
    # an RSA wrapping key fails on Cosmian (RFC 5649 asked of it, a bare HTTP 500): said first
    pair = cli.ok("create", "rsa")
    r = cli("import", tmp_path / "rsa8.der", "--wrap-key", pair["public_key_id"])
    assert r.code == 3 and "symmetric key only" in r.err and "PublicKey" in r.err


def _ec_pair(cli, tmp_path: Path, name: str) -> tuple[str, str]:
    """A P-256 key pair made by ``cryptography``, imported linked, allowed to (un)wrap and decrypt."""
    sk = ec.generate_private_key(ec.SECP256R1())
    pub = cli.ok(
        "import",
        _file(tmp_path, f"{name}.pub", sk.public_key().public_bytes(DER, ser.PublicFormat.SubjectPublicKeyInfo)),
        "--id",
        f"{name}-pk",
        "--private-key-id",
        f"{name}-sk",
        "--key-usage",
        "wrap-key",
        "--key-usage",
        "encrypt",
    )["id"]
    priv = cli.ok(
        "import",
        _file(tmp_path, f"{name}.der", sk.private_bytes(DER, ser.PrivateFormat.PKCS8, NOENC)),
        "--id",
        f"{name}-sk",
        "--public-key-id",
        pub,
        "--key-usage",
        "unwrap-key",
        "--key-usage",
        "decrypt",
    )["id"]
    return pub, priv


def test_ec_wrapping_key_wraps_with_ecies(cli, tmp_path):
    key = bytes(range(50, 82))
    uid = cli.ok("import", _file(tmp_path, "k.bin", key))["id"]
    pub, priv = _ec_pair(cli, tmp_path, "ecies-p256")
    doc = cli.ok("export", uid, "--format", "raw", "-o", tmp_path / "w.raw", "--wrap-key", pub, "--wrap-alg", "ecies")
    assert doc["wrap_alg"] == "ecies" and doc["wrapped_by"] == pub
    blob = (tmp_path / "w.raw").read_bytes()
    assert len(blob) == 33 + len(key) + 16  # compressed ephemeral point || ciphertext || tag
    # Cosmian wraps with the same ECIES it encrypts with: the EC private key decrypts the blob
    cli.ok("decrypt", priv, "-i", tmp_path / "w.raw", "-o", tmp_path / "d")
    assert (tmp_path / "d").read_bytes() == key
    # a wrapped json-ttlv (no --wrap-alg, as ckms without --wrapping-algorithm) comes back in, unwrapped
    cli.ok("export", uid, "--format", "json-ttlv", "-o", tmp_path / "w.json", "--wrap-key", pub)
    opened = cli.ok("import", tmp_path / "w.json", "--unwrap")["id"]
    cli.ok("export", opened, "--format", "raw", "-o", tmp_path / "opened")
    assert (tmp_path / "opened").read_bytes() == key
    # X25519 has no ECIES (sealed box) in the sandbox: refused, nothing written
    x = x25519.X25519PrivateKey.generate().public_key()
    xid = cli.ok(
        "import",
        _file(tmp_path, "x.pub", x.public_bytes(DER, ser.PublicFormat.SubjectPublicKeyInfo)),
        "--key-usage",
        "wrap-key",
    )["id"]
    r = cli("export", uid, "--format", "raw", "-o", tmp_path / "x.raw", "--wrap-key", xid)
    assert r.code != 0 and not (tmp_path / "x.raw").exists()


def test_generated_ec_key_in_the_kms_is_a_valid_ecies_recipient(cli, tmp_path):
    # a P-384 key imported from a cryptography-made file wraps too (SHAKE256, AES-256-GCM)
    sk = ec.generate_private_key(ec.SECP384R1())
    pub_id = cli.ok(
        "import",
        _file(tmp_path, "p384.pub", sk.public_key().public_bytes(DER, ser.PublicFormat.SubjectPublicKeyInfo)),
        "--key-usage",
        "wrap-key",
    )["id"]
    uid = cli.ok("import", _file(tmp_path, "k.bin", bytes(32)))["id"]
    cli.ok("export", uid, "--format", "raw", "-o", tmp_path / "w", "--wrap-key", pub_id, "--wrap-alg", "ecies")
    assert len((tmp_path / "w").read_bytes()) == 49 + 32 + 16


def test_a_certificate_or_pkcs12_is_not_wrapped_on_import(cli, shared_sandbox, tmp_path):
    """Cosmian 5.26's import.rs wraps keys and secret data only (``process_certificate`` and the
    PKCS#12 bundle's certificates never call ``wrap_and_cache``): kms-tui says so before sending,
    and the sandbox, asked anyway, stores the certificate as it came."""
    import asyncio

    from cryptography.hazmat.primitives.serialization import pkcs12

    from kms_tui.client import ConnectionSettings, KmsClient
    from kms_tui.client.transfer import import_files
    from kms_tui.kmip import transfer
    from tests.client.support.certs import issue, make_ca

    kek_id, _kek_bytes = _kek(cli, tmp_path)
    root = make_ca("wrap root")
    pem = root.cert.public_bytes(ser.Encoding.PEM)
    r = cli("import", _file(tmp_path, "root.pem", pem), "--wrap-key", kek_id)
    assert r.code == 3 and "Certificate is imported unwrapped" in r.err
    leaf = issue(root, "wrap leaf", rsa_key=True)
    p12 = pkcs12.serialize_key_and_certificates(b"w", leaf.key, leaf.cert, [root.cert], NOENC)
    r = cli("import", _file(tmp_path, "leaf.p12", p12), "--wrap-key", kek_id)
    assert r.code == 3 and "PKCS#12 is imported unwrapped" in r.err
    assert cli.ok("import", tmp_path / "leaf.p12", "--id", "unwrapped-leaf")["id"] == "unwrapped-leaf_sk"

    async def import_wrapped_anyway() -> str:
        obj = import_files.read_file(pem, None, None).objects[0]
        async with KmsClient(ConnectionSettings.from_http_config({"server_url": shared_sandbox.url})) as client:
            return await client.import_object(transfer.import_request(obj, wrapping_key_id=kek_id))

    uid = asyncio.run(import_wrapped_anyway())
    links = cli.ok("attributes", uid)["attributes"].get("links", [])
    assert not any(link["type"] == "WrappingKeyLink" for link in links)
    cli.ok("export", uid, "--format", "pem", "-o", tmp_path / "back.pem")
    assert (tmp_path / "back.pem").read_bytes() == pem
