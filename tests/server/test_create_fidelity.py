"""Create and CreateKeyPair answer as Cosmian 5.26 does: validation texts and statuses
(`crate/server/src/core/operations/create.rs: create`, `core/kms/other_kms_methods.rs:
create_symmetric_key_and_tags`, `create_key_pair.rs: generate_key_pair`), the lifecycle set up by
`kmip_2_1/kmip_objects.rs: Object::setup_lifecycle`, the Digest of `operations/digest.rs:
digest`, the key-pair attribute merge of `crypto/src/crypto/rsa/operation.rs: create_rsa_key_pair`
and wrap-on-create of `core/wrapping/wrap.rs: wrap_and_cache`."""

from __future__ import annotations

import hashlib
import json
import struct
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap_with_padding

from tests.server.kmip import find, first, s, t, tag_attr, uid


def _create(*attrs: dict, object_type: str = "SymmetricKey") -> dict:
    return s("Create", t("ObjectType", "Enumeration", object_type), s("Attributes", *attrs))


def _alg(name: str) -> dict:
    return t("CryptographicAlgorithm", "Enumeration", name)


def _len(bits: int) -> dict:
    return t("CryptographicLength", "Integer", bits)


def _vendor(name: str, typ: str, value) -> dict:
    return s(
        "Attribute",
        t("VendorIdentification", "TextString", "cosmian"),
        t("AttributeName", "TextString", name),
        t("AttributeValue", typ, value),
    )


def _raw(kmip, key: str, *extra: dict) -> bytes:
    return bytes.fromhex(first(kmip.ok(s("Get", uid(key), *extra)), "KeyMaterial"))


# -- validation ------------------------------------------------------------------------------


def test_create_without_an_algorithm_is_refused(kmip):
    # other_kms_methods.rs: the algorithm must be given (the sandbox used to make an AES key)
    assert kmip.fail(_create(_len(256))) == (
        "Invalid Request: the cryptographic algorithm must be specified for secret key creation"
    )


@pytest.mark.parametrize("bits,nbytes", [(8, 1), (100, 12), (512, 64), (8192, 1024)])
def test_aes_lengths_from_8_to_8192_bits(kmip, bits, nbytes):
    # any length in 8..=8192 (AES-XTS keys are 512 bits); the key holds bits / 8 bytes
    key = first(kmip.ok(_create(_alg("AES"), _len(bits))), "UniqueIdentifier")
    assert len(_raw(kmip, key)) == nbytes
    assert first(kmip.attributes(key, "CryptographicLength"), "CryptographicLength") == nbytes * 8


@pytest.mark.parametrize("bits", [0, 7, 8193, -8])
def test_lengths_outside_8_to_8192_are_refused(kmip, bits):
    assert kmip.fail(_create(_alg("AES"), _len(bits))) == (
        f"Invalid Request: invalid symmetric key length {bits} bits: must be between 8 and 8192"
    )


def test_three_des_needs_112_or_168_bits(kmip):
    assert kmip.fail(_create(_alg("THREE_DES"))) == (
        "Invalid Request: cryptographic_length must be provided for THREE_DES keys"
    )
    assert kmip.fail(_create(_alg("THREE_DES"), _len(128))) == (
        "Invalid Request: unsupported THREE_DES cryptographic_length: 128 (expected 112 or 168)"
    )
    key = first(kmip.ok(_create(_alg("THREE_DES"), _len(112))), "UniqueIdentifier")
    assert len(_raw(kmip, key)) == 16  # parity bits included


def test_fpe_ff1_is_256_bits_only(kmip):
    assert kmip.fail(_create(_alg("FPE_FF1"), _len(128))) == (
        "Invalid Request: unsupported FPE_FF1 cryptographic_length: 128 (expected 256)"
    )


