"""Certify as Cosmian 5.26 does it: Cosmian's own `certify_chain` vector (x509-extension text
with `crlSign`), the keyUsage spellings of `crate/crypto/src/openssl/x509_extensions.rs:
parse_v3_ca`, and RFC 9608 noRevAvail on self-signed leaf certificates
(`crate/server/src/core/operations/certify/rfc9608.rs: apply_extensions`)."""

from __future__ import annotations

import copy

import httpx
from cryptography import x509

from tests.conftest import DATA
from tests.server.kmip import first, s, t, uid
from tests.support.conformance import VectorRunner, load_vector

EXTRA = DATA / "conformance_extra" / "vectors"
NO_REV_AVAIL = x509.ObjectIdentifier("2.5.29.56")


def _certificate(kmip, cert_id: str) -> x509.Certificate:
    return x509.load_der_x509_certificate(bytes.fromhex(first(kmip.ok(s("Get", uid(cert_id))), "CertificateValue")))


def _vendor(name: str, node: dict) -> dict:
    node = dict(node, tag="AttributeValue")
    return s(
        "Attribute", t("VendorIdentification", "TextString", "cosmian"), t("AttributeName", "TextString", name), node
    )


def _subject(cn: str) -> dict:
    fields = [t("CertificateSubjectCn", "TextString", cn)]
    for part in ("CertificateSubject", "CertificateIssuer"):
        for suffix in ("Cn", "O", "Ou", "Email", "C", "St", "L", "Uid", "SerialNumber", "Title", "Dc", "DnQualifier"):
            if part + suffix != "CertificateSubjectCn":
                fields.append(t(part + suffix, "TextString", ""))
    return s("CertificateAttributes", *fields)


def _certify(kmip, public_key: str, cn: str, extensions: str | None = None, expect: int = 200):
    attrs = [_subject(cn)]
    if extensions is not None:
        attrs.append(_vendor("x509-extension", t("", "ByteString", extensions.encode().hex().upper())))
    r = kmip.post(s("Certify", uid(public_key), s("Attributes", *attrs)))
    assert r.status_code == expect, r.text
    return first(r.json(), "UniqueIdentifier") if expect == 200 else r.text


def test_cosmian_certify_chain_vector(kmip):
    """Every step of `fips/kmip_operations/certify_chain`, its Validate included (ValidityIndicator
    Valid); the chain it validates is also checked with `cryptography`."""
    vector = load_vector(EXTRA / "fips/kmip_operations/certify_chain/manifest.toml", EXTRA)
    validate = next(i for i, step in enumerate(vector.steps) if step.operation == "Validate")
    http = httpx.Client(base_url=kmip.url, timeout=30)
    try:
        head, tail = copy.copy(vector), copy.copy(vector)
        head.steps, tail.steps = vector.steps[: validate + 1], vector.steps[validate + 1 :]
        runner = VectorRunner(head, lambda _name: http)
        runner.run()
        ids = runner.captures
        root, inter, leaf = (_certificate(kmip, ids[k]) for k in ("root_cert_id", "int_cert_id", "leaf_cert_id"))
        inter.verify_directly_issued_by(root)
        leaf.verify_directly_issued_by(inter)
        usage = inter.extensions.get_extension_for_class(x509.KeyUsage)
        assert usage.critical and usage.value.crl_sign and usage.value.key_cert_sign
        assert inter.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0
        runner.vector = tail
        runner.run()  # the cleanup: certificates and keys destroyed without a prior revoke
    finally:
        http.close()


