"""Through a real forward proxy (proxy.py, basic auth) and a proxy that refuses CONNECT."""

from __future__ import annotations

import pytest

from kms_tui.client import ConnectionSettings, KmsClient, ProxyError, RetryPolicy
from tests.client.support.fault_proxy import RefusingProxy

ONCE = RetryPolicy(attempts=1, timeout=10)


async def me(conf: dict) -> str:
    async with KmsClient(ConnectionSettings.from_http_config(conf), retry=ONCE) as client:
        return await client.me()


def proxied(url: str, proxy_url: str, **params) -> dict:
    return {"server_url": url, "proxy_params": {"url": proxy_url, "exclusion_list": [], **params}}


async def test_basic_auth_proxy_carries_the_requests(sandbox, forward_proxy):
    conf = proxied(sandbox.url, forward_proxy.url, basic_auth_username="user", basic_auth_password="pass")
    assert await me(conf) == "admin"
    assert "/me" in forward_proxy.access_log("/me")


async def test_https_through_the_proxy_uses_a_tunnel(start_tls_sandbox, pki, forward_proxy):
    sb = start_tls_sandbox()
    conf = proxied(sb.url, forward_proxy.url, basic_auth_username="user", basic_auth_password="pass")
    conf["verified_cert"] = pki.ca.cert_pem.decode()
    assert await me(conf) == "admin"
    assert f"CONNECT {sb.url.split('//')[1]}" in forward_proxy.access_log("CONNECT")


async def test_wrong_proxy_password_is_a_407(sandbox, forward_proxy):
    conf = proxied(sandbox.url, forward_proxy.url, basic_auth_username="user", basic_auth_password="nope")
    with pytest.raises(ProxyError) as err:
        await me(conf)
    assert "407" in err.value.message and "basic_auth" in err.value.fix
    assert "nope" not in err.value.describe()
    assert err.value.exit_code == 4


async def test_wrong_password_on_a_tunnel_is_a_407(start_tls_sandbox, pki, forward_proxy):
    sb = start_tls_sandbox()
    conf = proxied(sb.url, forward_proxy.url, basic_auth_username="user", basic_auth_password="nope")
    conf["verified_cert"] = pki.ca.cert_pem.decode()
    with pytest.raises(ProxyError) as err:
        await me(conf)
    assert "407" in err.value.message


async def test_custom_auth_header_is_sent_when_no_username(sandbox, forward_proxy):
    conf = proxied(sandbox.url, forward_proxy.url, custom_auth_header="Basic dXNlcjpwYXNz")  # user:pass
    assert await me(conf) == "admin"


async def test_excluded_host_bypasses_the_proxy(sandbox, unused_tcp_port):
    dead_proxy = f"http://127.0.0.1:{unused_tcp_port}"
    with pytest.raises(ProxyError) as err:
        await me(proxied(sandbox.url, dead_proxy))
    assert err.value.reason == "proxy_unreachable"
    assert await me(proxied(sandbox.url, dead_proxy, exclusion_list=["127.0.0.1"])) == "admin"


def test_exclusion_rules_are_ckms_rules():
    conf = proxied("https://kms.corp.example:9998", "http://proxy:3128", exclusion_list=[".corp.example", "db.local"])
    proxy = ConnectionSettings.from_http_config(conf).proxy
    assert proxy.bypasses("kms.corp.example")  # leading dot: suffix match
    assert not proxy.bypasses("corp.example")  # …of sub-domains only
    assert proxy.bypasses("db.local") and not proxy.bypasses("x.db.local")  # exact host
    assert not proxy.bypasses("other.example")


async def test_proxy_refusing_connect_is_named(start_tls_sandbox, pki):
    sb = start_tls_sandbox()
    refusing = RefusingProxy().start()
    try:
        conf = proxied(sb.url, refusing.url)
        conf["verified_cert"] = pki.ca.cert_pem.decode()
        with pytest.raises(ProxyError) as err:
            await me(conf)
    finally:
        refusing.stop()
    assert err.value.reason == "proxy_tunnel_refused"
    assert "CONNECT" in err.value.fix and "exclusion_list" in err.value.fix
    assert refusing.requests and refusing.requests[0].startswith("CONNECT 127.0.0.1:")


async def test_environment_proxy_is_used_when_none_is_configured(sandbox, unused_tcp_port, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{unused_tcp_port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with pytest.raises(ProxyError) as err:
        await me({"server_url": sandbox.url})
    assert "proxy" in err.value.message
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert await me({"server_url": sandbox.url}) == "admin"
