"""The object browser loading 10,000 sandbox objects, measured in the real console (headless).

One run: a fresh sandbox is filled with N objects by a child process (so this process's peak RSS
is the console's own), then the console opens on it at 120×40 and goes to the objects screen.
From the objects screen's first frame (the switch to it, from pressing "2", is ``screen_switch_s``),
"down"/"up" keys arrive every 10 ms (``--key-every-ms``) from another thread, as a user scrolling would (open loop:
a stalled console delays keys, it does not delay the sender). After the first load, the idle
console gets the same keys for a second (the reference), then ``r`` reloads the list
``--reloads`` times while the keys keep coming.

Printed: time to the first rows and to all rows (from pressing "2"), the client's round trips,
peak RSS of this process, and the key-press-to-frame latency (p50/p99) while the list loads,
over the reloads (``r``: the same load, on a screen already built). The first load's own p99,
``first_load_p99_key_to_frame_ms``, is printed too: it also holds the tail of Textual's switch to
a screen it has never shown (the app handles the "2" key for 110-130 ms: composing the screen,
applying its styles, the footer's keys), which keys pressed meanwhile wait for, load or not:
``first_screen_no_load_p99_key_to_frame_ms`` is the same first screen and window on a server
with one screenful of objects (almost no load), measured in the same run.
References from the same run: ``KmsClient.list_objects()`` alone (the floor for "all rows") and
the idle console's latency. At 10 ms between keys a reload gets ~60 keys. The sender thread
needs the GIL too: when the console holds it, keys are not even sent
(``max_gap_between_keys_sent_ms`` shows how long), so the percentiles would miss those stalls,
as a terminal's input thread would be delayed too. Targets: first rows ≤ 1 s, RSS ≤ 150 MB
(≤ 200 MB above 10,000 objects up to 100,000, none above: ``rss_per_object_kb`` shows the
growth), p99 ≤ 50 ms (above 10,000 objects, during the first load too). A frame
is counted when the app hands a compositor update to the driver, after rendering it to terminal
segments as a real terminal would need. Above 10,000 objects, all rows must also take ≤ 1.5×
``KmsClient.list_objects()`` alone (``all_rows_vs_reference``). Last line: one JSON object, with
``targets``, ``targets_met`` and ``met``.

``--objects`` takes several sizes, comma-separated (``--objects 10000,100000,300000``): each size
runs in a child process of its own (peak RSS is per process), one after the other, and a table of
RSS per object and run time per size follows, so the growth is visible. The last line is then one
JSON object with every size's figures (``sizes``), its RSS per object and whether all targets hold.

    python3 benchmarks/bench_browser.py [--objects 10000] [--reloads 3] [--key-every-ms 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil
from textual import events
from textual._compositor import CompositorUpdate

from kms_tui.client import ConnectionSettings, KmsClient, RetryPolicy
from kms_tui.tui.app import create_app
from kms_tui.tui.objects.table import ObjectTable
from tests.support.sandbox import start_sandbox

TARGETS = {"first_rows_s": 1.0, "peak_rss_mb": 150.0, "p99_key_to_frame_ms": 50.0}
# Above 10,000 objects (issue 14: 100,000 objects): peak RSS ≤ 200 MB, all rows ≤ 1.5× the
# listing alone (at 10,000 the screen switch, ~0.6 s, is most of "all rows": no target there), and
# p99 ≤ 50 ms during the first load too ("while the load and a reload run").
LARGE_TARGETS = {**TARGETS, "peak_rss_mb": 200.0, "all_rows_vs_reference": 1.5, "first_load_p99_key_to_frame_ms": 50.0}
# Above 100,000 objects (300,000, run by hand) the issue asks for the growth only: no RSS target.
HUGE_TARGETS = {k: v for k, v in LARGE_TARGETS.items() if k != "peak_rss_mb"}


def targets_for(objects: int) -> dict[str, float]:
    return TARGETS if objects <= 10_000 else LARGE_TARGETS if objects <= 100_000 else HUGE_TARGETS


KEY_EVERY_S = 0.01  # default interval between keys (--key-every-ms)
SCREENFUL = 40  # objects on the reference server for the first screen without a load

POPULATE = """
import asyncio, sys
from kms_tui.client import ConnectionSettings, KmsClient, RetryPolicy
from kms_tui.client import requests as kmip
async def main(url, count):
    settings = ConnectionSettings.from_http_config({"server_url": url})
    async with KmsClient(settings, retry=RetryPolicy(timeout=600)) as client:
        for start in range(0, count, 2000):
            ops = []
            for i in range(start, min(count, start + 2000)):
                tags = ["bench", "team-%d" % (i % 7)]
                ops.append(kmip.create_symmetric_key(length=(128, 192, 256)[i % 3], tags=tags, name="k%05d" % i))
            results = await client.batch(ops)
            assert all(r.ok for r in results), results[0].message
asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


class FrameClock:
    """Timestamps of frames the app hands to its driver (rendered to segments first)."""

    def __init__(self, app) -> None:
        self.times: list[float] = []
        self.first_of: dict[str, float] = {}  # screen class name -> its first frame
        original = app._display

        def display(screen, renderable):
            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(app.console)  # the work a real terminal frame costs
                self.times.append(time.perf_counter())
                self.first_of.setdefault(type(screen).__name__, self.times[-1])
            return original(screen, renderable)

        app._display = display

    def first_after(self, moment: float) -> float | None:
        for t in reversed(self.times):
            if t < moment:
                break
        later = [t for t in self.times if t >= moment]
        return later[0] if later else None


class KeyFeeder(threading.Thread):
    """Sends "down"/"up" every ``every`` seconds from its own thread, as a terminal's input thread
    does, so a stalled event loop delays the keys instead of the test (no coordinated omission)."""

    def __init__(self, app, every: float = KEY_EVERY_S) -> None:
        super().__init__(daemon=True)
        self.app, self.sent, self.stop, self.every = app, [], threading.Event(), every

    def run(self) -> None:
        keys = ("down", "up")
        while not self.stop.is_set():
            event = events.Key(keys[len(self.sent) % 2], None)
            event.set_sender(self.app)
            self.sent.append(time.perf_counter())
            self.app._driver.send_message(event)
            time.sleep(self.every)


class KeyTrace:
    """When the table handled each key, and whether it had rows to redraw."""

    def __init__(self, table: ObjectTable) -> None:
        self.handled: list[tuple[float, bool]] = []
        original = table.action_cursor

        def traced(delta: int) -> None:
            original(delta)
            self.handled.append((time.perf_counter(), table.total > 0))

        table.action_cursor = traced  # type: ignore[method-assign]

    def latencies(self, sent: list[float], frames: FrameClock) -> list[tuple[float, float]]:
        """(sent time, seconds to the frame showing it) per key handled."""
        out = []
        for when, (handled, had_rows) in zip(sent, self.handled, strict=False):
            frame = frames.first_after(handled) if had_rows else handled
            out.append((when, (frame or handled) - when))
        return out


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))] if ordered else 0.0


async def reference_listing(url: str) -> tuple[float, int]:
    settings = ConnectionSettings.from_http_config({"server_url": url})
    async with KmsClient(settings, retry=RetryPolicy(timeout=600)) as client:
        started = time.perf_counter()
        listing = await client.list_objects()
        return time.perf_counter() - started, len(listing.objects)


def _press(app, key: str) -> None:
    """A key as a terminal sends it (pilot.press would wait for the app to go idle)."""
    event = events.Key(key, key)
    event.set_sender(app)
    app._driver.send_message(event)


