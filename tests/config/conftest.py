"""Config tests never see the machine's secret-backend credentials."""

from __future__ import annotations

import os

import pytest

_PREFIXES = ("VAULT_", "AWS_", "AZURE_", "COSMIAN_KMS_", "KMS_SECRET_BACKEND", "REQUESTS_CA_BUNDLE")


@pytest.fixture(autouse=True)
def _no_backend_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith(_PREFIXES):
            monkeypatch.delenv(name, raising=False)
