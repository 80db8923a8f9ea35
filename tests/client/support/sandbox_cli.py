"""``kms-tui`` run against one sandbox: ``run(*args)`` gives the CliResult, ``run.ok(*args)``
the ``--json`` document of a command that must succeed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.client.conftest import write_conf
from tests.support.sandbox import start_sandbox


def sandbox_cli(kms_cli: Callable[..., Any], url: str, tmp_path: Path) -> Callable[..., Any]:
    conf = write_conf(tmp_path / "ckms.toml", {"server_url": url})

    def run(*args):
        return kms_cli(*args, "--conf", conf)

    def ok(*args) -> dict:
        r = kms_cli(*args, "--conf", conf, "--json")
        assert r.code == 0, r.err + r.out
        return r.json

    run.ok = ok
    return run


def module_sandbox(name: str) -> Any:
    """A module-scoped fixture: one sandbox for every test of the module."""

    @pytest.fixture(scope="module")
    def fixture(tmp_path_factory):
        sb = start_sandbox(tmp_path_factory.mktemp(name))
        yield sb
        sb.stop()

    return fixture


def put_file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def succeeded(result: Any) -> dict:
    """The ``--json`` document of a command run that must have succeeded."""
    assert result.code == 0, result.err + result.out
    return result.json
