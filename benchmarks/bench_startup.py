"""Console cold start: `kms-tui` to its first frame, against a minimal Textual app started the same way.

Both run as fresh processes (`python -m kms_tui` and `python ref_app.py`, no profile yet) in a
pseudo-terminal of 80x24; the clock stops when the first frame is on the terminal, recognised by
the footer's "palette" hint that both apps draw (reference: Header, DataTable, Footer). For
kms-tui the time until the welcome screen is drawn (what a newcomer without a profile sees) is
reported too; the welcome screen is kms-tui's first frame, so both figures are normally equal.
Runs alternate so both see the same machine load; medians are compared as a ratio. Target:
first frame and welcome screen ≤ 1.3×. Prints figures; the last line is one JSON object.

    python3 benchmarks/bench_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

TARGET = 1.3
REPO = Path(__file__).resolve().parents[1]
REFERENCE_APP = """
from textual.app import App
from textual.widgets import DataTable, Footer, Header


class Reference(App):
    BINDINGS = [("ctrl+q", "quit", "Quit")]

    def compose(self):
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("Name", "Value")
        table.add_row("reference", "ready")


Reference().run()
"""


def time_to_first_frame(
    command: list[str], marker: bytes, env: dict[str, str], timeout: float = 30.0, then: bytes | None = None
) -> tuple[float, float | None]:
    """Seconds from spawn until ``marker`` is written to the pseudo-terminal (and until ``then``)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=REPO, start_new_session=True)
    os.close(slave)
    seen = b""
    first = None
    try:
        while time.perf_counter() - start < timeout:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break
                text = seen.replace(b"\x1b", b"")
                if first is None and marker in text:
                    first = time.perf_counter() - start
                if first is not None and (then is None or then in text):
                    return first, (time.perf_counter() - start) if then else None
            if proc.poll() is not None:
                break
        raise RuntimeError(f"{command} never drew {marker!r}; last output: {seen[-400:]!r}")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(master)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        reference = work_dir / "ref_app.py"
        reference.write_text(REFERENCE_APP)
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "COLUMNS": "80",
            "LINES": "24",
            "KMS_TUI_HOME": str(work_dir / "home"),
            "HOME": str(work_dir / "user-home"),
            "TEXTUAL_ANIMATIONS": "none",
        }
        env.pop("CKMS_CONF", None)
        kms_tui = [sys.executable, "-m", "kms_tui"]
        ref = [sys.executable, str(reference)]
        # one untimed start of each warms the OS file cache (byte-code is then also compiled)
        time_to_first_frame(kms_tui, b"palette", env, then=b"Welcome")
        time_to_first_frame(ref, b"palette", env)
        console, welcome, baseline = [], [], []
        for _ in range(args.runs):
            first, ready = time_to_first_frame(kms_tui, b"palette", env, then=b"Welcome")
            console.append(first)
            welcome.append(ready)
            baseline.append(time_to_first_frame(ref, b"palette", env)[0])
    console_ms, baseline_ms = statistics.median(console) * 1000, statistics.median(baseline) * 1000
    welcome_ms = statistics.median(welcome) * 1000
    ratio = console_ms / baseline_ms
    runs = {
        name: ", ".join(f"{t * 1000:.0f}" for t in times)
        for name, times in (("console", console), ("baseline", baseline))
    }
    print(f"kms-tui first frame:         median {console_ms:7.1f} ms  (runs: {runs['console']})")
    print(f"reference app first frame:   median {baseline_ms:7.1f} ms  (runs: {runs['baseline']})")
    welcome_ratio = welcome_ms / baseline_ms
    print(f"kms-tui welcome screen:      median {welcome_ms:7.1f} ms  ({welcome_ratio:.2f}x the reference)")
    for label, value in (("first frame", ratio), ("welcome", welcome_ratio)):
        print(f"{label} ratio {value:.2f}x (target <= {TARGET}x): {'OK' if value <= TARGET else 'ABOVE TARGET'}")
    print(
        json.dumps(
            {
                "benchmark": "startup",
                "console_ms": round(console_ms, 1),
                "reference_ms": round(baseline_ms, 1),
                "welcome_ms": round(welcome_ms, 1),
                "welcome_ratio": round(welcome_ratio, 3),
                "ratio": round(ratio, 3),
                "target": TARGET,
                "runs": args.runs,
                "ok": ratio <= TARGET,
                "welcome_ok": welcome_ratio <= TARGET,
                "met": ratio <= TARGET and welcome_ratio <= TARGET,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
