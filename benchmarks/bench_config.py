"""Config editor speed: live validation and a one-value save, against ``tomllib.loads``.

The console re-runs :func:`validate_document` on each edit of the config editor, so it must
stay cheap. The document is the richest real ckms config (``ckms_jwt.toml``, with oauth2 and
gmail tables) repeated into a 200-line file with comments. Reference: ``tomllib.loads`` of the
same text, measured in the same run. Target: live validation ≤ 3× tomllib. A save (tomlkit
parse, one edit, render — done once per save, not per keystroke) is reported for information:
tomlkit keeps every byte and is much slower. Prints figures; the last line is one JSON object.

    python3 benchmarks/bench_config.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kms_tui.config import ProfileDocument, validate_document

TARGET = 3.0
DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "reference" / "ckms_configs"


def document_text() -> str:
    base = (DATA / "ckms_jwt.toml").read_text()
    comments = "".join(f"# note {i}: why this value is what it is\n" for i in range(150))
    return comments + base


def best_of(repeat: int, func: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def edit_and_render(text: str) -> str:
    document = ProfileDocument.parse(text)
    document.set("http_config.server_url", "https://kms.example.com:9998")
    return document.render()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    text = document_text()
    assert validate_document(text) == []
    reference = best_of(args.repeat, lambda: tomllib.loads(text))
    validate = best_of(args.repeat, lambda: validate_document(text))
    save = best_of(args.repeat, lambda: edit_and_render(text))
    lines = len(text.splitlines())
    print(f"document: {lines} lines, {len(text)} bytes")
    print(f"tomllib.loads:       {reference * 1000:8.3f} ms (reference)")
    print(f"validate_document:   {validate * 1000:8.3f} ms  ratio {validate / reference:6.1f}")
    print(f"parse+edit+render:   {save * 1000:8.3f} ms  ratio {save / reference:6.1f}")
    worst = validate / reference
    print(
        json.dumps(
            {
                "benchmark": "config",
                "target_ratio": TARGET,
                "validate_ms": round(validate * 1000, 3),
                "edit_render_ms": round(save * 1000, 3),
                "tomllib_ms": round(reference * 1000, 3),
                "validate_ratio": round(validate / reference, 2),
                "edit_render_ratio": round(save / reference, 2),
                "worst_ratio": round(worst, 2),  # the live path only
                "meets_target": worst <= TARGET,
                "met": worst <= TARGET,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
