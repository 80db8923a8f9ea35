"""Who may use the store while a batch holds an open transaction across CPU work.

The store is one SQLite connection used from the event loop. A RequestMessage runs in one
transaction (one fsync); when it has ``BatchErrorContinuationOption=Undo`` and CPU-heavy items
(RSA key generation, certificate signing), that work runs in the worker threads and the batch
waits for it with the transaction open. Meanwhile no other request may read or write through
the connection: it would see, or write into, a transaction that may still be rolled back.

:class:`StoreGate` is a readers-writer gate: every request that touches the store holds it
*shared* for its whole run (also across its own waits for CPU work); such a batch holds it
*exclusive*. A waiting exclusive holder goes first, so a stream of requests cannot starve it.
Requests that never touch the store (``/version``) do not take it; the event loop itself is
never blocked, so TLS handshakes, timeouts and those routes go on.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class StoreGate:
    """A writer-preferring readers-writer gate for asyncio tasks (see the module docstring)."""

    def __init__(self) -> None:
        self._cond = asyncio.Condition()
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    def shared(self) -> _Shared:
        """``async with gate.shared():`` the store for reading and writing, beside other shared
        holders. Taken at once, without the condition, when no exclusive holder runs or waits
        (the usual case: each request takes it once or twice)."""
        return _Shared(self)

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        async with self._cond:
            self._writers_waiting += 1
            try:
                await self._cond.wait_for(lambda: not self._writer and not self._readers)
            finally:
                self._writers_waiting -= 1
                self._cond.notify_all()  # if cancelled, the readers it held back may go
            self._writer = True
        try:
            yield
        finally:
            async with self._cond:
                self._writer = False
                self._cond.notify_all()


class _Shared:
    """The shared hold of a :class:`StoreGate` (a class, not a generator: it is taken per request)."""

    __slots__ = ("_gate",)

    def __init__(self, gate: StoreGate) -> None:
        self._gate = gate

    async def __aenter__(self) -> None:
        gate = self._gate
        if gate._writer or gate._writers_waiting:
            async with gate._cond:
                await gate._cond.wait_for(lambda: not gate._writer and not gate._writers_waiting)
                gate._readers += 1
        else:  # nothing awaited between the test and the count: no other task can come between
            gate._readers += 1

    async def __aexit__(self, *_exc: object) -> None:
        gate = self._gate
        gate._readers -= 1
        if gate._writers_waiting and not gate._readers:  # the last reader lets the writer in
            async with gate._cond:
                gate._cond.notify_all()
