"""Paste-speed keys in a real terminal: the real `kms-tui` in tmux at 80×24 on a real sandbox.

Each burst is ONE `tmux send-keys` (the terminal gets all the keys at once, as with a paste or
a fast typist over SSH), repeated for several rounds. What the fields held is read back from
the result: the created key's name and tags on the sandbox, the rows the filter leaves, the
key the destroy confirmation destroyed, the profile the form wrote, the screen.
"""

from __future__ import annotations

import json
import os
import random
import string
import subprocess
import sys
import time

import pytest

from kms_tui.config import ProfileStore
from tests.tui.tmux_helpers import Terminal

pytestmark = [pytest.mark.e2e]
ROUNDS = 5


def paste_text(length: int, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(length))


class Console(Terminal):
    def burst(self, *keys: str) -> None:
        """All ``keys`` in one send-keys: tmux writes them to the terminal in one go."""
        self._tmux("send-keys", "-t", "t", *keys)

    def until(self, check, what: str, timeout: float = 60.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = check()
            if found:
                return found
            time.sleep(0.2)
        raise AssertionError(f"{what} never happened; the screen was:\n{self.screen()}")


def cli(conf, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "kms_tui", *args, "--conf", str(conf), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
    )
    return json.loads(done.stdout)


def names_of(conf, **filters: str) -> list[tuple[str, list[str], list[str]]]:
    """(id, names, tags) of the private/symmetric keys the sandbox has matching ``filters``."""
    args = [f"--{k.replace('_', '-')}={v}" for k, v in filters.items()]
    return [(o["id"], o["names"], o["tags"]) for o in cli(conf, "locate", *args)["objects"] if o["type"] != "PublicKey"]


@pytest.fixture
def console(sandbox_conf):
    term = Console(
        [sys.executable, "-m", "kms_tui", "--conf", str(sandbox_conf)],
        width=80,
        height=24,
        env={**os.environ, "TEXTUAL_ANIMATIONS": "none"},
    )
    term.wait_for(r"admin")
    yield term
    term.close()


def test_create_form_right_after_n(console, sandbox_conf):
    t = console
    t.burst("2")
    t.wait_for(r"No objects yet")
    for round_ in range(ROUNDS):
        t.burst("n", "Tab", f"abc{round_}", "Tab", f"def{round_}", "C-s")
        t.until(lambda round_=round_: names_of(sandbox_conf, name=f"abc{round_}"), f"key abc{round_}")
        [(_uid, names, tags)] = names_of(sandbox_conf, name=f"abc{round_}")
        assert names == [f"abc{round_}"] and tags == [f"def{round_}"]
    long_name = paste_text(200, seed=1)
    t.burst("n", "Tab", long_name, "C-s")
    t.until(lambda: names_of(sandbox_conf, name=long_name), "the key with the 200-character name")


def test_filter_and_destroy_confirmation(console, sandbox_conf):
    t = console
    long_name = paste_text(200, seed=2)
    created = {
        name: cli(sandbox_conf, "create", "aes", "--name", name)["id"]
        for name in ["XYZW-target", long_name, *[f"victim{r}" for r in range(ROUNDS)]]
    }
    t.burst("2")
    t.wait_for(rf"{len(created)} objects")
    target, long_uid = created["XYZW-target"][:8], created[long_name][:8]
    # no Escape inside a burst: a terminal cannot tell ESC followed at once by "/" from alt+/
    for _round in range(ROUNDS):
        t.burst("/", "XYZW", "Enter")  # focusing the filter selects its text: typing replaces it
        t.until(lambda: target in t.screen() and long_uid not in t.screen(), "the filter on XYZW")
        assert f"1 of {len(created)} objects" in t.screen()
        t.burst("/", long_name, "Enter")  # enter: back to the table
        t.until(lambda: long_uid in t.screen() and target not in t.screen(), "the filter on the long name")
    for round_ in range(ROUNDS):
        name, uid = f"victim{round_}", created[f"victim{round_}"]
        # filter down to the victim, back to the table, destroy: type junk, erase it, type the id
        t.burst("/", name, "Enter", "d", "ddaXXX", *["BSpace"] * 6, uid[:6], "Enter")
        t.until(lambda name=name: names_of(sandbox_conf, name=name, state="Destroyed"), f"{name} destroyed")
    # 200 characters, 200 backspaces, then the id
    t.burst("/", long_name, "Enter", "d", paste_text(200, seed=3), *["BSpace"] * 200, created[long_name][:6], "Enter")
    t.until(lambda: names_of(sandbox_conf, name=long_name, state="Destroyed"), "the long-named key destroyed")
    assert names_of(sandbox_conf, name="XYZW-target", state="Active")  # nothing else was touched


def test_new_profile_form(console, sandbox):
    t = console
    t.burst("4")
    t.wait_for(r"Profiles")
    for round_ in range(ROUNDS):
        url = f"{sandbox.url}/{paste_text(200 - len(sandbox.url) - 1, seed=round_)}"
        assert len(url) == 200
        t.burst("a", f"typed{round_}", "Tab", url, "C-s")
        t.until(lambda round_=round_: ProfileStore().exists(f"typed{round_}"), f"profile typed{round_}")
        assert ProfileStore().load(f"typed{round_}").http_config["server_url"] == url


def test_connect_screen(tmp_path, sandbox):
    env = {
        **os.environ,
        "TEXTUAL_ANIMATIONS": "none",
        "KMS_TUI_HOME": str(tmp_path / "fresh-home"),
        "HOME": str(tmp_path / "user-home"),
    }
    env.pop("CKMS_CONF", None)
    t = Console([sys.executable, "-m", "kms_tui"], width=80, height=24, env=env)
    try:
        t.wait_for(r"Try the local sandbox")
        for round_ in range(ROUNDS):
            url = "http://127.0.0.1:9/" + paste_text(181, seed=round_)
            t.burst("Down", "Enter", url, "Enter")
            # the start of the URL (the doctor's tcp link)
            screen = t.wait_for(r"127\.0\.0\.1:9 refused the connection")
            assert url[-60:] in screen  # and its end, in the field
            t.burst("Escape")
            t.wait_for(r"Discard changes\?")
            t.burst("Right", "Enter")
            t.wait_for(r"Try the local sandbox")
        t.burst("Down", "Enter", sandbox.url, "Enter")
        t.wait_for(r"answers")
        t.burst("C-n")
        t.wait_for(r"New profile")
        t.burst("C-s")
        t.until(
            lambda: (tmp_path / "fresh-home" / "config" / "profiles" / "127-0-0-1.toml").exists(), "the profile written"
        )
        assert sandbox.url in (tmp_path / "fresh-home" / "config" / "profiles" / "127-0-0-1.toml").read_text()
    finally:
        t.close()
