"""Bad JSON TTLV: one TTLVError naming the bad node's path, with the kind Cosmian distinguishes
(``json`` → 422 ``Invalid Request``; ``ttlv`` → 422 ``Invalid Request``; ``codec`` → 422
``Codec_Error``)."""

from __future__ import annotations

import json

import pytest

from kms_tui.kmip.models import CodecError, Create, parse_node
from kms_tui.kmip.ttlv import TTLVError, decode


def _create(length_node: dict) -> str:
    return json.dumps(
        {
            "tag": "Create",
            "value": [
                {"tag": "ObjectType", "type": "Enumeration", "value": "SymmetricKey"},
                {"tag": "Attributes", "value": [length_node]},
            ],
        }
    )


def _err(text: str) -> TTLVError:
    with pytest.raises(TTLVError) as info:
        decode(text)
    return info.value


@pytest.mark.parametrize("text", ["", "{", "not json", '{"tag": "X", "value": [}', b"\xff\xfe"])
def test_not_json(text):
    err = _err(text)
    assert err.kind == "json"
    assert "invalid JSON" in str(err)


@pytest.mark.parametrize(
    ("node", "message"),
    [
        ({"tag": "CryptographicLength", "type": "Int", "value": 1}, "Unknown type: Int"),
        ({"tag": "CryptographicLength", "type": "ByteString", "value": "ABC"}, "invalid ByteString hex"),
        ({"tag": "CryptographicLength", "type": "ByteString", "value": "zz"}, "invalid ByteString hex"),
        ({"tag": "CryptographicLength", "type": "ByteString", "value": "0xAB"}, "must not start with 0x"),
        ({"tag": "CryptographicLength", "type": "Integer", "value": "256"}, "Integer value must be"),
        ({"tag": "CryptographicLength", "type": "Integer", "value": 2**31}, "out of i32 range"),
        ({"tag": "CryptographicLength", "type": "Boolean", "value": "true"}, "Boolean value must be"),
        ({"tag": "CryptographicLength", "type": "LongInteger", "value": "0x1G"}, "invalid LongInteger"),
        ({"tag": "CryptographicLength", "type": "DateTime", "value": "yesterday"}, "invalid DateTime"),
        ({"tag": "CryptographicLength", "type": "Integer"}, "missing field `value`"),
    ],
)
def test_bad_primitive_names_its_path(node, message):
    err = _err(_create(node))
    assert err.kind == "ttlv"
    assert err.path == "Create/Attributes/CryptographicLength"
    assert message in err.reason


def test_missing_tag_names_the_parent():
    err = _err(_create({"type": "Integer", "value": 1}))
    assert err.path == "Create/Attributes"
    assert "missing field `tag`" in err.reason


def test_type_after_value_makes_a_structure_as_cosmian_does():
    err = _err('{"tag":"Create","value":[{"tag":"X","value":5,"type":"Integer"}]}')
    assert err.path == "Create/X"
    assert "Structure value must be a JSON array" in err.reason


def test_duplicate_keys_are_refused():
    err = _err('{"tag":"A","type":"Integer","type":"Integer","value":1}')
    assert "duplicate field `type`" in err.reason


def test_wrong_type_for_the_operation_is_a_codec_error():
    node = decode(_create({"tag": "CryptographicLength", "type": "TextString", "value": "256"}))
    with pytest.raises(TTLVError) as info:
        Create.from_ttlv(node)
    assert isinstance(info.value, CodecError) and info.value.kind == "codec"
    assert str(info.value) == "Create/Attributes/CryptographicLength: expected Integer, got TextString"


def test_missing_required_field_is_a_codec_error():
    node = decode('{"tag":"Create","value":[{"tag":"Attributes","value":[]}]}')
    with pytest.raises(TTLVError) as info:
        parse_node(node)
    assert info.value.kind == "codec"
    assert str(info.value) == "Create: missing field `ObjectType`"


def test_unknown_enumeration_variant_is_a_codec_error():
    node = decode(
        '{"tag":"Create","value":[{"tag":"ObjectType","type":"Enumeration","value":"Symmetric Key"},'
        '{"tag":"Attributes","value":[]}]}'
    )
    with pytest.raises(TTLVError) as info:
        parse_node(node)
    assert str(info.value) == "Create/ObjectType: unknown ObjectType variant 'Symmetric Key'"


def test_enumeration_codes_map_to_names():
    node = decode(
        '{"tag":"Create","value":[{"tag":"ObjectType","type":"Enumeration","value":"0x00000002"},'
        '{"tag":"Attributes","value":[{"tag":"State","type":"Enumeration","value":2}]}]}'
    )
    create = parse_node(node)
    assert create.to_json() == (
        '{"tag":"Create","value":[{"tag":"ObjectType","type":"Enumeration","value":"SymmetricKey"},'
        '{"tag":"Attributes","value":[{"tag":"State","type":"Enumeration","value":"Active"}]}]}'
    )


