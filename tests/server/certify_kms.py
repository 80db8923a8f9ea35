"""Certify helpers for the server tests: TTLV builders for certificate attributes, CSRs, and
:class:`Kms`, the server-test client with Certify and certificate reading."""

from __future__ import annotations

import json
from collections.abc import Iterator

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from tests.server.kmip import Kmip, first, s, t, uid
from tests.support.sandbox import start_sandbox

CERT_FIELDS = ("Cn", "O", "Ou", "Email", "C", "St", "L", "Uid", "SerialNumber", "Title", "Dc", "DnQualifier")


def text(tag: str, value: str) -> dict:
    return t(tag, "TextString", value)


def enum(tag: str, value: str) -> dict:
    return t(tag, "Enumeration", value)


def integer(tag: str, value: int) -> dict:
    return t(tag, "Integer", value)


def vendor(name: str, value: dict) -> dict:
    return s(
        "Attribute",
        text("VendorIdentification", "cosmian"),
        text("AttributeName", name),
        {**value, "tag": "AttributeValue"},
    )


def link(link_type: str, target: str) -> dict:
    return s("Link", enum("LinkType", link_type), text("LinkedObjectIdentifier", target))


def subject(cn: str, o: str = "kms-tui tests", c: str = "FR") -> dict:
    """CertificateAttributes with all 24 fields, as Cosmian requires."""
    given = {"Cn": cn, "O": o, "C": c}
    fields = [text("CertificateSubject" + f, given.get(f, "")) for f in CERT_FIELDS]
    fields += [text("CertificateIssuer" + f, "") for f in CERT_FIELDS]
    return s("CertificateAttributes", *fields)


class Kms(Kmip):
    """The server-test client plus Certify and certificate reading."""

    def certify(self, *children: dict, expect: int = 200) -> dict | str:
        body = s("Certify", *children)
        return self.ok(body) if expect == 200 else self.fail(body, expect)

    def certify_id(self, *children: dict) -> str:
        return first(self.certify(*children), "UniqueIdentifier")

    def certificate(self, cert_id: str) -> x509.Certificate:
        body = self.ok(s("Get", uid(cert_id)))
        assert first(body, "ObjectType") == "Certificate"
        return x509.load_der_x509_certificate(bytes.fromhex(first(body, "CertificateValue")))

    def summary(self, target: str) -> dict:
        """Links, state, tags, object type and key format of an object, as plain values."""
        attrs = self.attributes(target, "Link", "State", "Tag", "ObjectType", "KeyFormatType")["value"][1]["value"]
        links = {first(n, "LinkType"): first(n, "LinkedObjectIdentifier") for n in attrs if n["tag"] == "Link"}
        tags = [
            json.loads(first(n, "AttributeValue"))
            for n in attrs
            if n["tag"] == "Attribute" and first(n, "AttributeName") == "tag"
        ]
        plain = {n["tag"]: n["value"] for n in attrs if n["tag"] not in ("Link", "Attribute")}
        return {**plain, "links": links, "tags": set(tags[0]) if tags else set()}


def started(tmp_path_factory, name: str) -> Iterator[Kms]:
    """A sandbox of its own and a :class:`Kms` client to it, stopped when the generator ends."""
    sb = start_sandbox(tmp_path_factory.mktemp(name))
    client = Kms(sb.url)
    yield client
    client.close()
    sb.stop()


def _csr(cn: str, key) -> x509.CertificateSigningRequest:
    return (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, cn)]))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(cn)]), critical=False)
        .sign(key, hashes.SHA256())
    )


def _csr_value(csr: x509.CertificateSigningRequest, encoding: serialization.Encoding) -> dict:
    return t("CertificateRequestValue", "ByteString", csr.public_bytes(encoding).hex().upper())


def bare_subject(cn: str) -> dict:
    """CertificateAttributes with all 24 fields, as Cosmian requires."""
    fields = [t("CertificateSubject" + f, "TextString", cn if f == "Cn" else "") for f in CERT_FIELDS]
    fields += [t("CertificateIssuer" + f, "TextString", "") for f in CERT_FIELDS]
    return s("CertificateAttributes", *fields)


def certify_for_days(kms: Kmip, cn: str, days: int) -> str:
    _, pk = kms.create_pair("ECDSA", curve="P256")
    validity = s(
        "Attribute",
        t("VendorIdentification", "TextString", "cosmian"),
        t("AttributeName", "TextString", "requested_validity_days"),
        t("AttributeValue", "Integer", days),
    )
    return first(kms.ok(s("Certify", uid(pk), s("Attributes", bare_subject(cn), validity))), "UniqueIdentifier")
