"""Console test fixtures: a real sandbox, a fixed clock, no cursor blink, no discovered config."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.widgets import Input, TextArea
from textual.worker import WorkerCancelled

from kms_tui.tui.app import KmsConsole, create_app

FIXED_NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
SIZES = [(80, 24), (120, 40)]


def fixed_clock() -> datetime:
    """Snapshots never depend on the real time."""
    return FIXED_NOW


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch):
    """A blinking cursor makes snapshots depend on timing."""
    monkeypatch.setattr(Input, "_toggle_cursor", lambda _self: None)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda _self: None)


@pytest.fixture
def utc_local_time(monkeypatch):
    """Local dates are drawn in UTC, so a snapshot looks the same on every machine
    (``pytestmark = pytest.mark.usefixtures("utc_local_time")`` in a module that needs it)."""
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def sandbox_conf(sandbox, tmp_path) -> Path:
    """A ckms.toml pointing at the test's sandbox (no sign-in: the sandbox user is `admin`)."""
    path = tmp_path / "ckms.toml"
    path.write_text(f'[http_config]\nserver_url = "{sandbox.url}"\n')
    path.chmod(0o600)
    return path


@pytest.fixture
def console_factory(tmp_path):
    """Build the console the way the CLI does, with a fixed clock and no user config discovery."""

    def build(**options) -> KmsConsole:
        options.setdefault("clock", fixed_clock)
        options.setdefault("discover_user_config", False)
        options.setdefault("theme", "textual-dark")
        options.setdefault("sandbox_db", tmp_path / "console-sandbox.sqlite")
        return create_app(**options)

    return build


SNAPSHOT_PORT = 47917  # snapshots show the server URL: one fixed port, one test at a time


@pytest.fixture
def snapshot_sandbox(tmp_path):
    """A sandbox on the fixed snapshot port (an exclusive lock keeps xdist workers from racing)."""
    import fcntl
    import tempfile

    from tests.support.sandbox import start_sandbox

    with open(Path(tempfile.gettempdir()) / "kms-tui-snapshot-port.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        sb = start_sandbox(tmp_path / "snapshot-sandbox", extra_args=["--port", str(SNAPSHOT_PORT)])
        try:
            yield sb
        finally:
            sb.stop()


@pytest.fixture
def sandbox_console(console_factory, sandbox_conf) -> KmsConsole:
    """The console opened on the test's sandbox."""
    return console_factory(conf=sandbox_conf)


async def settle(pilot, timeout: float = 30.0) -> None:
    """Wait (bounded) until the app's workers finish and their messages are handled."""
    app = pilot.app
    for _ in range(6):  # a finished worker may start another (sandbox -> activate -> whoami)
        workers = [w for w in app.workers if not w.is_finished]
        if not workers:
            await pilot.pause()
            if not [w for w in app.workers if not w.is_finished]:
                return
            continue
        with suppress(WorkerCancelled):
            await asyncio.wait_for(app.workers.wait_for_complete(workers), timeout)
        await pilot.pause()
