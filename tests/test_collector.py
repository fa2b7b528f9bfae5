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
    col = UiCollector(interval_s=3600, sweep_s=600, clock=lambda: now[0])
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
