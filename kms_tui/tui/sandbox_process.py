"""The local sandbox KMS as a child process of the console (``kms-tui serve``)."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from kms_tui import paths

SANDBOX_PROFILE = "sandbox"


class SandboxStartError(Exception):
    """The sandbox child did not come up; ``message`` and ``fix`` follow the client's errors."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


def _die_with_parent() -> None:
    # Linux: the child gets SIGTERM if the console is killed, so it never outlives it
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class SandboxProcess:
    """Starts ``kms-tui serve`` on a free loopback port; its database stays for next time.

    ``read_only``: the console writes no file of the kms-tui home, so the child runs on a copy
    of the sandbox database (and logs) in a temporary folder, removed when it stops.
    ``on_exit(returncode)`` is called (on the console's loop) when the child ends without
    ``stop()``: the console says so and offers a restart.
    """

    def __init__(
        self, db: Path | None = None, *, read_only: bool = False, on_exit: Callable[[int | None], object] | None = None
    ) -> None:
        self.read_only = read_only
        self.on_exit = on_exit
        self._scratch: Path | None = None
        if read_only:
            self._scratch = Path(tempfile.mkdtemp(prefix="kms-tui-sandbox-"))
            from kms_tui.tui.read_only_store import user_dir

            source = db if db is not None else user_dir("data") / "sandbox.sqlite"  # nothing created
            self.db = self._scratch / "sandbox.sqlite"
            for suffix in ("", "-wal"):  # the same objects; the original is never touched
                if Path(f"{source}{suffix}").is_file():
                    shutil.copy2(f"{source}{suffix}", f"{self.db}{suffix}")
            self.log = self._scratch / "sandbox.log"
        else:
            self.db = db or paths.data_dir() / "sandbox.sqlite"
            self.log = paths.state_dir() / "sandbox.log"
        self.proc: asyncio.subprocess.Process | None = None
        self.url = ""
        self.returncode: int | None = None  # how the last child ended (None while it runs)
        self._watch: asyncio.Task | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def alive(self) -> bool:
        """True while the child runs (a child that died is noticed at once: ``on_exit``)."""
        return self.proc is not None and self.proc.returncode is None

    async def ensure_running(self) -> str:
        """The URL of a running child: the current one, or a new one (a new port) if it died."""
        if self.alive and self.url:
            return self.url
        await self.stop()
        return await self.start()

    async def _watch_exit(self, proc: asyncio.subprocess.Process) -> None:
        code = await proc.wait()
        if proc is self.proc:  # not stopped by us: it died
            self.returncode = code
            if self.on_exit is not None:
                self.on_exit(code)

    async def start(self, timeout: float = 30.0) -> str:
        """Start the child and return its URL once it prints ``listening on URL``."""
        self.db.parent.mkdir(parents=True, exist_ok=True)
        self.returncode = None
        args = [sys.executable, "-m", "kms_tui", "serve", "--host", "127.0.0.1", "--port", "0", "--db", str(self.db)]
        with open(self.log, "ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                *args,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                stdin=asyncio.subprocess.DEVNULL,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
        stdout = self.proc.stdout
        assert stdout is not None  # stdout=PIPE
        try:
            line = await asyncio.wait_for(stdout.readline(), timeout)
        except TimeoutError:
            line = b""
        text = line.decode(errors="replace").strip()
        if not text.startswith("listening on "):
            await self.stop()
            raise SandboxStartError(
                "The local sandbox KMS did not start.",
                f"See its log at {self.log}; check that the sandbox database {self.db} is not in use.",
            )
        self.url = text.split("listening on ", 1)[1].strip()
        self._watch = asyncio.get_running_loop().create_task(self._watch_exit(self.proc))
        return self.url

    async def stop(self, *, final: bool = False) -> None:
        """Stop the child (SIGTERM, then SIGKILL after 10 s); data is kept. ``final``: the
        console is quitting (a read-only copy of the database is removed)."""
        proc, self.proc = self.proc, None
        watch, self._watch = self._watch, None
        if watch is not None:
            watch.cancel()
        if final and self._scratch is not None:
            scratch = self._scratch
            try:
                await self._end(proc)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            return
        await self._end(proc)

    @staticmethod
    async def _end(proc: asyncio.subprocess.Process | None) -> None:
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
