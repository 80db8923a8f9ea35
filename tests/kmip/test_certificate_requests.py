"""The certificate requests kms-tui sends are the ones Cosmian's clients build
(``certificate_utils.rs: build_certify_request, build_re_certify_request``;
``requests/validate.rs``), checked against the vendored sample and the Rust field order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kms_tui.kmip.models.certificate_requests import certify_any, parse_subject, recertify_request, validate_request
from kms_tui.kmip.ttlv import decode, encode
from tests.conftest import DATA

NOW = datetime(2026, 8, 14, 9, 30, tzinfo=UTC)
SAMPLES = DATA / "reference" / "ttlv_samples"


def test_certify_a_public_key_with_an_issuer_is_what_ckms_sends():
    built = certify_any(
        public_key_id="052efbf7-828f-4ba9-83d6-48e18f2b9971_pk",
        subject="CN=My server, O=Acme,C=FR",
        issuer_certificate_id="a1b2c3d4-ca-cert-uid",
        issuer_private_key_id="e5f6a7b8-ca-private-key-uid",
        tags=["myCert"],
        now=NOW,
    )
    sample = (SAMPLES / "constructed_certify_public_key_with_issuer_cli_style_request.json").read_text()
    assert encode(built) == encode(decode(sample))


def test_certify_shapes_for_a_csr_and_a_generated_pair():
    csr = certify_any(csr=b"\x30\x82", csr_format="der", issuer_certificate_id="ca", now=NOW)
    assert [c.tag for c in csr.value] == ["CertificateRequestType", "CertificateRequestValue", "Attributes"]
    assert csr.get_value("CertificateRequestType") == "PKCS10"
    pair = certify_any(generate="ec:p256", subject="CN=x", extensions=b"[ v3_ca ]\n", days=30, now=NOW)
    attrs = pair.get("Attributes")
    assert pair.get("UniqueIdentifier") is None
    assert attrs.get_value("CryptographicAlgorithm") == "EC" and attrs.get_value("ObjectType") == "PrivateKey"
    assert attrs.get("CryptographicDomainParameters").get_value("RecommendedCurve") == "P256"
    assert attrs.get_value("KeyFormatType") == "ECPrivateKey"
    vendor = {a.get_value("AttributeName"): a.get_value("AttributeValue") for a in attrs.children("Attribute")}
    assert vendor == {"requested_validity_days": 30, "x509-extension": b"[ v3_ca ]\n"}
    rsa = certify_any(generate="rsa:3072", subject="CN=x", now=NOW).get("Attributes")
    assert (rsa.get_value("CryptographicLength"), rsa.get_value("KeyFormatType")) == (3072, "TransparentRSAPrivateKey")


def test_recertify_and_validate_field_order():
    re = recertify_request("old", issuer_certificate_id="ca", now=NOW)
    assert [c.tag for c in re.value] == ["UniqueIdentifier", "Attributes"]
    links = [
        (lk.get_value("LinkType"), lk.get_value("LinkedObjectIdentifier"))
        for lk in re.get("Attributes").children("Link")
    ]
    assert links == [("CertificateLink", "ca")]
    v = validate_request(["leaf", "ca"], "20270101000000Z")
    assert [(c.tag, c.value) for c in v.value] == [
        ("UniqueIdentifier", "leaf"),
        ("UniqueIdentifier", "ca"),
        ("ValidityTime", "20270101000000Z"),
    ]


@pytest.mark.parametrize(
    "line, message",
    [
        ("CN=x,XX=y", "Invalid subject line identifier: XX"),
        ("CN", "Missing or invalid x509 certificate `subject name` value for identifier CN"),
    ],
)
def test_subject_line_refusals_use_cosmians_words(line, message):
    with pytest.raises(ValueError, match=message):
        parse_subject(line)


def test_subject_line_identifiers():
    parsed = parse_subject(
        "CN=a,O=b,OU=c,emailAddress=d,C=FR,ST=f,L=g,UID=h,Serial Number=i,Title=j,DC=k,DN Qualifier=l"
    )
    assert [
        parsed.certificate_subject_cn,
        parsed.certificate_subject_email,
        parsed.certificate_subject_serial_number,
        parsed.certificate_subject_dn_qualifier,
    ] == ["a", "d", "i", "l"]


def test_sans_go_into_the_v3_ca_section():
    from kms_tui.kmip.models.certificate_requests import with_sans

    assert with_sans(None, ["DNS:a.example", "IP:10.0.0.1"]) == b"[ v3_ca ]\nsubjectAltName=DNS:a.example,IP:10.0.0.1\n"
    text = b"# mine\n[v3_ca]\nkeyUsage=digitalSignature\n"
    assert with_sans(text, ["DNS:a"]) == b"# mine\n[v3_ca]\nsubjectAltName=DNS:a\nkeyUsage=digitalSignature\n"
    assert with_sans(text, []) is text
    for bad_text, sans, why in (
        (None, ["web"], "KIND:VALUE"),
        (b"keyUsage=x\n", ["DNS:a"], "no [ v3_ca ]"),
        (b"[ v3_ca ]\nsubjectAltName=DNS:b\n", ["DNS:a"], "subjectAltName line already"),
    ):
        with pytest.raises(ValueError, match=why.replace("[", r"\[").replace("]", r"\]")):
            with_sans(bad_text, sans)
