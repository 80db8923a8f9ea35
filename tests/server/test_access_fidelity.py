"""The access-right routes (/access/grant, /revoke, /list, /obtained, /create, /privileged)
answer with Cosmian 5.26's statuses and bodies. Two real users: one over mutual TLS, one over
JWT. Each test names the Rust source it follows (Cosmian repository, tag 5.26.0)."""

from __future__ import annotations

import pytest

from tests.server.kmip import first, s, t, uid
from tests.server.pki import JwtIssuer
from tests.server.two_users import JWT_USER, ROOT, TLS_USER, start_two_users

CAROL = "carol@example.com"


@pytest.fixture(scope="module")
def issuer():
    iss = JwtIssuer()
    iss.add_key("rsa-1", "RS256")
    yield iss
    iss.close()


@pytest.fixture(scope="module")
def users(issuer, tmp_path_factory):
    tu = start_two_users(tmp_path_factory.mktemp("access"), issuer)
    yield tu
    tu.stop()


@pytest.fixture(scope="module")
def privileged(issuer, tmp_path_factory):
    """``privileged_users = [root@acme]``: the create right becomes a grant."""
    tu = start_two_users(tmp_path_factory.mktemp("priv"), issuer, extra_toml=f'privileged_users = ["{ROOT}"]\n')
    yield tu
    tu.stop()


def grant(client, body, path="/access/grant"):
    return client.http.post(path, json=body)


def test_a_grant_mixing_create_with_other_operations_reaches_the_key(users):
    # crate/server/src/core/kms/permissions.rs: grant_access takes `create` out of the list
    # (without privileged_users it is simply dropped) and grants the rest on the object.
    owner, bob = users.tls(), users.jwt()
    key = owner.create()
    r = grant(
        owner, {"unique_identifier": key, "user_id": JWT_USER, "operation_types": ["sign", "get", "create", "encrypt"]}
    )
    assert (r.status_code, r.json()) == (200, {"success": f"Access for {JWT_USER} successfully added"})
    assert first(bob.ok(s("Get", uid(key))), "UniqueIdentifier") == key
    # UserAccessResponse.operations is a BTreeSet<KmipOperation>: declaration order, not alphabetical
    assert owner.http.get(f"/access/list/{key}").json() == [
        {"user_id": JWT_USER, "operations": ["encrypt", "get", "sign"]}
    ]
    obtained = bob.http.get("/access/obtained").json()
    mine = [o for o in obtained if o["object_id"] == key]
    assert mine == [
        {"object_id": key, "owner_id": TLS_USER, "state": "Active", "operations": ["encrypt", "get", "sign"]}
    ]
    assert all(o["object_id"] != "*" for o in obtained)  # no create right stored without privileged_users


def test_revoking_some_operations_keeps_the_others_and_the_last_one_removes_the_row(users):
    # permissions.rs: revoke_access -> remove_operations (sqlite.rs: the row goes when empty)
    owner, bob = users.tls(), users.jwt()
    key = owner.create()
    grant(owner, {"unique_identifier": key, "user_id": JWT_USER, "operation_types": ["get", "destroy"]})
    r = grant(
        owner, {"unique_identifier": key, "user_id": JWT_USER, "operation_types": ["get", "create"]}, "/access/revoke"
    )
    assert (r.status_code, r.json()) == (200, {"success": f"Access for {JWT_USER} successfully deleted"})
    assert owner.http.get(f"/access/list/{key}").json() == [{"user_id": JWT_USER, "operations": ["destroy"]}]
    assert bob.fail(s("Get", uid(key))) == f"Object_Not_Found: object not found for identifier {key}"
    grant(owner, {"unique_identifier": key, "user_id": JWT_USER, "operation_types": ["destroy"]}, "/access/revoke")
    assert owner.http.get(f"/access/list/{key}").json() == []
    assert all(o["object_id"] != key for o in bob.http.get("/access/obtained").json())


@pytest.mark.parametrize("path", ["/access/grant", "/access/revoke"])
@pytest.mark.parametrize("missing", ["absent", "null"])
def test_a_grant_without_an_object_id_is_refused_as_a_place_holder(users, path, missing):
    # permissions.rs: `.ok_or(KmsError::UnsupportedPlaceholder)` -> 422 (routes/mod.rs status_code)
    owner = users.tls()
    body = {"user_id": JWT_USER, "operation_types": ["get"]}
    if missing == "null":
        body["unique_identifier"] = None
    r = grant(owner, body, path)
    assert (r.status_code, r.text) == (422, "This KMIP server does not yet support place holder id")


def test_a_grant_of_no_operation_or_only_create_needs_no_object(users):
    # permissions.rs: the object part runs only `if !updated_operations_types.is_empty()`
    owner = users.tls()
    for ops in ([], ["create"]):
        r = grant(owner, {"user_id": JWT_USER, "operation_types": ops})
        assert (r.status_code, r.json()) == (200, {"success": f"Access for {JWT_USER} successfully added"})


