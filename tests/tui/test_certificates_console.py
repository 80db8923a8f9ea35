"""Certificates in the console, on a real sandbox: the readable certificate and its chain in the
detail pane (enter on an issuer jumps to it), the certify dialog (issuer picked from the CA
certificates in the KMS) issuing a real certificate, and 80×24 snapshots of both.

The chain is made here with fixed Ed25519 keys and dates (Ed25519 signatures are deterministic),
imported under fixed ids, so the fingerprints and the days left (against the console's fixed
clock) are the same on every run."""

from __future__ import annotations

import httpx
from cryptography import x509
from textual.widgets import Input, OptionList, Select

from tests.tui.certificate_chain import (
    ROOT,
    _objects_with_chain,
    _t,
)
from tests.tui.conftest import settle
from tests.tui.helpers import wait_until


async def _leaf_detail(pilot, sandbox):
    screen = await _objects_with_chain(pilot, sandbox)
    await pilot.press("enter")
    await settle(pilot)  # the certificate section reads the chain in a worker
    return screen


def test_certificate_detail_snapshot(snap_compare, sandbox_console, sandbox, utc_local_time):
    async def run_before(pilot):
        await _leaf_detail(pilot, sandbox)

    assert snap_compare(sandbox_console, run_before=run_before, terminal_size=(80, 24))


def test_certify_dialog_snapshot(snap_compare, sandbox_console, sandbox, utc_local_time):
    async def run_before(pilot):
        await _objects_with_chain(pilot, sandbox)
        await pilot.press("C")
        await settle(pilot)  # the CA certificates are listed in a worker

    assert snap_compare(sandbox_console, run_before=run_before, terminal_size=(80, 24))


async def test_detail_reads_the_certificate_and_jumps_along_the_chain(sandbox_console, sandbox, utc_local_time):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await _leaf_detail(pilot, sandbox)
        body = screen.query_one("#detail-certificate").text
        assert "CN=web.example,O=Example" in body and "DNS:web.example, DNS:www.web.example" in body
        assert "20 days left" in body and "serverAuth" in body and "digitalSignature" in body
        chain = screen.query_one("#cert-chain", OptionList)
        assert chain.option_count == 2
        assert "Example Issuing CA" in str(chain.get_option_at_index(0).prompt)
        assert "Example Root CA" in str(chain.get_option_at_index(1).prompt)
        chain.focus()
        chain.highlighted = 1
        await pilot.press("enter")
        await settle(pilot)
        assert screen.table.current.uid == ROOT
        await wait_until(pilot, lambda: "itself (self-signed)" in screen.query_one("#detail-certificate").text)


async def test_certify_dialog_issues_a_certificate_from_a_ca_in_the_kms(sandbox_console, sandbox, utc_local_time):
    # a CA whose key is in the KMS: made headless-style, straight on the server
    r = httpx.post(
        f"{sandbox.url}/kmip/2_1",
        timeout=30,
        json={
            "tag": "Certify",
            "value": [
                {
                    "tag": "Attributes",
                    "value": [
                        _t("CryptographicAlgorithm", "Enumeration", "EC"),
                        {
                            "tag": "CryptographicDomainParameters",
                            "value": [_t("RecommendedCurve", "Enumeration", "P256")],
                        },
                        {
                            "tag": "CertificateAttributes",
                            "value": [
                                _t(p + s, "TextString", "Console CA" if p + s == "CertificateSubjectCn" else "")
                                for p in ("CertificateSubject", "CertificateIssuer")
                                for s in (
                                    "Cn",
                                    "O",
                                    "Ou",
                                    "Email",
                                    "C",
                                    "St",
                                    "L",
                                    "Uid",
                                    "SerialNumber",
                                    "Title",
                                    "Dc",
                                    "DnQualifier",
                                )
                            ],
                        },
                        {
                            "tag": "Attribute",
                            "value": [
                                _t("VendorIdentification", "TextString", "cosmian"),
                                _t("AttributeName", "TextString", "x509-extension"),
                                _t(
                                    "AttributeValue",
                                    "ByteString",
                                    b"[ v3_ca ]\nbasicConstraints=critical,CA:TRUE\n"
                                    b"keyUsage=critical,keyCertSign,crlSign\n".hex().upper(),
                                ),
                            ],
                        },
                    ],
                }
            ],
        },
    )
    assert r.status_code == 200, r.text
    ca = r.json()["value"][0]["value"]
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("C")
        await settle(pilot)
        modal = pilot.app.screen
        issuer = modal.query_one("#certify-issuer", Select)
        assert ca in [value for _label, value in issuer._options]
        issuer.value = ca
        modal.query_one("#certify-subject", Input).value = "CN=api.example,O=Example"
        modal.query_one("#certify-sans", Input).value = "DNS:api.example"
        modal.query_one("#certify-days", Input).value = "30"
        await pilot.press("ctrl+s")
        await settle(pilot)
        screen = pilot.app.screen
        await wait_until(
            pilot,
            lambda: (
                screen.table.current is not None
                and screen.table.current.object_type == "Certificate"
                and screen.table.current.uid != ca
            ),
        )
        issued = screen.table.current.uid
    got = httpx.post(
        f"{sandbox.url}/kmip/2_1",
        timeout=30,
        json={"tag": "Export", "value": [_t("UniqueIdentifier", "TextString", issued)]},
    ).json()
    der = next(bytes.fromhex(n["value"]) for n in _walk(got) if n.get("tag") == "CertificateValue")
    ca_der = next(
        bytes.fromhex(n["value"])
        for n in _walk(
            httpx.post(
                f"{sandbox.url}/kmip/2_1",
                timeout=30,
                json={"tag": "Export", "value": [_t("UniqueIdentifier", "TextString", ca)]},
            ).json()
        )
        if n.get("tag") == "CertificateValue"
    )
    cert = x509.load_der_x509_certificate(der)
    cert.verify_directly_issued_by(x509.load_der_x509_certificate(ca_der))
    assert cert.subject.rfc4514_string() == "CN=api.example,O=Example"
    assert cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.DNSName
    ) == ["api.example"]
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 30


def _walk(node):
    if isinstance(node, dict):
        yield node
        if isinstance(node.get("value"), list):
            for child in node["value"]:
                yield from _walk(child)


async def test_certify_is_refused_in_read_only_mode(console_factory, sandbox_conf):
    from kms_tui.tui.certificates.certify_modal import CertifyModal

    app = console_factory(conf=sandbox_conf, read_only=True)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("C")
        await pilot.pause()
        assert not isinstance(app.screen, CertifyModal)
        assert any("Read-only" in n.message for n in app._notifications)
