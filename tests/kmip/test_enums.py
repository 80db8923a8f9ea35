"""Enumeration names and codes as Cosmian 5.26 writes them."""

from __future__ import annotations

import pytest

from kms_tui.kmip.enums import (
    ENUMS_BY_TAG,
    ErrorReason,
    LinkType,
    ObjectType,
    RecommendedCurve,
    ResultReason,
    State,
    enum_for_tag,
)


def test_values_are_the_wire_names():
    assert ObjectType.SymmetricKey == "SymmetricKey"
    assert f"{State.Destroyed_Compromised}" == "Destroyed_Compromised"
    assert RecommendedCurve.CURVEED25519.code == 0x8000_0001


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("Item_Not_Found", 0x01),
        ("Codec_Error", 0x26),
        ("Object_Not_Found", 0x37),
        ("Wrong_Key_Lifecycle_State", 0x43),
        ("General_Failure", 0x100),
    ],
)
def test_result_reason_codes(reason, code):
    assert ResultReason(reason).code == code
    assert ErrorReason.from_wire(code) == reason


def test_from_wire_refuses_kmip_spec_spellings():
    with pytest.raises(ValueError, match="unknown ObjectType 'Symmetric Key'"):
        ObjectType.from_wire("Symmetric Key")
    with pytest.raises(ValueError):
        LinkType.from_wire(True)


def test_every_tag_maps_to_an_enum_with_unique_names_and_codes():
    for tag, enum in ENUMS_BY_TAG.items():
        assert enum_for_tag(tag) is enum
        assert len({m.code for m in enum}) == len(list(enum)), enum.__name__
