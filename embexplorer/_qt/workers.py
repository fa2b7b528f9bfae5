"""Background tasks for the GUI: one running task per kind, stale results dropped.

Long work (loading, PCA, training, evaluation) runs on a Python worker thread.
Everything the task reports -- progress, intermediate values, the result, an
error -- crosses back to the UI thread through queued Qt signals, so callbacks
may touch widgets; the worker never does.

Each task has a *kind* (``"load"``, ``"train"``, ...).  Starting a task of a
kind cancels the one already running of that kind (cooperatively, through its
:class:`WorkerControl`) and bumps a generation counter: whatever the old task
still reports afterwards is dropped, so a late result can never be applied to
the wrong data.

Examples
--------
>>> runner = TaskRunner()                                   # doctest: +SKIP
>>> def work(control):
...     for epoch in range(10):
...         control.progress(epoch / 10, f"epoch {epoch}")  # raises Cancelled when asked
...         control.emit(epoch)                             # -> on_yield on the UI thread
...     return "done"
>>> runner.start("train", work, on_result=print, on_yield=print)  # doctest: +SKIP
"""

from __future__ import annotations

import inspect
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6 import QtCore

from embexplorer.core.progress import PROGRESS_MIN_INTERVAL_S, Cancelled, ScaledControl, TaskControl

log = logging.getLogger(__name__)

#: Default seconds :meth:`TaskRunner.shutdown` waits for worker threads to end.
SHUTDOWN_TIMEOUT_S = 5.0

#: Statuses passed with :attr:`TaskRunner.task_finished`.
STATUS_DONE = "done"
STATUS_ERROR = "error"
STATUS_CANCELLED = "cancelled"


class WorkerControl(TaskControl):
    """The :class:`TaskControl` handed to a task function.

    Adds :meth:`emit` (intermediate results, e.g. one per training epoch) and
    :meth:`scaled` (a sub-control mapping a step's progress into a slice of
    the whole task).  ``progress`` and ``emit`` raise
    :class:`~embexplorer.core.progress.Cancelled` once the task was cancelled.
    """

    def __init__(self, kind: str, task_id: int,
                 on_progress: Callable[[float | None, str], None] | None = None,
                 on_emit: Callable[[Any], None] | None = None,
                 min_interval: float = PROGRESS_MIN_INTERVAL_S) -> None:
        super().__init__(on_progress=on_progress, min_interval=min_interval)
        self.kind = kind
        self.task_id = task_id
        self._on_emit = on_emit

    def emit(self, value: Any, coalesce: bool = False) -> None:
        """Send an intermediate result to the task's ``on_yield`` (UI thread).

        Parameters
        ----------
        value : object
            Handed to ``on_yield`` as is (do not mutate it afterwards).
        coalesce : bool
            False: every value is delivered, in order (e.g. one per epoch).
            True: only the newest value not yet delivered is kept (e.g. live
            snapshots sent faster than the UI can draw them).
        """
        self.check()
        if self._on_emit is not None:
            self._on_emit(value, coalesce)

    def scaled(self, start: float, end: float, prefix: str = "") -> TaskControl:
        """A control for one step of the task, reporting into ``[start, end]``.

        Cancelling this control (or the task) cancels both.

        Parameters
        ----------
        start, end : float
            Slice of the overall progress this step covers.
        prefix : str
            Prepended to the step's messages (e.g. ``"Projecting: "``).
        """
        return ScaledControl(self, start, end, prefix)


@dataclass
class _Task:
    kind: str
    task_id: int
    control: WorkerControl
    on_result: Callable[[Any], None] | None
    on_error: Callable[[BaseException], None] | None
    on_progress: Callable[[float | None, str], None] | None
    on_yield: Callable[[Any], None] | None
    on_cancelled: Callable[[], None] | None
    take_latest: Callable[[], list] | None = None
    thread: threading.Thread | None = None
    started: float = field(default_factory=time.monotonic)


class _Bridge(QtCore.QObject):
    """Signals emitted from worker threads, received (queued) on the UI thread."""

    progress = QtCore.Signal(int, object, str)
    yielded = QtCore.Signal(int, object)
    latest = QtCore.Signal(int)
    result = QtCore.Signal(int, object)
    error = QtCore.Signal(int, object)
    cancelled = QtCore.Signal(int)


class _Reaper(QtCore.QObject):
    """Releases, on the UI thread, what finished worker threads held (see :func:`_thread_main`)."""

    reap = QtCore.Signal()

    def __init__(self) -> None:
        super().__init__()
        self.reap.connect(self._on_reap, QtCore.Qt.ConnectionType.QueuedConnection)
        self._lock = threading.Lock()
        self._held: list = []

    def hold(self, refs: tuple) -> None:
        with self._lock:
            self._held.append(refs)

    def _on_reap(self) -> None:
        with self._lock:
            held, self._held = self._held, []
        del held  # the last references go here, on the UI thread


