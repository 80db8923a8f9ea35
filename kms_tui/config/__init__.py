"""Profiles (ckms.toml files), console settings, validation and ``secret://`` references.

Public API (see ARCHITECTURE.md):

- :func:`resolve_connection` -> :class:`ResolvedConnection` (validated, secrets resolved in memory)
- :class:`ProfileStore`, :class:`ProfileDocument`, :class:`Settings`, :class:`ProfileSettings`
- :func:`validate_document` (live validation for the editor), :func:`check_profile`
- :func:`find_ckms_conf`, :class:`ConfigError`, :class:`Problem`
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kms_tui.config.checks import check_http_config, check_profile
    from kms_tui.config.discovery import discover_ckms_confs, find_ckms_conf
    from kms_tui.config.document import ProfileDocument
    from kms_tui.config.errors import ConfigError, Problem
    from kms_tui.config.export import ckms_caveats
    from kms_tui.config.resolve import ResolvedConnection, load_connection, masked_tree, resolve_connection
    from kms_tui.config.resolve import ResolvedConnection as Profile
    from kms_tui.config.secrets import SecretError, resolve_tree
    from kms_tui.config.settings import OAuthExtras, ProfileSettings, RetrySettings, Settings
    from kms_tui.config.store import ProfileInfo, ProfileStore
    from kms_tui.config.validate import validate_document

# Each name is imported on first use, so the console's start reads settings.toml and the active
# profile without loading pydantic, tomlkit or cryptography (about 200 ms).
_EXPORTS = {
    "checks": ("check_http_config", "check_profile"),
    "discovery": ("discover_ckms_confs", "find_ckms_conf"),
    "document": ("ProfileDocument",),
    "errors": ("ConfigError", "Problem"),
    "export": ("ckms_caveats",),
    "resolve": ("ResolvedConnection", "load_connection", "masked_tree", "resolve_connection"),
    "secrets": ("SecretError", "resolve_tree"),
    "settings": ("OAuthExtras", "ProfileSettings", "RetrySettings", "Settings"),
    "store": ("ProfileInfo", "ProfileStore"),
    "validate": ("validate_document",),
}
_HOME = {name: (module, name) for module, names in _EXPORTS.items() for name in names}
_HOME["Profile"] = ("resolve", "ResolvedConnection")  # ARCHITECTURE.md calls it Profile (`Profile.http_config`)


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _HOME[name]
    value = globals()[name] = getattr(import_module(f"{__name__}.{module}"), attribute)
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "ConfigError",
    "OAuthExtras",
    "Problem",
    "Profile",
    "ProfileDocument",
    "ProfileInfo",
    "ProfileSettings",
    "ProfileStore",
    "ResolvedConnection",
    "RetrySettings",
    "SecretError",
    "Settings",
    "check_http_config",
    "check_profile",
    "ckms_caveats",
    "discover_ckms_confs",
    "find_ckms_conf",
    "load_connection",
    "masked_tree",
    "resolve_connection",
    "resolve_tree",
    "validate_document",
]
