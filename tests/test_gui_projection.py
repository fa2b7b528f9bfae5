"""The Projection room on real GloVe words: t-SNE chosen in the toolbar arrives live and stays,
Cancel puts back what was shown, faithfulness is measured and offered, true neighbours and isolate.

The file is opened with a row limit: a t-SNE of all 5,050 words takes 10-15 s of CPU, too long for
the suite; the core tests compare the layouts with openTSNE, these the behaviour of the window.
"""

from __future__ import annotations

import numpy as np
import pytest

from embexplorer.core.view.projection import LayoutProjection, PCAProjection

TIMEOUT_MS = 120_000
#: Rows of GloVe opened (Barnes-Hut t-SNE of them takes about a second of CPU).
ROWS = 1200


@pytest.fixture
def window(make_main_window, glove_path, qtbot):
    w = make_main_window()
    ws = w.workspace
    with qtbot.waitSignal(ws.dataset_changed, timeout=TIMEOUT_MS):
        w.commands.run("loading.open_file", glove_path, limit=ROWS)
    w.commands.run("explorer.finish_setup")
    return w


def feature_of(w):
    return w.features["projection"]


def test_choosing_tsne_in_the_toolbar_shows_it_live_then_measures_it(window, qtbot):
    w = window
    ws, proj = w.workspace, feature_of(w)
    pca = ws.projection
    assert isinstance(pca, PCAProjection) and proj.combo.currentData() == "pca"
    frames = []
    ws.projection_changed.connect(lambda: frames.append(getattr(ws.projection, "live", False)))
    from embexplorer.core.analysis import fit_process

    proj.combo.showPopup()  # opening the list starts the layout's process ahead
    qtbot.waitUntil(lambda: len(fit_process.child_pids()) == 1, timeout=TIMEOUT_MS)
    warm = fit_process.child_pids()
    proj.combo.hidePopup()
    with qtbot.waitSignal(proj.layout_shown, timeout=TIMEOUT_MS) as shown:
        proj.combo.setCurrentIndex(proj.combo.findData("tsne"))  # what a user does
    layout = shown.args[0]
    assert fit_process.child_pids() == warm  # that process did the fit, and is kept for the next
    assert proj.frames_shown >= 1 and any(frames)  # live frames reached the plot before the result
    assert isinstance(ws.projection, LayoutProjection) and ws.projection.kind == "tsne"
    assert not ws.projection.live and np.array_equal(ws.projection.xy, layout.xy)
    assert ws.projection.axis_titles == ("t-SNE 1", "t-SNE 2")
    assert layout.n_fitted == ROWS and layout.n_placed == 0
    explorer = w.features["explorer"]
    assert not explorer.x_combo.isEnabled()  # no principal components on a t-SNE plot
    assert explorer.scatter.n == ROWS
    # Faithfulness: a colour-by column per point and the summary in the status bar.
    with qtbot.waitSignal(proj.faithfulness_ready, timeout=TIMEOUT_MS) as measured:
        pass
    fa = measured.args[0]
    column = ws.columns["neighbour preservation"]
    assert np.array_equal(column.values, fa.preservation) and 0.1 < fa.mean < 0.9
    assert "t-SNE of all 1,200 points" in proj.status.text() and "trustworthiness" in proj.status.text()
    assert proj.state()["method"] == "tsne"
    # Back to PCA: the same PCA fit, its axes, its (much lower) faithfulness.
    with qtbot.waitSignal(proj.faithfulness_ready, timeout=TIMEOUT_MS) as measured:
        proj.combo.setCurrentIndex(proj.combo.findData("pca"))
    assert ws.projection is pca and explorer.x_combo.isEnabled()
    assert measured.args[0].mean < fa.mean
    # A session (or bookmark) holding the t-SNE puts it back; the layout cache makes that instant.
    state = proj.state()
    assert state["method"] == "pca" and state["tsne"]["perplexity"] == 30
    with qtbot.waitSignal(proj.layout_shown, timeout=TIMEOUT_MS) as again:
        proj.restore({**state, "method": "tsne"})
    assert again.args[0].from_cache and np.array_equal(again.args[0].xy, layout.xy)
    assert proj.combo.currentData() == "tsne" and ws.projection.kind == "tsne"