#: Made by the first TaskRunner (on the UI thread) and kept for the process's life.
_REAPER: _Reaper | None = None


def _thread_main(box: list) -> None:
    """A worker thread's body.  The thread never drops the last reference to the runner or the task:
    the task's callbacks and the work's closure hold the panels that started them, and a Python-owned
    Qt object whose last reference goes on a worker thread is deleted there (seen: a training panel
    closed while its thread finished, "QBasicTimer::start: Timers cannot be started from another
    thread"; such a deletion can also deadlock or crash).  They are handed to the UI thread instead."""
    runner, task, func = box
    box.clear()  # the Thread object keeps its arguments until it ends
    try:
        runner._run(task, func)
    finally:
        reaper = _REAPER
        reaper.hold((runner, task, func))
        del runner, task, func
        _safe_emit(reaper.reap)


class TaskRunner(QtCore.QObject):
    """Run functions on worker threads, one current task per kind.

    Signals
    -------
    task_started(str, int)
        Kind and id of a task that has just been started.
    task_finished(str, int, str)
        Kind, id and status (``"done"``, ``"error"`` or ``"cancelled"``) of
        the current task of a kind when it ends or is cancelled.  Superseded
        tasks report ``"cancelled"`` when the new one starts.
    busy_changed(bool)
        True when the first task starts, False when none is current any more.
    """

    task_started = QtCore.Signal(str, int)
    task_finished = QtCore.Signal(str, int, str)
    busy_changed = QtCore.Signal(bool)

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        global _REAPER
        if _REAPER is None:
            _REAPER = _Reaper()
        self._ids = itertools.count(1)
        self._current: dict[str, _Task] = {}   # kind -> its current (latest) task
        self._threads: dict[int, threading.Thread] = {}  # every live thread, stale ones too
        self._threads_lock = threading.Lock()
        self._closed = False
        self._bridge = _Bridge(self)
        queued = QtCore.Qt.ConnectionType.QueuedConnection
        self._bridge.progress.connect(self._on_progress, queued)
        self._bridge.yielded.connect(self._on_yielded, queued)
        self._bridge.latest.connect(self._on_latest, queued)
        self._bridge.result.connect(self._on_result, queued)
        self._bridge.error.connect(self._on_error, queued)
        self._bridge.cancelled.connect(self._on_cancelled, queued)

    # ----------------------------------------------------------------- API
    def start(self, kind: str, func: Callable[[WorkerControl], Any],
              on_result: Callable[[Any], None] | None = None,
              on_error: Callable[[BaseException], None] | None = None,
              on_progress: Callable[[float | None, str], None] | None = None,
              on_yield: Callable[[Any], None] | None = None,
              on_cancelled: Callable[[], None] | None = None) -> int:
        """Run ``func(control)`` on a worker thread; return the task id.

        A task of the same ``kind`` still running is cancelled first and
        nothing it reports afterwards is delivered.  All callbacks run on the
        UI thread.

        Parameters
        ----------
        kind : str
            Task family; at most one current task per kind.
        func : callable
            ``func(control: WorkerControl) -> result``.  It should call
            ``control.progress(...)`` now and then (which raises ``Cancelled``
            when asked to stop) and may call ``control.emit(value)`` for
            intermediate results (``coalesce=True`` keeps only the newest
            undelivered one).  If it returns a generator, every yielded
            value goes to ``on_yield`` and the generator's return value to
            ``on_result``.
        on_result : callable, optional
            ``on_result(value)`` once the task has finished.
        on_error : callable, optional
            ``on_error(exc)`` if ``func`` raised (not for cancellation).
            Without it, the error goes to ``sys.excepthook`` (the app's
            global error dialog).
        on_progress : callable, optional
            ``on_progress(fraction | None, message)``, throttled.
        on_yield : callable, optional
            ``on_yield(value)`` for each intermediate value, in order.
        on_cancelled : callable, optional
            Called once if the task is cancelled (by :meth:`cancel`, by a
            newer task of its kind, or because ``func`` raised ``Cancelled``).
        """
        if self._closed:
            raise RuntimeError("TaskRunner has been shut down")
        self._supersede(kind)
        task_id = next(self._ids)
        bridge = self._bridge

        def report_progress(fraction: float | None, message: str) -> None:
            _safe_emit(bridge.progress, task_id, fraction, message)

        latest_lock = threading.Lock()
        latest: list = []  # the newest coalesced value not yet taken by the UI thread (0 or 1 item)

        def report_yield(value: Any, coalesce: bool = False) -> None:
            if not coalesce:
                _safe_emit(bridge.yielded, task_id, value)
                return
            with latest_lock:
                waiting = bool(latest)
                latest[:] = [value]
            if not waiting:  # one queued signal per batch of coalesced values
                _safe_emit(bridge.latest, task_id)

        def take_latest() -> list:
            with latest_lock:
                taken = latest[:]
                latest.clear()
            return taken

        control = WorkerControl(kind, task_id, on_progress=report_progress, on_emit=report_yield)
        task = _Task(kind, task_id, control, on_result, on_error, on_progress, on_yield, on_cancelled,
                     take_latest=take_latest)
        thread = threading.Thread(target=_thread_main, args=([self, task, func],),
                                  name=f"embexplorer-{kind}-{task_id}",
                                  daemon=True)  # a task that ignores cancel must not block exit
        task.thread = thread
        was_busy = bool(self._current)
        self._current[kind] = task
        with self._threads_lock:
            self._threads[task_id] = thread
        thread.start()
        self.task_started.emit(kind, task_id)
        if not was_busy:
            self.busy_changed.emit(True)
        return task_id

    def cancel(self, kind: str) -> bool:
        """Cancel the current task of ``kind``; its results are dropped.

        Returns True if there was one.  ``on_cancelled`` and
        ``task_finished(kind, id, "cancelled")`` are delivered right away.
        """
        task = self._current.get(kind)
        if task is None:
            return False
        self._supersede(kind)
        self._maybe_idle()
        return True

    def cancel_all(self) -> None:
        """Cancel every current task."""
        for kind in list(self._current):
            self.cancel(kind)

    def is_running(self, kind: str) -> bool:
        """True while a (not cancelled) task of ``kind`` is current."""
        return kind in self._current

    def running_kinds(self) -> list[str]:
        """Kinds with a current task."""
        return list(self._current)

    def current_id(self, kind: str) -> int | None:
        """Id of the current task of ``kind`` (None when idle)."""
        task = self._current.get(kind)
        return None if task is None else task.task_id

    def active_threads(self) -> int:
        """Worker threads still alive, including cancelled ones winding down."""
        with self._threads_lock:
            return sum(t.is_alive() for t in self._threads.values())

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every worker thread has ended (results are NOT delivered).

        Returns True if all ended within ``timeout`` seconds.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._threads_lock:
                threads = [t for t in self._threads.values() if t.is_alive()]
            if not threads:
                return True
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return False
            threads[0].join(remaining)

    def wait_for(self, kind: str, timeout: float | None = None) -> bool:
        """Block until the current task of ``kind`` has ended, then deliver its reports now.

        For tests, benchmarks and the rare caller that cannot go on without a
        result (e.g. a label index asked for before its background build ended).
        Progress, yields and the result or error reach their callbacks here, in
        order, on this (the UI) thread, exactly as the event loop would deliver
        them (reports of this runner's other tasks already queued come along, in
        order too); stale tasks' reports are still dropped.

        Parameters
        ----------
        kind : str
            The task family to wait for.
        timeout : float, optional
            Seconds to wait at most (None: no limit).

        Returns
        -------
        bool
            True when no task of ``kind`` is current any more (it ended and was delivered, or there was
            none); False if it was still running after ``timeout``.
        """
        task = self._current.get(kind)
        if task is None:
            return True
        task.thread.join(timeout)
        if task.thread.is_alive():
            return False
        # The worker posted its reports as queued calls to this object before it ended: deliver them now.
        QtCore.QCoreApplication.sendPostedEvents(self, QtCore.QEvent.Type.MetaCall)
        return self._current.get(kind) is not task

    @property
    def closed(self) -> bool:
        """True once :meth:`shutdown` was called: :meth:`start` then refuses new tasks."""
        return self._closed

    def shutdown(self, timeout: float = SHUTDOWN_TIMEOUT_S) -> bool:
        """Cancel everything, refuse new tasks, and wait for the threads.

        Returns True if every thread ended within ``timeout``; threads that
        did not are daemons and die with the process.
        """
        self._closed = True
        self.cancel_all()
        ok = self.wait(timeout)
        if not ok:
            log.warning("%d worker thread(s) still running after %.1f s", self.active_threads(), timeout)
        return ok

    # ------------------------------------------------------------ internals
    def _supersede(self, kind: str) -> None:
        old = self._current.pop(kind, None)
        if old is None:
            return
        old.control.cancel()
        self.task_finished.emit(kind, old.task_id, STATUS_CANCELLED)
        if old.on_cancelled is not None:
            old.on_cancelled()

    def _maybe_idle(self) -> None:
        if not self._current:
            self.busy_changed.emit(False)

    def _run(self, task: _Task, func: Callable[[WorkerControl], Any]) -> None:
        """Worker-thread body: never touches widgets, only emits signals."""
        bridge = self._bridge
        try:
            value = func(task.control)
            if inspect.isgenerator(value):
                value = _drain(value, task.control)
            task.control.check()  # a result computed after cancel is stale
        except Cancelled:
            _safe_emit(bridge.cancelled, task.task_id)
        except BaseException as exc:  # noqa: BLE001 -- every error must reach the UI, never kill a thread silently
            _safe_emit(bridge.error, task.task_id, exc)
        else:
            _safe_emit(bridge.result, task.task_id, value)
        finally:
            with self._threads_lock:
                self._threads.pop(task.task_id, None)

    def _live(self, task_id: int) -> _Task | None:
        """The current task with this id, or None if it is stale (drop its report)."""
        for task in self._current.values():
            if task.task_id == task_id:
                return task
        return None

    def _finish(self, task: _Task, status: str) -> None:
        if self._current.get(task.kind) is task:
            del self._current[task.kind]
        self.task_finished.emit(task.kind, task.task_id, status)
        self._maybe_idle()

    @QtCore.Slot(int, object, str)
    def _on_progress(self, task_id: int, fraction: object, message: str) -> None:
        task = self._live(task_id)
        if task is not None and task.on_progress is not None:
            task.on_progress(fraction, message)

    @QtCore.Slot(int, object)
    def _on_yielded(self, task_id: int, value: object) -> None:
        task = self._live(task_id)
        if task is not None and task.on_yield is not None:
            task.on_yield(value)

    @QtCore.Slot(int)
    def _on_latest(self, task_id: int) -> None:
        task = self._live(task_id)
        if task is None or task.take_latest is None:
            return
        for value in task.take_latest():
            if task.on_yield is not None:
                task.on_yield(value)

    def _end(self, task_id: int, status: str) -> _Task | None:
        """Finish the task ``task_id`` with ``status``; None (report dropped) if it is stale."""
        task = self._live(task_id)
        if task is not None:
            self._finish(task, status)
        return task

    @QtCore.Slot(int, object)
    def _on_result(self, task_id: int, value: object) -> None:
        task = self._end(task_id, STATUS_DONE)
        if task is not None and task.on_result is not None:
            task.on_result(value)

    @QtCore.Slot(int, object)
    def _on_error(self, task_id: int, exc: object) -> None:
        task = self._end(task_id, STATUS_ERROR)
        if task is None:
            return
        if task.on_error is not None:
            task.on_error(exc)
        else:
            import sys

            sys.excepthook(type(exc), exc, exc.__traceback__)

    @QtCore.Slot(int)
    def _on_cancelled(self, task_id: int) -> None:
        # Only reached when the function raised Cancelled on its own (a
        # cancel() from the UI already removed the task from _current).
        task = self._end(task_id, STATUS_CANCELLED)
        if task is not None and task.on_cancelled is not None:
            task.on_cancelled()