async def _wait_loaded(screen, table: ObjectTable, expected: int, started: float) -> tuple[float, float]:
    """(time to the first rows, time to all rows) since ``started``."""
    first_rows = None
    while screen.load_running or table.total < expected:
        if first_rows is None and table.total:
            first_rows = time.perf_counter() - started
        await asyncio.sleep(0.002)
        if time.perf_counter() - started > 600:
            raise RuntimeError("the load did not finish in 10 minutes")
    all_rows = time.perf_counter() - started
    return (first_rows if first_rows is not None else all_rows), all_rows


async def measure_first_screen(conf: Path, window: float, key_every: float = KEY_EVERY_S) -> float:
    """The reference for the first load: p99 key-to-frame (ms) over the same ``window`` after the
    objects screen's first frame, on a server with one screenful of objects (so almost no load)."""
    app = create_app(conf=conf, discover_user_config=False, theme="textual-dark")
    async with app.run_test(size=(120, 40)):
        frames = FrameClock(app)
        while app.services is None:
            await asyncio.sleep(0.01)
        _press(app, "2")
        while "ObjectsScreen" not in frames.first_of:
            await asyncio.sleep(0.001)
        screen_up = frames.first_of["ObjectsScreen"]
        trace, feeder = KeyTrace(app.screen.query_one(ObjectTable)), KeyFeeder(app, key_every)
        feeder.start()
        await asyncio.sleep(max(window - (time.perf_counter() - screen_up), 0) + 0.2)
        feeder.stop.set()
        feeder.join()
        await asyncio.sleep(0.2)
        samples = [lat for sent, lat in trace.latencies(feeder.sent, frames) if sent < screen_up + window]
        return percentile(samples, 99) * 1000


async def measure_console(conf: Path, expected: int, reloads: int, key_every: float = KEY_EVERY_S) -> dict:
    app = create_app(conf=conf, discover_user_config=False, theme="textual-dark")
    async with app.run_test(size=(120, 40)):
        frames = FrameClock(app)
        while app.services is None:
            await asyncio.sleep(0.01)
        rss_before = psutil.Process().memory_info().rss / 2**20  # the console, connected, no rows yet
        started = time.perf_counter()
        _press(app, "2")
        while "ObjectsScreen" not in frames.first_of:
            await asyncio.sleep(0.001)
        # Keys are measured from the screen's first frame (the user sees it; its list is loading):
        # Textual's switch itself (compose, styles, first layout) is ``screen_switch_s``.
        screen_up = frames.first_of["ObjectsScreen"]
        screen = app.screen
        table = screen.query_one(ObjectTable)
        trace, feeder = KeyTrace(table), KeyFeeder(app, key_every)
        feeder.start()
        first_rows, all_rows = await _wait_loaded(screen, table, expected, started)
        peak_first = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB; console only
        decoder = app.services.client.listing_decoder  # the helper process that decoded the listing
        decoder_peak = decoder.peak_rss_kb / 1024
        phases = [("first", screen_up, time.perf_counter())]
        await asyncio.sleep(1.0)
        phases.append(("idle", time.perf_counter() - 0.9, time.perf_counter()))  # the reference
        reload_all: list[float] = []
        for _ in range(reloads):  # "r": the same load without the screen switch around it
            begin = time.perf_counter()
            _press(app, "r")
            while not screen.load_running:
                await asyncio.sleep(0.001)
            reload_all.append((await _wait_loaded(screen, table, expected, begin))[1])
            phases.append(("reload", begin, time.perf_counter()))
            await asyncio.sleep(0.3)
        feeder.stop.set()
        feeder.join()
        await asyncio.sleep(0.2)
        samples = trace.latencies(feeder.sent, frames)

        def during(name: str) -> list[float]:
            return [lat for sent, lat in samples if any(n == name and a <= sent < b for n, a, b in phases)]

        first, idle, reload = during("first"), during("idle"), during("reload")
        gaps = []  # between keys sent during one reload
        for name, begin, end in phases:
            sent = [t for t in feeder.sent if begin <= t < end] if name == "reload" else []
            gaps += [later - t for t, later in zip(sent, sent[1:], strict=False)]
        return {
            "screen_switch_s": round(screen_up - started, 3),
            "first_rows_s": round(first_rows, 3),
            "all_rows_s": round(all_rows, 3),
            "rows": table.total,
            "partial": bool(screen.partial_problems),
            "round_trips": screen.round_trips,
            "key_every_ms": round(key_every * 1000, 1),
            "keys_during_load": len(reload),
            # the sender needs the GIL too: a long gap means keys were not even sent (not counted)
            "max_gap_between_keys_sent_ms": round(max(gaps, default=0) * 1000, 1),
            "p50_key_to_frame_ms": round(percentile(reload, 50) * 1000, 1),
            "p99_key_to_frame_ms": round(percentile(reload, 99) * 1000, 1),
            "max_key_to_frame_ms": round(max(reload, default=0) * 1000, 1),
            "reload_all_rows_s": round(statistics.median(reload_all), 3) if reload_all else None,
            "keys_during_first_load": len(first),
            "first_load_p99_key_to_frame_ms": round(percentile(first, 99) * 1000, 1),
            "first_load_window_s": round(phases[0][2] - phases[0][1], 3),
            "idle_p50_key_to_frame_ms": round(percentile(idle, 50) * 1000, 1),
            "idle_p99_key_to_frame_ms": round(percentile(idle, 99) * 1000, 1),
            # the first load of N objects (the target): the console and its listing decoder
            "peak_rss_mb": round(peak_first + decoder_peak, 1),
            "console_peak_rss_mb": round(peak_first, 1),
            "decoder_peak_rss_mb": round(decoder_peak, 1),  # 0: no helper process was started
            "decoder": "process" if decoder.pid else "thread",
            "rss_before_load_mb": round(rss_before, 1),
            "rss_after_load_mb": round(psutil.Process().memory_info().rss / 2**20, 1),
        }


