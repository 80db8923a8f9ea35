"""Authentication and ownership against real sandboxes: JWT (JWKS over HTTP, and a real IdP),
API token, TLS client certificates; grants and the access REST endpoints."""

from __future__ import annotations

import os
import ssl

import httpx
import pytest

from tests.server.kmip import Kmip, aes, destroy, first, revoke, s, t, uid
from tests.server.pki import JwtIssuer, Pki, b64_token
from tests.support.idp import start_mock_idp
from tests.support.sandbox import start_sandbox

ALICE, BOB = "alice@example.com", "bob@example.com"


@pytest.fixture(scope="module")
def issuer():
    iss = JwtIssuer()
    iss.add_key("rsa-1", "RS256")
    iss.add_key("ec-1", "ES256")
    yield iss
    iss.close()


@pytest.fixture(scope="module")
def jwt_sandbox(issuer, tmp_path_factory):
    toml = f'[idp_auth]\njwt_auth_provider = ["{issuer.issuer},{issuer.url}/jwks,kms"]\n'
    sb = start_sandbox(tmp_path_factory.mktemp("jwt"), config_toml=toml)
    yield sb
    sb.stop()


def _as(sb, token: str | None) -> Kmip:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Kmip(sb.url, headers=headers)


def test_without_credentials_everything_but_version_and_health_is_401(jwt_sandbox):
    anon = _as(jwt_sandbox, None)
    assert anon.http.get("/version").status_code == 200
    assert anon.http.get("/health").json()["status"] == "UP"
    for r in (anon.post(aes()), anon.http.get("/me"), anon.http.get("/server-info"), anon.http.get("/access/owned")):
        assert (r.status_code, r.text) == (401, "No authentication provided.")


def test_jwt_user_is_the_email_claim(jwt_sandbox, issuer):
    assert _as(jwt_sandbox, issuer.token(ALICE)).http.get("/me").json() == {"user": ALICE}
    assert _as(jwt_sandbox, issuer.token(BOB, kid="ec-1")).http.get("/me").json() == {"user": BOB}


@pytest.mark.parametrize(
    "case",
    [
        "expired",
        "wrong_issuer",
        "no_email",
        "no_sub",
        "wrong_audience",
        "hs256",
        "unknown_kid",
        "garbage",
        "basic_scheme",
        "lowercase_scheme",
    ],
)
def test_every_bad_token_is_401(jwt_sandbox, issuer, case):
    tokens = {
        "expired": lambda: issuer.token(ALICE, ttl=-120),  # beyond jsonwebtoken's 60 s leeway
        "wrong_issuer": lambda: issuer.token(ALICE, iss="https://evil.example/"),
        "no_email": lambda: issuer.token(None),
        "no_sub": lambda: issuer.token(ALICE, sub=None),
        "wrong_audience": lambda: issuer.token(ALICE, aud="other"),
        "hs256": lambda: issuer.token(ALICE, secret=b"k" * 32),
        "unknown_kid": lambda: issuer.token(ALICE, extra_headers={"kid": "nope"}),
        "garbage": lambda: "not.a.jwt",
    }
    if case in ("basic_scheme", "lowercase_scheme"):
        scheme = "Basic " if case == "basic_scheme" else "bearer "  # JWTs need the literal `Bearer`
        client = Kmip(jwt_sandbox.url, headers={"Authorization": scheme + issuer.token(ALICE)})
    else:
        client = _as(jwt_sandbox, tokens[case]())
    r = client.http.get("/me")
    assert (r.status_code, r.text) == (401, "No authentication provided.")


def test_a_key_added_to_the_jwks_after_startup_is_fetched_on_first_use(issuer, tmp_path):
    # A sandbox of its own: the JWKS is downloaded again at most once a minute (Cosmian's
    # JwksManager), so the first use must be the first download.
    toml = f'[idp_auth]\njwt_auth_provider = ["{issuer.issuer},{issuer.url}/jwks,kms"]\n'
    sb = start_sandbox(tmp_path, config_toml=toml)
    try:
        kid = "rotated-" + os.urandom(3).hex()
        issuer.add_key(kid, "RS256")
        assert _as(sb, issuer.token(ALICE, kid=kid)).http.get("/me").json() == {"user": ALICE}
    finally:
        sb.stop()


