"""Property tests: any well-formed TTLV tree, and any typed Attributes, survive the wire unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from kms_tui.kmip.enums import CryptographicAlgorithm, LinkType, ObjectType, State
from kms_tui.kmip.models import Attributes, GetAttributesResponse, Link, Name, parse_node
from kms_tui.kmip.ttlv import TTLV, decode, encode

tags = st.from_regex(r"[A-Z][A-Za-z0-9_]{0,20}", fullmatch=True)
dates = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 1, 1), timezones=st.just(UTC))
primitives = st.one_of(
    st.builds(TTLV.integer, tags, st.integers(-(2**31), 2**31 - 1)),
    st.builds(TTLV.long, tags, st.integers(-(2**63), 2**63 - 1)),
    st.builds(TTLV.big, tags, st.integers(-(2**300), 2**300)),
    st.builds(TTLV.enum, tags, st.one_of(tags, st.integers(0, 2**32 - 1))),
    st.builds(TTLV.boolean, tags, st.booleans()),
    st.builds(TTLV.text, tags, st.text()),
    st.builds(TTLV.bytes_, tags, st.binary(max_size=64)),
    st.builds(TTLV.date, tags, dates),
    st.builds(TTLV.interval, tags, st.integers(0, 2**32 - 1)),
    st.builds(lambda t, v: TTLV(t, "DateTimeExtended", v), tags, st.integers(0, 2**64 - 1)),
)
trees = st.recursive(primitives, lambda kids: st.builds(TTLV.struct, tags, st.lists(kids, max_size=6)), max_leaves=25)


@settings(max_examples=100, deadline=None, database=None)
@given(trees)
def test_encode_then_decode_is_identity(node):
    text = encode(node)
    assert decode(text) == node
    assert encode(decode(text)) == text


@settings(max_examples=60, deadline=None, database=None)
@given(trees)
def test_output_is_compact_json_with_cosmian_key_order(node):
    def check(obj):
        if isinstance(obj.get("value"), list) and "type" not in obj:
            assert list(obj) == ["tag", "value"]
            for c in obj["value"]:
                check(c)
        else:
            assert list(obj) == ["tag", "type", "value"]
            assert obj["type"] != "Structure"

    text = encode(node)
    check(json.loads(text))


@settings(max_examples=200, deadline=None, database=None)
@given(st.binary(max_size=32))
def test_lower_case_byte_strings_are_accepted_and_written_upper(data):
    node = decode(json.dumps({"tag": "B", "type": "ByteString", "value": data.hex()}))
    assert node.value == data
    assert encode(node) == f'{{"tag":"B","type":"ByteString","value":"{data.hex().upper()}"}}'


# -- typed models ---------------------------------------------------------------------------------
_opt = st.none().__or__
attributes = st.builds(
    Attributes,
    activation_date=_opt(dates.map(lambda d: d.replace(microsecond=0))),
    cryptographic_algorithm=_opt(st.sampled_from(list(CryptographicAlgorithm))),
    cryptographic_length=_opt(st.integers(0, 2**31 - 1)),
    cryptographic_usage_mask=_opt(st.integers(0, 2**31 - 1)),
    description=_opt(st.text()),
    link=_opt(
        st.lists(
            st.builds(Link, link_type=st.sampled_from(list(LinkType)), linked_object_identifier=st.text(min_size=1)),
            min_size=1,
            max_size=3,
        )
    ),
    name=_opt(st.lists(st.builds(Name, name_value=st.text()), min_size=1, max_size=3)),
    object_type=_opt(st.sampled_from(list(ObjectType))),
    rotate_interval=_opt(st.integers(-(2**63), 2**63 - 1)),
    lease_time=_opt(st.integers(0, 2**32 - 1)),
    sensitive=_opt(st.booleans()),
    state=_opt(st.sampled_from(list(State))),
)


@settings(max_examples=60, deadline=None, database=None)
@given(attributes, st.lists(st.text(min_size=1), max_size=4))
def test_get_attributes_response_survives_the_wire(attrs, tags):
    attrs.set_tags(tags)
    response = GetAttributesResponse(unique_identifier="k", attributes=attrs)
    again = parse_node(decode(response.to_json()))
    assert again == response
    assert again.attributes.tags == list(dict.fromkeys(tags))
