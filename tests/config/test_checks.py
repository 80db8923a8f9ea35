"""check_profile: files exist, cert/key pair matches, PKCS#12 opens, certificate expiry."""

from __future__ import annotations

import pytest

from kms_tui.config import check_profile, resolve_connection
from tests.config.certs import make_cert, pem, write_p12, write_pair


@pytest.fixture
def certs(tmp_path):
    folder = tmp_path / "certs"
    folder.mkdir()
    return folder


def _check(tmp_path, body: str):
    conf = tmp_path / "profile.toml"
    conf.write_text('[http_config]\nserver_url = "https://kms:9998"\n' + body)
    return check_profile(resolve_connection(conf=str(conf)))


def test_matching_pem_pair_passes(tmp_path, certs):
    cert_path, key_path = write_pair(certs, "client", *make_cert("client", days=365))
    body = f'tls_client_pem_cert_path = "{cert_path}"\ntls_client_pem_key_path = "{key_path}"\n'
    assert _check(tmp_path, body) == []


def test_missing_file_and_mismatched_key_are_reported_with_lines(tmp_path, certs):
    cert_path, _ = write_pair(certs, "client", *make_cert("client", days=365))
    _, other_key = write_pair(certs, "other", *make_cert("other", days=365))
    body = f'tls_client_pem_cert_path = "{cert_path}"\ntls_client_pem_key_path = "{other_key}"\n'
    [problem] = _check(tmp_path, body)
    assert problem.path == "http_config.tls_client_pem_key_path" and problem.line == 4
    assert "does not match the certificate" in problem.message
    body = f'tls_client_pem_cert_path = "{certs / "nope.crt"}"\ntls_client_pem_key_path = "{other_key}"\n'
    [problem] = _check(tmp_path, body)
    assert problem.line == 3 and "does not exist" in problem.message


def test_expired_and_soon_expiring_certificates(tmp_path, certs):
    cert_path, key_path = write_pair(certs, "old", *make_cert("old", days=-1, start_days_ago=30))
    body = f'tls_client_pem_cert_path = "{cert_path}"\ntls_client_pem_key_path = "{key_path}"\n'
    [problem] = _check(tmp_path, body)
    assert problem.is_error and "CN=old expired on" in problem.message
    cert_path, key_path = write_pair(certs, "soon", *make_cert("soon", days=5))
    body = f'tls_client_pem_cert_path = "{cert_path}"\ntls_client_pem_key_path = "{key_path}"\n'
    [problem] = _check(tmp_path, body)
    assert problem.severity == "warning" and "expires on" in problem.message


def test_pkcs12_opens_only_with_its_password(tmp_path, certs):
    bundle = write_p12(certs / "c.p12", *make_cert("client", days=365), password="right-pw")
    assert _check(tmp_path, f'tls_client_pkcs12_path = "{bundle}"\ntls_client_pkcs12_password = "right-pw"\n') == []
    [problem] = _check(tmp_path, f'tls_client_pkcs12_path = "{bundle}"\ntls_client_pkcs12_password = "wrong-pw"\n')
    assert problem.path == "http_config.tls_client_pkcs12_password" and problem.line == 4
    assert "does not open with this password" in problem.message and "wrong-pw" not in str(problem)
    empty = write_p12(certs / "e.p12", *make_cert("client", days=365), password="")
    assert _check(tmp_path, f'tls_client_pkcs12_path = "{empty}"\ntls_client_pkcs12_password = ""\n') == []


def test_verified_cert_must_be_pem_text_not_a_path(tmp_path, certs):
    [problem] = _check(tmp_path, 'verified_cert = "/etc/ssl/ca.pem"\n')
    assert "PEM certificate text, not a path" in problem.message
    ca, _ = make_cert("ca", ca=True, days=365)
    assert _check(tmp_path, f"verified_cert = '''\n{pem(ca).decode()}'''\n") == []
