"""Authentication as Cosmian 5.26's middlewares do it, against a sandbox with mutual TLS and
JWT both configured: jsonwebtoken 10's validation as crate/server/src/middlewares/jwt/
jwt_config.rs sets it (exp with 60 s leeway, nbf and iat unchecked, typed claims), the JWKS
refreshed at most once a minute (jwks.rs), a kid whose key does not fit alg, and the client
certificate's first CN (tls_auth.rs). Every refusal is ensure_auth.rs's 401."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.server.kmip import Kmip
from tests.server.pki import JwtIssuer, _write_key
from tests.server.two_users import start_two_users
from tests.support.sandbox import start_sandbox

ALICE = "alice@example.com"
REFUSED = (401, "No authentication provided.")


@pytest.fixture(scope="module")
def issuer():
    iss = JwtIssuer()
    iss.add_key("rsa-1", "RS256")
    iss.add_key("ec-1", "ES256")
    yield iss
    iss.close()


@pytest.fixture(scope="module")
def users(issuer, tmp_path_factory):
    tu = start_two_users(tmp_path_factory.mktemp("authn"), issuer)
    yield tu
    tu.stop()


def signed(
    issuer: JwtIssuer, claims: dict, kid: str = "rsa-1", alg: str | None = None, key_of: str | None = None
) -> str:
    """A JWT with exactly these claims (iss/sub/aud/email filled in unless given)."""
    base = {"iss": issuer.issuer, "sub": "user", "aud": "kms", "email": ALICE, "exp": int(time.time()) + 600}
    key_alg, key = issuer.keys[key_of or kid]
    return jwt.encode({**base, **claims}, key, algorithm=alg or key_alg, headers={"kid": kid})


def me(users, token: str):
    r = users.jwt(token).http.get("/me")
    return (r.status_code, r.json() if r.status_code == 200 else r.text)


# Times are offsets from the moment the token is signed (not from collection: a loaded run may
# start this test minutes after collecting it).
NOW = object()


def _at_signing(claims: dict) -> dict:
    now = int(time.time())
    out = {}
    for key, value in claims.items():
        if isinstance(value, tuple) and value and value[0] is NOW:
            offset, kind = value[1], (value[2] if len(value) > 2 else int)
            out[key] = kind(now + offset) if kind is not float else float(now + offset) + 0.5
        else:
            out[key] = value
    return out


@pytest.mark.parametrize(
    ("claims", "accepted"),
    [
        ({"nbf": (NOW, 3600)}, True),  # validate_nbf is false in jsonwebtoken's Validation::new
        ({"iat": (NOW, 3600)}, True),  # iat is never validated
        ({"exp": (NOW, -30)}, True),  # within the default 60 s leeway
        ({"exp": (NOW, -120)}, False),
        ({"exp": (NOW, 600, float)}, False),  # UserClaim.exp: Option<usize>
        ({"exp": (NOW, 600, str)}, False),
        ({"nbf": "tomorrow"}, False),  # UserClaim.nbf: Option<usize>
        ({"email": 42}, False),  # UserClaim.email: Option<String>
        ({"jti": 7}, False),  # UserClaim.jti: Option<String>
        ({"aud": ["other", "kms"]}, True),  # any configured audience matches
        ({"aud": ["other"]}, False),
    ],
    ids=[
        "nbf-future",
        "iat-future",
        "exp-in-leeway",
        "exp-past-leeway",
        "exp-float",
        "exp-string",
        "nbf-string",
        "email-number",
        "jti-number",
        "aud-list-match",
        "aud-list-no-match",
    ],
)
def test_jwt_claims_are_checked_as_jsonwebtoken_does_for_cosmian(users, issuer, claims, accepted):
    expected = (200, {"user": ALICE}) if accepted else REFUSED
    assert me(users, signed(issuer, _at_signing(claims))) == expected


def test_a_valid_token_without_email_authenticates_nobody_and_an_empty_email_is_the_user_empty(users, issuer):
    # jwt_token_auth.rs handle_jwt: `Ok(None)` -> refused; `Ok(Some(email))` -> that user, even "".
    token = signed(issuer, {})
    payload = jwt.decode(token, options={"verify_signature": False})
    payload.pop("email")
    assert (
        me(users, jwt.encode(payload, issuer.keys["rsa-1"][1], algorithm="RS256", headers={"kid": "rsa-1"})) == REFUSED
    )
    assert me(users, signed(issuer, {"email": ""})) == (200, {"user": ""})


def test_a_token_without_aud(users, issuer, tmp_path):
    token = signed(issuer, {})
    payload = jwt.decode(token, options={"verify_signature": False})
    payload.pop("aud")
    token = jwt.encode(payload, issuer.keys["rsa-1"][1], algorithm="RS256", headers={"kid": "rsa-1"})
    # audiences configured: jsonwebtoken refuses it (MissingRequiredClaim("aud")), as Cosmian
    assert me(users, token) == REFUSED
    # no audience configured: Cosmian still refuses it, because UserClaim.aud has deserialize_with
    # and no #[serde(default)] ("missing field `aud`"); the sandbox accepts it (docs/fidelity.md,
    # Authentication: differs).
    sb = start_sandbox(tmp_path, config_toml=f'[idp_auth]\njwt_auth_provider = ["{issuer.issuer},{issuer.url}/jwks"]\n')
    try:
        r = Kmip(sb.url, headers={"Authorization": f"Bearer {token}"}).http.get("/me")
        assert (r.status_code, r.json()) == (200, {"user": ALICE})
    finally:
        sb.stop()


@pytest.mark.parametrize(
    ("kid", "alg", "key_of"),
    [
        ("ec-1", "RS256", "rsa-1"),  # an EC key named for an RSA algorithm
        ("rsa-1", "ES256", "ec-1"),  # an RSA key named for an EC algorithm
        ("ec-1", "ES384", None),  # the curve does not fit the algorithm
    ],
)
def test_a_kid_whose_key_does_not_fit_the_algorithm_is_a_401_not_a_500(users, issuer, kid, alg, key_of):
    # jwt_config.rs: DecodingKey::from_jwk + decode -> KmsError::Unauthorized, never a server error
    if alg == "ES384":
        key = ec.generate_private_key(ec.SECP384R1())
        token = jwt.encode(
            {"iss": issuer.issuer, "sub": "u", "aud": "kms", "email": ALICE, "exp": int(time.time()) + 600},
            key,
            algorithm="ES384",
            headers={"kid": kid},
        )
    else:
        token = signed(issuer, {}, kid=kid, alg=alg, key_of=key_of)
    assert me(users, token) == REFUSED
    assert users.jwt().http.get("/me").json() == {"user": "bob@example.com"}  # the server is fine


def test_unknown_kids_do_not_make_the_server_download_the_jwks_each_time(users, issuer):
    # jwks.rs: refresh() only when the last one is older than REFRESH_INTERVAL (60 s)
    assert users.jwt().http.get("/me").status_code == 200  # the JWKS has been fetched
    before = issuer.fetches
    for i in range(8):
        header = (
            base64.urlsafe_b64encode(json.dumps({"alg": "RS256", "kid": f"nope-{i}"}).encode()).decode().rstrip("=")
        )
        payload = json.dumps({"iss": issuer.issuer, "sub": "x", "exp": int(time.time()) + 600}).encode()
        token = ".".join([header, base64.urlsafe_b64encode(payload).decode().rstrip("="), "c2ln"])
        assert me(users, token) == REFUSED
    assert issuer.fetches - before <= 1


def _certificate(users, tmp_path, name: x509.Name):
    """A client certificate from the sandbox's CA with this exact subject."""
    pki = users.pki
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(pki.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .sign(pki.key, hashes.SHA256())
    )
    from cryptography.hazmat.primitives import serialization

    cert_file = tmp_path / f"c{x509.random_serial_number()}.crt"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_file, _write_key(tmp_path / f"{cert_file.stem}.key", key)


def _cn(*values: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "acme")]
        + [x509.NameAttribute(NameOID.COMMON_NAME, v) for v in values]
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (_cn("  "), REFUSED),  # tls_auth.rs: `trimmed.is_empty()` -> refused
        (_cn(" * "), REFUSED),  # `trimmed == "*"` -> refused
        (_cn(), REFUSED),  # "Client certificate has no common name"
        (_cn(" ", "mallory@acme"), REFUSED),  # only the FIRST CN counts (entries_by_nid(..).next())
        (_cn(" carol@acme "), (200, {"user": " carol@acme "})),  # the username is the CN as-is, untrimmed
    ],
    ids=["blank", "star", "no-cn", "blank-then-other", "untrimmed"],
)
def test_the_client_certificate_user_is_its_first_cn(users, tmp_path, name, expected):
    client = users.tls(cert=_certificate(users, tmp_path, name))
    r = client.http.get("/me")
    assert (r.status_code, r.json() if r.status_code == 200 else r.text) == expected