def run_one(objects: int, reloads: int, key_every: float) -> dict:
    """One size in this process: populate, measure the console, the references; the figures."""
    run_started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sandbox = start_sandbox(work / "sandbox")
        try:
            t0 = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", POPULATE, sandbox.url, str(objects)],
                check=True,
                cwd=Path(__file__).resolve().parents[1],
            )
            populate_s = time.perf_counter() - t0
            print(f"populated {objects} objects in {populate_s:.1f} s", flush=True)
            conf = work / "ckms.toml"
            conf.write_text(f'[http_config]\nserver_url = "{sandbox.url}"\n')
            result = asyncio.run(measure_console(conf, objects, reloads, key_every))
            peak_with_reloads = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            ref_s, ref_rows = asyncio.run(reference_listing(sandbox.url))
            print(f"reference: KmsClient.list_objects() alone: {ref_rows} objects in {ref_s:.3f} s", flush=True)
        finally:
            sandbox.stop()
        small = start_sandbox(work / "small")  # the first screen without a load to speak of
        try:
            subprocess.run(
                [sys.executable, "-c", POPULATE, small.url, str(SCREENFUL)],
                check=True,
                cwd=Path(__file__).resolve().parents[1],
            )
            conf_small = work / "small.toml"
            conf_small.write_text(f'[http_config]\nserver_url = "{small.url}"\n')
            switch_p99 = asyncio.run(measure_first_screen(conf_small, result["first_load_window_s"], key_every))
        finally:
            small.stop()
    result.update(
        objects=objects,
        peak_rss_with_reloads_mb=round(peak_with_reloads, 1),
        reference_list_objects_s=round(ref_s, 3),
        all_rows_vs_reference=round(result["all_rows_s"] / ref_s, 2) if ref_s else None,
        p99_during_load_vs_idle=round(result["p99_key_to_frame_ms"] / max(result["idle_p99_key_to_frame_ms"], 0.1), 2),
        first_screen_no_load_p99_key_to_frame_ms=round(switch_p99, 1),
        populate_s=round(populate_s, 1),
        run_s=round(time.perf_counter() - run_started, 1),  # the whole run, populating included
    )
    # what each object adds to the console (and its decoder), from connected-with-no-rows to the
    # first load's peak
    result["rss_per_object_kb"] = round((result["peak_rss_mb"] - result["rss_before_load_mb"]) * 1024 / objects, 2)
    targets = targets_for(objects)
    result["targets"] = targets
    result["targets_met"] = {k: result[k] is not None and result[k] <= v for k, v in targets.items()}
    result["met"] = all(result["targets_met"].values())
    return result


