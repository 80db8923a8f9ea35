"""Key-operation throughput of the sandbox over HTTP, with `cryptography`'s own speed for the same
work measured in the same run as the reference.

* AES-256-GCM encryption of 4 KiB (the server's default mode for an AES key; a fresh nonce each);
* RSA-3072 signature, RSASSA-PSS SHA-256 (what `ckms rsa sign` asks for), of 32 bytes;
* Ed25519 signature of 32 bytes.

Each is run against a real `kms-tui serve` child process for ``--seconds`` by ``--clients``
client processes (one connection each, JSON TTLV requests as ckms sends them), then done directly with
`cryptography` in this process for the same time. The ratio is sandbox ops/s divided by
`cryptography` ops/s (the share of the raw crypto speed left after HTTP, JSON TTLV and the
server's key lookup, usage checks and audit-free bookkeeping).

Usage: python3 benchmarks/bench_crypto.py [--seconds 3] [--clients 2]. The last line printed is
one JSON object; the figures are for information (no target: ``targets`` is empty).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from kms_tui.kmip.models.crypto_requests import (
    cryptographic_parameters,
    encrypt_request,
    sign_request,
)
from kms_tui.kmip.ttlv import decode, encode
from tests.server.kmip import first, key_pair, s, t, uid
from tests.support.sandbox import start_sandbox

UNRESTRICTED = 0x200000
PLAINTEXT = os.urandom(4096)
MESSAGE = os.urandom(32)
PSS = {
    "DigitalSignatureAlgorithm": "RSASSAPSS",
    "HashingAlgorithm": "SHA256",
    "MaskGeneratorHashingAlgorithm": "SHA256",
}


def _keys(http: httpx.Client) -> dict[str, str]:
    def ok(body: dict) -> dict:
        r = http.post("/kmip/2_1", content=json.dumps(body))
        r.raise_for_status()
        return r.json()

    aes = s(
        "Create",
        t("ObjectType", "Enumeration", "SymmetricKey"),
        s(
            "Attributes",
            t("ActivationDate", "DateTime", "2024-01-01T00:00:00Z"),
            t("CryptographicAlgorithm", "Enumeration", "AES"),
            t("CryptographicLength", "Integer", 256),
            t("CryptographicUsageMask", "Integer", UNRESTRICTED),
        ),
    )
    out = {"aes": first(ok(aes), "UniqueIdentifier")}
    for name, kw in (("rsa", {"length": 3072}), ("ed25519", {})):
        body = key_pair("RSA" if name == "rsa" else "Ed25519", **kw)
        body["value"][0]["value"].append(t("CryptographicUsageMask", "Integer", UNRESTRICTED))
        out[name] = first(ok(body), "PrivateKeyUniqueIdentifier")
    return out


def _material(http: httpx.Client, key: str, fmt: str | None = None) -> bytes:
    body = s("Export", uid(key), *([t("KeyFormatType", "Enumeration", fmt)] if fmt else []))
    r = http.post("/kmip/2_1", content=json.dumps(body))
    r.raise_for_status()
    return bytes.fromhex(first(r.json(), "KeyMaterial"))


def _client_loop(url: str, body: str, seconds: float) -> int:
    """One client process: the same request in a loop for ``seconds`` (a plain httpx.Client:
    an async client in one process would be the bottleneck, not the server)."""
    done = 0
    with httpx.Client(base_url=url, timeout=60, headers={"Content-Type": "application/json"}) as http:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            r = http.post("/kmip/2_1", content=body)
            if r.status_code != 200:
                raise RuntimeError(f"HTTP {r.status_code}: {r.text[:200]}")
            done += 1
    return done


def _server_rate(pool: ProcessPoolExecutor, url: str, body: str, seconds: float, clients: int) -> tuple[float, int]:
    """ops/s of one request body with ``clients`` client processes for ``seconds``."""
    started = time.perf_counter()
    counts = list(pool.map(_client_loop, [url] * clients, [body] * clients, [seconds] * clients))
    elapsed = time.perf_counter() - started
    return sum(counts) / elapsed, sum(counts)


def _local_rate(fn, seconds: float) -> float:
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        fn()
        done += 1
    return done / (time.perf_counter() - started)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--clients", type=int, default=2)
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sb = start_sandbox(Path(tmp))
        try:
            with httpx.Client(base_url=sb.url, timeout=60, headers={"Content-Type": "application/json"}) as http:
                ids = _keys(http)
                aes_key = _material(http, ids["aes"])
                rsa_key = serialization.load_der_private_key(_material(http, ids["rsa"], "PKCS8"), None)
                ed_key = serialization.load_der_private_key(_material(http, ids["ed25519"], "PKCS8"), None)
                # one request of each, checked, before timing
                for node in (encrypt_request(ids["aes"], PLAINTEXT),):
                    r = http.post("/kmip/2_1", content=encode(node))
                    assert r.status_code == 200 and len(first(r.json(), "Data")) == 2 * len(PLAINTEXT), r.text[:200]
            cases = {
                "aes_gcm_4k_encrypt": (
                    encode(encrypt_request(ids["aes"], PLAINTEXT)),
                    lambda: AESGCM(aes_key).encrypt(os.urandom(12), PLAINTEXT, None),
                ),
                "rsa3072_pss_sign": (
                    encode(sign_request(ids["rsa"], MESSAGE, params=cryptographic_parameters(**PSS))),
                    lambda: rsa_key.sign(
                        MESSAGE, padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.DIGEST_LENGTH), hashes.SHA256()
                    ),
                ),
                "ed25519_sign": (encode(sign_request(ids["ed25519"], MESSAGE)), lambda: ed_key.sign(MESSAGE)),
            }
            figures: dict[str, dict[str, float]] = {}
            pool = ProcessPoolExecutor(max_workers=opts.clients, mp_context=get_context("spawn"))
            list(pool.map(len, [""] * opts.clients))  # start the client processes before timing
            for name, (body, reference) in cases.items():
                decode(body)  # the body is valid JSON TTLV
                server, count = _server_rate(pool, sb.url, body, opts.seconds, opts.clients)
                local = _local_rate(reference, opts.seconds)
                figures[name] = {
                    "sandbox_ops_s": round(server, 1),
                    "cryptography_ops_s": round(local, 1),
                    "ratio": round(server / local, 4),
                    "requests": count,
                }
                print(
                    f"{name:<22} sandbox {server:>9.1f} ops/s   cryptography {local:>10.1f} ops/s   "
                    f"ratio {server / local:.4f}",
                    flush=True,
                )
            pool.shutdown()
        finally:
            sb.stop()
    print(
        json.dumps(
            {
                "benchmark": "bench_crypto",
                "seconds": opts.seconds,
                "clients": opts.clients,
                "cpus": os.cpu_count(),
                **figures,
                # figures for information: no issue sets a target for them
                "targets": {},
                "targets_met": {},
                "met": True,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
