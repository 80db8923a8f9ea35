"""Certify against the running sandbox: real X.509 certificates a user can check with `cryptography`.

Self-signed from a public key, issued by a CA in the store (certificate link and private-key
link), from a CSR (PEM and PKCS10), with a generated key pair, renewal, validity days, links,
tags, and the refusals (wrong object type, unknown id, self-signed CSR, inactive issuer key).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.server.certify_kms import (
    Kms,
    _csr,
    _csr_value,
    enum,
    integer,
    link,
    started,
    subject,
    text,
    vendor,
)
from tests.server.kmip import first, s, t, tag_attr, uid


@pytest.fixture(scope="module")
def kms(tmp_path_factory) -> Iterator[Kms]:
    yield from started(tmp_path_factory, "certify")


@pytest.fixture(scope="module")
def ca(kms: Kms) -> dict:
    """A self-signed CA (RSA 2048) living in the store."""
    sk, pk = kms.create_pair("RSA", length=2048)
    cert_id = kms.certify_id(uid(pk), s("Attributes", subject("kms-tui test CA"), tag_attr("test-ca")))
    return {"sk": sk, "pk": pk, "cert": cert_id, "x509": kms.certificate(cert_id)}


def test_self_signed_from_a_public_key(kms: Kms) -> None:
    sk, pk = kms.create_pair("ECDSA", curve="P256")
    cert_id = kms.certify_id(uid(pk), s("Attributes", subject("self-signed.example"), tag_attr("web", "prod")))
    cert = kms.certificate(cert_id)
    cn = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    assert cn == "self-signed.example"
    assert cert.issuer == cert.subject
    cert.verify_directly_issued_by(cert)  # signed by its own private key
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == timedelta(days=365)
    attrs = kms.summary(cert_id)
    assert attrs["State"] == "Active" and attrs["ObjectType"] == "Certificate"
    assert attrs["KeyFormatType"] == "X509"
    assert attrs["tags"] == {"web", "prod", "_cert"}
    assert attrs["links"] == {"CertificateLink": cert_id, "PublicKeyLink": pk, "PrivateKeyLink": sk}
    assert kms.summary(pk)["links"]["CertificateLink"] == cert_id


def test_issued_by_a_ca_in_the_store(kms: Kms, ca: dict) -> None:
    _, pk = kms.create_pair("ECDSA", curve="P384")
    cert_id = kms.certify_id(
        uid(pk),
        s(
            "Attributes",
            subject("leaf.example"),
            link("CertificateLink", ca["cert"]),
            vendor("requested_validity_days", integer("", 30)),
        ),
    )
    cert = kms.certificate(cert_id)
    assert cert.issuer == ca["x509"].subject
    cert.verify_directly_issued_by(ca["x509"])
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == timedelta(days=30)
    assert kms.summary(cert_id)["links"]["CertificateLink"] == ca["cert"]


def test_issuer_found_through_its_private_key(kms: Kms, ca: dict) -> None:
    """Only a PrivateKeyLink: the issuer certificate is found via the key's public key."""
    _, pk = kms.create_pair("Ed25519")
    cert_id = kms.certify_id(uid(pk), s("Attributes", subject("ed25519.example"), link("PrivateKeyLink", ca["sk"])))
    kms.certificate(cert_id).verify_directly_issued_by(ca["x509"])


