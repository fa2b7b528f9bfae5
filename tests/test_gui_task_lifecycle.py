"""Close, open another file, or Cancel/Stop while a background task runs: it ends cleanly, nothing late.

Covered elsewhere (not repeated here): load -- cancel, superseding load and
close (test_gui_main_window.py); recommender training -- Stop and close
(test_gui_integration.py, test_gui_mf_training.py); word2vec -- Stop in the
dock alone (test_gui_w2v_training.py); analogy evaluation -- Cancel in the
panel alone (test_gui_panels_analysis.py).  Here, in the main window:

* recommender (MF) training: opening a file while it trains; Stop before the first epoch;
* word2vec training: closing the window, opening a file, Stop before the first epoch,
  and a file opened while the finished vectors are being projected (PCA task);
* analogy evaluation: closing the window, opening a file, Cancel;
* reading MovieLens ratings: closing the window.

Neighbour queries run on the UI thread (a few ms even for 100k points: see
bench_neighbours), so there is no background task to interrupt.

"Nothing late" is checked three ways: the task's result signal never fires
after the interruption, the window's state (current set, model, scatter) is
what it was (or the newly opened file), and no exception reaches
``sys.excepthook`` -- e.g. a slot running on a deleted widget.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
import shiboken6
from PySide6 import QtCore

from embexplorer._qt.shell.main_window import MainWindow
from tests.bench.bench_soak import HookCounter
from tests.gui_helpers import quick_mf_panel

#: Longest wait for a load, a training run or an evaluation (ms).
TIMEOUT_MS = 60_000
#: Time given to anything that might still arrive late after an interruption (ms).
LATE_MS = 300
#: Epochs asked for when the test interrupts training (far more than it lets run).
LONG_EPOCHS = 200
#: Small recommender model (ml-100k) so an epoch takes a fraction of a second.
MF_FACTORS, MF_BATCH = 8, 2048
#: Word2vec corpus: planted topics (seeded), and the model's size.
TOPICS = {"animals": "cat dog horse cow sheep goat mouse rabbit".split(),
          "colours": "red green blue yellow purple orange black white".split(),
          "numbers": "one two three four five six seven eight".split()}
W2V_SENTENCES, W2V_DIMS = 1500, 16
#: Copies of questions-words.txt in the evaluation file (a few seconds: long enough to interrupt).
QUESTION_COPIES = 8
SEED = 3


# Garbage is collected only on the UI thread, between tests: conftest's _gc_on_ui_thread.


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    w = MainWindow(settings=settings, interactive=False)
    w.resize(1000, 700)
    w.show()
    yield w
    if shiboken6.isValid(w):  # the close tests delete it themselves (so no qtbot.addWidget)
        assert w.shutdown_tasks()
        w.close()
        shiboken6.delete(w)  # now, on the UI thread


@pytest.fixture
def hooks():
    with HookCounter() as counter:
        yield counter


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    rng = np.random.default_rng(SEED)
    names = list(TOPICS)
    lines = [" ".join(TOPICS[names[rng.integers(len(names))]][i] for i in rng.integers(8, size=8))
             for _ in range(W2V_SENTENCES)]
    path = tmp_path_factory.mktemp("corpus") / "topics.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def many_questions(tmp_path_factory, gensim_test_data):
    text = (gensim_test_data / "questions-words.txt").read_text(encoding="utf-8")
    path = tmp_path_factory.mktemp("questions") / "questions-x8.txt"
    path.write_text("".join(text.replace(": ", f": copy{i}-") for i in range(QUESTION_COPIES)),
                    encoding="utf-8")
    return path


def load(qtbot, w: MainWindow, path) -> None:
    with qtbot.waitSignal(w.workspace.dataset_changed, timeout=TIMEOUT_MS):
        w.commands.run("loading.open_file", path)


def spy_shutdown(w: MainWindow) -> list:
    """Record what ``shutdown_tasks`` returns when the window's closeEvent calls it."""
    results: list = []
    original = w.shutdown_tasks

    def spy(*args, **kwargs):
        results.append(original(*args, **kwargs))
        return results[-1]

    w.shutdown_tasks = spy
    return results


