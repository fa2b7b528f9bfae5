"""The Axes room on real GloVe: axes typed into the dock, the analogy's plane from the Analogy dock's
button, a direction projected away with the Neighbours and Analogy questions asked again."""

from __future__ import annotations

import argparse

import numpy as np
import pytest
from PySide6 import QtCore

from embexplorer._qt.app import VIEW_OPTIONS, apply_view_options
from embexplorer._qt.features.axes import feature as axf
from embexplorer.core.analysis.axes import (
    AnalogyPlaneProjection,
    AxesProjection,
    axes_coordinates,
    parse_direction,
)
from embexplorer.core.errors import DataError
from embexplorer.core.view.projection import PCAProjection

TIMEOUT_MS = 30_000
LEFT = QtCore.Qt.MouseButton.LeftButton


@pytest.fixture
def window(qtbot, make_main_window, glove_path):
    w = make_main_window()
    with qtbot.waitSignal(w.workspace.dataset_changed, timeout=TIMEOUT_MS):
        w.commands.run("loading.open_file", glove_path)
    w.commands.run("explorer.finish_setup")
    return w


def axis_titles(w) -> tuple[str, str]:
    item = w.features["explorer"].scatter.plot_widget.getPlotItem()
    return item.getAxis("bottom").labelText, item.getAxis("left").labelText


def type_into(qtbot, edit, text: str) -> None:
    edit.clear()
    qtbot.keyClicks(edit, text)


def test_axes_typed_into_the_dock_place_the_points(qtbot, window):
    w, ws = window, window.workspace
    emb, scatter = ws.dataset, w.features["explorer"].scatter
    pca = ws.projection
    assert isinstance(pca, PCAProjection)
    w.show_dock("axes")
    panel = w.features["axes"].panel
    type_into(qtbot, panel.x_edit, "woman - man")
    type_into(qtbot, panel.y_edit, "king - queen")
    qtbot.mouseClick(panel.apply_button, LEFT)
    assert isinstance(ws.projection, AxesProjection)
    want, titles = axes_coordinates(emb, "woman - man", "king - queen")
    np.testing.assert_array_equal(scatter.xy, want)
    assert axis_titles(w) == titles == ("man  ←  →  woman  (cosine)", "queen  ←  →  king  (cosine)")
    assert sorted(ws.layer(axf.WORDS_LAYER).rows.tolist()) == sorted(emb.row(t) for t in
                                                                      ("woman", "man", "king", "queen"))
    assert "cosine of -0.60" in panel.status_label.text()
    combo = w.features["projection"].combo
    assert combo.currentIndex() == -1  # the toolbar claims no map it is not showing ...
    assert combo.placeholderText() == "Word axes"  # ... and says what is shown instead
    # Dot product, orthogonalised: Return in a field applies.
    panel.measure_combo.setCurrentIndex(panel.measure_combo.findData("dot"))
    panel.orthogonal_check.setChecked(True)
    qtbot.keyClick(panel.y_edit, QtCore.Qt.Key.Key_Return)
    g, r = (parse_direction(emb, t).unit for t in ("woman - man", "king - queen"))
    uy = r - (r @ g) * g
    X = emb.vectors.astype(np.float64)
    np.testing.assert_allclose(scatter.xy, X @ np.stack([g, uy / np.linalg.norm(uy)], axis=1), atol=1e-5)
    assert axis_titles(w)[1] == "queen  ←  →  king  (dot, ⊥ X)"
    # An unknown word: said in red, the plot stays as it was.
    shown = ws.projection
    type_into(qtbot, panel.y_edit, "king - xyzzy")
    qtbot.mouseClick(panel.apply_button, LEFT)
    assert ws.projection is shown
    assert "“xyzzy” is not in the embeddings" in panel.status_label.text()
    assert panel.status_label.text().startswith("Y axis:")
    # The session keeps the axes; back to PCA gives the same PCA back; restoring shows the axes again.
    type_into(qtbot, panel.y_edit, "rich - poor")
    qtbot.mouseClick(panel.apply_button, LEFT)
    state = w.features["axes"].state()
    assert state == {"x": "woman - man", "y": "rich - poor", "measure": "dot", "orthogonalise": True,
                     "shown": "axes", "plane": None}
    assert panel.pca_button.isEnabled()
    qtbot.mouseClick(panel.pca_button, LEFT)
    assert ws.projection is pca and axis_titles(w)[0] == pca.axis_titles[0]
    assert w.features["projection"].combo.currentData() == "pca"
    assert ws.layer(axf.WORDS_LAYER) is None and not panel.pca_button.isEnabled()
    w.features["axes"].restore(state)
    assert isinstance(ws.projection, AxesProjection) and ws.projection.expressions == ("woman - man",
                                                                                       "rich - poor")
    # --axes on the command line (as --screenshot applies it).
    options = {name: None for name in VIEW_OPTIONS} | {"dock": None, "axes_measure": "cosine",
                                                       "axes_orthogonal": False, "analogy_plane": False}
    apply_view_options(w, argparse.Namespace(**(options | {"axes": ["he - she", "good - bad"]})))
    assert ws.projection.expressions == ("he - she", "good - bad") and ws.projection.measure == "cosine"
    with pytest.raises(DataError, match="--axes.*“nope”"):
        apply_view_options(w, argparse.Namespace(**(options | {"axes": ["he - she", "nope"]})))


