"""The local audit trail: one SQLite row per KMIP or access-rights call.

* Stored in ``kms_tui.paths.state_dir()/audit.sqlite``, created 0600 (SQLite gives its WAL and
  shared-memory files the same mode), journal in WAL mode so a crash mid-write loses at most the
  rows not yet committed and never corrupts the file.
* ``record()`` never blocks the caller: it puts the entry on a queue that a background thread
  writes in small transactions.
* Columns hold what happened, never a secret: time, profile, server URL (no user info, no
  query), operation, object ids, outcome, error reason, duration, KMS user and OS user, and
  ``details``: what the user typed that the server does not keep (a revoke's reason code,
  message and compromise date), a JSON object of strings. Free text is masked
  (:mod:`.masking`) before it is stored.
* Never through a link: a symbolic link (dangling or not) at the database's path or at its
  ``-wal``/``-shm``/``-journal`` files is refused (:class:`kms_tui.paths.LinkRefused`); the trail
  then records nothing and says why (``AuditTrail.problem``) instead of writing or chmod-ing
  the file the link points to.
* Provable: each row carries the SHA-256 of the row before it, and a head record holds the last
  hash and the row count, all written in one ``BEGIN IMMEDIATE`` transaction
  (:mod:`kms_tui.audit.chain` defines the canonical form and what ``verify`` can detect). Older
  trails are chained in place on first open.
"""

from __future__ import annotations

import getpass
import json
import os
import queue
import sqlite3
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kms_tui import paths
from kms_tui.audit import chain
from kms_tui.audit.masking import mask_secrets
from kms_tui.safetext import mask_url

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
    attempts INTEGER NOT NULL,
    details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS audit_time ON audit(time);