def close_and_delete(qtbot, w: MainWindow) -> list:
    """Close the window (as the user does), then delete it; returns shutdown_tasks' results."""
    results = spy_shutdown(w)
    w.close()
    w.deleteLater()
    qtbot.wait(LATE_MS)  # deleteLater runs, and anything queued late would arrive now
    del w.shutdown_tasks
    return results


def setup_w2v(w: MainWindow, corpus) -> None:
    panel = w.features["word2vec"].panel
    panel.set_corpus(corpus)
    panel.vector_size.setValue(W2V_DIMS)
    panel.min_count.setValue(1)
    panel.workers.setValue(1)
    panel.epochs.setValue(LONG_EPOCHS)


# -- recommender training --------------------------------------------------------------------------------

def test_mf_opening_a_file_while_training_keeps_the_file(qtbot, window, ml100k_dir, glove_path, hooks):
    w = window
    quick_mf_panel(qtbot, w, ml100k_dir, LONG_EPOCHS)
    frames, finished = [], []
    w.workspace.frame_changed.connect(frames.append)
    w.features["recommender"].training_panel.training_finished.connect(finished.append)
    w.features["recommender"].training_panel.start()
    qtbot.waitUntil(lambda: len(frames) >= 1, timeout=TIMEOUT_MS)
    load(qtbot, w, glove_path)
    glove = w.workspace.dataset
    assert glove.n == 5050 and w.features["recommender"].training_panel.is_training()  # the training goes on in its dock
    seen = len(frames)
    qtbot.wait(LATE_MS)
    with qtbot.waitSignal(w.features["recommender"].training_panel.training_finished, timeout=TIMEOUT_MS):
        w.features["recommender"].training_panel.stop()
    assert len(finished) == 1 and finished[0].history  # the dock keeps its model ...
    qtbot.wait(LATE_MS)
    assert w.workspace.dataset is glove and w.features["explorer"].scatter.n == 5050  # ... but the scatter keeps the file
    assert len(frames) == seen and w.features["recommender"].model is None and w.features["recommender"].user_panel.model is None
    assert hooks.errors == []


def test_mf_stop_before_the_first_epoch_keeps_the_previous_set(qtbot, window, ml100k_dir, glove_path, hooks):
    w = window
    load(qtbot, w, glove_path)
    glove, xy = w.workspace.dataset, w.features["explorer"].scatter.xy.copy()
    quick_mf_panel(qtbot, w, ml100k_dir, LONG_EPOCHS)
    frames = []
    w.workspace.frame_changed.connect(frames.append)
    w.features["recommender"].training_panel.start()
    w.features["recommender"].training_panel.stop()  # at once: before any epoch completes
    qtbot.waitUntil(lambda: not w.features["recommender"].training_panel.is_training(), timeout=TIMEOUT_MS)
    qtbot.wait(LATE_MS)
    assert frames == [] and w.workspace.dataset is glove and w.features["recommender"].model is None
    np.testing.assert_array_equal(w.features["explorer"].scatter.xy, xy)
    assert "Stopped" in w.features["recommender"].training_panel.status.text()
    assert hooks.errors == []


# -- word2vec training -----------------------------------------------------------------------------------

def test_w2v_closing_the_window_while_training_ends_cleanly(qtbot, window, corpus, hooks):
    w = window
    setup_w2v(w, corpus)
    panel = w.features["word2vec"].panel
    epochs, finished, shown = [], [], []
    panel.epoch_finished.connect(epochs.append)
    panel.training_finished.connect(finished.append)
    w.features["word2vec"].trained_shown.connect(shown.append)
    assert panel.start()
    qtbot.waitUntil(lambda: len(epochs) >= 1, timeout=TIMEOUT_MS)
    runners = [w.runner, panel.runner]
    results = close_and_delete(qtbot, w)
    assert results == [True]
    assert all(r.active_threads() == 0 for r in runners)
    assert finished == [] and shown == [] and len(epochs) < LONG_EPOCHS
    assert hooks.errors == []


