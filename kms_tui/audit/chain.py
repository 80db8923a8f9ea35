"""A trail you can prove: every audit row carries the hash of the row before it.

Canonical form of a row (what is hashed), version 1::

    canonical = json.dumps(
        [id, time, profile, server, operation, object_ids, outcome, error_reason,
         duration_ms, user, os_user, attempts, details, prev_hash],
        ensure_ascii=True, separators=(",", ":"), sort_keys=True)
    hash = sha256(canonical.encode("ascii")).hexdigest()      # 64 lowercase hex digits

Each value is as stored in the ``audit`` table: ``id``, ``duration_ms`` and ``attempts`` JSON
numbers, text columns JSON strings, except ``object_ids`` (stored as a JSON array) and
``details`` (a JSON object), which are hashed as the array and object they hold (keys sorted),
so a row exported by ``kms-tui audit export --format jsonl`` can be hashed again as it is, with
the recipe above (a stored text that is not such JSON is hashed as the string). The hash covers
values, not their spelling: re-spacing the stored JSON is not a change. ``ensure_ascii`` makes
the form pure ASCII (every non-ASCII character is ``\\uXXXX``), the same bytes everywhere.

The first row's ``prev_hash`` is :data:`GENESIS` (64 zeros); each later row's is the previous row's ``hash``
(rows in ``id`` order). The row's ``id`` is hashed, so a row moved to another place breaks too.

The head: table ``audit_head`` holds one row (``id = 1``) with the number of chained rows, the
last chained ``id`` and its hash, written in the same ``BEGIN IMMEDIATE`` transaction as the rows
(so two processes appending at once still make one chain: the second waits, then reads the head
the first wrote). A new row links to the head, not to whatever row is last, so a truncated tail
stays visible after later appends.

What :func:`verify` detects: a row changed (any column, its id included), a row removed or
inserted in the middle, rows reordered, the tail cut off (rows fewer than the head records, or
the last row not the head's), a missing or altered head. What it cannot detect: someone who can
write the file and recomputes every hash after the change and the head (the chain has no
secret; keep the head hash ``kms-tui audit verify`` prints somewhere else, e.g. with your SIEM
export, and ``--head HASH`` checks the trail still holds that row unchanged), and a whole trail
deleted or replaced by a fresh one.

Migration: a trail written before the chain existed gets two columns (``prev_hash``, ``hash``,
empty by default) and its rows are chained on first open, in ``id`` order. Rows appended after
the chained ones with an empty hash (an older kms-tui writing the same file) are chained at the
next open too; a row with an empty hash *between* chained rows is never chained: verify reports
it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

GENESIS = "0" * 64
DATA_COLUMNS = (
    "time",
    "profile",
    "server",
    "operation",
    "object_ids",
    "outcome",
    "error_reason",
    "duration_ms",
    "user",
    "os_user",
    "attempts",
    "details",
)
HASHED = ("id", *DATA_COLUMNS, "prev_hash")
_PARSED = {HASHED.index("object_ids"): list, HASHED.index("details"): dict}  # hashed as what they hold
ALL_COLUMNS = ("id", *DATA_COLUMNS, "prev_hash", "hash")

HEAD_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    row_count INTEGER NOT NULL,
    last_id INTEGER NOT NULL,
    hash TEXT NOT NULL
);
"""


def canonical(row: Sequence[Any] | dict[str, Any]) -> bytes:
    """The bytes hashed for ``row`` (a mapping with the :data:`HASHED` keys, or their values in
    that order)."""
    values = [row[c] for c in HASHED] if isinstance(row, dict) else list(row)
    for index, kind in _PARSED.items():
        values[index] = _parsed(values[index], kind)
    return json.dumps(values, ensure_ascii=True, separators=(",", ":"), sort_keys=True).encode("ascii")


def column_value(name: str, value: Any) -> Any:
    """A stored value as it is hashed and exported (``object_ids``/``details``: what they hold)."""
    kind = {"object_ids": list, "details": dict}.get(name)
    return _parsed(value, kind) if kind else value


