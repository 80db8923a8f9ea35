"""SetAttribute, AddAttribute, DeleteAttribute and ModifyAttribute as Cosmian 5.26 answers them
(`crate/server/src/core/operations/attributes/{set,add,delete,modify}.rs`,
`attributes/dispatch_macros.rs: match_add_attribute`): read-only guards and their texts, the
keyset RotateName rules, AddAttribute's refusals of what already exists, ModifyAttribute of an
ActivationDate, and Destroy of an Active key whose ActivationDate was deleted (`destroy.rs`)."""

from __future__ import annotations

from tests.server.kmip import destroy, find, first, s, t, uid


def _op(op: str, target: str, attribute: dict, field: str = "NewAttribute") -> dict:
    return s(op, uid(target), s(field, attribute))


def _name(value: str) -> dict:
    return s("Name", t("NameValue", "TextString", value), t("NameType", "Enumeration", "UninterpretedTextString"))


def _vendor(name: str, value: str) -> dict:
    return s(
        "Attribute",
        t("VendorIdentification", "TextString", "acme"),
        t("AttributeName", "TextString", name),
        t("AttributeValue", "TextString", value),
    )


def _read_only(verb: str) -> str:
    return f"Attribute_Read_Only: DENIED: this attribute is server-managed and cannot be {verb} by the user"


def test_read_only_guards_come_first_with_cosmian_texts(kmip):
    # set.rs / add.rs / modify.rs: checked before the object is looked up (an absent id too)
    for target in (kmip.create(), "no-such-object"):
        assert kmip.fail(_op("SetAttribute", target, t("State", "Enumeration", "Active"))) == _read_only("set")
        assert kmip.fail(_op("SetAttribute", target, t("AlwaysSensitive", "Boolean", True))) == _read_only("set")
        assert kmip.fail(_op("SetAttribute", target, t("RotateGeneration", "Integer", 3))) == _read_only("set")
        assert kmip.fail(_op("AddAttribute", target, t("RotateAutomatic", "Boolean", True))) == _read_only("added")
        assert kmip.fail(
            _op("ModifyAttribute", target, t("InitialDate", "DateTime", "2024-01-01T00:00:00Z"))
        ) == _read_only("modified")
        assert kmip.fail(_op("ModifyAttribute", target, t("State", "Enumeration", "Active"))) == _read_only("modified")


def test_delete_attribute_looks_the_object_up_first(kmip):
    # delete.rs: retrieve_object_for_operation, then the guard (by value or by reference)
    key = kmip.create()
    by_reference = s("DeleteAttribute", uid(key), t("AttributeReference", "Enumeration", "State"))
    assert kmip.fail(by_reference) == _read_only("deleted")
    assert kmip.fail(_op("DeleteAttribute", key, t("RotateLatest", "Boolean", True), "CurrentAttribute")) == _read_only(
        "deleted"
    )
    absent = s("DeleteAttribute", uid("no-such-object"), t("AttributeReference", "Enumeration", "State"))
    assert kmip.fail(absent) == "Object_Not_Found: object not found for identifier no-such-object"
    # neither CurrentAttribute nor AttributeReference: nothing to delete, success
    assert first(kmip.ok(s("DeleteAttribute", uid(key))), "UniqueIdentifier") == key


def test_rotate_name_rules(kmip):
    key = kmip.create()
    assert (
        kmip.fail(_op("SetAttribute", key, t("RotateName", "TextString", "ring@2")))
        == "Invalid Request: SetAttribute: rotate_name must not contain '@' (reserved for keyset versioning)"
    )
    assert kmip.fail(_op("AddAttribute", key, t("RotateName", "TextString", "ring"))) == (
        f"Invalid Request: AddAttribute: rotate_name ('ring') must equal the key's UID ('{key}') — "
        "create the key with the keyset name as its ID"
    )
    assert kmip.fail(_op("SetAttribute", key, t("RotateName", "TextString", "ring"))) == (
        f"Invalid Request: SetAttribute: rotate_name ('ring') must equal the object's UID ('{key}') — "
        "create the object with the keyset name as its ID"
    )
    kmip.ok(_op("SetAttribute", key, t("RotateName", "TextString", key)))
    answer = kmip.attributes(key, "RotateName", "RotateGeneration", "RotateLatest")
    assert (first(answer, "RotateName"), first(answer, "RotateGeneration"), first(answer, "RotateLatest")) == (
        key,
        0,
        True,
    )
    # set.rs: a positive RotateInterval alone turns RotateAutomatic on
    other = kmip.create()
    kmip.ok(_op("SetAttribute", other, t("RotateInterval", "LongInteger", 86400)))
    assert first(kmip.attributes(other, "RotateAutomatic"), "RotateAutomatic") is True


