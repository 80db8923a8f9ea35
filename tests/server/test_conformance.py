"""Cosmian's KMIP regression vectors replayed against the real sandbox (one test per vector).

Each vector runs against a `kms-tui serve` child started with the server config its manifest
names (TLS, client CA...), shared per config within a test process as in Cosmian's harness:
vectors create their own objects and only assert on captured ids and specific filters.
Vectors listed in `conformance_skip.toml` are skipped with the reason given there.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import DATA
from tests.support.conformance import (
    DEFAULT_OWNER_CERT,
    Identity,
    Vector,
    VectorFailure,
    VectorRunner,
    discover_vectors,
    resolve_test_data,
)
from tests.support.sandbox import Sandbox, start_sandbox

CONFORMANCE = DATA / "conformance"
VECTORS = CONFORMANCE / "vectors"
SKIP_FILE = Path(__file__).with_name("conformance_skip.toml")
# Skipping these families would hide exactly what the sandbox exists for (issue 2).
NEVER_SKIPPED = ("lifecycle", "tag", "locate", "access", "attribute")


def _skip_list() -> dict[str, str]:
    data = tomllib.loads(SKIP_FILE.read_text()) if SKIP_FILE.exists() else {}
    return {entry["vector"]: entry["reason"] for entry in data.get("skip", [])}


ALL_VECTORS = discover_vectors(VECTORS) if VECTORS.is_dir() else []
SKIPPED = _skip_list()


class SandboxPool:
    """One sandbox per server config for this test process, stopped at session end."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.running: dict[Path, Sandbox] = {}

    def for_config(self, config: Path) -> Sandbox:
        sb = self.running.get(config)
        if sb is None or sb.proc.poll() is not None:
            sb = start_sandbox(
                self.workdir / config.stem,
                config_path=config,
                extra_args=["--test-data-root", str(CONFORMANCE)],
            )
            self.running[config] = sb
        return sb

    def stop_all(self) -> None:
        for sb in self.running.values():
            sb.stop()


@pytest.fixture(scope="session")
def sandbox_pool(tmp_path_factory) -> Iterator[SandboxPool]:
    pool = SandboxPool(tmp_path_factory.mktemp("conformance"))
    yield pool
    pool.stop_all()


def _requires_client_cert(config: Path) -> bool:
    return bool(tomllib.loads(config.read_text()).get("tls", {}).get("clients_ca_cert_file"))


def _identities(vector: Vector, config: Path) -> dict[str, Identity]:
    """Declared identities, plus the harness's default owner (FORMAT.md §10)."""
    default_owner = Identity()
    if _requires_client_cert(config):
        cert, key = DEFAULT_OWNER_CERT
        default_owner = Identity(resolve_test_data(CONFORMANCE, cert), resolve_test_data(CONFORMANCE, key))
    found = {
        name: Identity(resolve_test_data(CONFORMANCE, cert), resolve_test_data(CONFORMANCE, key))
        for name, (cert, key) in vector.identities.items()
    }
    found.setdefault("owner", default_owner)
    return found


def test_conformance_pack_is_present() -> None:
    """The pack is found and the skip list only names existing, skippable vectors."""
    assert len(ALL_VECTORS) >= 60, f"expected Cosmian's vectors under {VECTORS}"
    ids = {v.rel_id for v in ALL_VECTORS}
    for vector_id, reason in SKIPPED.items():
        assert vector_id in ids, f"conformance_skip.toml names an unknown vector {vector_id}"
        assert reason.strip(), f"conformance_skip.toml: {vector_id} needs a reason"
        assert not any(word in vector_id for word in NEVER_SKIPPED), f"{vector_id} must not be skipped"
    assert len(SKIPPED) <= 5, "the skip list must stay short"


def replay(vector: Vector, pool: SandboxPool) -> None:
    """Run one vector against the sandbox for its server config, with its identities."""
    config = resolve_test_data(CONFORMANCE, vector.server_config)
    assert config.is_file(), f"server config {vector.server_config} not in the pack"
    sandbox = pool.for_config(config)
    identities = _identities(vector, config)
    clients: dict[Identity, httpx.Client] = {}

    def client_for(name: str) -> httpx.Client:
        identity = identities.get(name, identities["owner"])  # undeclared names fall back
        if identity not in clients:
            clients[identity] = identity.client(sandbox.url)
        return clients[identity]

    try:
        VectorRunner(vector, client_for).run()
    finally:
        for client in clients.values():
            client.close()


@pytest.mark.parametrize("vector", ALL_VECTORS, ids=[v.rel_id for v in ALL_VECTORS])
def test_vector(vector: Vector, sandbox_pool: SandboxPool) -> None:
    """Replay one vector step by step; the failure names the step and what differed."""
    if vector.rel_id in SKIPPED:
        pytest.skip(f"conformance_skip.toml: {SKIPPED[vector.rel_id]}")
    if vector.server_type or vector.wire_format == "binary" or vector.requires_env:
        pytest.skip("HSM, binary wire or environment-gated vector: outside the sandbox's scope")
    replay(vector, sandbox_pool)


def _vector(rel_id: str) -> Vector:
    return copy.deepcopy(next(v for v in ALL_VECTORS if v.rel_id == rel_id))


@pytest.mark.parametrize(
    ("rel_id", "mutate", "says"),
    [
        # A wrong expected value on a success step.
        (
            "fips/kmip_operations/query",
            lambda v: v.steps[0].assert_fields.update(VendorIdentification="acme"),
            "first VendorIdentification is 'cosmian', expected 'acme'",
        ),
        # A step expected to fail that the server accepts.
        ("fips/symmetric/aes_create_get", lambda v: setattr(v.steps[1], "assert_success", False), "expected a failure"),
        # The right failure with the wrong reason.
        (
            "negative/get/item_not_found",
            lambda v: setattr(v.steps[0], "assert_error_reason", "Item_Not_Found"),
            "ResultReason 'Object_Not_Found', expected 'Item_Not_Found'",
        ),
        # The user identity reading the owner's key without a grant (the grant step removed).
        (
            "access_control/revoke_access",
            lambda v: v.steps.pop(1),
            "step 3 (Get, step3_user_get_ok.json): ResultStatus OperationFailed: Object_Not_Found",
        ),
    ],
    ids=["wrong-field", "unexpected-success", "wrong-reason", "missing-grant"],
)
def test_runner_reports_a_vector_that_does_not_hold(sandbox_pool: SandboxPool, rel_id: str, mutate, says: str) -> None:
    """The runner is not a rubber stamp: a broken expectation fails, naming the step."""
    vector = _vector(rel_id)
    mutate(vector)
    with pytest.raises(VectorFailure) as failure:
        replay(vector, sandbox_pool)
    assert says in str(failure.value)