def _parsed(value: Any, kind: type) -> Any:
    """The array or object a stored JSON text holds (the text itself if it holds something else)."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        return parsed if isinstance(parsed, kind) else value
    return value


def row_hash(row: Sequence[Any] | dict[str, Any]) -> str:
    return hashlib.sha256(canonical(row)).hexdigest()


def add_columns(conn: sqlite3.Connection) -> None:
    """The chain's columns and head table, added to a trail that lacks them (rows kept)."""
    conn.executescript(HEAD_SCHEMA)
    for name in ("prev_hash", "hash"):
        if name in {r[1] for r in conn.execute("PRAGMA table_info(audit)")}:
            continue
        try:
            with conn:
                conn.execute(f"ALTER TABLE audit ADD COLUMN {name} TEXT NOT NULL DEFAULT ''")
        except sqlite3.OperationalError:  # another process added it first
            if name not in {r[1] for r in conn.execute("PRAGMA table_info(audit)")}:
                raise


@dataclass
class Head:
    row_count: int
    last_id: int
    hash: str


def _head(conn: sqlite3.Connection) -> Head | None:
    row = conn.execute("SELECT row_count, last_id, hash FROM audit_head WHERE id = 1").fetchone()
    return Head(*row) if row else None


def _write_head(conn: sqlite3.Connection, head: Head) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO audit_head (id, row_count, last_id, hash) VALUES (1, ?, ?, ?)",
        (head.row_count, head.last_id, head.hash),
    )


def _start_head(conn: sqlite3.Connection) -> Head | None:
    """The head to link new rows to; None when it is missing while chained rows exist (then
    nothing is chained: a removed head must stay visible to verify)."""
    head = _head(conn)
    if head is None:
        if conn.execute("SELECT 1 FROM audit WHERE hash != '' LIMIT 1").fetchone():
            return None
        head = Head(0, 0, GENESIS)
    return head


def _chain_rows(conn: sqlite3.Connection, head: Head, ids: Iterable[int]) -> Head:
    for rid in ids:
        row = conn.execute(f"SELECT {','.join(HASHED[:-1])} FROM audit WHERE id = ?", (rid,)).fetchone()
        values = [*row, head.hash]
        digest = row_hash(values)
        conn.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", (head.hash, digest, rid))
        head = Head(head.row_count + 1, rid, digest)
    return head


_INSERT = f"INSERT INTO audit ({','.join(DATA_COLUMNS)}) VALUES ({','.join('?' * len(DATA_COLUMNS))})"


