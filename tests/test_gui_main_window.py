"""Main window: open (Ctrl+O, drag and drop, recent files), PCA axes, cancel, errors, layout."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.feature import RecentFiles
from embexplorer._qt.features.loading.work import needs_pickle_consent
from embexplorer._qt.shell.main_window import MainWindow
from embexplorer._qt.workers import TaskRunner
from embexplorer.core.progress import TaskControl

#: Milliseconds to wait for a load + PCA of the test files.
LOAD_TIMEOUT_MS = 30_000
#: Rows of the generated "large" file used for cancel tests.
BIG_ROWS = 20_000
#: Seed of the generated test vectors.
SEED = 1234


def write_w2v(path: Path, n: int, dims: int, seed: int = SEED, prefix: str = "w") -> np.ndarray:
    """Write a word2vec text file of ``n`` clustered random vectors; return the matrix."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, size=(5, dims))
    X = (centres[rng.integers(0, 5, n)] + rng.normal(0, 1, size=(n, dims))).astype(np.float32)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(f"{n} {dims}\n")
        for i, row in enumerate(X):
            fh.write(f"{prefix}{i} " + " ".join(f"{v:.5f}" for v in row) + "\n")
    return X


def numpy_pca_coords(X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Reference PCA by SVD (signs undefined): coordinates (n, k) and explained-variance ratios."""
    Xc = X.astype(np.float64) - X.mean(axis=0)
    _, s, vt = np.linalg.svd(Xc, full_matrices=False)
    return Xc @ vt[:k].T, (s ** 2 / np.sum(s ** 2))[:k]


def assert_same_axis(got: np.ndarray, ref: np.ndarray) -> None:
    """``got`` equals ``ref`` up to the sign of the component."""
    sign = np.sign(np.dot(got, ref)) or 1.0
    np.testing.assert_allclose(got, sign * ref, atol=1e-3 * np.abs(ref).max())


def axis_label(window: MainWindow, side: str) -> str:
    return window.features["explorer"].scatter.plot_widget.getPlotItem().getAxis(side).labelText


class Recorder:
    """Wrap ``ScatterView.set_points`` to see what the window gives the scatter."""

    def __init__(self, scatter) -> None:
        self.calls: list[tuple[np.ndarray, list]] = []
        self._orig = scatter.set_points
        scatter.set_points = self

    def __call__(self, xy, labels, **kw):
        self.calls.append((np.array(xy, copy=True), list(labels)))
        return self._orig(xy, labels, **kw)


@pytest.fixture
def settings(tmp_path):
    return QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, settings):
    w = MainWindow(settings=settings)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.runner.shutdown(5.0)


@pytest.fixture
def dialogs(monkeypatch):
    """Capture message boxes instead of blocking; ``answers`` picks a button text to click."""
    shown: list[dict] = []
    answers: list[str] = []

    def fake_exec(box):
        shown.append({"title": box.windowTitle(), "text": box.text(), "info": box.informativeText(),
                      "details": box.detailedText(), "icon": box.icon()})
        if answers:
            wanted = answers.pop(0)
            for button in box.buttons():
                if button.text().replace("&", "") == wanted:
                    button.click()
        return 0

    monkeypatch.setattr(QtWidgets.QMessageBox, "exec", fake_exec)
    fake_exec.shown = shown
    fake_exec.answers = answers
    return fake_exec


@pytest.fixture
def small_file(tmp_path):
    path = tmp_path / "small.w2v.txt"
    X = write_w2v(path, 400, 16)
    return path, X


def drop_files(target: QtWidgets.QWidget, paths) -> None:
    """Simulate the user dropping files onto ``target`` (enter, then drop)."""
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QtCore.QPointF(target.width() / 2, target.height() / 2)
    enter = QtGui.QDragEnterEvent(pos.toPoint(), QtCore.Qt.DropAction.CopyAction, mime,
                                  QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier)
    QtWidgets.QApplication.sendEvent(target, enter)
    assert enter.isAccepted(), "the window refused the drag"
    drop = QtGui.QDropEvent(pos, QtCore.Qt.DropAction.CopyAction, mime, QtCore.Qt.MouseButton.LeftButton,
                            QtCore.Qt.KeyboardModifier.NoModifier)
    QtWidgets.QApplication.sendEvent(target, drop)


def recent_actions(window: MainWindow) -> list[QtGui.QAction]:
    """The file entries of File › Open Recent, as the user sees them when the menu opens."""
    menu = window.features["loading"].recent_menu
    menu.aboutToShow.emit()
    return [a for a in menu.actions() if a.statusTip()]


def open_and_wait(qtbot, window: MainWindow, path, **kw):
    with qtbot.waitSignal(window.workspace.dataset_changed, timeout=LOAD_TIMEOUT_MS) as blocker:
        window.commands.run("loading.open_file", path, **kw)
    return blocker.args[0]


def test_drop_real_glove_shows_pca_scatter_with_labelled_axes(qtbot, window, glove_path):
    rec = Recorder(window.features["explorer"].scatter)
    assert window.windowTitle() == "embexplorer" and window.workspace.dataset is None
    with qtbot.waitSignal(window.workspace.dataset_changed, timeout=LOAD_TIMEOUT_MS) as blocker:
        drop_files(window, [glove_path])
    emb = blocker.args[0]
    assert emb is window.workspace.dataset and emb.n == 5050 and emb.dims == 50
    # The scatter got every point with its label, once (a second set_points would repaint 1M points) ...
    assert len(rec.calls) == 1
    xy, labels = rec.calls[-1]
    assert xy.shape == (5050, 2) and labels[:3] == emb.labels[:3] and len(labels) == 5050
    # ... projected on the first two principal components (checked against a numpy SVD).
    ref, ratio = numpy_pca_coords(emb.vectors, 3)
    assert_same_axis(xy[:, 0], ref[:, 0])
    assert_same_axis(xy[:, 1], ref[:, 1])
    assert axis_label(window, "bottom") == f"PC1 ({100 * ratio[0]:.1f} %)"
    assert axis_label(window, "left") == f"PC2 ({100 * ratio[1]:.1f} %)"
    assert window.features["explorer"].x_combo.count() == 10 and window.features["explorer"].x_combo.itemText(0) == f"PC1 ({100 * ratio[0]:.1f} %)"
    assert glove_path.name in window.windowTitle()
    assert "5,050 points" in window.findChild(QtWidgets.QLabel, "statsLabel").text()
    assert not window.status.progress_bar.isVisible() and not window.status.cancel_button.isVisible()

    # Change the Y axis to PC3 the way a user does: through the combo.
    with qtbot.waitSignal(window.workspace.projection_changed):
        window.features["explorer"].y_combo.setCurrentIndex(2)
    assert window.workspace.axes == (0, 2)
    assert axis_label(window, "left") == f"PC3 ({100 * ratio[2]:.1f} %)"
    xy3, _ = rec.calls[-1]
    np.testing.assert_array_equal(xy3[:, 0], xy[:, 0])
    assert_same_axis(xy3[:, 1], ref[:, 2])
    assert "PC1+PC3" in window.findChild(QtWidgets.QLabel, "statsLabel").text()


def test_a_file_of_one_dimension_is_shown_on_the_diagonal(qtbot, window, tmp_path):
    """One principal component: PC1 on both axes (the projection cannot show a second one)."""
    path = tmp_path / "one.txt"
    path.write_text("5 1\na 1.0\nb 2.0\nc -1.0\nd 0.5\ne -3.0\n", encoding="utf-8")
    emb = open_and_wait(qtbot, window, path)
    assert emb.n == 5 and emb.dims == 1 and window.workspace.pca.n_components == 1
    assert window.workspace.axes == (0, 0)
    xy = window.features["explorer"].scatter.xy
    np.testing.assert_array_equal(xy[:, 0], xy[:, 1])
    np.testing.assert_allclose(np.abs(xy[:, 0]), np.abs(emb.vectors[:, 0] - emb.vectors[:, 0].mean()), atol=1e-5)
    explorer = window.features["explorer"]
    assert explorer.x_combo.count() == explorer.y_combo.count() == 1
    assert axis_label(window, "bottom") == axis_label(window, "left") == window.workspace.pca.axis_label(0)


def test_drag_over_the_plot_reaches_the_window(qtbot, window, small_file):
    """Dropping on the scatter itself (the usual target) opens the file too."""
    path, _ = small_file
    open_and_wait(qtbot, window, path)
    viewport = window.features["explorer"].scatter.plot_widget.viewport()
    other = path.with_name("other.txt")
    write_w2v(other, 50, 8, seed=7)
    with qtbot.waitSignal(window.workspace.dataset_changed, timeout=LOAD_TIMEOUT_MS):
        drop_files(viewport, [other])
    assert window.workspace.dataset.n == 50


def test_drag_of_non_file_is_refused(window):
    mime = QtCore.QMimeData()
    mime.setText("not a file")
    enter = QtGui.QDragEnterEvent(QtCore.QPoint(5, 5), QtCore.Qt.DropAction.CopyAction, mime,
                                  QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier)
    QtWidgets.QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()


def test_ctrl_o_opens_the_chosen_file(qtbot, window, small_file, monkeypatch):
    path, X = small_file
    asked = []

    def fake_dialog(parent, caption, directory, filters):
        asked.append(caption)
        return str(path), filters.split(";;")[0]

    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName", fake_dialog)
    window.activateWindow()
    qtbot.waitActive(window)
    with qtbot.waitSignal(window.workspace.dataset_changed, timeout=LOAD_TIMEOUT_MS):
        qtbot.keyClick(window, QtCore.Qt.Key.Key_O, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert asked == ["Open embeddings"]
    assert window.workspace.dataset.n == 400
    np.testing.assert_allclose(window.workspace.dataset.vectors, X, atol=1e-5)


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    """A generated word2vec text file large enough that loading it reports progress."""
    path = tmp_path_factory.mktemp("big") / "big.w2v.txt"
    write_w2v(path, BIG_ROWS, 50, seed=99, prefix="big")
    return path


def test_cancel_during_load_keeps_previous_set(qtbot, window, small_file, big_file, monkeypatch):
    path, _ = small_file
    first = open_and_wait(qtbot, window, path)
    big = big_file

    # Hold the real loader at its first progress report until the user has pressed Cancel, so the
    # test does not depend on how fast the loader is.
    from embexplorer.core.data import formats

    real_load = formats.load
    reached = threading.Event()

    def gated_load(p, control=None, **kw):
        return real_load(p, control=_HoldingControl(control, reached), **kw)

    monkeypatch.setattr(formats, "load", gated_load)
    results = []
    window.workspace.dataset_changed.connect(results.append)
    window.commands.run("loading.open_file", big)
    assert window.commands.run("loading.is_loading")
    qtbot.waitUntil(window.status.cancel_button.isVisible)
    assert window.status.progress_bar.isVisible()
    assert reached.wait(20), "the loader never reported progress"
    with qtbot.waitSignal(window.features["loading"].load_cancelled, timeout=5000):
        qtbot.mouseClick(window.status.cancel_button, QtCore.Qt.MouseButton.LeftButton)
    assert not window.commands.run("loading.is_loading")
    qtbot.waitUntil(lambda: window.runner.active_threads() == 0, timeout=5000)
    qtbot.wait(50)
    assert results == []
    assert window.workspace.dataset is first and window.workspace.dataset.n == 400
    assert window.workspace.source.path == str(path)
    assert not window.status.cancel_button.isVisible() and not window.status.progress_bar.isVisible()
    assert "cancelled" in window.statusBar().currentMessage().lower()


class _HoldingControl(TaskControl):
    """A control whose first progress report or check blocks until the task is cancelled."""

    def __init__(self, control: TaskControl, reached: threading.Event) -> None:
        super().__init__()
        self._control = control
        self._reached = reached

    def cancel(self) -> None:
        self._control.cancel()

    @property
    def cancelled(self) -> bool:
        return self._control.cancelled

    def check(self) -> None:
        self._hold()

    def progress(self, fraction, message="", force=False):
        self._control.progress(fraction, message, force=True)
        self._hold()

    def _hold(self) -> None:
        self._reached.set()
        while True:  # leaves only through Cancelled, raised by check()
            self._control.check()
            threading.Event().wait(0.005)


def test_opening_another_file_supersedes_a_running_load(qtbot, window, small_file, tmp_path, monkeypatch):
    path, _ = small_file
    from embexplorer.core.data import formats

    real_load = formats.load
    release = threading.Event()
    slow_path = tmp_path / "slow.txt"
    write_w2v(slow_path, 30, 4, seed=3)

    def maybe_slow(p, control=None, **kw):
        if Path(p) == slow_path:
            release.wait(10)  # ignores cancel: its late result must be dropped
        return real_load(p, control=control, **kw)

    monkeypatch.setattr(formats, "load", maybe_slow)
    loaded, cancelled = [], []
    window.workspace.dataset_changed.connect(loaded.append)
    window.features["loading"].load_cancelled.connect(lambda: cancelled.append(1))
    window.commands.run("loading.open_file", slow_path)
    with qtbot.waitSignal(window.workspace.dataset_changed, timeout=LOAD_TIMEOUT_MS):
        window.commands.run("loading.open_file", path)
    release.set()
    qtbot.waitUntil(lambda: window.runner.active_threads() == 0, timeout=5000)
    qtbot.wait(50)
    assert [e.n for e in loaded] == [400] and window.workspace.source.path == str(path)
    assert cancelled == []  # superseding is not a user cancel


def test_bad_file_shows_dialog_with_file_and_line_and_keeps_previous(qtbot, window, small_file, dialogs,
                                                                      tmp_path):
    path, _ = small_file
    first = open_and_wait(qtbot, window, path)
    bad = tmp_path / "ragged.txt"
    bad.write_text("3 4\na 1 2 3 4\nb 1 2 3\nc 1 2 3 4\n", encoding="utf-8")
    with qtbot.waitSignal(window.features["loading"].load_failed, timeout=LOAD_TIMEOUT_MS) as blocker:
        window.commands.run("loading.open_file", bad)
    err = blocker.args[0]
    assert err.line == 3
    (shown,) = dialogs.shown
    assert "ragged.txt" in shown["text"]
    assert "line 3" in shown["info"] and str(bad) in shown["info"]
    assert "Traceback" not in shown["text"] + shown["info"]
    assert window.workspace.dataset is first and window.workspace.source.path == str(path)
    assert str(bad) not in window.recent.files()
    assert not window.status.progress_bar.isVisible()


def test_unexpected_error_dialog_has_details_not_a_bare_traceback(qtbot, window, small_file, dialogs,
                                                                 monkeypatch):
    path, _ = small_file
    from embexplorer.core.data import formats

    def broken(p, **kw):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(formats, "load", broken)
    with qtbot.waitSignal(window.features["loading"].load_failed, timeout=LOAD_TIMEOUT_MS):
        window.commands.run("loading.open_file", path)
    (shown,) = dialogs.shown
    assert "RuntimeError: disk on fire" in shown["info"]
    assert "Traceback" in shown["details"] and "Traceback" not in shown["text"]


def test_recent_files_are_remembered_capped_and_reopen(qtbot, window, settings, tmp_path):
    paths = []
    for i in range(RecentFiles.MAX + 2):
        p = tmp_path / f"f{i}.txt"
        write_w2v(p, 20 + i, 4, seed=i)
        paths.append(p)
    for p in paths:
        open_and_wait(qtbot, window, p)
    recent = window.recent.files()
    assert recent == [str(p) for p in reversed(paths)][:RecentFiles.MAX]
    # Remembered across windows (same settings).
    again = MainWindow(settings=settings)
    qtbot.addWidget(again)
    assert again.recent.files() == recent
    # The menu lists them (each action's status tip is its path); choosing one opens it.
    actions = recent_actions(window)
    assert [a.statusTip() for a in actions] == recent
    target = next(a for a in actions if a.statusTip() == str(paths[5]))
    with qtbot.waitSignal(window.workspace.dataset_changed, timeout=LOAD_TIMEOUT_MS) as blocker:
        target.trigger()
    assert blocker.args[0].n == 25
    assert window.recent.files()[0] == str(paths[5])


def test_missing_recent_file_is_reported_and_forgotten(qtbot, window, tmp_path, dialogs):
    p = tmp_path / "gone.txt"
    write_w2v(p, 10, 4)
    open_and_wait(qtbot, window, p)
    p.unlink()
    action = next(a for a in recent_actions(window) if a.statusTip() == str(p))
    action.trigger()
    assert "gone.txt" in dialogs.shown[0]["text"]
    assert str(p) not in window.recent.files()


def test_layout_and_geometry_are_remembered(qtbot, settings):
    """Docks come from the features; where the user puts them (and the window size) is remembered."""
    left, right = QtCore.Qt.DockWidgetArea.LeftDockWidgetArea, QtCore.Qt.DockWidgetArea.RightDockWidgetArea
    w1 = MainWindow(settings=settings)
    qtbot.addWidget(w1)
    assert not w1.restore_layout()  # nothing saved yet
    dock = w1.docks["neighbours"]
    assert dock.widget().panel() is w1.features["neighbours"].panel  # the feature's panel, scrolled
    assert dock.objectName() == "neighboursDock"  # a stable name: what saveState / restoreState key on
    assert dock.toggleViewAction() in w1.menus["View"].actions()
    w1.resize(700, 520)  # within the offscreen screen (800 x 600)
    w1.show()
    qtbot.waitExposed(w1)
    w1.show_central("plot")  # off the start page: the docks it put away come back
    assert dock.isVisible() and w1.dockWidgetArea(dock) == right
    w1.addDockWidget(left, dock)  # the user drags the panel to the left ...
    dock.toggleViewAction().trigger()  # ... and hides it from the View menu
    assert dock.isHidden()
    w1.close()

    w2 = MainWindow(settings=settings)
    qtbot.addWidget(w2)
    assert w2.restore_layout()
    w2.show()
    qtbot.waitExposed(w2)
    assert w2.size() == QtCore.QSize(700, 520)
    w2.show_central("plot")
    dock2 = w2.docks["neighbours"]
    assert dock2.isHidden() and w2.dockWidgetArea(dock2) == left
    assert w2.docks["analogy"].isVisible()  # the panels left shown are shown again
    # A restored layout is saved again: the user brings the panel back, on the right.
    dock2.toggleViewAction().trigger()
    w2.addDockWidget(right, dock2)
    assert dock2.isVisible()
    w2.close()

    w3 = MainWindow(settings=settings)
    qtbot.addWidget(w3)
    assert w3.restore_layout()
    w3.show()
    w3.show_central("plot")
    dock3 = w3.docks["neighbours"]
    assert dock3.isVisible() and w3.dockWidgetArea(dock3) == right


def test_close_during_load_ends_the_task_cleanly(qtbot, settings, big_file, monkeypatch):
    path = big_file
    from embexplorer.core.data import formats

    real_load = formats.load
    reached = threading.Event()
    monkeypatch.setattr(formats, "load",
                        lambda p, control=None, **kw: real_load(p, control=_HoldingControl(control, reached),
                                                                **kw))
    w = MainWindow(settings=settings)
    qtbot.addWidget(w)
    w.show()
    loaded = []
    w.workspace.dataset_changed.connect(loaded.append)
    # A panel with its own runner, busy too: closing the window ends its task as well.
    panel_runner = TaskRunner(w.features["neighbours"].panel)
    panel_results = []

    def train(control):
        while True:
            control.progress(None, "epoch")

    panel_runner.start("train", train, on_result=panel_results.append)
    w.commands.run("loading.open_file", path)
    assert reached.wait(20)
    w.close()
    assert w.runner.active_threads() == 0 and panel_runner.active_threads() == 0
    qtbot.wait(50)
    assert loaded == [] and w.workspace.dataset is None and panel_results == []


def test_about_box_names_the_versions(qtbot, window, monkeypatch):
    seen = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "about", lambda parent, title, text: seen.append(text))
    about = next(a for a in window.menus["Help"].actions() if a.text() == "&About embexplorer")
    about.trigger()
    from embexplorer import __version__

    assert len(seen) == 1 and __version__ in seen[0] and "PySide6" in seen[0]


def test_zoom_to_fit_restores_full_view(qtbot, window, small_file):
    path, _ = small_file
    open_and_wait(qtbot, window, path)
    vb = window.features["explorer"].scatter.view_box
    full = np.array(vb.viewRange())
    vb.scaleBy((0.1, 0.1))
    assert not np.allclose(np.array(vb.viewRange()), full)
    window.features["explorer"].zoom_fit_action.trigger()
    np.testing.assert_allclose(np.array(vb.viewRange()), full, rtol=1e-6)


def test_pickle_needs_consent_then_loads(qtbot, window, tmp_path, dialogs):
    gensim = pytest.importorskip("gensim")
    kv = gensim.models.KeyedVectors(vector_size=6)
    rng = np.random.default_rng(SEED)
    kv.add_vectors([f"w{i}" for i in range(30)], rng.normal(size=(30, 6)).astype(np.float32))
    path = tmp_path / "vectors.kv"
    kv.save(str(path))
    from embexplorer.core.errors import DataError

    # Refused -> error is reported, nothing loaded.
    dialogs.answers.append("Cancel")
    with qtbot.waitSignal(window.features["loading"].load_failed, timeout=LOAD_TIMEOUT_MS) as blocker:
        window.commands.run("loading.open_file", path)
    assert isinstance(blocker.args[0], DataError) and needs_pickle_consent(blocker.args[0])
    assert "pickle" in dialogs.shown[0]["text"].lower()
    assert window.workspace.dataset is None
    # Accepted -> loaded with allow_pickle.
    dialogs.answers.append("Load Anyway")
    with qtbot.waitSignal(window.workspace.dataset_changed, timeout=LOAD_TIMEOUT_MS) as blocker:
        window.commands.run("loading.open_file", path)
    assert blocker.args[0].n == 30


def test_pickle_consent_is_asked_once(qtbot, window, tmp_path, dialogs):
    """If the loader still refuses after consent, the user gets an error, not the same question again."""
    path = tmp_path / "objects.npy"
    np.save(path, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    dialogs.answers.append("Load Anyway")
    with qtbot.waitSignal(window.features["loading"].load_failed, timeout=LOAD_TIMEOUT_MS):
        window.commands.run("loading.open_file", path)
    qtbot.wait(50)
    consent, error = dialogs.shown  # exactly two dialogs: the question, then the error
    assert "python pickle" in consent["text"].lower()
    assert error["text"] == "Could not open “objects.npy”." and "pickle" in error["info"]
    assert window.workspace.dataset is None


def test_command_line_path_opens_in_the_gui(qtbot, small_file, monkeypatch):
    """``embexplorer PATH``: run_gui shows the window, loads PATH, and returns when it is closed."""
    import argparse
    import time

    from embexplorer._qt import app as gui_app

    path, _ = small_file
    seen = {}
    deadline = time.monotonic() + LOAD_TIMEOUT_MS / 1000

    def close_when_loaded():
        for w in QtWidgets.QApplication.topLevelWidgets():
            if isinstance(w, MainWindow) and w.isVisible():
                if w.workspace.dataset is not None or time.monotonic() > deadline:  # never hang the suite
                    seen["n"] = w.workspace.dataset.n if w.workspace.dataset is not None else None
                    seen["title"] = w.windowTitle()
                    w.close()
                    return
        QtCore.QTimer.singleShot(20, close_when_loaded)

    QtCore.QTimer.singleShot(0, close_when_loaded)
    args = argparse.Namespace(path=str(path), format=None, limit=100, allow_pickle=False, screenshot=None,
                              size="1280x800")
    assert gui_app.run_gui(args) == 0
    assert seen == {"n": 100, "title": f"{path.name} — embexplorer"}


def test_a_dock_panel_scrolls_only_when_its_least_height_does_not_fit(qtbot, make_main_window, glove_path):
    """A dock whose panel has room for its least height (its own layout's minimum at that width) but not
    for its preferred one shows it whole, without a scroll bar (QScrollArea used to size a panel with
    word-wrapped text to its preferred height: the Neighbours panel scrolled at 1280x800).  With less
    room than its least height it scrolls, never squeezed."""
    w = make_main_window()
    with qtbot.waitSignal(w.workspace.dataset_changed, timeout=30_000):
        w.commands.run("loading.open_file", glove_path)
    w.commands.run("explorer.finish_setup")
    dock = w.docks["neighbours"]
    area, panel = dock.widget(), dock.widget().panel()
    qtbot.waitUntil(lambda: area.viewport().height() > 0)
    qtbot.wait(100)
    width = area.viewport().width()
    least, liked = panel.layout().totalMinimumHeightForWidth(width), panel.heightForWidth(width)
    assert liked > least + 40  # the result table would like more rows than it needs

    def give(viewport_height: int) -> None:
        frame = dock.height() - area.viewport().height()
        total = dock.height() + w.docks["points"].height()
        w.resizeDocks([w.docks["points"], dock], [total - viewport_height - frame, viewport_height + frame],
                      QtCore.Qt.Orientation.Vertical)
        qtbot.wait(50)

    give((least + liked) // 2)
    assert least <= area.viewport().height() < liked
    assert not area.verticalScrollBar().isVisible() and panel.height() == area.viewport().height()
    give(least - 60)  # a window too small for the dock's minimum (a narrow screen): it scrolls
    if area.viewport().height() < least:
        assert area.verticalScrollBar().isVisible() and panel.height() >= least
