"""Neighbours and analogy panels driven with qtbot on the real GloVe vectors."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore

from embexplorer._qt.features.analogy.panel import AnalogyPanel
from embexplorer._qt.features.neighbours.panel import NeighboursPanel
from embexplorer._qt.workers import TaskRunner
from embexplorer.core.data.embeddings import EmbeddingSet

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")

#: Milliseconds a test waits for a signal.
WAIT_MS = 30000


@pytest.fixture(scope="module")
def kv(glove_path):
    from gensim.models import KeyedVectors

    return KeyedVectors.load_word2vec_format(str(glove_path), no_header=True)


@pytest.fixture(scope="module")
def emb(kv):
    return EmbeddingSet(kv.index_to_key, kv.vectors)


@pytest.fixture
def npanel(qtbot, emb):
    panel = NeighboursPanel()
    qtbot.addWidget(panel)
    panel.set_embeddings(emb)
    panel.show()
    return panel


@pytest.fixture
def runner(qtbot):
    r = TaskRunner()
    yield r
    assert r.shutdown(timeout=10.0)


@pytest.fixture
def apanel(qtbot, emb, runner):
    panel = AnalogyPanel(runner=runner)
    qtbot.addWidget(panel)
    panel.set_embeddings(emb)
    panel.resize(900, 700)
    panel.show()
    return panel


def _labels(model, column=1):
    return [r[column] for r in model.rows()]


def _click(qtbot, table, row, column=1):
    index = table.model().index(row, column)
    table.scrollTo(index)
    qtbot.mouseClick(table.viewport(), QtCore.Qt.MouseButton.LeftButton,
                     pos=table.visualRect(index).center())


def test_typing_a_label_lists_gensims_neighbours(qtbot, npanel, emb, kv):
    qtbot.keyClicks(npanel.query_edit, "kin")
    assert "king" in npanel.query_edit.completions()
    assert all(c.lower().startswith("kin") for c in npanel.query_edit.completions())
    qtbot.keyClicks(npanel.query_edit, "g")
    with qtbot.waitSignal(npanel.rows_highlighted, timeout=WAIT_MS) as blocker:
        qtbot.keyClick(npanel.query_edit, QtCore.Qt.Key.Key_Return)
    rows = blocker.args[0]
    expected = kv.most_similar("king", topn=10)
    assert rows[0] == emb.row("king") and len(rows) == 11
    assert [emb.labels[r] for r in rows[1:]] == [w for w, _ in expected]
    assert _labels(npanel.model) == [w for w, _ in expected]
    assert [r[0] for r in npanel.model.rows()] == list(range(1, 11))


def test_metric_k_and_restrict_rerun_the_query(qtbot, npanel, emb):
    npanel.query_label("paris")
    npanel.k_spin.setValue(25)
    assert npanel.model.rowCount() == 25
    npanel.metric_combo.setCurrentText("euclidean")
    assert npanel.model.headerData(2, QtCore.Qt.Orientation.Horizontal) == "distance"
    scores = [r[2] for r in npanel.model.rows()]
    assert scores == sorted(scores)
    v = emb.vectors.astype(np.float64)
    d = np.linalg.norm(v - v[emb.row("paris")], axis=1)
    assert _labels(npanel.model)[:5] == [emb.labels[i] for i in np.argsort(d)[1:6]]
    npanel.metric_combo.setCurrentText("cosine")
    npanel.restrict_spin.setValue(400)
    assert all(n.row < 400 for n in npanel.results) and len(npanel.results) == 25


def test_clicking_a_result_activates_its_row(qtbot, npanel, emb):
    npanel.query_label("river")
    with qtbot.waitSignal(npanel.row_activated, timeout=WAIT_MS) as blocker:
        _click(qtbot, npanel.table, 2)
    assert blocker.args == [npanel.results[2].row]


def test_completion_choice_and_row_and_vector_queries(qtbot, npanel, emb, kv):
    qtbot.keyClicks(npanel.query_edit, "quee")
    with qtbot.waitSignal(npanel.rows_highlighted, timeout=WAIT_MS):
        npanel.query_edit.completer_.activated[str].emit("queen")
    assert npanel.current_row == emb.row("queen")
    npanel.query_row(emb.row("berlin"))
    assert npanel.query_edit.text() == "berlin"
    vec = kv["tokyo"] * 0.5
    with qtbot.waitSignal(npanel.rows_highlighted, timeout=WAIT_MS) as blocker:
        npanel.query_vector(vec, "half tokyo")
    assert "half tokyo" in npanel.status_label.text()
    assert _labels(npanel.model) == [w for w, _ in kv.similar_by_vector(vec, topn=10)]
    assert len(blocker.args[0]) == 10  # no query row for a vector


def test_metadata_columns_are_shown(qtbot, emb):
    from embexplorer.core.data.embeddings import MetadataColumn

    n = 300
    small = EmbeddingSet(emb.labels[:n], emb.vectors[:n], metadata={
        "length": MetadataColumn.numeric("length", [len(w) for w in emb.labels[:n]]),
        "initial": MetadataColumn.categorical("initial", [w[0] for w in emb.labels[:n]])})
    panel = NeighboursPanel()
    qtbot.addWidget(panel)
    panel.set_embeddings(small)
    assert panel.query_label("the")
    header = [panel.model.headerData(c, QtCore.Qt.Orientation.Horizontal) for c in range(5)]
    assert header == ["rank", "label", "cosine", "length", "initial"]
    for r in panel.model.rows():
        assert r[3] == f"{len(r[1]):g}" and r[4] == r[1][0]


def test_unknown_label_is_reported_not_raised(qtbot, npanel):
    qtbot.keyClicks(npanel.query_edit, "zzzznotaword")
    qtbot.keyClick(npanel.query_edit, QtCore.Qt.Key.Key_Return)
    assert "not in the embeddings" in npanel.status_label.text()
    # The default is the command line's: exact first, then ignoring case.
    assert npanel.case_check.isChecked() and npanel.query_label("PARIS")
    assert npanel.current_row is not None and npanel.emb.labels[npanel.current_row] == "paris"
    # Exact matches only: the miss names the label that differs in case, and the closest spellings.
    npanel.case_check.setChecked(False)
    assert not npanel.query_label("PARIS")
    assert "'paris' differs only in case" in npanel.status_label.text()
    assert not npanel.query_label("pariss") and "closest: 'paris'" in npanel.status_label.text()


def test_analogy_fields_solve_side_by_side(qtbot, apanel, emb, kv):
    qtbot.keyClicks(apanel.a_edit, "ma")
    assert "man" in apanel.a_edit.completions()
    apanel.a_edit.clear()
    qtbot.keyClicks(apanel.a_edit, "man")
    qtbot.keyClicks(apanel.b_edit, "king")
    qtbot.keyClicks(apanel.c_edit, "woman")
    with qtbot.waitSignal(apanel.parallelogram_requested, timeout=WAIT_MS) as blocker:
        qtbot.mouseClick(apanel.solve_button, QtCore.Qt.MouseButton.LeftButton)
    info = blocker.args[0]
    assert info["rows"] == (emb.row("man"), emb.row("king"), emb.row("woman"), emb.row("queen"))
    np.testing.assert_allclose(info["expected"], kv["woman"] + kv["king"] - kv["man"], rtol=1e-5, atol=1e-5)
    assert _labels(apanel.add_model) == [w for w, _ in kv.most_similar(["king", "woman"], ["man"], topn=5)]
    assert _labels(apanel.mul_model) == \
        [w for w, _ in kv.most_similar_cosmul(["king", "woman"], ["man"], topn=5)]
    assert "without exclusion: king" in apanel.add_other_label.text()
    assert "an input" in apanel.add_other_label.text()
    # untick "Exclude inputs": the lists now start with the input, the excluded answer is beside
    qtbot.mouseClick(apanel.exclude_check, QtCore.Qt.MouseButton.LeftButton)
    assert not apanel.exclude_check.isChecked()
    assert _labels(apanel.add_model)[0] == "king"
    assert "with exclusion: queen" in apanel.add_other_label.text()
    with qtbot.waitSignal(apanel.row_activated, timeout=WAIT_MS) as blocker:
        _click(qtbot, apanel.add_table, 0)
    assert blocker.args == [emb.row("king")]


def test_analogy_unknown_word_and_case_option(qtbot, apanel):
    assert apanel.case_check.isChecked()  # the default: exact first, then ignoring case
    assert apanel.solve("Man", "King", "Woman")
    assert _labels(apanel.add_model)[0] == "queen"
    apanel.case_check.setChecked(False)
    assert not apanel.solve("Man", "King", "Woman")
    assert "not in the embeddings" in apanel.status_label.text()


def test_expression_to_neighbours_panel(qtbot, apanel, npanel, emb):
    apanel.vector_requested.connect(npanel.query_vector)
    apanel.tabs.setCurrentIndex(1)
    qtbot.keyClicks(apanel.expr_edit, "paris - france + germany")
    qtbot.keyClick(apanel.expr_edit, QtCore.Qt.Key.Key_Return)
    assert _labels(apanel.expr_model)[0] == "berlin"
    with qtbot.waitSignal(npanel.rows_highlighted, timeout=WAIT_MS):
        qtbot.mouseClick(apanel.expr_send_button, QtCore.Qt.MouseButton.LeftButton)
    assert "paris - france + germany" in npanel.status_label.text()
    assert npanel.results and npanel.results[0].label in {"berlin", "paris", "germany"}
    apanel.expr_edit.clear()
    qtbot.keyClicks(apanel.expr_edit, "paris * (france")
    qtbot.keyClick(apanel.expr_edit, QtCore.Qt.Key.Key_Return)
    assert "column" in apanel.expr_status.text() and apanel.expr_model.rowCount() == 0


def test_evaluation_in_background_with_sections_and_questions(qtbot, apanel, gensim_test_data, kv):
    questions = gensim_test_data / "questions-words.txt"
    score, sections = kv.evaluate_word_analogies(str(questions))
    apanel.tabs.setCurrentIndex(2)
    with qtbot.waitSignal(apanel.evaluation_finished, timeout=WAIT_MS) as blocker:
        apanel.evaluate_file(str(questions))
        assert apanel.cancel_button.isVisible() and apanel.progress_bar.isVisible()
    report = blocker.args[0]
    assert report.accuracy == score
    assert not apanel.cancel_button.isVisible()
    rows = apanel.sections_model.rows()
    assert [r[0] for r in rows[:-1]] == [s["section"] for s in sections[:-1]]
    assert rows[-1][0] == "total" and rows[-1][1] == "64.60 %" and rows[-1][3] == 3006
    _click(qtbot, apanel.sections_table, 1, 0)
    listed = apanel.selected_section_outcomes()
    assert len(listed) == len(sections[1]["correct"]) + len(sections[1]["incorrect"])
    assert apanel.questions_model.rowCount() == len(listed)
    with qtbot.waitSignal(apanel.parallelogram_requested, timeout=WAIT_MS) as blocker:
        _click(qtbot, apanel.questions_table, 0, 2)
    info = blocker.args[0]
    assert info["labels"][:3] == (listed[0].question.a, listed[0].question.b, listed[0].question.c)
    assert info["rows"][3] == listed[0].predicted_row


def test_evaluation_cancel_and_error(qtbot, apanel, gensim_test_data, tmp_path):
    apanel.evaluate_file(str(gensim_test_data / "questions-words.txt"))
    qtbot.mouseClick(apanel.cancel_button, QtCore.Qt.MouseButton.LeftButton)
    assert "cancelled" in apanel.eval_status.text()
    assert apanel.report is None and apanel.eval_button.isEnabled()
    bad = tmp_path / "bad.txt"
    bad.write_text(": s\na b c d\na b c\n", encoding="utf-8")
    with qtbot.waitSignal(apanel.runner.task_finished, timeout=WAIT_MS):
        apanel.evaluate_file(str(bad))
    assert "failed" in apanel.eval_status.text() and f"{bad}:3" in apanel.eval_status.text()


def test_word_pairs_in_background(qtbot, apanel, gensim_test_data, kv):
    path = gensim_test_data / "wordsim353.tsv"
    pearson, spearman, oov = kv.evaluate_word_pairs(str(path))
    with qtbot.waitSignal(apanel.pairs_finished, timeout=WAIT_MS) as blocker:
        apanel.evaluate_pairs_file(str(path))
    rep = blocker.args[0]
    assert (rep.pearson, rep.spearman, rep.oov_ratio) == (pearson[0], spearman[0], oov)
    assert f"Spearman {spearman[0]:.4f}" in apanel.eval_status.text()
    assert apanel.pairs_button.isEnabled()
