"""`kms-tui due`: the expiry and rotation radar against a real sandbox holding objects dated inside
and outside the window: certificates expiring soon, later, or already expired; keys whose
DeactivationDate is near, far or past; a compromised key whose partner is still Active; a grant
to every user; a PreActive key. Asserts the lines, their order (worst first) and exit codes 0/5
(and 4 when a profile cannot be reached and nothing is due)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from tests.client.conftest import write_conf
from tests.server.certify_kms import certify_for_days
from tests.server.kmip import Kmip, first, revoke, s, t, uid
from tests.support.sandbox import start_sandbox

CERT_FIELDS = ("Cn", "O", "Ou", "Email", "C", "St", "L", "Uid", "SerialNumber", "Title", "Dc", "DnQualifier")


def _import_expired_certificate(kms: Kmip, now: datetime) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "expired.example")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(now - timedelta(days=400))
        .not_valid_after(now - timedelta(days=5))
        .sign(key, hashes.SHA256())
    )
    value = t("CertificateValue", "ByteString", cert.public_bytes(Encoding.DER).hex().upper())
    body = s(
        "Import",
        uid("expired-cert"),
        t("ObjectType", "Enumeration", "Certificate"),
        s("Attributes"),
        s("Certificate", t("CertificateType", "Enumeration", "X509"), value),
    )
    return first(kms.ok(body), "UniqueIdentifier")


def _key_deactivated_at(kms: Kmip, when: datetime) -> str:
    key = kms.create()
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    kms.ok(s("SetAttribute", uid(key), s("NewAttribute", t("DeactivationDate", "DateTime", stamp))))
    return key


@pytest.fixture(scope="module")
def fleet(tmp_path_factory) -> Iterator[dict]:
    """One sandbox holding a dated fleet; the ids by role."""
    sb = start_sandbox(tmp_path_factory.mktemp("due"))
    kms = Kmip(sb.url)
    now = datetime.now(UTC)
    ids = {
        "key_soon": _key_deactivated_at(kms, now + timedelta(days=5)),
        "key_far": _key_deactivated_at(kms, now + timedelta(days=90)),
        "key_past": _key_deactivated_at(kms, now - timedelta(days=2)),
        "cert_soon": certify_for_days(kms, "soon.example", 10),
        "cert_far": certify_for_days(kms, "far.example", 365),
        "cert_expired": _import_expired_certificate(kms, now),
        "pre_active": kms.create(active=False),
        "public": kms.create(),
        "revoked": kms.create(),
    }
    kms.ok(revoke(ids["revoked"], "Superseded"))
    sk, pk = kms.create_pair("ECDSA", curve="P256")
    kms.ok(revoke(sk, "KeyCompromise"))
    assert kms.state(sk) == "Compromised" and kms.state(pk) == "Active"
    ids["compromised"], ids["partner"] = sk, pk
    r = httpx.post(
        sb.url + "/access/grant",
        json={"unique_identifier": ids["public"], "user_id": "*", "operation_types": ["get", "encrypt"]},
    )
    assert r.status_code == 200, r.text
    ids["url"] = sb.url
    yield ids
    kms.close()
    sb.stop()


WORST_FIRST = [
    ("critical", "certificate_expired", "cert_expired"),
    ("critical", "compromised_partner", "partner"),
    ("due", "key_deactivation", "key_past"),  # passed while still Active: before what is coming
    ("due", "key_deactivation", "key_soon"),
    ("due", "certificate_expiring", "cert_soon"),
    ("warning", "key_deactivated", "revoked"),
    ("warning", "public_grant", "public"),
]


def test_due_lists_what_needs_attention_worst_first_and_exits_5(fleet, tmp_path, kms_cli):
    conf = write_conf(tmp_path / "ckms.toml", {"server_url": fleet["url"]})
    r = kms_cli("due", "--within", "30d", "--conf", conf, "--json")
    assert r.code == 5, r.err
    got = [(f["level"], f["kind"], f["id"]) for f in r.json["findings"]]
    assert got == [(level, kind, fleet[role]) for level, kind, role in WORST_FIRST]
    by_id = {f["id"]: f for f in r.json["findings"]}
    assert by_id[fleet["cert_soon"]]["message"].startswith("certificate expires in 10 days")
    assert by_id[fleet["key_soon"]]["message"].startswith("DeactivationDate in 5 days")
    assert by_id[fleet["cert_expired"]]["message"].startswith("certificate expired 5 days ago")
    assert by_id[fleet["key_past"]]["message"].startswith("DeactivationDate passed 2 days ago")
    assert by_id[fleet["key_past"]]["message"].endswith("but it is still Active")
    assert by_id[fleet["public"]]["message"] in (
        "granted to every user (*): encrypt, get",
        "granted to every user (*): get, encrypt",
    )
    assert fleet["compromised"] in by_id[fleet["partner"]]["message"]
    for absent in ("key_far", "cert_far", "pre_active", "compromised"):
        assert fleet[absent] not in by_id

    text = kms_cli("due", "--conf", conf)
    assert text.code == 5
    lines = [line for line in text.out.splitlines() if line.startswith(("critical", "due", "warning"))]
    assert [line.split()[2] for line in lines] == [fleet[role] for _, _, role in WORST_FIRST]  # the OBJECT column
    assert f"→ renew it: ckms certificates certify --certificate-id-to-re-certify {fleet['cert_soon']}" in text.out
    assert f"→ revoke it: kms-tui revoke {fleet['partner']} --reason KeyCompromise" in text.out
    assert "→ rotate (create its successor and move users to it) or extend DeactivationDate" in text.out


def test_a_narrower_window_and_the_pre_active_age(fleet, tmp_path, kms_cli):
    conf = write_conf(tmp_path / "ckms.toml", {"server_url": fleet["url"]})
    r = kms_cli("due", "--within", "1d", "--conf", conf, "--json")
    assert r.code == 5
    ids = [f["id"] for f in r.json["findings"]]
    assert fleet["key_soon"] not in ids and fleet["cert_soon"] not in ids and fleet["cert_expired"] in ids
    r = kms_cli("due", "--within", "100d", "--pre-active-days", "0", "--conf", conf, "--json")
    kinds = {f["id"]: f["kind"] for f in r.json["findings"]}
    assert kinds[fleet["pre_active"]] == "stale_pre_active" and kinds[fleet["key_far"]] == "key_deactivation"
    assert fleet["cert_far"] not in kinds
    r = kms_cli("due", "--no-grants", "--conf", conf, "--json")
    assert fleet["public"] not in {f["id"] for f in r.json["findings"]}


def test_nothing_due_exits_0(tmp_path, kms_cli):
    with start_sandbox(tmp_path / "clean") as sb:
        kms = Kmip(sb.url)
        _key_deactivated_at(kms, datetime.now(UTC) + timedelta(days=90))
        certify_for_days(kms, "far.example", 365)
        kms.close()
        conf = write_conf(tmp_path / "ckms.toml", {"server_url": sb.url})
        r = kms_cli("due", "--within", "30d", "--conf", conf)
        assert r.code == 0, r.err
        assert r.out.startswith("nothing due within 30 days (4 objects checked)")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_all_profiles_reports_each_and_lists_the_unreachable(fleet, tmp_path, kms_cli):
    from kms_tui.config.store import ProfileStore

    store = ProfileStore()
    store.create("fleet", fleet["url"])
    store.create("down", f"http://127.0.0.1:{_closed_port()}")
    r = kms_cli("due", "--all-profiles", "--json")
    assert r.code == 5, r.err
    profiles = {p["profile"]: p for p in r.json["profiles"]}
    assert profiles["fleet"]["due"] is True and len(profiles["fleet"]["findings"]) == len(WORST_FIRST)
    assert profiles["down"]["checked"] is False and profiles["down"]["error"]["type"] == "ConnectionRefused"
    text = kms_cli("due", "--all-profiles")
    assert "== profile down at http://127.0.0.1:" in text.out and "not checked:" in text.out
    assert "== profile fleet at " in text.out and "1 of 2 profiles could not be checked" in text.err


def test_all_profiles_nothing_due_but_one_unreachable_exits_4(tmp_path, kms_cli):
    from kms_tui.config.store import ProfileStore

    with start_sandbox(tmp_path / "clean") as sb:
        store = ProfileStore()
        store.create("clean", sb.url)
        store.create("down", f"http://127.0.0.1:{_closed_port()}")
        r = kms_cli("due", "--all-profiles")
        assert r.code == 4, r.err
        assert "nothing due within 30 days" in r.out
        store.delete("down")
        assert kms_cli("due", "--all-profiles").code == 0


def test_a_bad_window_is_a_usage_error(kms_cli):
    r = kms_cli("due", "--within", "soon")
    assert r.code == 3 and "30d" in r.err


def test_a_hostile_object_name_is_shown_escaped(tmp_path, kms_cli):
    from tests.server.kmip import aes

    name = s(
        "Name",
        t("NameValue", "TextString", "\x1b]0;pwned\x07\u202eevil"),
        t("NameType", "Enumeration", "UninterpretedTextString"),
    )
    soon = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with start_sandbox(tmp_path / "hostile") as sb:
        kms = Kmip(sb.url)
        kms.ok(aes(extra=(name, t("DeactivationDate", "DateTime", soon))))
        kms.close()
        conf = write_conf(tmp_path / "ckms.toml", {"server_url": sb.url})
        r = kms_cli("due", "--conf", conf)
        assert r.code == 5
        assert "\x1b" not in r.out and "\x07" not in r.out and "\u202e" not in r.out
        assert "\\x1b]0;pwned\\x07" in r.out
        r = kms_cli("due", "--conf", conf, "--json")
        assert "\\u202e" in r.out and r.json["findings"][0]["name"] == "\x1b]0;pwned\x07\u202eevil"
