"""TaskRunner: one task per kind, stale results dropped, UI-thread delivery, shutdown."""

from __future__ import annotations

import threading

import pytest

from embexplorer._qt.workers import STATUS_CANCELLED, STATUS_DONE, STATUS_ERROR, TaskRunner
from embexplorer.core.errors import DataError
from embexplorer.core.progress import Cancelled

#: Seconds a test waits for a worker before failing.
WAIT_MS = 5000


@pytest.fixture
def runner(qtbot):
    r = TaskRunner()
    yield r
    assert r.shutdown(timeout=5.0)


def _blocking_task(gate: threading.Event, value):
    """A task that waits for ``gate`` while checking for cancel, then returns ``value``."""
    def func(control):
        while not gate.wait(0.005):
            control.check()
        return value
    return func


def _stubborn_task(gate: threading.Event, value):
    """A task that ignores cancellation until ``gate`` opens, then returns ``value``."""
    def func(control):
        gate.wait(5)
        return value
    return func


def test_result_is_delivered_on_the_ui_thread(qtbot, runner):
    got = []
    main = threading.get_ident()

    def work(control):
        return threading.get_ident()

    with qtbot.waitSignal(runner.task_finished, timeout=WAIT_MS) as blocker:
        tid = runner.start("load", work, on_result=lambda v: got.append((v, threading.get_ident())))
    assert blocker.args == ["load", tid, STATUS_DONE]
    (worker_ident, callback_ident), = got
    assert worker_ident != main          # the function ran on another thread
    assert callback_ident == main        # the callback on the UI thread
    assert not runner.is_running("load")


def test_new_task_cancels_old_and_old_result_is_never_delivered(qtbot, runner):
    results, cancelled = [], []
    gate_old = threading.Event()
    # The old task ignores cancellation: it finishes *after* the new one started and
    # still returns a value -- which must be dropped.
    old = runner.start("load", _stubborn_task(gate_old, "old"), on_result=results.append,
                       on_cancelled=lambda: cancelled.append("old"))
    assert runner.is_running("load")
    new = runner.start("load", _blocking_task(threading.Event(), "never"), on_result=results.append)
    assert new != old and runner.current_id("load") == new
    assert cancelled == ["old"]
    gate_old.set()
    qtbot.waitUntil(lambda: runner.active_threads() == 1, timeout=WAIT_MS)  # old thread ended
    qtbot.wait(50)  # let any queued delivery from the old thread run
    assert results == []
    assert runner.is_running("load")
    runner.cancel("load")
    assert not runner.is_running("load")


def test_replaced_task_that_keeps_reporting_is_ignored(qtbot, runner):
    """Late progress and yields of a superseded task never reach its callbacks."""
    seen = []
    gate = threading.Event()

    def noisy(control):
        gate.wait(5)
        # Write straight to the bridge as a misbehaving task would (bypassing cancel checks).
        control._on_progress(0.5, "late")
        control._on_emit("late")
        return "late"

    runner.start("k", noisy, on_result=seen.append, on_progress=lambda f, m: seen.append(m),
                 on_yield=seen.append)
    with qtbot.waitSignal(runner.task_finished, timeout=WAIT_MS):
        runner.start("k", lambda c: "fresh", on_result=seen.append)
    gate.set()
    qtbot.waitUntil(lambda: runner.active_threads() == 0, timeout=WAIT_MS)
    qtbot.wait(50)
    assert seen == ["fresh"]


def test_progress_and_yields_arrive_in_order_on_main_thread(qtbot, runner):
    main = threading.get_ident()
    progress, yields = [], []

    def train(control):
        for epoch in range(5):
            control.progress(epoch / 5, f"epoch {epoch}", force=True)
            control.emit(epoch)
        return "trained"

    with qtbot.waitSignal(runner.task_finished, timeout=WAIT_MS):
        runner.start("train", train,
                     on_progress=lambda f, m: progress.append((f, m, threading.get_ident())),
                     on_yield=lambda v: yields.append((v, threading.get_ident())))
    assert [m for _, m, _ in progress] == [f"epoch {i}" for i in range(5)]
    assert [f for f, _, _ in progress] == pytest.approx([0, 0.2, 0.4, 0.6, 0.8])
    assert {t for *_, t in progress} == {main}
    assert yields == [(i, main) for i in range(5)]


