"""The UI thread's garbage collector: full collections scan only what is new, and a periodic sweep over
everything frees garbage among frozen objects."""

from __future__ import annotations

import gc
import weakref

import pytest

from embexplorer._qt.collector import UiCollector


class Node:
    """An object in a reference cycle: only the cycle collector frees it."""

    def __init__(self) -> None:
        self.me = self


def cycle() -> weakref.ref:
    return weakref.ref(Node())


@pytest.fixture
def collector(qtbot, monkeypatch):
    was_enabled = gc.isenabled()
    now = [0.0]
    col = UiCollector(interval_s=3600, sweep_s=600, clock=lambda: now[0], burst=10**7)
    col.timer.stop()  # checks are driven by the test
    monkeypatch.setattr(gc, "get_count", lambda: (10**6, 10**6, 10**6))  # every generation is due
    yield col, now
    gc.unfreeze()
    if was_enabled:
        gc.enable()


def test_young_garbage_is_freed_and_the_survivors_frozen_without_a_full_scan(collector):
    col, _now = collector
    assert not gc.isenabled()  # never on a worker thread
    garbage, alive = cycle(), Node()
    assert garbage() is not None
    col.check()
    assert garbage() is None and col.full_collections == 1
    assert gc.get_freeze_count() > 0 and gc.is_tracked(alive)
    frozen = gc.get_freeze_count()
    col.check()  # the frozen ones stay frozen until the sweep
    assert gc.get_freeze_count() >= frozen and col.sweeps == 0


def test_garbage_among_frozen_objects_is_freed_by_the_periodic_sweep(collector):
    col, now = collector
    keep = [Node()]
    lost = weakref.ref(keep[0])
    col.check()  # the node survives and is frozen
    keep.clear()  # now it is garbage, but frozen: the collections before the sweep do not see it
    col.check()
    assert lost() is not None
    now[0] += col.sweep_s  # ten minutes later
    col.check()
    assert lost() is None and col.sweeps == 1


def test_a_burst_of_young_objects_is_frozen_unscanned_and_its_garbage_freed_by_the_sweep(qtbot, monkeypatch):
    """A large import on a worker thread leaves ~10^5 young objects: walking them stalled the UI 90 ms."""
    was_enabled = gc.isenabled()
    now = [0.0]
    col = UiCollector(interval_s=3600, sweep_s=600, clock=lambda: now[0], burst=20_000)
    col.timer.stop()
    try:
        gc.collect()
        kept = [Node() for _ in range(30_000)]  # a burst, as an import makes (all tracked, all young)
        lost = cycle()  # garbage in the burst
        assert gc.get_count()[0] > col.burst
        col.check()
        assert col.bursts_frozen == 1 and col.full_collections == 0
        assert lost() is not None and gc.get_freeze_count() >= len(kept)  # frozen, not scanned
        small = cycle()
        col.check()  # a few new objects: not a burst, nothing to collect yet
        assert col.bursts_frozen == 1 and small() is not None
        now[0] += col.sweep_s
        monkeypatch.setattr(gc, "get_count", lambda: (1_000, 10**6, 10**6))  # every generation due, no burst
        col.check()
        assert lost() is None and small() is None and col.sweeps == 1
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()
