"""The JSON TTLV decoder builds nodes as it parses and keeps only the first bad object (with its
ancestors): the error is the one a full re-read would name, for any key order."""

from __future__ import annotations

import json

import pytest

from kms_tui.kmip.ttlv import TTLVError, decode, encode


def _err(text: str) -> TTLVError:
    with pytest.raises(TTLVError) as info:
        decode(text)
    return info.value


@pytest.mark.parametrize(
    "leaf",
    [
        '{"tag":"B","type":"Integer","value":1}',
        '{"type":"Integer","tag":"B","value":1}',
        '{"type":"Integer","value":1,"tag":"B"}',
    ],
)
def test_any_key_order_with_type_before_value_decodes(leaf):
    node = decode('{"value":[' + leaf + '],"tag":"A"}')
    assert encode(node) == '{"tag":"A","value":[{"tag":"B","type":"Integer","value":1}]}'


def test_the_first_bad_object_is_named_among_many():
    body = '{"tag":"A","value":[' + ",".join(['{"tag":"X","value":[]}'] * 1000 + ['{"tag":"Y"}'] + ["{}"] * 1000) + "]}"
    err = _err(body)
    assert (err.path, err.reason) == ("A/Y", "missing field `value`")


def test_an_array_of_empty_objects_names_the_first():
    err = _err("[" + ",".join(["{}"] * 10000) + "]")
    assert (err.path, err.reason) == ("/", "missing field `tag`")


def test_a_json_object_is_not_a_structure_value():
    err = _err('{"tag":"A","value":[{"tag":"Attributes","value":{}}]}')
    assert (err.path, err.reason) == ("A/Attributes", "a Structure value must be a JSON array")


def test_a_node_as_a_primitive_value_is_refused_at_its_place():
    err = _err(json.dumps({"tag": "A", "value": [{"tag": "B", "type": "Integer", "value": {"tag": "C", "value": []}}]}))
    assert err.path == "A/B" and "Integer value must be" in err.reason
