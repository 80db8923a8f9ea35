"""The sandbox keeps its shared state under typed ``web.AppKey`` keys (and the request's user
under a ``web.RequestKey``): building and serving the application raises no ``NotAppKeyWarning``
(aiohttp's warning for string keys)."""

from __future__ import annotations

import warnings

import httpx
from aiohttp import web

from kms_tui.server.app import build_app
from kms_tui.server.config import ServerConfig
from kms_tui.server.state import CONFIG, STORE
from kms_tui.server.store import Store


async def test_the_application_state_uses_app_keys(tmp_path):
    store = Store(tmp_path / "state.sqlite")
    config = ServerConfig()
    with warnings.catch_warnings():
        warnings.simplefilter("error", web.NotAppKeyWarning)
        app = build_app(config, store)
        runner = web.AppRunner(app)
        await runner.setup()
        try:
            assert app[CONFIG] is config and app[STORE] is store
            assert all(isinstance(key, web.AppKey) for key in app)
        finally:
            await runner.cleanup()


async def test_a_request_carries_its_user_under_a_request_key(tmp_path):
    """The guard middleware hands the authenticated user to the handler: with a string key
    aiohttp warns (and, warnings as errors, the request would fail with a 500)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", web.NotAppKeyWarning)
        runner = web.AppRunner(build_app(ServerConfig(), Store(tmp_path / "state.sqlite")))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        try:
            port = runner.addresses[0][1]
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                answer = await client.get("/access/owned")
            assert answer.status_code == 200 and answer.json() == []
        finally:
            await runner.cleanup()
