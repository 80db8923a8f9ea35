"""The real `kms-tui --sandbox` in tmux, keyboard only at 80×24: import a PKCS#12 with `i` (picker,
preview, password), grant `get` on its certificate to another user with `g`, set a tag with `T`,
then export the certificate as PEM with `e`. The detail pane lists the grantee, the row shows the
tag, headless `kms-tui access list` / `attributes` (same profile) agree, and the file is the
certificate."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pytest
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.serialization import pkcs12

from tests.client.support.certs import issue, make_ca
from tests.tui.tmux_helpers import Tmux

pytestmark = pytest.mark.e2e


def _keys(tmux: Tmux, *keys: str, literal: bool = False) -> None:
    tmux.run("send-keys", "-t", "t", *(["-l"] if literal else []), *keys)
    time.sleep(0.3)


def _wait_file(path, timeout: float = 20.0) -> bytes:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size:
            return path.read_bytes()
        time.sleep(0.2)
    raise AssertionError(f"{path} was not written")


def _headless(env: dict[str, str], *args: str) -> dict:
    """`kms-tui --profile sandbox ARGS --json` beside the console: the sandbox it started."""
    done = subprocess.run(
        [sys.executable, "-m", "kms_tui", "--profile", "sandbox", *args, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _line_with(screen: str, *words: str) -> str:
    """The first line holding ``words`` one after the other (a table row, not a toast's sentence)."""
    for line in screen.splitlines():
        split = line.split()
        if any(tuple(split[i : i + len(words)]) == words for i in range(len(split))):
            return line
    return ""


def _wait_line(tmux: Tmux, *words: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = _line_with(tmux.screen(), *words)
        if line:
            return line
        time.sleep(0.2)
    raise AssertionError(f"no line with {words!r}; the screen was:\n{tmux.screen()}")


def test_import_pkcs12_grant_tag_then_export_its_certificate_in_tmux(tmp_path):
    if shutil.which("tmux") is None:
        pytest.fail("tmux is needed for the end-to-end test (apt-get install tmux)")
    root = make_ca("tmux root")
    leaf = issue(root, "tmux leaf", rsa_key=True)
    bundle = tmp_path / "bundle.p12"
    bundle.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"tmux", leaf.key, leaf.cert, [root.cert], ser.BestAvailableEncryption(b"e2e-pass")
        )
    )
    out = tmp_path / "leaf.pem"
    env = {
        "KMS_TUI_HOME": str(tmp_path / "home"),
        "HOME": str(tmp_path / "user-home"),
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", ""),
        "TEXTUAL_ANIMATIONS": "none",
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
    }
    tmux = Tmux([sys.executable, "-m", "kms_tui", "--sandbox"], env, size=(80, 24))
    try:
        tmux.wait_for("admin")
        _keys(tmux, "2")
        tmux.wait_for("objects")
        _keys(tmux, "i")
        tmux.wait_for("Import a key")
        _keys(tmux, "C-u")
        _keys(tmux, str(bundle), literal=True)
        _keys(tmux, "Enter")
        tmux.wait_for("pkcs12")  # the preview, before anything is sent
        _keys(tmux, "e2e-pass", literal=True)  # the password field has the focus
        _keys(tmux, "Enter")
        tmux.wait_for("tmux leaf")
        _keys(tmux, "BTab")
        _keys(tmux, "BTab")  # back to the Id field
        _keys(tmux, "e2eleaf", literal=True)
        _keys(tmux, "C-s")
        tmux.wait_for("Imported")
        _keys(tmux, "/")
        _keys(tmux, "e2eleaf Certificate", literal=True)
        _keys(tmux, "Enter")
        tmux.wait_for("1 of")
        _keys(tmux, "Down")
        _keys(tmux, "Enter")  # the detail pane
        tmux.wait_for("Subject")

        # grant `get` to bob: the user, then down the operations list to `get`, space ticks it
        _keys(tmux, "g")
        tmux.wait_for("Grant access rights")
        _keys(tmux, "bob", literal=True)
        _keys(tmux, "Tab")
        _keys(tmux, "Tab")  # past "All operations", into the list (certify first)
        for _ in range(6):  # certify, decrypt, derive_key, destroy, encrypt, export, get
            _keys(tmux, "Down")
        _keys(tmux, "Space")
        shown = tmux.wait_for("Allows on the server")
        assert "[x] get" in shown and "every operation except revoke and destroy" in shown  # said before granting
        _keys(tmux, "C-s")
        tmux.wait_for("Granted get to bob")
        _keys(tmux, "Tab")  # into the detail pane, down to its access rights
        _keys(tmux, "End")
        tmux.wait_for("Access rights")
        assert _wait_line(tmux, "bob", "get")  # the grantee and the operation, in the pane's table

        # a tag: T, type it, enter
        _keys(tmux, "T")
        tmux.wait_for("Tags of e2eleaf")
        _keys(tmux, "e2e-tag", literal=True)
        _keys(tmux, "Enter")
        tmux.wait_for("Tags of e2eleaf: e2e-tag")
        _keys(tmux, "Escape")  # the detail pane closes: the row, with its new tag
        assert _wait_line(tmux, "e2eleaf", "Certificate", "Active", "e2e-tag")

        # headless agrees: the same grant and the tag
        listed = _headless(env, "access", "list", "e2eleaf")
        assert [(a["user"], a["operations"]) for a in listed["accesses"]] == [("bob", ["get"])]
        assert "export" in listed["accesses"][0]["allows"]  # what `get` stands for on 5.26
        assert "e2e-tag" in _headless(env, "attributes", "e2eleaf")["attributes"]["tags"]

        _keys(tmux, "e")
        tmux.wait_for("Export Certificate")
        _keys(tmux, "C-u")
        _keys(tmux, str(out), literal=True)
        _keys(tmux, "C-s")
        assert _wait_file(out) == leaf.cert.public_bytes(ser.Encoding.PEM)
        _keys(tmux, "C-q")
    finally:
        tmux.kill()
