"""In a real terminal (tmux): an object name holding OSC sequences neither retitles the pane nor
writes the clipboard; the console shows it escaped."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from kms_tui.client import ConnectionSettings, KmsClient

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
EVIL = "evil\x1b]0;pwned\x07\x1b]52;c;SGVsbG8=\x07[bold]x"


class Pane:
    """One private tmux server (own socket, no user config, clipboard capture on) running a command."""

    def __init__(self, command: list[str], env: dict[str, str], size=(80, 24)) -> None:
        self.socket = f"kms-tui-truth-{uuid.uuid4().hex[:8]}"
        self.run("-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", str(size[0]), "-y", str(size[1]),
                 "sleep", "600")
        self.run("set-option", "-s", "set-clipboard", "on")  # an OSC 52 would land in a paste buffer
        self.run("set-option", "-g", "allow-rename", "on")
        self.run("respawn-pane", "-k", "-t", "t", "env", *[f"{k}={v}" for k, v in env.items()], *command)

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10)

    def screen(self, escapes: bool = False) -> str:
        return self.run("capture-pane", "-p", *(["-e"] if escapes else []), "-t", "t").stdout

    def title(self) -> str:
        return self.run("display-message", "-p", "-t", "t", "#{pane_title}").stdout.strip()

    def buffers(self) -> str:
        return self.run("list-buffers", "-F", "#{buffer_sample}").stdout

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "t", *keys)

    def wait_for(self, text: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{self.screen()}")

    def close(self) -> None:
        self.run("kill-server")


async def _create_evil(url: str) -> str:
    async with KmsClient(ConnectionSettings.from_http_config({"server_url": url})) as client:
        return await client.create_symmetric_key("AES", 256, name=EVIL)


def test_an_osc_object_name_does_not_retitle_the_terminal_or_write_the_clipboard(sandbox, tmp_path):
    if shutil.which("tmux") is None:
        pytest.fail("tmux is needed for the end-to-end test (apt-get install tmux)")
    uid = asyncio.run(_create_evil(sandbox.url))
    conf = tmp_path / "ckms.toml"
    conf.write_text(f'[http_config]\nserver_url = "{sandbox.url}"\n')
    env = {"KMS_TUI_HOME": str(tmp_path / "home"), "HOME": str(tmp_path / "user-home"), "TERM": "xterm-256color",
           "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO), "TEXTUAL_ANIMATIONS": "none"}
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
