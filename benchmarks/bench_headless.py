"""Headless start-up: `kms-tui` commands as whole processes against the sandbox, vs a bare httpx script.

Each command runs as a fresh process (`python -m kms_tui ...`, what a script calling kms-tui in a
loop pays) against a real `kms-tui serve` on loopback: `whoami --json`, `create aes`,
`locate --json` (over the objects the runs create) and `--version`. The reference, in the same
run and on the same server, is the smallest script that does one request:
`python3 -c "import httpx; httpx.get(URL + '/version')"`; for `--version` (no request) it is
`python3 -c pass` plus 50 ms. Runs alternate between every command and its reference so all
see the same machine load; medians are compared as ratios. Targets: each command <= 1.5x the
httpx script, `--version` <= 1.2x (`python3 -c pass` + 50 ms). Every process runs with byte-code
(as an installed package; its own cache folder, never the checkout). For information, each command
is also compared with the httpx script stripped of the optional imports kms-tui keeps out
(httpcore's trio, httpx's command-line tool), which is what the reference costs where those
libraries are not installed. The last line is one JSON object.

    python3 benchmarks/bench_headless.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.support.sandbox import Sandbox, start_sandbox  # noqa: E402 - needs the repository on sys.path

TARGET = 1.5
VERSION_TARGET = 1.2
VERSION_ALLOWANCE_S = 0.050  # `python3 -c pass` + 50 ms is the --version reference
STRICT = "reference: httpx, no trio/CLI"
COMMANDS = {
    "whoami --json": ["whoami", "--json"],
    "create aes": ["create", "aes"],
    "locate --json": ["locate", "--json"],
}


def timed(command: list[str], env: dict[str, str]) -> float:
    """Seconds from spawn to exit; the command must succeed."""
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=REPO)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{command} exited {done.returncode}: {done.stderr.decode(errors='replace')[-400:]}")
    return elapsed


@contextmanager
def commands_on_a_sandbox(prefix: str) -> Iterator[tuple[Sandbox, dict[str, str], Path, Path]]:
    """A fresh sandbox, the environment of a kms-tui process (this checkout, its own homes, no
    $CKMS_CONF), a ckms.toml pointing at the sandbox, and the work directory."""
    with tempfile.TemporaryDirectory(prefix=prefix) as work:
        work_dir = Path(work)
        sandbox = start_sandbox(work_dir / "sandbox")
        try:
            conf = work_dir / "ckms.toml"
            conf.write_text(f'[http_config]\nserver_url = "{sandbox.url}"\n')
            env = {
                **os.environ,
                "KMS_TUI_HOME": str(work_dir / "home"),
                "HOME": str(work_dir / "user-home"),
                "PYTHONPATH": str(REPO),
                "PYTHONPYCACHEPREFIX": str(work_dir / "pycache"),
            }
            env.pop("CKMS_CONF", None)
            # Byte-code as an installed package has it (pip compiles on install): written once by the
            # warm-up run into this run's own cache folder (never into the checkout), for every process.
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            yield sandbox, env, conf, work_dir
        finally:
            sandbox.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with commands_on_a_sandbox("bench-headless-") as (sandbox, env, conf, _):
        kms_tui = [sys.executable, "-m", "kms_tui"]
        runs: dict[str, list[str]] = {name: [*kms_tui, "--conf", str(conf), *words] for name, words in COMMANDS.items()}
        runs["--version"] = [*kms_tui, "--version"]
        runs["reference: httpx GET /version"] = [
            sys.executable,
            "-c",
            f"import httpx; httpx.get({sandbox.url!r} + '/version')",
        ]
        runs["reference: python3 -c pass"] = [sys.executable, "-c", "pass"]
        # For information (no target): the same script without the optional imports kms-tui's
        # commands keep out (httpcore's trio, httpx's command-line tool), as on a machine where
        # those libraries are not installed.
        runs[STRICT] = [
            sys.executable,
            "-c",
            "import sys; sys.modules.update({'trio': None, 'httpx._main': None}); "
            f"import httpx; httpx.get({sandbox.url!r} + '/version')",
        ]
        for command in runs.values():  # one untimed run each warms the file cache and byte-code
            timed(command, env)
        times: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(args.runs):
            for name, command in runs.items():
                times[name].append(timed(command, env))
    median_ms = {name: statistics.median(values) * 1000 for name, values in times.items()}
    http_ref = median_ms["reference: httpx GET /version"]
    version_ref = median_ms["reference: python3 -c pass"] + VERSION_ALLOWANCE_S * 1000
    results: dict[str, dict] = {}
    for name in [*COMMANDS, "--version"]:
        reference, target = (version_ref, VERSION_TARGET) if name == "--version" else (http_ref, TARGET)
        ratio = median_ms[name] / reference
        results[name] = {
            "median_ms": round(median_ms[name], 1),
            "ratio": round(ratio, 3),
            "target": target,
            "met": ratio <= target,
        }
        if name != "--version":
            results[name]["ratio_to_strict_reference"] = round(median_ms[name] / median_ms[STRICT], 3)
    for name, values in times.items():
        print(f"{name:32s} median {median_ms[name]:7.1f} ms  (runs: {', '.join(f'{t * 1000:.0f}' for t in values)})")
    for name, figures in results.items():
        print(
            f"kms-tui {name:16s} {figures['ratio']:.2f}x its reference (target <= {figures['target']}x): "
            f"{'OK' if figures['met'] else 'ABOVE TARGET'}"
            + (
                f"; {figures['ratio_to_strict_reference']:.2f}x the script without trio/CLI (information)"
                if "ratio_to_strict_reference" in figures
                else ""
            )
        )
    print(
        json.dumps(
            {
                "benchmark": "headless",
                "runs": args.runs,
                "httpx_reference_ms": round(http_ref, 1),
                "python_pass_ms": round(median_ms["reference: python3 -c pass"], 1),
                "version_reference_ms": round(version_ref, 1),
                "strict_reference_ms": round(median_ms[STRICT], 1),
                "commands": results,
                "met": all(f["met"] for f in results.values()),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