"""

_COLUMNS = chain.DATA_COLUMNS  # time … details: what a row says (the chain adds prev_hash, hash)
DETAILS_MAX = 12  # keys kept per entry
DETAIL_CHARS = 500  # characters kept per value


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
    details: dict[str, str] = field(default_factory=dict)  # e.g. revoke: reason, message, compromise_date
    os_user: str = field(default_factory=_os_user)
    time: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="milliseconds"))

    def row(self) -> tuple[Any, ...]:
        d = asdict(self)
        d["object_ids"] = json.dumps(self.object_ids)
        d["error_reason"] = mask_secrets(self.error_reason)[:500]
        d["server"] = mask_url(self.server)
        d["details"] = json.dumps(clean_details(self.details), ensure_ascii=False)
        return tuple(d[c] for c in _COLUMNS)


def clean_details(details: dict[str, Any] | None) -> dict[str, str]:
    """``details`` as stored: string keys and values, empty values dropped, secrets masked, capped."""
    out: dict[str, str] = {}
    for key, value in list((details or {}).items())[:DETAILS_MAX]:
        if value is None or value == "":
            continue
        text = value.isoformat() if isinstance(value, datetime) else str(value)
        out[str(key)[:64]] = mask_secrets(text)[:DETAIL_CHARS]
    return out


def default_path() -> Path:
    return paths.state_dir() / "audit.sqlite"


SIDE_FILES = ("-wal", "-shm", "-journal")  # what SQLite opens beside the database


def refuse_links(path: Path) -> None:
    """Raise :class:`kms_tui.paths.LinkRefused` if the database or a file SQLite opens beside it
    is a symbolic link (SQLite itself would follow it)."""
    for candidate in (path, *(path.with_name(path.name + s) for s in SIDE_FILES)):
        paths.refuse_link(candidate, "audit trail")


def open_problem(path: Path) -> str | None:
    """Why the trail at ``path`` cannot be opened for writing (a link, a bad file), else None."""
    try:
        _connect(path).close()
    except (OSError, sqlite3.Error) as exc:
        return str(exc)
    return None


def _connect(path: Path) -> sqlite3.Connection:
    refuse_links(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = paths.open_nofollow(path, os.O_RDWR | os.O_CREAT, 0o600, what="audit trail")
    try:
        if os.fstat(fd).st_nlink > 1:  # a hard link to another file: written in place, so refused too
            raise paths.LinkRefused(path, "audit trail")
        os.fchmod(fd, 0o600)  # through the descriptor: never a chmod of a link's target
    finally:
        os.close(fd)
    conn = sqlite3.connect(path, timeout=10, check_same_thread=False)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(SCHEMA)
        _migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a trail written by an older kms-tui up to date, in place (rows kept)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(audit)")}
    if "details" not in columns:
        try:
            with conn:
                conn.execute("ALTER TABLE audit ADD COLUMN details TEXT NOT NULL DEFAULT '{}'")
        except sqlite3.OperationalError:  # another process added it first
            if "details" not in {row[1] for row in conn.execute("PRAGMA table_info(audit)")}:
                raise
    chain.add_columns(conn)
    chain.chain_unchained_tail(conn)  # rows from before the chain, or an older kms-tui's: in id order


class AuditTrail:
    """Write audit entries from a background thread; read them back for ``kms-tui audit``."""

    _STOP = object()

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.dropped = 0  # rows that could not be written (disk full, locked for > 10 s)
        # Create it now, 0600, so errors show up at start; None when usable, else why not
        # (e.g. a symbolic link at its path): then nothing is recorded.
        self.problem: str | None = open_problem(self.path)
        self._held: list[AuditEntry] | None = None  # entries kept aside between hold() and release()

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
                    conn.execute(
                        "INSERT OR REPLACE INTO write_check (id, time) VALUES (1, ?)", (datetime.now(UTC).isoformat(),)
                    )
            finally:
                conn.close()
        except paths.LinkRefused as exc:  # names the path and says to remove the link
            return str(exc)
        except Exception as exc:  # noqa: BLE001 - any failure to open or write is the answer
            where = f"the audit trail {target}" if target is not None else "the audit trail"
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            name = getattr(exc, "filename", None)
            if isinstance(exc, (FileExistsError, NotADirectoryError)):
                detail = "a file stands where a directory is needed"
            return " ".join(f"{where}: {detail}{f' ({name})' if name else ''}".split())
        return None

    def hold(self) -> None:
        """Keep the entries recorded from now on aside until :meth:`release` (a headless command
        whose user the server has not named yet: its ``/me`` runs beside the command)."""
        self._held = []

    def release(self, user: str) -> None:
        """Queue the entries held since :meth:`hold`, naming ``user`` where an entry has none."""
        held, self._held = self._held or [], None
        for entry in held:
            if not entry.user:
                entry.user = user
            self.record(entry)

    def record(self, entry: AuditEntry) -> None:
        """Queue ``entry``; returns at once, never raises (an unusable trail drops it)."""
        if self._held is not None:
            self._held.append(entry)
            return
        try:
            if self.problem is not None:
                self.dropped += 1
                return
            self._ensure_writer()
            self._queue.put_nowait(entry)
        except Exception:  # noqa: BLE001 - the audit trail must never break the caller
            self.dropped += 1

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
        try:
            conn = _connect(self.path)
        except (OSError, sqlite3.Error) as exc:  # e.g. a link planted since start: record nothing
            self.problem = str(exc)
            self._drain_unwritable()
            return
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
                        chain.append(conn, [e.row() for e in entries])
                    except Exception:  # noqa: BLE001 - disk full, locked, an unwritable value: the writer goes on
                        self.dropped += len(entries)
                for i in items:
                    if isinstance(i, threading.Event):
                        i.set()
                if any(i is self._STOP for i in items):
                    return
        finally:
            conn.close()

    def _drain_unwritable(self) -> None:
        """Drop what is queued (and what comes) when the file cannot be opened; wake waiters."""
        while True:
            item = self._queue.get()
            if isinstance(item, AuditEntry):
                self.dropped += 1
            elif isinstance(item, threading.Event):
                item.set()
            elif item is self._STOP:
                return

    def verify(self) -> chain.Verdict:
        """Walk the hash chain (after the queued rows are written)."""
        self.flush()
        conn = _connect(self.path)
        try:
            return chain.verify(conn)
        finally:
            conn.close()

    def entries(self, limit: int = 50) -> list[dict[str, Any]]:
        """The most recent ``limit`` entries, newest first (LinkRefused for a planted link)."""
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
            d["details"] = _details_of(d.get("details"))
            out.append(d)
        return out


def verify_file(path: Path, *, expect_head: str | None = None) -> chain.Verdict | None:
    """The hash chain's verdict for the trail at ``path``, read-only (immutable: nothing on disk
    changes, rows still in an unmerged WAL are not seen); None when there is no trail yet."""
    if paths.is_link(path) or not path.is_file():
        return None
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        return chain.verify(conn, expect_head=expect_head)
    finally:
        conn.close()


def _details_of(text: Any) -> dict[str, str]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}
