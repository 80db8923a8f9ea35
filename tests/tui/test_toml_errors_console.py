"""The console given a ckms.toml or settings.toml with a key set twice says which file and line,
and keeps running (no traceback, nothing rewritten)."""

from __future__ import annotations

import os

from kms_tui.config import ProfileStore
from tests.tui.conftest import settle

DUPLICATE = '[http_config]\nserver_url = "http://127.0.0.1:9"\nserver_url = "http://127.0.0.1:10"\n'


def _notices(app) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


async def test_console_on_a_ckms_toml_with_a_duplicated_key(console_factory, tmp_path):
    conf = tmp_path / "ckms.toml"
    conf.write_text(DUPLICATE)
    app = console_factory(conf=str(conf))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = _notices(app)
        assert str(conf) in text and "line 3" in text and "`server_url` is set twice" in text
        assert app.services is None and app.is_running
    assert conf.read_text() == DUPLICATE


async def test_console_with_a_settings_toml_with_a_duplicated_key(console_factory):
    path = ProfileStore().root / "settings.toml"
    original = 'theme = "textual-dark"\ntheme = "textual-light"\n'
    path.write_text(original)
    app = console_factory(discover_user_config=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = _notices(app)
        assert str(path) in text and "line 2" in text and "`theme` is set twice" in text
        assert app.is_running
    assert path.read_text() == original
    assert os.path.exists(path)
