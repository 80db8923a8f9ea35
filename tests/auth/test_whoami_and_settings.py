"""Whoami without OAuth (no-auth sandbox, client certificate) and the OAuth extras from settings."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kms_tui.audit import AuditTrail
from kms_tui.auth.authcode import AuthCodeRequest
from kms_tui.auth.login import propose_method
from kms_tui.auth.profile import ProfileRef
from kms_tui.auth.session import Session
from kms_tui.auth.whoami import CertificateInfo, whoami
from kms_tui.client import ConnectionSettings, KmsClient

OAUTH = {
    "client_id": "kms-console",
    "authorize_url": "https://idp.test/authorize",
    "token_url": "https://idp.test/token",
    "scopes": ["openid", "email"],
}


async def test_whoami_on_a_server_without_authentication(tmp_path, sandbox):
    profile = ProfileRef("sandbox", None, {"server_url": sandbox.url})
    session = Session(profile)
    audit = AuditTrail(tmp_path / "audit.sqlite")
    try:
        async with KmsClient(
            ConnectionSettings.from_http_config(profile.http_config), audit=audit, credentials=session
        ) as client:
            data = await whoami(client, session)
    finally:
        audit.close()
    assert data.user == "admin" and data.token is None and data.errors == {}
    assert data.sign_in_methods == ["none"] and data.session["status"] == "signed_out"
    assert data.server_version and data.health is not None and data.can_create is True


def test_the_client_certificate_is_described(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ops@example.com")])
    ca = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(ca)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    pem = tmp_path / "client.crt"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    info = CertificateInfo.of({"tls_client_pem_cert_path": str(pem)})
    assert info.subject == "CN=ops@example.com" and info.issuer == "CN=Test CA"
    assert 29 * 86400 < info.seconds_left <= 30 * 86400


def test_settings_extras_reach_the_authorization_request():
    profile = ProfileRef(
        "p",
        None,
        {"server_url": "https://kms.test", "oauth2_conf": OAUTH},
        extras={
            "audience": "https://kms.test",
            "extra_params": {"prompt": "select_account"},
            "flow": "device",
            "device_authorization_url": "https://idp.test/device",
        },
    )
    conf = profile.oauth_config()
    query = parse_qs(urlsplit(AuthCodeRequest(conf, "http://localhost:17899/authorization").url).query)
    assert query["audience"] == ["https://kms.test"] and query["prompt"] == ["select_account"]
    assert propose_method(conf, {}, flow=profile.flow) == "device"
