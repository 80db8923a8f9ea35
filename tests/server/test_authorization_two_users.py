"""Authorization as Cosmian 5.26 checks it, with two real users on one sandbox: the owner over
mutual TLS and another user over JWT. Every operation either finds the object (the owner, or
the right Cosmian checks) or answers as if it did not exist; nothing the other user sends —
tag arrays, batches, Certify or Import naming the id — changes or reveals the owner's object
beyond what Cosmian itself allows (those allowances are asserted here and listed in
docs/fidelity.md). Rust sources: crate/server/src/core/retrieve_object_utils.rs
(retrieve_object_for_operation, user_has_permission), crate/server/src/core/kms/permissions.rs
(user_can_perform_operation), crate/server/src/core/operations/{revoke,destroy,import}.rs,
crate/server/src/core/operations/certify/{resolve_subject,certify_op}.rs."""

from __future__ import annotations

import json
import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.server.certify_kms import _csr, _csr_value, link, subject
from tests.server.kmip import destroy, find, first, revoke, s, t, tag_attr, uid
from tests.server.pki import JwtIssuer
from tests.server.two_users import JWT_USER, start_two_users


@pytest.fixture(scope="module")
def issuer():
    iss = JwtIssuer()
    iss.add_key("rsa-1", "RS256")
    yield iss
    iss.close()


@pytest.fixture(scope="module")
def users(issuer, tmp_path_factory):
    tu = start_two_users(tmp_path_factory.mktemp("authz"), issuer)
    yield tu
    tu.stop()


def _grant(owner, key: str, *ops: str) -> None:
    r = owner.http.post(
        "/access/grant", json={"unique_identifier": key, "user_id": JWT_USER, "operation_types": list(ops)}
    )
    assert r.status_code == 200, r.text


def _material(client, key: str) -> str:
    return first(client.ok(s("Get", uid(key))), "KeyMaterial") or first(client.ok(s("Get", uid(key))), "Key")


def _requests(key: str) -> dict[str, dict]:
    """One request per operation that names an object, all aimed at ``key``."""
    return {
        "Get": s("Get", uid(key)),
        "Export": s("Export", uid(key)),
        "GetAttributes": s("GetAttributes", uid(key)),
        "GetAttributeList": s("GetAttributeList", uid(key)),
        "Activate": s("Activate", uid(key)),
        "SetAttribute": s("SetAttribute", uid(key), s("NewAttribute", t("Comment", "TextString", "mine now"))),
        "AddAttribute": s(
            "AddAttribute",
            uid(key),
            s(
                "NewAttribute",
                s(
                    "Name",
                    t("NameValue", "TextString", "stolen"),
                    t("NameType", "Enumeration", "UninterpretedTextString"),
                ),
            ),
        ),
        "ModifyAttribute": s(
            "ModifyAttribute", uid(key), s("NewAttribute", t("ActivationDate", "DateTime", "2030-01-01T00:00:00Z"))
        ),
        "DeleteAttribute": s(
            "DeleteAttribute", uid(key), s("CurrentAttribute", t("ActivationDate", "DateTime", "2024-01-01T00:00:00Z"))
        ),
        "Revoke": revoke(key),
        "Destroy": destroy(key, remove=True),
    }


OBJECT_NOT_FOUND = (
    "Get",
    "Export",
    "GetAttributes",
    "GetAttributeList",
    "Activate",
    "SetAttribute",
    "AddAttribute",
    "ModifyAttribute",
    "DeleteAttribute",
)


def _expected(op: str, key: str) -> str:
    # retrieve_object_for_operation: Object_Not_Found; revoke.rs / destroy.rs: Item_Not_Found
    if op in OBJECT_NOT_FOUND:
        return f"Object_Not_Found: object not found for identifier {key}"
    return f"Item_Not_Found: {key}"


@pytest.mark.parametrize("by_tags", [False, True], ids=["by-id", "by-tag-array"])
def test_without_a_grant_every_operation_answers_as_if_the_object_did_not_exist(users, by_tags):
    owner, bob = users.tls(), users.jwt()
    tag = "secret-" + os.urandom(4).hex()
    key = owner.create(tags=(tag,))
    before = owner.attributes(key)
    name = json.dumps([tag]) if by_tags else key
    for op, body in _requests(name).items():
        assert bob.fail(body) == _expected(op, name), op
    assert key not in bob.locate() and bob.locate(tag_attr(tag)) == []
    assert owner.attributes(key) == before and owner.state(key) == "Active"


