"""Fixtures for the sign-in tests: real IdPs on loopback and ckms.toml profiles pointing at them."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import tomlkit

from tests.support.idp import Idp

SCOPES = ["openid", "email", "offline_access"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_profile(
    path: Path,
    idp: Idp,
    *,
    client_id: str = "kms-console",
    client_secret: str | None = None,
    scopes: list[str] = SCOPES,
    server_url: str = "http://127.0.0.1:9",
    access_token: str | None = None,
) -> Path:
    """A ckms.toml with an oauth2_conf for `idp` (ckms's own schema)."""
    oauth = {
        "client_id": client_id,
        "authorize_url": idp.discovery["authorization_endpoint"],
        "token_url": idp.discovery["token_endpoint"],
        "scopes": scopes,
    }
    if client_secret is not None:
        oauth["client_secret"] = client_secret
    http = {"server_url": server_url}
    if access_token:
        http["access_token"] = access_token
    http["oauth2_conf"] = oauth
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tomlkit.dumps({"http_config": http}))
    return path


def load_profile(path: Path):
    """The profile as the app resolves it (validated, secrets resolved)."""
    from kms_tui.config import resolve_connection

    return resolve_connection(conf=str(path))


@pytest.fixture
def redirect_port(monkeypatch) -> int:
    """A free port for the loopback listener, announced the ckms way."""
    port = free_port()
    monkeypatch.setenv("OAUTH2_REDIRECT_URL_PORT", str(port))
    return port
