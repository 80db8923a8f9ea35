"""The seed's PKI flow, headless, against a real sandbox: a root CA (key pair + self-signed
certificate made in one Certify), an intermediate issued by it, a leaf issued from a CSR made
outside the KMS; the chain exported as PEM passes `openssl verify`; Validate accepts it, and
refuses it once the intermediate is revoked; renew keeps the subject with new dates (and, with a
new key, a new serial)."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.client.support.sandbox_cli import succeeded

ROOT_EXT = """[ v3_ca ]
basicConstraints=critical,CA:TRUE,pathlen:1
keyUsage=critical,keyCertSign,crlSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
"""
INTER_EXT = """[ v3_ca ]
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,crlSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
"""
LEAF_EXT = """[ v3_ca ]
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
"""


def _csr(tmp_path) -> tuple:
    """A CSR made outside the KMS: its private key never reaches the server."""
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(x509.NameOID.COMMON_NAME, "web.example"),
                    x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, "Example"),
                ]
            )
        )
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("web.example")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "leaf.csr"
    path.write_bytes(csr.public_bytes(serialization.Encoding.PEM))
    return path, key


@pytest.fixture
def pki(kms_cli, conf, tmp_path) -> dict:
    for name, text in (("root.ext", ROOT_EXT), ("inter.ext", INTER_EXT), ("leaf.ext", LEAF_EXT)):
        (tmp_path / name).write_text(text)
    root = succeeded(
        kms_cli(
            "certificates",
            "certify",
            "--generate-key",
            "ec:p384",
            "--subject",
            "CN=Seed Root CA,O=kms-tui,C=FR",
            "--days",
            "3650",
            "--extensions",
            tmp_path / "root.ext",
            "--tag",
            "pki",
            "--conf",
            conf,
            "--json",
        )
    )
    inter = succeeded(
        kms_cli(
            "certificates",
            "certify",
            "--generate-key",
            "rsa:3072",
            "--subject",
            "CN=Seed Intermediate CA,O=kms-tui,C=FR",
            "--issuer-cert",
            root["id"],
            "--days",
            "1825",
            "--extensions",
            tmp_path / "inter.ext",
            "--conf",
            conf,
            "--json",
        )
    )
    csr, _key = _csr(tmp_path)
    leaf = succeeded(
        kms_cli(
            "certificates",
            "certify",
            "--csr",
            csr,
            "--issuer-cert",
            inter["id"],
            "--days",
            "90",
            "--san",
            "DNS:web.example",
            "--san",
            "DNS:www.web.example",
            "--extensions",
            tmp_path / "leaf.ext",
            "--tag",
            "web",
            "--conf",
            conf,
            "--json",
        )
    )
    return {"root": root, "inter": inter, "leaf": leaf}


def _export(kms_cli, conf, uid: str, path) -> bytes:
    r = kms_cli("export", uid, "-o", path, "--conf", conf)
    assert r.code == 0, r.err
    return path.read_bytes()


def test_seed_pki_flow_openssl_accepts_the_exported_chain(kms_cli, conf, pki, tmp_path):
    root, inter, leaf = pki["root"], pki["inter"], pki["leaf"]
    assert root["certificate"]["subject"] == "CN=Seed Root CA,O=kms-tui,C=FR"
    assert root["certificate"]["self_signed"] and root["certificate"]["ca"]
    assert inter["certificate"]["issuer"] == root["certificate"]["subject"]
    assert inter["certificate"]["public_key"] == "RSA 3072" and inter["certificate"]["path_length"] == 0
    assert leaf["certificate"]["issuer"] == inter["certificate"]["subject"]
    assert leaf["certificate"]["subject_alternative_names"] == ["DNS:web.example", "DNS:www.web.example"]
    assert leaf["certificate"]["extended_key_usage"] == ["serverAuth"]
    assert 89 <= leaf["certificate"]["days_left"] <= 90
    pems = {name: _export(kms_cli, conf, pki[name]["id"], tmp_path / f"{name}.pem") for name in pki}
    for name, pem in pems.items():  # what was exported is what certify reported
        cert = x509.load_pem_x509_certificate(pem)
        assert cert.fingerprint(hashes.SHA256()).hex(":").upper() == pki[name]["certificate"]["sha256"]
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    run = subprocess.run(
        [
            "openssl",
            "verify",
            "-CAfile",
            tmp_path / "root.pem",
            "-untrusted",
            tmp_path / "inter.pem",
            tmp_path / "leaf.pem",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert run.returncode == 0 and run.stdout.strip().endswith(": OK"), run.stdout + run.stderr


def test_validate_then_revoking_the_intermediate_makes_it_fail(kms_cli, conf, pki):
    root, inter, leaf = (pki[k]["id"] for k in ("root", "inter", "leaf"))
    r = kms_cli("certificates", "validate", leaf, "--conf", conf, "--json")
    assert r.code == 0, r.err
    assert r.json["valid"] is True and r.json["validity_indicator"] == "Valid"
    assert r.json["ids"] == [leaf, inter, root]  # the issuers found through CertificateLink
    # ckms's way: exactly the ids given, the leaf alone has no issuer to chain to
    r = kms_cli("certificates", "validate", leaf, "--no-chain", "--conf", conf, "--json")
    assert r.code == 1 and "unable to get local issuer certificate" in r.json["reason"]
    # at a time past the leaf's end: refused with Cosmian's date message
    r = kms_cli("certificates", "validate", leaf, "--at", "20400101000000Z", "--conf", conf, "--json")
    assert r.code == 1 and "the following certificate will be invalid" in r.json["reason"]

    # Revoked (Deactivated): Cosmian 5.26's Validate still accepts it; kms-tui says why it does not
    assert succeeded(kms_cli("revoke", inter, "--reason", "cessation-of-operation", "--conf", conf, "--json"))
    r = kms_cli("certificates", "validate", leaf, "--conf", conf, "--json")
    assert r.code == 1
    assert r.json["validity_indicator"] == "Valid" and r.json["not_usable"] == [{"id": inter, "state": "Deactivated"}]
    # Compromised: the server itself refuses the chain (the intermediate is no longer retrievable)
    assert succeeded(kms_cli("revoke", inter, "--reason", "ca-compromise", "--conf", conf, "--json"))
    r = kms_cli("certificates", "validate", leaf, "--conf", conf)
    assert r.code == 1
    assert r.out.splitlines()[0] == "Invalid"
    assert f"object not found for identifier {inter}" in r.out and "Compromised" in r.out


def test_renew_keeps_the_subject_with_new_dates(kms_cli, conf, pki):
    leaf = pki["leaf"]
    time.sleep(1.1)  # certificate dates are whole seconds
    r = succeeded(kms_cli("certificates", "renew", leaf["id"], "--conf", conf, "--json"))
    new, old = r["certificate"], leaf["certificate"]
    assert r["id"] != leaf["id"] and r["how"] == "recertify"
    assert new["subject"] == old["subject"] and new["issuer"] == old["issuer"]
    assert new["not_before"] > old["not_before"]
    assert new["subject_alternative_names"] == old["subject_alternative_names"]
    # Cosmian's serial is the SHA-1 of the public key: the same key keeps its serial
    assert new["serial"] == old["serial"]
    shown = succeeded(kms_cli("certificates", "show", leaf["id"], "--conf", conf, "--json"))
    assert shown["state"] == "Deactivated"
    attrs = succeeded(kms_cli("attributes", leaf["id"], "--conf", conf, "--json"))
    assert {"type": "ReplacementObjectLink", "id": r["id"]} in attrs["attributes"]["links"]
    renewed = succeeded(kms_cli("attributes", r["id"], "--conf", conf, "--json"))["attributes"]
    assert "web" in renewed["tags"]  # put back: ReCertify itself gives the new certificate no user tag
    assert succeeded(kms_cli("certificates", "validate", r["id"], "--conf", conf, "--json"))["valid"] is True

    # with a new key pair: same subject, issuer and extensions, a new serial
    time.sleep(1.1)
    k = succeeded(kms_cli("certificates", "renew", r["id"], "--new-key", "--conf", conf, "--json"))
    # the same subject parts (a subject line is rebuilt in Cosmian's order of the parts)
    assert sorted(k["certificate"]["subject"].split(",")) == sorted(old["subject"].split(","))
    assert k["certificate"]["serial"] != old["serial"]
    assert k["certificate"]["subject_alternative_names"] == old["subject_alternative_names"]
    assert k["certificate"]["extended_key_usage"] == ["serverAuth"]
    assert succeeded(kms_cli("certificates", "validate", k["id"], "--conf", conf, "--json"))["valid"] is True


def test_renew_in_place_keeps_the_id(kms_cli, conf, pki):
    inter = pki["inter"]
    time.sleep(1.1)
    r = succeeded(
        kms_cli("certificates", "renew", inter["id"], "--in-place", "--days", "400", "--conf", conf, "--json")
    )
    assert r["id"] == inter["id"] and r["how"] == "in-place"
    assert r["certificate"]["not_before"] > inter["certificate"]["not_before"]
    assert r["certificate"]["days_left"] in (399, 400)
    assert r["certificate"]["issuer"] == pki["root"]["certificate"]["subject"]  # signed by the root again
    # the leaf it issued still validates against the renewed intermediate (same key, same name)
    assert succeeded(kms_cli("certificates", "validate", pki["leaf"]["id"], "--conf", conf, "--json"))["valid"] is True
    r = kms_cli("certificates", "renew", inter["id"], "--days", "10", "--conf", conf)
    assert r.code == 3 and "--days needs --in-place or --new-key" in r.err


def test_certify_refusals_are_usage_errors(kms_cli, conf, tmp_path):
    r = kms_cli("certificates", "certify", "--generate-key", "ec:p256", "--conf", conf)
    assert r.code == 3 and "--subject is required" in r.err
    r = kms_cli("certificates", "certify", "--generate-key", "dsa:1024", "--subject", "CN=x", "--conf", conf)
    assert r.code == 3 and "unknown key type" in r.err
    r = kms_cli("certificates", "certify", "--generate-key", "ec:p256", "--subject", "CN=x,XX=y", "--conf", conf)
    assert r.code == 3 and "Invalid subject line identifier: XX" in r.err
    r = kms_cli(
        "certificates", "certify", "--generate-key", "ec:p256", "--subject", "CN=x", "--san", "web", "--conf", conf
    )
    assert r.code == 3 and "is not KIND:VALUE" in r.err
    # self-signing a CSR is refused by the server, as Cosmian refuses it
    csr, _ = _csr(tmp_path)
    r = kms_cli("certificates", "certify", "--csr", csr, "--conf", conf)
    assert r.code == 1 and "self-signed certificate cannot be created from a CSR" in r.err
