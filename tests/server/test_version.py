"""The sandbox's version string: Cosmian's shape with the real OpenSSL of the machine, unless
KMS_TUI_SANDBOX_VERSION pins it (the console's snapshot tests do, so screenshots match on
every machine)."""

from __future__ import annotations

import ssl

import httpx

from kms_tui.server.rest import ENV_VERSION
from tests.support.sandbox import start_sandbox

PINNED = "5.26.0 (OpenSSL 3.0.0 7 sep 2021-non-FIPS)"


def test_version_names_the_real_openssl_unless_pinned(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VERSION, raising=False)
    with start_sandbox(tmp_path / "real") as sb:
        assert httpx.get(sb.url + "/version").json() == f"5.26.0 ({ssl.OPENSSL_VERSION}-non-FIPS)"
        assert httpx.get(sb.url + "/server-info").json()["version"] == f"5.26.0 ({ssl.OPENSSL_VERSION}-non-FIPS)"
    with start_sandbox(tmp_path / "pinned", env={ENV_VERSION: PINNED}) as sb:
        assert httpx.get(sb.url + "/version").json() == PINNED
        assert httpx.get(sb.url + "/server-info").json()["version"] == PINNED
