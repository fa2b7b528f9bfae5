"""The Workspace's rules: a new set starts clean, only the claimed feature's frames move the points,
and the overlay layers follow the projection (real GloVe and MovieLens data)."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pytest

from embexplorer._qt.workspace import NO_SOURCE, DataSource, Workspace, first_components
from embexplorer.core.data.embeddings import EmbeddingSet
from embexplorer.core.view.layers import Layer, LayerStyle, vector_ref
from embexplorer.core.view.projection import FrameProjection, PCAProjection
from tests.gui_helpers import quick_mf_panel

TIMEOUT_MS = 60_000
#: Rows of the "live frames" made from GloVe in the unit tests.
FRAME_ROWS = 500
#: A small, quick recommender (ml-100k) and far more epochs than the test lets run.
LONG_EPOCHS = 200
#: Epochs the training keeps running after the file is opened, before the test stops it.
EPOCHS_AFTER = 2
STYLE = LayerStyle((10, 120, 200))


@pytest.fixture(scope="module")
def glove(glove_path):
    from embexplorer.core.analysis.pca import fit_pca
    from embexplorer.core.data.formats import load

    emb = load(glove_path)
    return emb, fit_pca(emb.vectors, n_components=10)


@pytest.fixture
def ws(qtbot):
    return Workspace()


class Recorder:
    """Every signal of a Workspace, in order: (name, args...)."""

    def __init__(self, ws: Workspace) -> None:
        self.events: list[tuple] = []
        for name in ("dataset_changed", "frame_changed", "projection_changed", "layers_changed",
                     "live_changed"):
            getattr(ws, name).connect(lambda *args, _n=name: self.events.append((_n, *args)))

    def names(self) -> list[str]:
        return [e[0] for e in self.events]

    def clear(self) -> None:
        self.events.clear()


def frame(emb: EmbeddingSet, pca, shift: float = 0.0) -> tuple[EmbeddingSet, FrameProjection]:
    """A live frame: the first rows of ``emb`` (a new set object, as each epoch brings) and their points."""
    sub = EmbeddingSet(emb.labels[:FRAME_ROWS], emb.vectors[:FRAME_ROWS])
    return sub, FrameProjection(pca.xy(0, 1)[:FRAME_ROWS] + shift, ("frame X", "frame Y"))


def file_source(path) -> DataSource:
    return DataSource("file", "glove", "loading", str(path))


# ---------------------------------------------------------------- a new set
def test_set_dataset_clears_layers_and_selection(ws, glove, glove_path):
    emb, pca = glove
    ws.set_dataset(emb, PCAProjection(pca), file_source(glove_path))
    assert ws.dataset is emb and ws.pca is pca and ws.axes == (0, 1) and ws.selection.size == emb.n
    ws.selection.replace([1, 2, 3])
    ws.set_layer(Layer("neighbours.results", "neighbours", STYLE, rows=[4, 5]))
    ws.set_layer(Layer("analogy.expected", "analogy", STYLE, points=emb.vectors[:1]))
    assert [layer.name for layer in ws.layers] == ["neighbours.results", "analogy.expected"]
    seen_by_listeners = []
    ws.dataset_changed.connect(lambda d: seen_by_listeners.append((d, list(ws.layers), ws.selection.count)))
    rec = Recorder(ws)
    # The same rows again (another source, the same size): rows of the old set mean nothing any more.
    ws.set_dataset(emb, PCAProjection(pca, (0, 2)), DataSource("model", "again", "recommender"))
    assert ws.layers == [] and ws.selection.count == 0 and ws.axes == (0, 2)
    assert seen_by_listeners == [(emb, [], 0)]  # listeners find the new set clean
    assert rec.names() == ["layers_changed", "layers_changed", "dataset_changed", "projection_changed"]
    assert {e[1] for e in rec.events[:2]} == {"neighbours.results", "analogy.expected"}
    # A smaller set: the selection follows its size.
    small, _ = frame(emb, pca)
    ws.selection.replace([0])
    small_pca = dataclasses.replace(pca, coords=np.ascontiguousarray(pca.coords[:FRAME_ROWS]))
    ws.set_dataset(small, PCAProjection(small_pca), DataSource("file", "small", "loading"))
    assert ws.selection.size == FRAME_ROWS and ws.selection.count == 0
    ws.clear()
    assert ws.dataset is None and ws.projection is None and ws.source is NO_SOURCE and ws.selection.size == 0


def test_first_components_of_a_fit_with_one_component_is_the_diagonal(glove):
    from embexplorer.core.analysis.pca import fit_pca

    emb, pca = glove
    assert first_components(pca).axes == (0, 1)
    one = first_components(fit_pca(emb.vectors[:, :1], n_components=1))  # PC1 only
    assert one.axes == (0, 0) and one.axis_titles[0] == one.axis_titles[1]
    np.testing.assert_array_equal(one.xy[:, 0], one.xy[:, 1])


def test_a_projection_of_other_rows_is_refused(ws, glove, glove_path):
    emb, pca = glove
    ws.set_dataset(emb, PCAProjection(pca), file_source(glove_path))
    small, proj = frame(emb, pca)
    with pytest.raises(ValueError):
        ws.set_dataset(emb, proj, file_source(glove_path))
    with pytest.raises(ValueError):
        ws.set_projection(proj)
    assert ws.dataset is emb and ws.projection.n == emb.n
    with pytest.raises(IndexError):
        ws.set_axes(0, 10)
    ws.set_dataset(small, proj, DataSource("training", "frame", "word2vec"))
    with pytest.raises(ValueError):  # a live frame has no principal components to pick
        ws.set_axes(0, 1)


def test_layers_by_owner_and_the_rows_they_mark(ws, glove, glove_path):
    emb, pca = glove
    ws.set_dataset(emb, PCAProjection(pca), file_source(glove_path))
    top = LayerStyle((0, 0, 0), z=30)
    ws.set_layer(Layer("analogy.arrows", "analogy", top, rows=[7, 8], arrows=[[7, 9]]))
    ws.set_layer(Layer("neighbours.results", "neighbours", STYLE, rows=[1, 2], lines=[[3, 1], [3, 2]]))
    ws.set_layer(Layer("neighbours.query", "neighbours", STYLE, rows=[3], visible=False))
    assert [layer.name for layer in ws.layers] == ["neighbours.results", "neighbours.query", "analogy.arrows"]
    assert ws.highlighted_rows().tolist() == [1, 2, 3, 7, 8, 9]  # visible layers only
    assert ws.highlighted_rows(("analogy",)).tolist() == [7, 8, 9]
    replaced = ws.layer("neighbours.results").replace(rows=[5])
    ws.set_layer(replaced)
    assert ws.layer("neighbours.results") is replaced and len(ws.layers) == 3
    ws.clear_layers("neighbours")
    assert [layer.name for layer in ws.layers] == ["analogy.arrows"]
    ws.remove_layer("no.such.layer")  # no error
    ws.remove_layer("analogy.arrows")
    assert ws.layers == [] and ws.highlighted_rows().tolist() == []


# ---------------------------------------------------------------- live frames
def test_only_the_claimed_feature_moves_the_points(ws, glove, glove_path):
    emb, pca = glove
    ws.set_dataset(emb, PCAProjection(pca), file_source(glove_path))
    rec = Recorder(ws)
    f1, p1 = frame(emb, pca)
    # Nobody claimed the plot: a frame is refused, and nothing changes.
    assert not ws.show_frame("recommender", f1, p1, 1, "training")
    ws.claim_live("word2vec")
    assert ws.live_owner == "word2vec" and rec.events == [("live_changed", "word2vec")]
    rec.clear()
    # A frame from a feature without the claim is refused.
    assert not ws.show_frame("recommender", f1, p1, 1, "training")
    assert rec.events == [] and ws.dataset is emb and not ws.is_live
    # The claimed one's first frame is a new set ...
    assert ws.show_frame("word2vec", f1, p1, 1, "word2vec training")
    assert ws.dataset is f1 and ws.projection is p1 and ws.is_live and ws.epoch == 1
    assert ws.source.kind == "training" and ws.source.owner == "word2vec" and ws.source.title == "word2vec training"
    assert ws.live_owner == "word2vec"  # showing its own frame keeps the claim
    assert rec.names() == ["dataset_changed", "projection_changed", "frame_changed"]
    # ... later frames only move the points: layers stay (re-projected by the views).
    ws.set_layer(Layer("neighbours.results", "neighbours", STYLE, rows=[1, 2]))
    ws.selection.replace([4])
    rec.clear()
    f2, p2 = frame(emb, pca, shift=1.0)
    assert ws.show_frame("word2vec", f2, p2, 2, "word2vec training")
    assert rec.events == [("frame_changed", 2)]
    assert ws.dataset is f2 and ws.projection is p2 and ws.layer("neighbours.results") is not None
    assert ws.selection.rows.tolist() == [4]
    # A new run (epoch 1 again) starts a new set.
    assert ws.show_frame("word2vec", f1, p1, 1, "word2vec training")
    assert ws.layers == [] and ws.epoch == 1
    # The claim passes to the training started last; the first one's frames are refused from then on.
    ws.claim_live("recommender")
    assert not ws.show_frame("word2vec", f2, p2, 2, "word2vec training") and ws.dataset is f1
    ws.release_live("word2vec")  # not its claim to release
    assert ws.live_owner == "recommender"
    # The claimed feature's own finished model keeps the claim; any other set releases it.
    ws.set_dataset(emb, PCAProjection(pca), DataSource("model", "MF model", "recommender"))
    assert ws.live_owner == "recommender" and not ws.is_live
    rec.clear()
    ws.set_dataset(emb, PCAProjection(pca), file_source(glove_path))
    assert ws.live_owner == "" and ("live_changed", "") in rec.events
    assert not ws.show_frame("recommender", f1, p1, 5, "training") and ws.dataset is emb


def test_a_file_opened_while_training_runs_keeps_the_plot(qtbot, make_main_window, ml100k_dir, glove_path):
    """The load releases the claim when it is asked for: no later epoch takes the plot back."""
    w = make_main_window()
    ws, rec = w.workspace, w.features["recommender"]
    panel = quick_mf_panel(qtbot, w, ml100k_dir, LONG_EPOCHS)
    frames, epochs = [], []
    ws.frame_changed.connect(frames.append)
    panel.epoch_finished.connect(lambda *a: epochs.append(a))
    panel.start()
    qtbot.waitUntil(lambda: len(frames) >= 1, timeout=TIMEOUT_MS)
    assert ws.live_owner == "recommender" and ws.is_live and ws.source.owner == "recommender"
    w.commands.run("loading.open_file", glove_path)
    assert ws.live_owner == ""  # released at once: frames arriving while the file loads are refused too
    frames_at_open = len(frames)
    with qtbot.waitSignal(ws.dataset_changed, timeout=TIMEOUT_MS):
        pass
    glove, seen = ws.dataset, len(epochs)
    assert glove.n == 5050 and ws.source.kind == "file"
    qtbot.waitUntil(lambda: len(epochs) >= seen + EPOCHS_AFTER, timeout=TIMEOUT_MS)  # it trains on ...
    assert len(frames) == frames_at_open  # ... in its dock only
    assert ws.dataset is glove and w.features["explorer"].scatter.n == 5050 and not ws.is_live
    with qtbot.waitSignal(panel.training_finished, timeout=TIMEOUT_MS):
        panel.stop()
    qtbot.wait(100)
    assert ws.dataset is glove and rec.model is None  # the finished model does not replace the file


def test_a_file_opened_before_the_first_epoch_keeps_the_plot(qtbot, make_main_window, ml100k_dir, glove_path,
                                                              monkeypatch):
    """A training claims the plot when it starts: a file opened before its first epoch is not replaced
    by that epoch's frame (nor by the finished model)."""
    from embexplorer.core.recommender.mf import MovieFrames

    real_update, reached, release = MovieFrames.update, threading.Event(), threading.Event()

    def held_update(self, *args, **kwargs):  # epoch 1's frame waits (on the worker) for the file
        reached.set()
        release.wait(TIMEOUT_MS / 1000)
        return real_update(self, *args, **kwargs)

    monkeypatch.setattr(MovieFrames, "update", held_update)
    w = make_main_window()
    ws, rec = w.workspace, w.features["recommender"]
    panel = quick_mf_panel(qtbot, w, ml100k_dir, 2)
    frames = []
    ws.frame_changed.connect(frames.append)
    try:
        panel.start()
        assert ws.live_owner == "recommender"  # the run the user started last
        assert reached.wait(TIMEOUT_MS / 1000), "epoch 1 never ended"
        with qtbot.waitSignal(ws.dataset_changed, timeout=TIMEOUT_MS):
            w.commands.run("loading.open_file", glove_path)
        glove = ws.dataset
        assert glove.n == 5050 and ws.live_owner == ""
    finally:
        release.set()
    with qtbot.waitSignal(panel.training_finished, timeout=TIMEOUT_MS):
        pass
    qtbot.wait(100)
    assert frames == [] and ws.dataset is glove and rec.model is None


