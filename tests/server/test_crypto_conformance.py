"""Cosmian's own regression vectors for the key operations, replayed against the sandbox:
known-answer tests (fixed keys imported; ciphertexts, signatures and MACs compared byte for
byte), round trips in every mode, and refusals with their reason and text. The vectors come
byte-identical from Cosmian/test_data (tests/data/conformance_crypto/README.md says which and
why the others are left out); the runner is tests/support/conformance.py, as for the main pack.
Rust sources: crate/server/src/core/operations/{encrypt,decrypt,sign,signature_verify,mac}.rs,
crate/crypto/src/crypto/symmetric/symmetric_ciphers.rs, rsa/, elliptic_curves/."""

from __future__ import annotations

import pytest

from tests.conftest import DATA
from tests.support.conformance import Vector, discover_vectors, replay_plain

VECTORS = DATA / "conformance_crypto" / "vectors"
ALL = discover_vectors(VECTORS)


def test_the_crypto_vectors_are_present() -> None:
    assert len(ALL) == 132
    assert sum(v.rel_id.startswith("kat/") for v in ALL) >= 30  # the known-answer tests


@pytest.mark.parametrize("vector", ALL, ids=[v.rel_id for v in ALL])
def test_crypto_vector(vector: Vector, kmip) -> None:
    """Every step as Cosmian's runner replays it; a failure names the step and what differed."""
    replay_plain(vector, kmip.url)
