"""The radar screen (key 7) on a real sandbox holding objects dated inside and outside the window
(relative to the console's fixed clock, with fixed ids so the snapshot is the same every run):
worst first, the highlighted finding spelled out with its key, enter opens the object on the
objects screen, x removes a grant to every user (after a confirmation) and the list follows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from tests.server.kmip import Kmip, aes, first, key_pair, revoke, s, t, uid
from tests.tui.conftest import FIXED_NOW, settle
from tests.tui.helpers import table_rows, text_of, wait_until


def _key(kms: Kmip, key_id: str, deactivation: datetime | None = None) -> str:
    body = aes()
    body["value"][1]["value"].append(uid(key_id))
    if deactivation is not None:
        body["value"][1]["value"].append(t("DeactivationDate", "DateTime", deactivation.strftime("%Y-%m-%dT%H:%M:%SZ")))
    return first(kms.ok(body), "UniqueIdentifier")


def _rotating(kms: Kmip, key_id: str, last_rotation: datetime) -> str:
    body = aes()
    body["value"][1]["value"] += [
        uid(key_id),
        t("RotateInterval", "Integer", 90 * 86400),
        t("RotateDate", "DateTime", last_rotation.strftime("%Y-%m-%dT%H:%M:%SZ")),
        t("RotateAutomatic", "Boolean", True),
    ]
    return first(kms.ok(body), "UniqueIdentifier")


def _certificate(kms: Kmip, cert_id: str, not_after: datetime) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cert_id)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(not_after - timedelta(days=400))
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    value = t("CertificateValue", "ByteString", cert.public_bytes(Encoding.DER).hex().upper())
    body = s(
        "Import",
        uid(cert_id),
        t("ObjectType", "Enumeration", "Certificate"),
        s("Attributes"),
        s("Certificate", t("CertificateType", "Enumeration", "X509"), value),
    )
    return first(kms.ok(body), "UniqueIdentifier")


def populate(url: str) -> dict[str, str]:
    """Objects due within 30 days of FIXED_NOW, and others that are not."""
    kms = Kmip(url)
    day = timedelta(days=1)
    ids = {
        "key_soon": _key(kms, "key-soon", FIXED_NOW + 5 * day),
        "key_far": _key(kms, "key-far", FIXED_NOW + 90 * day),
        "key_past": _key(kms, "key-past", FIXED_NOW - 2 * day),
        "cert_soon": _certificate(kms, "cert-soon", FIXED_NOW + 10 * day),
        "cert_far": _certificate(kms, "cert-far", FIXED_NOW + 200 * day),
        "cert_expired": _certificate(kms, "cert-expired", FIXED_NOW - 5 * day),
        "public": _key(kms, "shared-key"),
        "rotating": _rotating(kms, "rot-key", FIXED_NOW - 80 * day),  # 90-day policy: due in 10 days
    }
    body = key_pair("ECDSA", curve="P256")
    body["value"].append(s("PrivateKeyAttributes", uid("leaked-sk")))
    kms.ok(body)
    kms.ok(revoke("leaked-sk", "KeyCompromise"))
    ids["partner"] = "leaked-sk_pk"
    r = httpx.post(
        url + "/access/grant", json={"unique_identifier": "shared-key", "user_id": "*", "operation_types": ["get"]}
    )
    assert r.status_code == 200, r.text
    kms.close()
    return ids


WORST_FIRST = ["cert-expired", "leaked-sk_pk", "key-past", "key-soon", "cert-soon", "rot-key", "shared-key"]


async def _radar(pilot):
    await settle(pilot)
    await pilot.press("7")
    await settle(pilot)
    screen = pilot.app.screen
    await wait_until(pilot, lambda: not screen.scanning and screen.findings, what="the scan")
    return screen


async def _act(pilot, screen, uid: str, key: str, hint: str) -> None:
    """Highlight ``uid``'s finding, check the hint, press ``key``, confirm; wait for it to go."""
    screen.table.move_cursor(row=[f.uid for f in screen.findings].index(uid))
    await pilot.pause()
    assert hint in text_of(pilot.app, "#radar-detail")
    await pilot.press(key)
    await pilot.pause()
    await pilot.press("y")
    await settle(pilot)
    await wait_until(
        pilot,
        lambda: not screen.scanning and uid not in [f.uid for f in screen.findings],
        what=f"{uid}'s finding to go",
    )


