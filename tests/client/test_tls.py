"""HTTPS and client certificates against the real sandbox: every ckms TLS setting."""

from __future__ import annotations

import pytest

from kms_tui.client import ConfigurationError, ConnectionSettings, KmsClient, NotAuthenticated, TlsError
from kms_tui.client.retry import NO_RETRY


async def whoami(http_config: dict) -> str:
    async with KmsClient(ConnectionSettings.from_http_config(http_config), retry=NO_RETRY) as client:
        return await client.me()


async def test_verified_cert_adds_the_ca_to_system_trust(start_tls_sandbox, pki):
    sb = start_tls_sandbox()
    assert await whoami({"server_url": sb.url, "verified_cert": pki.ca.cert_pem.decode()}) == "admin"


async def test_unknown_ca_says_to_set_verified_cert(start_tls_sandbox):
    sb = start_tls_sandbox()
    with pytest.raises(TlsError) as err:
        await whoami({"server_url": sb.url})
    assert err.value.reason == "tls_unknown_ca"
    assert "verified_cert" in err.value.fix and "accept_invalid_certs" in err.value.fix
    assert err.value.exit_code == 4


async def test_accept_invalid_certs_skips_verification(start_tls_sandbox, pki):
    sb = start_tls_sandbox(pki.server_expired)
    assert await whoami({"server_url": sb.url, "accept_invalid_certs": True}) == "admin"


async def test_expired_server_certificate_is_named(start_tls_sandbox, pki):
    sb = start_tls_sandbox(pki.server_expired)
    with pytest.raises(TlsError) as err:
        await whoami({"server_url": sb.url, "verified_cert": pki.ca.cert_pem.decode()})
    assert err.value.reason == "tls_expired"
    assert "expired" in err.value.message


async def test_hostname_mismatch_is_named(start_tls_sandbox, pki):
    sb = start_tls_sandbox(pki.server_ip_only)  # valid for 127.0.0.1 only
    url = sb.url.replace("127.0.0.1", "localhost")
    with pytest.raises(TlsError) as err:
        await whoami({"server_url": url, "verified_cert": pki.ca.cert_pem.decode()})
    assert err.value.reason == "tls_hostname"
    assert "localhost" in err.value.message


@pytest.mark.parametrize("key_format", ["pkcs8", "traditional"])
async def test_pem_client_certificate_signs_in_as_its_cn(start_tls_sandbox, pki, key_format):
    sb = start_tls_sandbox(client_ca=True)
    cert, key = pki.write(pki.alice, f"alice-{key_format}", fmt=key_format)
    conf = {
        "server_url": sb.url,
        "verified_cert": pki.ca.cert_pem.decode(),
        "tls_client_pem_cert_path": str(cert),
        "tls_client_pem_key_path": str(key),
    }
    assert await whoami(conf) == "alice"


async def test_pem_chain_file_is_accepted(start_tls_sandbox, pki):
    sb = start_tls_sandbox(client_ca=True)
    cert, key = pki.write(pki.bob, "bob-chain", chain=[pki.ca])
    conf = {
        "server_url": sb.url,
        "verified_cert": pki.ca.cert_pem.decode(),
        "tls_client_pem_cert_path": str(cert),
        "tls_client_pem_key_path": str(key),
    }
    assert await whoami(conf) == "bob"


async def test_encrypted_pem_key_is_refused_clearly(pki, tmp_path):
    cert, key = pki.write(pki.alice, "alice-enc", password=b"s3cret-passphrase")
    conf = {
        "server_url": "https://127.0.0.1:1",
        "tls_client_pem_cert_path": str(cert),
        "tls_client_pem_key_path": str(key),
    }
    with pytest.raises(ConfigurationError) as err:
        await whoami(conf)
    assert "encrypted" in err.value.message and "openssl pkey" in err.value.fix
    assert "s3cret" not in err.value.describe()


