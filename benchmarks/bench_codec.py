"""JSON TTLV codec speed against the json module, on the documents the console handles most.

Documents: a 1,000-item LocateResponse and a ResponseMessage batch of 1,000 GetAttributesResponse
items with realistic attributes (dates, masks, digest, links, name, tags). For each, decode time
is compared with ``json.loads`` and encode time with ``json.dumps`` of the same document
(compact, as Cosmian writes it). Target: both ratios ≤ 3. Prints figures; the last line is one
JSON object.

    python3 benchmarks/bench_codec.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kms_tui.kmip.enums import HashingAlgorithm, LinkType, Operation, ResultStatus
from kms_tui.kmip.models import (
    Attributes,
    Digest,
    GetAttributesResponse,
    Link,
    LocateResponse,
    Name,
    ResponseBatchItem,
    ResponseMessage,
)
from kms_tui.kmip.ttlv import decode, encode

TARGET = 3.0
ITEMS = 1000


def locate_response() -> str:
    ids = [str(uuid.UUID(int=i * 7919 + 1)) for i in range(ITEMS)]
    return LocateResponse(located_items=ITEMS, unique_identifier=ids).to_json()


def _attributes(i: int, base: datetime) -> Attributes:
    uid = str(uuid.UUID(int=i * 104729 + 3))
    created = base + timedelta(minutes=i)
    attrs = Attributes(
        activation_date=created,
        always_sensitive=False,
        cryptographic_algorithm="AES" if i % 3 else "RSA",
        cryptographic_length=256 if i % 3 else 3072,
        cryptographic_usage_mask=2108,
        digest=Digest(
            hashing_algorithm=HashingAlgorithm.SHA256, digest_value=uuid.UUID(int=i).bytes * 2, key_format_type="Raw"
        ),
        extractable=True,
        initial_date=created,
        key_format_type="Raw",
        last_change_date=created + timedelta(seconds=5),
        lease_time=3600,
        link=[Link(link_type=LinkType.PublicKeyLink, linked_object_identifier=uid + "_pk")] if i % 3 == 0 else None,
        name=[Name(name_value=f"key-{i:04d}")],
        never_extractable=False,
        object_type="SymmetricKey" if i % 3 else "PrivateKey",
        original_creation_date=created,
        sensitive=False,
        short_unique_identifier="",
        state="Active" if i % 5 else "Deactivated",
        unique_identifier=uid,
    )
    attrs.set_tags(["_kk" if i % 3 else "_sk", f"team-{i % 7}", "prod"])
    return attrs


def get_attributes_batch() -> str:
    base = datetime(2026, 8, 14, 9, 30, tzinfo=UTC)
    items = []
    for i in range(ITEMS):
        attrs = _attributes(i, base)
        payload = GetAttributesResponse(unique_identifier=attrs.unique_identifier, attributes=attrs)
        items.append(
            ResponseBatchItem(
                operation=Operation.GetAttributes, result_status=ResultStatus.Success, response_payload=payload
            )
        )
    return ResponseMessage.of(items, now=base).to_json()


def best(fn: Callable[[], Any], repeat: int) -> float:
    """Best wall time of ``repeat`` runs, seconds (least disturbed by other load)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def measure(name: str, text: str, repeat: int) -> dict[str, float]:
    node = decode(text)
    obj = json.loads(text)
    assert encode(node) == text, f"{name}: codec output differs from the document"
    t_loads = best(lambda: json.loads(text), repeat)
    t_decode = best(lambda: decode(text), repeat)
    t_dumps = best(lambda: json.dumps(obj, separators=(",", ":")), repeat)
    t_encode = best(lambda: encode(node), repeat)
    r = {
        "bytes": len(text),
        "json_loads_ms": t_loads * 1e3,
        "decode_ms": t_decode * 1e3,
        "decode_ratio": t_decode / t_loads,
        "json_dumps_ms": t_dumps * 1e3,
        "encode_ms": t_encode * 1e3,
        "encode_ratio": t_encode / t_dumps,
    }
    print(
        f"{name:<22} {len(text) / 1e6:6.2f} MB | decode {r['decode_ms']:7.1f} ms vs json.loads "
        f"{r['json_loads_ms']:6.1f} ms = {r['decode_ratio']:.2f}x | encode {r['encode_ms']:7.1f} ms vs "
        f"json.dumps {r['json_dumps_ms']:6.1f} ms = {r['encode_ratio']:.2f}x"
    )
    return r


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="runs per measurement (best kept)")
    args = parser.parse_args()
    results = {
        "locate_response_1000": measure("LocateResponse x1000", locate_response(), args.repeat),
        "get_attributes_batch_1000": measure("GetAttributes x1000", get_attributes_batch(), args.repeat),
    }
    worst = max(max(r["decode_ratio"], r["encode_ratio"]) for r in results.values())
    summary = {
        "benchmark": "codec",
        "target_ratio": TARGET,
        "worst_ratio": round(worst, 2),
        "meets_target": worst <= TARGET,
        "met": worst <= TARGET,
        **{
            f"{doc}_{k}": round(v, 3)
            for doc, r in results.items()
            for k, v in r.items()
            if k.endswith(("ratio", "_ms"))
        },
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