def test_add_attribute_never_replaces(kmip):
    # add.rs + dispatch_macros.rs: match_add_attribute (was: the value replaced)
    key = kmip.create()
    kmip.ok(_op("AddAttribute", key, t("Comment", "TextString", "one")))
    assert (
        kmip.fail(_op("AddAttribute", key, t("Comment", "TextString", "two")))
        == "Invalid Request: Comment already exists"
    )
    assert first(kmip.attributes(key, "Comment"), "Comment") == "one"
    kmip.ok(_op("AddAttribute", key, t("Description", "TextString", "d")))
    assert kmip.fail(_op("AddAttribute", key, t("Description", "TextString", "e"))) == "Attribute_Single_Valued: DENIED"
    kmip.ok(_op("AddAttribute", key, _name("first")))
    assert kmip.fail(_op("AddAttribute", key, _name("first"))) == "Non_Unique_Name_Attribute: DENIED"
    kmip.ok(_op("AddAttribute", key, _vendor("colour", "blue")))
    assert (
        kmip.fail(_op("AddAttribute", key, _vendor("colour", "red")))
        == "Invalid Request: Vendor Attribute already exists"
    )
    link = s("Link", t("LinkType", "Enumeration", "ParentLink"), t("LinkedObjectIdentifier", "TextString", "p1"))
    kmip.ok(_op("AddAttribute", key, link))
    assert kmip.fail(_op("AddAttribute", key, link)) == "Invalid Request: Link already exists"
    assert kmip.fail(_op("AddAttribute", key, t("State", "Enumeration", "Active"))) == (
        "Invalid Request: Attribute: State cannot be modified. Use Revoke and Destroy to change the object state"
    )


def test_set_attribute_adds_a_name_beside_the_others(kmip):
    # set.rs: a Name is pushed unless the same one is there (was: the first name replaced)
    key = kmip.create()
    kmip.ok(_op("SetAttribute", key, _name("alpha")))
    kmip.ok(_op("SetAttribute", key, _name("beta")))
    kmip.ok(_op("SetAttribute", key, _name("beta")))
    assert find(kmip.attributes(key, "Name"), "NameValue") == ["alpha", "beta"]


def test_modify_activation_date_only_on_a_pre_active_object(kmip):
    # modify.rs: Wrong_Key_Lifecycle_State unless PreActive; a past date activates
    active = kmip.create()
    assert kmip.fail(_op("ModifyAttribute", active, t("ActivationDate", "DateTime", "2025-01-01T00:00:00Z"))) == (
        "Wrong_Key_Lifecycle_State: ModifyAttribute: ActivationDate can only be modified on a Pre-Active object "
        "(current state: Active)"
    )
    pending = kmip.create(active=False)
    kmip.ok(_op("ModifyAttribute", pending, t("ActivationDate", "DateTime", "2025-01-01T00:00:00Z")))
    assert kmip.state(pending) == "Active"


def test_an_active_key_without_activation_date_can_be_destroyed(kmip):
    # delete.rs lets ActivationDate be deleted; destroy.rs asks revocation first only when the
    # Active object has an ActivationDate (requires_revocation): Cosmian and the sandbox agree
    key = kmip.create()
    assert kmip.fail(destroy(key)) == "Wrong_Key_Lifecycle_State: DENIED"
    kmip.ok(s("DeleteAttribute", uid(key), t("AttributeReference", "Enumeration", "ActivationDate")))
    assert kmip.state(key) == "Active"
    kmip.ok(destroy(key))
    assert kmip.state(key) == "Destroyed"


def test_add_attribute_and_activate_need_their_identifier(kmip):
    # kmip_operations.rs: AddAttribute.unique_identifier and Activate.unique_identifier are not
    # Options (serde: missing field); the others are UnsupportedPlaceholder (was: AddAttribute too)
    comment = s("NewAttribute", t("Comment", "TextString", "x"))
    assert kmip.fail(s("AddAttribute", comment)) == "Codec_Error: missing field `UniqueIdentifier` in AddAttribute"
    assert kmip.fail(s("Activate")) == "Codec_Error: missing field `UniqueIdentifier` in Activate"
    for op in ("SetAttribute", "ModifyAttribute"):
        assert kmip.fail(s(op, comment)) == "This KMIP server does not yet support place holder id"
    delete = s("DeleteAttribute", t("AttributeReference", "Enumeration", "Comment"))
    assert kmip.fail(delete) == "This KMIP server does not yet support place holder id"
