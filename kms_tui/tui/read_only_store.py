"""What a ``--read-only`` console keeps in memory instead of on disk.

A read-only console writes no file: no profile, no settings, no audit row, no cached token. The
audit trail and the credential cache are swapped for these stand-ins: they read what is already
on disk (without writing to it, not even a SQLite journal) and keep this session's additions in
memory, so the audit view and a sign-in still work for the session.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from kms_tui import paths
from kms_tui.audit.trail import _COLUMNS, AuditEntry, verify_file
from kms_tui.auth import cache as credential_cache
from kms_tui.auth.cache import CachedCredentials, CredentialCache


def user_dir(kind: str) -> Path:
    """``paths.state_dir()``/``data_dir()``/``config_dir()`` without creating the folder (they
    create it: a write). ``kind`` is "state", "data" or "config"."""
    home = paths.home()
    if home is not None:
        return home / kind
    import platformdirs

    finder = {
        "state": platformdirs.user_state_dir,
        "data": platformdirs.user_data_dir,
        "config": platformdirs.user_config_dir,
    }[kind]
    return Path(finder(paths.APP))


def state_dir() -> Path:
    return user_dir("state")


def cache_key(profile: Any) -> str:
    """The credential-cache key the session would use for ``profile``."""
    from kms_tui.auth.profile import ProfileRef

    return ProfileRef.of(profile).cache_key


def unsaved(profile: Any) -> Any:
    """The session's view of ``profile`` with no file behind it: a token got by signing in (or
    dropped by signing out) changes the profile in memory only, never its ckms.toml."""
    from dataclasses import replace

    from kms_tui.auth.profile import ProfileRef

    return replace(ProfileRef.of(profile), path=None)


def read_trail(path: Path, limit: int) -> list[dict[str, Any]]:
    """The newest ``limit`` rows of an audit trail, opened read-only and immutable (nothing on
    disk changes: no journal, no shared-memory file); [] when there is no trail."""
    if limit <= 0 or paths.is_link(path) or not path.is_file():  # never read through a planted link
        return []
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        return []
    try:
        conn.row_factory = sqlite3.Row
        rows = conn.execute(f"SELECT {','.join(_COLUMNS)} FROM audit ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    except sqlite3.Error:
        return []
    finally:
        conn.close()
    out = []
    for row in rows:
        entry = dict(row)
        try:
            entry["object_ids"] = json.loads(entry["object_ids"])
        except (TypeError, ValueError):
            entry["object_ids"] = []
        entry["details"] = _details(entry.get("details"))
        out.append(entry)
    return out


def _details(text: Any) -> dict[str, str]:
    """A row's ``details`` column (JSON text) as the audit view reads it: a dict, {} if unreadable."""
    try:
        value = json.loads(text or "{}")
    except (TypeError, ValueError):
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


class MemoryAuditTrail:
    """The audit trail's interface (``record``/``flush``/``close``/``entries``) without writes:
    this session's rows in memory, newest first, then the rows already on disk."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or state_dir() / "audit.sqlite"
        self.dropped = 0
        self._lock = threading.Lock()
        self._rows: list[AuditEntry] = []

    def record(self, entry: AuditEntry) -> None:
        with self._lock:
            self._rows.append(entry)

    def flush(self, timeout: float = 5.0) -> None:
        return None

    def close(self, timeout: float = 5.0) -> None:
        return None

    def entries(self, limit: int = 50) -> list[dict[str, Any]]:
        with self._lock:
            mine = [dict(zip(_COLUMNS, entry.row(), strict=False)) for entry in reversed(self._rows)][: max(0, limit)]
        for entry in mine:
            entry["object_ids"] = json.loads(entry["object_ids"])
            entry["details"] = _details(entry.get("details"))
        return mine + read_trail(self.path, limit - len(mine))

    def verify(self) -> Any:
        """The chain of the trail on disk (this session's rows are in memory, not chained)."""
        try:
            return verify_file(self.path)
        except sqlite3.Error:
            return None


class MemoryCredentialCache(CredentialCache):
    """Reads the cached credentials on disk (or keyring); keeps new ones in memory only."""

    def __init__(self, profile_key: str) -> None:
        super().__init__(profile_key, directory=state_dir() / "credentials")  # a directory: nothing created
        self._keyring = credential_cache._usable_keyring()  # and the keyring read as the session would
        self._held: CachedCredentials | None = None
        self._forgotten = False

    def load(self) -> CachedCredentials | None:
        if self._held is not None:
            return self._held
        return None if self._forgotten else super().load()

    def save(self, creds: CachedCredentials) -> None:
        self._held, self._forgotten = creds, False

    def forget(self) -> bool:
        had = self._held is not None or (not self._forgotten and super().load() is not None)
        self._held, self._forgotten = None, True
        return had
