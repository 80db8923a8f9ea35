"""The sandbox's SQLite store, shaped like Cosmian's: ``objects(id, object, attributes, state,
owner)``, ``tags(id, tag)`` and ``read_access(id, userid, permissions)``.

Objects and attributes are kept as JSON TTLV text; ``plain_attributes`` holds the attributes
once more as the plain JSON ``/access/owned`` returns (see :mod:`kms_tui.server.plain_json`). The database runs
in WAL mode with ``synchronous=FULL``: a call that returned has been fsynced, so an acknowledged write survives
``kill -9``. All calls are synchronous and short; the server calls them from its event loop,
which also serialises read-modify-write sequences of one request.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kms_tui.kmip.ttlv import TTLV, TTLVError, decode, encode
from kms_tui.server.access_request import ordered
from kms_tui.server.errors import DatabaseError
from kms_tui.server.plain_json import SHAPE_VERSION, plain_json

SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    id TEXT PRIMARY KEY,
    object TEXT NOT NULL,
    attributes TEXT NOT NULL,
    state TEXT NOT NULL,
    owner TEXT NOT NULL,
    object_type TEXT NOT NULL DEFAULT '',
    updated_at REAL NOT NULL DEFAULT 0,
    plain_attributes TEXT
);
CREATE INDEX IF NOT EXISTS objects_owner ON objects(owner);
CREATE TABLE IF NOT EXISTS tags (
    id TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (id, tag)
);
CREATE INDEX IF NOT EXISTS tags_tag ON tags(tag);
CREATE TABLE IF NOT EXISTS read_access (
    id TEXT NOT NULL,
    userid TEXT NOT NULL,
    permissions TEXT NOT NULL,
    PRIMARY KEY (id, userid)
);
CREATE INDEX IF NOT EXISTS read_access_user ON read_access(userid);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


@dataclass
class StoredObject:
    """One managed object: its KMIP object node (e.g. ``SymmetricKey``), its ``Attributes``
    node (the DB copy, tags included as the vendor ``tag`` attribute), state and owner."""

    uid: str
    object: TTLV
    attributes: TTLV
    state: str
    owner: str
    tags: set[str] = field(default_factory=set)

    @property
    def object_type(self) -> str:
        return self.object.tag


def _plain(attributes: str) -> str:
    """The plain JSON of stored attribute text (``{}`` for text that no longer decodes: the
    listing must still answer)."""
    try:
        return plain_json(decode(attributes))
    except TTLVError:
        return "{}"


# Stored texts already decoded, by text: a request for an object read before (Get, Encrypt,
# GetAttributes...) copies the nodes (~25 us) instead of decoding its JSON TTLV again (~160 us).
# Keyed by the text itself, so a changed object is a new key; bounded, then started afresh.
_DECODED: dict[str, TTLV] = {}
DECODED_MAX = 2048


def _decoded(text: str) -> TTLV:
    """``decode(text)`` as a fresh tree the caller may change (handlers edit what they read)."""
    node = _DECODED.get(text)
    if node is None:
        node = decode(text)
        if len(_DECODED) >= DECODED_MAX:
            _DECODED.clear()
        _DECODED[text] = node
    return node.copy()


def _row_to_object(row: sqlite3.Row | tuple[Any, ...], tags: set[str]) -> StoredObject:
    uid, obj, attrs, state, owner = row[:5]
    return StoredObject(uid, _decoded(obj), _decoded(attrs), state, owner, tags)


class Store:
    """Synchronous access to the sandbox database (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")  # acknowledged writes survive kill -9
        self.db.execute("PRAGMA busy_timeout=5000")
        self.db.executescript(SCHEMA)
        self._depth = 0
        self.generation = 0  # bumped by every transaction: see kms_tui.server.get_cache
        self._add_plain_attributes()

    def _add_plain_attributes(self) -> None:
        """Databases written before ``plain_attributes`` existed get the column, and texts of an
        earlier shape (:data:`~kms_tui.server.plain_json.SHAPE_VERSION`) are rewritten, once."""
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(objects)")}
        shape = self.db.execute("SELECT value FROM meta WHERE key='plain_attributes_shape'").fetchone()
        if "plain_attributes" in columns and shape is not None and int(shape[0]) == SHAPE_VERSION:
            return
        with self.transaction():
            if "plain_attributes" not in columns:
                self.db.execute("ALTER TABLE objects ADD COLUMN plain_attributes TEXT")
            rows = self.db.execute("SELECT id, attributes FROM objects").fetchall()
            self.db.executemany("UPDATE objects SET plain_attributes=? WHERE id=?", [(_plain(a), i) for i, a in rows])
            self.db.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('plain_attributes_shape', ?)", (str(SHAPE_VERSION),)
            )

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

    def data_version(self) -> int:
        """SQLite's ``data_version``: changes when another connection commits to the file."""
        return int(self.db.execute("PRAGMA data_version").fetchone()[0])

    def ping(self) -> None:
        """Raise if the database cannot answer (used by /health)."""
        self.db.execute("SELECT 1").fetchone()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes atomically. A nested use is a savepoint: its failure undoes only its
        own writes, and the outer transaction decides whether anything is committed. Each one
        bumps :attr:`generation` as it starts and as it ends (answers kept for reads are stale)."""
        self.generation += 1
        try:
            with self._transaction():
                yield
        finally:
            self.generation += 1

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        if self._depth:
            name = f"sp{self._depth}"
            self.db.execute(f"SAVEPOINT {name}")
            self._depth += 1
            try:
                yield
            except BaseException:
                self.db.execute(f"ROLLBACK TO {name}")
                self.db.execute(f"RELEASE {name}")
                raise
            else:
                self.db.execute(f"RELEASE {name}")
            finally:
                self._depth -= 1
            return
        self.db.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self.db.execute("ROLLBACK")
            raise
        self._depth = 0
        self.db.execute("COMMIT")  # synchronous=FULL: durable once this returns

    # -- objects ----------------------------------------------------------------------------
    def get(self, uid: str) -> StoredObject | None:
        """The object with this id, whoever owns it (callers check permissions)."""
        row = self.db.execute("SELECT id, object, attributes, state, owner FROM objects WHERE id=?", (uid,)).fetchone()
        if row is None:
            return None
        return _row_to_object(row, self.tags_of(uid))

    def exists(self, uid: str) -> bool:
        """Whether an object with this id exists (any owner, any state)."""
        return self.db.execute("SELECT 1 FROM objects WHERE id=?", (uid,)).fetchone() is not None

    def insert(self, objects: Iterable[StoredObject]) -> None:
        """Insert new objects (all or none); an existing id raises ``DatabaseError``."""
        now = time.time()
        with self.transaction():
            for o in objects:
                try:
                    self.db.execute(
                        "INSERT INTO objects(id, object, attributes, state, owner, object_type, updated_at,"
                        " plain_attributes) VALUES (?,?,?,?,?,?,?,?)",
                        (
                            o.uid,
                            encode(o.object),
                            encode(o.attributes),
                            o.state,
                            o.owner,
                            o.object_type,
                            now,
                            plain_json(o.attributes),
                        ),
                    )
                except sqlite3.IntegrityError:
                    raise DatabaseError(
                        f"failed to insert objects: one or more objects already exist (`{o.uid}`)"
                    ) from None
                self._write_tags(o.uid, o.tags)

    def update(self, o: StoredObject, *, tags: bool = False) -> None:
        """Write back an object's node, attributes and state (and its tags if ``tags``)."""
        with self.transaction():
            self.db.execute(
                "UPDATE objects SET object=?, attributes=?, state=?, updated_at=?, plain_attributes=? WHERE id=?",
                (encode(o.object), encode(o.attributes), o.state, time.time(), plain_json(o.attributes), o.uid),
            )
            if tags:
                self.db.execute("DELETE FROM tags WHERE id=?", (o.uid,))
                self._write_tags(o.uid, o.tags)

    def replace(self, o: StoredObject) -> None:
        """Overwrite an object entirely (Import with ReplaceExisting), owner included."""
        with self.transaction():
            self.delete(o.uid, keep_grants=True)
            self.insert([o])

    def delete(self, uid: str, *, keep_grants: bool = False) -> None:
        """Remove the row, its tags and (unless ``keep_grants``) its grants."""
        with self.transaction():
            self.db.execute("DELETE FROM objects WHERE id=?", (uid,))
            self.db.execute("DELETE FROM tags WHERE id=?", (uid,))
            if not keep_grants:
                self.db.execute("DELETE FROM read_access WHERE id=?", (uid,))

    def _write_tags(self, uid: str, tags: Iterable[str]) -> None:
        self.db.executemany("INSERT OR IGNORE INTO tags(id, tag) VALUES (?,?)", [(uid, t) for t in tags])

    def tags_of(self, uid: str) -> set[str]:
        """The tags (user and system) of an object."""
        return {r[0] for r in self.db.execute("SELECT tag FROM tags WHERE id=?", (uid,))}

    def ids_with_tags(self, tags: Iterable[str]) -> list[str]:
        """Ids of objects carrying every one of ``tags`` (any owner)."""
        wanted = sorted(set(tags))
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        rows = self.db.execute(
            f"SELECT id FROM tags WHERE tag IN ({marks}) GROUP BY id HAVING COUNT(DISTINCT tag)=?",
            (*wanted, len(wanted)),
        )
        return [r[0] for r in rows]

    def locate_candidates(
        self,
        user: str,
        *,
        tags: Iterable[str] = (),
        states: Iterable[str] | None = None,
        object_type: str | None = None,
        uid: str | None = None,
    ) -> Iterator[tuple[str, str, str]]:
        """``(id, attributes JSON, state)`` of objects ``user`` owns or holds a grant on,
        narrowed by the filters SQL can apply; the caller filters the rest."""
        sql = (
            "SELECT o.id, o.attributes, o.state FROM objects o WHERE (o.owner=?"
            " OR o.id IN (SELECT id FROM read_access WHERE userid=? AND permissions<>'[\"create\"]'))"
        )
        args: list[object] = [user, user]
        wanted = sorted(set(tags))
        if wanted:
            marks = ",".join("?" * len(wanted))
            sql += f" AND o.id IN (SELECT id FROM tags WHERE tag IN ({marks}) GROUP BY id HAVING COUNT(DISTINCT tag)=?)"
            args += [*wanted, len(wanted)]
        if states is not None:
            st = list(states)
            sql += f" AND o.state IN ({','.join('?' * len(st))})"
            args += st
        if object_type:
            sql += " AND o.object_type=?"
            args.append(object_type)
        if uid is not None:
            sql += " AND o.id=?"
            args.append(uid)
        yield from self.db.execute(sql, args)

    def owned(self, user: str) -> list[tuple[str, str, str]]:
        """``(id, state, plain attributes JSON)`` of every object ``user`` owns, any state:
        one scan of the ``objects_owner`` index, the attribute text as stored."""
        return self.db.execute("SELECT id, state, plain_attributes FROM objects WHERE owner=?", (user,)).fetchall()

    # -- rotation (Cosmian's find_by_rotate_name, find_due_for_rotation_query) ----------------
    def by_rotate_name(self, name: str, owner: str, generation: int | None) -> list[tuple[str, int]]:
        """``(id, RotateGeneration)`` of ``owner``'s objects in keyset ``name`` (one generation
        when given)."""
        rows = self.db.execute(
            "SELECT id, COALESCE(json_extract(plain_attributes, '$.RotateGeneration'), 0) FROM objects"
            " WHERE owner=? AND json_extract(plain_attributes, '$.RotateName')=?",
            (owner, name),
        ).fetchall()
        return [(uid, gen) for uid, gen in rows if generation is None or gen == generation]

    def rotation_candidates(self) -> list[tuple[str, str]]:
        """``(id, owner)`` of Active objects with RotateAutomatic true and RotateInterval > 0."""
        return self.db.execute(
            "SELECT id, owner FROM objects WHERE state='Active'"
            " AND json_extract(plain_attributes, '$.RotateAutomatic')=1"
            " AND CAST(json_extract(plain_attributes, '$.RotateInterval') AS INTEGER) > 0"
        ).fetchall()

    def ids_linking_to(self, link_type: str, target: str) -> list[str]:
        """Ids of the objects holding a ``link_type`` link to ``target``."""
        return [
            row[0]
            for row in self.db.execute(
                "SELECT o.id FROM objects o, json_each(o.plain_attributes, '$.Link') l"
                " WHERE json_extract(l.value, '$.LinkType')=? AND json_extract(l.value, '$.LinkedObjectIdentifier')=?",
                (link_type, target),
            )
        ]

    # -- access rights ----------------------------------------------------------------------
    def permissions(self, uid: str, user: str) -> set[str]:
        """Operations granted on ``uid`` to ``user`` or to everyone (``*``)."""
        ops: set[str] = set()
        for (perms,) in self.db.execute(
            "SELECT permissions FROM read_access WHERE id=? AND userid IN (?, '*')", (uid, user)
        ):
            ops.update(json.loads(perms))
        return ops

    def grants_on(self, uid: str) -> list[tuple[str, list[str]]]:
        """``(user, operations)`` for every grant on ``uid``, operations in Cosmian's
        ``KmipOperation`` order (users sorted; Cosmian's order is a HashMap's). The ``create``
        right is not a grant on an object that has the id ``*``: it is left out."""
        rows = self.db.execute("SELECT userid, permissions FROM read_access WHERE id=? ORDER BY userid", (uid,))
        out = []
        for u, p in rows:
            ops = [o for o in ordered(json.loads(p)) if o != "create"]
            if ops:
                out.append((u, ops))
        return out

    def is_owned_by(self, uid: str, user: str) -> bool:
        """Cosmian's ``is_object_owned_by``: a row with this id and owner."""
        return self.db.execute("SELECT 1 FROM objects WHERE id=? AND owner=?", (uid, user)).fetchone() is not None

    # The `create` right is Cosmian's grant of `create` on the pseudo-object `*`.
    def grant_create(self, user: str) -> None:
        """Give ``user`` the ``create`` right."""
        self.grant("*", user, ["create"])

    def revoke_create(self, user: str) -> None:
        """Take the ``create`` right from ``user``."""
        self.revoke_grant("*", user, ["create"])

    def has_create_right(self, user: str) -> bool:
        """Whether ``user`` (or everyone, ``*``) holds the ``create`` right."""
        return "create" in self.permissions("*", user)

    def grant(self, uid: str, user: str, ops: Iterable[str]) -> None:
        """Add ``ops`` to the operations granted on ``uid`` to ``user``."""
        with self.transaction():
            current = self._perms_exact(uid, user) | set(ops)
            self.db.execute(
                "INSERT OR REPLACE INTO read_access(id, userid, permissions) VALUES (?,?,?)",
                (uid, user, json.dumps(sorted(current))),
            )

    def revoke_grant(self, uid: str, user: str, ops: Iterable[str]) -> None:
        """Remove ``ops`` from the grant of ``user`` on ``uid`` (the row goes when empty)."""
        with self.transaction():
            left = self._perms_exact(uid, user) - set(ops)
            if left:
                self.db.execute(
                    "UPDATE read_access SET permissions=? WHERE id=? AND userid=?",
                    (json.dumps(sorted(left)), uid, user),
                )
            else:
                self.db.execute("DELETE FROM read_access WHERE id=? AND userid=?", (uid, user))

    def _perms_exact(self, uid: str, user: str) -> set[str]:
        row = self.db.execute("SELECT permissions FROM read_access WHERE id=? AND userid=?", (uid, user)).fetchone()
        return set(json.loads(row[0])) if row else set()

    def obtained(self, user: str) -> list[tuple[str, str, str, list[str]]]:
        """``(id, owner, state, operations)`` of every grant row of ``user``, as Cosmian's
        ``select-objects-access-obtained`` (a LEFT JOIN: a row without an object, such as the
        ``create`` right on ``*``, has owner ``""`` and state ``Active``)."""
        rows = self.db.execute(
            "SELECT r.id, COALESCE(o.owner, ''), COALESCE(o.state, 'Active'), r.permissions FROM read_access r"
            " LEFT JOIN objects o ON o.id=r.id WHERE r.userid=? ORDER BY r.rowid",
            (user,),
        )
        return [(i, o, s, ordered(json.loads(p))) for i, o, s, p in rows]
