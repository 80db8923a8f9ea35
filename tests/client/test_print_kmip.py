"""`--print-kmip`: each request and answer on stderr as JSON, secrets masked (key material,
plaintext, tokens), against the real sandbox."""

from __future__ import annotations

import json

from kms_tui.client import ConnectionSettings, KmsClient
from kms_tui.client.redact import redact, redact_text
from kms_tui.commands.headless import print_exchange
from tests.client.conftest import write_conf

SECRET = b"TOP-SECRET-PLAINTEXT-42"


def test_create_prints_the_request_and_answer_on_stderr(kms_cli, sandbox, tmp_path):
    conf = write_conf(tmp_path / "c.toml", {"server_url": sandbox.url})
    r = kms_cli("create", "aes", "--conf", conf, "--json", "--print-kmip")
    assert r.code == 0
    uid = r.json["id"] if "id" in r.json else r.json["ids"][0]  # stdout stays one JSON document
    assert r.err.index("→ POST /kmip/2_1") < r.err.index('"tag": "Create"') < r.err.index("← 200")
    assert '"tag": "CreateResponse"' in r.err and uid in r.err
    quiet = kms_cli("create", "aes", "--conf", conf)
    assert "/kmip/2_1" not in quiet.err  # only when asked


def test_plaintext_and_the_token_never_show(kms_cli, sandbox, tmp_path):
    conf = write_conf(tmp_path / "c.toml", {"server_url": sandbox.url, "access_token": "tok-SECRET-123"})
    uid = kms_cli("create", "aes", "--conf", conf, "--json").json
    uid = uid.get("id") or uid["ids"][0]
    clear, sealed = tmp_path / "clear.txt", tmp_path / "sealed.bin"
    clear.write_bytes(SECRET)
    r = kms_cli("encrypt", uid, "-i", clear, "-o", sealed, "--conf", conf, "--print-kmip")
    assert r.code == 0
    assert '"tag": "Encrypt"' in r.err and '"tag": "EncryptResponse"' in r.err
    assert f"•••••• ({len(SECRET)} bytes)" in r.err  # the data: its size only
    assert SECRET.hex().upper() not in r.err.upper() and "TOP-SECRET" not in r.err
    assert "tok-SECRET-123" not in r.err and "Authorization" not in r.err
    assert '"tag": "IVCounterNonce"' in r.err and "••••••" not in _value_of(r.err, "IVCounterNonce")


async def test_key_material_from_get_is_masked(sandbox, capsys):
    async with KmsClient(ConnectionSettings.from_http_config({"server_url": sandbox.url})) as client:
        uid = await client.create_symmetric_key("AES", 256)
        client.exchange.observer = print_exchange
        answer = await client.get(uid)
    key = next(n for n in answer.walk() if n.tag == "KeyMaterial")
    raw = key.value if isinstance(key.value, bytes) else next(c.value for c in key.walk() if isinstance(c.value, bytes))
    err = capsys.readouterr().err
    assert '"tag": "GetResponse"' in err and raw.hex().upper() not in err.upper() and raw.hex() not in err
    assert "•••••• (32 bytes)" in err


def test_rest_and_non_json_bodies():
    doc = {"user_id": "bob", "operation_types": ["get"], "client_secret": "s3cr3t", "api_token": "t"}
    assert redact(doc) == {
        "user_id": "bob",
        "operation_types": ["get"],
        "client_secret": "••••••",
        "api_token": "••••••",
    }
    assert redact_text(b"Item_Not_Found: \x1b]0;x\x07") == "(not JSON, 22 bytes) Item_Not_Found: \\x1b]0;x\\x07"
    big = {"tag": "Modulus", "type": "BigInteger", "value": "0x00AB"}
    private = {"tag": "PrivateExponent", "type": "BigInteger", "value": "0x00CD"}
    assert redact(big) == big and redact(private)["value"] == "••••••"
    assert json.loads(redact_text('{"tag":"Password","type":"TextString","value":"hunter2"}'))["value"] == "••••••"


def _value_of(text: str, tag: str) -> str:
    start = text.index(f'"tag": "{tag}"')
    return text[start : text.index("}", start)]


def test_whoami_and_doctor_print_their_calls_too(kms_cli, sandbox, tmp_path):
    conf = write_conf(tmp_path / "c.toml", {"server_url": sandbox.url, "access_token": "tok-SECRET-123"})
    for command in ("whoami", "doctor"):
        r = kms_cli(command, "--conf", conf, "--print-kmip")
        assert r.code == 0, r.err
        assert "→ GET /version" in r.err and "→ GET /me" in r.err and "tok-SECRET-123" not in r.err


def test_a_pkcs12_password_never_shows_in_import_or_export(kms_cli, sandbox, tmp_path):
    """Cosmian carries a PKCS#12 password in identifiers: a PKCS12PasswordLink on import, the
    wrapping key's id on a PKCS12 export. Neither reaches stderr; the rest of the request does."""
    from cryptography.hazmat.primitives import serialization as ser
    from cryptography.hazmat.primitives.serialization import pkcs12

    from tests.client.support.certs import issue, make_ca

    password = "p12-Pass-never-shown"
    root = make_ca("kmip root")
    leaf = issue(root, "kmip leaf", rsa_key=True)
    bundle = tmp_path / "b.p12"
    bundle.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"b", leaf.key, leaf.cert, [root.cert], ser.BestAvailableEncryption(password.encode())
        )
    )
    (tmp_path / "pw").write_text(password + "\n")
    conf = write_conf(tmp_path / "c.toml", {"server_url": sandbox.url})
    r = kms_cli(
        "import", bundle, "--password-file", tmp_path / "pw", "--id", "kmip-leaf", "--conf", conf, "--print-kmip"
    )
    assert r.code == 0, r.err
    assert '"value": "PKCS12PasswordLink"' in r.err and password not in r.err
    assert '"value": "••••••"' in _value_of(r.err, "LinkedObjectIdentifier")
    r = kms_cli(
        "export",
        "kmip-leaf",
        "--format",
        "pkcs12",
        "--pkcs12-password-file",
        tmp_path / "pw",
        "-o",
        tmp_path / "out.p12",
        "--conf",
        conf,
        "--print-kmip",
    )
    assert r.code == 0, r.err
    assert '"value": "PKCS12"' in r.err and password not in r.err
    assert pkcs12.load_pkcs12((tmp_path / "out.p12").read_bytes(), password.encode()).cert is not None
