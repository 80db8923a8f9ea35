"""Profiles (ckms.toml files), console settings, validation and ``secret://`` references.

Public API (see ARCHITECTURE.md):

- :func:`resolve_connection` -> :class:`ResolvedConnection` (validated, secrets resolved in memory)
- :class:`ProfileStore`, :class:`ProfileDocument`, :class:`Settings`, :class:`ProfileSettings`
- :func:`validate_document` (live validation for the editor), :func:`check_profile`
- :func:`find_ckms_conf`, :class:`ConfigError`, :class:`Problem`
"""

from kms_tui.config.checks import check_http_config, check_profile
from kms_tui.config.discovery import discover_ckms_confs, find_ckms_conf
from kms_tui.config.document import ProfileDocument
from kms_tui.config.errors import ConfigError, Problem
from kms_tui.config.export import ckms_caveats
from kms_tui.config.resolve import ResolvedConnection, load_connection, masked_tree, resolve_connection
from kms_tui.config.secrets import SecretError, resolve_tree
from kms_tui.config.settings import OAuthExtras, ProfileSettings, RetrySettings, Settings
from kms_tui.config.store import ProfileInfo, ProfileStore
from kms_tui.config.validate import validate_document

Profile = ResolvedConnection  # ARCHITECTURE.md calls it Profile (`Profile.http_config`)

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
