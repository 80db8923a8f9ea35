"""A plain http:// profile does not load the system trust store at every start (about 15 ms of a
headless command): its client gets a TLS context that trusts nothing, so any TLS use fails closed.
https:// servers and https:// proxies keep the full context."""

from __future__ import annotations

import ssl

import httpx
import pytest

from kms_tui.client import ConnectionSettings
from kms_tui.client.transport import http_client_kwargs


def _verify(http_config: dict) -> object:
    return http_client_kwargs(ConnectionSettings.from_http_config(http_config), 5.0).get("verify")


def test_plain_http_trusts_nothing_and_verifies(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    ctx = _verify({"server_url": "http://127.0.0.1:9998"})
    assert isinstance(ctx, ssl.SSLContext)
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    assert ctx.cert_store_stats()["x509_ca"] == 0


def test_https_and_tls_proxies_keep_the_system_trust(monkeypatch):
    ctx = _verify({"server_url": "https://kms.example.com:9998"})
    assert isinstance(ctx, ssl.SSLContext) and ctx.cert_store_stats()["x509_ca"] > 0
    monkeypatch.setenv("HTTP_PROXY", "https://proxy.example.com:3128")
    assert _verify({"server_url": "http://127.0.0.1:9998"}) is None  # httpx's own default context
    monkeypatch.delenv("HTTP_PROXY")
    assert (
        _verify(
            {
                "server_url": "http://127.0.0.1:9998",
                "proxy_params": {"url": "https://proxy.example.com:3128", "exclusion_list": []},
            }
        )
        is None
    )


@pytest.mark.anyio
async def test_a_plain_http_client_still_talks_to_the_sandbox(sandbox):
    async with httpx.AsyncClient(
        **http_client_kwargs(ConnectionSettings.from_http_config({"server_url": sandbox.url}), 5.0)
    ) as client:
        assert (await client.get("/version")).status_code == 200
