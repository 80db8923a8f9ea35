"""End to end in a real terminal (tmux): the real `kms-tui` on a sandbox, keyboard only.

sandbox → create an RSA-2048 key pair → find it with the filter → revoke (key compromise) →
destroy with cascade → the audit view lists the four operations.
"""

from __future__ import annotations

import os
import re
import shutil
import sys

import pytest

from tests.tui.tmux_helpers import Terminal

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


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
