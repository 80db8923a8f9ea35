"""Revoke, Destroy and Activate as Cosmian 5.26 does them: cascades to the other key of a pair
with its failure propagated (`crate/server/src/core/operations/revoke.rs:
recursively_revoke_key`, `destroy.rs: recursively_destroy_object`), Destroyed objects,
ExpectedObjectType, Remove, and `activate.rs: activate`."""

from __future__ import annotations

from tests.server.kmip import destroy, first, revoke, s, t, uid


def _pair(kmip, *, active: bool = True) -> tuple[str, str]:
    return kmip.create_pair("Ed25519", active=active)


# -- Revoke --------------------------------------------------------------------------------------


def test_revoke_of_a_destroyed_key_succeeds_without_a_change(kmip):
    # revoke.rs (AKLC-M-2-21): Destroyed / Destroyed_Compromised count as revoked, no transition
    key = kmip.create(active=False)
    kmip.ok(destroy(key))
    assert first(kmip.ok(revoke(key, "KeyCompromise")), "UniqueIdentifier") == key
    assert kmip.state(key) == "Destroyed"


def test_cascade_revoke_fails_when_the_other_key_cannot_be_revoked(kmip):
    # the partner is revoked first; Compromised is skipped → Item_Not_Found naming the partner
    sk, pk = _pair(kmip)
    kmip.ok(revoke(pk, "KeyCompromise"))
    assert kmip.fail(revoke(sk, cascade=True)) == f"Item_Not_Found: {pk}"
    assert kmip.state(sk) == "Active"  # nothing revoked
    assert kmip.state(pk) == "Compromised"


def test_cascade_revoke_fails_when_the_other_key_is_gone(kmip):
    sk, pk = _pair(kmip)
    kmip.ok(revoke(pk))
    kmip.ok(destroy(pk, remove=True))
    assert kmip.fail(revoke(sk, cascade=True)) == f"Item_Not_Found: {pk}"
    assert kmip.state(sk) == "Active"
    assert first(kmip.ok(revoke(sk)), "UniqueIdentifier") == sk  # without Cascade it works


def test_cascade_revoke_reaches_both_keys(kmip):
    sk, pk = _pair(kmip)
    kmip.ok(revoke(pk, cascade=True))
    assert (kmip.state(sk), kmip.state(pk)) == ("Deactivated", "Deactivated")


def test_an_already_deactivated_key_does_not_cascade(kmip):
    # Deactivated + a non-compromise reason is a counted no-op: the partner is not visited
    sk, pk = _pair(kmip)
    kmip.ok(revoke(sk))
    kmip.ok(revoke(sk, cascade=True))
    assert kmip.state(pk) == "Active"
    kmip.ok(revoke(sk, "KeyCompromise", cascade=True))  # a compromise does move on, and cascades
    assert (kmip.state(sk), kmip.state(pk)) == ("Compromised", "Compromised")


def test_revoke_of_a_compromised_key_is_item_not_found(kmip):
    key = kmip.create()
    kmip.ok(revoke(key, "CACompromise"))
    assert kmip.fail(revoke(key)) == f"Item_Not_Found: {key}"


# -- Destroy -------------------------------------------------------------------------------------


def test_cascade_destroy_of_a_private_key_fails_when_its_public_key_is_gone(kmip):
    # destroy.rs: the public key is destroyed first and its failure propagates
    sk, pk = _pair(kmip, active=False)
    kmip.ok(destroy(pk, remove=True))
    assert kmip.fail(destroy(sk, cascade=True)) == f"Item_Not_Found: {pk}"
    assert kmip.state(sk) == "PreActive"


def test_cascade_destroy_of_a_private_key_stops_at_an_active_public_key(kmip):
    sk, pk = _pair(kmip)
    kmip.ok(revoke(sk))
    assert kmip.fail(destroy(sk, cascade=True)) == "Wrong_Key_Lifecycle_State: DENIED"
    assert (kmip.state(sk), kmip.state(pk)) == ("Deactivated", "Active")