# ---------------------------------------------------------------- layers follow the projection
def test_layers_are_reprojected_when_the_axes_change(qtbot, make_main_window, glove_path):
    w = make_main_window()
    ws = w.workspace
    with qtbot.waitSignal(ws.dataset_changed, timeout=TIMEOUT_MS):
        w.commands.run("loading.open_file", glove_path)
    w.commands.run("explorer.finish_setup")
    emb, scatter = ws.dataset, w.features["explorer"].scatter
    assert w.commands.run("analogy.solve", "man", "king", "woman")
    a, b, c, q = (emb.row(t) for t in ("man", "king", "woman", "queen"))
    expected = ws.layer("analogy.expected")
    assert expected.owner == "analogy" and expected.lines.tolist() == [[c, vector_ref(0)]]
    vector = emb.vectors[c] + emb.vectors[b] - emb.vectors[a]
    np.testing.assert_allclose(expected.points[0], vector, atol=1e-5)

    def drawn() -> np.ndarray:
        return np.asarray(scatter._overlays["analogy.expected"]["xy"][0], dtype=np.float64)

    def projected(axes) -> np.ndarray:
        return ws.pca.transform(vector[None])[0, list(axes)].astype(np.float64)

    np.testing.assert_allclose(drawn(), projected((0, 1)), atol=1e-4)
    before = drawn()
    changed = []
    ws.layers_changed.connect(changed.append)
    ws.set_axes(3, 1)
    # The same layers (nobody redrew them), placed on the new axes: the expected point moved with them.
    assert ws.layer("analogy.expected") is expected and changed == []
    np.testing.assert_allclose(drawn(), projected((3, 1)), atol=1e-4)
    assert not np.allclose(drawn(), before)
    xy = scatter.xy.astype(np.float64)
    np.testing.assert_array_equal(scatter.xy, ws.pca.xy(3, 1))
    np.testing.assert_allclose(np.asarray(scatter._overlays["analogy.expected"]["lines"]),
                               [[xy[c], projected((3, 1))]], atol=1e-4)
    np.testing.assert_allclose(np.asarray(scatter._overlays["analogy.arrows"]["arrows"]),
                               xy[[[a, b], [c, q]]], atol=1e-6)
    # The explorer's axis combos show the Workspace's axes.
    assert (w.features["explorer"].x_combo.currentIndex(), w.features["explorer"].y_combo.currentIndex()) == (3, 1)
    # Removing the layer removes the drawing.
    w.commands.run("analogy.clear")
    assert ws.layer("analogy.expected") is None and "analogy.expected" not in scatter.overlay_names


