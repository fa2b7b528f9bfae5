"""Live training frames are projected on the training worker, and a frame only moves the points.

Before, each epoch's frame PCA ran on the UI thread (waiting for BLAS while training used it) and
every frame reset the Points table and sized its columns: the window stalled 100-180 ms per epoch.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

from embexplorer._qt.features.recommender import feature as recf
from embexplorer._qt.features.word2vec import panel as w2v_training
from embexplorer._qt.features.word2vec.panel import WordFrames
from embexplorer._qt.shell.main_window import MainWindow
from embexplorer.core.recommender.mf import MovieFrames
from tests.gui_helpers import quick_mf_panel

TIMEOUT_MS = 60_000
#: Small quick models.
MF_EPOCHS = 3
W2V_DIMS, W2V_EPOCHS = 12, 3
TOPICS = {
    "animals": ["cat", "dog", "horse", "cow", "sheep", "goat", "mouse", "rabbit"],
    "colours": ["red", "green", "blue", "yellow", "purple", "orange", "black", "white"],
    "numbers": ["one", "two", "three", "four", "five", "six", "seven", "eight"],
}
W2V_SENTENCES = 1200
SEED = 3


@pytest.fixture
def window(make_main_window):
    return make_main_window(size=(1000, 700))


@pytest.fixture
def corpus(tmp_path):
    rng = np.random.default_rng(SEED)
    names = list(TOPICS)
    lines = [" ".join(TOPICS[names[rng.integers(len(names))]][i] for i in rng.integers(8, size=8))
             for _ in range(W2V_SENTENCES)]
    path = tmp_path / "topics.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _record_threads(monkeypatch, cls) -> list[tuple[int, object]]:
    """Make ``cls.update`` record (thread id, result) of every call."""
    calls: list[tuple[int, object]] = []
    real = cls.update

    def update(self, *args, **kwargs):
        out = real(self, *args, **kwargs)
        calls.append((threading.get_ident(), out))
        return out

    monkeypatch.setattr(cls, "update", update)
    return calls


def _count_resizes(monkeypatch, w: MainWindow) -> list[str]:
    view = w.features["explorer"].widget.table.view
    resizes: list[str] = []
    for name in ("resizeColumnToContents", "resizeColumnsToContents"):
        real = getattr(view, name)
        monkeypatch.setattr(view, name, lambda *a, _n=name, _r=real: (resizes.append(_n), _r(*a))[1])
    return resizes


def test_mf_frames_are_projected_off_the_ui_thread_and_only_move_points(qtbot, window, ml100k_dir,
                                                                        monkeypatch):
    w = window
    panel = quick_mf_panel(qtbot, w, ml100k_dir, MF_EPOCHS)
    calls = _record_threads(monkeypatch, MovieFrames)
    resizes = _count_resizes(monkeypatch, w)
    model = w.features["explorer"].widget.table.model
    shown, projections = [], []

    def on_frame(epoch: int) -> None:
        emb = w.workspace.dataset
        col = model._columns.index("bias")
        row = int(model.view_rows[0])
        projections.append(w.workspace.projection)
        shown.append((epoch, len(resizes), w.features["explorer"].scatter.xy.copy(), emb,
                      model.data(model.index(0, col)), emb.metadata["bias"].value(row)))

    w.workspace.frame_changed.connect(on_frame)
    with qtbot.waitSignal(panel.training_finished, timeout=TIMEOUT_MS):
        panel.start()
    main = threading.get_ident()
    assert len(calls) == MF_EPOCHS
    assert all(ident != main for ident, _ in calls), "a frame's PCA ran on the UI thread"
    assert [s[0] for s in shown] == list(range(1, MF_EPOCHS + 1))
    # What the window drew is what the worker computed, epoch by epoch (aligned, not recomputed).
    for (_, (emb, xy)), (_, _, drawn, drawn_emb, _, _) in zip(calls, shown):
        assert drawn_emb is emb and drawn.shape == (recf.MOVIE_TOP_N, 2)
        np.testing.assert_array_equal(drawn, xy)
    # The first frame is a new set (table reset, label column sized); later frames only move points.
    assert [s[1] for s in shown] == [1] * MF_EPOCHS
    # ... yet the table shows each frame's values (the biases change every epoch).
    assert all(cell == value for *_, cell, value in shown)
    assert shown[0][4] != shown[-1][4]
    # A user's arrow turns with the frame: the run's aligner maps it (read once the run finished).
    user = panel.model.user_factors[0]
    np.testing.assert_allclose(projections[-1].direction(user), panel.frames.direction(user), atol=1e-6)
    # The finished model's axes take the signs of the last frame (read from the run's frames).
    assert panel.frames.previous is calls[-1][1][1]
    last, final = shown[-1][2].astype(np.float64), w.features["explorer"].scatter.xy.astype(np.float64)
    assert (np.sum(last * final, axis=0) > 0).all()


def test_w2v_frames_are_projected_off_the_ui_thread_and_only_move_points(qtbot, window, corpus,
                                                                         monkeypatch):
    w = window
    panel = w.features["word2vec"].panel
    panel.set_corpus(corpus)
    panel.vector_size.setValue(W2V_DIMS)
    panel.min_count.setValue(1)
    panel.workers.setValue(1)
    panel.epochs.setValue(W2V_EPOCHS)
    calls = _record_threads(monkeypatch, WordFrames)
    resizes = _count_resizes(monkeypatch, w)
    scatter = w.features["explorer"].scatter
    shown = []
    w.workspace.frame_changed.connect(
        lambda e: shown.append((e, len(resizes), scatter.xy.copy(), w.workspace.dataset)))
    with qtbot.waitSignal(w.features["word2vec"].trained_shown, timeout=TIMEOUT_MS):
        assert panel.start()
    main = threading.get_ident()
    assert len(calls) == W2V_EPOCHS
    assert all(ident != main for ident, _ in calls), "a frame's PCA ran on the UI thread"
    assert [s[0] for s in shown] == list(range(1, W2V_EPOCHS + 1))
    for (_, (emb, xy)), (_, _, drawn, drawn_emb) in zip(calls, shown):
        assert drawn_emb is emb
        np.testing.assert_array_equal(drawn, xy)
    assert [s[1] for s in shown] == [1] * W2V_EPOCHS
    assert w.workspace.dataset.n == len(panel.embedding.labels) and w.workspace.pca is not None
    # The trained set's axes take the signs of the last frame drawn (all the corpus's words are in it).
    last_emb, last = calls[-1][1]
    rows = [w.workspace.dataset.index[label] for label in last_emb.labels]
    final = scatter.xy[rows].astype(np.float64)
    assert len(rows) == w.workspace.dataset.n and (np.sum(last.astype(np.float64) * final, axis=0) > 0).all()


def test_a_new_set_still_sizes_the_table_and_resets_colours(qtbot, window, glove_path, ml100k_dir,
                                                             monkeypatch):
    """Only a frame of the set shown skips the per-set work: another set gets the full setup."""
    w = window
    panel = quick_mf_panel(qtbot, w, ml100k_dir, epochs=2)
    with qtbot.waitSignal(panel.training_finished, timeout=TIMEOUT_MS):
        panel.start()
    w.commands.run("explorer.finish_setup")
    assert w.workspace.dataset.kind == "item"
    resizes = _count_resizes(monkeypatch, w)
    with qtbot.waitSignal(w.workspace.dataset_changed, timeout=TIMEOUT_MS):
        w.commands.run("loading.open_file", glove_path)
    w.commands.run("explorer.finish_setup")
    assert resizes == ["resizeColumnToContents"]
    assert w.features["explorer"].widget.table.model.rowCount() == w.workspace.dataset.n == 5050
    assert w.features["explorer"].widget.table.model.columnCount() == 1 + len(w.workspace.dataset.metadata)


def test_samples_dir_is_the_one_core_finds():
    from embexplorer.core.teaching.demos import analogy_questions_path, gensim_test_data_dir

    assert w2v_training.gensim_samples_dir() == gensim_test_data_dir()
    assert w2v_training.gensim_samples_dir() / w2v_training.ANALOGY_QUESTIONS_NAME == analogy_questions_path()


#: Run in a fresh interpreter (gensim not imported yet): start the wiki demo and record which threads
#: import gensim's submodules (``find_spec("gensim")`` alone, which only locates it, is not an import).
DEMO_SCRIPT = textwrap.dedent("""
    import importlib.abc, sys, threading
    main = threading.get_ident()
    importers = []

    class Spy(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.startswith("gensim."):
                importers.append(threading.get_ident())
            return None

    sys.meta_path.insert(0, Spy())
    from PySide6 import QtCore, QtWidgets
    app = QtWidgets.QApplication([])
    from embexplorer._qt.features.word2vec.panel import W2VTrainingPanel
    before = "gensim" in sys.modules
    panel = W2VTrainingPanel(live_frames=True)
    started = panel.start_demo_wiki()
    epochs = []
    panel.epoch_finished.connect(epochs.append)
    loop = QtCore.QEventLoop()
    panel.epoch_finished.connect(loop.quit)
    panel.training_failed.connect(loop.quit)
    QtCore.QTimer.singleShot(60000, loop.quit)
    loop.exec()
    panel.shutdown()
    panel.runner.wait(10.0)
    print("RESULT", before, started, len(epochs) > 0, bool(importers),
          any(t == main for t in importers))
""")


def test_wiki_demo_imports_gensim_on_the_worker(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", EMBEXPLORER_CACHE_DIR=str(tmp_path / "cache"),
               EMBEXPLORER_LOG_DIR=str(tmp_path / "log"))
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", DEMO_SCRIPT], cwd=root, env=env, capture_output=True,
                         text=True, timeout=120)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("RESULT")), None)
    assert line is not None, out.stderr[-2000:]
    before, started, trained, imported, main_imported = line.split()[1:]
    assert before == "False"  # the panel module does not import gensim
    assert started == "True" and trained == "True"
    assert imported == "True" and main_imported == "False"


def test_movies_shown_box_sets_the_frames_and_the_finished_set(qtbot, window, ml100k_dir):
    w = window
    panel = quick_mf_panel(qtbot, w, ml100k_dir, epochs=2)
    assert panel.frame_top_n == recf.MOVIE_TOP_N  # fastai's 1,000 by default
    panel.shown.setValue(250)
    sizes = []
    w.workspace.frame_changed.connect(lambda _e: sizes.append(w.workspace.dataset.n))
    with qtbot.waitSignal(panel.training_finished, timeout=TIMEOUT_MS) as done:
        panel.start()
    qtbot.waitUntil(lambda: w.features["recommender"].model is done.args[0], timeout=TIMEOUT_MS)
    assert sizes == [250, 250] and w.workspace.dataset.n == 250
    counts = w.workspace.dataset.metadata["ratings"].values
    assert counts.min() >= np.sort(np.asarray(done.args[0].item_meta["counts"]))[-250]  # the most rated
    panel.shown.setValue(0)  # "all"
    assert panel.frame_top_n is None and panel.shown.text() == "all"
