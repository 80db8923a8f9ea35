"""Decoding ``/access/owned`` in a helper process, so a console's listing uses a second core.

At 100,000 objects the answer is about 90 MB of JSON. Decoded in a thread of the console
(:mod:`kms_tui.client.listing`), the decoding and the console's keys and frames take turns on
one interpreter lock: the listing took about twice as long in the console as alone. Decoded in
a process of its own, the console only reads the answer off the network, hands it on in 128 kB
chunks and turns the rows that come back into table rows (about a third of the work).

- One helper per :class:`~kms_tui.client.kms_client.KmsClient` (``client.listing_decoder``),
  started by the first listing whose answer is over one chunk (a small server never starts it),
  kept for the next ones, stopped with the client. It runs ``python -P -m
  kms_tui.client.decoder_worker`` from this installation (never the working directory's
  modules), in a session of its own (the terminal's signals never reach it), stderr discarded.
- Where it cannot start or answer (no interpreter to run, a frozen build, a broken install),
  :attr:`ListingDecoder.unavailable` says why and listings are decoded in a thread as before.
- If it stops in the middle of a listing, or does not answer a chunk within
  :data:`ANSWER_TIMEOUT_S`, that listing fails with :class:`DecoderStopped` (the console says
  so; nothing is half shown as complete) and later ones decode in a thread.
- What comes back is read by an unpickler that accepts plain data and ``datetime`` only.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import io
import itertools
import json
import os
import pickle
import subprocess
import sys
import time
from collections import deque
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import kms_tui
from kms_tui.client.decoder_worker import (
    CHUNK,
    END,
    FAILED,
    HEADER,
    LAST,
    NICE_ENV,
    NICENESS,
    OK,
    START,
    lower_priority,
)
from kms_tui.client.errors import ProtocolError

try:
    import fcntl
except ImportError:  # not on Windows
    fcntl = None  # type: ignore[assignment]

START_TIMEOUT_S = 10.0  # a helper that does not answer its first frame by then is not used
STOP_WAIT_S = 1.0  # how long aclose() lets it end by itself before it is killed
# A chunk takes it a few milliseconds; one not decoded by then means it hangs (stopped with
# SIGSTOP, starved, stuck): the listing fails instead of showing "loading" for ever.
ANSWER_TIMEOUT_S = 20.0


class DecoderStopped(ProtocolError):
    """The helper process stopped in the middle of a listing."""

    default_fix = "list again (r in the objects screen): the console then decodes the listing itself"


class _PlainData(pickle.Unpickler):
    """Only containers, strings, numbers and dates: what the helper sends, nothing else."""

    ALLOWED = {("datetime", "datetime"), ("datetime", "timezone"), ("datetime", "timedelta")}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.ALLOWED:
            return getattr(datetime, name)
        raise pickle.UnpicklingError(f"the listing decoder sent {module}.{name}")


def plain_loads(payload: bytes) -> Any:
    return _PlainData(io.BytesIO(payload)).load()


class ListingDecoder:
    """The helper process of one client (see the module's docstring)."""

    def __init__(self) -> None:
        self.unavailable: str | None = None  # why listings are decoded in a thread instead
        self.peak_rss_kb = 0  # the helper's own peak RSS, as it last reported it
        self.pid: int | None = None
        self._popen: subprocess.Popen[bytes] | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._read_transport: asyncio.ReadTransport | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reader: asyncio.Task[None] | None = None
        self._waiting: deque[asyncio.Future[Any]] = deque()
        self._loads = itertools.count(1)
        self._starting: asyncio.Lock | None = None
        self._closing = False

    # -- lifecycle ------------------------------------------------------------------------------
    async def _start(self) -> None:
        root = str(Path(kms_tui.__file__).resolve().parents[1])  # this installation's kms_tui
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
        with contextlib.suppress(AttributeError, OSError):
            env[NICE_ENV] = str(os.getpriority(os.PRIO_PROCESS, 0) + NICENESS)
        # A plain Popen, reaped by us alone (poll/wait): asyncio's child watcher would race our
        # kill for the exit status and log a warning onto the console's screen.
        popen = subprocess.Popen(
            [sys.executable, "-P", "-m", "kms_tui.client.decoder_worker"],  # -P: no modules from the cwd
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # the terminal's signals (Ctrl+C, Ctrl+Z) never reach it
        )
        self._popen, self.pid = popen, popen.pid
        lower_priority(env.get(NICE_ENV), popen.pid)  # at once, not after its imports (it does it too)
        for pipe in (popen.stdin, popen.stdout):
            _widen(pipe)
        loop = self._loop = asyncio.get_running_loop()
        try:
            reader = asyncio.StreamReader(limit=1 << 20, loop=loop)
            self._read_transport, _ = await loop.connect_read_pipe(
                lambda: asyncio.StreamReaderProtocol(reader, loop=loop), popen.stdout
            )
            transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, popen.stdin)
        except BaseException:
            self._kill()
            raise
        self._writer = asyncio.StreamWriter(transport, protocol, None, loop)
        self._reader = asyncio.ensure_future(self._read_answers(popen, reader))

    async def _ready(self) -> bool:
        """Started (or starting now); False when it cannot be used."""
        if self.unavailable is not None:
            return False
        if self._popen is not None and self._loop is not asyncio.get_running_loop():
            self._kill()  # made on another event loop (a test, a second asyncio.run): start afresh
        if self._starting is None or self._loop is not asyncio.get_running_loop():
            self._starting = asyncio.Lock()
        async with self._starting:
            if self._popen is None:
                try:
                    await self._start()
                except (OSError, ValueError, subprocess.SubprocessError) as exc:
                    self.unavailable = f"the listing decoder could not start ({type(exc).__name__})"
                    return False
        return True

    async def _read_answers(self, popen: subprocess.Popen[bytes], reader: asyncio.StreamReader) -> None:
        try:
            while True:
                header = await reader.readexactly(HEADER.size)
                status, _load, size = HEADER.unpack(header)
                payload = await reader.readexactly(size)
                waiter = self._waiting.popleft() if self._waiting else None
                if waiter is None or waiter.done():
                    continue  # its listing was dropped
                if status == OK:
                    answer = plain_loads(payload)
                    self.peak_rss_kb = max(self.peak_rss_kb, int(answer[-1]))
                    waiter.set_result(answer[:-1])
                elif status == FAILED:
                    waiter.set_exception(_failure(payload))
                else:
                    raise pickle.UnpicklingError("unknown answer status")
        except (asyncio.IncompleteReadError, ConnectionError, pickle.UnpicklingError, ValueError, EOFError):
            pass
        if self._popen is not popen or self._closing:
            return  # stopped on purpose
        self.unavailable = _stopped(popen.poll())  # at once: a listing may fail before the exit status comes
        code = await _exit_status(popen)
        if self._popen is not popen:
            return  # forgotten meanwhile (killed after a broken pipe, closed): that said it
        self.unavailable = _stopped(code)
        self._fail_waiting(DecoderStopped(_stopped(code), reason="decoder_stopped"))
        self._kill()

    def _fail_waiting(self, exc: BaseException) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_exception(exc)

    def _kill(self) -> None:
        """Forget the helper at once: killed if it still runs (Popen checks it was not reaped)."""
        popen, self._popen = self._popen, None
        writer, self._writer = self._writer, None
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.transport.abort()  # what it had not taken yet is dropped: closed at once
        read, self._read_transport = self._read_transport, None
        if read is not None:
            with contextlib.suppress(Exception):
                read.close()  # before its pipe closes: the loop must stop watching that descriptor
        if popen is not None:
            with contextlib.suppress(OSError):
                popen.kill()
            with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                popen.wait(0.5)  # reaped (a killed process ends at once)
            for pipe in (popen.stdin, popen.stdout):
                with contextlib.suppress(OSError):
                    pipe.close() if pipe is not None else None
        if self._reader is not None and self._reader is not asyncio.current_task():
            self._reader.cancel()
        self._reader = None
        self._fail_waiting(DecoderStopped(_stopped(None), reason="decoder_stopped"))

    async def aclose(self) -> None:
        """Stop the helper: its stdin closes and it ends by itself, else it is killed."""
        popen, writer = self._popen, self._writer
        if popen is None:
            return
        self._closing = True
        try:
            if self._loop is asyncio.get_running_loop() and writer is not None:
                with contextlib.suppress(Exception):
                    writer.close()
                await _exit_status(popen)
            self._kill()
        finally:
            self._closing = False
        self.unavailable = None  # closed, not broken: a later listing may start it again

    # -- one listing ----------------------------------------------------------------------------
    async def open(self, filters: Any) -> int | None:
        """A new listing in the helper, its number; None when the helper cannot be used (then
        the caller decodes in a thread: nothing was sent yet)."""
        if not await self._ready():
            return None
        load = next(self._loads)
        plain = asdict(filters) if is_dataclass(filters) and not isinstance(filters, type) else dict(filters)
        try:
            waiter = await self._send(START, load, json.dumps(plain).encode())
            await asyncio.wait_for(waiter, START_TIMEOUT_S)
        except (DecoderStopped, OSError, TimeoutError) as exc:
            self.unavailable = self.unavailable or f"the listing decoder did not answer ({type(exc).__name__})"
            self._kill()
            return None
        return load

    async def submit(self, load: int, chunk: bytes, final: bool) -> asyncio.Future[Any]:
        """Send the next ``chunk`` of listing ``load``; the future is its (ids, entries without
        tags, row fields), or raises what the chunk showed (ProtocolError, DecoderStopped)."""
        return await self._send(LAST if final else CHUNK, load, chunk)

    async def answer(self, waiter: asyncio.Future[Any]) -> Any:
        """What ``waiter`` (from :meth:`submit`) holds, within ANSWER_TIMEOUT_S: a helper that
        does not answer by then is killed and not used again (DecoderStopped)."""
        try:
            return await asyncio.wait_for(waiter, ANSWER_TIMEOUT_S)
        except TimeoutError:
            raise self._give_up(_hung(), self._popen) from None

    def end(self, load: int) -> None:
        """Listing ``load`` is over (done or dropped): the helper frees what it held for it."""
        writer = self._writer
        if writer is not None and not writer.is_closing():
            writer.write(HEADER.pack(END, load, 0))

    async def _send(self, kind: int, load: int, data: bytes) -> asyncio.Future[Any]:
        writer, popen = self._writer, self._popen
        if writer is None or popen is None:
            raise DecoderStopped(self.unavailable or _stopped(None), reason="decoder_stopped")
        if writer.is_closing():  # a write found the pipe broken: it died (before the reader saw it)
            raise self._give_up(_stopped(popen.poll()), popen)
        waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        # Its outcome matters only to a listing that awaits it; one dropped or cut short (its
        # chunks failed with the helper) must not log "exception never retrieved" on the screen.
        waiter.add_done_callback(_outcome_taken)
        self._waiting.append(waiter)  # answers come in the order the frames go
        writer.write(HEADER.pack(kind, load, len(data)))
        writer.write(data)
        try:
            await asyncio.wait_for(writer.drain(), ANSWER_TIMEOUT_S)  # a full pipe: it does not read
        except ConnectionError:
            raise self._give_up(_stopped(popen.poll()), popen) from None
        except TimeoutError:
            raise self._give_up(_hung(), popen) from None
        return waiter

    def _give_up(self, said: str, popen: subprocess.Popen[bytes] | None) -> DecoderStopped:
        """``popen``, the running helper, is not used again: killed, and ``unavailable`` says
        ``said`` (a later listing decodes in a thread); the error for this listing. Nothing
        changes when it was stopped on purpose or already forgotten."""
        if popen is not None and self._popen is popen and not self._closing:
            self.unavailable = self.unavailable or said
            self._kill()
        return DecoderStopped(said, reason="decoder_stopped")


