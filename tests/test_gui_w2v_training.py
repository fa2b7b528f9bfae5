"""Word2vec training dock: real training on a corpus the test writes, driven through the widgets."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore

from embexplorer._qt.features.word2vec.panel import GLOVE_NAME, W2VTrainingPanel, WordFrames
from embexplorer.core.data import formats
from embexplorer.core.teaching.demos import WIKI_DEMO_NOTE

TIMEOUT_MS = 60_000
#: Planted structure: words of a topic co-occur, so vectors of a topic end up closer.
TOPICS = {
    "animals": ["cat", "dog", "horse", "cow", "sheep", "goat", "mouse", "rabbit"],
    "colours": ["red", "green", "blue", "yellow", "purple", "orange", "black", "white"],
    "numbers": ["one", "two", "three", "four", "five", "six", "seven", "eight"],
}
N_SENTENCES = 1500


@pytest.fixture(scope="module")
def corpus_path(tmp_path_factory):
    rng = np.random.default_rng(0)
    names = list(TOPICS)
    lines = []
    for _ in range(N_SENTENCES):
        words = TOPICS[names[rng.integers(len(names))]]
        lines.append(" ".join(words[i] for i in rng.integers(len(words), size=8)).capitalize() + ".")
    path = tmp_path_factory.mktemp("corpus") / "topics.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def analogy_path(tmp_path):
    path = tmp_path / "questions.txt"
    path.write_text(": topics\ncat dog red green\nred blue one two\none three cat cow\n", encoding="utf-8")
    return path


def _panel(qtbot, corpus_path, epochs: int) -> W2VTrainingPanel:
    panel = W2VTrainingPanel()
    qtbot.addWidget(panel)
    panel.set_corpus(corpus_path)
    panel.vector_size.setValue(16)
    panel.min_count.setValue(1)
    panel.epochs.setValue(epochs)
    panel.workers.setValue(1)
    return panel


def test_start_button_trains_with_epoch_signals_and_curves(qtbot, corpus_path, analogy_path, tmp_path):
    panel = _panel(qtbot, corpus_path, epochs=3)
    panel.set_analogy_path(analogy_path)
    reports = []
    panel.epoch_finished.connect(reports.append)
    assert panel.start_button.isEnabled() and not panel.stop_button.isEnabled()
    assert not panel.save_button.isEnabled()
    with qtbot.waitSignal(panel.training_finished, timeout=TIMEOUT_MS) as blocker:
        qtbot.mouseClick(panel.start_button, QtCore.Qt.MouseButton.LeftButton)
        assert panel.stop_button.isEnabled() and not panel.start_button.isEnabled()
    emb = blocker.args[0]
    assert [r.epoch for r in reports] == [1, 2, 3]
    words = {w for ws in TOPICS.values() for w in ws}
    assert set(emb.labels) == words  # lower-cased, punctuation stripped
    assert emb.dims == 16 and emb.kind == "word" and not emb.warnings
    assert all(r.analogy_questions == 3 and 0.0 <= r.analogy_accuracy <= 1.0 for r in reports)
    assert all(r.raw_words == N_SENTENCES * 8 for r in reports)
    xs, ys = panel.loss_curve.getData()
    assert list(xs) == [1, 2, 3] and np.allclose(ys, [r.loss for r in reports])
    assert list(panel.accuracy_curve.getData()[0]) == [1, 2, 3]
    assert panel.progress.value() == panel.progress.maximum()
    assert panel.save_button.isEnabled() and panel.start_button.isEnabled()
    # the final vectors are those of the last epoch's frame
    last = reports[-1]
    rows = [emb.index[w] for w in last.frame_labels]
    np.testing.assert_array_equal(emb.vectors[rows], last.frame)
    # topics were learned: a word's nearest neighbour shares its topic more often than not
    unit = emb.unit_vectors
    sims = unit @ unit.T
    np.fill_diagonal(sims, -np.inf)
    topic = {w: t for t, ws in TOPICS.items() for w in ws}
    same = np.mean([topic[emb.labels[int(np.argmax(sims[i]))]] == topic[w] for i, w in enumerate(emb.labels)])
    assert same > 0.6, same
    # save as text and binary, reload through formats.load
    for name, binary in (("v.txt", False), ("v.bin", True)):
        panel.save(tmp_path / name, binary=binary)
        back = formats.load(tmp_path / name, use_cache=False)
        assert back.labels == emb.labels
        np.testing.assert_allclose(back.vectors, emb.vectors, rtol=1e-5, atol=1e-6)


def test_stop_mid_training_keeps_last_complete_epoch(qtbot, corpus_path):
    many = 300
    panel = _panel(qtbot, corpus_path, epochs=many)
    reports = []

    def on_epoch(report):
        reports.append(report)
        if report.epoch == 2:
            qtbot.mouseClick(panel.stop_button, QtCore.Qt.MouseButton.LeftButton)

    panel.epoch_finished.connect(on_epoch)
    with qtbot.waitSignal(panel.training_finished, timeout=TIMEOUT_MS) as blocker:
        panel.start()
    emb = blocker.args[0]
    kept = panel.result.epochs_completed
    assert 2 <= kept < many and panel.result.stopped
    assert [r.epoch for r in reports] == list(range(1, kept + 1))
    assert any("stopped after epoch" in w for w in emb.warnings)
    # consistent: the returned vectors are exactly the last complete epoch's, and finite
    last = reports[-1]
    rows = [emb.index[w] for w in last.frame_labels]
    np.testing.assert_array_equal(emb.vectors[rows], last.frame)
    assert np.isfinite(emb.vectors).all()
    assert "Stopped after epoch" in panel.status.text()
    assert panel.start_button.isEnabled() and not panel.stop_button.isEnabled()


def test_bad_corpus_reports_failure(qtbot, tmp_path):
    panel = W2VTrainingPanel()
    qtbot.addWidget(panel)
    panel.set_corpus(tmp_path / "missing.txt")
    with qtbot.waitSignal(panel.training_failed, timeout=TIMEOUT_MS) as blocker:
        panel.start()
    assert "no such file" in blocker.args[0]
    assert "Training failed" in panel.status.text() and panel.start_button.isEnabled()


def test_word_frames_align_consecutive_epochs(qtbot, corpus_path):
    panel = _panel(qtbot, corpus_path, epochs=4)
    frames = WordFrames()
    out = []
    panel.epoch_finished.connect(lambda r: out.append(frames.update(r)))
    with qtbot.waitSignal(panel.training_finished, timeout=TIMEOUT_MS):
        panel.start()
    (e3, a), (e4, b) = out[-2], out[-1]
    assert e4.labels == e3.labels and a.shape == b.shape == (e4.n, 2) and b.dtype == np.float32
    assert np.linalg.norm(a - b) < 0.5 * np.linalg.norm(b - b.mean(0))


def test_wiki_demo_fills_settings_shows_note_and_glove_button(qtbot):
    panel = W2VTrainingPanel()
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.training_started, timeout=TIMEOUT_MS):
        assert panel.start_demo_wiki()
    try:
        assert panel.is_training()
        assert panel.note.text() == WIKI_DEMO_NOTE and not panel.note.isHidden()
        assert not panel.glove_button.isHidden()
        assert panel.vector_size.value() == 50 and panel.epochs.value() == 10
        assert panel.analogy_edit.text().endswith("questions-words.txt")
        with qtbot.waitSignal(panel.download_requested) as blocker:
            qtbot.mouseClick(panel.glove_button, QtCore.Qt.MouseButton.LeftButton)
        assert blocker.args == [GLOVE_NAME]
    finally:
        panel.shutdown()
        assert panel.runner.wait(10.0)
    assert not panel.is_training() and panel.start_button.isEnabled()


def test_corpus_kind_is_named(qtbot, corpus_path, tmp_path):
    from embexplorer.core.teaching.demos import wiki_sample_corpus_paths

    panel = W2VTrainingPanel()
    qtbot.addWidget(panel)
    panel.set_corpus(corpus_path)
    assert panel.status.text().startswith("Text corpus")
    panel.set_corpus(corpus_path.parent)
    assert panel.status.text().startswith("Folder")
    _, wiki = wiki_sample_corpus_paths()
    panel.set_corpus(wiki)
    assert panel.status.text().startswith("Wikipedia XML dump")
    broken = tmp_path / "broken.txt.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 10)
    panel.set_corpus(broken)
    assert panel.status.text().startswith("Cannot read")


def test_curves_follow_the_palette(qtbot):
    from PySide6 import QtGui, QtWidgets

    from tests.test_gui_mf_training import _dark_palette

    panel = W2VTrainingPanel()
    qtbot.addWidget(panel)
    base = panel.palette().color(QtGui.QPalette.ColorRole.Base)
    assert base.lightness() > 128
    for plot in (panel.loss_plot, panel.accuracy_plot):
        assert plot.backgroundBrush().color() == base  # not pyqtgraph's black
    dark = _dark_palette()
    panel.setPalette(dark)
    qtbot.wait(10)
    for plot in (panel.loss_plot, panel.accuracy_plot):
        assert plot.backgroundBrush().color() == dark.color(QtGui.QPalette.ColorRole.Base)
        assert plot.getAxis("left").textPen().color() == dark.color(QtGui.QPalette.ColorRole.Text)
    panel.setPalette(QtWidgets.QApplication.palette())
    qtbot.wait(10)
    assert panel.loss_plot.backgroundBrush().color() == base