def test_w2v_opening_a_file_while_training_keeps_the_file(qtbot, window, corpus, glove_path, hooks):
    w = window
    setup_w2v(w, corpus)
    panel = w.features["word2vec"].panel
    frames, shown = [], []
    w.workspace.frame_changed.connect(frames.append)
    w.features["word2vec"].trained_shown.connect(shown.append)
    assert panel.start()
    qtbot.waitUntil(lambda: len(frames) >= 1, timeout=TIMEOUT_MS)
    assert w.workspace.dataset is not None and w.workspace.dataset.n <= 24  # the live word frame
    load(qtbot, w, glove_path)
    glove = w.workspace.dataset
    seen = len(frames)
    with qtbot.waitSignal(panel.training_finished, timeout=TIMEOUT_MS) as done:
        panel.stop()
    assert done.args[0] is not None and done.args[0].n == 24  # the dock keeps the vectors
    qtbot.wait(LATE_MS)
    assert w.workspace.dataset is glove and w.features["explorer"].scatter.n == 5050 and len(frames) == seen and shown == []
    assert hooks.errors == []


def test_w2v_stop_before_the_first_epoch_keeps_the_previous_set(qtbot, window, corpus, glove_path, hooks):
    w = window
    load(qtbot, w, glove_path)
    glove, xy = w.workspace.dataset, w.features["explorer"].scatter.xy.copy()
    setup_w2v(w, corpus)
    panel = w.features["word2vec"].panel
    shown = []
    w.features["word2vec"].trained_shown.connect(shown.append)
    assert panel.start()
    panel.stop()
    qtbot.waitUntil(lambda: not panel.is_training(), timeout=TIMEOUT_MS)
    qtbot.wait(LATE_MS)
    assert w.workspace.dataset is glove and shown == []
    np.testing.assert_array_equal(w.features["explorer"].scatter.xy, xy)
    assert "Stopped" in panel.status.text()
    assert hooks.errors == []


# Regression: a file opened while the finished word2vec vectors were projected used to be replaced
# by them when that PCA ended after the load.


def test_w2v_file_opened_while_the_result_is_projected_wins(qtbot, window, corpus, glove_path, monkeypatch):
    """The trained vectors are projected (PCA) on a worker after training; a file opened meanwhile
    must stay the current set even when that PCA finishes after the file has loaded."""
    import embexplorer.core.analysis.pca as pca_module

    w = window
    setup_w2v(w, corpus)
    w.features["word2vec"].panel.epochs.setValue(2)
    real_fit = pca_module.fit_pca
    projecting, release = threading.Event(), threading.Event()

    def slow_for_w2v(vectors, *args, **kwargs):
        # The finished word2vec vectors on the projecting worker (live frames are projected on the
        # UI thread; the file has 50 dims).
        if vectors.shape[1] == W2V_DIMS and threading.current_thread() is not threading.main_thread():
            projecting.set()
            release.wait(TIMEOUT_MS / 1000)
        return real_fit(vectors, *args, **kwargs)

    monkeypatch.setattr(pca_module, "fit_pca", slow_for_w2v)
    assert w.features["word2vec"].panel.start()
    qtbot.waitUntil(projecting.is_set, timeout=TIMEOUT_MS)  # training done, its PCA running
    load(qtbot, w, glove_path)
    glove = w.workspace.dataset
    release.set()
    qtbot.waitUntil(lambda: w.runner.active_threads() == 0, timeout=TIMEOUT_MS)
    qtbot.wait(LATE_MS)
    assert w.workspace.dataset is glove


# -- analogy evaluation ----------------------------------------------------------------------------------

def start_evaluation(qtbot, w: MainWindow, questions) -> list:
    panel = w.features["analogy"].panel
    reports: list = []
    panel.evaluation_finished.connect(reports.append)
    panel.evaluate_file(str(questions))
    qtbot.waitUntil(lambda: panel.progress_bar.value() > 0, timeout=TIMEOUT_MS)  # really under way
    assert panel.is_evaluating()
    return reports


