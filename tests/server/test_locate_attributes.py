"""Locate's filters and cap, GetAttributes defaults and the `Tag` reference, attribute edits."""

from __future__ import annotations

import json
import os

from tests.server.kmip import aes, destroy, find, first, revoke, s, t, tag_attr, uid


def _name(value: str) -> dict:
    return s("Name", t("NameValue", "TextString", value), t("NameType", "Enumeration", "UninterpretedTextString"))


def _unique(prefix: str) -> str:
    return f"{prefix}-{os.urandom(4).hex()}"


def test_locate_by_tags_needs_all_tags(kmip):
    a, b = _unique("a"), _unique("b")
    both = kmip.create(tags=(a, b))
    only_a = kmip.create(tags=(a,))
    assert sorted(kmip.locate(tag_attr(a))) == sorted([both, only_a])
    assert kmip.locate(tag_attr(a, b)) == [both]
    empty = kmip.ok(s("Locate", s("Attributes", tag_attr(_unique("none")))))
    assert empty == {"tag": "LocateResponse", "value": [{"tag": "LocatedItems", "type": "Integer", "value": 0}]}


def test_locate_filters_on_type_algorithm_length_name_link_and_state(kmip):
    tag = _unique("f")
    k128 = kmip.create(length=128, tags=(tag,), extra=(_name(tag + "-name"),))
    k256 = kmip.create(length=256, tags=(tag,), active=False)
    sk, pk = kmip.create_pair("EC", curve="P256", tags=(tag,))
    assert sorted(kmip.locate(tag_attr(tag), t("ObjectType", "Enumeration", "SymmetricKey"))) == sorted([k128, k256])
    assert kmip.locate(tag_attr(tag), t("CryptographicLength", "Integer", 128)) == [k128]
    assert kmip.locate(_name(tag + "-name")) == [k128]
    assert kmip.locate(tag_attr(tag), t("State", "Enumeration", "PreActive")) == [k256]
    link = s("Link", t("LinkType", "Enumeration", "PrivateKeyLink"), t("LinkedObjectIdentifier", "TextString", sk))
    assert kmip.locate(link) == [pk]
    assert sorted(kmip.locate(tag_attr(tag), t("CryptographicAlgorithm", "Enumeration", "EC"))) == sorted([sk, pk])


def test_locate_hides_destroyed_objects_unless_asked(kmip):
    tag = _unique("d")
    key = kmip.create(tags=(tag,), active=False)
    kmip.ok(destroy(key))
    assert kmip.locate(tag_attr(tag)) == []
    assert kmip.locate(tag_attr(tag), t("State", "Enumeration", "Destroyed")) == [key]


def test_locate_honours_maximum_items_and_ignores_offset(kmip):
    tag = _unique("m")
    for _ in range(4):
        kmip.create(tags=(tag,))
    body = s("Locate", t("MaximumItems", "Integer", 3), t("OffsetItems", "Integer", 2), s("Attributes", tag_attr(tag)))
    response = kmip.ok(body)
    assert first(response, "LocatedItems") == 3 and len(find(response, "UniqueIdentifier")) == 3


def test_locate_requires_attributes(kmip):
    assert kmip.fail(s("Locate")).startswith("Codec_Error: missing field `Attributes`")


def test_get_attributes_defaults_and_tags_only_on_request(kmip):
    tag = _unique("g")
    key = kmip.create(tags=(tag,))
    attrs = kmip.attributes(key)
    names = [c["tag"] for c in attrs["value"][1]["value"]]
    for expected in (
        "AlwaysSensitive",
        "Extractable",
        "LeaseTime",
        "RandomNumberGenerator",
        "ShortUniqueIdentifier",
        "Digest",
        "InitialDate",
        "LastChangeDate",
        "State",
        "UniqueIdentifier",
        "KeyFormatType",
    ):
        assert expected in names
    assert names.index("ActivationDate") < names.index("CryptographicAlgorithm") < names.index("UniqueIdentifier")
    assert "Attribute" not in names
    assert first(attrs, "KeyFormatType") == "Raw" and first(attrs, "LeaseTime") == 3600
    tagged = kmip.attributes(key, "Tag")
    assert sorted(json.loads(first(tagged, "AttributeValue"))) == sorted(["_kk", tag])
    vendor_ref = s(
        "AttributeReference",
        t("VendorIdentification", "TextString", "cosmian"),
        t("AttributeName", "TextString", "tag"),
    )
    assert first(kmip.ok(s("GetAttributes", uid(key), vendor_ref)), "AttributeName") == "tag"