def test_unsupported_algorithm_format_and_object_type(kmip):
    assert kmip.fail(_create(_alg("RSA"))) == (
        "Not Supported: the creation of secret key for algorithm: RSA is not supported"
    )
    assert kmip.fail(_create(_alg("AES"), t("KeyFormatType", "Enumeration", "Raw"))) == (
        "Invalid Request: unable to generate a symmetric key for format: Raw"
    )
    assert kmip.fail(_create(_alg("AES"), object_type="Certificate")) == (
        "Not Supported: This server does not yet support creation of: Certificate"
    )
    assert kmip.fail(_create(_alg("RSA"), object_type="PrivateKey")) == (
        "Not Supported: the creation of a private key for algorithm: RSA is not supported"
    )


def test_protection_storage_masks_are_refused_as_a_placeholder(kmip):
    # permissions.rs: reject_protection_storage_masks bails with UnsupportedPlaceholder
    body = s(
        "Create",
        t("ObjectType", "Enumeration", "SymmetricKey"),
        s("Attributes", _alg("AES")),
        s("ProtectionStorageMasks", t("ProtectionStorageMask", "Integer", 1)),
    )
    assert kmip.fail(body) == "This KMIP server does not yet support place holder id"


def test_quantum_safe_with_a_protection_level_is_not_safe(kmip):
    body = _create(_alg("AES"), t("ProtectionLevel", "Enumeration", "High"), t("QuantumSafe", "Boolean", True))
    assert kmip.fail(body) == "General_Failure: NOT_SAFE"


def test_rotate_name_must_be_the_key_id(kmip):
    assert kmip.fail(_create(_alg("AES"), uid("ks-a"), t("RotateName", "TextString", "other"))).startswith(
        "Invalid Request: Create: rotate_name ('other') must equal the key's unique_identifier ('ks-a')"
    )
    kmip.ok(_create(_alg("AES"), uid("ks-b"), t("RotateName", "TextString", "ks-b")))
    got = kmip.attributes("ks-b", "RotateGeneration", "RotateLatest", "RotateName")
    assert (first(got, "RotateGeneration"), first(got, "RotateLatest"), first(got, "RotateName")) == (0, True, "ks-b")


# -- lifecycle ---------------------------------------------------------------------------------


def _dates(kmip, key: str) -> dict:
    got = kmip.attributes(key, "ActivationDate", "State", "OriginalCreationDate", "InitialDate")
    return {tag: first(got, tag) for tag in ("ActivationDate", "State", "OriginalCreationDate", "InitialDate")}


def test_a_past_activation_date_becomes_now(kmip):
    key = first(
        kmip.ok(_create(_alg("AES"), t("ActivationDate", "DateTime", "2020-01-01T00:00:00Z"))), "UniqueIdentifier"
    )
    got = _dates(kmip, key)
    assert got["State"] == "Active"
    assert got["ActivationDate"] == got["InitialDate"] and not got["ActivationDate"].startswith("2020")


def test_a_future_activation_date_is_kept_and_none_leaves_no_date(kmip):
    later = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    key = first(
        kmip.ok(_create(_alg("AES"), t("ActivationDate", "DateTime", later.strftime("%Y-%m-%dT%H:%M:%SZ")))),
        "UniqueIdentifier",
    )
    assert _dates(kmip, key)["State"] == "PreActive"
    assert _dates(kmip, key)["ActivationDate"] == later.strftime("%Y-%m-%dT%H:%M:%SZ")
    bare = first(kmip.ok(_create(_alg("AES"))), "UniqueIdentifier")
    assert _dates(kmip, bare)["State"] == "PreActive" and _dates(kmip, bare)["ActivationDate"] is None


def test_original_creation_date_is_the_server_s(kmip):
    key = first(
        kmip.ok(_create(_alg("AES"), t("OriginalCreationDate", "DateTime", "2001-01-01T00:00:00Z"))), "UniqueIdentifier"
    )
    got = _dates(kmip, key)
    assert got["OriginalCreationDate"] == got["InitialDate"]


# -- Digest --------------------------------------------------------------------------------------


def _ttlv(tag: int, typ: int, value: bytes) -> bytes:
    """One binary TTLV item, padded as KMIP pads it (BigInteger values come pre-padded)."""
    return tag.to_bytes(3, "big") + bytes([typ]) + struct.pack(">I", len(value)) + value + b"\0" * (-len(value) % 8)