def test_analogy_closing_the_window_while_evaluating_ends_cleanly(qtbot, window, glove_path, many_questions,
                                                                  hooks):
    w = window
    load(qtbot, w, glove_path)
    reports = start_evaluation(qtbot, w, many_questions)
    runner = w.features["analogy"].panel.runner
    results = close_and_delete(qtbot, w)
    assert results == [True] and runner.active_threads() == 0
    assert reports == []
    assert hooks.errors == []


def test_analogy_opening_a_file_while_evaluating_drops_the_old_result(qtbot, window, glove_path,
                                                                      many_questions, tmp_path, hooks):
    w = window
    load(qtbot, w, glove_path)
    reports = start_evaluation(qtbot, w, many_questions)
    other = tmp_path / "other.txt"  # the first 1,000 GloVe words: a different set
    other.write_text("".join(glove_path.read_text(encoding="utf-8").splitlines(True)[:1000]),
                     encoding="utf-8")
    load(qtbot, w, other)
    panel = w.features["analogy"].panel
    assert not panel.is_evaluating()
    qtbot.wait(LATE_MS)
    assert reports == [] and panel.report is None and panel.emb is w.workspace.dataset and w.workspace.dataset.n == 1000
    assert panel.sections_model.rowCount() == 0
    assert hooks.errors == []


def test_analogy_cancel_keeps_the_set_and_a_new_evaluation_completes(qtbot, window, glove_path,
                                                                     many_questions, gensim_test_data, hooks):
    w = window
    load(qtbot, w, glove_path)
    glove = w.workspace.dataset
    reports = start_evaluation(qtbot, w, many_questions)
    panel = w.features["analogy"].panel
    qtbot.mouseClick(panel.cancel_button, QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.is_evaluating(), timeout=TIMEOUT_MS)
    qtbot.wait(LATE_MS)
    assert reports == [] and panel.report is None and w.workspace.dataset is glove
    assert "cancelled" in panel.eval_status.text()
    with qtbot.waitSignal(panel.evaluation_finished, timeout=TIMEOUT_MS) as done:
        panel.evaluate_file(str(gensim_test_data / "questions-words.txt"))
    assert done.args[0].evaluated > 0 and panel.report is done.args[0] and reports == [done.args[0]]
    assert hooks.errors == []


# -- reading MovieLens ratings ---------------------------------------------------------------------------

def test_closing_the_window_while_reading_ratings_ends_cleanly(qtbot, window, ml100k_dir, hooks):
    w = window
    loaded = []
    w.features["recommender"].ratings_loaded.connect(loaded.append)
    w.commands.run("recommender.open_ratings", ml100k_dir)
    assert w.runner.is_running("movielens")
    runner = w.runner
    results = close_and_delete(qtbot, w)
    assert results == [True] and runner.active_threads() == 0
    assert loaded == []
    assert hooks.errors == []


# Regression: reading ratings and loading a file shared the busy indicator, so the ratings result
# hid the progress bar and Cancel of a load still running.


def test_ratings_arriving_during_a_load_keep_the_loads_cancel_button(qtbot, window, ml100k_dir, glove_path,
                                                                     monkeypatch):
    from embexplorer.core.data import formats

    w = window
    real_load = formats.load
    release = threading.Event()

    def held_load(*args, **kwargs):  # the file load is still running when the ratings arrive
        release.wait(TIMEOUT_MS / 1000)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(formats, "load", held_load)
    with qtbot.waitSignal(w.features["recommender"].ratings_loaded, timeout=TIMEOUT_MS):
        w.commands.run("recommender.open_ratings", ml100k_dir)
        w.commands.run("loading.open_file", glove_path)
    try:
        assert w.commands.run("loading.is_loading")
        assert w.status.cancel_button.isVisible() and w.status.progress_bar.isVisible()
    finally:
        release.set()
        qtbot.waitUntil(lambda: not w.commands.run("loading.is_loading"), timeout=TIMEOUT_MS)
