"""Start the real sandbox (`kms-tui serve`) as a child process on a loopback port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx


@dataclass
class Sandbox:
    url: str
    proc: subprocess.Popen
    db: Path
    log: Path
    args: list[str] = field(default_factory=list)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()  # the "listening on" pipe (an open one is a ResourceWarning)

    def kill9(self) -> None:
        self.stop(signal.SIGKILL)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_sandbox(
    workdir: Path,
    *,
    config_toml: str | None = None,
    config_path: Path | None = None,
    db: Path | None = None,
    extra_args: list[str] | tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    timeout: float = 30.0,
    host: str = "127.0.0.1",
) -> Sandbox:
    """Start `python -m kms_tui serve --port 0` and wait for its `listening on URL` line.

    ``host`` is the address it listens on (another loopback address such as 127.0.0.2 gives a
    URL that kms-tui does not treat as localhost)."""
    workdir.mkdir(parents=True, exist_ok=True)
    db = db or workdir / "sandbox.sqlite"
    args = [sys.executable, "-m", "kms_tui", "serve", "--host", host, "--port", "0", "--db", str(db)]
    if config_toml is not None:
        config_path = workdir / "kms.toml"
        config_path.write_text(config_toml)
    if config_path is not None:
        args += ["-c", str(config_path)]
    args += list(extra_args)
    log = workdir / f"sandbox-{os.getpid()}-{time.monotonic_ns()}.log"
    full_env = {**os.environ, "KMS_TUI_HOME": str(workdir / "home"), **(env or {})}
    with open(log, "wb") as stderr:  # the child keeps its own descriptor; ours is closed here
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=stderr, env=full_env, text=True)
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("listening on "):
        proc.kill()
        proc.wait(timeout=10)
        proc.stdout.close()
        raise RuntimeError(f"sandbox did not start: {line!r}\n{log.read_text(errors='replace')}")
    url = line.split("listening on ", 1)[1].strip()
    sb = Sandbox(url=url, proc=proc, db=db, log=log, args=args)
    # The line is printed once the socket listens; one health probe proves it answers.
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/health", verify=False, timeout=2)
            break
        except httpx.HTTPError:
            time.sleep(0.05)
    return sb
