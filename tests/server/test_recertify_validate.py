"""ReCertify and Validate against the running sandbox, as Cosmian 5.26's `recertify.rs` and
`validate.rs` do them: the replacement links, the retired certificate and its relinked keys;
Validate's chain sorting, its refusals (a Certificate error: 500 bare, Operation_Not_Supported in
a batch), Compromised certificates no longer retrievable, and CRL distribution points."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from tests.conftest import DATA
from tests.server.certify_kms import Kms, link, started, subject, text, vendor
from tests.server.kmip import first, revoke, s, t, tag_attr, uid
from tests.support.conformance import VectorRunner, load_vector

CA_EXT = (
    "[ v3_ca ]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,crlSign\n"
    "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
)


def extensions(text_: str) -> dict:
    return vendor("x509-extension", t("", "ByteString", text_.encode().hex().upper()))


def batch(kms: Kms, op: str, *children: dict) -> dict:
    """One operation in a RequestMessage: the item (its ResultReason/ResultMessage on failure)."""
    body = s(
        "RequestMessage",
        s(
            "RequestHeader",
            s("ProtocolVersion", t("ProtocolVersionMajor", "Integer", 2), t("ProtocolVersionMinor", "Integer", 1)),
            t("BatchCount", "Integer", 1),
        ),
        s("BatchItem", t("Operation", "Enumeration", op), s("RequestPayload", *children)),
    )
    return next(c for c in kms.ok(body)["value"] if c["tag"] == "BatchItem")


@pytest.fixture(scope="module")
def kms(tmp_path_factory) -> Iterator[Kms]:
    yield from started(tmp_path_factory, "recertify")


@pytest.fixture(scope="module")
def ca(kms: Kms) -> dict:
    sk, pk = kms.create_pair("ECDSA", curve="P256")
    cert = kms.certify_id(uid(pk), s("Attributes", subject("validate CA"), extensions(CA_EXT)))
    return {"sk": sk, "pk": pk, "cert": cert}


def _leaf(kms: Kms, ca: dict, cn: str, *extra: dict) -> tuple[str, str]:
    _, pk = kms.create_pair("ECDSA", curve="P256")
    return pk, kms.certify_id(uid(pk), s("Attributes", subject(cn), link("CertificateLink", ca["cert"]), *extra))


def test_recertify_makes_a_new_certificate_and_retires_the_old_one(kms: Kms) -> None:
    sk, pk = kms.create_pair("ECDSA", curve="P256")
    old = kms.certify_id(
        uid(pk),
        s(
            "Attributes",
            subject("rotate.example"),
            tag_attr("web"),
            s("Name", text("NameValue", "web-cert"), t("NameType", "Enumeration", "UninterpretedTextString")),
        ),
    )
    before = kms.certificate(old)
    time.sleep(1.1)
    new = first(kms.ok(s("ReCertify", uid(old))), "UniqueIdentifier")
    assert new != old
    after = kms.certificate(new)
    assert after.subject == before.subject and after.public_key() == before.public_key()
    assert after.not_valid_before_utc > before.not_valid_before_utc
    # self-signed: the old certificate is the issuer, and the renewal never outlives it
    assert after.not_valid_after_utc <= before.not_valid_after_utc
    after.verify_directly_issued_by(before)
    new_attrs, old_attrs = kms.summary(new), kms.summary(old)
    assert new_attrs["links"] == {
        "ReplacedObjectLink": old,
        "CertificateLink": old,
        "PublicKeyLink": pk,
        "PrivateKeyLink": sk,
    }
    assert new_attrs["State"] == "Active" and new_attrs["tags"] == {"_cert"}  # the user tags are not carried
    assert old_attrs["State"] == "Deactivated" and old_attrs["links"]["ReplacementObjectLink"] == new
    rotation = kms.attributes(new, "RotateGeneration", "RotateLatest", "RotateInterval", "Name")
    assert first(rotation, "RotateGeneration") == 1 and first(rotation, "RotateLatest") is True
    assert first(rotation, "RotateInterval") == 0 and first(rotation, "NameValue") == "web-cert"
    assert first(kms.attributes(old, "Name"), "NameValue") is None  # the name moved to the new one
    assert kms.summary(pk)["links"]["CertificateLink"] == new
    assert "CertificateLink" not in kms.summary(sk)["links"]  # only a key that named the old one is relinked
    # a Deactivated certificate can be renewed again
    assert first(kms.ok(s("ReCertify", uid(old))), "UniqueIdentifier") not in (old, new)


def test_recertify_with_the_issuer_named_is_signed_by_the_issuer(kms: Kms, ca: dict) -> None:
    _, leaf = _leaf(kms, ca, "issued.example")
    new = first(
        kms.ok(s("ReCertify", uid(leaf), s("Attributes", link("CertificateLink", ca["cert"])))), "UniqueIdentifier"
    )
    kms.certificate(new).verify_directly_issued_by(kms.certificate(ca["cert"]))


def test_recertify_refusals(kms: Kms) -> None:
    assert kms.fail(s("ReCertify")) == (
        "Invalid Request: ReCertify: unique_identifier of the certificate to rotate is required"
    )
    sk, pk = kms.create_pair("ECDSA", curve="P256")
    assert kms.fail(s("ReCertify", uid(pk))) == f"Invalid Request: ReCertify: object {pk} is not a Certificate"
    assert kms.fail(s("ReCertify", uid("nope"))) == "Object_Not_Found: object not found for identifier nope"
    cert = kms.certify_id(uid(pk), s("Attributes", subject("gone.example")))
    kms.ok(revoke(cert, "KeyCompromise"))
    assert kms.fail(s("ReCertify", uid(cert))) == f"Object_Not_Found: object not found for identifier {cert}"


def test_validate_a_chain_in_any_order(kms: Kms, ca: dict) -> None:
    _, leaf = _leaf(kms, ca, "valid.example")
    answer = kms.ok(s("Validate", uid(leaf), uid(ca["cert"])))
    assert answer == {
        "tag": "ValidateResponse",
        "value": [{"tag": "ValidityIndicator", "type": "Enumeration", "value": "Valid"}],
    }
    # the certificates themselves (Certificate byte strings) may be given instead of ids
    der = kms.certificate(leaf).public_bytes(Encoding.DER)
    kms.ok(s("Validate", t("Certificate", "ByteString", der.hex().upper()), uid(ca["cert"])))
    when = (datetime.now(UTC) + timedelta(days=400)).strftime("%Y%m%d%H%M%SZ")
    item = batch(kms, "Validate", uid(leaf), uid(ca["cert"]), text("ValidityTime", when))
    assert first(item, "ResultReason") == "Operation_Not_Supported"
    assert first(item, "ResultMessage").startswith(
        f'Certificate error: According to this date (Some("{when}")), the following certificate will be invalid ['
    )


def test_validate_refusals_are_certificate_errors(kms: Kms, ca: dict) -> None:
    assert kms.fail(s("Validate"), 500) == "Internal server error"  # a bare failure says nothing more
    item = batch(kms, "Validate")
    assert (first(item, "ResultReason"), first(item, "ResultMessage")) == (
        "Operation_Not_Supported",
        "Certificate error: Empty chain cannot be validated",
    )
    _, leaf = _leaf(kms, ca, "alone.example")
    assert first(batch(kms, "Validate", uid(leaf)), "ResultMessage") == (
        "Certificate error: Result of the function verify_cert: false. Error message: "
        "unable to get local issuer certificate"
    )
    sk, pk = kms.create_pair("ECDSA", curve="P256")
    assert first(batch(kms, "Validate", uid(pk)), "ResultMessage") == (
        "Certificate error: Requested a Certificate Object, got a PublicKey"
    )
    # CA certificates that are not their own root: no root to start from
    sub_ca = extensions(CA_EXT)
    (_, inter), (_, inter2) = _leaf(kms, ca, "sub CA", sub_ca), _leaf(kms, ca, "sub CA 2", sub_ca)
    assert first(batch(kms, "Validate", uid(inter), uid(inter2)), "ResultMessage") == (
        "Certificate error: No root authority found, cannot proceed full chain validation"
    )
    # a Compromised certificate is no longer retrievable for Validate
    _, gone = _leaf(kms, ca, "compromised.example")
    kms.ok(revoke(gone, "KeyCompromise"))
    assert (first(batch(kms, "Validate", uid(gone), uid(ca["cert"])), "ResultReason")) == "Object_Not_Found"
    # ... while a Deactivated one still validates, as on Cosmian 5.26
    _, retired = _leaf(kms, ca, "deactivated.example")
    kms.ok(revoke(retired, "CessationOfOperation"))
    kms.ok(s("Validate", uid(retired), uid(ca["cert"])))


def test_validate_reads_the_crl_of_the_distribution_point(kms: Kms, ca: dict, tmp_path) -> None:
    crl_path = tmp_path / f"ca-{time.time_ns()}.crl"
    point = extensions(f"[ v3_ca ]\ncrlDistributionPoints=URI:{crl_path}\n")
    _, listed = _leaf(kms, ca, "listed.example", point)
    _, kept = _leaf(kms, ca, "kept.example", point)
    issuer = kms.certificate(ca["cert"])
    now = datetime.now(UTC)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.subject)
        .last_update(now)
        .next_update(now + timedelta(days=1))
        .add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(kms.certificate(listed).serial_number)
            .revocation_date(now)
            .build()
        )
        .sign(ec.generate_private_key(ec.SECP256R1()), hashes.SHA256())
    )  # Cosmian: signature best effort
    crl_path.write_bytes(crl.public_bytes(Encoding.PEM))
    assert first(batch(kms, "Validate", uid(listed), uid(ca["cert"])), "ResultMessage") == (
        "Certificate error: Certificate is revoked or removed from CRL"
    )
    kms.ok(s("Validate", uid(kept), uid(ca["cert"])))


@pytest.mark.parametrize(
    "name",
    [
        "certify_validate",
        "certify_revoke_validate",
        "recertify_chain",
        "recertify_self_signed",
        "recertify_with_links",
        "recertify_with_offset",
    ],
)
def test_cosmian_vectors(kms: Kms, name: str) -> None:
    """Cosmian's own regression vectors for Validate and ReCertify (tests/data/conformance_extra):
    a self-signed certificate validates; revoked as compromised, Validate says `not found`;
    ReCertify links old and new, Active, or PreActive with a future Offset."""
    root = DATA / "conformance_extra" / "vectors"
    vector = load_vector(root / "fips" / "kmip_operations" / name / "manifest.toml", root)
    http = httpx.Client(base_url=kms.url, timeout=30)
    try:
        VectorRunner(vector, lambda _identity: http).run()
    finally:
        http.close()