def test_generator_task_yields_then_returns(qtbot, runner):
    yields, results = [], []

    def gen(control):
        for i in range(3):
            yield i * i
        return "end"

    with qtbot.waitSignal(runner.task_finished, timeout=WAIT_MS):
        runner.start("g", gen, on_result=results.append, on_yield=yields.append)
    assert yields == [0, 1, 4]
    assert results == ["end"]


def test_scaled_control_maps_progress_and_shares_cancel(qtbot, runner):
    seen = []

    def work(control):
        step = control.scaled(0.5, 1.0, "PCA: ")
        step.progress(0.5, "half", force=True)
        return step.cancelled

    with qtbot.waitSignal(runner.task_finished, timeout=WAIT_MS):
        runner.start("s", work, on_progress=lambda f, m: seen.append((f, m)), on_result=seen.append)
    assert seen == [(0.75, "PCA: half"), False]


def test_error_goes_to_on_error(qtbot, runner):
    errors, results = [], []

    def bad(control):
        raise DataError("ragged row", "f.txt", 7)

    with qtbot.waitSignal(runner.task_finished, timeout=WAIT_MS) as blocker:
        runner.start("load", bad, on_result=results.append, on_error=errors.append)
    assert blocker.args[2] == STATUS_ERROR
    assert results == []
    (err,), = [errors]
    assert isinstance(err, DataError) and str(err) == "f.txt:7: ragged row"
    assert err.__traceback__ is not None  # details for the error dialog survive


def test_error_without_handler_reaches_excepthook(qtbot, runner, monkeypatch):
    hooked = []
    monkeypatch.setattr("sys.excepthook", lambda t, e, tb: hooked.append(e))
    with qtbot.waitSignal(runner.task_finished, timeout=WAIT_MS):
        runner.start("x", lambda c: 1 / 0)
    assert len(hooked) == 1 and isinstance(hooked[0], ZeroDivisionError)


def test_cancel_stops_a_cooperative_task(qtbot, runner):
    results, cancelled, statuses = [], [], []
    runner.task_finished.connect(lambda k, i, s: statuses.append(s))
    started = threading.Event()

    def loop(control):
        started.set()
        while True:
            control.progress(None, "spinning")

    runner.start("load", loop, on_result=results.append, on_cancelled=lambda: cancelled.append(1))
    assert started.wait(5)
    with qtbot.waitSignal(runner.busy_changed, timeout=WAIT_MS) as blocker:
        assert runner.cancel("load")
    assert blocker.args == [False]
    assert not runner.cancel("load")  # nothing left to cancel
    qtbot.waitUntil(lambda: runner.active_threads() == 0, timeout=WAIT_MS)
    qtbot.wait(20)
    assert results == [] and cancelled == [1] and statuses == [STATUS_CANCELLED]


def test_task_raising_cancelled_itself_reports_cancelled(qtbot, runner):
    cancelled = []

    def gives_up(control):
        raise Cancelled()

    with qtbot.waitSignal(runner.task_finished, timeout=WAIT_MS) as blocker:
        runner.start("k", gives_up, on_cancelled=lambda: cancelled.append(True))
    assert blocker.args[2] == STATUS_CANCELLED and cancelled == [True]


def test_kinds_are_independent(qtbot, runner):
    results = []
    gate = threading.Event()
    runner.start("load", _blocking_task(gate, "load"), on_result=results.append)
    with qtbot.waitSignal(runner.task_finished, timeout=WAIT_MS):
        runner.start("pca", lambda c: "pca", on_result=results.append)
    assert runner.is_running("load") and not runner.is_running("pca")
    with qtbot.waitSignal(runner.task_finished, timeout=WAIT_MS):
        gate.set()
    assert results == ["pca", "load"]


def test_shutdown_cancels_waits_and_refuses_new_tasks(qtbot):
    runner = TaskRunner()
    results = []
    started = threading.Event()

    def loop(control):
        started.set()
        while True:
            control.check()

    runner.start("a", loop, on_result=results.append)
    runner.start("b", loop, on_result=results.append)
    assert started.wait(5)
    assert runner.shutdown(timeout=5.0)
    assert runner.active_threads() == 0
    assert runner.running_kinds() == []
    assert runner.closed
    with pytest.raises(RuntimeError):
        runner.start("a", loop)
    qtbot.wait(20)
    assert results == []


