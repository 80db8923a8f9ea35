"""Issue 18, round 2: the last differences between the sandbox and Cosmian KMS 5.26.

- GetAttributes without a UniqueIdentifier outside a batch (or before the batch's ID placeholder
  is set) reads the object whose id is literally `*`, else fails
  (`crate/server/src/core/operations/attributes/get.rs: get_attributes`, whose
  `retrieve_objects("*")` reads one id: `crate/server_database/src/core/database_objects.rs`);
  GetAttributeList without one is `UnsupportedPlaceholder` (`attributes/get_list.rs`).
- A failed batch item keeps what it wrote before failing (`message.rs: message` runs each item
  without a transaction; `destroy.rs: recursively_destroy_object` acts on each tag match in turn).
- Destroy of an Active object without an ActivationDate is allowed (`destroy.rs:
  recursively_destroy_object`: `requires_revocation` needs `activation_date.is_some()`).
"""

from __future__ import annotations

import pytest

from tests.server.kmip import aes, destroy, first, revoke, s, t, uid
from tests.server.pki import JwtIssuer
from tests.server.two_users import JWT_USER, start_two_users

IMPLICIT = "Get Attributes: no objects available for implicit selection"
PLACEHOLDER = "This KMIP server does not yet support place holder id"


def _message(*items: dict, option: str | None = None) -> dict:
    header = [
        s("ProtocolVersion", t("ProtocolVersionMajor", "Integer", 2), t("ProtocolVersionMinor", "Integer", 1)),
        t("BatchCount", "Integer", len(items)),
    ]
    if option:
        header.append(t("BatchErrorContinuationOption", "Enumeration", option))
    return s("RequestMessage", s("RequestHeader", *header), *items)


def _item(op: str, *payload: dict) -> dict:
    return s("BatchItem", t("Operation", "Enumeration", op), s("RequestPayload", *payload))


def _items(response: dict) -> list[dict]:
    return [c for c in response["value"] if c["tag"] == "BatchItem"]


def _create(kmip, object_id: str, *, active: bool, tags: tuple[str, ...] = ()) -> str:
    body = aes(active=active, tags=tags)
    body["value"][1]["value"].append(uid(object_id))
    created = first(kmip.ok(body), "UniqueIdentifier")
    assert created == object_id
    return created


# -- GetAttributes / GetAttributeList without an id ---------------------------------------------


def test_get_attributes_without_an_id_reads_only_the_object_named_star(kmip):
    # attributes/get.rs: no "latest object" fallback (was: the user's most recently changed key)
    kmip.create()
    assert kmip.fail(s("GetAttributes")) == f"Item_Not_Found: {IMPLICIT}"
    star = _create(kmip, "*", active=False)
    answer = kmip.ok(s("GetAttributes", t("AttributeReference", "Enumeration", "State")))
    assert first(answer, "UniqueIdentifier") == star == "*"
    assert first(answer, "State") == "PreActive"
    kmip.create()  # a newer key changes nothing: `*` is still the one read
    assert first(kmip.ok(s("GetAttributes")), "UniqueIdentifier") == "*"
    kmip.ok(destroy("*", remove=True))
    assert kmip.fail(s("GetAttributes")) == f"Item_Not_Found: {IMPLICIT}"


def test_get_attributes_in_a_batch_uses_the_placeholder_once_set(kmip):
    response = kmip.ok(
        _message(
            _item("GetAttributes"),  # no placeholder yet: the bare rule
            _item("Create", *aes()["value"]),
            _item("GetAttributes", t("AttributeReference", "Enumeration", "State")),
        )
    )
    failed, created, read = _items(response)
    assert first(failed, "ResultStatus") == "OperationFailed"
    assert (first(failed, "ResultReason"), first(failed, "ResultMessage")) == ("Item_Not_Found", IMPLICIT)
    assert first(read, "ResultStatus") == "Success"
    assert first(read, "UniqueIdentifier") == first(created, "UniqueIdentifier")
    assert first(read, "State") == "Active"


def test_get_attribute_list_without_an_id_needs_the_placeholder(kmip):
    # attributes/get_list.rs: `.ok_or(KmsError::UnsupportedPlaceholder)` (was: the latest key)
    kmip.create()
    assert kmip.fail(s("GetAttributeList")) == PLACEHOLDER
    response = kmip.ok(_message(_item("Create", *aes()["value"]), _item("GetAttributeList")))
    created, listed = _items(response)
    assert first(listed, "ResultStatus") == "Success"
    assert first(listed, "UniqueIdentifier") == first(created, "UniqueIdentifier")


def test_other_operations_without_an_id_outside_a_batch(kmip):
    # export_get.rs, revoke.rs, destroy.rs, attributes/{set,delete,modify}.rs: UnsupportedPlaceholder
    kmip.create()
    assert kmip.fail(s("Get")) == PLACEHOLDER
    assert kmip.fail(s("Export")) == PLACEHOLDER
    assert kmip.fail(s("Destroy")) == PLACEHOLDER
    reason = s("RevocationReason", t("RevocationReasonCode", "Enumeration", "Unspecified"))
    assert kmip.fail(s("Revoke", reason)) == PLACEHOLDER
    assert kmip.fail(s("SetAttribute", s("NewAttribute", t("Comment", "TextString", "x")))) == PLACEHOLDER


