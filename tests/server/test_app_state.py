"""The sandbox keeps its shared state under typed ``web.AppKey`` keys: building and serving the
application raises no ``NotAppKeyWarning`` (aiohttp's warning for string keys)."""

from __future__ import annotations

import warnings

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
