"""In a real terminal (tmux): an object name holding OSC sequences neither retitles the pane nor
writes the clipboard; the console shows it escaped."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import time

import pytest

from kms_tui.client import ConnectionSettings, KmsClient
from tests.tui.tmux_helpers import REPO, Pane

pytestmark = pytest.mark.e2e
EVIL = "evil\x1b]0;pwned\x07\x1b]52;c;SGVsbG8=\x07[bold]x"


async def _create_evil(url: str) -> str:
    async with KmsClient(ConnectionSettings.from_http_config({"server_url": url})) as client:
        return await client.create_symmetric_key("AES", 256, name=EVIL)


def test_an_osc_object_name_does_not_retitle_the_terminal_or_write_the_clipboard(sandbox, tmp_path):
    if shutil.which("tmux") is None:
        pytest.fail("tmux is needed for the end-to-end test (apt-get install tmux)")
    uid = asyncio.run(_create_evil(sandbox.url))
    conf = tmp_path / "ckms.toml"
    conf.write_text(f'[http_config]\nserver_url = "{sandbox.url}"\n')
    env = {
        "KMS_TUI_HOME": str(tmp_path / "home"),
        "HOME": str(tmp_path / "user-home"),
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO),
        "TEXTUAL_ANIMATIONS": "none",
    }
    pane = Pane([sys.executable, "-m", "kms_tui", "--conf", str(conf)], env)
    try:
        pane.wait_for("Effective user")
        title_before = pane.title()
        pane.keys("2")
        pane.wait_for(uid[:8])
        pane.keys("Enter")  # the detail pane shows the whole name
        shown = pane.wait_for(r"\x1b]0;pwned")
        time.sleep(1)  # a late frame would still come through before the checks below
        raw = pane.screen(escapes=True)
        assert "pwned" not in pane.title() and pane.title() == title_before
        assert "SGVsbG8" not in pane.buffers() and "Hello" not in pane.buffers()
        assert "\x1b]" not in raw  # no OSC left on screen (SGR colours only)
        plain = pane.screen()
        assert r"SGVsbG8=\x07[" in plain and "bold]x" in plain  # markup shown literally, BEL escaped
        assert uid[:8] in shown
        pane.keys("C-q")
    finally:
        pane.close()