def test_get_attribute_list_names_the_attributes(kmip):
    key = kmip.create()
    listed = find(kmip.ok(s("GetAttributeList", uid(key))), "AttributeReference")
    assert "CryptographicAlgorithm" in listed and "State" in listed


def test_set_add_modify_delete_attributes(kmip):
    key = kmip.create()
    kmip.ok(s("SetAttribute", uid(key), s("NewAttribute", t("Description", "TextString", "first"))))
    assert first(kmip.attributes(key, "Description"), "Description") == "first"
    kmip.ok(s("ModifyAttribute", uid(key), s("NewAttribute", t("Description", "TextString", "second"))))
    assert first(kmip.attributes(key, "Description"), "Description") == "second"
    kmip.ok(s("AddAttribute", uid(key), s("NewAttribute", _name("n1"))))
    kmip.ok(s("AddAttribute", uid(key), s("NewAttribute", _name("n2"))))
    assert find(kmip.attributes(key, "Name"), "NameValue") == ["n1", "n2"]
    kmip.ok(s("DeleteAttribute", uid(key), s("CurrentAttribute", _name("n1"))))
    assert find(kmip.attributes(key, "Name"), "NameValue") == ["n2"]
    kmip.ok(s("DeleteAttribute", uid(key), t("AttributeReference", "Enumeration", "Description")))
    assert first(kmip.attributes(key, "Description"), "Description") is None


def test_server_managed_attributes_are_read_only(kmip):
    key = kmip.create(active=False)
    text = kmip.fail(s("SetAttribute", uid(key), s("NewAttribute", t("State", "Enumeration", "Active"))))
    assert "server-managed" in text
    assert kmip.state(key) == "PreActive"
    assert "'@'" in kmip.fail(s("SetAttribute", uid(key), s("NewAttribute", t("RotateName", "TextString", "a@b"))))


def test_tags_can_be_replaced_and_added_keeping_system_tags(kmip):
    old, new, more = _unique("old"), _unique("new"), _unique("more")
    key = kmip.create(tags=(old,))
    kmip.ok(s("SetAttribute", uid(key), s("NewAttribute", tag_attr(new))))
    assert kmip.locate(tag_attr(old)) == [] and kmip.locate(tag_attr(new)) == [key]
    kmip.ok(s("AddAttribute", uid(key), s("NewAttribute", tag_attr(more))))
    assert sorted(json.loads(first(kmip.attributes(key, "Tag"), "AttributeValue"))) == sorted(["_kk", new, more])
    assert kmip.locate(tag_attr(new, more)) == [key]


def test_a_missing_uid_in_get_attributes_is_not_the_latest_object(kmip):
    # attributes/get.rs: only an object whose id is `*` (tests/server/test_fidelity_leftovers.py)
    kmip.create()
    assert (
        kmip.fail(s("GetAttributes")) == "Item_Not_Found: Get Attributes: no objects available for implicit selection"
    )


def test_revoked_objects_keep_their_metadata(kmip):
    key = kmip.create(extra=(t("Description", "TextString", "kept"),))
    kmip.ok(revoke(key))
    kmip.ok(destroy(key))
    assert first(kmip.attributes(key, "Description"), "Description") == "kept"


def test_wrong_types_are_codec_errors_and_change_nothing(kmip):
    body = aes()
    body["value"][1]["value"][1] = t("CryptographicLength", "TextString", "256")
    text = kmip.fail(body)
    assert text.startswith("Codec_Error: invalid type for `CryptographicLength`")


def test_delete_attribute_by_vendor_reference_and_tag(kmip):
    tag = _unique("del")
    key = kmip.create(tags=(tag,))
    vendor = s(
        "Attribute",
        t("VendorIdentification", "TextString", "acme"),
        t("AttributeName", "TextString", "team"),
        t("AttributeValue", "TextString", "blue"),
    )
    kmip.ok(s("AddAttribute", uid(key), s("NewAttribute", vendor)))
    assert "blue" in find(kmip.attributes(key), "AttributeValue")
    ref = s(
        "AttributeReference", t("VendorIdentification", "TextString", "acme"), t("AttributeName", "TextString", "team")
    )
    kmip.ok(s("DeleteAttribute", uid(key), ref))
    assert "blue" not in find(kmip.attributes(key), "AttributeValue")
    kmip.ok(s("DeleteAttribute", uid(key), t("AttributeReference", "Enumeration", "Tag")))
    assert kmip.locate(tag_attr(tag)) == []
    assert json.loads(first(kmip.attributes(key, "Tag"), "AttributeValue")) == ["_kk"]
