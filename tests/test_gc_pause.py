"""The one GC pause (kms_tui/gc_pause.py): the collector is back as it was after every pause,
however they nest, overlap across threads or end in an error. A collector left off would let a
long-running console or sandbox grow without bound; one switched on behind a caller's back would
undo that caller's own pause."""

from __future__ import annotations

import gc
import threading

import pytest

from kms_tui.gc_pause import NO_FULL_COLLECTION, collector_paused, full_collections_paused
from kms_tui.kmip.ttlv import TTLVError, decode


@pytest.fixture(autouse=True)
def collector_restored():
    enabled, thresholds = gc.isenabled(), gc.get_threshold()
    yield
    gc.set_threshold(*thresholds)
    (gc.enable if enabled else gc.disable)()


def test_a_decode_that_fails_leaves_the_collector_on():
    gc.enable()
    with pytest.raises(TTLVError):
        decode('{"tag": "Create", "type": "Structure", "value": [')
    with pytest.raises(TTLVError):
        decode("[" * 100_000)  # the recursion limit: reported, and the collector is back
    assert gc.isenabled()


def test_nested_and_overlapping_pauses_end_with_the_last():
    gc.enable()
    inside, release = threading.Event(), threading.Event()
    seen = []

    def other() -> None:
        with collector_paused():
            inside.set()
            release.wait(10)
            seen.append(gc.isenabled())

    thread = threading.Thread(target=other)
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        thread.start()
        assert inside.wait(10)
    assert not gc.isenabled()  # the other thread's pause is still on
    release.set()
    thread.join(10)
    assert seen == [False] and gc.isenabled()


def test_a_collector_the_caller_switched_off_stays_off():
    gc.disable()
    with collector_paused():
        pass
    decode('{"tag": "UniqueIdentifier", "type": "TextString", "value": "k"}')
    assert not gc.isenabled()


def test_full_collections_wait_and_young_ones_go_on_until_the_last_load_ends():
    gc.set_threshold(700, 10, 10)
    with full_collections_paused():
        with full_collections_paused():  # a reload started while a load runs
            assert gc.get_threshold() == (700, 10, NO_FULL_COLLECTION)
        assert gc.get_threshold() == (700, 10, NO_FULL_COLLECTION)
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() > 0  # what the load built is out of the full collections' way
    gc.unfreeze()
