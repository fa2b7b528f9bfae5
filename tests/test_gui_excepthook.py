"""Global exception hook: errors in slots, timers, workers and threads become one dialog and a log entry."""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from embexplorer._qt import excepthook as eh
from embexplorer._qt.shell.main_window import MainWindow

#: Milliseconds to wait for a load, a worker error or a dialog.
WAIT_MS = 20_000
#: Rows and dimensions of the generated set the window shows.
ROWS, DIMS = 300, 8
#: Seed of the generated vectors.
SEED = 7


class Boom(RuntimeError):
    """The error the tests raise (a distinctive name to find in the log)."""


@pytest.fixture
def hook(qapp, tmp_path, monkeypatch):
    """The real hook, logging to a temporary folder, rate limit off; dialogs are real but closed at once."""
    monkeypatch.setattr(eh, "DIALOG_MIN_INTERVAL_S", 0.0)
    monkeypatch.setattr(eh, "_installed", None)
    h = eh.install_excepthook(qapp, tmp_path / "logs")
    shown: list[QtWidgets.QMessageBox] = []
    h.dialog_shown.connect(shown.append)
    h.shown = shown
    yield h
    h.uninstall()
    for box in shown:
        if box is h.current_dialog:
            box.close()


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)
    w = MainWindow(settings=settings)
    qtbot.addWidget(w)
    w.show()
    rng = np.random.default_rng(SEED)
    X = rng.normal(size=(ROWS, DIMS)).astype(np.float32)
    path = tmp_path / "v.txt"
    path.write_text(f"{ROWS} {DIMS}\n" + "".join(f"w{i} " + " ".join(f"{v:.6f}" for v in row) + "\n"
                                                 for i, row in enumerate(X)), encoding="utf-8")
    failed: list = []
    w.features["loading"].load_failed.connect(failed.append)
    w.commands.run("loading.open_file", path)
    qtbot.waitUntil(lambda: w.workspace.dataset is not None or bool(failed), timeout=WAIT_MS)
    assert not failed, failed
    yield w
    w.runner.shutdown(5.0)


def _snapshot(w: MainWindow):
    return (w.workspace.source.path, list(w.workspace.dataset.labels), np.array(w.workspace.dataset.vectors), w.workspace.projection.xy.copy())


def _assert_intact(w: MainWindow, before) -> None:
    path, labels, vectors, xy = before
    assert w.workspace.source.path == path
    assert w.workspace.dataset.labels == labels
    np.testing.assert_array_equal(w.workspace.dataset.vectors, vectors)
    np.testing.assert_array_equal(w.workspace.projection.xy, xy)
    assert w.isVisible()


def _log_text(h) -> str:
    h._handler.flush()
    return h.log_path.read_text(encoding="utf-8")


def test_error_in_timer_slot_shows_one_dialog_and_logs(qtbot, hook, window):
    before = _snapshot(window)

    def _on_timeout():
        raise Boom("slot failed on purpose")

    with qtbot.waitSignal(hook.dialog_shown, timeout=WAIT_MS) as blocker:
        QtCore.QTimer.singleShot(0, _on_timeout)
    box = blocker.args[0]
    assert isinstance(box, QtWidgets.QMessageBox) and box.isVisible()
    assert "Boom: slot failed on purpose" in box.text()
    assert "Traceback" in box.detailedText() and "_on_timeout" in box.detailedText()
    assert str(hook.log_path) in box.informativeText()
    log = _log_text(hook)
    assert "Boom: slot failed on purpose" in log and "_on_timeout" in log
    assert (hook.directory / eh.LAST_ERROR_FILE_NAME).read_text(encoding="utf-8").count("Traceback") == 1
    _assert_intact(window, before)

    # The app keeps working: a click on a real button still runs after the error.
    box.button(QtWidgets.QMessageBox.StandardButton.Close).click()
    qtbot.waitUntil(lambda: hook.current_dialog is None, timeout=WAIT_MS)
    explorer = window.features["explorer"]
    explorer.x_combo.setCurrentIndex(1)
    explorer.y_combo.setCurrentIndex(0)
    assert window.workspace.axes == (1, 0)


def test_worker_error_without_on_error_reaches_dialog(qtbot, hook, window):
    before = _snapshot(window)

    def work(control):
        control.progress(0.5, "half way")
        raise Boom("worker failed on purpose")

    with qtbot.waitSignal(hook.dialog_shown, timeout=WAIT_MS) as blocker:
        window.runner.start("fuzz-task", work)
    box = blocker.args[0]
    assert "worker failed on purpose" in box.text()
    assert "in work" in box.detailedText()
    assert "worker failed on purpose" in _log_text(hook)
    assert not window.runner.is_running("fuzz-task")
    _assert_intact(window, before)


