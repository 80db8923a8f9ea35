"""The one place kms-tui pauses Python's cyclic garbage collector (a leaf module: no imports of
kms_tui, so every layer may use it, ``kmip`` included).

Two pauses, each measured to help where it is used (figures in CONTRIBUTING.md, "Garbage
collection"); nothing else pauses the collector:

- :func:`collector_paused` stops it while many containers that form no cycle are built in one
  go: a KMIP answer decoded into TTLV nodes (``kmip.ttlv_decode``), the rows of a whole-server
  listing (``client.listing``). The collector would otherwise rescan the young nodes again and
  again while they are built.
- :func:`full_collections_paused` lets young collections go on but holds full ones while the
  console loads a listing over many turns of its event loop (``tui.objects.loading``), then
  freezes what the load built, so later full collections skip the rows.

Both nest and may be entered from several threads at once: the outermost exit restores the
collector as the first entry found it (a collector already disabled by someone else stays so).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

NO_FULL_COLLECTION = 1 << 30  # as the third threshold: young collections go on, full ones wait

_lock = threading.Lock()
_paused = 0  # collector_paused() entries under way
_was_enabled = False
_full_paused = 0  # full_collections_paused() entries under way
_thresholds = gc.get_threshold()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection at all inside (for work that builds many acyclic containers at once)."""
    global _paused, _was_enabled
    with _lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()


@contextmanager
def full_collections_paused() -> Iterator[None]:
    """Young collections only inside; at the outermost exit, what survived is frozen (moved out
    of the collector's sight: rows that live as long as the screen) and the thresholds return."""
    global _full_paused, _thresholds
    with _lock:
        if _full_paused == 0:
            _thresholds = gc.get_threshold()
            gc.set_threshold(_thresholds[0], _thresholds[1], NO_FULL_COLLECTION)
        _full_paused += 1
    try:
        yield
    finally:
        with _lock:
            _full_paused -= 1
            if _full_paused == 0:
                gc.freeze()
                gc.set_threshold(*_thresholds)
