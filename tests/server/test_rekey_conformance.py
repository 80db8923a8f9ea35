"""Cosmian's own regression vectors for ReKey and ReKeyKeyPair, replayed against the sandbox:
links between old and new keys, names moved, offsets, states, wrapped and wrapping keys, chains,
refusals (PreActive, destroyed, algorithm change, no public link, not the latest of a keyset).
The vectors come byte-identical from Cosmian/test_data (tests/data/conformance_rekey/README.md
says which and why the others are left out); the runner is tests/support/conformance.py.
Rust sources: crate/server/src/core/operations/rekey/."""

from __future__ import annotations

import pytest

from tests.conftest import DATA
from tests.support.conformance import Vector, discover_vectors, replay_plain

VECTORS = DATA / "conformance_rekey" / "vectors"
ALL = discover_vectors(VECTORS)


def test_the_rekey_vectors_are_present() -> None:
    assert len(ALL) == 32


@pytest.mark.parametrize("vector", ALL, ids=[v.rel_id for v in ALL])
def test_rekey_vector(vector: Vector, kmip) -> None:
    """Every step as Cosmian's runner replays it; a failure names the step and what differed."""
    replay_plain(vector, kmip.url)
