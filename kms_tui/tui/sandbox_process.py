"""The local sandbox KMS as a child process of the console (``kms-tui serve``)."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import signal
import sys
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
    """Starts ``kms-tui serve`` on a free loopback port; its database stays for next time."""

    def __init__(self, db: Path | None = None) -> None:
        self.db = db or paths.data_dir() / "sandbox.sqlite"
        self.log = paths.state_dir() / "sandbox.log"
        self.proc: asyncio.subprocess.Process | None = None
        self.url = ""

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    async def start(self, timeout: float = 30.0) -> str:
        """Start the child and return its URL once it prints ``listening on URL``."""
        self.db.parent.mkdir(parents=True, exist_ok=True)
        args = [sys.executable, "-m", "kms_tui", "serve", "--host", "127.0.0.1", "--port", "0",
                "--db", str(self.db)]
        with open(self.log, "ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                *args, stdout=asyncio.subprocess.PIPE, stderr=log, stdin=asyncio.subprocess.DEVNULL,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
        try:
            line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        except asyncio.TimeoutError:
            line = b""
        text = line.decode(errors="replace").strip()
        if not text.startswith("listening on "):
            await self.stop()
            raise SandboxStartError(
                "The local sandbox KMS did not start.",
                f"See its log at {self.log}; check that the sandbox database {self.db} is not in use.")
        self.url = text.split("listening on ", 1)[1].strip()
        return self.url

    async def stop(self) -> None:
        """Stop the child (SIGTERM, then SIGKILL after 10 s); data is kept."""
        proc, self.proc = self.proc, None
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except asyncio.TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
