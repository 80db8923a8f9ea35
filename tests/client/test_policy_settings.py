"""Retry policy decisions and [http_config] parsing that need no server."""

from __future__ import annotations

import httpx
import pytest

from kms_tui.client import ConnectionSettings, RetryPolicy
from kms_tui.client.retry import Failure, OpKind, classify, kind_of
from kms_tui.client.transport import static_headers


def test_batch_is_as_careful_as_its_riskiest_item():
    assert kind_of(["GetAttributes", "Locate"]) is OpKind.READ
    assert kind_of(["GetAttributes", "Revoke"]) is OpKind.REPEATABLE
    assert kind_of(["GetAttributes", "Create"]) is OpKind.CREATE
    assert kind_of(["Certify"]) is OpKind.CREATE and kind_of(["Import"]) is OpKind.CREATE


@pytest.mark.parametrize(
    ("exc", "failure"),
    [
        (httpx.ConnectError("refused"), Failure.NEVER_SENT),
        (httpx.ConnectTimeout("slow connect"), Failure.NEVER_SENT),
        (httpx.ProxyError("403"), Failure.NEVER_SENT),
        (httpx.ReadTimeout("slow answer"), Failure.AMBIGUOUS),
        (httpx.RemoteProtocolError("dropped"), Failure.AMBIGUOUS),
        (httpx.WriteError("broken pipe"), Failure.AMBIGUOUS),
    ],
)
def test_what_counts_as_never_sent(exc, failure):
    assert classify(exc) is failure


def test_certificate_and_name_failures_are_not_worth_a_retry():
    import socket
    import ssl

    bad_cert = httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    bad_cert.__cause__ = ssl.SSLCertVerificationError("certificate verify failed")
    no_host = httpx.ConnectError("[Errno -2] Name or service not known")
    no_host.__cause__ = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    for exc in (bad_cert, no_host):
        assert classify(exc) is Failure.PERMANENT
        assert not RetryPolicy().should_retry(OpKind.READ, Failure.PERMANENT, 1)


def test_creates_are_retried_only_when_never_sent():
    policy = RetryPolicy()
    assert policy.should_retry(OpKind.CREATE, Failure.NEVER_SENT, 1)
    assert not policy.should_retry(OpKind.CREATE, Failure.AMBIGUOUS, 1)
    assert not policy.should_retry(OpKind.CREATE, Failure.SERVER_ERROR, 1)
    assert policy.should_retry(OpKind.READ, Failure.SERVER_ERROR, 2)
    assert not policy.should_retry(OpKind.READ, Failure.SERVER_ERROR, 3)  # 3 attempts in all
    assert policy.should_retry(OpKind.REPEATABLE, Failure.AMBIGUOUS, 1)
    assert not RetryPolicy(retry_reads=False).should_retry(OpKind.READ, Failure.AMBIGUOUS, 1)


def test_backoff_grows_with_jitter_and_a_ceiling():
    policy = RetryPolicy(backoff=1.0, jitter=0.25, backoff_max=3.0)
    for attempt, base in ((1, 1.0), (2, 2.0), (3, 3.0), (6, 3.0)):
        delays = {policy.delay(attempt) for _ in range(50)}
        assert all(base * 0.75 <= d <= base * 1.25 for d in delays)
        assert len(delays) > 1  # jittered


def test_legacy_ssl_keys_and_headers():
    s = ConnectionSettings.from_http_config(
        {
            "server_url": "https://kms.example:9998/",
            "ssl_client_pem_cert_path": "c.crt",
            "ssl_client_pem_key_path": "c.key",
            "vault_token": "hvs.vault-token",
            "custom_headers": ["X-One: 1"],
            "database_secret": "dbs",
        }
    )
    assert s.server_url == "https://kms.example:9998"  # trailing slash stripped, as ckms
    assert (s.tls_client_pem_cert_path, s.tls_client_pem_key_path) == ("c.crt", "c.key")
    assert static_headers(s) == {
        "Content-Type": "application/json",
        "X-Vault-Token": "hvs.vault-token",
        "DatabaseSecret": "dbs",
        "X-One": "1",
    }


def test_secrets_stay_out_of_repr():
    s = ConnectionSettings.from_http_config(
        {
            "server_url": "https://kms.example",
            "access_token": "tok-123",
            "tls_client_pkcs12_path": "a.p12",
            "tls_client_pkcs12_password": "p12-pw",
            "database_secret": "dbs-1",
            "custom_headers": ["X-Key: hdr-9"],
            "proxy_params": {
                "url": "http://proxy:3128",
                "basic_auth_username": "u",
                "basic_auth_password": "pp-7",
                "custom_auth_header": "cah-5",
                "exclusion_list": [],
            },
        }
    )
    text = repr(s)
    for secret in ("tok-123", "p12-pw", "dbs-1", "hdr-9", "pp-7", "cah-5"):
        assert secret not in text
    assert "https://kms.example" in text


@pytest.mark.parametrize("url", ["", "kms.example:9998", "ftp://kms.example"])
def test_server_url_must_be_http(url):
    from kms_tui.client import ConfigurationError

    with pytest.raises(ConfigurationError):
        ConnectionSettings.from_http_config({"server_url": url})


def test_verified_cert_given_as_a_path_is_explained():
    from kms_tui.client import ConfigurationError
    from kms_tui.client.transport import build_ssl_context

    s = ConnectionSettings.from_http_config({"server_url": "https://kms.example", "verified_cert": "/etc/ssl/ca.pem"})
    with pytest.raises(ConfigurationError) as err:
        build_ssl_context(s)
    assert "not a path" in err.value.fix  # ckms's wizard bug B1 asks for a path