def test_cascade_destroy_of_a_public_key_ignores_the_private_key_s_failure(kmip):
    # "Try to destroy the linked private key, but don't fail if it's not allowed"
    sk, pk = _pair(kmip)
    kmip.ok(revoke(pk))
    kmip.ok(destroy(pk, cascade=True))
    assert (kmip.state(sk), kmip.state(pk)) == ("Active", "Destroyed")


def test_cascade_destroy_reaches_both_keys(kmip):
    sk, pk = _pair(kmip, active=False)
    kmip.ok(destroy(sk, cascade=True))
    assert (kmip.state(sk), kmip.state(pk)) == ("Destroyed", "Destroyed")


def test_expected_object_type_only_guards_hsm_keys(kmip):
    key = kmip.create(active=False)
    kmip.ok(s("Destroy", uid(key), t("ExpectedObjectType", "Enumeration", "PrivateKey")))
    assert kmip.state(key) == "Destroyed"


def test_a_destroyed_key_can_be_destroyed_again_a_certificate_cannot(kmip):
    key = kmip.create(active=False)
    kmip.ok(destroy(key))
    kmip.ok(destroy(key))
    _, pk = _pair(kmip)
    cert = first(kmip.ok(s("Certify", uid(pk), s("Attributes", _subject("again.example")))), "UniqueIdentifier")
    kmip.ok(destroy(cert))
    assert kmip.fail(destroy(cert)) == f"Item_Not_Found: {cert}"
    # the certificate keeps its DER but its attributes are reset (update_as_destroyed)
    got = kmip.attributes(cert, "State", "CertificateLength", "CertificateAttributes")
    assert first(got, "State") == "Destroyed" and first(got, "CertificateLength") > 0
    assert first(got, "CertificateSubjectCn") is None


def test_remove_deletes_the_object(kmip):
    key = kmip.create(active=False)
    kmip.ok(destroy(key, remove=True))
    assert kmip.fail(s("GetAttributes", uid(key))) == f"Object_Not_Found: object not found for identifier {key}"
    assert kmip.fail(destroy(key)) == f"Item_Not_Found: {key}"


def test_remove_of_an_active_key_needs_a_revoke_first(kmip):
    key = kmip.create()
    assert kmip.fail(destroy(key, remove=True)) == "Wrong_Key_Lifecycle_State: DENIED"


# -- Activate ------------------------------------------------------------------------------------


def test_activate_texts(kmip):
    key = kmip.create()
    assert (
        kmip.fail(s("Activate", uid(key)))
        == f"Wrong_Key_Lifecycle_State: Activate: Object {key} is already in Active state"
    )
    gone = kmip.create(active=False)
    kmip.ok(destroy(gone))
    assert kmip.fail(s("Activate", uid(gone))) == (
        f"Wrong_Key_Lifecycle_State: Activate: Object {gone} is in Destroyed state and cannot be activated"
    )
    opaque = first(
        kmip.ok(
            s(
                "Register",
                t("ObjectType", "Enumeration", "OpaqueObject"),
                s("Attributes"),
                s(
                    "OpaqueObject",
                    t("OpaqueDataType", "Enumeration", "Unknown"),
                    t("OpaqueDataValue", "ByteString", "00FF"),
                ),
            )
        ),
        "UniqueIdentifier",
    )
    assert kmip.fail(s("Activate", uid(opaque))) == (
        "Invalid_Object_Type: Activate: Object type OpaqueObject does not support activation operation"
    )


def _subject(cn: str) -> dict:
    fields = []
    for part in ("CertificateSubject", "CertificateIssuer"):
        for suffix in ("Cn", "O", "Ou", "Email", "C", "St", "L", "Uid", "SerialNumber", "Title", "Dc", "DnQualifier"):
            fields.append(t(part + suffix, "TextString", cn if part + suffix == "CertificateSubjectCn" else ""))
    return s("CertificateAttributes", *fields)