def test_a_batch_is_no_way_round_it(users):
    owner, bob = users.tls(), users.jwt()
    key = owner.create()
    items = [
        s("BatchItem", t("Operation", "Enumeration", op), s("RequestPayload", *body["value"]))
        for op, body in _requests(key).items()
    ]
    header = s(
        "RequestHeader",
        s("ProtocolVersion", t("ProtocolVersionMajor", "Integer", 2), t("ProtocolVersionMinor", "Integer", 1)),
        t("BatchCount", "Integer", len(items)),
    )
    response = bob.ok(s("RequestMessage", header, *items))
    results = [c for c in response["value"] if c["tag"] == "BatchItem"]
    assert [first(r, "ResultStatus") for r in results] == ["OperationFailed"] * len(items)
    # message.rs: a Kmip21Error item carries its reason and the message without the prefix
    reasons = {first(r, "Operation"): (first(r, "ResultReason"), first(r, "ResultMessage")) for r in results}
    for op in _requests(key):
        reason, message = _expected(op, key).split(": ", 1)
        assert reasons[op] == (reason, message), op
    assert owner.state(key) == "Active"


def test_a_get_grant_stands_for_every_operation_but_revoke_and_destroy(users):
    # user_has_permission: `permissions.contains(op) || permissions.contains(&Get)` (non-HSM);
    # Revoke/Destroy use user_can_perform_operation: the exact grant only.
    owner, bob = users.tls(), users.jwt()
    key = owner.create()
    _grant(owner, key, "get")
    assert bob.fail(revoke(key)) == f"Item_Not_Found: {key}"
    assert bob.fail(destroy(key)) == f"Item_Not_Found: {key}"
    bob.ok(s("Export", uid(key)))
    bob.ok(_requests(key)["SetAttribute"])  # Cosmian allows it: documented in docs/fidelity.md
    assert first(owner.attributes(key, "Comment"), "Comment") == "mine now"
    assert owner.state(key) == "Active"


def test_any_grant_allows_get_attributes_and_nothing_else(users):
    # user_has_permission: GetAttributes `&& !permissions.is_empty()`
    owner, bob = users.tls(), users.jwt()
    key = owner.create()
    _grant(owner, key, "encrypt")
    assert first(bob.attributes(key, "State"), "State") == "Active"
    for op in ("Get", "Export", "SetAttribute", "Activate"):
        assert bob.fail(_requests(key)[op]) == _expected(op, key), op
    assert bob.fail(revoke(key)) == f"Item_Not_Found: {key}"


def test_revoke_and_destroy_grants_allow_exactly_that(users):
    owner, bob = users.tls(), users.jwt()
    key = owner.create()
    _grant(owner, key, "revoke")
    assert bob.fail(s("Get", uid(key))) == _expected("Get", key)
    assert bob.fail(destroy(key)) == f"Item_Not_Found: {key}"
    bob.ok(revoke(key))
    assert owner.state(key) == "Deactivated"
    _grant(owner, key, "destroy")
    bob.ok(destroy(key))
    assert owner.state(key) == "Destroyed"


def test_import_cannot_replace_another_users_object(users):
    # import.rs: ReplaceExisting on an object the caller does not own -> 401 with this text
    owner, bob = users.tls(), users.jwt()
    key = owner.create()
    material = _material(owner, key)
    block = s(
        "KeyBlock",
        t("KeyFormatType", "Enumeration", "Raw"),
        s("KeyValue", t("KeyMaterial", "ByteString", os.urandom(32).hex())),
    )
    body = s(
        "Import",
        uid(key),
        t("ObjectType", "Enumeration", "SymmetricKey"),
        t("ReplaceExisting", "Boolean", True),
        s("Attributes"),
        s("SymmetricKey", block),
    )
    assert (
        bob.fail(body, status=401)
        == f"Access denied: User '{JWT_USER}' does not own object '{key}' and cannot replace it"
    )
    no_replace = s(
        "Import", uid(key), t("ObjectType", "Enumeration", "SymmetricKey"), s("Attributes"), s("SymmetricKey", block)
    )
    assert "already exist" in bob.fail(no_replace)  # as Cosmian: the id is taken (Database Error)
    assert _material(owner, key) == material