def test_only_one_dialog_at_a_time_rest_logged_and_counted(qtbot, hook, window):
    def _on_timeout():
        raise Boom("again")

    with qtbot.waitSignal(hook.dialog_shown, timeout=WAIT_MS):
        for _ in range(5):
            QtCore.QTimer.singleShot(0, _on_timeout)
    qtbot.waitUntil(lambda: hook.errors_seen == 5, timeout=WAIT_MS)
    qtbot.wait(50)  # let any further (wrong) dialogs arrive
    assert len(hook.shown) == 1 and hook.dialogs_shown == 1
    assert _log_text(hook).count("Unexpected error: Boom: again") == 5
    hook.current_dialog.close()
    qtbot.waitUntil(lambda: hook.current_dialog is None, timeout=WAIT_MS)
    with qtbot.waitSignal(hook.dialog_shown, timeout=WAIT_MS) as blocker:
        QtCore.QTimer.singleShot(0, _on_timeout)
    assert "4 earlier error(s) were not shown" in blocker.args[0].informativeText()


def test_rate_limit_between_dialogs(qtbot, hook, monkeypatch):
    monkeypatch.setattr(eh, "DIALOG_MIN_INTERVAL_S", 3600.0)

    def _on_timeout():
        raise Boom("flood")

    with qtbot.waitSignal(hook.dialog_shown, timeout=WAIT_MS):
        QtCore.QTimer.singleShot(0, _on_timeout)
    hook.current_dialog.close()
    qtbot.waitUntil(lambda: hook.current_dialog is None, timeout=WAIT_MS)
    QtCore.QTimer.singleShot(0, _on_timeout)
    qtbot.waitUntil(lambda: hook.errors_seen == 2, timeout=WAIT_MS)
    qtbot.wait(50)
    assert hook.dialogs_shown == 1  # the second one only went to the log
    assert _log_text(hook).count("Unexpected error: Boom: flood") == 2


def test_plain_thread_error_dialog_on_ui_thread(qtbot, hook):
    def target():
        raise Boom("thread failed on purpose")

    with qtbot.waitSignal(hook.dialog_shown, timeout=WAIT_MS) as blocker:
        t = threading.Thread(target=target, name="fuzz-thread")
        t.start()
        t.join()
    box = blocker.args[0]
    assert box.thread() is QtWidgets.QApplication.instance().thread()
    assert "thread 'fuzz-thread'" in _log_text(hook)


def test_log_rotates_and_unwritable_folder_does_not_raise(qtbot, hook, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(eh, "DIALOG_MIN_INTERVAL_S", 3600.0)
    hook._write_log("first", "x" * 10)  # opens the handler
    hook._handler.maxBytes = 2_000
    for i in range(20):
        hook._write_log(f"error {i}", "y" * 500)
    rotated = sorted(p.name for p in hook.directory.iterdir() if p.name.startswith(eh.LOG_FILE_NAME))
    assert rotated[:2] == [eh.LOG_FILE_NAME, eh.LOG_FILE_NAME + ".1"]
    assert len(rotated) <= 1 + eh.LOG_BACKUP_COUNT

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the log folder should be")
    other = eh.ExceptionHook(QtWidgets.QApplication.instance(), blocked / "logs")
    try:
        assert other._write_log("headline", "details of the error") == ""
    finally:
        other.uninstall()
    assert "could not write the error log" in capsys.readouterr().err


def test_install_is_idempotent_and_uninstall_restores(qapp, tmp_path, monkeypatch):
    monkeypatch.setattr(eh, "_installed", None)
    before = (sys.excepthook, threading.excepthook)
    h = eh.install_excepthook(qapp, tmp_path)
    try:
        assert eh.install_excepthook(qapp, tmp_path) is h
        assert sys.excepthook == h.handle
    finally:
        h.uninstall()
    assert (sys.excepthook, threading.excepthook) == before


def test_cancelled_is_not_an_error_and_ctrl_c_keeps_its_meaning(qtbot, hook, monkeypatch):
    from embexplorer.core.progress import Cancelled

    hook.handle(Cancelled, Cancelled(), None)
    qtbot.wait(20)
    assert hook.errors_seen == 0 and not hook.shown
    passed_on = []
    monkeypatch.setattr(hook, "_previous", (lambda *a: passed_on.append(a[0]), hook._previous[1]))
    hook.handle(KeyboardInterrupt, KeyboardInterrupt(), None)
    assert passed_on == [KeyboardInterrupt] and hook.errors_seen == 0


def test_failing_dialog_does_not_loop(qtbot, hook, monkeypatch, capsys):
    """If showing the dialog itself fails, the error is printed once, not fed back into the hook."""
    def broken(*_args):
        raise RuntimeError("no dialog today")

    monkeypatch.setattr(hook, "_show", broken)

    def _on_timeout():
        raise Boom("first")

    QtCore.QTimer.singleShot(0, _on_timeout)
    qtbot.waitUntil(lambda: hook.errors_seen == 1, timeout=WAIT_MS)
    qtbot.wait(100)
    assert hook.errors_seen == 1
    assert "no dialog today" in capsys.readouterr().err