# -- a failed batch item keeps what it did --------------------------------------------------------


def test_a_failed_batch_item_keeps_what_it_did_before_failing(kmip):
    # destroy.rs: tag matches are destroyed one by one; the Active key with an ActivationDate
    # then fails the call (DENIED), and the first match stays destroyed (was: rolled back in a
    # batch, unlike the same Destroy sent alone). The sandbox visits matches in id order.
    for option in (None, "Continue", "Undo"):
        tag = f"leftover-{option}"
        first_match = _create(kmip, f"h12-{option}-a", active=False, tags=(tag,))
        second_match = _create(kmip, f"h12-{option}-b", active=True, tags=(tag,))
        response = kmip.ok(_message(_item("Destroy", uid(f'["{tag}"]')), option=option))
        (item,) = _items(response)
        assert first(item, "ResultStatus") == "OperationFailed"
        assert (first(item, "ResultReason"), first(item, "ResultMessage")) == ("Wrong_Key_Lifecycle_State", "DENIED")
        assert kmip.state(first_match) == "Destroyed"
        assert kmip.state(second_match) == "Active"


def test_the_same_destroy_sent_alone_keeps_the_same_effects(kmip):
    tag = "leftover-bare"
    first_match = _create(kmip, "h12-bare-a", active=False, tags=(tag,))
    second_match = _create(kmip, "h12-bare-b", active=True, tags=(tag,))
    assert kmip.fail(destroy(f'["{tag}"]')) == "Wrong_Key_Lifecycle_State: DENIED"
    assert (kmip.state(first_match), kmip.state(second_match)) == ("Destroyed", "Active")


# -- cascades reaching a key the caller has no right on (two users) -------------------------------


@pytest.fixture(scope="module")
def users(tmp_path_factory):
    issuer = JwtIssuer()
    issuer.add_key("rsa-1", "RS256")
    tu = start_two_users(tmp_path_factory.mktemp("cascade"), issuer)
    yield tu
    tu.stop()
    issuer.close()


def test_a_cascade_to_a_key_the_caller_may_not_touch_fails_the_call(users):
    # revoke.rs: recursively_revoke_key (`?` on the partner, which counts 0 → Item_Not_Found);
    # destroy.rs: recursively_destroy_object (private → public with `?`, public → private ignored)
    owner, bob = users.tls(), users.jwt()
    try:
        sk, pk = owner.create_pair("Ed25519", active=False)
        r = owner.http.post(
            "/access/grant",
            json={"unique_identifier": sk, "user_id": JWT_USER, "operation_types": ["revoke", "destroy"]},
        )
        assert r.status_code == 200, r.text
        assert bob.fail(revoke(sk, cascade=True)) == f"Item_Not_Found: {pk}"
        assert bob.fail(destroy(sk, cascade=True)) == f"Item_Not_Found: {pk}"
        assert (owner.state(sk), owner.state(pk)) == ("PreActive", "PreActive")
        r = owner.http.post(
            "/access/grant", json={"unique_identifier": pk, "user_id": JWT_USER, "operation_types": ["destroy"]}
        )
        assert r.status_code == 200, r.text
        r = owner.http.post(
            "/access/revoke",
            json={"unique_identifier": sk, "user_id": JWT_USER, "operation_types": ["revoke", "destroy"]},
        )
        assert r.status_code == 200, r.text
        assert first(bob.ok(destroy(pk, cascade=True)), "UniqueIdentifier") == pk  # the private key's failure ignored
        assert (owner.state(sk), owner.state(pk)) == ("PreActive", "Destroyed")
    finally:
        owner.close()
        bob.close()


def test_an_explicit_id_placeholder_in_a_batch(kmip):
    # message.rs: resolve_id_placeholder_for_operation replaces `IDPlaceholder` for Get,
    # GetAttributes, GetAttributeList and ModifyAttribute; elsewhere Cosmian's non-string id is a
    # ServerError (export_get.rs: `.as_str().context(…)`), the sandbox's an id nothing has
    placeholder = t("UniqueIdentifier", "Enumeration", "IDPlaceholder")
    response = kmip.ok(
        _message(
            _item("Create", *aes()["value"]),
            _item("GetAttributes", placeholder, t("AttributeReference", "Enumeration", "State")),
            _item("Get", placeholder),
            _item("Export", placeholder),
        )
    )
    created, read, got, exported = _items(response)
    key = first(created, "UniqueIdentifier")
    assert (first(read, "UniqueIdentifier"), first(read, "State")) == (key, "Active")
    assert first(got, "ResultStatus") == "Success" and first(got, "UniqueIdentifier") == key
    assert first(exported, "ResultStatus") == "OperationFailed"
    assert (
        kmip.fail(s("GetAttributes", placeholder)) == "Object_Not_Found: object not found for identifier IDPlaceholder"
    )
