"""Where kms-tui keeps its files.

``KMS_TUI_HOME`` overrides everything: config, data and state then live in
``$KMS_TUI_HOME/{config,data,state}``. Otherwise the platform's user directories are used.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "kms-tui"


def home() -> Path | None:
    value = os.environ.get("KMS_TUI_HOME")
    return Path(value).expanduser() if value else None


def _dir(kind: str) -> Path:
    h = home()
    if h is not None:
        path = h / kind
    elif kind == "config":
        path = Path(platformdirs.user_config_dir(APP))
    elif kind == "data":
        path = Path(platformdirs.user_data_dir(APP))
    else:
        path = Path(platformdirs.user_state_dir(APP))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def config_dir() -> Path:
    """Profiles and settings."""
    return _dir("config")


def data_dir() -> Path:
    """The sandbox database and other durable data."""
    return _dir("data")


def state_dir() -> Path:
    """The audit trail, the credential cache, logs."""
    return _dir("state")
