"""The fast read of a plain profile: no pydantic, no tomlkit (about 60 ms of a headless command).

A headless command reads one ckms.toml and, when there is none, the defaults of settings.toml.
:func:`quick_connection` reads the file with ``tomllib`` and accepts it only when its shape is
one the full validation (:mod:`.validate`, pydantic) is known to accept without a single
problem or warning: the top-level keys ckms allows with their plain types, an ``[http_config]``
of plain strings/booleans with a valid ``server_url``, no ``secret://`` reference, no TLS client
keys (their pairing rules), no table. Anything else — an error, a warning, a reference, a
settings.toml on disk — returns None and the caller takes the full path, so every message stays
the one it was. ``tests/test_config_quick.py`` checks the two paths agree.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# Keys accepted on the fast path, with the one Python type each must have.
_TOP = {"vendor_id": str, "print_json": bool, "pkcs11_use_pin_as_access_token": bool, "http_config": dict}
_HTTP = {
    "server_url": str,
    "accept_invalid_certs": bool,
    "verified_cert": str,
    "access_token": str,
    "vault_token": str,
    "database_secret": str,
    "cipher_suites": str,
}


def settings_absent(root: Path | None = None) -> bool:
    """True when there is no settings.toml (nor a link by that name): every setting is its default."""
    from kms_tui.config.store import settings_path

    return not os.path.lexists(settings_path(root))


class DefaultOAuthExtras:
    """``OAuthExtras()`` (the defaults) without pydantic: its fields, and ``model_dump()``."""

    flow = "pkce"
    device_authorization_url = None
    audience = None
    redirect_port = None
    refresh = True

    @property
    def extra_params(self) -> dict[str, str]:
        return {}

    def model_dump(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "device_authorization_url": None,
            "audience": None,
            "redirect_port": None,
            "extra_params": {},
            "refresh": True,
        }


class DefaultProfileSettings:
    """``ProfileSettings()`` (the defaults) without pydantic: the fields a command reads are plain
    attributes; anything else is asked of a real ``ProfileSettings`` built on first use."""

    secret_backend = None
    read_only = False
    production = False
    retry = None
    limits = None
    oauth = DefaultOAuthExtras()

    def _real(self) -> Any:
        real = self.__dict__.get("_built")
        if real is None:
            from kms_tui.config.settings import ProfileSettings

            real = self.__dict__["_built"] = ProfileSettings()
        return real

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_built":
            raise AttributeError(name)
        return getattr(self._real(), name)

    def __eq__(self, other: object) -> bool:
        return bool(self._real() == (other._real() if isinstance(other, DefaultProfileSettings) else other))

    __hash__ = None  # type: ignore[assignment]  # unhashable, as a pydantic model

    def __repr__(self) -> str:
        return repr(self._real())


def _plain(data: Any, shape: dict[str, type]) -> bool:
    """Every key known, every value exactly of its type, no secret reference."""
    for key, value in data.items():
        kind = shape.get(key)
        if kind is None or type(value) is not kind:
            return False
        if isinstance(value, str) and "secret://" in value:
            return False
    return True


def _valid_url(value: str) -> bool:
    parts = urlsplit(value)
    if not (parts.scheme and parts.netloc):
        return False
    try:
        _ = parts.port  # raises on a bad port
    except ValueError:
        return False
    return True


def quick_connection(path: Path, name: str, source: str) -> Any:
    """The :class:`~kms_tui.config.resolve.ResolvedConnection` of a plain profile at ``path`` with
    default settings, or None when the full path must decide (see the module doc)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except Exception:  # noqa: BLE001 - unreadable or not TOML: the full path says why, as before
        return None
    http = data.get("http_config")
    if not (
        _plain(data, _TOP)
        and isinstance(http, dict)
        and _plain(http, _HTTP)
        and isinstance(http.get("server_url"), str)
        and _valid_url(http["server_url"])
    ):
        return None
    from kms_tui.config.resolve import ResolvedConnection

    return ResolvedConnection(
        name=name,
        path=Path(path),
        http_config=dict(http),
        settings=DefaultProfileSettings(),  # type: ignore[arg-type]  # duck-typed
        vendor_id=str(data.get("vendor_id") or "cosmian"),
        references={},
        warnings=[],
        source=source,
    )


# settings.toml's defaults ([retry], [limits]: kms_tui.config.settings.RetrySettings and
# LimitsSettings; tests/test_config_quick.py keeps them equal).
DEFAULT_RETRY: dict[str, Any] = {"timeout_seconds": 30.0, "attempts": 3, "backoff_seconds": 0.5}
DEFAULT_LIMITS = {"max_answer_mb": 16, "max_listing_answer_mb": 512, "deadline_seconds": None}


def client_options(resolved: Any = None) -> dict[str, Any]:
    """:func:`kms_tui.config.settings.client_options`, without pydantic when there is no
    settings.toml and the profile sets no ``[retry]``/``[limits]`` of its own."""
    profile = getattr(resolved, "settings", None)
    if (
        getattr(profile, "retry", None) is not None
        or getattr(profile, "limits", None) is not None
        or not settings_absent()
    ):
        from kms_tui.config.settings import client_options as full

        return full(resolved)
    from kms_tui.client.limits import AnswerLimits
    from kms_tui.client.retry import RetryPolicy

    retry = DEFAULT_RETRY
    return {
        "retry": RetryPolicy(
            timeout=retry["timeout_seconds"], attempts=retry["attempts"], backoff=retry["backoff_seconds"]
        ),
        "limits": AnswerLimits.from_megabytes(**DEFAULT_LIMITS),
    }
