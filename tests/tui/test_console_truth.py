"""The console says what is true: connected only after a live check, a dead sandbox is noticed and
restarted, --sandbox leaves the active profile alone, --read-only writes no file."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import psutil

from kms_tui.config import ProfileStore
from tests.tui.conftest import settle
from tests.tui.helpers import table_rows, text_of, wait_until
from tests.tui.objects_helpers import open_objects, reload
from tests.tui.rendered import screen_text

REPO = Path(__file__).resolve().parents[2]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def profile_list_active() -> list[str]:
    """The active profile(s) as the real `kms-tui profile list --json` reports them."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-m", "kms_tui", "profile", "list", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=REPO,
    )
    assert out.returncode == 0, out.stderr
    document = json.loads(out.stdout)
    entries = document if isinstance(document, list) else document.get("profiles", [])
    return [entry["name"] for entry in entries if entry.get("active")]


def home_tree(root: Path) -> dict[str, tuple[int, str]]:
    """Every file under ``root``: (mtime in ns, sha256 of the contents); folders by mtime."""
    tree = {}
    for path in sorted(root.rglob("*")):
        stat = path.stat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        tree[str(path.relative_to(root))] = (stat.st_mtime_ns, digest)
    return tree


async def test_a_profile_on_a_closed_port_is_not_shown_connected_and_says_why(console_factory):
    store = ProfileStore()
    store.create("nowhere", f"http://127.0.0.1:{closed_port()}")
    store.set_active("nowhere")
    app = console_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.identity.connection == "unreachable", what="the live check")
        assert "NOT CONNECTED" in text_of(app, "#header-badges")
        await pilot.press("4")
        await wait_until(
            pilot, lambda: "nowhere" in str(table_rows(app.screen.query_one("#profiles-table"))), what="profiles"
        )
        status = table_rows(app.screen.query_one("#profiles-table"))[0][3]
        assert "connected" not in status.replace("unreachable", "")
        assert status.startswith("active, unreachable: ")
        assert "127.0.0.1" in status or "refused" in status.lower()  # the client's message: the cause


async def test_a_killed_sandbox_is_reported_and_restarts_on_a_new_port(console_factory):
    app = console_factory(sandbox=True)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_until(pilot, lambda: app.identity.connection == "connected", what="the sandbox")
        child = app.sandbox.pid
        os.kill(child, signal.SIGKILL)
        await wait_until(pilot, lambda: "SANDBOX STOPPED" in text_of(app, "#header-badges"), what="the header")
        assert any("Sandbox stopped" == n.title for n in app._notifications)
        await pilot.press("4")
        await wait_until(
            pilot,
            lambda: any(
                r[0] == "sandbox" and "sandbox stopped" in r[3]
                for r in table_rows(app.screen.query_one("#profiles-table"))
            ),
            what="the profiles list",
        )
        await pilot.press("ctrl+r")  # restart
        await wait_until(pilot, lambda: app.identity.connection == "connected", what="the restarted sandbox")
        assert app.sandbox.pid != child and psutil.pid_exists(app.sandbox.pid)
        assert "SANDBOX STOPPED" not in text_of(app, "#header-badges")
        screen = await open_objects(pilot)
        uid = await app.services.client.create_symmetric_key("AES", 256, name="after-restart")
        await reload(pilot, screen)
        assert screen.table.get_row(uid) is not None  # the shared client talks to the new sandbox


async def test_restart_from_the_welcome_screen_brings_a_dead_sandbox_back(console_factory):
    app = console_factory(sandbox=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.identity.connection == "connected", what="the sandbox")
        child = app.sandbox.pid
        os.kill(child, signal.SIGTERM)
        await wait_until(pilot, lambda: app.identity.connection == "sandbox stopped", what="noticed")
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press("enter")  # "Try the local sandbox"
        await wait_until(pilot, lambda: app.identity.connection == "connected", what="restarted")
        assert app.sandbox.pid != child
        sk, _pk = await app.services.client.create_key_pair("ec", curve="p256")
        assert sk


async def test_sandbox_flag_leaves_the_active_profile_alone(console_factory, sandbox):
    store = ProfileStore()
    store.create("work", sandbox.url)
    store.set_active("work")
    before = profile_list_active()
    assert before == ["work"]
    app = console_factory(sandbox=True)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.identity.connection == "connected", what="the sandbox")
        assert app.services.profile_name == "sandbox"
    assert store.active() == "work"
    assert profile_list_active() == before