def _big(value: int) -> bytes:
    raw = value.to_bytes(value.bit_length() // 8 + 1, "big")
    return b"\0" * (-len(raw) % 8) + raw


def _digest(kmip, key: str) -> tuple[str, str]:
    got = kmip.attributes(key, "Digest")
    return first(got, "DigestValue"), first(got, "KeyFormatType")


def test_digest_of_a_symmetric_key_is_over_its_ttlv_key_material(kmip):
    # digest.rs: SHA-256 of KeyMaterial{Key} in binary TTLV, reported as Raw
    key = first(kmip.ok(_create(_alg("AES"), _len(256))), "UniqueIdentifier")
    material = _ttlv(0x420043, 0x01, _ttlv(0x42003F, 0x08, _raw(kmip, key)))
    assert _digest(kmip, key) == (hashlib.sha256(material).hexdigest().upper(), "Raw")


def test_key_pairs_carry_a_digest_too(kmip):
    sk, pk = kmip.create_pair("Ed25519")
    d = first(kmip.ok(s("Get", uid(sk))), "D")
    q = bytes.fromhex(first(kmip.ok(s("Get", uid(pk))), "QString"))
    curve = _ttlv(0x420075, 0x05, struct.pack(">I", 0x80000001))
    sk_material = _ttlv(0x420043, 0x01, curve + _ttlv(0x42002E, 0x04, _big(int(d, 16))))
    pk_material = _ttlv(0x420043, 0x01, curve + _ttlv(0x420072, 0x08, q))
    assert _digest(kmip, sk) == (hashlib.sha256(sk_material).hexdigest().upper(), "TransparentECPrivateKey")
    assert _digest(kmip, pk) == (hashlib.sha256(pk_material).hexdigest().upper(), "TransparentECPublicKey")
    rsa_sk, _ = kmip.create_pair("RSA", length=2048)
    got = kmip.ok(s("Get", uid(rsa_sk), t("KeyFormatType", "Enumeration", "TransparentRSAPrivateKey")))
    parts = [
        ("Modulus", 0x420052),
        ("PrivateExponent", 0x420063),
        ("PublicExponent", 0x42006C),
        ("P", 0x42005E),
        ("Q", 0x420071),
        ("PrimeExponentP", 0x420060),
        ("PrimeExponentQ", 0x420061),
        ("CRTCoefficient", 0x420027),
    ]
    rsa_material = _ttlv(
        0x420043, 0x01, b"".join(_ttlv(tag, 0x04, _big(int(first(got, name), 16))) for name, tag in parts)
    )
    assert _digest(kmip, rsa_sk) == (hashlib.sha256(rsa_material).hexdigest().upper(), "PKCS1")


# -- key pairs -----------------------------------------------------------------------------------


def test_key_pair_tags_come_from_the_common_attributes_only(kmip):
    body = s(
        "CreateKeyPair",
        s("CommonAttributes", _alg("Ed25519"), tag_attr("common")),
        s("PrivateKeyAttributes", tag_attr("private-only")),
    )
    sk = first(kmip.ok(body), "PrivateKeyUniqueIdentifier")
    assert sorted(json.loads(first(kmip.attributes(sk, "Tag"), "AttributeValue"))) == ["_sk", "common"]


def test_key_pair_names_merge_and_links_are_the_pair_s(kmip):
    name = lambda v: s("Name", t("NameValue", "TextString", v), t("NameType", "Enumeration", "UninterpretedTextString"))  # noqa: E731
    link = s("Link", t("LinkType", "Enumeration", "ParentLink"), t("LinkedObjectIdentifier", "TextString", "x"))
    body = s(
        "CreateKeyPair",
        s("CommonAttributes", _alg("Ed25519"), name("common-name"), link),
        s("PrivateKeyAttributes", name("private-name")),
    )
    sk = first(kmip.ok(body), "PrivateKeyUniqueIdentifier")
    got = kmip.attributes(sk, "Name", "Link")
    assert find(got, "NameValue") == ["private-name", "common-name"]
    assert find(got, "LinkType") == ["PublicKeyLink"]  # the generated key's links replace the request's


def test_key_pair_errors(kmip):
    assert kmip.fail(s("CreateKeyPair", s("CommonAttributes", _alg("AES")))) == (
        "Not Supported: The creation of a keypair for algorithm: AES is not supported"
    )
    body = s(
        "CreateKeyPair",
        s(
            "CommonAttributes",
            _alg("EC"),
            s("CryptographicDomainParameters", t("RecommendedCurve", "Enumeration", "P192")),
        ),
    )
    assert first(kmip.ok(body), "PrivateKeyUniqueIdentifier")  # P-192: non-FIPS builds make it
    body = s(
        "CreateKeyPair",
        s(
            "CommonAttributes",
            _alg("EC"),
            s("CryptographicDomainParameters", t("RecommendedCurve", "Enumeration", "BRAINPOOLP256R1")),
        ),
    )
    assert kmip.fail(body) == "Not Supported: Generation of Key Pair for curve: BRAINPOOLP256R1, is not supported"


def test_ec_keys_are_stored_as_cosmian_stores_them(kmip):
    # to_ec_public_key: compressed point, CryptographicLength = bytes × 8; Get re-encodes it
    sk, pk = kmip.create_pair("ECDH", curve="P256")
    got = kmip.attributes(pk, "CryptographicLength", "CryptographicDomainParameters")
    assert first(got, "CryptographicLength") == 33 * 8 and first(got, "RecommendedCurve") == "P256"
    assert len(bytes.fromhex(first(kmip.ok(s("Get", uid(pk))), "QString"))) == 65


# -- wrap on create ------------------------------------------------------------------------------


def test_wrapping_key_id_stores_the_key_wrapped(kmip):
    kek = first(
        kmip.ok(_create(_alg("AES"), _len(256), t("ActivationDate", "DateTime", "2024-01-01T00:00:00Z"))),
        "UniqueIdentifier",
    )
    key = first(
        kmip.ok(_create(_alg("AES"), _len(256), _vendor("wrapping_key_id", "TextString", kek))), "UniqueIdentifier"
    )
    stored = kmip.ok(s("Get", uid(key)))
    assert first(stored, "WrappingMethod") == "Encrypt" and first(stored, "BlockCipherMode") == "AESKeyWrapPadding"
    assert find(stored, "UniqueIdentifier")[-1] == kek
    plain = _raw(kmip, key, t("KeyWrapType", "Enumeration", "NotWrapped"))
    wrapped = bytes.fromhex(first(stored, "KeyValue"))
    assert aes_key_unwrap_with_padding(_raw(kmip, kek), wrapped) == plain and len(plain) == 32
    links = kmip.attributes(key, "Link")
    assert (first(links, "LinkType"), first(links, "LinkedObjectIdentifier")) == ("WrappingKeyLink", kek)


def test_wrap_on_create_refusals(kmip):
    # wrap.rs: wrap_and_cache / wrap_using_kms, as Cosmian words them
    assert kmip.fail(_create(_alg("AES"), _vendor("wrapping_key_id", "TextString", "no-such-kek"))) == (
        "Not Supported: The wrapping key no-such-kek does not exist or is not accessible"
    )
    preactive = first(kmip.ok(_create(_alg("AES"))), "UniqueIdentifier")
    assert kmip.fail(_create(_alg("AES"), _vendor("wrapping_key_id", "TextString", preactive))) == (
        f"Not Supported: The wrapping key {preactive} is not active"
    )
    no_wrap = first(
        kmip.ok(
            _create(
                _alg("AES"),
                t("ActivationDate", "DateTime", "2024-01-01T00:00:00Z"),
                t("CryptographicUsageMask", "Integer", 12),
            )
        ),
        "UniqueIdentifier",
    )
    assert kmip.fail(_create(_alg("AES"), _vendor("wrapping_key_id", "TextString", no_wrap))) == (
        f"Not Supported: The key: {no_wrap} is not meant to wrap keys"
    )
    assert kmip.fail(_create(_alg("AES"), uid("self-kek"), _vendor("wrapping_key_id", "TextString", "self-kek"))) == (
        "Invalid Request: Key 'self-kek' cannot be used as its own wrapping key: "
        "the wrapping key ID must differ from the key ID being created"
    )
