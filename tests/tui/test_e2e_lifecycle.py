"""End to end in a real terminal (tmux): the real `kms-tui` on a sandbox, keyboard only.

sandbox → create an RSA-2048 key pair → find it with the filter → revoke (key compromise) →
destroy with cascade → the audit view lists the four operations.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid

import pytest

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


class Terminal:
    """One tmux server on a private socket running one command at a fixed size."""

    def __init__(self, command: list[str], *, width: int = 120, height: int = 40, env: dict[str, str]) -> None:
        self.socket = f"kms-tui-e2e-{uuid.uuid4().hex[:8]}"
        self._tmux("-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height),
                   " ".join(_quote(c) for c in command), env=env)
        # a detached session may otherwise keep tmux's default 80x24
        self._tmux("set-option", "-t", "t", "window-size", "manual")
        self._tmux("resize-window", "-t", "t", "-x", str(width), "-y", str(height))

    def _tmux(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, env=env,
                              timeout=30)
        return done.stdout

    def keys(self, *keys: str) -> None:
        for key in keys:
            self._tmux("send-keys", "-t", "t", key)
            time.sleep(0.15)  # one key per frame, as a person types

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "t", "-l", text)
        time.sleep(0.2)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "t")

    def wait_for(self, pattern: str, timeout: float = 60.0) -> str:
        """Poll the screen until ``pattern`` (a regex) shows; fail with the last screen."""
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            if re.search(pattern, text):
                return text
            time.sleep(0.2)
        raise AssertionError(f"{pattern!r} never appeared; the screen was:\n{text}")

    def close(self) -> None:
        pids = self._tmux("list-sessions", "-F", "#{pid}").split()
        self._tmux("kill-server")
        for pid in pids:
            try:
                os.kill(int(pid), 9)
            except (ProcessLookupError, ValueError):
                pass


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _key_row(screen: str) -> str:
    """The table row of the private key created by the test."""
    return next((line for line in screen.splitlines() if "e2e-key" in line and "PrivateKey" in line), "")


@pytest.fixture
def terminal(sandbox_conf):
    term = Terminal([sys.executable, "-m", "kms_tui", "--conf", str(sandbox_conf)], env=dict(os.environ))
    yield term
    term.close()


def test_create_find_revoke_destroy_then_audit(terminal):
    t = terminal
    t.wait_for(r"admin")  # signed in to the sandbox as its default user
    t.keys("2")
    t.wait_for(r"No objects yet")

    # create: RSA 2048 pair is the first kind; tab to the name, type it, ctrl+s
    t.keys("n")
    t.wait_for(r"Create a key")
    t.keys("Tab")
    t.type("e2e-key")
    t.keys("C-s")
    screen = t.wait_for(r"e2e-key")
    row = _key_row(screen)
    assert "PrivateKey" in row and "RSA" in row and "2048" in row and "Active" in row
    uid_start = row.split()[0][:6]

    # find it with the free-text filter
    t.keys("/")
    t.type("e2e-key")
    t.keys("Enter")
    screen = t.wait_for(r"1 of 2 objects")
    assert "PublicKey" not in screen

    # revoke: open the reason list, pick KeyCompromise (second), submit
    t.keys("v")
    t.wait_for(r"Revoke PrivateKey")
    t.keys("Enter", "Down", "Enter")
    t.wait_for(r"KeyCompromise")
    t.keys("C-s")
    screen = t.wait_for(r"Compromised")
    assert "Compromised" in _key_row(screen)

    # destroy with cascade (on by default): type the start of the id, enter
    t.keys("d")
    t.wait_for(r"Type 6 chars")
    t.type(uid_start)
    t.keys("Enter")
    screen = t.wait_for(r"Destr\+Compr")
    # a destroyed compromised key reads Destr+Compr in its 11-column State cell
    assert "Destr+Compr" in _key_row(screen)

    # the audit view lists the four operations, newest first
    t.keys("3")
    screen = t.wait_for(r"CreateKeyPair")
    lines = screen.splitlines()

    def first_line(op: str) -> int:
        return next(i for i, line in enumerate(lines) if re.search(rf"\b{op}\b", line))

    assert first_line("Destroy") < first_line("Revoke") < first_line("CreateKeyPair")
    assert re.search(r"\bLocate\b|access/owned", screen)  # finding it: the listing calls
