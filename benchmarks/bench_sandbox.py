"""Sandbox throughput and latency, measured against a real `kms-tui serve` child process.

* Get and Locate with 1, 8 and 32 concurrent clients: requests/s, p50 and p99 latency, and the
  throughput as a ratio to `GET /version` (the HTTP floor) at the same concurrency. Clients are
  httpx.AsyncClient instances, at most 8 per client process (httpx itself slows down beyond).
* The latency of an AES-256 Create while RSA-4096 key pairs are being generated, as a ratio to
  the idle baseline measured in the same run (CPU-heavy work must not stall other requests).

* Get and ``GET /version`` at 8 clients again, sent over raw keep-alive sockets (requests made
  in advance, one in flight per connection, one client process): the client costs a few
  microseconds per request, so the sandbox is the bound, not httpx (whose 8 clients need more
  CPU than the sandbox's answers). The Get target is judged on these ``*_raw_c8`` runs.
* The server's own CPU time per request (user + system, its threads included) for each run, as a
  ratio to `GET /version`'s: what the sandbox spends on a request, whatever the clients (which
  share the machine) manage to send.

Targets (issue 14), in the last line's ``targets`` and ``targets_met``: Get throughput at 8
raw clients ≥ 3× the sandbox of the issue's day, compared as ratios to `GET /version` in each
run (``BASELINE``: that code measured with this benchmark); p50 with 32 clients ≤ 40 ms; the AES
Create p50 during RSA-4096 generation, as a ratio to idle, and its p99 (the stall), no worse than
the baseline's.
``--checkout DIR`` runs the sandbox from another checkout (its ``kms_tui``), to measure a baseline.

Usage: python3 benchmarks/bench_sandbox.py [--seconds 3] [--checkout DIR]. The last line printed is
one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import selectors
import socket
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.server.kmip import aes, first, s, tag_attr, uid
from tests.support.sandbox import start_sandbox

CONCURRENCY = (1, 8, 32)
OBJECTS = 300
CLIENTS_PER_PROCESS = 8  # httpx.AsyncClient slows down past ~8 connections per event loop
BENCH_TAG = "bench-sandbox"
# The sandbox of the day (commit 88411ac, the last change to kms_tui/server before issue 14
# was filed), measured with this benchmark (--checkout) on 2 cores shared with other work: the
# median of runs. With httpx clients, Get at 8 clients was already 0.66-0.96x GET /version (the
# clients, not the sandbox, bounded it); over raw sockets the sandbox is the bound: Get 0.193-0.211x
# /version over three runs (2,744-3,490 Get/s, 0.29-0.36 ms of server CPU each).
BASELINE = {
    "get_raw_c8_ratio_to_version_rps": 0.21,
    "get_c8_ratio_to_version_rps": 0.755,
    "get_c32_p50_ms": 27.6,
    "rsa4096_stall_p50_ratio": 1.37,
    "rsa4096_stall_p99_ms": 356.0,
    "get_server_cpu_ms": 0.245,
}
GET_SPEEDUP_TARGET = 3.0
P50_C32_TARGET_MS = 40.0


RSA_4096_PAIR = {
    "tag": "CreateKeyPair",
    "value": [
        {
            "tag": "CommonAttributes",
            "value": [
                {"tag": "CryptographicAlgorithm", "type": "Enumeration", "value": "RSA"},
                {"tag": "CryptographicLength", "type": "Integer", "value": 4096},
                {"tag": "CryptographicUsageMask", "type": "Integer", "value": 2097152},
            ],
        }
    ],
}
LOCATE_BY_TAG = {
    "tag": "Locate",
    "value": [
        {"tag": "MaximumItems", "type": "Integer", "value": 50},
        {"tag": "Attributes", "value": [tag_attr(BENCH_TAG)]},
    ],
}


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


async def _post(client: httpx.AsyncClient, body: dict) -> float:
    start = time.perf_counter()
    resp = await client.post("/kmip/2_1", content=json.dumps(body))
    elapsed = time.perf_counter() - start
    if resp.status_code != 200:
        raise RuntimeError(f"{body['tag']} failed: HTTP {resp.status_code} {resp.text[:200]}")
    return elapsed


async def _timed(client: httpx.AsyncClient, kind: str, ids: list[str]) -> float:
    if kind == "version":
        start = time.perf_counter()
        (await client.get("/version")).raise_for_status()
        return time.perf_counter() - start
    if kind == "get":
        return await _post(client, s("Get", uid(random.choice(ids))))
    return await _post(client, LOCATE_BY_TAG)


async def _client_load(
    url: str, concurrency: int, start_at: float, seconds: float, kind: str, ids: list[str]
) -> list[float]:
    """`concurrency` workers on one httpx.AsyncClient, all inside the same wall-clock window."""
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        await asyncio.sleep(max(0.0, start_at - time.time()))

        async def worker() -> None:
            while time.time() < start_at + seconds:
                latencies.append(await _timed(client, kind, ids))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


def _client_process(args: tuple) -> list[float]:
    return asyncio.run(_client_load(*args))


def cpu_seconds(server: psutil.Process) -> float:
    """User + system CPU of the sandbox process (all its threads) and any children."""
    times = [server.cpu_times()] + [child.cpu_times() for child in server.children(recursive=True)]
    return sum(t.user + t.system for t in times)


def summary(latencies: list[float], seconds: float, cpu: float) -> dict:
    """Requests, rate, p50/p99 of sorted ``latencies`` over ``seconds``; server CPU per request."""
    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / seconds, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 99) * 1000, 2),
        "server_cpu_ms_per_request": round(cpu / max(len(latencies), 1) * 1000, 3),
    }


def load(
    pool: ProcessPoolExecutor,
    url: str,
    concurrency: int,
    seconds: float,
    kind: str,
    ids: list[str],
    server: psutil.Process,
) -> dict:
    """Spread `concurrency` clients over processes (httpx tops out near 8 per event loop)."""
    procs = max(1, concurrency // CLIENTS_PER_PROCESS)
    shares = [concurrency // procs + (1 if i < concurrency % procs else 0) for i in range(procs)]
    start_at = time.time() + 0.5
    cpu_before = cpu_seconds(server)
    runs = pool.map(_client_process, [(url, share, start_at, seconds, kind, ids) for share in shares])
    latencies = sorted(x for run in runs for x in run)
    cpu = cpu_seconds(server) - cpu_before
    return summary(latencies, seconds, cpu)


RAW_CONNECTIONS = 8


def _raw_request(host: str, port: int, kind: str, uid_value: str = "") -> bytes:
    if kind == "version":
        return f"GET /version HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    body = json.dumps(s("Get", uid(uid_value))).encode()
    head = (
        f"POST /kmip/2_1 HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def _raw_process(args: tuple) -> list[float]:
    """Keep-alive connections, one request in flight on each, answers read by Content-Length;
    a request is sent again as soon as its answer is in. Latencies of the answers in the window."""
    url, kind, ids, connections, start_at, seconds = args
    host, port = url.split("//", 1)[1].rsplit(":", 1)
    requests = [_raw_request(host, int(port), kind, i) for i in (ids if kind == "get" else ["-"])]
    selector = selectors.DefaultSelector()
    state = {}
    for n in range(connections):
        sock = socket.create_connection((host, int(port)))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        selector.register(sock, selectors.EVENT_READ)
        state[sock] = [b"", 0.0, n]
    time.sleep(max(0.0, start_at - time.time()))
    end = time.perf_counter() + seconds
    latencies: list[float] = []
    for sock, st in state.items():
        st[1] = time.perf_counter()
        sock.sendall(requests[st[2] % len(requests)])
    while time.perf_counter() < end:
        for key, _events in selector.select(1.0):
            sock = key.fileobj
            st = state[sock]
            st[0] += sock.recv(262144)
            while (head_end := st[0].find(b"\r\n\r\n")) >= 0:
                head = st[0][:head_end].lower()
                length = int(head.split(b"content-length:")[1].split(b"\r\n")[0])
                if len(st[0]) < head_end + 4 + length:
                    break
                if not head.startswith(b"http/1.1 200"):
                    raise RuntimeError(f"{kind} failed: {head[:80]!r}")
                st[0] = st[0][head_end + 4 + length :]
                now = time.perf_counter()
                latencies.append(now - st[1])
                st[1], st[2] = now, st[2] + connections
                sock.sendall(requests[st[2] % len(requests)])
    for sock in state:
        sock.close()
    selector.close()
    return latencies


def raw_load(pool: ProcessPoolExecutor, url: str, seconds: float, kind: str, ids: list[str], server) -> dict:
    """:data:`RAW_CONNECTIONS` raw clients in one process (see :func:`_raw_process`)."""
    cpu_before = cpu_seconds(server)
    (latencies,) = pool.map(_raw_process, [(url, kind, ids, RAW_CONNECTIONS, time.time() + 0.3, seconds)])
    cpu = cpu_seconds(server) - cpu_before
    latencies.sort()
    return summary(latencies, seconds, cpu)


async def populate(url: str) -> list[str]:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        ids = []
        for _ in range(OBJECTS):
            resp = await client.post("/kmip/2_1", content=json.dumps(aes(active=False, tags=(BENCH_TAG,))))
            resp.raise_for_status()
            ids.append(first(resp.json(), "UniqueIdentifier"))
        return ids


async def create_latency_under_rsa_load(url: str, samples: int, generators: int) -> dict:
    """AES Create latency while `generators` clients keep generating RSA-4096 key pairs."""
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:

        async def aes_samples() -> list[float]:
            out = []
            for _ in range(samples):
                out.append(await _post(client, aes(active=False)))
                await asyncio.sleep(0.02)
            return sorted(out)

        idle = await aes_samples()
        stop = asyncio.Event()
        rsa_done = 0

        async def rsa_generator() -> None:
            nonlocal rsa_done
            while not stop.is_set():
                await _post(client, RSA_4096_PAIR)
                rsa_done += 1

        tasks = [asyncio.create_task(rsa_generator()) for _ in range(generators)]
        await asyncio.sleep(0.3)  # let the generators start
        loaded = await aes_samples()
        stop.set()
        await asyncio.gather(*tasks)
    return {
        "idle_p50_ms": round(percentile(idle, 50) * 1000, 2),
        "idle_p99_ms": round(percentile(idle, 99) * 1000, 2),
        "loaded_p50_ms": round(percentile(loaded, 50) * 1000, 2),
        "loaded_p99_ms": round(percentile(loaded, 99) * 1000, 2),
        "rsa4096_pairs_generated": rsa_done,
        "p50_ratio_loaded_to_idle": round(statistics.median(loaded) / statistics.median(idle), 2),
    }


def run(url: str, seconds: float, server: psutil.Process) -> dict:
    ids = asyncio.run(populate(url))
    results: dict = {"objects": OBJECTS, "seconds_per_run": seconds}
    workers = max(CONCURRENCY) // CLIENTS_PER_PROCESS
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        list(pool.map(time.sleep, [1.0] * workers))  # spawn every client process before measuring
        for c in CONCURRENCY:
            floor = load(pool, url, c, seconds, "version", ids, server)
            results[f"version_c{c}"] = floor
            for name in ("get", "locate"):
                figures = load(pool, url, c, seconds, name, ids, server)
                figures["ratio_to_version_rps"] = round(figures["rps"] / floor["rps"], 3)
                figures["ratio_to_version_p50"] = round(figures["p50_ms"] / floor["p50_ms"], 3)
                figures["server_cpu_ratio_to_version"] = round(
                    figures["server_cpu_ms_per_request"] / max(floor["server_cpu_ms_per_request"], 1e-6), 3
                )
                results[f"{name}_c{c}"] = figures
                print(
                    f"{name:6s} c={c:<3d} {figures['rps']:8.1f} req/s  p50 {figures['p50_ms']:7.2f} ms  "
                    f"p99 {figures['p99_ms']:7.2f} ms  ({figures['ratio_to_version_rps']:.2f}x of /version)  "
                    f"server CPU {figures['server_cpu_ms_per_request']:.3f} ms/request "
                    f"({figures['server_cpu_ratio_to_version']:.2f}x of /version)"
                )
        raw_load(pool, url, 0.5, "get", ids, server)  # every Get answered once before measuring
        floor = raw_load(pool, url, seconds, "version", ids, server)
        results["version_raw_c8"] = floor
        figures = raw_load(pool, url, seconds, "get", ids, server)
        figures["ratio_to_version_rps"] = round(figures["rps"] / floor["rps"], 3)
        results["get_raw_c8"] = figures
        print(
            f"raw    c={RAW_CONNECTIONS:<3d} /version {floor['rps']:8.1f} req/s, Get {figures['rps']:8.1f} req/s "
            f"({figures['ratio_to_version_rps']:.2f}x of /version), p50 {figures['p50_ms']:.2f} ms, "
            f"server CPU {figures['server_cpu_ms_per_request']:.3f} ms/Get"
        )
    create = asyncio.run(create_latency_under_rsa_load(url, samples=30, generators=2))
    results["aes_create_during_rsa4096"] = create
    print(
        f"AES Create idle p50 {create['idle_p50_ms']} ms p99 {create['idle_p99_ms']} ms; during RSA-4096 "
        f"generation p50 {create['loaded_p50_ms']} ms p99 {create['loaded_p99_ms']} ms "
        f"(x{create['p50_ratio_loaded_to_idle']}, {create['rsa4096_pairs_generated']} pairs generated)"
    )
    return results


def verdict(results: dict) -> dict:
    """The issue's targets: the figures they judge, the baseline, the targets and whether each is met."""
    figures = {
        "get_raw_c8_ratio_to_version_rps": results["get_raw_c8"]["ratio_to_version_rps"],
        "get_raw_c8_rps": results["get_raw_c8"]["rps"],
        "get_c8_ratio_to_version_rps": results["get_c8"]["ratio_to_version_rps"],
        "get_c32_p50_ms": results["get_c32"]["p50_ms"],
        "get_c32_p50_ratio_to_version": results["get_c32"]["ratio_to_version_p50"],
        "rsa4096_stall_p50_ratio": results["aes_create_during_rsa4096"]["p50_ratio_loaded_to_idle"],
        "rsa4096_stall_p99_ms": results["aes_create_during_rsa4096"]["loaded_p99_ms"],
        "get_server_cpu_ms": results["get_c8"]["server_cpu_ms_per_request"],
    }
    base_ratio = BASELINE["get_raw_c8_ratio_to_version_rps"]
    figures["get_c8_speedup_vs_baseline"] = (
        round(figures["get_raw_c8_ratio_to_version_rps"] / base_ratio, 2) if base_ratio else None
    )
    base_cpu = BASELINE["get_server_cpu_ms"]
    figures["get_server_cpu_speedup_vs_baseline"] = (
        round(base_cpu / figures["get_server_cpu_ms"], 2) if base_cpu and figures["get_server_cpu_ms"] else None
    )
    targets = {
        "get_c8_speedup_vs_baseline": f">= {GET_SPEEDUP_TARGET}",
        "get_c32_p50_ms": f"<= {P50_C32_TARGET_MS}",
        "rsa4096_stall_p50_ratio": f"<= {BASELINE['rsa4096_stall_p50_ratio']} (the baseline's)",
        "rsa4096_stall_p99_ms": f"<= {BASELINE['rsa4096_stall_p99_ms']} (the baseline's)",
    }
    speedup = figures["get_c8_speedup_vs_baseline"]
    met = {
        "get_c8_speedup_vs_baseline": speedup is not None and speedup >= GET_SPEEDUP_TARGET,
        "get_c32_p50_ms": figures["get_c32_p50_ms"] <= P50_C32_TARGET_MS,
        "rsa4096_stall_p50_ratio": figures["rsa4096_stall_p50_ratio"] <= BASELINE["rsa4096_stall_p50_ratio"],
        "rsa4096_stall_p99_ms": figures["rsa4096_stall_p99_ms"] <= BASELINE["rsa4096_stall_p99_ms"],
    }
    return {"figures": figures, "baseline": BASELINE, "targets": targets, "targets_met": met, "met": all(met.values())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each throughput run")
    parser.add_argument("--checkout", type=Path, help="run the sandbox from this checkout's kms_tui (a baseline)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as tmp:
        here = Path.cwd()
        env = None
        if args.checkout:  # `python -m kms_tui` imports from its working directory first
            env = {"PYTHONPATH": str(args.checkout.resolve())}
            os.chdir(args.checkout)
        try:
            sandbox = start_sandbox(Path(tmp), env=env)
        finally:
            os.chdir(here)
        try:
            results = run(sandbox.url, args.seconds, psutil.Process(sandbox.proc.pid))
        finally:
            sandbox.stop()
    checked = verdict(results)
    for name, ok in checked["targets_met"].items():
        print(f"{name:28s} {checked['figures'][name]} (target {checked['targets'][name]}): {'OK' if ok else 'NOT MET'}")
    print(json.dumps({"benchmark": "sandbox", "checkout": "other" if args.checkout else "this", **results, **checked}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
