"""Lifecycle over real HTTP: the state table of Cosmian 5.x (activate, revoke, destroy, Get
refusals, Remove, Cascade, tag queries, time-based transitions)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from tests.server.kmip import Kmip, aes, destroy, find, first, revoke, s, t, tag_attr, uid
from tests.support.sandbox import start_sandbox


def test_activation_date_decides_the_initial_state(kmip):
    assert kmip.state(kmip.create(active=True)) == "Active"
    assert kmip.state(kmip.create(active=False)) == "PreActive"


def test_activate_moves_preactive_to_active_once(kmip):
    key = kmip.create(active=False)
    assert first(kmip.ok(s("Activate", uid(key))), "UniqueIdentifier") == key
    assert kmip.state(key) == "Active"
    assert first(kmip.attributes(key, "ActivationDate"), "ActivationDate") is not None
    assert (
        kmip.fail(s("Activate", uid(key)))
        == f"Wrong_Key_Lifecycle_State: Activate: Object {key} is already in Active state"
    )


def test_activate_of_a_revoked_key_says_it_cannot_be_activated(kmip):
    key = kmip.create()
    kmip.ok(revoke(key))
    text = kmip.fail(s("Activate", uid(key)))
    assert text == f"Wrong_Key_Lifecycle_State: Activate: Object {key} is in Deactivated state and cannot be activated"


def test_active_key_with_activation_date_must_be_revoked_before_destroy(kmip):
    key = kmip.create()
    assert kmip.fail(destroy(key)) == "Wrong_Key_Lifecycle_State: DENIED"
    assert kmip.state(key) == "Active"  # nothing changed
    kmip.ok(revoke(key))
    assert kmip.state(key) == "Deactivated"
    kmip.ok(destroy(key))
    assert kmip.state(key) == "Destroyed"


def test_preactive_key_can_be_destroyed_directly(kmip):
    key = kmip.create(active=False)
    kmip.ok(destroy(key))
    assert kmip.state(key) == "Destroyed"


def test_compromise_reasons_lead_to_compromised_then_destroyed_compromised(kmip):
    key = kmip.create()
    kmip.ok(revoke(key, "KeyCompromise"))
    assert kmip.state(key) == "Compromised"
    # Get of a compromised key is still allowed
    assert first(kmip.ok(s("Get", uid(key))), "ObjectType") == "SymmetricKey"
    kmip.ok(destroy(key))
    assert kmip.state(key) == "Destroyed_Compromised"


def test_revoke_of_a_compromised_key_alone_is_item_not_found(kmip):
    key = kmip.create()
    kmip.ok(revoke(key, "CACompromise"))
    assert kmip.fail(revoke(key)) == f"Item_Not_Found: {key}"


def test_revoke_sets_deactivation_date_but_not_the_reason(kmip):
    key = kmip.create()
    kmip.ok(revoke(key, "CessationOfOperation"))
    attrs = kmip.attributes(key)
    assert first(attrs, "DeactivationDate") is not None
    assert first(attrs, "RevocationReasonCode") is None


def test_get_is_denied_on_deactivated_and_destroyed_keys_but_export_works_when_deactivated(kmip):
    key = kmip.create()
    kmip.ok(revoke(key))
    assert kmip.fail(s("Get", uid(key))) == "Wrong_Key_Lifecycle_State: DENIED"
    exported = kmip.ok(s("Export", uid(key)))
    assert first(exported, "KeyFormatType") is not None and first(exported, "State") == "Deactivated"
    kmip.ok(destroy(key))
    assert kmip.fail(s("Get", uid(key))) == "Object_Destroyed: DENIED"
    assert kmip.fail(s("Export", uid(key))) == f"Object_Not_Found: object not found for identifier {key}"


def test_destroyed_key_material_is_gone_and_destroy_again_succeeds(kmip):
    key = kmip.create(active=False)
    kmip.ok(destroy(key))
    kmip.ok(destroy(key))  # Cosmian quirk: a destroyed key can be destroyed again
    attrs = kmip.attributes(key)
    assert first(attrs, "State") == "Destroyed"
    assert first(attrs, "DestroyDate") == "1970-01-01T00:00:00Z"


def test_destroy_remove_deletes_the_row_and_refuses_active_keys(kmip):
    key = kmip.create()
    kmip.ok(revoke(key))
    kmip.ok(destroy(key, remove=True))
    assert kmip.fail(s("GetAttributes", uid(key))) == f"Object_Not_Found: object not found for identifier {key}"
    assert kmip.locate(t("State", "Enumeration", "Destroyed"), t("UniqueIdentifier", "TextString", key)) == []


def test_destroy_remove_of_activated_key_is_denied(kmip):
    key = kmip.create(active=False)
    kmip.ok(s("Activate", uid(key)))
    assert kmip.fail(destroy(key, remove=True)) == "Wrong_Key_Lifecycle_State: DENIED"


def test_unknown_ids_are_object_or_item_not_found(kmip):
    assert kmip.fail(s("Get", uid("nope"))) == "Object_Not_Found: object not found for identifier nope"
    assert kmip.fail(revoke("nope")) == "Item_Not_Found: nope"
    assert kmip.fail(destroy("nope")) == "Item_Not_Found: nope"
    assert kmip.fail(s("Activate", uid("nope"))) == "Object_Not_Found: object not found for identifier nope"


def test_missing_unique_identifier_is_the_placeholder_error(kmip):
    assert kmip.fail(s("Get")) == "This KMIP server does not yet support place holder id"


def test_tag_query_revokes_and_destroys_every_match_and_echoes_the_query(kmip):
    keys = [kmip.create(tags=("fleet", f"k{i}")) for i in range(3)]
    other = kmip.create(tags=("other",))
    query = '["fleet"]'
    assert first(kmip.ok(revoke(query)), "UniqueIdentifier") == query
    assert [kmip.state(k) for k in keys] == ["Deactivated"] * 3
    assert kmip.state(other) == "Active"
    kmip.ok(destroy(query))
    assert [kmip.state(k) for k in keys] == ["Destroyed"] * 3
    assert (
        kmip.fail(s("Get", uid('["nothing-has-this"]')))
        == 'Object_Not_Found: object not found for identifier ["nothing-has-this"]'
    )


def test_cascade_revokes_and_destroys_both_keys_of_a_pair(kmip):
    sk, pk = kmip.create_pair("EC", curve="P256")
    kmip.ok(revoke(sk, cascade=True))
    assert (kmip.state(sk), kmip.state(pk)) == ("Deactivated", "Deactivated")
    kmip.ok(destroy(sk, cascade=True))
    assert (kmip.state(sk), kmip.state(pk)) == ("Destroyed", "Destroyed")


def test_without_cascade_only_the_target_key_changes(kmip):
    sk, pk = kmip.create_pair("Ed25519")
    kmip.ok(revoke(sk))
    assert (kmip.state(sk), kmip.state(pk)) == ("Deactivated", "Active")


def test_future_activation_date_becomes_active_when_due(kmip):
    soon = (datetime.now(UTC) + timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    key = kmip.create(active=False, extra=(t("ActivationDate", "DateTime", soon),))
    assert kmip.state(key) == "PreActive"
    time.sleep(3)
    assert kmip.state(key) == "Active"
    assert key in kmip.locate(t("State", "Enumeration", "Active"), t("UniqueIdentifier", "TextString", key))


def test_past_deactivation_date_makes_an_active_key_deactivated(kmip):
    past = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    key = kmip.create(extra=(t("DeactivationDate", "DateTime", past),))
    assert kmip.state(key) == "Deactivated"
    assert kmip.fail(s("Get", uid(key))) == "Wrong_Key_Lifecycle_State: DENIED"


def test_state_survives_a_restart(tmp_path):
    sb = start_sandbox(tmp_path / "a")
    try:
        k = Kmip(sb.url)
        key = k.create(tags=("persist",))
        k.ok(revoke(key))
        k.close()
    finally:
        sb.stop()
    sb = start_sandbox(tmp_path / "b", db=sb.db)
    try:
        k = Kmip(sb.url)
        assert k.state(key) == "Deactivated"
        assert k.locate(tag_attr("persist")) == [key]
        k.close()
    finally:
        sb.stop()


def test_create_refuses_bad_lengths_and_algorithms_without_storing_anything(kmip):
    before = find(kmip.ok(s("Locate", s("Attributes"))), "UniqueIdentifier")
    assert "length" in kmip.fail(aes(0))
    body = aes()
    body["value"][1]["value"][0]["value"] = "Blowfish"
    assert "Blowfish" in kmip.fail(body)
    assert find(kmip.ok(s("Locate", s("Attributes"))), "UniqueIdentifier") == before
