"""`kms-tui locate --json` at 100,000 objects: peak RSS of the command's process, and its time.

A fresh sandbox is filled with N AES keys (by a child process, in batches), then
`python -m kms_tui locate --json` runs as its own process with stdout to a file; its peak RSS
(``ru_maxrss`` of the child) and wall time are reported, with the output checked to be one JSON
document holding N objects. Target: peak RSS <= 150 MB at 100,000 objects. The last line is one
JSON object.

    python3 benchmarks/bench_locate_stream.py [--objects 100000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from benchmarks.bench_browser import POPULATE  # noqa: E402 - the same filling as the browser's benchmark
from benchmarks.bench_headless import commands_on_a_sandbox  # noqa: E402

TARGET_MB = 150.0
# Runs the command as its only child, so that the children's peak RSS is the command's alone.
MEASURED = """
import resource, subprocess, sys
with open(sys.argv[1], "wb") as out:
    subprocess.run(sys.argv[2:], stdout=out, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=100_000)
    args = parser.parse_args()
    with commands_on_a_sandbox("bench-locate-") as (sandbox, env, conf, work_dir):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", POPULATE, sandbox.url, str(args.objects)], check=True, env=env)
        print(f"populated {args.objects} objects in {time.perf_counter() - started:.1f} s", flush=True)
        output = work_dir / "locate.json"
        started = time.perf_counter()
        measured = subprocess.run(
            [
                sys.executable,
                "-c",
                MEASURED,
                str(output),
                sys.executable,
                "-m",
                "kms_tui",
                "locate",
                "--conf",
                str(conf),
                "--json",
            ],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            cwd=REPO,
        )
        seconds = time.perf_counter() - started
        peak_mb = int(measured.stdout.strip()) / 1024  # ru_maxrss is in kB on Linux
        document = json.loads(output.read_text())
        size_mb = output.stat().st_size / 1e6
    assert document["count"] == args.objects == len(document["objects"]), document["count"]
    met = peak_mb <= TARGET_MB
    print(
        f"locate --json: {args.objects} objects in {seconds:.1f} s, {size_mb:.1f} MB of JSON, "
        f"peak RSS {peak_mb:.1f} MB ({peak_mb * 1024 * 1024 / args.objects:.0f} bytes per object; "
        f"target <= {TARGET_MB:.0f} MB): {'OK' if met else 'ABOVE TARGET'}"
    )
    print(
        json.dumps(
            {
                "benchmark": "locate_stream",
                "objects": args.objects,
                "seconds": round(seconds, 2),
                "output_mb": round(size_mb, 1),
                "peak_rss_mb": round(peak_mb, 1),
                "target_peak_rss_mb": TARGET_MB,
                "met": met,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