def test_a_computed_column_is_offered_for_colour_and_size_and_goes_with_its_set(qtbot, make_main_window,
                                                                                   glove_path):
    from embexplorer.core.data.embeddings import MetadataColumn

    w = make_main_window()
    ws = w.workspace
    with qtbot.waitSignal(ws.dataset_changed, timeout=TIMEOUT_MS):
        w.commands.run("loading.open_file", glove_path)
    w.commands.run("explorer.finish_setup")
    explorer = w.commands.run("explorer.widget")
    n = ws.dataset.n
    score = MetadataColumn.numeric("score", np.arange(n, dtype=np.float32))
    with qtbot.waitSignal(ws.columns_changed, timeout=TIMEOUT_MS):
        ws.set_column(score, owner="test")
    assert list(ws.columns) == ["score"] and ws.column_owner("score") == "test"
    assert explorer.color_combo.findText("score") >= 0 and explorer.size_combo.findText("score") >= 0
    explorer.set_color_by("score")
    assert explorer.color_combo.currentText() == "score" and explorer.legend.isVisible()
    # A second computed column keeps the colour chosen.
    ws.set_column(MetadataColumn.categorical("half", ["a" if i < n // 2 else "b" for i in range(n)]), "test")
    assert explorer.color_combo.currentText() == "score" and explorer.color_combo.findText("half") >= 0
    with pytest.raises(ValueError):
        ws.set_column(MetadataColumn.numeric("short", [1.0, 2.0]), "test")
    ws.clear_columns("test")
    assert ws.columns == {} and explorer.color_combo.findText("score") < 0
    ws.set_column(score, owner="test")
    w.commands.run("loading.open_file", glove_path)
    qtbot.waitUntil(lambda: ws.columns == {}, timeout=TIMEOUT_MS)