@pytest.mark.parametrize("request_type", ["PEM", "PKCS10"])
def test_from_a_csr(kms: Kms, ca: dict, request_type: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = _csr("csr.example", key)
    encoding = serialization.Encoding.PEM if request_type == "PEM" else serialization.Encoding.DER
    cert_id = kms.certify_id(
        enum("CertificateRequestType", request_type),
        _csr_value(csr, encoding),
        s("Attributes", link("CertificateLink", ca["cert"])),
    )
    cert = kms.certificate(cert_id)
    assert cert.public_key() == key.public_key()
    assert cert.subject == csr.subject
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["csr.example"]
    cert.verify_directly_issued_by(ca["x509"])


def test_without_an_id_generates_the_key_pair(kms: Kms) -> None:
    cert_id = kms.certify_id(
        s(
            "Attributes",
            enum("CryptographicAlgorithm", "ECDSA"),
            s("CryptographicDomainParameters", enum("RecommendedCurve", "P256")),
            subject("generated.example"),
            tag_attr("generated"),
        )
    )
    cert = kms.certificate(cert_id)
    cert.verify_directly_issued_by(cert)
    links = kms.summary(cert_id)["links"]
    pk_attrs = kms.summary(links["PublicKeyLink"])
    sk_attrs = kms.summary(links["PrivateKeyLink"])
    assert pk_attrs["State"] == sk_attrs["State"] == "Active"
    assert pk_attrs["links"]["CertificateLink"] == sk_attrs["links"]["CertificateLink"] == cert_id
    assert "generated" in sk_attrs["tags"] and "_sk" in sk_attrs["tags"]
    pub = kms.ok(s("Get", uid(links["PublicKeyLink"]), enum("KeyFormatType", "PKCS8")))
    assert serialization.load_der_public_key(bytes.fromhex(first(pub, "KeyMaterial"))) == cert.public_key()


def test_renewal_keeps_the_id_and_the_key(kms: Kms) -> None:
    _, pk = kms.create_pair("ECDSA", curve="P256")
    cert_id = kms.certify_id(uid(pk), s("Attributes", subject("renew.example")))
    before = kms.certificate(cert_id)
    renewed = kms.certify_id(uid(cert_id), s("Attributes", vendor("requested_validity_days", integer("", 10))))
    assert renewed == cert_id
    after = kms.certificate(cert_id)
    assert after.public_key() == before.public_key() and after.subject == before.subject
    assert after.not_valid_after_utc - after.not_valid_before_utc == timedelta(days=10)
    assert kms.summary(cert_id)["links"]["PublicKeyLink"] == pk


def test_refusals(kms: Kms) -> None:
    assert "Invalid Certify request" in kms.certify(uid(kms.create()), expect=422)
    assert kms.certify(uid("no-such-key"), expect=422) == "Item not found: no-such-key"
    csr = _csr("x.example", ec.generate_private_key(ec.SECP256R1()))
    refused = kms.certify(_csr_value(csr, serialization.Encoding.PEM), expect=422)
    assert "self-signed certificate cannot be created from a CSR" in refused
    _, pk = kms.create_pair("ECDSA", curve="P256")
    assert "subject name" in kms.certify(uid(pk), expect=422)
    zero_days = s("Attributes", subject("x"), vendor("requested_validity_days", integer("", 0)))
    assert "must be a positive Integer" in kms.certify(uid(pk), zero_days, expect=422)


def test_inactive_issuer_key_is_refused(kms: Kms) -> None:
    sk, pk = kms.create_pair("ECDSA", curve="P256", active=False)
    refused = kms.certify(uid(pk), s("Attributes", subject("preactive.example")), expect=422)
    assert refused.startswith("Wrong_Key_Lifecycle_State: ") and sk in refused


# Cosmian's parse_v3_ca splits on "," without trimming each token: no spaces after commas.
CA_EXTENSIONS = """
[ v3_ca ]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,crlSign
subjectKeyIdentifier = hash
"""
LEAF_EXTENSIONS = """
# what `ckms certificates certify --certificate-extensions` sends
[ v3_ca ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = DNS:www.chain.example,IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


def _extensions(text_value: str) -> dict:
    return vendor("x509-extension", t("", "ByteString", text_value.encode().hex().upper()))


def test_x509_extensions_make_a_chain_a_strict_verifier_accepts(kms: Kms) -> None:
    """A CA and a server certificate that cryptography's WebPKI path validation accepts."""
    from cryptography.x509.verification import PolicyBuilder, Store

    _, ca_pk = kms.create_pair("ECDSA", curve="P256")
    ca_id = kms.certify_id(uid(ca_pk), s("Attributes", subject("chain test CA"), _extensions(CA_EXTENSIONS)))
    ca_cert = kms.certificate(ca_id)
    assert ca_cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    _, leaf_pk = kms.create_pair("ECDSA", curve="P256")
    leaf_id = kms.certify_id(
        uid(leaf_pk),
        s("Attributes", subject("www.chain.example"), link("CertificateLink", ca_id), _extensions(LEAF_EXTENSIONS)),
    )
    leaf = kms.certificate(leaf_id)
    verifier = PolicyBuilder().store(Store([ca_cert])).build_server_verifier(x509.DNSName("www.chain.example"))
    chain = verifier.verify(leaf, [])
    assert [c.subject for c in chain] == [leaf.subject, ca_cert.subject]
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest


def test_unknown_extension_key_is_refused_as_cosmian_does(kms: Kms) -> None:
    # x509_extensions.rs: parse_v3_ca → CryptoError::Default → HTTP 500 with a generic body
    _, pk = kms.create_pair("ECDSA", curve="P256")
    refused = kms.certify(
        uid(pk), s("Attributes", subject("x"), _extensions("[ v3_ca ]\nnsComment = hi\n")), expect=500
    )
    assert refused == "Internal server error"


def test_the_ckms_cli_request_shape(kms: Kms, ca: dict, data_dir) -> None:
    """The request `ckms certificates certify --public-key-id-to-certify … --issuer-…` sends."""
    sample = data_dir / "reference/ttlv_samples/constructed_certify_public_key_with_issuer_cli_style_request.json"
    _, pk = kms.create_pair("RSA", length=2048)
    body = (
        sample.read_text()
        .replace("052efbf7-828f-4ba9-83d6-48e18f2b9971_pk", pk)
        .replace("a1b2c3d4-ca-cert-uid", ca["cert"])
        .replace("e5f6a7b8-ca-private-key-uid", ca["sk"])
    )
    cert_id = first(kms.ok(body), "UniqueIdentifier")
    cert = kms.certificate(cert_id)
    cert.verify_directly_issued_by(ca["x509"])
    assert cert.subject.rfc4514_string() == "CN=My server,O=Acme,C=FR"
    summary = kms.summary(cert_id)
    assert summary["tags"] == {"myCert", "_cert"} and summary["State"] == "Active"
    assert summary["links"]["CertificateLink"] == ca["cert"] and summary["links"]["PublicKeyLink"] == pk


def test_the_projects_own_certify_request(kms: Kms, ca: dict) -> None:
    """What kms-tui's client sends (kmip.models.requests.certify_request) is accepted as is."""
    from kms_tui.kmip.models.attributes import CertificateAttributes
    from kms_tui.kmip.models.requests import certify_request
    from kms_tui.kmip.ttlv import encode

    _, pk = kms.create_pair("ECDSA", curve="P256")
    request = certify_request(
        pk,
        CertificateAttributes(certificate_subject_cn="console.example"),
        issuer_certificate_id=ca["cert"],
        days=90,
        tags=["console"],
    )
    cert_id = first(kms.ok(encode(request.to_ttlv())), "UniqueIdentifier")
    cert = kms.certificate(cert_id)
    cert.verify_directly_issued_by(ca["x509"])
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == timedelta(days=90)
    assert kms.summary(cert_id)["tags"] == {"console", "_cert"}


@pytest.mark.parametrize(
    "value",
    [
        t("CertificateRequestValue", "ByteString", "00FF"),
        t("CertificateRequestValue", "TextString", "-----BEGIN CERTIFICATE REQUEST-----"),
    ],
    ids=["garbage-bytes", "text-instead-of-bytes"],
)
def test_unreadable_csr_is_a_clear_422(kms: Kms, value: dict) -> None:
    refused = kms.certify(value, expect=422)
    assert refused == "Invalid Request: Certify: the CertificateRequestValue is not a valid PEM or PKCS10 request"


@pytest.mark.parametrize(
    ("attributes", "says"),
    [
        (s("Attributes", subject("x", c="FRA")), "Invalid Request: Certify: invalid subject name: "),
        (
            s("Attributes", subject("x"), vendor("requested_validity_days", integer("", 2_000_000_000))),
            "Invalid Request: requested_validity_days 2000000000 is too large",
        ),
    ],
    ids=["three-letter-country", "validity-overflow"],
)
def test_bad_subject_or_validity_is_a_clear_422(kms: Kms, attributes: dict, says: str) -> None:
    _, pk = kms.create_pair("ECDSA", curve="P256")
    assert kms.certify(uid(pk), attributes, expect=422).startswith(says)


def test_certificate_attributes_need_all_24_fields(kms: Kms) -> None:
    """As Cosmian (no serde defaults): a partial CertificateAttributes is a Codec_Error."""
    _, pk = kms.create_pair("ECDSA", curve="P256")
    partial = s("CertificateAttributes", text("CertificateSubjectCn", "partial.example"))
    refused = kms.certify(uid(pk), s("Attributes", partial), expect=422)
    assert refused.startswith("Codec_Error: missing field `CertificateSubjectO`")