async def test_read_only_console_leaves_the_home_byte_identical(console_factory, sandbox, tmp_path):
    home = Path(os.environ["KMS_TUI_HOME"])
    store = ProfileStore()
    store.create("alpha", sandbox.url)
    document = store.load("alpha")
    document.set("http_config.access_token", "a-static-token")  # sign-out would remove it from the file
    store.save("alpha", document)
    store.create("beta", sandbox.url)
    store.set_active("alpha")
    # a sandbox database and an audit trail already there, as after earlier sessions
    writable = console_factory(sandbox=True)
    async with writable.run_test() as pilot:
        await wait_until(pilot, lambda: writable.identity.connection == "connected", what="the sandbox")
        await writable.services.client.create_symmetric_key("AES", 256, name="kept")
    before = home_tree(home)
    sandbox_db = tmp_path / "console-sandbox.sqlite"
    db_before = hashlib.sha256(sandbox_db.read_bytes()).hexdigest()

    app = console_factory(read_only=True)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_until(pilot, lambda: app.identity.connection == "connected", what="alpha")
        screen = await open_objects(pilot)
        await reload(pilot, screen)
        await pilot.press("3")  # the audit view reads the trail
        await settle(pilot)
        await pilot.press("4", "o")  # sign out of alpha: in memory only
        await settle(pilot)
        await wait_until(
            pilot,
            lambda: any("Signed out" in n.message for n in app._notifications),
            what=f"sign-out {[n.message for n in app._notifications]}",
        )
        await pilot.press("up")
        await pilot.press("down", "enter")  # use beta: not written as the active profile
        await wait_until(pilot, lambda: app.services.profile_name == "beta" and app.identity.connected, what="beta")
        await pilot.press("ctrl+o")  # the sandbox, read-only: runs on a copy
        await pilot.pause()
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: app.services.profile_name == "sandbox" and app.identity.connected,
            what="the read-only sandbox",
        )
        screen = await open_objects(pilot)
        assert "kept" in {row.name for row in screen.table.shown_rows}  # the same objects
        assert "READ-ONLY" in screen_text(app)
        await pilot.press("4")  # the sandbox row names the server really used, not the saved one
        await wait_until(
            pilot,
            lambda: any(
                r[0] == "sandbox" and r[1] == app.services.server_url and "connected" in r[3]
                for r in table_rows(app.screen.query_one("#profiles-table"))
            ),
            what="the sandbox row",
        )
    assert home_tree(home) == before
    assert hashlib.sha256(sandbox_db.read_bytes()).hexdigest() == db_before
    assert store.active() == "alpha"


async def test_a_profile_marked_read_only_makes_the_console_read_only_and_write_nothing(console_factory, sandbox):
    from kms_tui.config.settings import ProfileSettings

    home = Path(os.environ["KMS_TUI_HOME"])
    store = ProfileStore()
    store.create("locked", sandbox.url)
    store.set_profile_settings("locked", ProfileSettings(read_only=True))
    store.set_active("locked")
    before = home_tree(home)
    app = console_factory()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_until(pilot, lambda: app.identity.connected, what="locked")
        assert "READ-ONLY" in text_of(app, "#header-badges")
        await open_objects(pilot)
        await pilot.press("n")  # create: refused
        await pilot.pause()
        assert type(app.screen).__name__ == "ObjectsScreen"
        assert any("Read-only mode" in n.message for n in app._notifications)
    assert home_tree(home) == before  # not even an audit row


async def test_the_header_follows_a_server_that_stops_and_comes_back(console_factory, tmp_path, monkeypatch):
    """A reload that fails says NOT CONNECTED at once; one that succeeds clears it at once, not at
    the next periodic check (made 10 minutes here, so only the calls themselves can change it)."""
    from kms_tui.tui import app as app_module
    from tests.support.sandbox import start_sandbox

    monkeypatch.setattr(app_module, "LINK_CHECK_EVERY", 600.0)
    port = closed_port()
    db = tmp_path / "server.sqlite"
    server = start_sandbox(tmp_path / "s1", db=db, extra_args=["--port", str(port)])
    conf = tmp_path / "ckms.toml"
    conf.write_text(f'[http_config]\nserver_url = "http://127.0.0.1:{port}"\n')
    app = console_factory(conf=conf)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: app.identity.connection == "connected", what="connected")
            screen = await open_objects(pilot)
            server.stop()
            await pilot.press("r")
            await wait_until(
                pilot,
                lambda: "NOT CONNECTED" in text_of(app, "#header-badges"),
                timeout=20,
                what="NOT CONNECTED after the failed reload",
            )
            server = start_sandbox(tmp_path / "s2", db=db, extra_args=["--port", str(port)])
            await reload(pilot, screen)
            await wait_until(
                pilot,
                lambda: "NOT CONNECTED" not in text_of(app, "#header-badges"),
                timeout=20,
                what="the badge gone after the reload that worked",
            )
            assert app.identity.connection == "connected"
    finally:
        server.stop()
