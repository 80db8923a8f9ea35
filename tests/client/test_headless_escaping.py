"""Text from a server never reaches the terminal raw: an object named with OSC 0 (window title)
and OSC 52 (clipboard) sequences, C1 controls and a bidi override is shown escaped in text
output, and --json output parses with every control escaped."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import kms_tui

TITLE = "\x1b]0;pwned\x07"
CLIPBOARD = "\x1b]52;c;SGVsbG8=\x07"
NAME = f"{TITLE}{CLIPBOARD}key\x9b31m\u202egnp.exe"
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def hostile(kms_cli, conf) -> str:
    """An AES key whose Name carries the escape sequences, created through the command."""
    r = kms_cli("create", "aes", "--name", NAME, "--conf", conf, "--json")
    assert r.code == 0, r.err
    return r.json["id"]


def shown(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and not RAW_CONTROL.search(text), repr(text)


def test_text_output_shows_escapes_visibly(kms_cli, conf, hostile):
    for argv in (("locate",), ("attributes", hostile), ("locate", "--name", NAME)):
        r = kms_cli(*argv, "--conf", conf)
        assert r.code == 0, r.err
        shown(r.out)
        shown(r.err)
        assert "\\x1b]0;pwned\\x07" in r.out and "\\x1b]52;c;SGVsbG8=\\x07" in r.out
        assert "\\x9b" in r.out and "\\u202e" in r.out


def test_json_output_parses_and_holds_no_raw_control(kms_cli, conf, hostile):
    for argv in (("locate",), ("attributes", hostile)):
        r = kms_cli(*argv, "--conf", conf, "--json")
        assert r.code == 0, r.err
        shown(r.out)
        doc = json.loads(r.out)  # the value comes back exactly
        names = doc["objects"][0]["names"] if "objects" in doc else doc["attributes"]["names"]
        assert names == [NAME]
        assert "\\u001b]0;pwned\\u0007" in r.out and "\\u009b" in r.out and "\\u202e" in r.out


def test_error_text_from_the_server_is_escaped(kms_cli, conf, hostile):
    for argv in (("attributes", f"no-such{TITLE}"), ("revoke", f"x{CLIPBOARD}", "--reason", "Unspecified")):
        r = kms_cli(*argv, "--conf", conf)
        assert r.code == 1
        shown(r.err)
        assert "\\x1b]" in r.err
        r = kms_cli(*argv, "--conf", conf, "--json")
        shown(r.out)
        shown(r.err)
        assert "error" in json.loads(r.out)


def test_the_real_process_writes_no_escape_byte(conf, hostile, tmp_path):
    """The installed entry point, as a child process: its stdout bytes hold no ESC or BEL."""
    env = {**os.environ, "PYTHONPATH": str(Path(kms_tui.__file__).resolve().parents[1]), "PYTHONDONTWRITEBYTECODE": "1"}
    for extra in ((), ("--json",)):
        done = subprocess.run(
            [sys.executable, "-m", "kms_tui", "locate", "--conf", str(conf), *extra],
            capture_output=True,
            env=env,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert b"\x1b" not in done.stdout and b"\x07" not in done.stdout and b"\xc2\x9b" not in done.stdout
        assert b"\x1b" not in done.stderr


def test_profile_output_escapes_what_the_file_holds(kms_cli, tmp_path):
    """A ckms.toml is outside text too: its values show escaped, as text and as JSON."""
    path = tmp_path / "odd.toml"
    path.write_text('[http_config]\nserver_url = "http://127.0.0.1:1/\\u009b31m\\u202e\\u001b]0;x\\u0007"\n')
    r = kms_cli("profile", "show", "--conf", path)
    shown(r.out)
    assert "\\x9b31m\\u202e" in r.out
    r = kms_cli("profile", "show", "--conf", path, "--json")
    shown(r.out)
    assert json.loads(r.out)["config"]["http_config"]["server_url"].endswith("\x9b31m\u202e\x1b]0;x\x07")