def _drain(gen, control: WorkerControl) -> Any:
    """Run a generator task: each yielded value is emitted; return its return value."""
    while True:
        control.check()
        try:
            value = next(gen)
        except StopIteration as stop:
            return stop.value
        control.emit(value)


def _safe_emit(signal, *args) -> None:
    """Emit from a worker thread; the runner may already be gone at exit."""
    try:
        signal.emit(*args)
    except RuntimeError:  # the C++ object was deleted (app closing): nobody is listening
        pass


class StopControl(TaskControl):
    """Forward progress to the worker's control; raise Cancelled also when Stop was pressed.

    Separate from the worker's own cancellation so that Stop ends training
    *normally* (the trainer returns the last completed epoch and the result is
    delivered), while cancelling the task (close, superseded) drops it.
    """

    def __init__(self) -> None:
        super().__init__(on_progress=None, min_interval=0.0)
        self._parent: WorkerControl | None = None

    def attach(self, parent: WorkerControl) -> None:
        """Forward to the worker's control (called on the worker thread)."""
        self._parent = parent

    def check(self) -> None:
        super().check()
        if self._parent is not None:
            self._parent.check()

    def progress(self, fraction, message: str = "", force: bool = False) -> None:
        self.check()
        if self._parent is not None:
            self._parent.progress(fraction, message, force=force)
