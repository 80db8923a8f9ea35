"""Finding, resolving and masking ``secret://`` references (backend-independent part)."""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable
from typing import Any

from kms_tui.config.errors import ConfigError, Problem

REFERENCE = re.compile(r"secret://[^\s@\"',;<>]+")
MASK = "••••••"

# backend name -> (module under kms_tui.config.secrets, pip extra that provides its SDK)
BACKENDS: dict[str, tuple[str, str | None]] = {
    "vault": ("vault", "vault"),
    "aws-ssm": ("aws_ssm", "aws"),
    "azure-kv": ("azure_kv", "azure"),
    "cosmian-kms": ("cosmian_kms", None),
}

ENV_BACKEND = "KMS_SECRET_BACKEND"


class SecretError(ConfigError):
    """A reference that could not be resolved; names the key and reference, never a secret."""


class BackendFailure(Exception):
    """Raised by a backend's ``fetch``: ``reason`` is safe to show, ``fix`` says what to do."""

    def __init__(self, reason: str, fix: str = "") -> None:
        super().__init__(reason)
        self.reason, self.fix = reason, fix


def has_reference(value: Any) -> bool:
    return isinstance(value, str) and REFERENCE.search(value) is not None


def find_references(value: str) -> list[str]:
    return REFERENCE.findall(value)


def mask_value(value: str) -> str:
    """How a value holding references is shown: the references stay visible, flagged hidden."""
    return REFERENCE.sub(lambda m: f"{m.group(0)} [{MASK}]", value)


def _load_fetcher(name: str) -> Callable[[str], str]:
    module_name, extra = BACKENDS[name]
    try:
        module = importlib.import_module(f"kms_tui.config.secrets.{module_name}")
        fetcher: Callable[[str], str] = module.make_fetcher()
        return fetcher
    except ModuleNotFoundError as exc:
        if not exc.name or exc.name.startswith("kms_tui"):
            raise
        raise BackendFailure(
            f"the {name} backend needs the Python package {exc.name.split('.')[0]!r}, which is not installed",
            f"pip install 'kms-tui[{extra}]'" if extra else "reinstall kms-tui",
        ) from None


class SecretResolver:
    """Resolves references with one backend, fetching each distinct reference once."""

    def __init__(self, backend: str | None, *, where: str = "profile") -> None:
        self.backend = backend or os.environ.get(ENV_BACKEND) or None
        self.where = where
        self._cache: dict[str, str] = {}
        self._fetch: Callable[[str], str] | None = None

    def _fail(self, key: str, ref: str, reason: str, fix: str) -> SecretError:
        label = f"{ref}" if not self.backend else f"{ref} (backend {self.backend})"
        return SecretError(
            f"{key}: cannot resolve {label}: {reason}",
            [Problem(key, None, f"cannot resolve {ref}: {reason}", fix)],
            source=None,
            fix=fix,
        )

    def fetch(self, key: str, ref: str) -> str:
        if ref in self._cache:
            return self._cache[ref]
        if not self.backend:
            how = (
                "`kms-tui serve --backend NAME`"
                if self.where.startswith("server")
                else "the profile's settings (`kms-tui profile import FILE --secret-backend NAME`)"
            )
            raise self._fail(
                key,
                ref,
                f"no secret backend is set for this {self.where}",
                f"choose one of {', '.join(BACKENDS)} with {how} or ${ENV_BACKEND}",
            )
        if self.backend not in BACKENDS:
            raise self._fail(key, ref, f"unknown secret backend {self.backend!r}", f"use one of: {', '.join(BACKENDS)}")
        try:
            if self._fetch is None:
                self._fetch = _load_fetcher(self.backend)
            value = self._fetch(ref[len("secret://") :])
        except BackendFailure as exc:
            raise self._fail(key, ref, exc.reason, exc.fix) from None
        self._cache[ref] = value
        return value

    def resolve_value(self, key: str, value: str) -> str:
        return REFERENCE.sub(lambda m: self.fetch(key, m.group(0)), value)


def resolve_tree(
    data: Any,
    backend: str | None = None,
    *,
    prefix: str = "",
    where: str = "profile",
    resolver: SecretResolver | None = None,
) -> tuple[Any, dict[str, str]]:
    """Resolve every reference in a parsed TOML tree, returning (resolved copy, {key: original}).

    Used for profiles and for the sandbox's kms.toml. The input is not modified; the second
    result lists each key that held a reference, with its original (safe to show) text.
    """
    resolver = resolver or SecretResolver(backend, where=where)
    originals: dict[str, str] = {}

    def walk(value: Any, key: str) -> Any:
        if isinstance(value, str):
            if has_reference(value):
                originals[key] = value
                return resolver.resolve_value(key, value)
            return value
        if isinstance(value, dict):
            return {k: walk(v, f"{key}.{k}" if key else str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, f"{key}[{i}]") for i, v in enumerate(value)]
        return value

    return walk(data, prefix), originals