def test_objects_of_another_user_look_absent_until_granted(jwt_sandbox, issuer):
    alice, bob = _as(jwt_sandbox, issuer.token(ALICE)), _as(jwt_sandbox, issuer.token(BOB))
    key = alice.create(tags=("shared-" + os.urandom(3).hex(),))
    assert bob.fail(s("Get", uid(key))) == f"Object_Not_Found: object not found for identifier {key}"
    assert bob.fail(s("GetAttributes", uid(key))).startswith("Object_Not_Found")
    assert bob.fail(revoke(key)) == f"Item_Not_Found: {key}"
    assert key not in bob.locate()
    # bob cannot manage alice's grants
    r = bob.http.post("/access/grant", json={"unique_identifier": key, "user_id": BOB, "operation_types": ["get"]})
    assert (r.status_code, r.text) == (401, f"Access denied: Object with uid `{key}` is not owned by owner `{BOB}`")
    r = alice.http.post("/access/grant", json={"unique_identifier": key, "user_id": BOB, "operation_types": ["get"]})
    assert r.json() == {"success": f"Access for {BOB} successfully added"}
    assert first(bob.ok(s("Get", uid(key))), "UniqueIdentifier") == key
    assert key in bob.locate()
    assert bob.fail(destroy(key)) == f"Item_Not_Found: {key}"  # a get grant is not a destroy grant
    assert bob.fail(revoke(key)) == f"Item_Not_Found: {key}"
    obtained = bob.http.get("/access/obtained").json()
    assert {"object_id": key, "owner_id": ALICE, "state": "Active", "operations": ["get"]} in obtained
    assert alice.http.get(f"/access/list/{key}").json() == [{"user_id": BOB, "operations": ["get"]}]
    assert bob.http.get(f"/access/list/{key}").status_code == 401
    owned = {o["object_id"]: o for o in alice.http.get("/access/owned").json()}
    assert owned[key]["state"] == "Active" and owned[key]["attributes"]["CryptographicAlgorithm"] == "AES"
    r = alice.http.post("/access/revoke", json={"unique_identifier": key, "user_id": BOB, "operation_types": ["get"]})
    assert r.json() == {"success": f"Access for {BOB} successfully deleted"}
    assert bob.fail(s("Get", uid(key))).startswith("Object_Not_Found")


def test_revoke_and_destroy_grants_allow_exactly_that(jwt_sandbox, issuer):
    alice, bob = _as(jwt_sandbox, issuer.token(ALICE)), _as(jwt_sandbox, issuer.token(BOB))
    key = alice.create()
    alice.http.post(
        "/access/grant", json={"unique_identifier": key, "user_id": BOB, "operation_types": ["revoke", "destroy"]}
    )
    assert bob.fail(s("Get", uid(key))).startswith("Object_Not_Found")
    bob.ok(revoke(key))
    bob.ok(destroy(key))
    assert alice.state(key) == "Destroyed"


def test_grants_to_everyone_apply_but_do_not_show_in_locate(jwt_sandbox, issuer):
    alice, bob = _as(jwt_sandbox, issuer.token(ALICE)), _as(jwt_sandbox, issuer.token(BOB))
    key = alice.create()
    alice.http.post("/access/grant", json={"unique_identifier": key, "user_id": "*", "operation_types": ["get"]})
    assert first(bob.ok(s("Get", uid(key))), "UniqueIdentifier") == key
    assert key not in bob.locate()


def test_access_body_errors_and_self_grant(jwt_sandbox, issuer):
    alice = _as(jwt_sandbox, issuer.token(ALICE))
    key = alice.create()
    r = alice.http.post("/access/grant", content=b"{not json")
    assert r.status_code == 400
    r = alice.http.post("/access/grant", json={"unique_identifier": key, "user_id": BOB, "operation_types": ["fly"]})
    assert r.status_code == 400 and "fly" in r.text
    r = alice.http.post("/access/grant", json={"unique_identifier": key, "user_id": ALICE, "operation_types": ["get"]})
    assert r.status_code == 401 and "grant yourself" in r.text


def test_real_idp_token_is_accepted(tmp_path):
    idp = start_mock_idp(tmp_path / "idp", email="carol@example.com")
    sb = None
    try:
        toml = f'[idp_auth]\njwt_auth_provider = ["{idp.issuer},{idp.discovery["jwks_uri"]}"]\n'
        sb = start_sandbox(tmp_path / "sb", config_toml=toml)
        token = httpx.post(
            idp.discovery["token_endpoint"],
            data={
                "grant_type": "password",
                "username": "carol",
                "password": "pw",
                "client_id": "kms-tui",
                "scope": "openid",
            },
        ).json()["access_token"]
        client = _as(sb, token)
        assert client.http.get("/me").json() == {"user": "carol@example.com"}
        assert client.create()
    finally:
        if sb:
            sb.stop()
        idp.stop()