def append(conn: sqlite3.Connection, rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` (values of :data:`DATA_COLUMNS`) chained to the head, in one
    ``BEGIN IMMEDIATE`` transaction (the head is read under the write lock)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        head = _start_head(conn)
        if head is None:  # the head was removed: keep the rows, unchained (verify reports it)
            conn.executemany(_INSERT, rows)
        else:
            ids: list[int] = []
            for values in rows:
                cur = conn.execute(_INSERT, values)
                assert cur.lastrowid is not None  # an INSERT always sets it
                ids.append(cur.lastrowid)
            _write_head(conn, _chain_rows(conn, head, ids))
        conn.commit()
    except BaseException:
        conn.rollback()
        raise


def chain_unchained_tail(conn: sqlite3.Connection) -> int:
    """Chain the rows after the head that have no hash yet (a trail from before the chain, or
    rows an older kms-tui appended), in id order; how many were chained."""
    head = _head(conn)
    last = head.last_id if head else 0
    if not conn.execute("SELECT 1 FROM audit WHERE id > ? AND hash = '' LIMIT 1", (last,)).fetchone():
        return 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        head = _start_head(conn)
        if head is None:
            conn.rollback()
            return 0
        after = conn.execute("SELECT id, hash FROM audit WHERE id > ? ORDER BY id", (head.last_id,)).fetchall()
        if any(h for _, h in after):  # chained rows beyond the head: not ours to touch
            conn.rollback()
            return 0
        _write_head(conn, _chain_rows(conn, head, [i for i, _ in after]))
        conn.commit()
        return len(after)
    except BaseException:
        conn.rollback()
        raise


@dataclass
class Verdict:
    """What :func:`verify` found."""

    rows: int = 0
    head_hash: str = GENESIS
    last_id: int = 0
    intact: bool = True
    first_bad_id: int | None = None
    first_bad: dict[str, Any] = field(default_factory=dict)  # time, operation of that row
    problem: str = ""
    kind: str = ""  # changed, removed, unchained, truncated, head_missing, head_changed, head_not_found

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "intact": self.intact,
            "rows": self.rows,
            "last_id": self.last_id,
            "head_hash": self.head_hash,
        }
        if not self.intact:
            out["first_bad"] = {"id": self.first_bad_id, "kind": self.kind, "problem": self.problem, **self.first_bad}
        return out


def rows(conn: sqlite3.Connection, since_id: int = 0) -> Iterator[dict[str, Any]]:
    """Every row with its chain columns, in id order."""
    cur = conn.execute(f"SELECT {','.join(ALL_COLUMNS)} FROM audit WHERE id > ? ORDER BY id", (since_id,))
    for r in cur:
        yield dict(zip(ALL_COLUMNS, r, strict=True))


def has_chain(conn: sqlite3.Connection) -> bool:
    return "hash" in {r[1] for r in conn.execute("PRAGMA table_info(audit)")}


def verify(conn: sqlite3.Connection, *, expect_head: str | None = None) -> Verdict:
    """Walk the chain in id order; the first row that breaks it is reported."""
    v = Verdict()
    head = _head(conn) if _has_table(conn, "audit_head") else None
    chained = has_chain(conn)
    prev, prev_id, seen_expected = GENESIS, 0, expect_head is None
    for row in rows(conn) if chained else _unchained_rows(conn):
        problem, kind = "", ""
        if not row["hash"]:
            problem, kind = "has no hash: it was added outside kms-tui, or the chain was cut before it", "unchained"
        elif row_hash(row) != row["hash"]:
            problem, kind = "was changed (its contents no longer match its hash)", "changed"
        elif row["prev_hash"] != prev:
            gap = f" (ids jump from {prev_id} to {row['id']})" if row["id"] != prev_id + 1 else ""
            problem = (
                "does not follow the row before it: a row before it was removed or changed, "
                f"or rows were reordered{gap}"
            )
            kind = "removed"
        if problem:
            return _broken(v, row, problem, kind)
        prev, prev_id = row["hash"], row["id"]
        seen_expected = seen_expected or row["hash"] == expect_head
        v.rows, v.head_hash, v.last_id = v.rows + 1, prev, prev_id
    if head is None:
        if v.rows:
            return _broken(v, None, "the head record (audit_head) is missing: it was removed", "head_missing")
    elif head.last_id > prev_id or head.row_count > v.rows:
        return _broken(
            v,
            None,
            f"the tail was cut off: the head records {head.row_count} rows up to id "
            f"{head.last_id}, the trail has {v.rows} up to id {prev_id}",
            "truncated",
        )
    elif (head.last_id, head.row_count, head.hash) != (prev_id, v.rows, prev):
        return _broken(v, None, "the head record (audit_head) does not match the last row", "head_changed")
    if not seen_expected:
        return _broken(
            v, None, f"no row has the hash {expect_head}: the trail was rewritten or cut before it", "head_not_found"
        )
    return v


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
    return found is not None


def _unchained_rows(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    """Rows of a trail never opened by a kms-tui with the chain (read-only): none has a hash."""
    for r in conn.execute(f"SELECT id, {','.join(DATA_COLUMNS)} FROM audit ORDER BY id"):
        yield {**dict(zip(("id", *DATA_COLUMNS), r, strict=True)), "prev_hash": "", "hash": ""}


def _broken(v: Verdict, row: dict[str, Any] | None, problem: str, kind: str) -> Verdict:
    v.intact, v.problem, v.kind = False, problem, kind
    if row is not None:
        v.first_bad_id = row["id"]
        v.first_bad = {"time": row["time"], "operation": row["operation"]}
    return v
