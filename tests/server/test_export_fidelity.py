"""Get and Export refuse what Cosmian 5.26 refuses, with its status and words
(`crate/server/src/core/operations/export_get.rs: export_get, post_process_active_private_key,
process_public_key, process_symmetric_key`; `core/retrieve_object_utils.rs:
retrieve_object_for_operation` for the states). A `kms_bail!` there is a ServerError: HTTP 500
with a generic body on a bare operation, `Operation_Not_Supported` with the text in a batch."""

from __future__ import annotations

import pytest

from tests.server.kmip import destroy, find, first, revoke, s, t, uid


def _fmt(name: str) -> dict:
    return t("KeyFormatType", "Enumeration", name)


def _batch(kmip, op: str, *payload: dict) -> tuple[str, str, str]:
    header = s(
        "RequestHeader",
        s("ProtocolVersion", t("ProtocolVersionMajor", "Integer", 2), t("ProtocolVersionMinor", "Integer", 1)),
        t("BatchCount", "Integer", 1),
    )
    item = kmip.ok(
        s("RequestMessage", header, s("BatchItem", t("Operation", "Enumeration", op), s("RequestPayload", *payload)))
    )
    return first(item, "ResultStatus"), first(item, "ResultReason"), first(item, "ResultMessage")


@pytest.mark.parametrize("op", ["Get", "Export"])
def test_public_key_as_x509_is_refused(kmip, op):
    _, pk = kmip.create_pair("ECDSA", curve="P256")
    assert kmip.fail(s(op, uid(pk), _fmt("X509")), 500) == "Internal server error"
    assert _batch(kmip, op, uid(pk), _fmt("X509")) == (
        "OperationFailed",
        "Operation_Not_Supported",
        "Unexpected server error: export: unsupported Key Format Type: X509",
    )
    got = kmip.ok(s(op, uid(pk), _fmt("PKCS8")))  # SPKI is PKCS8 here
    block = next(c for c in got["value"] if c["tag"] == "PublicKey")["value"][0]
    formats = find(block, "KeyFormatType")  # the block's, the Digest's, the embedded attributes'
    assert (formats[0], formats[-1]) == ("PKCS8", "PKCS8")


def test_ed25519_private_key_as_raw_is_refused(kmip):
    sk, _ = kmip.create_pair("Ed25519")
    assert kmip.fail(s("Get", uid(sk), _fmt("Raw")), 500) == "Internal server error"
    assert _batch(kmip, "Export", uid(sk), _fmt("Raw")) == (
        "OperationFailed",
        "Operation_Not_Supported",
        "Unexpected server error: export: unsupported Key Format Type: Raw for a private key",
    )


def test_a_format_that_does_not_fit_the_key_is_a_cryptographic_failure(kmip):
    sk, _ = kmip.create_pair("ECDSA", curve="P256")
    assert kmip.fail(s("Get", uid(sk), _fmt("PKCS1")), 500) == "Internal server error"
    status, reason, message = _batch(kmip, "Get", uid(sk), _fmt("PKCS1"))
    assert (status, reason) == ("OperationFailed", "Cryptographic_Failure")
    assert message.startswith("the private key is not an openssl RSA key")


def test_symmetric_key_and_certificate_format_refusals(kmip):
    key = kmip.create()
    assert _batch(kmip, "Get", uid(key), _fmt("PKCS8"))[2] == (
        "Unexpected server error: export: unsupported requested Key Format Type for a symmetric key: Some(PKCS8)"
    )
    assert (
        first(kmip.ok(s("Get", uid(key), _fmt("TransparentSymmetricKey"))), "KeyFormatType")
        == "TransparentSymmetricKey"
    )


