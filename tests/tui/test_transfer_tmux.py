"""The real `kms-tui --sandbox` in tmux, keyboard only at 80×24: import a PKCS#12 with `i` (picker,
preview, password), then export its certificate as PEM with `e`; the file is the certificate."""

from __future__ import annotations

import os
import shutil
import sys
import time

import pytest
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.serialization import pkcs12

from tests.client.support.certs import issue, make_ca
from tests.tui.test_e2e_tmux import Tmux

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


def test_import_pkcs12_then_export_its_certificate_in_tmux(tmp_path):
    if shutil.which("tmux") is None:
        pytest.fail("tmux is needed for the end-to-end test (apt-get install tmux)")
    root = make_ca("tmux root")
    leaf = issue(root, "tmux leaf", rsa_key=True)
    bundle = tmp_path / "bundle.p12"
    bundle.write_bytes(pkcs12.serialize_key_and_certificates(
        b"tmux", leaf.key, leaf.cert, [root.cert], ser.BestAvailableEncryption(b"e2e-pass")))
    out = tmp_path / "leaf.pem"
    env = {"KMS_TUI_HOME": str(tmp_path / "home"), "HOME": str(tmp_path / "user-home"), "TERM": "xterm-256color",
           "PATH": os.environ.get("PATH", ""), "TEXTUAL_ANIMATIONS": "none",
           "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
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
        _keys(tmux, "e")
        tmux.wait_for("Export Certificate")
        _keys(tmux, "C-u")
        _keys(tmux, str(out), literal=True)
        _keys(tmux, "C-s")
        assert _wait_file(out) == leaf.cert.public_bytes(ser.Encoding.PEM)
        _keys(tmux, "C-q")
    finally:
        tmux.kill()