def test_a_click_draws_the_true_neighbours_and_isolate_goes_there_and_back(window, qtbot):
    from embexplorer.core.analysis.neighbours import nearest

    w = window
    ws, proj = w.workspace, feature_of(w)
    emb = ws.dataset
    row = emb.row("king")
    ws.point_clicked.emit(row)
    layer = ws.layer("projection.true_neighbours")
    truth = {n.row for n in nearest(emb, row, k=10)}  # gensim's most_similar
    assert set(layer.rows.tolist()) == truth and "king" in layer.legend
    assert {int(b) for a, b in layer.lines} == truth
    before = ws.projection
    ws.selection.replace([row])
    with qtbot.waitSignal(ws.projection_changed, timeout=TIMEOUT_MS):
        assert proj.isolate()
    shown = np.flatnonzero(np.isfinite(ws.projection.xy).all(axis=1))
    assert set(shown.tolist()) == truth | {row} and ws.projection.kind == "isolate"
    assert proj.show_all_action.isEnabled()
    proj.show_all()
    assert ws.projection is before and not proj.show_all_action.isEnabled()


def test_a_finished_model_is_laid_out_by_the_method_chosen(window, qtbot):
    from embexplorer._qt.workspace import DataSource, first_components
    from embexplorer.core.analysis.pca import fit_pca

    w = window
    ws, proj = w.workspace, feature_of(w)
    with qtbot.waitSignal(proj.layout_shown, timeout=TIMEOUT_MS):
        proj.show("tsne")
    model = ws.dataset.subset(np.arange(300))  # stands for a trained model's vectors
    with qtbot.waitSignal(proj.layout_shown, timeout=TIMEOUT_MS) as shown:
        ws.set_dataset(model, first_components(fit_pca(model.vectors)), DataSource("model", "m", "word2vec"))
    assert shown.args[0].n_fitted == 300 and ws.projection.kind == "tsne" and ws.dataset is model


def test_umap_missing_says_what_to_install_and_keeps_pca(window, qtbot, monkeypatch):
    import sys

    w = window
    ws, proj = w.workspace, feature_of(w)
    before = ws.projection
    monkeypatch.setitem(sys.modules, "umap", None)
    with qtbot.waitSignal(proj.layout_stopped, timeout=TIMEOUT_MS) as stopped:
        proj.show("umap")
    assert "pip install 'embexplorer[umap]'" in stopped.args[0]
    assert ws.projection is before and proj.combo.currentData() == "pca"


def test_an_error_in_the_layout_process_is_said_and_cancel_kills_it_leaving_the_previous_projection(
        window, qtbot):
    from embexplorer.core.analysis import fit_process
    from embexplorer.core.analysis.nonlinear import LayoutParams
    from tests.test_fit_process import ended

    # (Last in the file: the child it kills would be started again by the next test.)
    w = window
    ws, proj = w.workspace, feature_of(w)
    before = ws.projection
    # Parameters the child refuses (a frozen dataclass forced past its own check, as a hand-edited
    # session could be): the message reaches the status bar, the PCA stays.
    bad = LayoutParams("tsne", seed=999)
    object.__setattr__(bad, "perplexity", 0.0)
    with qtbot.waitSignal(proj.layout_stopped, timeout=TIMEOUT_MS) as stopped:
        proj.show("tsne", params=bad)
    assert stopped.args[0] == "failed: perplexity must be from 1 to 500, got 0.0"
    assert ws.projection is before and proj.combo.currentData() == "pca"
    # Cancel while the child fits: the previous projection is back and the child is killed and reaped.
    proj.show("tsne", params=LayoutParams("tsne", seed=12345))  # a seed nobody cached
    qtbot.waitUntil(lambda: proj.frames_shown >= 1, timeout=TIMEOUT_MS)
    assert isinstance(ws.projection, LayoutProjection) and ws.projection.live
    fitting = fit_process.child_pids()
    assert fitting  # the fit runs in a child process, not on a thread of this one
    with qtbot.waitSignal(proj.layout_stopped, timeout=TIMEOUT_MS) as stopped:
        assert w.runner.cancel("projection.layout")  # the status bar's Cancel
    assert stopped.args[0] == "cancelled"
    assert ws.projection is before and proj.combo.currentData() == "pca" and proj.method == "pca"
    qtbot.waitUntil(lambda: not fit_process.child_pids(), timeout=5000)
    assert all(ended(pid, timeout=1.0) for pid in fitting)  # terminated and reaped: no zombie
    qtbot.wait(50)  # a late frame or result of the cancelled run must not come back
    assert ws.projection is before
