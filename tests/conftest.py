"""Fixtures shared by the whole suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.sandbox import Sandbox, start_sandbox

DATA = Path(__file__).resolve().parent / "data"  # vendored test data: tests/data/PROVENANCE.md


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Every test gets its own kms-tui home and no ckms config from the machine."""
    monkeypatch.setenv("KMS_TUI_HOME", str(tmp_path / "kms-tui-home"))
    monkeypatch.setenv("HOME", str(tmp_path / "user-home"))
    monkeypatch.delenv("CKMS_CONF", raising=False)
    (tmp_path / "user-home").mkdir(exist_ok=True)


@pytest.fixture
def sandbox(tmp_path) -> Sandbox:
    """A fresh sandbox KMS with no authentication (user `admin`), over plain HTTP."""
    sb = start_sandbox(tmp_path / "sandbox")
    yield sb
    sb.stop()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The vendored reference material (`tests/data/`, see its PROVENANCE.md)."""
    return DATA
