"""Find ckms's own configuration the way ckms 5.26 does (ckms_features.md §1.1).

Precedence: ``$CKMS_CONF``, then ``$HOME/.cosmian/ckms.toml``, then
``/etc/cosmian/ckms.toml``. Unlike ckms, nothing is ever created when none exists.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kms_tui.config.errors import ConfigError

SYSTEM_CKMS_CONF = Path("/etc/cosmian/ckms.toml")


@dataclass(frozen=True)
class DiscoveredConf:
    """A ckms config found on the machine, offered as a profile edited in place."""

    name: str
    path: Path
    origin: str  # "CKMS_CONF", "home" or "system"


def _home() -> Path | None:
    for var in ("HOME", "USERPROFILE"):
        if os.environ.get(var):
            return Path(os.environ[var])
    if os.environ.get("HOMEDRIVE") and os.environ.get("HOMEPATH"):
        return Path(os.environ["HOMEDRIVE"] + os.environ["HOMEPATH"])
    return None


def home_ckms_conf() -> Path | None:
    home = _home()
    return home / ".cosmian" / "ckms.toml" if home else None


def env_ckms_conf() -> Path | None:
    """``$CKMS_CONF``; a set variable naming a missing file is an error, as in ckms."""
    value = os.environ.get("CKMS_CONF")
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_file():
        raise ConfigError(
            f'Configuration file "{path}" specified in CKMS_CONF environment variable does not exist',
            fix="Point CKMS_CONF at an existing ckms.toml, or unset it.",
        )
    return path


def find_ckms_conf() -> Path | None:
    """The file ckms would read, or None (ckms would create ~/.cosmian/ckms.toml; we don't)."""
    env = env_ckms_conf()
    if env:
        return env
    home = home_ckms_conf()
    if home and home.is_file():
        return home
    return SYSTEM_CKMS_CONF if SYSTEM_CKMS_CONF.is_file() else None


def discover_ckms_confs() -> list[DiscoveredConf]:
    """Every existing ckms config, in ckms precedence order, each under a stable name."""
    found: list[DiscoveredConf] = []
    try:
        env = env_ckms_conf()
    except ConfigError:
        env = None  # reported when actually used; discovery just skips it
    home = home_ckms_conf()
    for name, path, origin in (
        ("ckms-env", env, "CKMS_CONF"),
        ("ckms", home, "home"),
        ("ckms-system", SYSTEM_CKMS_CONF, "system"),
    ):
        if path is None or not path.is_file():
            continue
        if any(_same(path, d.path) for d in found):
            continue
        found.append(DiscoveredConf(name, path, origin))
    return found


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False
