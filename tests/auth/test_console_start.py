"""Opening a profile in the console: keyring discovery never stalls the console's event loop.

The sandbox speaks HTTPS, as production servers do: for a plain-HTTP profile httpx still builds a
default TLS context when the client opens (20-90 ms on the loop, in the client layer).
"""

from __future__ import annotations

import asyncio
import threading
import time

import keyring.core
import pytest
import tomlkit

from kms_tui.auth.cache import KEYRING_SERVICE
from kms_tui.auth.session import Session
from kms_tui.tui.services import ConsoleOptions, open_services
from tests.auth.conftest import load_profile, write_profile
from tests.auth.helpers import MemoryKeyring, login_via_loopback
from tests.client.support.certs import issue, make_ca
from tests.support.idp import start_mock_idp
from tests.support.sandbox import start_sandbox

pytestmark = pytest.mark.slow
DISCOVERY_SECONDS = 0.3  # what keyring's backend discovery costs on a slow machine (measured: 0.1-0.3 s)
MAX_GAP = 0.05


class SlowKeyring(MemoryKeyring):
    """A keyring whose construction is slow, as keyring's discovery of every backend is.

    Named by PYTHON_KEYRING_BACKEND, so keyring itself builds it; all instances share ``shared``.
    """

    shared: dict[tuple[str, str], str] = {}

    def __init__(self) -> None:
        time.sleep(DISCOVERY_SECONDS)
        super().__init__()
        self.entries = SlowKeyring.shared


@pytest.fixture
def slow_keyring(monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", f"{__name__}.SlowKeyring")
    monkeypatch.setenv("KMS_TUI_KEYRING", "on")  # a test backend is not an OS keyring
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)  # discovery runs again
    monkeypatch.setattr(SlowKeyring, "shared", {})
    return SlowKeyring.shared


@pytest.fixture
def idp_and_tls_sandbox(tmp_path):
    """The mock IdP, an HTTPS sandbox trusting its JWTs, and the CA that signed the sandbox's certificate."""
    ca = make_ca()
    cert, key = issue(ca, "kms.test", server=True).write_pem(tmp_path, "server")
    idp = start_mock_idp(tmp_path / "idp")
    provider = f"{idp.issuer},{idp.discovery['jwks_uri']}"
    sandbox = start_sandbox(
        tmp_path / "sandbox",
        config_toml=(
            f'[idp_auth]\njwt_auth_provider = ["{provider}"]\n[tls]\ntls_cert_file = "{cert}"\ntls_key_file = "{key}"\n'
        ),
    )
    yield idp, sandbox, ca.cert_pem.decode()
    sandbox.stop()
    idp.stop()


def tls_profile(path, idp, sandbox, ca_pem: str):
    """A ckms.toml signing in at ``idp`` for the HTTPS ``sandbox`` (its CA in verified_cert)."""
    write_profile(path, idp, server_url=sandbox.url)
    document = tomlkit.parse(path.read_text())
    document["http_config"]["verified_cert"] = ca_pem
    path.write_text(tomlkit.dumps(document))
    return load_profile(path)


async def longest_gap_while(work) -> tuple[float, object]:
    """Run ``work`` while a 10 ms ticker runs on the same loop; the ticker's longest gap and the result."""
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.03)
    try:
        result = await work
        await asyncio.sleep(0.03)
    finally:
        done.set()
        await task
    return max(gaps), result


async def test_opening_a_profile_keeps_the_console_responsive_and_uses_the_keyring(
    tmp_path, idp_and_tls_sandbox, slow_keyring, redirect_port, monkeypatch
):
    idp, sandbox, ca_pem = idp_and_tls_sandbox
    assert sandbox.url.startswith("https://")
    signing_in = Session(tls_profile(tmp_path / "ckms.toml", idp, sandbox, ca_pem))
    assert signing_in.cache.backend == "keyring"
    await login_via_loopback(signing_in)
    entry = (KEYRING_SERVICE, signing_in.profile.cache_key)
    assert signing_in.creds.tokens.refresh_token in slow_keyring[entry]  # the sign-in went there
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)  # a fresh console: discovery runs again
    profile = load_profile(tmp_path / "ckms.toml")

    states, threads = [], []

    def on_change(state) -> None:
        states.append(state)
        threads.append(threading.get_ident())

    gap, services = await longest_gap_while(
        open_services(profile, options=ConsoleOptions(), on_session_change=on_change)
    )
    try:
        assert gap < MAX_GAP, f"the event loop stalled {gap * 1000:.0f} ms while the profile opened"
        session = services.session
        assert session.state.status == "signed_in" and session.state.cache_backend == "keyring"
        assert states and states[-1].status == "signed_in"
        assert set(threads) == {threading.get_ident()}  # the console hears the state on its own loop
        assert await services.client.me() == "alice@example.com"  # the keyring's token reaches the KMS
        await session.refresh()
        assert session.creds.tokens.bearer in slow_keyring[entry]
        assert not session.cache.path.exists()  # no credential file beside the keyring
    finally:
        await services.close()
