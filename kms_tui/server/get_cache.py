"""Answers to repeated ``Get`` requests, kept until anything is written to the store.

A Get decodes the request, reads and decodes the object, converts it and encodes the answer:
about 0.2 ms of the event loop, four times a ``GET /version``. Consoles and scripts ask for the
same object again and again. The encoded answer to a bare Get (``POST /kmip/2_1``) is kept by
(user, request bytes) and served while the store is unchanged: :attr:`Store.generation`, which
every transaction bumps, committed or rolled back (an object, its attributes, tags or grants
changed, or an object created that a tag or name in the request now also matches), and SQLite's
``data_version`` (a commit by another connection to the same database file: a second server).

Never kept:
- a Get that wraps (``KeyWrappingSpecification``): Cosmian answers with a fresh IV each time;
- a Get that wrote (the first plaintext Get of a ``Fresh`` key clears the flag);
- one whose object has a transition that follows the clock, not a write (PreActive with an
  ActivationDate, Active with a DeactivationDate: ``OpContext.refresh_state``);
- a failure, or an answer over :data:`MAX_ANSWER_BYTES`.
At most :data:`MAX_ENTRIES` answers and :data:`MAX_TOTAL_BYTES` in all are kept, the oldest going first.
Durability is unchanged: only reads are answered from memory.
"""

from __future__ import annotations

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server.store import Store

MAX_ENTRIES = 1024  # answers kept; the oldest goes first
MAX_ANSWER_BYTES = 256 * 1024  # a certificate chain or a large key is encoded again instead
MAX_TOTAL_BYTES = 16 * 1024 * 1024  # all kept answers together (the oldest go first)


class GetCache:
    """The kept answers of one server (``app[GET_CACHE]``)."""

    def __init__(self, store: Store, max_entries: int = MAX_ENTRIES) -> None:
        self._store = store
        self._max_entries = max_entries
        self._version = self.version()
        self._answers: dict[tuple[str, bytes], bytes] = {}
        self._bytes = 0  # the kept answers' and requests' sizes

    def __len__(self) -> int:
        return len(self._answers)

    def version(self) -> tuple[int, int]:
        """What the kept answers are valid for: this server's writes, and other connections'."""
        return self._store.generation, self._store.data_version()

    def lookup(self, user: str, request: bytes) -> bytes | None:
        """The encoded answer kept for ``user``'s identical request, if the store is unchanged."""
        version = self.version()
        if version != self._version:
            self._forget(version)
            return None
        return self._answers.get((user, request))

    def _forget(self, version: tuple[int, int]) -> None:
        self._answers.clear()
        self._bytes = 0
        self._version = version

    def keep(
        self, user: str, request: bytes, payload: TTLV, answer: TTLV, encoded: bytes, version: tuple[int, int]
    ) -> None:
        """Keep ``encoded`` (the answer to the Get ``payload``) if it may be served again;
        ``version`` is :meth:`version` before the Get ran."""
        if (
            payload.tag != "Get"
            or answer.tag != "GetResponse"
            or payload.get("KeyWrappingSpecification") is not None
            or self.version() != version
            or len(encoded) > MAX_ANSWER_BYTES
            or not self._settled(answer.get_value("UniqueIdentifier"))
        ):
            return
        if self._version != version:
            self._forget(version)
        key = (user, request)
        if key in self._answers:
            return
        while self._answers and (
            len(self._answers) >= self._max_entries or self._bytes + len(request) + len(encoded) > MAX_TOTAL_BYTES
        ):
            (old_user, old_request), old = next(iter(self._answers.items()))
            del self._answers[(old_user, old_request)]
            self._bytes -= len(old_request) + len(old)
        self._answers[key] = encoded
        self._bytes += len(request) + len(encoded)

    def _settled(self, uid: object) -> bool:
        """Whether the object's state can only change by a write (no date-driven transition)."""
        obj = self._store.get(uid) if isinstance(uid, str) else None
        if obj is None:
            return False
        if obj.state == "PreActive" and obj.attributes.get("ActivationDate") is not None:
            return False
        return not (obj.state == "Active" and obj.attributes.get("DeactivationDate") is not None)