async def test_mismatched_pem_key_is_named(pki):
    cert, _ = pki.write(pki.alice, "alice-mm")
    _, other_key = pki.write(pki.bob, "bob-mm")
    conf = {
        "server_url": "https://127.0.0.1:1",
        "tls_client_pem_cert_path": str(cert),
        "tls_client_pem_key_path": str(other_key),
    }
    with pytest.raises(ConfigurationError, match="does not match"):
        await whoami(conf)


@pytest.mark.parametrize(("password", "legacy"), [("p12-Pa55", False), ("p12-Pa55", True), ("", False)])
async def test_pkcs12_client_certificate(start_tls_sandbox, pki, tmp_path, password, legacy):
    sb = start_tls_sandbox(client_ca=True)
    p12 = pki.alice.write_p12(tmp_path / "alice.p12", password, legacy=legacy, ca=pki.ca)
    conf = {
        "server_url": sb.url,
        "verified_cert": pki.ca.cert_pem.decode(),
        "tls_client_pkcs12_path": str(p12),
        "tls_client_pkcs12_password": password,
    }
    assert await whoami(conf) == "alice"


async def test_pkcs12_wrong_password(pki, tmp_path):
    p12 = pki.alice.write_p12(tmp_path / "alice.p12", "right-one")
    conf = {
        "server_url": "https://127.0.0.1:1",
        "tls_client_pkcs12_path": str(p12),
        "tls_client_pkcs12_password": "wrong-one",
    }
    with pytest.raises(ConfigurationError) as err:
        await whoami(conf)
    assert "wrong password" in err.value.message and "wrong-one" not in err.value.describe()


@pytest.mark.parametrize("who", ["stranger", "alice_expired"])
async def test_client_certificate_from_another_ca_or_expired_is_refused(start_tls_sandbox, pki, who):
    sb = start_tls_sandbox(client_ca=True)
    cert, key = pki.write(getattr(pki, who), who)
    conf = {
        "server_url": sb.url,
        "verified_cert": pki.ca.cert_pem.decode(),
        "tls_client_pem_cert_path": str(cert),
        "tls_client_pem_key_path": str(key),
    }
    with pytest.raises((TlsError, NotAuthenticated)) as err:
        await whoami(conf)
    assert "refused the client certificate" in err.value.message
    assert "issued by a CA the server trusts" in err.value.fix or "issued by the CA" in err.value.fix
    assert err.value.exit_code == 4


async def test_no_certificate_when_the_server_requires_one(start_tls_sandbox, pki):
    sb = start_tls_sandbox(client_ca=True)
    with pytest.raises(NotAuthenticated) as err:
        await whoami({"server_url": sb.url, "verified_cert": pki.ca.cert_pem.decode()})
    assert err.value.exit_code == 2
    assert "client certificate" in err.value.message


@pytest.mark.parametrize(
    ("conf", "message"),
    [
        ({"tls_client_pem_cert_path": "a.crt"}, "both PEM certificate and key paths must be provided"),
        ({"tls_client_pem_key_path": "a.key"}, "both PEM certificate and key paths must be provided"),
        ({"tls_client_pkcs12_path": "a.p12"}, "PKCS#12 password must be provided with PKCS#12 path"),
        (
            {
                "tls_client_pkcs12_path": "a.p12",
                "tls_client_pkcs12_password": "",
                "tls_client_pem_cert_path": "a",
                "tls_client_pem_key_path": "b",
            },
            "cannot use both PKCS#12 and PEM client authentication",
        ),
        ({"custom_headers": ["NoColonHere"]}, "expected 'Name: Value' format"),
    ],
)
def test_invalid_combinations_give_ckms_messages(conf, message):
    with pytest.raises(ConfigurationError) as err:
        ConnectionSettings.from_http_config({"server_url": "https://kms.example:9998", **conf})
    assert message in err.value.message
    assert err.value.exit_code == 3