def test_unknown_tags_inside_structures_are_ignored():
    node = decode(
        '{"tag":"Activate","value":[{"tag":"Frobnicate","type":"Integer","value":1},'
        '{"tag":"UniqueIdentifier","type":"TextString","value":"k1"}]}'
    )
    assert parse_node(node).to_json() == (
        '{"tag":"Activate","value":[{"tag":"UniqueIdentifier","type":"TextString","value":"k1"}]}'
    )


def test_unknown_operation_is_named():
    with pytest.raises(TTLVError) as info:
        parse_node(decode('{"tag":"Frobnicate","value":[]}'))
    assert str(info.value) == "Frobnicate: unknown operation `Frobnicate`"


def test_key_format_type_must_precede_key_value():
    text = json.dumps(
        {
            "tag": "GetResponse",
            "value": [
                {"tag": "ObjectType", "type": "Enumeration", "value": "SymmetricKey"},
                {"tag": "UniqueIdentifier", "type": "TextString", "value": "k"},
                {
                    "tag": "SymmetricKey",
                    "value": [
                        {
                            "tag": "KeyBlock",
                            "value": [
                                {
                                    "tag": "KeyValue",
                                    "value": [{"tag": "KeyMaterial", "type": "ByteString", "value": "00"}],
                                },
                                {"tag": "KeyFormatType", "type": "Enumeration", "value": "Raw"},
                            ],
                        }
                    ],
                },
            ],
        }
    )
    with pytest.raises(TTLVError) as info:
        parse_node(decode(text))
    assert info.value.path == "GetResponse/SymmetricKey/KeyBlock/KeyValue"
    assert "KeyFormatType must be known" in info.value.reason


def test_repeated_fields_must_be_contiguous():
    text = (
        '{"tag":"LocateResponse","value":['
        '{"tag":"UniqueIdentifier","type":"TextString","value":"a"},'
        '{"tag":"LocatedItems","type":"Integer","value":2},'
        '{"tag":"UniqueIdentifier","type":"TextString","value":"b"}]}'
    )
    with pytest.raises(TTLVError) as info:
        parse_node(decode(text))
    assert info.value.path == "LocateResponse/UniqueIdentifier"


def test_vendor_attribute_value_cannot_be_a_structure():
    text = (
        '{"tag":"Locate","value":[{"tag":"Attributes","value":[{"tag":"Attribute","value":['
        '{"tag":"VendorIdentification","type":"TextString","value":"cosmian"},'
        '{"tag":"AttributeName","type":"TextString","value":"tag"},'
        '{"tag":"AttributeValue","value":[]}]}]}]}'
    )
    with pytest.raises(TTLVError) as info:
        parse_node(decode(text))
    assert info.value.path == "Locate/Attributes/Attribute/AttributeValue"


def test_error_inside_a_batch_names_the_payload_path():
    text = (
        '{"tag":"RequestMessage","value":[{"tag":"RequestHeader","value":['
        '{"tag":"ProtocolVersion","value":[{"tag":"ProtocolVersionMajor","type":"Integer","value":2},'
        '{"tag":"ProtocolVersionMinor","type":"Integer","value":1}]},'
        '{"tag":"BatchCount","type":"Integer","value":1}]},'
        '{"tag":"BatchItem","value":[{"tag":"Operation","type":"Enumeration","value":"Revoke"},'
        '{"tag":"RequestPayload","value":[{"tag":"UniqueIdentifier","type":"TextString","value":"k"}]}]}]}'
    )
    with pytest.raises(TTLVError) as info:
        parse_node(decode(text))
    assert str(info.value) == "RequestMessage/BatchItem/RequestPayload: missing field `RevocationReason`"


@pytest.mark.parametrize("text", ["[" * 100_000, '{"tag":"A","value":' * 5000 + "[]" + "}" * 5000])
def test_absurd_nesting_is_refused_not_a_crash(text):
    err = _err(text)
    assert err.kind == "json"
    assert "recursion limit" in err.reason


def test_lone_surrogates_are_refused_with_their_path():
    err = _err('{"tag":"A","value":[{"tag":"B","type":"TextString","value":"x\\ud800"}]}')
    assert (err.kind, err.path) == ("json", "A/B")


def test_escaped_non_ascii_text_is_fine():
    node = decode(b'{"tag":"A","type":"TextString","value":"\\ud83d\\ude00 \\u00e9"}')
    assert node.value == "\U0001f600 \u00e9"


def test_enumeration_numbers_must_fit_u32():
    err = _err('{"tag":"A","type":"Enumeration","value":-1}')
    assert "out of u32 range" in err.reason