def print_one(result: dict) -> None:
    for key in (
        "first_rows_s",
        "all_rows_s",
        "reload_all_rows_s",
        "round_trips",
        "peak_rss_mb",
        "console_peak_rss_mb",
        "decoder_peak_rss_mb",
        "rss_before_load_mb",
        "rss_per_object_kb",
        "keys_during_load",
        "max_gap_between_keys_sent_ms",
        "p50_key_to_frame_ms",
        "p99_key_to_frame_ms",
        "idle_p99_key_to_frame_ms",
        "first_load_p99_key_to_frame_ms",
        "first_screen_no_load_p99_key_to_frame_ms",
        "all_rows_vs_reference",
        "populate_s",
        "run_s",
    ):
        print(f"{key:28} {result[key]}")


def run_sizes(sizes: list[int], reloads: int, key_every_ms: float) -> dict:
    """Each size in a child process of its own (ru_maxrss is the process's peak), in turn."""
    by_size: dict[str, dict] = {}
    for objects in sizes:
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                "--objects",
                str(objects),
                "--reloads",
                str(reloads),
                "--key-every-ms",
                str(key_every_ms),
            ],
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        )
        print(child.stdout, end="", flush=True)
        by_size[str(objects)] = json.loads(child.stdout.strip().splitlines()[-1])
    print(
        f"{'objects':>8} {'peak RSS MB':>12} {'kB/object':>10} {'first rows s':>13} {'all rows s':>11} "
        f"{'p99 ms':>7} {'run s':>7}  targets"
    )
    for objects, r in by_size.items():
        verdict = "met" if r["met"] else "NOT MET: " + ", ".join(k for k, ok in r["targets_met"].items() if not ok)
        print(
            f"{int(objects):>8} {r['peak_rss_mb']:>12} {r['rss_per_object_kb']:>10} {r['first_rows_s']:>13} "
            f"{r['all_rows_s']:>11} {r['p99_key_to_frame_ms']:>7} {r['run_s']:>7}  {verdict}"
        )
    return {
        "benchmark": "browser",
        "sizes": by_size,
        "rss_per_object_kb": {n: r["rss_per_object_kb"] for n, r in by_size.items()},
        "peak_rss_mb": {n: r["peak_rss_mb"] for n, r in by_size.items()},
        "run_s": {n: r["run_s"] for n, r in by_size.items()},
        "targets": {n: r["targets"] for n, r in by_size.items()},
        "targets_met": {n: r["targets_met"] for n, r in by_size.items()},
        "met": all(r["met"] for r in by_size.values()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--objects", default="10000", help="objects, or several sizes comma-separated (each in its own process)"
    )
    parser.add_argument("--reloads", type=int, default=3, help="loads measured with 'r' after the first")
    parser.add_argument("--key-every-ms", type=float, default=KEY_EVERY_S * 1000, help="interval between keys")
    args = parser.parse_args()
    sizes = [int(part.replace("_", "")) for part in args.objects.split(",") if part.strip()]
    if len(sizes) > 1:
        print(json.dumps(run_sizes(sizes, args.reloads, args.key_every_ms)))
        return 0
    result = run_one(sizes[0], args.reloads, args.key_every_ms / 1000)
    print_one(result)
    print(json.dumps({"benchmark": "browser", **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
