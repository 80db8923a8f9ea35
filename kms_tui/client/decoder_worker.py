"""The helper process that decodes ``/access/owned`` for the console (``python -m`` this module).

Started and fed by :class:`kms_tui.client.decoder_process.ListingDecoder`; see that module for
why. It reads frames on stdin and answers on stdout, one answer per START/CHUNK/LAST frame, in
order; END frames get none. A frame is :data:`HEADER` (kind, load number, length) then that
many bytes:

- START: a listing begins; the bytes are its filters as JSON. Answer: (pid, peak RSS in kB).
- CHUNK / LAST: the next bytes of that listing's answer (LAST: the end of it). Answer: the
  ids, the entries without tags and the :data:`RowFields` of the rows that match, as
  :func:`kms_tui.client.owned_rows.decode_owned` makes them, and the peak RSS in kB.
- END: the listing is over (finished or dropped): its state is freed.

Answers are pickled (plain containers, strings, numbers and ``datetime`` only: the console reads
them with an unpickler that accepts nothing else). A failure answers FAILED with a JSON
``{"kind": ..., "message": ...}``. The process never writes to the terminal (stderr is
discarded by its parent) and ends when its stdin closes: when the console ends, however it ends.
"""

from __future__ import annotations

import gc
import json
import os
import pickle
import resource
import signal
import struct
import sys
from types import SimpleNamespace
from typing import Any, BinaryIO

HEADER = struct.Struct(">BIQ")  # kind (or status), load number, length of what follows
START, CHUNK, LAST, END = 1, 2, 3, 4
OK, FAILED = 0, 1
NICENESS = 10  # added to the console's: the scheduler gives the console ~10x the helper's share
NICE_ENV = "KMS_TUI_DECODER_NICE"  # the niceness the parent asks for (it also sets it at once)


def _read(stream: BinaryIO, size: int) -> bytes | None:
    data = stream.read(size) if size else b""
    return data if len(data) == size else None


def _peak_rss_kb() -> int:
    """This process's peak RSS in kB: Linux's VmHWM (ru_maxrss would also count the console's
    RSS at the fork that started us: it is kept across exec), else ru_maxrss."""
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def lower_priority(niceness: str | None, pid: int = 0) -> None:
    """Background work: where cores are short, the console's keys and frames go first. The
    niceness is absolute (the console's plus NICENESS), so setting it twice does no harm."""
    try:
        target = int(niceness) if niceness else os.getpriority(os.PRIO_PROCESS, 0) + NICENESS
        os.setpriority(os.PRIO_PROCESS, pid, min(target, 19))
    except (AttributeError, OSError, ValueError):
        pass


def serve(inp: BinaryIO, out: BinaryIO) -> None:
    """Answer frames from ``inp`` on ``out`` until ``inp`` ends."""
    from kms_tui.client.json_slices import ArrayEntries
    from kms_tui.client.owned_rows import decode_owned, row_fields

    loads: dict[int, tuple[ArrayEntries, dict[str, tuple[str, ...]], Any]] = {}

    def answer(status: int, load: int, payload: bytes) -> None:
        out.write(HEADER.pack(status, load, len(payload)))
        out.write(payload)
        out.flush()

    while True:
        header = _read(inp, HEADER.size)
        if header is None:
            return
        kind, load, size = HEADER.unpack(header)
        data = _read(inp, size)
        if data is None:
            return
        if kind == END:
            loads.pop(load, None)
            continue
        if kind == START:
            loads[load] = (ArrayEntries(), {}, SimpleNamespace(**json.loads(data)))
            answer(OK, load, pickle.dumps((0, _peak_rss_kb())))
            continue
        state = loads.get(load)
        if state is None:
            answer(FAILED, load, json.dumps({"kind": "error", "message": "unknown listing"}).encode())
            continue
        entries, tag_cache, filters = state
        final = kind == LAST
        try:
            found = entries.feed(data, final=final)
        except ValueError:
            loads.pop(load, None)
            answer(FAILED, load, json.dumps({"kind": "not_json", "message": ""}).encode())
            continue
        try:
            decoded = decode_owned(found, tag_cache, filters, row_fields)
        except Exception as exc:  # noqa: BLE001 - an entry of an unexpected shape: said, not fatal
            loads.pop(load, None)
            answer(FAILED, load, json.dumps({"kind": "bad_entry", "message": type(exc).__name__}).encode())
            continue
        if final:
            loads.pop(load, None)
        answer(OK, load, pickle.dumps((*decoded, _peak_rss_kb()), protocol=pickle.HIGHEST_PROTOCOL))
        del found, decoded


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the console's Ctrl+C is a key, never ours
    lower_priority(os.environ.get(NICE_ENV))
    gc.disable()  # the entries form no cycles: reference counting frees each chunk's
    try:
        serve(sys.stdin.buffer, sys.stdout.buffer)
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
