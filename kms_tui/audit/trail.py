"""The local audit trail: one SQLite row per KMIP or access-rights call.

* Stored in ``kms_tui.paths.state_dir()/audit.sqlite``, created 0600 (SQLite gives its WAL and
  shared-memory files the same mode), journal in WAL mode so a crash mid-write loses at most the
  rows not yet committed and never corrupts the file.
* ``record()`` never blocks the caller: it puts the entry on a queue that a background thread
  writes in small transactions.
* Columns hold what happened, never a secret: time, profile, server URL (no user info, no
  query), operation, object ids, outcome, error reason, duration, KMS user and OS user.
"""

from __future__ import annotations

import getpass
import json
import os
import queue
import re
import sqlite3
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from kms_tui import paths

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    profile TEXT NOT NULL,
    server TEXT NOT NULL,
    operation TEXT NOT NULL,
    object_ids TEXT NOT NULL,
    outcome TEXT NOT NULL,
    error_reason TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    user TEXT NOT NULL,
    os_user TEXT NOT NULL,
    attempts INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_time ON audit(time);
"""

_COLUMNS = ("time", "profile", "server", "operation", "object_ids", "outcome", "error_reason",
            "duration_ms", "user", "os_user", "attempts")
# Defence in depth: anything shaped like a credential is cut out of free-text reasons.
_SECRETISH = re.compile(r"(?i)(bearer\s+|authorization[:=]\s*|password[:=]\s*|token[:=]\s*)\S+")


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in a container is not an error
        return ""


@dataclass
class AuditEntry:
    """One call the client made."""

    operation: str
    outcome: str  # "ok", "refused" (the server said no), "failed" (unreachable/not authenticated)
    object_ids: list[str] = field(default_factory=list)
    error_reason: str = ""
    duration_ms: int = 0
    profile: str = ""
    server: str = ""
    user: str = ""
    attempts: int = 1
    os_user: str = field(default_factory=_os_user)
    time: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="milliseconds"))

    def row(self) -> tuple[Any, ...]:
        d = asdict(self)
        d["object_ids"] = json.dumps(self.object_ids)
        d["error_reason"] = _SECRETISH.sub(r"\1***", self.error_reason)[:500]
        return tuple(d[c] for c in _COLUMNS)


def default_path() -> Path:
    return paths.state_dir() / "audit.sqlite"


def _connect(path: Path) -> sqlite3.Connection:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    os.chmod(path, 0o600)
    conn = sqlite3.connect(path, timeout=10, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.executescript(SCHEMA)
    return conn


class AuditTrail:
    """Write audit entries from a background thread; read them back for ``kms-tui audit``."""

    _STOP = object()

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.dropped = 0  # rows that could not be written (disk full, locked for > 10 s)
        _connect(self.path).close()  # create it now, 0600, so errors show up at start

    @classmethod
    def check(cls, path: Path | None = None) -> str | None:
        """None when the audit database (``path``, default: the state directory's) can be opened
        and written, else a one-line reason ("database or disk is full", "permission denied…").
        Never raises: a full disk or an unusable state directory is an answer, not a traceback.
        The write is a real committed one (one row of a probe table, replaced each time)."""
        target = path
        try:
            target = target or default_path()
            conn = _connect(target)
            try:
                with conn:
                    conn.execute("CREATE TABLE IF NOT EXISTS write_check (id INTEGER PRIMARY KEY, time TEXT)")
                    conn.execute("INSERT OR REPLACE INTO write_check (id, time) VALUES (1, ?)",
                                 (datetime.now(timezone.utc).isoformat(),))
            finally:
                conn.close()
        except Exception as exc:  # noqa: BLE001 - any failure to open or write is the answer
            where = f"the audit trail {target}" if target is not None else "the audit trail"
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            name = getattr(exc, "filename", None)
            if isinstance(exc, (FileExistsError, NotADirectoryError)):
                detail = "a file stands where a directory is needed"
            return " ".join(f"{where}: {detail}{f' ({name})' if name else ''}".split())
        return None

    def record(self, entry: AuditEntry) -> None:
        """Queue ``entry``; returns at once."""
        self._ensure_writer()
        self._queue.put_nowait(entry)

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until every queued entry is on disk (used on exit and by tests)."""
        if self._thread is None:
            return
        done = threading.Event()
        self._queue.put_nowait(done)
        done.wait(timeout)

    def close(self, timeout: float = 5.0) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put_nowait(self._STOP)
            thread.join(timeout)

    def _ensure_writer(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="kms-tui-audit", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        conn = _connect(self.path)
        try:
            while True:
                items = [self._queue.get()]
                while True:  # drain what is already queued into the same transaction
                    try:
                        items.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                entries = [i for i in items if isinstance(i, AuditEntry)]
                if entries:
                    try:
                        with conn:
                            conn.executemany(
                                f"INSERT INTO audit ({','.join(_COLUMNS)}) VALUES ({','.join('?' * len(_COLUMNS))})",
                                [e.row() for e in entries],
                            )
                    except sqlite3.Error:
                        self.dropped += len(entries)
                for i in items:
                    if isinstance(i, threading.Event):
                        i.set()
                if any(i is self._STOP for i in items):
                    return
        finally:
            conn.close()

    def entries(self, limit: int = 50) -> list[dict[str, Any]]:
        """The most recent ``limit`` entries, newest first."""
        conn = _connect(self.path)
        try:
            conn.row_factory = sqlite3.Row
            rows = conn.execute(
                f"SELECT {','.join(_COLUMNS)} FROM audit ORDER BY id DESC LIMIT ?", (max(0, limit),)
            ).fetchall()
        finally:
            conn.close()
        out = []
        for r in rows:
            d = dict(r)
            d["object_ids"] = json.loads(d["object_ids"])
            out.append(d)
        return out
