"""Python's garbage collector, run on the UI thread only, with short full collections.

Automatic collection is off: a collection triggered on a worker thread can destroy a Qt object there
while the UI thread holds the same Qt lock, and the app would freeze (seen in the tests, found with
gdb).  A timer on the UI thread collects instead, as pyqtgraph's ``GarbageCollector`` does, with one
change: where pyqtgraph collects the oldest generation (every ten collections of the middle one), the
objects are frozen instead (``gc.freeze``: moved out of later collections, a splice of lists, no walk
over them).  A full collection over everything reachable -- the modules imported on first use
(scikit-learn, SciPy, openTSNE...), the data shown -- took 108-118 ms on the UI thread (a stall the
layout bench found, every ~100 s).  Every :data:`FULL_SWEEP_S` everything is unfrozen and collected
once, so garbage among long-lived objects (the reference cycles of something closed since) is freed
within that time: one such pause per sweep instead of one every ~100 s.

A burst of young objects -- more than :data:`YOUNG_BURST_OBJECTS` since the last check, as a large
import on a worker thread makes (umap-learn and numba: ~2 s of imports) -- is frozen unscanned too: the
young collection over it took 90 ms on the UI thread, the stall the layout bench measured for the session's
first UMAP.  Such objects are modules, functions and classes, kept for the process's life; garbage among
them waits for the next sweep.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

from PySide6 import QtCore

#: Seconds between checks of the collector's counts.
GC_INTERVAL_S = 1.0
#: Seconds between full collections over every object, frozen ones included.
FULL_SWEEP_S = 600.0
#: Young objects (net allocations since the last collection) above which a check freezes them unscanned:
#: a young collection costs ~0.3 us an object here, so this bounds it to ~30 ms.
YOUNG_BURST_OBJECTS = 100_000


class UiCollector(QtCore.QObject):
    """Collect garbage on the UI thread: generations 0 and 1 by their thresholds, the oldest frozen, and
    everything swept every :data:`FULL_SWEEP_S` (see the module's docstring)."""

    def __init__(self, parent: QtCore.QObject | None = None, interval_s: float = GC_INTERVAL_S,
                 sweep_s: float = FULL_SWEEP_S, clock: Callable[[], float] = time.monotonic,
                 burst: int = YOUNG_BURST_OBJECTS) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self.sweep_s = sweep_s
        self.burst = burst
        self.bursts_frozen = 0
        self._clock = clock
        self._last_sweep = clock()
        self.full_collections = 0
        self.sweeps = 0
        gc.disable()
        self.timer = QtCore.QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(int(interval_s * 1000))

    def check(self) -> None:
        """One check: collect the generations whose counts passed their thresholds."""
        l0, l1, l2 = gc.get_count()
        t0, t1, t2 = self.thresholds
        if l0 <= t0:
            return
        if l0 > self.burst:
            gc.freeze()  # a burst (see the module docstring): not walked now, the sweep frees its garbage
            self.bursts_frozen += 1
            return
        gc.collect(0)
        if l1 <= t1:
            return
        gc.collect(1)
        if l2 <= t2:
            return
        now = self._clock()
        if now - self._last_sweep >= self.sweep_s:
            gc.unfreeze()  # the sweep: over everything, frozen garbage is freed
            gc.collect(2)
            self._last_sweep = now
            self.sweeps += 1
        # What survived two younger collections is frozen without a scan (a splice of lists, not a walk
        # over every object): the full scan waits for the next sweep.
        gc.freeze()
        self.full_collections += 1