PIPE_BYTES = 1 << 20  # each way: ~20 ms of the helper's work queued while the console draws a frame


def _widen(pipe: Any) -> None:
    """Make ``pipe`` hold PIPE_BYTES (Linux; 64 kB elsewhere): with the default, a frame of the
    console's (5-10 ms) left the helper idle, nothing more to read and no room to answer."""
    setsize = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if pipe is None or setsize is None:
        return
    with contextlib.suppress(OSError):
        fcntl.fcntl(pipe.fileno(), setsize, PIPE_BYTES)


async def _exit_status(popen: subprocess.Popen[bytes]) -> int | None:
    """The helper's exit status once it has ended by itself (None if it has not within STOP_WAIT_S)."""
    deadline = time.monotonic() + STOP_WAIT_S
    while popen.poll() is None and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    return popen.returncode


def _outcome_taken(waiter: asyncio.Future[Any]) -> None:
    if not waiter.cancelled():
        waiter.exception()


def _hung() -> str:
    return (
        f"the console's listing decoder (a helper process) did not answer within "
        f"{ANSWER_TIMEOUT_S:g} s in the middle of the listing"
    )


def _stopped(code: int | None) -> str:
    how = "" if code is None else f" (exit status {code})"
    return f"the console's listing decoder (a helper process) stopped{how} in the middle of the listing"


def _failure(payload: bytes) -> ProtocolError:
    try:
        said = json.loads(payload)
        kind = str(said.get("kind", ""))
        what = str(said.get("message", ""))
    except (ValueError, AttributeError):
        kind, what = "", ""
    if kind == "not_json":
        return ProtocolError(
            "the server answered /access/owned with something that is not a JSON list", reason="not_json"
        )
    if kind == "bad_entry":
        return ProtocolError(
            f"the server's /access/owned answer has an entry that is not an object's description ({what})",
            reason="bad_entry",
        )
    return ProtocolError(f"the listing decoder failed: {what or 'no reason given'}", reason="decoder_failed")
