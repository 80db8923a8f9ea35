"""Every reference sample round-trips: codec (decode → encode) and typed model (from → to TTLV)."""

from __future__ import annotations

import json

import pytest

from kms_tui.kmip.models import Attributes, GetResponse, parse_node
from kms_tui.kmip.ttlv import TTLVError, decode, encode
from tests.conftest import DATA
from tests.kmip.cosmian_form import normalize, reorder_like

SAMPLES = DATA / "reference" / "ttlv_samples"
ALL = sorted(p.name for p in SAMPLES.glob("*.json"))
NOT_TTLV = {"constructed_rest_endpoints.json", "vec_access_grant_body.json"}  # REST bodies
LEGACY = {n for n in ALL if n.startswith("LEGACY_")}
NOT_AN_OPERATION = {"test_enumeration_value_forms.json"}  # a codec unit-test document
TTLV_SAMPLES = [n for n in ALL if n not in NOT_TTLV]
MODEL_SAMPLES = [n for n in TTLV_SAMPLES if n not in LEGACY | NOT_AN_OPERATION]
# Written (by test vectors or by hand) in another field order than Cosmian's declaration order.
NOT_IN_COSMIAN_ORDER = {
    "constructed_locate_linked_public_key_request.json",
    "vec_certify_self_signed_request.json",
    "vec_create_aes256_active_request.json",
    "vec_create_key_pair_ec_p256_certify_request.json",
    "vec_create_key_pair_ec_p256_request.json",
    "vec_create_key_pair_ec_p384_request.json",
    "vec_create_key_pair_ed25519_request.json",
    "vec_create_key_pair_rsa2048_request.json",
    "vec_create_key_pair_rsa4096_request.json",
    "vec_import_symmetric_key_request.json",
    "vec_locate_by_state_and_name_request.json",
}


def _compact(obj: object) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def test_the_sample_set_is_the_one_these_tests_were_written_for():
    assert len(ALL) >= 70
    assert NOT_TTLV <= set(ALL) and NOT_IN_COSMIAN_ORDER <= set(ALL)


@pytest.mark.parametrize("name", TTLV_SAMPLES)
def test_codec_round_trip_gives_cosmian_json(name):
    """decode → encode gives Cosmian's compact JSON: key order tag,type,value; no "type" on
    Structures. Samples from old docs with "type":"Structure", "0x" Integers or lower-case hex
    come out in that normalized Cosmian form (see cosmian_form.normalize)."""
    text = (SAMPLES / name).read_text()
    expected = _compact(normalize(json.loads(text)))
    assert encode(decode(text)) == expected


@pytest.mark.parametrize("name", sorted(NOT_TTLV))
def test_rest_bodies_are_not_ttlv(name):
    with pytest.raises(TTLVError) as err:
        decode((SAMPLES / name).read_text())
    assert "missing field `tag`" in str(err.value)


@pytest.mark.parametrize("name", MODEL_SAMPLES)
def test_typed_model_round_trip(name):
    text = (SAMPLES / name).read_text()
    model = parse_node(decode(text))
    out = json.loads(model.to_json())
    expected = normalize(json.loads(text))
    # Nothing is lost or invented; only the order of fields may change, to Cosmian's.
    assert out == reorder_like(expected, out)
    if name not in NOT_IN_COSMIAN_ORDER:
        assert model.to_json() == _compact(expected)
    # Cosmian's order is a fixed point.
    assert parse_node(decode(model.to_json())).to_json() == model.to_json()


def test_legacy_get_response_with_object_tag_is_rejected():
    node = decode((SAMPLES / "LEGACY_docs_get_response_symmetric.json").read_text())
    with pytest.raises(TTLVError) as err:
        GetResponse.from_ttlv(node)
    assert err.value.kind == "codec"
    assert err.value.path == "GetResponse/Object"


def test_legacy_revoke_with_text_reason_is_a_codec_error():
    node = decode((SAMPLES / "LEGACY_docs_revoke_request_INVALID_NOW.json").read_text())
    with pytest.raises(TTLVError) as err:
        parse_node(node)
    assert err.value.kind == "codec"
    assert str(err.value) == "Revoke/RevocationReason: expected Structure, got TextString"


def test_legacy_vendor_attributes_are_silently_ignored_so_tags_are_lost():
    node = decode((SAMPLES / "LEGACY_docs_json_ttlv_api_create_request.json").read_text())
    create = parse_node(node)
    assert create.attributes.get_tags() == []
    assert create.attributes.cryptographic_length == 256
    assert "VendorAttributes" not in create.to_json()


def test_tags_are_read_from_the_cosmian_vendor_attribute():
    node = decode((SAMPLES / "constructed_export_response_symmetric.json").read_text())
    export = parse_node(node)
    assert sorted(export.attributes.tags) == ["_kk", "myKey"]
    assert export.object.key_block.key_bytes is not None


def test_tags_setter_writes_a_json_array_text_string():
    attrs = Attributes()
    attrs.tags = ["a", "b", "a"]
    assert attrs.to_json() == (
        '{"tag":"Attributes","value":[{"tag":"Attribute","value":['
        '{"tag":"VendorIdentification","type":"TextString","value":"cosmian"},'
        '{"tag":"AttributeName","type":"TextString","value":"tag"},'
        '{"tag":"AttributeValue","type":"TextString","value":"[\\"a\\",\\"b\\"]"}]}]}'
    )
    attrs.tags = []
    assert attrs.to_json() == '{"tag":"Attributes","value":[]}'