def test_shutdown_reports_a_stubborn_thread(qtbot):
    runner = TaskRunner()
    gate = threading.Event()
    runner.start("a", _stubborn_task(gate, 1))
    assert runner.shutdown(timeout=0.1) is False
    gate.set()
    assert runner.wait(5)


def test_coalesced_emits_deliver_only_the_newest_pending_value(qtbot, runner):
    """Snapshots sent faster than the UI takes them: the UI sees the newest, in order, never a stale one."""
    seen, results = [], []
    sent_all = threading.Event()

    def snapshots(control):
        for i in range(1000):
            control.emit(i, coalesce=True)
        sent_all.set()
        control.emit("epoch-done")  # a normal emit is never dropped
        return "done"

    # The UI thread is blocked until every snapshot was sent, so they pile up and coalesce.
    runner.start("live", snapshots, on_yield=seen.append, on_result=results.append)
    assert sent_all.wait(5)
    with qtbot.waitSignal(runner.task_finished, timeout=WAIT_MS):
        pass
    assert results == ["done"]
    numbers = [v for v in seen if isinstance(v, int)]
    assert numbers[-1] == 999 and numbers == sorted(numbers)
    assert len(numbers) < 10  # coalesced: not 1000 deliveries
    assert seen[-1] == "epoch-done"


def test_wait_for_delivers_progress_yields_and_result_in_order_without_the_event_loop(qtbot, runner):
    seen = []

    def work(control):
        control.progress(0.5, "half", force=True)
        control.emit("frame")
        return "done"

    runner.start("index", work, on_progress=lambda f, m: seen.append(("progress", f)),
                 on_yield=lambda v: seen.append(("yield", v)), on_result=lambda v: seen.append(("result", v)))
    assert runner.wait_for("index", WAIT_MS / 1000)  # no qtbot.wait: delivered inside wait_for
    assert seen == [("progress", 0.5), ("yield", "frame"), ("result", "done")]
    assert not runner.is_running("index")
    assert runner.wait_for("index", 0) and runner.wait_for("never-started", 0)


def test_wait_for_times_out_on_a_running_task_then_delivers_only_the_newest(qtbot, runner):
    results = []
    gate_old, gate_new = threading.Event(), threading.Event()
    runner.start("index", _stubborn_task(gate_old, "old"), on_result=results.append)
    runner.start("index", _blocking_task(gate_new, "new"), on_result=results.append)
    assert runner.wait_for("index", 0.05) is False
    assert runner.is_running("index") and results == []
    gate_old.set()  # the superseded task ends first: its result must still be dropped
    gate_new.set()
    assert runner.wait_for("index", WAIT_MS / 1000)
    assert results == ["new"]
    qtbot.wait(20)
    assert results == ["new"]


def test_a_dropped_panel_its_work_still_holds_is_deleted_on_the_ui_thread_not_the_workers(qtbot, runner):
    """A panel may be dropped while a task whose work closure holds it still runs: the thread ending
    must not delete the panel there.  Before, the thread's last reference went on the worker and the
    training panel was deleted there: "QBasicTimer::start: Timers cannot be started from another
    thread" in the suite, and a crash at exit when run alone."""
    from PySide6 import QtCore

    from embexplorer._qt.features.recommender.training_panel import MFTrainingPanel

    where: list[str] = []
    gate = threading.Event()
    panel = MFTrainingPanel()
    panel.show()
    panel.destroyed.connect(lambda *_: where.append(threading.current_thread().name),
                            QtCore.Qt.ConnectionType.DirectConnection)
    wait = _blocking_task(gate, 1)

    def work(control, held=panel):  # as a panel's closure holds the panel
        return wait(control)

    thread = runner._threads[runner.start("job", work)]
    del panel, work
    assert where == []
    gate.set()
    thread.join(5)
    qtbot.waitUntil(lambda: bool(where), timeout=5000)
    assert where == [threading.main_thread().name]
