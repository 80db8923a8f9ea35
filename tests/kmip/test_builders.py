"""ckms-style request builders send what ckms sends (the constructed *_cli_style_* samples)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from kms_tui.kmip.enums import (
    FIPS_MASK_LIMITS,
    CryptographicUsageMask,
    ObjectType,
    fips_mask_limit,
    mask_from_names,
    mask_names,
)
from kms_tui.kmip.models import (
    CertificateAttributes,
    LocateFilters,
    RequestMessage,
    certify_request,
    create_key_pair_request,
    create_symmetric_key_request,
    destroy_request,
    export_request,
    get_attributes_request,
    get_request,
    import_symmetric_key_request,
    locate_request,
    parse_node,
    query_request,
    revoke_request,
    tag_query,
)
from kms_tui.kmip.ttlv import decode, encode
from tests.conftest import DATA

SAMPLES = DATA / "reference" / "ttlv_samples"
NOW = datetime(2026, 8, 14, 9, 30, tzinfo=UTC)


def _sample(name: str) -> str:
    return encode(decode((SAMPLES / f"{name}.json").read_text()))


@pytest.mark.parametrize(
    ("sample", "build"),
    [
        ("constructed_create_aes256_cli_style_request", lambda: create_symmetric_key_request(tags=["myKey"], now=NOW)),
        (
            "constructed_create_key_pair_rsa3072_cli_style_fips_request",
            lambda: create_key_pair_request("RSA", 3072, tags=["myRsaKey"], now=NOW),
        ),
        (
            "constructed_create_key_pair_rsa3072_cli_style_nonfips_request",
            lambda: create_key_pair_request("RSA", 3072, tags=["myRsaKey"], now=NOW, fips=False),
        ),
        (
            "constructed_create_key_pair_ec_p256_cli_style_fips_request",
            lambda: create_key_pair_request("EC", curve="P256", tags=["myEcKey"], now=NOW),
        ),
        (
            "constructed_create_key_pair_ed25519_cli_style_fips_request",
            lambda: create_key_pair_request("Ed25519", tags=["myEdKey"], now=NOW),
        ),
        (
            "constructed_revoke_cli_style_request",
            lambda: revoke_request("1f0c3a52-6a0e-4d8b-9a57-3a1c2f3e9b10", "Unspecified", "no longer used"),
        ),
        (
            "constructed_revoke_key_compromise_request",
            lambda: revoke_request(
                "052efbf7-828f-4ba9-83d6-48e18f2b9971",
                "KeyCompromise",
                "laptop stolen",
                compromise_date=datetime(2026, 8, 1, tzinfo=UTC),
            ),
        ),
        ("constructed_destroy_cascade_request", lambda: destroy_request("052efbf7-828f-4ba9-83d6-48e18f2b9971")),
        (
            "docs_destroy_remove_request",
            lambda: destroy_request("f54f14a3-5639-4054-8c23-54af891669db", remove=True, cascade=False),
        ),
        (
            "constructed_locate_full_request",
            lambda: locate_request(
                LocateFilters(
                    tags=["myKey"],
                    cryptographic_algorithm="AES",
                    object_type="SymmetricKey",
                    state="Active",
                    max_items=100,
                    offset_items=0,
                )
            ),
        ),
        ("constructed_locate_all_request", lambda: locate_request()),
        ("docs_locate_by_tag_request", lambda: locate_request(tags=["_kk"])),
        ("constructed_get_request_options", lambda: get_request(tag_query(["myKey"]), "Raw", "NotWrapped")),
        ("docs_export_by_tag_request", lambda: export_request(tag_query(["MySymmetricKey"]), wrap_type="AsRegistered")),
        ("vec_get_attributes_request", lambda: get_attributes_request("{{key_id}}")),
        (
            "constructed_certify_public_key_with_issuer_cli_style_request",
            lambda: certify_request(
                "052efbf7-828f-4ba9-83d6-48e18f2b9971_pk",
                CertificateAttributes(
                    certificate_subject_cn="My server", certificate_subject_o="Acme", certificate_subject_c="FR"
                ),
                issuer_certificate_id="a1b2c3d4-ca-cert-uid",
                issuer_private_key_id="e5f6a7b8-ca-private-key-uid",
                tags=["myCert"],
                now=NOW,
            ),
        ),
        ("test_request_message_query", lambda: RequestMessage.of(query_request(), maximum_response_size=256)),
    ],
)
def test_builder_matches_sample(sample, build):
    assert build().to_json() == _sample(sample)


def test_import_builder_matches_the_vector_content():
    key = bytes.fromhex("AABBCCDDEEFF00112233445566778899AABBCCDDEEFF00112233445566778899")
    req = import_symmetric_key_request(
        key, "test-import-aes-key-001", usage_mask=12, now=datetime(2024, 1, 1, tzinfo=UTC)
    )
    vector = parse_node(decode((SAMPLES / "vec_import_symmetric_key_request.json").read_text()))
    assert req.to_json() == vector.to_json()


def test_get_attributes_with_tags_asks_for_the_tag_reference():
    req = get_attributes_request("k", ["State"], include_tags=True)
    refs = [c.value for c in req.to_ttlv().children("AttributeReference")]
    assert refs == ["State", "Tag"]


@pytest.mark.parametrize(
    ("algorithm", "size", "curve", "family"),
    [
        ("RSA", 2048, None, "RSA"),
        ("RSA", 4096, None, "RSA"),
        ("EC", None, "P384", "EC"),
        ("EC", None, "P521", "EC"),
        ("ECDSA", None, "P256", "ECDSA"),
        ("Ed25519", None, None, "ECDSA"),
        ("Ed448", None, None, "ECDSA"),
        ("EC", None, "CURVEED25519", "ECDSA"),
    ],
)
def test_fips_key_pairs_stay_within_the_fips_mask_limits(algorithm, size, curve, family):
    req = create_key_pair_request(algorithm, size, curve, now=NOW)
    priv_limit, pub_limit = FIPS_MASK_LIMITS[family]
    priv = req.private_key_attributes.cryptographic_usage_mask
    pub = req.public_key_attributes.cryptographic_usage_mask
    assert priv & ~priv_limit == 0 and pub & ~pub_limit == 0
    assert not (priv | pub) & CryptographicUsageMask.Unrestricted
    assert req.private_key_attributes.object_type == ObjectType.PrivateKey


def test_key_pair_without_activation_is_pre_active_and_named():
    req = create_key_pair_request("EC", curve="P256", name="web", activate=False)
    wire = json.loads(req.to_json())
    assert "ActivationDate" not in req.to_json()
    common = wire["value"][0]["value"]
    assert {
        "tag": "Name",
        "value": [
            {"tag": "NameValue", "type": "TextString", "value": "web"},
            {"tag": "NameType", "type": "Enumeration", "value": "UninterpretedTextString"},
        ],
    } in common


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("RSA",), "needs a size"),
        (("EC", None, "P999"), "unsupported curve"),
        (("DSA", 2048), "unsupported key-pair algorithm"),
    ],
)
def test_bad_key_pair_arguments_say_what_to_use(args, message):
    with pytest.raises(ValueError, match=message):
        create_key_pair_request(*args)


def test_mask_helpers():
    assert mask_names(2108) == ["Encrypt", "Decrypt", "WrapKey", "UnwrapKey", "KeyAgreement"]
    assert mask_names(0x4000_0001) == ["Sign", "0x40000000"]
    assert mask_from_names(["Sign", "Verify"]) == 3
    with pytest.raises(ValueError, match="unknown usage mask bit 'Fly'"):
        mask_from_names(["Fly"])
    assert fips_mask_limit("RSA") == (2601, 2582)
    assert fips_mask_limit("ECDH") == (1063425, 1051138)
