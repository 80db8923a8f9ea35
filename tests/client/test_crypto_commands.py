"""The headless key operations (encrypt, decrypt, sign, verify, mac) against the real sandbox:
ckms's file layouts (``nonce || ciphertext || tag``, raw signatures), stdin/stdout with ``-``,
0600 output files never written over without --force, verify's exit codes, and an audit trail
that holds the operation, key id and outcome but never the data."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import stat
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kms_tui.audit import default_path
from tests.client.support.sandbox_cli import succeeded

SECRET = b"the launch code is 0000 - do not log me"


def _aes(kms_cli, conf) -> str:
    return succeeded(kms_cli("create", "aes", "--conf", conf, "--json"))["id"]


def _key_bytes(kms_cli, conf, sandbox, uid: str) -> bytes:
    import httpx

    body = {"tag": "Get", "value": [{"tag": "UniqueIdentifier", "type": "TextString", "value": uid}]}
    r = httpx.post(f"{sandbox.url}/kmip/2_1", json=body)
    material = [c for c in json.dumps(r.json()).split('"') if len(c) == 64]
    return bytes.fromhex(material[0])


def test_encrypt_writes_nonce_ciphertext_tag_and_decrypt_reads_it(kms_cli, conf, sandbox, tmp_path):
    uid = _aes(kms_cli, conf)
    clear, sealed, back = tmp_path / "clear.txt", tmp_path / "clear.enc", tmp_path / "back.txt"
    clear.write_bytes(SECRET)
    r = kms_cli("encrypt", uid, "-i", clear, "-o", sealed, "--conf", conf)
    assert r.code == 0, r.err
    blob = sealed.read_bytes()
    assert len(blob) == 12 + len(SECRET) + 16  # ckms sym encrypt: nonce || ciphertext || tag
    # readable by anyone holding the key: AES-256-GCM with the exported key
    assert AESGCM(_key_bytes(kms_cli, conf, sandbox, uid)).decrypt(blob[:12], blob[12:], None) == SECRET
    r = kms_cli("decrypt", uid, "-i", sealed, "-o", back, "--conf", conf)
    assert r.code == 0, r.err
    assert back.read_bytes() == SECRET
    assert stat.S_IMODE(back.stat().st_mode) == 0o600


def test_an_existing_output_is_kept_without_force(kms_cli, conf, tmp_path):
    uid = _aes(kms_cli, conf)
    clear, sealed, back = tmp_path / "in", tmp_path / "in.enc", tmp_path / "out"
    clear.write_bytes(SECRET)
    assert kms_cli("encrypt", uid, "-i", clear, "-o", sealed, "--conf", conf).code == 0
    back.write_bytes(b"precious")
    r = kms_cli("decrypt", uid, "-i", sealed, "-o", back, "--conf", conf)
    assert r.code == 3 and "already exists" in r.err and "--force" in r.err
    assert back.read_bytes() == b"precious"
    assert kms_cli("decrypt", uid, "-i", sealed, "-o", back, "--force", "--conf", conf).code == 0
    assert back.read_bytes() == SECRET
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]  # no temporary left behind


def test_stdin_and_stdout_with_dash(kms_cli, conf, tmp_path, monkeypatch):
    uid = _aes(kms_cli, conf)

    def feed(data: bytes) -> None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))

    feed(SECRET)
    sealed = tmp_path / "s.enc"
    assert kms_cli("encrypt", uid, "-i", "-", "-o", sealed, "--conf", conf).code == 0
    out = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(out, write_through=True))
    r = kms_cli("decrypt", uid, "-i", sealed, "-o", "-", "--conf", conf)
    assert r.code == 0
    assert out.getvalue() == SECRET


def test_sign_verify_and_mac_read_stdin_and_write_stdout_with_dash(kms_cli, conf, sandbox, tmp_path, monkeypatch):
    def feed(data: bytes) -> None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))

    def capture() -> io.BytesIO:
        out = io.BytesIO()
        monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(out, write_through=True))
        return out

    pair = succeeded(kms_cli("create", "ed25519", "--conf", conf, "--json"))
    uid = _aes(kms_cli, conf)  # (made before stdout is captured below)
    feed(b"release 2.0")
    out = capture()
    assert kms_cli("sign", pair["private_key_id"], "-i", "-", "-o", "-", "--conf", conf).code == 0
    signature = out.getvalue()
    assert len(signature) == 64  # the raw Ed25519 signature, nothing else on stdout
    sig_file, data_file = tmp_path / "s.sig", tmp_path / "data"
    sig_file.write_bytes(signature)
    data_file.write_bytes(b"release 2.0")
    feed(b"release 2.0")  # the data from stdin
    assert kms_cli("verify", pair["public_key_id"], "-i", "-", "--signature", sig_file, "--conf", conf).code == 0
    feed(signature)  # the signature from stdin
    assert kms_cli("verify", pair["public_key_id"], "-i", data_file, "--signature", "-", "--conf", conf).code == 0
    feed(b"release 2.1")
    assert kms_cli("verify", pair["public_key_id"], "-i", "-", "--signature", sig_file, "--conf", conf).code == 1
    feed(SECRET)
    out = capture()
    assert kms_cli("mac", uid, "-i", "-", "-o", "-", "--conf", conf).code == 0
    assert out.getvalue() == hmac.new(_key_bytes(kms_cli, conf, sandbox, uid), SECRET, hashlib.sha256).digest()


def test_wrong_tag_on_decrypt_is_refused_with_cosmians_reason(kms_cli, conf, tmp_path):
    uid = _aes(kms_cli, conf)
    clear, sealed, back = tmp_path / "c", tmp_path / "c.enc", tmp_path / "b"
    clear.write_bytes(SECRET)
    assert kms_cli("encrypt", uid, "-i", clear, "-o", sealed, "--conf", conf).code == 0
    blob = bytearray(sealed.read_bytes())
    blob[-1] ^= 0xFF
    sealed.write_bytes(bytes(blob))
    r = kms_cli("decrypt", uid, "-i", sealed, "-o", back, "--conf", conf)
    assert r.code == 1 and "Cryptographic_Failure" in r.err
    assert not back.exists()


def test_rsa_encrypt_decrypt_and_sign_verify(kms_cli, conf, tmp_path):
    pair = succeeded(kms_cli("create", "rsa", "--conf", conf, "--json"))
    sk, pk = pair["private_key_id"], pair["public_key_id"]
    clear, sealed, back, sig = tmp_path / "m", tmp_path / "m.enc", tmp_path / "m.out", tmp_path / "m.sig"
    clear.write_bytes(SECRET)
    assert (
        kms_cli("encrypt", pk, "-i", clear, "-o", sealed, "--algorithm", "ckm-rsa-pkcs-oaep", "--conf", conf).code == 0
    )
    assert len(sealed.read_bytes()) == 256  # RSA-2048 OAEP: the ciphertext alone
    assert kms_cli("decrypt", sk, "-i", sealed, "-o", back, "--conf", conf).code == 0
    assert back.read_bytes() == SECRET
    assert kms_cli("sign", sk, "-i", clear, "-o", sig, "--algorithm", "rsa-pss", "--conf", conf).code == 0
    exported = tmp_path / "pk.pem"
    assert kms_cli("export", pk, "-o", exported, "--conf", conf).code == 0
    public = serialization.load_pem_public_key(exported.read_bytes())
    public.verify(
        sig.read_bytes(), SECRET, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256()
    )
    r = kms_cli("verify", pk, "-i", clear, "--signature", sig, "--algorithm", "rsa-pss", "--conf", conf)
    assert r.code == 0 and "valid" in r.out
    clear.write_bytes(SECRET + b"!")
    r = kms_cli("verify", pk, "-i", clear, "--signature", sig, "--algorithm", "rsa-pss", "--conf", conf)
    assert r.code == 1 and "INVALID" in r.out


def test_ed25519_and_ecdsa_signatures(kms_cli, conf, tmp_path):
    data, sig = tmp_path / "d", tmp_path / "d.sig"
    data.write_bytes(b"release 1.0")
    for kind in ("ed25519", "ec"):
        pair = succeeded(kms_cli("create", kind, "--conf", conf, "--json"))
        assert kms_cli("sign", pair["private_key_id"], "-i", data, "-o", sig, "--force", "--conf", conf).code == 0
        exported = tmp_path / f"{kind}.pem"
        assert kms_cli("export", pair["public_key_id"], "-o", exported, "--conf", conf).code == 0
        public = serialization.load_pem_public_key(exported.read_bytes())
        if kind == "ed25519":
            public.verify(sig.read_bytes(), b"release 1.0")
        else:
            from cryptography.hazmat.primitives.asymmetric import ec

            public.verify(sig.read_bytes(), b"release 1.0", ec.ECDSA(hashes.SHA256()))
        r = kms_cli("verify", pair["public_key_id"], "-i", data, "--signature", sig, "--json", "--conf", conf)
        assert r.code == 0 and r.json["valid"] is True


def test_mac_matches_python_hmac(kms_cli, conf, sandbox, tmp_path):
    uid = _aes(kms_cli, conf)
    data, out = tmp_path / "d", tmp_path / "d.mac"
    data.write_bytes(SECRET)
    r = kms_cli("mac", uid, "-i", data, "-o", out, "--hash", "sha256", "--conf", conf, "--json")
    assert r.code == 0, r.err
    assert out.read_bytes() == hmac.new(_key_bytes(kms_cli, conf, sandbox, uid), SECRET, hashlib.sha256).digest()


def test_refusals_name_the_problem(kms_cli, conf, tmp_path):
    data, out = tmp_path / "d", tmp_path / "o"
    data.write_bytes(b"x")
    pre = succeeded(kms_cli("create", "aes", "--conf", conf, "--json"))["id"]
    kms_cli("revoke", pre, "--reason", "Unspecified", "--conf", conf)
    r = kms_cli("encrypt", pre, "-i", data, "-o", out, "--conf", conf)
    assert r.code == 1 and "Deactivated" in r.err and not out.exists()
    r = kms_cli("encrypt", pre, "-i", tmp_path / "missing", "-o", out, "--conf", conf)
    assert r.code == 3 and "cannot read" in r.err
    r = kms_cli("encrypt", pre, "-i", data, "-o", "-", "--json", "--conf", conf)
    assert r.code == 3


def test_the_audit_trail_records_operations_not_data(kms_cli, conf, tmp_path):
    uid = _aes(kms_cli, conf)
    clear, sealed, back, sig = tmp_path / "c", tmp_path / "c.enc", tmp_path / "c.out", tmp_path / "c.mac"
    clear.write_bytes(SECRET)
    assert kms_cli("encrypt", uid, "-i", clear, "-o", sealed, "--conf", conf).code == 0
    assert kms_cli("decrypt", uid, "-i", sealed, "-o", back, "--conf", conf).code == 0
    assert kms_cli("mac", uid, "-i", clear, "-o", sig, "--conf", conf).code == 0
    entries = succeeded(kms_cli("audit", "--limit", "10", "--json"))["entries"]
    ops = [(e["operation"], e["outcome"], e["object_ids"]) for e in entries]
    assert ("Encrypt", "ok", [uid]) in ops and ("Decrypt", "ok", [uid]) in ops and ("MAC", "ok", [uid]) in ops
    raw = b"".join(p.read_bytes() for p in default_path().parent.iterdir() if p.is_file())
    for needle in (
        SECRET,
        SECRET.hex().encode(),
        SECRET.hex().upper().encode(),
        sealed.read_bytes()[12:28].hex().encode(),
        sig.read_bytes().hex().encode(),
        sig.read_bytes().hex().upper().encode(),
    ):
        assert needle not in raw
