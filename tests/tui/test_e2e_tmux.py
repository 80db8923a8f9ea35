"""The real `kms-tui` in tmux: first start -> sandbox -> whoami shows admin -> quit; no child left."""

from __future__ import annotations

import os
import shutil
import sys
import time

import psutil
import pytest

from tests.tui.tmux_helpers import Tmux

pytestmark = pytest.mark.e2e


def sandbox_children(home) -> list[psutil.Process]:
    """`kms-tui serve` processes whose database lives in this test's kms-tui home."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if "serve" in cmdline and any(str(home) in part for part in cmdline):
            found.append(proc)
    return found


def test_first_start_sandbox_whoami_quit(tmp_path):
    if shutil.which("tmux") is None:
        pytest.fail("tmux is needed for the end-to-end test (apt-get install tmux)")
    home = tmp_path / "kms-tui-home"
    exe = shutil.which("kms-tui")
    command = [exe] if exe else [sys.executable, "-m", "kms_tui"]
    env = {
        "KMS_TUI_HOME": str(home),
        "HOME": str(tmp_path / "user-home"),
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", ""),
        "TEXTUAL_ANIMATIONS": "none",
    }
    tmux = Tmux(command, env)
    try:
        tmux.wait_for("Try the local sandbox")
        tmux.run("send-keys", "-t", "t", "Enter")
        shown = tmux.wait_for("Effective user")
        shown = tmux.wait_for("admin")
        assert "sandbox" in shown
        children = sandbox_children(home)
        assert len(children) == 1
        tmux.run("send-keys", "-t", "t", "C-q")
        deadline = time.monotonic() + 20
        while tmux.alive() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not tmux.alive(), "the console did not exit"
        psutil.wait_procs(children, timeout=10)
        assert not sandbox_children(home), "the sandbox child outlived the console"
        assert (home / "data" / "sandbox.sqlite").exists()  # kept for next time
    finally:
        tmux.kill()


def test_config_editor_round_trip_through_editor(tmp_path):
    """F4 suspends the console for $EDITOR; its edit comes back, is diffed, then saved."""
    if shutil.which("tmux") is None:
        pytest.fail("tmux is needed for the end-to-end test (apt-get install tmux)")
    conf = tmp_path / "ckms.toml"
    conf.write_text('[http_config]\nserver_url = "http://127.0.0.1:9"\n')
    editor = tmp_path / "fake-editor.sh"
    editor.write_text('#!/bin/sh\nprintf "# added in the editor\\n" >> "$1"\n')
    editor.chmod(0o755)
    env = {
        "KMS_TUI_HOME": str(tmp_path / "home"),
        "HOME": str(tmp_path / "user-home"),
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", ""),
        "EDITOR": str(editor),
        "TEXTUAL_ANIMATIONS": "none",
    }
    tmux = Tmux([sys.executable, "-m", "kms_tui", "--conf", str(conf)], env, size=(100, 30))
    try:
        tmux.wait_for("ckms")
        tmux.run("send-keys", "-t", "t", "5")
        tmux.wait_for("server_url")
        tmux.run("send-keys", "-t", "t", "F4")
        tmux.wait_for("# added in the editor")
        tmux.run("send-keys", "-t", "t", "C-s")
        tmux.wait_for("Save these changes?")
        tmux.run("send-keys", "-t", "t", "y")
        deadline = time.monotonic() + 10
        while "# added in the editor" not in conf.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert conf.read_text().endswith("# added in the editor\n")
        tmux.run("send-keys", "-t", "t", "C-q")
    finally:
        tmux.kill()