def test_wrapped_key_formats(kmip):
    kek = kmip.create_kek()  # the default mask 2108 includes WrapKey
    body = s(
        "Create",
        t("ObjectType", "Enumeration", "SymmetricKey"),
        s(
            "Attributes",
            t("CryptographicAlgorithm", "Enumeration", "AES"),
            s(
                "Attribute",
                t("VendorIdentification", "TextString", "cosmian"),
                t("AttributeName", "TextString", "wrapping_key_id"),
                t("AttributeValue", "TextString", kek),
            ),
        ),
    )
    key = first(kmip.ok(body), "UniqueIdentifier")
    assert first(kmip.ok(s("Get", uid(key))), "KeyWrappingData") is None  # a structure: find() skips it
    assert first(kmip.ok(s("Get", uid(key))), "WrappingMethod") == "Encrypt"
    assert len(bytes.fromhex(first(kmip.ok(s("Get", uid(key), _fmt("Raw"))), "KeyMaterial"))) == 32  # unwrapped
    assert _batch(kmip, "Get", uid(key), _fmt("TransparentSymmetricKey"))[2] == (
        "Unexpected server error: export: unable to export a wrapped symmetric key with a requested Key Format "
        "Type. It must be the default or Raw"
    )


def test_sensitive_is_checked_before_the_state(kmip):
    key = kmip.create(extra=(t("Sensitive", "Boolean", True),))
    kmip.ok(revoke(key))
    assert kmip.fail(s("Get", uid(key))) == "Sensitive: DENIED"


def test_states_without_allow_revoked(kmip):
    # ckms --allow-revoked switches to Export; the server itself: Get refuses Deactivated only
    deactivated = kmip.create()
    kmip.ok(revoke(deactivated))
    assert kmip.fail(s("Get", uid(deactivated))) == "Wrong_Key_Lifecycle_State: DENIED"
    assert first(kmip.ok(s("Export", uid(deactivated))), "UniqueIdentifier") == deactivated
    compromised = kmip.create()
    kmip.ok(revoke(compromised, "KeyCompromise"))
    assert first(kmip.ok(s("Get", uid(compromised))), "UniqueIdentifier") == compromised
    assert first(kmip.ok(s("Export", uid(compromised))), "UniqueIdentifier") == compromised
    gone = kmip.create(active=False)
    kmip.ok(destroy(gone))
    assert kmip.fail(s("Get", uid(gone))) == "Object_Destroyed: DENIED"
    assert kmip.fail(s("Export", uid(gone))) == f"Object_Not_Found: object not found for identifier {gone}"


def _spec(kek: str, *params: dict, encoding: str = "NoEncoding") -> dict:
    info = [uid(kek)] + ([s("CryptographicParameters", *params)] if params else [])
    return s(
        "KeyWrappingSpecification",
        t("WrappingMethod", "Enumeration", "Encrypt"),
        s("EncryptionKeyInformation", *info),
        t("EncodingOption", "Enumeration", encoding),
    )


def test_export_wrapped_by_a_key_as_ckms_asks(kmip):
    # export_utils.rs: key_wrapping_specification (NoEncoding); wrap_key.rs: NISTKeyWrap by default
    from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_unwrap_with_padding

    kek, key = kmip.create_kek(), kmip.create(extra=(t("Sensitive", "Boolean", True),))  # sensitive: only wrapped
    plain_kek = bytes.fromhex(first(kmip.ok(s("Get", uid(kek))), "KeyMaterial"))
    got = kmip.ok(s("Export", uid(key), _spec(kek)))
    assert first(got, "BlockCipherMode") == "NISTKeyWrap" and first(got, "EncodingOption") == "NoEncoding"
    assert len(aes_key_unwrap(plain_kek, bytes.fromhex(first(got, "KeyValue")))) == 32
    padded = kmip.ok(s("Get", uid(key), _spec(kek, t("BlockCipherMode", "Enumeration", "AESKeyWrapPadding"))))
    assert len(aes_key_unwrap_with_padding(plain_kek, bytes.fromhex(first(padded, "KeyValue")))) == 32
    assert kmip.fail(s("Get", uid(key))) == "Sensitive: DENIED"


def test_wrapped_export_refusals(kmip):
    kek, key = kmip.create_kek(), kmip.create()
    assert _batch(kmip, "Get", uid(key), _fmt("Raw"), _spec(kek))[2] == (
        "Unexpected server error: export: unable to wrap a symmetric key with a specified Key Format Type. "
        "It must be the default"
    )
    assert kmip.fail(s("Get", uid(key), _spec("no-such-kek"))) == (
        "Not Supported: The wrapping key no-such-kek does not exist or is not accessible"
    )
