"""Fixtures for the client tests: a PKI made in the test, TLS sandboxes, proxies, a CLI runner."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kms_tui import cli


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def kms_cli(capsys) -> Callable[..., CliResult]:
    """Run ``kms-tui ARGS`` in-process; returns exit code, stdout and stderr."""

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = cli.main([str(a) for a in args])
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run


def write_conf(path: Path, http_config: dict[str, Any]) -> Path:
    """A ckms.toml holding ``[http_config]`` (nested tables for proxy_params)."""
    import tomlkit

    path.write_text(tomlkit.dumps({"http_config": http_config}))
    return path


@pytest.fixture
def conf(sandbox, tmp_path) -> Path:
    """A ckms.toml pointing at the test's sandbox."""
    return write_conf(tmp_path / "ckms.toml", {"server_url": sandbox.url})


@pytest.fixture
def two_users(start_tls_sandbox, pki, tmp_path) -> tuple[Any, dict[str, Path], dict[str, dict[str, Any]]]:
    """(sandbox, {"alice": ckms.toml path, "bob": ...}, {"alice": http_config, ...})."""
    sb = start_tls_sandbox(client_ca=True)
    confs: dict[str, dict[str, Any]] = dict(pki.user_confs(sb.url, "access"))
    paths = {who: write_conf(tmp_path / f"{who}.toml", conf) for who, conf in confs.items()}
    return sb, paths, confs
