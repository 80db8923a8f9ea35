"""Ways to run kms-tui in a test: in its own process (optionally with a file-size limit), or one
operation through the client."""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

from kms_tui.client import ConnectionSettings, KmsClient
from kms_tui.kmip.ttlv import TTLV

REPO = Path(__file__).resolve().parents[3]  # the checkout whose kms_tui the child imports


def kms_tui(*args: str) -> subprocess.CompletedProcess:
    """The real command line, in its own process (the environment carries KMS_TUI_HOME)."""
    return subprocess.run(
        [sys.executable, "-m", "kms_tui", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )


def run_limited(args: list[str], limit: int) -> subprocess.CompletedProcess:
    """`python -m kms_tui ARGS` with no file allowed to grow past ``limit`` bytes."""

    def no_growth() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write returns EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "kms_tui", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        preexec_fn=no_growth,
    )


def send(url: str, op: TTLV) -> TTLV:
    """One operation through the client (the CLI runs its own event loop, so tests stay sync)."""

    async def go() -> TTLV:
        async with KmsClient(ConnectionSettings.from_http_config({"server_url": url})) as client:
            return await client.send(op)

    return asyncio.run(go())
