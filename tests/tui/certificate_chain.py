"""A root, an issuing CA and a leaf certificate with fixed Ed25519 keys and dates, imported into a sandbox."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import httpx
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding

from tests.tui.conftest import FIXED_NOW, settle
from tests.tui.scenes import add_recorded

ROOT, INTER, LEAF = "cert-root-ca", "cert-issuing-ca", "cert-web-leaf"


ISSUED = {ROOT: None, INTER: ROOT, LEAF: INTER}


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, "Example"),
            x509.NameAttribute(x509.NameOID.COMMON_NAME, cn),
        ]
    )


def _key(seed: int) -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)


def make_chain() -> dict[str, bytes]:
    """Root and issuing CA, and a web leaf that expires 20 days after the console's clock."""
    keys = {ROOT: _key(1), INTER: _key(2), LEAF: _key(3)}
    names = {ROOT: _name("Example Root CA"), INTER: _name("Example Issuing CA"), LEAF: _name("web.example")}
    start = datetime(2025, 6, 1, tzinfo=UTC)
    ends = {
        ROOT: datetime(2035, 6, 1, tzinfo=UTC),
        INTER: datetime(2030, 6, 1, tzinfo=UTC),
        LEAF: FIXED_NOW + timedelta(days=20, hours=2),
    }
    out: dict[str, bytes] = {}
    for serial, uid in enumerate((ROOT, INTER, LEAF), start=4096):
        issuer = ISSUED[uid] or uid
        builder = (
            x509.CertificateBuilder()
            .subject_name(names[uid])
            .issuer_name(names[issuer])
            .public_key(keys[uid].public_key())
            .serial_number(serial)
            .not_valid_before(start)
            .not_valid_after(ends[uid])
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(keys[uid].public_key()), False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(keys[issuer].public_key()), False)
        )
        if uid == LEAF:
            builder = (
                builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
                .add_extension(
                    x509.SubjectAlternativeName([x509.DNSName("web.example"), x509.DNSName("www.web.example")]), False
                )
                .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), True)
                .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]), False)
            )
        else:
            builder = builder.add_extension(
                x509.BasicConstraints(ca=True, path_length=1 if uid == ROOT else 0), True
            ).add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), True)
        out[uid] = builder.sign(keys[issuer], None).public_bytes(Encoding.DER)
    return out


def _t(tag: str, typ: str, value) -> dict:
    return {"tag": tag, "type": typ, "value": value}


def import_chain(url: str) -> None:
    for uid, der in make_chain().items():
        attrs = [
            _t("ObjectType", "Enumeration", "Certificate"),
            _t("ActivationDate", "DateTime", "2025-06-01T00:00:00Z"),
        ]
        issuer = ISSUED[uid] or uid
        attrs.append(
            {
                "tag": "Link",
                "value": [
                    _t("LinkType", "Enumeration", "CertificateLink"),
                    _t("LinkedObjectIdentifier", "TextString", issuer),
                ],
            }
        )
        body = {
            "tag": "Import",
            "value": [
                _t("UniqueIdentifier", "TextString", uid),
                _t("ObjectType", "Enumeration", "Certificate"),
                _t("ReplaceExisting", "Boolean", True),
                {"tag": "Attributes", "value": attrs},
                {
                    "tag": "Certificate",
                    "value": [
                        _t("CertificateType", "Enumeration", "X509"),
                        _t("CertificateValue", "ByteString", der.hex().upper()),
                    ],
                },
            ],
        }
        r = httpx.post(f"{url}/kmip/2_1", json=body, timeout=30)
        assert r.status_code == 200, r.text


def _row(uid: str) -> dict:
    date = "2026-01-10T08:00:00Z"
    return {
        "ObjectType": "Certificate",
        "State": "Active",
        "UniqueIdentifier": uid,
        "KeyFormatType": "X509",
        "InitialDate": date,
        "LastChangeDate": date,
        "tags": ["_cert"],
        "names": [],
        "links": [{"type": "CertificateLink", "id": ISSUED[uid] or uid}],
    }


async def _objects_with_chain(pilot, sandbox):
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)  # the screen's own listing of the (empty) sandbox is done
    import_chain(sandbox.url)
    screen = pilot.app.screen
    add_recorded(pilot, screen, [copy.deepcopy(_row(u)) for u in (ROOT, INTER, LEAF)])
    screen._show_counts()
    screen.table.select_uid(LEAF)
    await pilot.pause()
    return screen