def test_a_numeric_object_id_is_a_server_error(users):
    # UniqueIdentifier::Integer -> `.as_str().context("unique_identifier is not a string")`
    # = KmsError::ServerError -> 500 with the generic body (routes/mod.rs error_response)
    r = grant(users.tls(), {"unique_identifier": 7, "user_id": JWT_USER, "operation_types": ["get"]})
    assert (r.status_code, r.text) == (500, "Internal server error")


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("/access/grant", "You can't grant yourself, you have already all rights on your own objects"),
        ("/access/revoke", "You cannot revoke yourself; you should keep all rights to your objects."),
    ],
)
def test_granting_or_revoking_yourself_is_a_401_with_cosmians_text(users, path, says):
    # permissions.rs: grant_access / revoke_access, `owner == access.user_id`
    owner = users.tls()
    key = owner.create()
    r = grant(owner, {"unique_identifier": key, "user_id": TLS_USER, "operation_types": ["get"]}, path)
    assert (r.status_code, r.text) == (401, f"Access denied: {says}")


def test_only_the_owner_manages_and_lists_grants(users):
    # permissions.rs: is_object_owned_by before anything else (grant, revoke, list_accesses)
    owner, bob = users.tls(), users.jwt()
    key = owner.create()
    denied = f"Access denied: Object with uid `{key}` is not owned by owner `{JWT_USER}`"
    for path in ("/access/grant", "/access/revoke"):
        r = grant(bob, {"unique_identifier": key, "user_id": CAROL, "operation_types": ["get"]}, path)
        assert (r.status_code, r.text) == (401, denied)
    r = bob.http.get(f"/access/list/{key}")
    assert (r.status_code, r.text) == (401, denied)
    # an id that does not exist answers the same (the owner check is one SQL lookup)
    r = owner.http.get("/access/list/no-such-object")
    assert (r.status_code, r.text) == (
        401,
        f"Access denied: Object with uid `no-such-object` is not owned by owner `{TLS_USER}`",
    )
    # bob granting himself on someone else's object: ownership is checked before self-grant
    r = grant(bob, {"unique_identifier": key, "user_id": JWT_USER, "operation_types": ["get"]})
    assert (r.status_code, r.text) == (401, denied)


@pytest.mark.parametrize(
    ("body", "content_type", "says"),
    [
        (
            b'{"unique_identifier":"k","user_id":"b","operation_types":["fly"]}',
            "application/json",
            "Json deserialize error: unknown variant `fly`, expected one of `create`, `certify`, `decrypt`, "
            "`derivekey`, `destroy`, `encrypt`, `export`, `get`, `getattributes`, `hash`, `import`, `locate`, "
            "`mac`, `revoke`, `rekey`, `sign`, `signatureverify`, `validate`, `setattribute`, `modifyattribute`, "
            "`addattribute`, `deleteattribute`, `activate` at line 1 column 63",
        ),
        (
            b'{"unique_identifier":"k","operation_types":["get"]}',
            "application/json",
            "Json deserialize error: missing field `user_id` at line 1 column 51",
        ),
        (
            b'{"user_id":"b"}',
            "application/json",
            "Json deserialize error: missing field `operation_types` at line 1 column 15",
        ),
        (
            b'{"user_id":5,"operation_types":[]}',
            "application/json",
            "Json deserialize error: invalid type: integer `5`, expected a string at line 1 column 12",
        ),
        (
            b'{"user_id":"b","operation_types":"get"}',
            "application/json",
            'Json deserialize error: invalid type: string "get", expected a sequence at line 1 column 38',
        ),
        (
            b'{"user_id":"b","user_id":"c","operation_types":[]}',
            "application/json",
            "Json deserialize error: duplicate field `user_id` at line 1 column 24",
        ),
        (
            b'{"user_id":"b","operation_types":["get",]}',
            "application/json",
            "Json deserialize error: trailing comma at line 1 column 41",
        ),
        (
            b'{"unique_identifier":1.5,"user_id":"b","operation_types":["get"]}',
            "application/json",
            "Json deserialize error: data did not match any variant of untagged enum UniqueIdentifier"
            " at line 1 column 24",
        ),
        (b'{"user_id":"b","operation_types":["get"]}', "text/plain", "Content type error"),
    ],
)
def test_bodies_serde_refuses_are_a_400_with_its_message(users, body, content_type, says):
    # start_kms_server.rs: JsonConfig error_handler -> 400 text/plain "<JsonPayloadError>"
    r = users.tls().http.post("/access/grant", content=body, headers={"Content-Type": content_type})
    assert (r.status_code, r.text) == (400, says)
    assert r.headers["content-type"].startswith("text/plain")


