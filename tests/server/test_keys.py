"""Key pairs, Get/Export formats and Import/Register, checked with `cryptography` on the
material the sandbox returns."""

from __future__ import annotations

import json
import os

import pytest
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from tests.server.kmip import first, key_pair, s, t, tag_attr, uid


def _get(kmip, key: str, fmt: str | None = None, op: str = "Get") -> dict:
    body = [uid(key)] + ([t("KeyFormatType", "Enumeration", fmt)] if fmt else [])
    return kmip.ok(s(op, *body))


def _material(response: dict) -> bytes:
    return bytes.fromhex(first(response, "KeyMaterial"))


@pytest.mark.parametrize(
    "algorithm,kw,cls,bits",
    [
        ("RSA", {"length": 2048}, rsa.RSAPrivateKey, 2048),
        # NIST curves: Cosmian reports the minimal byte length of the scalar × 8 (to_ec_private_key)
        ("EC", {"curve": "P256"}, ec.EllipticCurvePrivateKey, None),
        ("ECDSA", {"curve": "P384"}, ec.EllipticCurvePrivateKey, None),
        ("ECDH", {"curve": "P521"}, ec.EllipticCurvePrivateKey, None),
        ("Ed25519", {}, ed25519.Ed25519PrivateKey, 256),
        ("Ed448", {}, ed448.Ed448PrivateKey, 456),
    ],
)
def test_key_pair_ids_links_tags_and_pkcs8_material(kmip, algorithm, kw, cls, bits):
    sk, pk = kmip.create_pair(algorithm, tags=("pair",), **kw)
    assert pk == sk + "_pk"
    sk_attrs = kmip.attributes(sk, "Link", "Tag", "CryptographicLength", "State")
    pk_attrs = kmip.attributes(pk, "Link", "Tag")
    assert (first(sk_attrs, "LinkType"), first(sk_attrs, "LinkedObjectIdentifier")) == ("PublicKeyLink", pk)
    assert (first(pk_attrs, "LinkType"), first(pk_attrs, "LinkedObjectIdentifier")) == ("PrivateKeyLink", sk)
    assert sorted(json.loads(first(sk_attrs, "AttributeValue"))) == ["_sk", "pair"]
    assert sorted(json.loads(first(pk_attrs, "AttributeValue"))) == ["_pk", "pair"]
    private = ser.load_der_private_key(_material(_get(kmip, sk, "PKCS8")), None)
    if bits is None:
        bits = 8 * ((private.private_numbers().private_value.bit_length() + 7) // 8)
    assert first(sk_attrs, "CryptographicLength") == bits
    public = ser.load_der_public_key(_material(_get(kmip, pk, "PKCS8")))
    assert isinstance(private, cls)
    raw = ser.PublicFormat.SubjectPublicKeyInfo
    assert private.public_key().public_bytes(ser.Encoding.DER, raw) == public.public_bytes(ser.Encoding.DER, raw)


def test_default_formats_are_raw_pkcs1_and_transparent_ec(kmip):
    key = kmip.create()
    got = _get(kmip, key)
    assert first(got, "KeyFormatType") == "Raw" and len(_material(got)) == 32
    sk, pk = kmip.create_pair("RSA", length=2048)
    rsa_sk = _get(kmip, sk)
    assert first(rsa_sk, "KeyFormatType") == "PKCS1"
    assert isinstance(ser.load_der_private_key(_material(rsa_sk), None), rsa.RSAPrivateKey)
    assert first(_get(kmip, pk), "KeyFormatType") == "PKCS1"
    ec_sk, ec_pk = kmip.create_pair("EC", curve="P256")
    got = _get(kmip, ec_sk)
    assert first(got, "KeyFormatType") == "TransparentECPrivateKey"
    assert first(got, "RecommendedCurve") == "P256" and first(got, "D").startswith("0x")
    assert len(bytes.fromhex(first(_get(kmip, ec_pk), "QString"))) == 65  # uncompressed P-256 point


def test_transparent_and_sec1_conversions(kmip):
    sk, pk = kmip.create_pair("RSA", length=2048)
    tr = _get(kmip, sk, "TransparentRSAPrivateKey")
    assert first(tr, "Modulus").startswith("0x") and first(tr, "PublicExponent") == "0x0000000000010001"
    assert first(_get(kmip, pk, "TransparentRSAPublicKey"), "Modulus") == first(tr, "Modulus")
    ec_sk, _ = kmip.create_pair("EC", curve="P384")
    sec1 = ser.load_der_private_key(_material(_get(kmip, ec_sk, "ECPrivateKey")), None)
    assert sec1.curve.name == "secp384r1"


def test_unsupported_format_is_refused_as_cosmian_does(kmip):
    # export_get.rs: process_symmetric_key bails with a server error: HTTP 500, generic body
    key = kmip.create()
    assert kmip.fail(s("Get", uid(key), t("KeyFormatType", "Enumeration", "PKCS8")), 500) == "Internal server error"


def test_export_returns_the_attributes_before_the_object(kmip):
    key = kmip.create(tags=("exp",))
    body = kmip.ok(s("Export", uid(key)))
    tags = [c["tag"] for c in body["value"]]
    assert tags == ["ObjectType", "UniqueIdentifier", "Attributes", "SymmetricKey"]
    assert '"exp"' in first(body, "AttributeValue")


def test_rsa_requires_a_length_and_ec_refuses_edwards_curves(kmip):
    # create_key_pair.rs: generate_key_pair
    assert kmip.fail(key_pair("RSA")) == "Invalid Request: RSA key size: error"
    assert (
        kmip.fail(key_pair("ECDH", curve="CURVEED25519"))
        == "Not Supported: Edwards curve can't be created for EC or ECDSA"
    )
    assert kmip.fail(s("CreateKeyPair", s("CommonAttributes"))) == (
        "Invalid Request: the cryptographic algorithm must be specified for key pair creation"
    )


def test_key_pair_user_tags_cannot_start_with_underscore(kmip):
    assert "underscore" in kmip.fail(key_pair("Ed25519", tags=("_sneaky",)))


def _import(key_id: str, key: bytes, *, tags: tuple[str, ...] = (), replace: bool = False, active: bool = True) -> dict:
    attrs = [t("CryptographicAlgorithm", "Enumeration", "AES"), t("CryptographicLength", "Integer", len(key) * 8)]
    if active:
        attrs.insert(0, t("ActivationDate", "DateTime", "2024-01-01T00:00:00Z"))
    if tags:
        attrs.append(tag_attr(*tags))
    block = s(
        "KeyBlock",
        t("KeyFormatType", "Enumeration", "Raw"),
        s("KeyValue", t("KeyMaterial", "ByteString", key.hex())),
        t("CryptographicAlgorithm", "Enumeration", "AES"),
        t("CryptographicLength", "Integer", len(key) * 8),
    )
    return s(
        "Import",
        uid(key_id),
        t("ObjectType", "Enumeration", "SymmetricKey"),
        t("ReplaceExisting", "Boolean", replace),
        s("Attributes", *attrs),
        s("SymmetricKey", block),
    )


def test_import_stores_the_key_bytes_and_refuses_duplicates_unless_replacing(kmip):
    key_id = "imported-" + os.urandom(4).hex()
    secret = os.urandom(32)
    assert first(kmip.ok(_import(key_id, secret, tags=("imp",))), "UniqueIdentifier") == key_id
    assert _material(_get(kmip, key_id)) == secret
    assert kmip.state(key_id) == "Active"
    text = kmip.fail(_import(key_id, os.urandom(32)))
    assert text.startswith("Database Error:") and "already exist" in text
    other = os.urandom(16)
    kmip.ok(_import(key_id, other, replace=True))
    assert _material(_get(kmip, key_id)) == other


def test_import_with_empty_id_gets_a_uuid_and_refuses_tag_ids(kmip):
    new_id = first(kmip.ok(_import("", os.urandom(16), active=False)), "UniqueIdentifier")
    assert len(new_id) == 36 and kmip.state(new_id) == "PreActive"
    assert kmip.fail(_import('["x"]', os.urandom(16))).startswith("Invalid Request:")


def test_import_rejects_malformed_material_naming_key_material(kmip):
    body = _import("bad-" + os.urandom(4).hex(), b"")
    block = body["value"][-1]["value"][0]
    block["value"][0]["value"] = "TransparentSymmetricKey"
    text = kmip.fail(body)
    assert text.startswith("Codec_Error:") and "KeyMaterial" in text


def test_import_of_a_pkcs8_private_key_round_trips(kmip):
    key = ec.generate_private_key(ec.SECP256R1())
    der = key.private_bytes(ser.Encoding.DER, ser.PrivateFormat.PKCS8, ser.NoEncryption())
    key_id = "ec-import-" + os.urandom(4).hex()
    block = s(
        "KeyBlock",
        t("KeyFormatType", "Enumeration", "PKCS8"),
        s("KeyValue", t("KeyMaterial", "ByteString", der.hex())),
        t("CryptographicAlgorithm", "Enumeration", "ECDSA"),
        t("CryptographicLength", "Integer", 256),
    )
    kmip.ok(
        s("Import", uid(key_id), t("ObjectType", "Enumeration", "PrivateKey"), s("Attributes"), s("PrivateKey", block))
    )
    got = _get(kmip, key_id, "PKCS8")
    assert ser.load_der_private_key(_material(got), None).private_numbers() == key.private_numbers()
    assert first(_get(kmip, key_id), "KeyFormatType") == "TransparentECPrivateKey"  # Get's default for EC
    assert "_sk" in first(kmip.attributes(key_id, "Tag"), "AttributeValue")


def test_register_secret_data_then_activate(kmip):
    body = s(
        "Register",
        t("ObjectType", "Enumeration", "SecretData"),
        s("Attributes", t("CryptographicUsageMask", "Integer", 2)),
        s(
            "SecretData",
            t("SecretDataType", "Enumeration", "Password"),
            s(
                "KeyBlock",
                t("KeyFormatType", "Enumeration", "Opaque"),
                s("KeyValue", t("KeyMaterial", "ByteString", "CAFE")),
            ),
        ),
    )
    sid = first(kmip.ok(body), "UniqueIdentifier")
    assert kmip.state(sid) == "PreActive"
    kmip.ok(s("Activate", uid(sid)))
    assert first(_get(kmip, sid), "KeyMaterial") == "CAFE"
    assert "_sd" in first(kmip.attributes(sid, "Tag"), "AttributeValue")
