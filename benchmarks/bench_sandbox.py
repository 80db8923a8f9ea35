"""Sandbox throughput and latency, measured against a real `kms-tui serve` child process.

* Get and Locate with 1, 8 and 32 concurrent clients: requests/s, p50 and p99 latency, and the
  throughput as a ratio to `GET /version` (the HTTP floor) at the same concurrency.
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
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.server.kmip import aes, first, s, tag_attr, uid  # noqa: E402
from tests.support.sandbox import start_sandbox  # noqa: E402 - needs the repository on sys.path

CONCURRENCY = (1, 8, 32)
OBJECTS = 300
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


async def load(url: str, concurrency: int, seconds: float, request) -> dict:
    """Run `concurrency` clients for `seconds`; `request(client)` performs one timed request."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:

        async def worker() -> None:
            while time.perf_counter() < deadline:
                latencies.append(await request(client))

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - start
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / wall, 1),
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


async def run(url: str, seconds: float) -> dict:
    ids = await populate(url)
    results: dict = {"objects": OBJECTS, "seconds_per_run": seconds}

    async def version(client: httpx.AsyncClient) -> float:
        start = time.perf_counter()
        (await client.get("/version")).raise_for_status()
        return time.perf_counter() - start

    async def get(client: httpx.AsyncClient) -> float:
        return await _post(client, s("Get", uid(random.choice(ids))))

    async def locate(client: httpx.AsyncClient) -> float:
        return await _post(client, LOCATE_BY_TAG)

    for c in CONCURRENCY:
        floor = await load(url, c, seconds, version)
        for name, request in (("get", get), ("locate", locate)):
            figures = await load(url, c, seconds, request)
            figures["ratio_to_version_rps"] = round(figures["rps"] / floor["rps"], 3)
            results[f"{name}_c{c}"] = figures
            print(f"{name:6s} c={c:<3d} {figures['rps']:8.1f} req/s  p50 {figures['p50_ms']:7.2f} ms  "
                  f"p99 {figures['p99_ms']:7.2f} ms  ({figures['ratio_to_version_rps']:.2f}x of /version)")
        results[f"version_c{c}"] = floor
    create = await create_latency_under_rsa_load(url, samples=30, generators=2)
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
            results = asyncio.run(run(sandbox.url, args.seconds))
        finally:
            sandbox.stop()
    print(json.dumps({"benchmark": "sandbox", **results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