def test_a_grant_to_everyone_applies_to_every_user(users):
    # sqlite.rs list_user_operations_on_object: the user's grants plus those of `*`
    owner, bob = users.tls(), users.jwt()
    key = owner.create()
    assert grant(owner, {"unique_identifier": key, "user_id": "*", "operation_types": ["get"]}).status_code == 200
    assert first(bob.ok(s("Get", uid(key))), "UniqueIdentifier") == key
    assert key not in bob.locate()  # locate_query.rs joins read_access on the user only
    assert all(o["object_id"] != key for o in bob.http.get("/access/obtained").json())


def test_create_access_and_privileged_without_privileged_users(users):
    # routes/access.rs get_create_access / get_privileged_access
    for client in (users.tls(), users.jwt()):
        assert client.http.get("/access/create").json() == {"has_create_permission": True}
        assert client.http.get("/access/privileged").json() == {"has_privileged_access": False}


def test_only_privileged_users_grant_create_and_never_to_a_privileged_user(privileged):
    # permissions.rs grant_access: the two Unauthorized texts of the create branch
    owner, bob = privileged.tls(), privileged.jwt()
    r = grant(owner, {"user_id": CAROL, "operation_types": ["create"]})
    assert (r.status_code, r.text) == (
        401,
        "Access denied: Only privileged users can grant/revoke create access right to a user.",
    )
    root = privileged.tls(ROOT)
    r = grant(root, {"user_id": ROOT, "operation_types": ["create"]})
    assert (r.status_code, r.text) == (
        401,
        f"Access denied: User `{ROOT}` is a privileged user - create access right can't be granted or revoked.",
    )
    assert (
        bob.fail(s("Create", t("ObjectType", "Enumeration", "SymmetricKey"), s("Attributes")), status=401)
        == "Access denied: User does not have create access-right."
    )


def test_the_create_right_is_granted_with_the_other_operations_and_shows_as_object_star(privileged):
    # permissions.rs grant_access: `create` on "*", then the rest on the object;
    # query.sql select-objects-access-obtained: LEFT JOIN, COALESCE(owner,''), COALESCE(state,'Active')
    root, bob = privileged.tls(ROOT), privileged.jwt()
    key = root.create()
    r = grant(root, {"unique_identifier": key, "user_id": JWT_USER, "operation_types": ["create", "get"]})
    assert r.status_code == 200, r.text
    assert first(bob.ok(s("Get", uid(key))), "UniqueIdentifier") == key
    assert bob.http.get("/access/create").json() == {"has_create_permission": True}
    obtained = {o["object_id"]: o for o in bob.http.get("/access/obtained").json()}
    assert obtained["*"] == {"object_id": "*", "owner_id": "", "state": "Active", "operations": ["create"]}
    assert obtained[key]["operations"] == ["get"]
    assert bob.create()
    r = grant(root, {"user_id": JWT_USER, "operation_types": ["create"]}, "/access/revoke")
    assert r.status_code == 200, r.text
    assert bob.http.get("/access/create").json() == {"has_create_permission": False}
    assert "*" not in {o["object_id"] for o in bob.http.get("/access/obtained").json()}


def test_create_access_does_not_count_the_default_user_but_create_does(issuer, tmp_path):
    # routes/access.rs get_create_access checks privileged_users and the grant only;
    # permissions.rs enforce_create_permission also lets default_username create.
    tu = start_two_users(tmp_path, issuer, extra_toml=f'privileged_users = ["{ROOT}"]\n')
    try:
        nobody = tu.tls("nobody")  # the configured default_username, authenticated by certificate
        assert nobody.http.get("/access/create").json() == {"has_create_permission": False}
        assert nobody.create()
    finally:
        tu.stop()


def test_an_object_whose_id_is_star_is_not_opened_by_the_create_right(privileged):
    # Cosmian stores the create right as a grant on "*" (permissions.rs) and user_has_permission
    # lets ANY grant allow GetAttributes, so there a create-right holder sees an object named "*";
    # the sandbox keeps `create` out of object rights (docs/fidelity.md, Access rights).
    root, bob = privileged.tls(ROOT), privileged.jwt()
    grant(root, {"user_id": JWT_USER, "operation_types": ["create"]})
    star = root.ok(
        s(
            "Create",
            t("ObjectType", "Enumeration", "SymmetricKey"),
            s(
                "Attributes",
                t("CryptographicAlgorithm", "Enumeration", "AES"),
                t("CryptographicLength", "Integer", 256),
                t("UniqueIdentifier", "TextString", "*"),
            ),
        )
    )
    assert first(star, "UniqueIdentifier") == "*"
    assert bob.fail(s("GetAttributes", uid("*"))) == "Object_Not_Found: object not found for identifier *"
    assert bob.fail(s("Get", uid("*"))) == "Object_Not_Found: object not found for identifier *"
    assert "*" not in bob.locate()
    assert root.http.get("/access/list/*").json() == []  # the create rights are not grants on the object