def test_openssl_spelling_crl_sign_is_refused_as_cosmian_refuses_it(kmip):
    # parse_v3_ca knows `crlSign` only; anything else is a CryptoError (HTTP 500, generic body)
    _, pk = kmip.create_pair("ECDSA", curve="P256")
    text = _certify(kmip, pk, "old spelling", "[ v3_ca ]\nkeyUsage=critical,keyCertSign,cRLSign\n", expect=500)
    assert text == "Internal server error"
    batch = kmip.ok(
        s(
            "RequestMessage",
            s(
                "RequestHeader",
                s("ProtocolVersion", t("ProtocolVersionMajor", "Integer", 2), t("ProtocolVersionMinor", "Integer", 1)),
                t("BatchCount", "Integer", 1),
            ),
            s(
                "BatchItem",
                t("Operation", "Enumeration", "Certify"),
                s(
                    "RequestPayload",
                    uid(pk),
                    s(
                        "Attributes",
                        _subject("batch"),
                        _vendor(
                            "x509-extension",
                            t("", "ByteString", b"[ v3_ca ]\nkeyUsage=keyCertSign,cRLSign\n".hex().upper()),
                        ),
                    ),
                ),
            ),
        )
    )
    assert first(batch, "ResultReason") == "Cryptographic_Failure"
    assert first(batch, "ResultMessage") == "not supported `keyUsage` extension's value: `cRLSign`"


def test_spaces_after_commas_are_part_of_the_token(kmip):
    # value.trim().split(',') without trimming each token: " digitalSignature" is unknown
    _, pk = kmip.create_pair("ECDSA", curve="P256")
    assert (
        _certify(kmip, pk, "spaces", "[ v3_ca ]\nkeyUsage=critical, digitalSignature\n", expect=500)
        == "Internal server error"
    )


def test_extension_text_without_a_v3_ca_section_is_not_supported(kmip):
    _, pk = kmip.create_pair("ECDSA", curve="P256")
    assert _certify(kmip, pk, "no section", "keyUsage=digitalSignature\n", expect=422) == (
        "Operation_Not_Supported: unable to find `v3_ca` parag from X.509 extension content"
    )


def test_self_signed_leaf_says_no_revocation_available(kmip):
    # RFC 9608: self-signed, not a CA, no crlDistributionPoints → noRevAvail (non-critical)
    _, pk = kmip.create_pair("ECDSA", curve="P256")
    cert = _certificate(kmip, _certify(kmip, pk, "leaf.example"))
    ext = cert.extensions.get_extension_for_oid(NO_REV_AVAIL)
    assert not ext.critical and ext.value.value == b"\x05\x00"


def test_self_signed_ca_and_certificates_with_a_crl_point_do_not(kmip):
    _, pk = kmip.create_pair("ECDSA", curve="P256")
    ca = _certificate(kmip, _certify(kmip, pk, "ca.example", "[ v3_ca ]\nbasicConstraints=critical,CA:TRUE\n"))
    assert NO_REV_AVAIL not in [e.oid for e in ca.extensions]
    _, pk2 = kmip.create_pair("ECDSA", curve="P256")
    with_crl = _certificate(
        kmip, _certify(kmip, pk2, "crl.example", "[ v3_ca ]\ncrlDistributionPoints=URI:http://crl.example/x.crl\n")
    )
    assert NO_REV_AVAIL not in [e.oid for e in with_crl.extensions]


def test_certify_with_an_existing_unique_identifier_overwrites_the_user_s_object(kmip):
    # certify_op.rs: AtomicOperation::Upsert (query.sql upsert-object: same owner → replaced)
    existing = kmip.create(active=False)
    _, pk = kmip.create_pair("ECDSA", curve="P256")
    got = kmip.ok(s("Certify", uid(pk), s("Attributes", _subject("upsert.example"), uid(existing))))
    assert first(got, "UniqueIdentifier") == existing
    assert first(kmip.attributes(existing, "ObjectType"), "ObjectType") == "Certificate"
    assert _certificate(kmip, existing).subject.rfc4514_string() == "CN=upsert.example"


def test_protection_storage_masks_are_refused_as_a_placeholder(kmip):
    _, pk = kmip.create_pair("ECDSA", curve="P256")
    body = s(
        "Certify",
        uid(pk),
        s("Attributes", _subject("masks")),
        s("ProtectionStorageMasks", t("ProtectionStorageMask", "Integer", 1)),
    )
    assert kmip.fail(body) == "This KMIP server does not yet support place holder id"
