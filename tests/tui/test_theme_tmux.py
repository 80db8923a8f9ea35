"""In a real terminal (tmux): a 16-colour terminal (TERM=xterm) starts in ansi-dark, a 256-colour
one in textual-dark; ctrl+t's choice is saved in settings.toml and is the theme of the next start."""

from __future__ import annotations

import os
import shutil
import sys

import pytest

from kms_tui.tui.theme import THEMES
from tests.tui.tmux_helpers import REPO, Pane

pytestmark = pytest.mark.e2e


def _console(sandbox, tmp_path, term: str) -> Pane:
    conf = tmp_path / "ckms.toml"
    conf.write_text(f'[http_config]\nserver_url = "{sandbox.url}"\n')
    env = {
        "KMS_TUI_HOME": str(tmp_path / "home"),
        "HOME": str(tmp_path / "user-home"),
        "TERM": term,
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO),
        "TEXTUAL_ANIMATIONS": "none",
    }
    return Pane([sys.executable, "-m", "kms_tui", "--conf", str(conf)], env)


@pytest.mark.parametrize(
    ("term", "after_ctrl_t"),
    [
        ("xterm", "ansi-light"),  # started in ansi-dark
        ("xterm-256color", "textual-light"),  # started in textual-dark
    ],
)
def test_the_terminal_picks_the_first_theme_and_ctrl_t_is_remembered(sandbox, tmp_path, term, after_ctrl_t):
    if shutil.which("tmux") is None:
        pytest.fail("tmux is needed for the end-to-end test (apt-get install tmux)")
    settings = tmp_path / "home" / "config" / "settings.toml"
    pane = _console(sandbox, tmp_path, term)
    try:
        pane.wait_for("Effective user")
        pane.keys("C-t")  # the next theme after the one it started in
        pane.wait_for(f"Theme: {after_ctrl_t}")
        for _ in range(50):
            if settings.exists() and f'theme = "{after_ctrl_t}"' in settings.read_text():
                break
            pane.wait_for("Effective user", timeout=1)
        assert f'theme = "{after_ctrl_t}"' in settings.read_text()
        pane.keys("C-q")
    finally:
        pane.close()
    again = _console(sandbox, tmp_path, term)  # the next start: the saved theme, whatever the terminal
    try:
        again.wait_for("Effective user")
        again.keys("C-t")
        following = THEMES[(THEMES.index(after_ctrl_t) + 1) % len(THEMES)]  # it started in the saved one
        again.wait_for(f"Theme: {following}")
    finally:
        again.close()
