"""The suite's root: the shared fixtures are one plugin, ``tests/support/fixtures.py``."""

from __future__ import annotations

from pathlib import Path

pytest_plugins = ["tests.support.fixtures"]

DATA = Path(__file__).resolve().parent / "data"  # vendored test data: tests/data/PROVENANCE.md
