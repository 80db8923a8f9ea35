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

    @asynccontextmanager
    async def shared(self) -> AsyncIterator[None]:
        async with self._cond:
            await self._cond.wait_for(lambda: not self._writer and not self._writers_waiting)
            self._readers += 1
        try:
            yield
        finally:
            async with self._cond:
                self._readers -= 1
                self._cond.notify_all()

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
