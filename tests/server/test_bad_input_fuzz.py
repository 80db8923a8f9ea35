"""Mutated requests never get a 500 and never change the store.

Every request file of Cosmian's conformance pack is broken in several seeded ways (truncated,
a node's type swapped, a key dropped, a value replaced by the wrong JSON kind, an unknown
enumeration name) and sent both bare and wrapped in a RequestMessage. Whatever the server makes
of it, the answer is one of Cosmian's statuses with a readable body, and a Locate afterwards
returns exactly the objects that were there before.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import DATA
from tests.server.kmip import located_ids
from tests.support.conformance import wrap_bare_operation
from tests.support.sandbox import Sandbox, start_sandbox

REQUESTS = sorted(p for p in (DATA / "conformance" / "vectors").rglob("*.json") if "user_id" not in p.read_text())
WRONG_VALUES = (None, [], {}, True, -1, 2**70, "", "0x", "ZZ", '["', 1.5)
WRONG_TYPES = ("Integer", "TextString", "ByteString", "Boolean", "DateTime", "LongInteger", "Enumeration", "Nope")
SEED = 20261122


def _nodes(doc) -> list[dict]:
    """Every TTLV node (dict with a tag) of a request, depth first."""
    out, stack = [], [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict) and "tag" in node:
            out.append(node)
            if isinstance(node.get("value"), list):
                stack.extend(node["value"])
    return out


def mutations(text: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    """(name, mutated body) pairs for one request file."""
    yield "truncated", text[: len(text) // 2]
    doc = json.loads(text)
    for name in ("type", "value", "drop", "enum"):
        mutated = copy.deepcopy(doc)
        nodes = [n for n in _nodes(mutated) if n is not mutated] or [mutated]
        node = rng.choice(nodes)
        if name == "type":
            node["type"] = rng.choice([t for t in WRONG_TYPES if t != node.get("type")])
        elif name == "value":
            node["value"] = rng.choice(WRONG_VALUES)
        elif name == "drop":
            del node[rng.choice([k for k in ("tag", "type", "value") if k in node])]
        else:
            enums = [n for n in nodes if n.get("type") == "Enumeration"] or nodes
            target = rng.choice(enums)
            target.update(type="Enumeration", value="NoSuchVariant")
        yield name, json.dumps(mutated)


def _cases() -> list[tuple[str, str]]:
    rng = random.Random(SEED)
    cases = []
    for path in REQUESTS:
        rel = path.relative_to(DATA / "conformance" / "vectors").as_posix()
        for name, body in mutations(path.read_text(), rng):
            cases.append((f"{rel}:{name}", body))
    return cases


@pytest.fixture(scope="module")
def populated(tmp_path_factory) -> Iterator[Sandbox]:
    from tests.server.kmip import aes  # the store holds a few objects to protect

    sb = start_sandbox(tmp_path_factory.mktemp("fuzz"))
    with httpx.Client(base_url=sb.url, timeout=30) as client:
        for i in range(3):
            assert client.post("/kmip/2_1", json=aes(active=i == 0, tags=("fuzz",))).status_code == 200
    yield sb
    sb.stop()


def _wrapped(body: str) -> str:
    """The mutated operation inside a RequestMessage, when it still parses as JSON."""
    try:
        op = json.loads(body)
    except ValueError:
        return body
    return json.dumps(wrap_bare_operation(op, (2, 1))) if isinstance(op, dict) else body


def test_mutated_requests_get_an_answer_not_a_crash(populated: Sandbox) -> None:
    cases = _cases()
    assert len(cases) >= 500, "the conformance pack was not found"
    problems: list[str] = []
    with httpx.Client(base_url=populated.url, timeout=30) as client:
        before = located_ids(client)
        for case, body in cases:
            for shape, sent in (("bare", body), ("message", _wrapped(body))):
                resp = client.post("/kmip/2_1", content=sent, headers={"Content-Type": "application/json"})
                if resp.status_code not in (200, 401, 404, 422) or "Internal server error" in resp.text:
                    problems.append(f"{case} ({shape}): HTTP {resp.status_code} {resp.text[:120]}")
        after = located_ids(client)
    assert not problems, f"{len(problems)} mutated requests crashed the handler:\n" + "\n".join(problems[:20])
    # Mutations of Create/Import/Register may legitimately create objects; nothing may vanish.
    assert set(before) <= set(after), "a mutated request removed objects"
    assert populated.proc.poll() is None