def test_privileged_users_restrict_create(tmp_path, issuer):
    toml = f'privileged_users = ["{ALICE}"]\n[idp_auth]\njwt_auth_provider = ["{issuer.issuer},{issuer.url}/jwks"]\n'
    sb = start_sandbox(tmp_path, config_toml=toml)
    try:
        alice, bob = _as(sb, issuer.token(ALICE)), _as(sb, issuer.token(BOB))
        assert bob.fail(aes(), status=401) == "Access denied: User does not have create access-right."
        assert bob.http.get("/access/create").json() == {"has_create_permission": False}
        assert alice.http.get("/access/privileged").json() == {"has_privileged_access": True}
        r = alice.http.post("/access/grant", json={"user_id": BOB, "operation_types": ["create"]})
        assert r.status_code == 200
        assert bob.create()
        batch = bob.http.get("/access/create").json()
        assert batch == {"has_create_permission": True}
    finally:
        sb.stop()


def test_api_token_authenticates_as_the_default_user(tmp_path):
    secret = os.urandom(32)
    db = tmp_path / "db.sqlite"
    sb = start_sandbox(tmp_path / "seed", db=db)
    try:
        block = s(
            "KeyBlock",
            t("KeyFormatType", "Enumeration", "Raw"),
            s("KeyValue", t("KeyMaterial", "ByteString", secret.hex())),
        )
        Kmip(sb.url).ok(
            s(
                "Import",
                uid("api-token"),
                t("ObjectType", "Enumeration", "SymmetricKey"),
                s("Attributes", t("ActivationDate", "DateTime", "2024-01-01T00:00:00Z")),
                s("SymmetricKey", block),
            )
        )
    finally:
        sb.stop()
    sb = start_sandbox(
        tmp_path / "run", db=db, config_toml='default_username = "ops"\n[http]\napi_token_id = "api-token"\n'
    )
    try:
        assert _as(sb, b64_token(secret)).http.get("/me").json() == {"user": "ops"}
        upper = Kmip(sb.url, headers={"Authorization": "bearer " + b64_token(secret).upper()})
        assert upper.http.get("/me").json() == {"user": "ops"}  # compared lower-cased, scheme case-insensitive
        assert _as(sb, b64_token(os.urandom(32))).http.get("/me").status_code == 401
        assert _as(sb, None).http.get("/me").status_code == 401
    finally:
        sb.stop()


def _tls_client(sb, pki: Pki, cert: tuple | None) -> Kmip:
    ctx = ssl.create_default_context(cafile=str(pki.ca_file))
    if cert:
        ctx.load_cert_chain(str(cert[0]), str(cert[1]))
    return Kmip(sb.url, verify=ctx)


def test_mutual_tls_user_is_the_certificate_cn(tmp_path):
    pki = Pki(tmp_path / "pki")
    server = pki.issue("kms.test", server=True)
    toml = (
        f'default_username = "nobody"\n[tls]\ntls_cert_file = "{server[0]}"\ntls_key_file = "{server[1]}"\n'
        f'clients_ca_cert_file = "{pki.ca_file}"\n'
    )
    sb = start_sandbox(tmp_path / "sb", config_toml=toml)
    try:
        assert sb.url.startswith("https://127.0.0.1:")
        owner, user = _tls_client(sb, pki, pki.issue("owner@acme")), _tls_client(sb, pki, pki.issue("user@acme"))
        assert owner.http.get("/me").json() == {"user": "owner@acme"}
        key = owner.create()
        assert user.fail(s("Get", uid(key))).startswith("Object_Not_Found")
        anon = _tls_client(sb, pki, None)
        assert (anon.http.get("/me").status_code, anon.http.get("/me").text) == (401, "No authentication provided.")
        rogue = Pki(tmp_path / "rogue", "Rogue CA")
        stranger = _tls_client(sb, pki, rogue.issue("owner@acme"))
        with pytest.raises(httpx.HTTPError):  # a certificate from another CA fails the handshake
            stranger.http.get("/me")
        assert owner.http.get("/me").status_code == 200  # and the server is still fine
    finally:
        sb.stop()


def test_server_tls_without_client_ca_uses_the_default_user(tmp_path):
    pki = Pki(tmp_path / "pki")
    server = pki.issue("kms.test", server=True)
    sb = start_sandbox(
        tmp_path / "sb", config_toml=f'[http]\ntls_cert_file = "{server[0]}"\ntls_key_file = "{server[1]}"\n'
    )
    try:
        assert _tls_client(sb, pki, None).http.get("/me").json() == {"user": "admin"}
    finally:
        sb.stop()