@pytest.mark.asyncio
async def test_radar_lists_worst_first_and_acts_one_key_away(sandbox, sandbox_console):
    populate(sandbox.url)
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await _radar(pilot)
        assert type(screen).__name__ == "RadarScreen"
        assert [row[1] for row in table_rows(screen.table)] == WORST_FIRST
        assert "7 to look at within 30 days (2 critical, 4 due, 1 warning)" in text_of(pilot.app, "#radar-status")
        assert "certificate expired 5 days ago" in text_of(pilot.app, "#radar-detail")
        # x is for a grant to *: the line under the table says so
        await _act(pilot, screen, "shared-key", "x", "x: remove the grant to every user")
        r = httpx.get(sandbox.url + "/access/list/shared-key")
        assert all(e["user_id"] != "*" for e in r.json())
        # v on the compromised key's partner: revoked KeyCompromise (without a cascade, which the
        # Compromised private key would make fail)
        await _act(pilot, screen, "leaked-sk_pk", "v", "v: revoke it (KeyCompromise)")
        kms = Kmip(sandbox.url)
        assert kms.state("leaked-sk_pk") == "Compromised"
        # R on the key due for rotation: re-keyed, the old generation points at its successor
        assert "next rotation in 10 days (every 90d" in [f.message for f in screen.findings if f.uid == "rot-key"][0]
        await _act(pilot, screen, "rot-key", "R", "R: re-key it now")
        links = [c for c in kms.attributes("rot-key")["value"][1]["value"] if c["tag"] == "Link"]
        assert any(c["value"][0]["value"] == "ReplacementObjectLink" for c in links), links
        kms.close()
        # w widens the window: the key deactivated in 90 days comes in
        await pilot.press("w")
        await wait_until(
            pilot,
            lambda: not screen.scanning and screen.within_days == 90 and "key-far" in [f.uid for f in screen.findings],
            what="the 90-day scan",
        )
        # enter opens the highlighted object on the objects screen
        screen.table.move_cursor(row=0)
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        objects = pilot.app.screen
        await wait_until(
            pilot,
            lambda: (
                type(objects).__name__ == "ObjectsScreen"
                and objects.table.current is not None
                and objects.table.current.uid == "cert-expired"
            ),
            what="the object under the cursor",
        )


@pytest.mark.asyncio
async def test_read_only_refuses_the_radar_writes(sandbox, sandbox_conf, console_factory):
    populate(sandbox.url)
    app = console_factory(conf=sandbox_conf, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _radar(pilot)
        screen.table.move_cursor(row=1)
        await pilot.press("v")
        await pilot.pause()
        assert type(pilot.app.screen).__name__ == "RadarScreen"  # no confirmation opened
        kms = Kmip(sandbox.url)
        assert kms.state("leaked-sk_pk") == "Active"
        kms.close()


async def _radar_shot(pilot):
    await _radar(pilot)
    await pilot.pause()


def test_radar_snapshot_80x24(snap_compare, sandbox, sandbox_console):
    populate(sandbox.url)
    assert snap_compare(sandbox_console, run_before=_radar_shot, terminal_size=(80, 24))


@pytest.mark.asyncio
async def test_n_renews_an_expiring_certificate(sandbox, sandbox_conf, console_factory):
    """A certificate the KMS issued, expiring in 10 days (the real clock here): N renews it
    (ReCertify); the new one replaces it and the finding goes."""

    from tests.server.certify_kms import certify_for_days as _certify

    kms = Kmip(sandbox.url)
    cert = _certify(kms, "soon.example", 10)
    app = console_factory(conf=sandbox_conf, clock=lambda: datetime.now(UTC))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _radar(pilot)
        assert [f.kind for f in screen.findings if f.uid == cert] == ["certificate_expiring"]
        await _act(pilot, screen, cert, "N", "N: renew it (ReCertify")
    links = {
        c["value"][0]["value"]: c["value"][1]["value"]
        for c in kms.attributes(cert)["value"][1]["value"]
        if c["tag"] == "Link"
    }
    new = links["ReplacementObjectLink"]
    assert kms.state(new) == "Active" and new != cert
    kms.close()