def test_the_analogy_button_shows_its_plane_as_a_parallelogram(qtbot, window):
    w, ws = window, window.workspace
    emb = ws.dataset
    w.show_dock("analogy")
    panel = w.features["analogy"].panel
    assert not panel.plane_button.isEnabled()
    for edit, word in ((panel.a_edit, "man"), (panel.b_edit, "king"), (panel.c_edit, "woman")):
        type_into(qtbot, edit, word)
    qtbot.mouseClick(panel.solve_button, LEFT)
    assert panel.plane_button.isEnabled()
    qtbot.mouseClick(panel.plane_button, LEFT)
    proj = ws.projection
    assert isinstance(proj, AnalogyPlaneProjection)
    assert axis_titles(w) == ("man  →  king", "man  →  woman  (⊥ X)")
    scatter = w.features["explorer"].scatter
    # The drawn parallelogram (the plot's own record of the layer): opposite sides equal.
    sides = np.asarray(scatter._overlays[axf.PLANE_LAYER]["lines"], dtype=np.float64)
    assert sides.shape == (4, 2, 2)
    vecs = sides[:, 1] - sides[:, 0]
    scale = np.linalg.norm(vecs[0])
    np.testing.assert_allclose(vecs[0], -vecs[2], atol=1e-5 * scale)
    np.testing.assert_allclose(vecs[1], -vecs[3], atol=1e-5 * scale)
    a, b, c, q = (emb.row(t) for t in ("man", "king", "woman", "queen"))
    xy = scatter.xy.astype(np.float64)
    np.testing.assert_allclose(sides[:, 0], xy[[a, b]].tolist() + [sides[2, 0].tolist(), xy[c].tolist()],
                               atol=1e-6)
    # The analogy's expected point is the fourth corner; its arrows follow onto the plane.
    corner = np.asarray(scatter._overlays["analogy.expected"]["xy"][0], dtype=np.float64)
    np.testing.assert_allclose(corner, sides[2, 0], atol=1e-5 * scale)
    np.testing.assert_allclose(np.asarray(scatter._overlays["analogy.arrows"]["arrows"]),
                               xy[[[a, b], [c, q]]], atol=1e-6)
    status = w.features["axes"].panel.status_label.text()
    assert "queen lies" in status and "off the plane" in status
    assert w.features["axes"].state()["plane"] == ["man", "king", "woman", "queen"]
    # Back to PCA removes the parallelogram of the plane (the analogy's own layers stay).
    w.commands.run("axes.back_to_pca")
    assert isinstance(ws.projection, PCAProjection) and ws.layer(axf.PLANE_LAYER) is None
    assert ws.layer("analogy.arrows") is not None
    # --analogy A,B,C --analogy-plane on the command line.
    options = {name: None for name in VIEW_OPTIONS} | {"dock": None, "axes_measure": "cosine",
                                                       "axes_orthogonal": False, "analogy_plane": True}
    apply_view_options(w, argparse.Namespace(**(options | {"analogy": "france,paris,japan"})))
    assert isinstance(ws.projection, AnalogyPlaneProjection)
    assert ws.projection.labels == ("france", "paris", "japan")
    with pytest.raises(DataError, match="--analogy-plane.*needs --analogy"):
        apply_view_options(w, argparse.Namespace(**options))


def test_project_away_shows_the_new_vectors_and_asks_again(qtbot, window):
    w, ws = window, window.workspace
    emb, source = ws.dataset, ws.source
    nb = w.features["neighbours"].panel
    assert w.commands.run("neighbours.query_label", "actress")
    before = [n.label for n in nb.results]
    assert w.commands.run("analogy.solve", "man", "king", "woman")
    assert w.commands.run("axes.apply", "woman - man", "king - queen")
    with qtbot.waitSignal(ws.dataset_changed, timeout=TIMEOUT_MS):
        assert w.commands.run("axes.project_away", "woman - man")
    new = ws.dataset
    assert new is not emb and new.labels == emb.labels
    assert ws.source.kind == "memory" and ws.source.title.endswith("(woman - man removed)")
    assert w.windowTitle().find("woman - man removed") >= 0
    gender = parse_direction(emb, "woman - man").unit
    assert np.abs(new.vectors.astype(np.float64) @ gender).max() < 1e-5
    # The questions were asked again on the new vectors.
    assert w.commands.run("neighbours.last_query") == "actress"
    after = [n.label for n in nb.results]
    assert after != before and "sarah" in before and "sarah" not in after
    assert w.commands.run("analogy.last_query") == ["man", "king", "woman"]
    assert w.features["analogy"].panel.results["3cosadd"].rows == tuple(emb.row(t) for t in
                                                                        ("man", "king", "woman"))
    away = w.features["axes"].panel.away_status.text()
    assert "Neighbours of “actress” lost" in away and "sarah" in away
    # Its own axes are gone with the direction: said, and the plot shows the new set's PCA.
    assert "zero vector" in w.features["axes"].panel.status_label.text()
    assert isinstance(ws.projection, PCAProjection) and ws.projection.n == emb.n
    assert w.features["axes"].panel.original_button.isEnabled()
    # Back to the original vectors (the very set, its source), the questions asked once more.
    qtbot.mouseClick(w.features["axes"].panel.original_button, LEFT)
    assert ws.dataset is emb and ws.source == source
    assert [n.label for n in nb.results] == before
