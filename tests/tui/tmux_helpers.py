"""Drive the real console in tmux: a private tmux server per test, the pane's text, keys sent as typed."""

from __future__ import annotations

import os
import re
import subprocess
import time
import uuid
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[2]


class _PrivateTmux:
    """A private tmux server (its own socket, nothing shared with the user's tmux): run a tmux
    command on it, read the pane, wait for text."""

    socket: str

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10)

    def screen(self, escapes: bool = False) -> str:
        return self.run("capture-pane", "-p", *(["-e"] if escapes else []), "-t", "t").stdout

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

    def alive(self) -> bool:
        return self.run("has-session", "-t", "t").returncode == 0

    def close(self) -> None:
        self.run("kill-server")


class Pane(_PrivateTmux):
    """No user config, clipboard capture on; the pane stays after its command exits."""

    def __init__(self, command: list[str], env: dict[str, str], size=(80, 24)) -> None:
        self.socket = f"kms-tui-truth-{uuid.uuid4().hex[:8]}"
        self.run(
            "-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", str(size[0]), "-y", str(size[1]), "sleep", "600"
        )
        self.run("set-option", "-s", "set-clipboard", "on")  # an OSC 52 would land in a paste buffer
        self.run("set-option", "-g", "allow-rename", "on")
        self.run("respawn-pane", "-k", "-t", "t", "env", *[f"{k}={v}" for k, v in env.items()], *command)

    def title(self) -> str:
        return self.run("display-message", "-p", "-t", "t", "#{pane_title}").stdout.strip()

    def buffers(self) -> str:
        return self.run("list-buffers", "-F", "#{buffer_sample}").stdout


class Terminal:
    """One tmux server on a private socket running one command at a fixed size."""

    def __init__(self, command: list[str], *, width: int = 120, height: int = 40, env: dict[str, str]) -> None:
        self.socket = f"kms-tui-e2e-{uuid.uuid4().hex[:8]}"
        self._tmux(
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            str(width),
            "-y",
            str(height),
            " ".join(_quote(c) for c in command),
            env=env,
        )
        # a detached session may otherwise keep tmux's default 80x24
        self._tmux("set-option", "-t", "t", "window-size", "manual")
        self._tmux("resize-window", "-t", "t", "-x", str(width), "-y", str(height))

    def _tmux(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, env=env, timeout=30)
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


class Tmux(_PrivateTmux):
    """One command in a session that ends when the command does (``alive()`` says so)."""

    def __init__(self, command: list[str], env: dict[str, str], size=(80, 24)) -> None:
        self.socket = f"kms-tui-e2e-{uuid.uuid4().hex[:8]}"
        env_args = [f"{k}={v}" for k, v in env.items()]
        self.run("new-session", "-d", "-s", "t", "-x", str(size[0]), "-y", str(size[1]), "env", *env_args, *command)

    def kill(self) -> None:
        """End the command itself (as a crash or ``kill`` would), not the tmux server."""
        pid = self.run("display-message", "-p", "#{pid}").stdout.strip()
        if pid.isdigit() and psutil.pid_exists(int(pid)):
            psutil.Process(int(pid)).terminate()


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"
