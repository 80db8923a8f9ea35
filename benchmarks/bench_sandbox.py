"""Sandbox throughput and latency, measured against a real `kms-tui serve` child process.

* Get and Locate with 1, 8 and 32 concurrent clients: requests/s, p50 and p99 latency, and the
  throughput as a ratio to `GET /version` (the HTTP floor) at the same concurrency. Clients are
  httpx.AsyncClient instances, at most 8 per client process (httpx itself slows down beyond).
* The latency of an AES-256 Create while RSA-4096 key pairs are being generated, as a ratio to
  the idle baseline measured in the same run (CPU-heavy work must not stall other requests).

Usage: python3 benchmarks/bench_sandbox.py [--seconds 3]. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.server.kmip import aes, first, s, tag_attr, uid
from tests.support.sandbox import start_sandbox

CONCURRENCY = (1, 8, 32)
OBJECTS = 300
CLIENTS_PER_PROCESS = 8  # httpx.AsyncClient slows down past ~8 connections per event loop
BENCH_TAG = "bench-sandbox"


RSA_4096_PAIR = {"tag": "CreateKeyPair", "value": [{"tag": "CommonAttributes", "value": [
    {"tag": "CryptographicAlgorithm", "type": "Enumeration", "value": "RSA"},
    {"tag": "CryptographicLength", "type": "Integer", "value": 4096},
    {"tag": "CryptographicUsageMask", "type": "Integer", "value": 2097152},
]}]}
LOCATE_BY_TAG = {"tag": "Locate", "value": [{"tag": "MaximumItems", "type": "Integer", "value": 50},
                                            {"tag": "Attributes", "value": [tag_attr(BENCH_TAG)]}]}


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


async def _client_load(url: str, concurrency: int, start_at: float, seconds: float, kind: str,
                       ids: list[str]) -> list[float]:
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


def load(pool: ProcessPoolExecutor, url: str, concurrency: int, seconds: float, kind: str, ids: list[str]) -> dict:
    """Spread `concurrency` clients over processes (httpx tops out near 8 per event loop)."""
    procs = max(1, concurrency // CLIENTS_PER_PROCESS)
    shares = [concurrency // procs + (1 if i < concurrency % procs else 0) for i in range(procs)]
    start_at = time.time() + 0.5
    runs = pool.map(_client_process, [(url, share, start_at, seconds, kind, ids) for share in shares])
    latencies = sorted(x for run in runs for x in run)
    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / seconds, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 99) * 1000, 2),
    }


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


def run(url: str, seconds: float) -> dict:
    ids = asyncio.run(populate(url))
    results: dict = {"objects": OBJECTS, "seconds_per_run": seconds}
    workers = max(CONCURRENCY) // CLIENTS_PER_PROCESS
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        list(pool.map(time.sleep, [1.0] * workers))  # spawn every client process before measuring
        for c in CONCURRENCY:
            floor = load(pool, url, c, seconds, "version", ids)
            results[f"version_c{c}"] = floor
            for name in ("get", "locate"):
                figures = load(pool, url, c, seconds, name, ids)
                figures["ratio_to_version_rps"] = round(figures["rps"] / floor["rps"], 3)
                results[f"{name}_c{c}"] = figures
                print(f"{name:6s} c={c:<3d} {figures['rps']:8.1f} req/s  p50 {figures['p50_ms']:7.2f} ms  "
                      f"p99 {figures['p99_ms']:7.2f} ms  ({figures['ratio_to_version_rps']:.2f}x of /version)")
    create = asyncio.run(create_latency_under_rsa_load(url, samples=30, generators=2))
    results["aes_create_during_rsa4096"] = create
    print(f"AES Create idle p50 {create['idle_p50_ms']} ms p99 {create['idle_p99_ms']} ms; during RSA-4096 "
          f"generation p50 {create['loaded_p50_ms']} ms p99 {create['loaded_p99_ms']} ms "
          f"(x{create['p50_ratio_loaded_to_idle']}, {create['rsa4096_pairs_generated']} pairs generated)")
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each throughput run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as tmp:
        sandbox = start_sandbox(Path(tmp))
        try:
            results = run(sandbox.url, args.seconds)
        finally:
            sandbox.stop()
    print(json.dumps({"benchmark": "sandbox", **results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