def _ca(client, cn: str) -> str:
    """A self-signed CA certificate owned by ``client``."""
    _, pk = client.create_pair("ECDSA", curve="P256")
    return first(client.ok(s("Certify", uid(pk), s("Attributes", subject(cn)))), "UniqueIdentifier")


def _der(client, cert_id: str) -> str:
    return first(client.ok(s("Get", uid(cert_id))), "CertificateValue")


def test_certify_of_another_users_public_key_needs_a_right_on_it(users):
    owner, bob = users.tls(), users.jwt()
    _, pk = owner.create_pair("ECDSA", curve="P256")
    bob_ca = _ca(bob, "bob's CA")
    request = s("Certify", uid(pk), s("Attributes", subject("stolen.example"), link("CertificateLink", bob_ca)))
    # resolve_subject.rs: the subject is not found for this user -> KmsError::ItemNotFound
    assert bob.fail(request) == f"Item not found: {pk}"
    assert "CertificateLink" not in json.dumps(owner.attributes(pk, "Link"))
    # With a `get` grant Cosmian lets the Certify through (get stands for certify) and its
    # UpdateObject rewrites the public key's CertificateLink: the sandbox does the same.
    _grant(owner, pk, "get")
    cert_id = first(bob.ok(request), "UniqueIdentifier")
    links = {
        first(n, "LinkType"): first(n, "LinkedObjectIdentifier")
        for n in owner.attributes(pk, "Link")["value"][1]["value"]
        if n["tag"] == "Link"
    }
    assert links["CertificateLink"] == cert_id


def test_renewing_another_users_certificate_in_place_leaves_it_as_it_was(users):
    # certify_op.rs: the renewed certificate is upserted; query.sql upsert-object updates only
    # `WHERE objects.owner = <caller>`, so another user's certificate is not replaced (200).
    owner, bob = users.tls(), users.jwt()
    sk, pk = owner.create_pair("ECDSA", curve="P256")
    cert_id = first(
        owner.ok(s("Certify", uid(pk), s("Attributes", subject("owner's certificate")))), "UniqueIdentifier"
    )
    der = _der(owner, cert_id)
    assert bob.fail(s("Certify", uid(cert_id))) == f"Item not found: {cert_id}"
    _grant(owner, cert_id, "get")
    _grant(owner, sk, "get")  # the self-signed renewal signs with the certificate's private key
    assert first(bob.ok(s("Certify", uid(cert_id))), "UniqueIdentifier") == cert_id
    assert _der(owner, cert_id) == der
    assert first(owner.ok(s("Certify", uid(cert_id))), "UniqueIdentifier") == cert_id  # the owner renews it
    assert _der(owner, cert_id) != der


def test_certify_naming_another_users_id_for_the_new_certificate_changes_nothing(users):
    owner, bob = users.tls(), users.jwt()
    key = owner.create()
    material = _material(owner, key)
    bob_ca = _ca(bob, "bob's CA 2")
    csr = _csr("csr.example", ec.generate_private_key(ec.SECP256R1()))
    body = s(
        "Certify",
        t("CertificateRequestType", "Enumeration", "PEM"),
        _csr_value(csr, serialization.Encoding.PEM),
        s("Attributes", t("UniqueIdentifier", "TextString", key), link("CertificateLink", bob_ca)),
    )
    assert first(bob.ok(body), "UniqueIdentifier") == key  # Cosmian answers 200 (upsert WHERE owner)
    assert first(owner.ok(s("Get", uid(key))), "ObjectType") == "SymmetricKey"
    assert _material(owner, key) == material
    assert bob.fail(s("Get", uid(key))) == _expected("Get", key)  # and bob got nothing under that id


def test_objects_of_either_user_stay_apart_in_locate_and_owned(users):
    owner, bob = users.tls(), users.jwt()
    mine, theirs = owner.create(), bob.create()
    assert mine not in bob.locate() and theirs not in owner.locate()
    owned_ids = {o["object_id"] for o in bob.http.get("/access/owned").json()}
    assert theirs in owned_ids and mine not in owned_ids
    assert find(bob.http.get("/access/obtained").json(), "object_id") == []
