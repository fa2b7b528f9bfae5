"""Progress reporting and cooperative cancellation for long work.

Core functions accept an optional :class:`TaskControl`; they call
:meth:`TaskControl.progress` now and then, which raises :class:`Cancelled`
once :meth:`TaskControl.cancel` has been called (from any thread).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

#: Minimum seconds between two progress callbacks (throttles UI updates).
PROGRESS_MIN_INTERVAL_S = 0.05
#: Resolution of every progress bar (steps from 0 to 1): one value for the whole application.
PROGRESS_STEPS = 1000


class Cancelled(Exception):
    """Raised inside a task when the user asked to stop it."""


class TaskControl:
    """Carry a progress callback and a cancellation flag into core code.

    Parameters
    ----------
    on_progress : callable, optional
        ``on_progress(fraction, message)`` with ``fraction`` in [0, 1] (or
        ``None`` when unknown).  Called from the working thread, throttled.
    min_interval : float
        Minimum seconds between two callbacks.
    """

    def __init__(self, on_progress: Callable[[float | None, str], None] | None = None,
                 min_interval: float = PROGRESS_MIN_INTERVAL_S) -> None:
        self._on_progress = on_progress
        self._min_interval = min_interval
        self._last = 0.0
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Ask the task to stop at its next check (thread-safe)."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` if cancellation was requested."""
        if self._cancel.is_set():
            raise Cancelled()

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``, or raise :class:`Cancelled` as soon as cancellation is requested."""
        if self._cancel.wait(max(0.0, seconds)):
            raise Cancelled()

    def progress(self, fraction: float | None, message: str = "", force: bool = False) -> None:
        """Report progress (throttled) and honour cancellation."""
        self.check()
        if self._on_progress is None:
            return
        now = time.monotonic()
        if force or now - self._last >= self._min_interval:
            self._last = now
            self._on_progress(fraction, message)


class ScaledControl(TaskControl):
    """Progress of one step mapped into ``[start, end]`` of ``parent``'s bar; cancellation shared.

    ``prefix`` is put before the step's messages (e.g. ``"Projecting: "``).
    """

    def __init__(self, parent: TaskControl, start: float, end: float, prefix: str = "") -> None:
        # No throttling here: the parent throttles what reaches the user.
        super().__init__(on_progress=None, min_interval=0.0)
        self._parent = parent
        self._start = start
        self._span = end - start
        self._prefix = prefix

    def cancel(self) -> None:
        self._parent.cancel()

    @property
    def cancelled(self) -> bool:
        return self._parent.cancelled

    def check(self) -> None:
        self._parent.check()

    def sleep(self, seconds: float) -> None:
        self._parent.sleep(seconds)

    def progress(self, fraction: float | None, message: str = "", force: bool = False) -> None:
        scaled = None if fraction is None else self._start + self._span * min(max(fraction, 0.0), 1.0)
        self._parent.progress(scaled, self._prefix + message, force=force)


def ensure_control(control: TaskControl | None) -> TaskControl:
    """Return ``control`` or a silent, never-cancelled one."""
    return control if control is not None else TaskControl()
