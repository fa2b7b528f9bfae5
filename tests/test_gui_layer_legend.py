"""The on-plot layer legend on real GloVe: entries follow the layers; hide toggles, × removes."""

from __future__ import annotations

import pytest
from PySide6 import QtCore

from embexplorer._qt.features.analogy import feature as anf
from embexplorer._qt.features.neighbours import feature as nbf

# The integration tests' window with GloVe loaded (a fresh window per test).
from tests.test_gui_integration import glove_window, settings, window  # noqa: F401


def ask_neighbours(qtbot, w, word: str) -> None:
    panel = w.features["neighbours"].panel
    w.show_dock("neighbours")
    qtbot.keyClicks(panel.query_edit, word)
    qtbot.mouseClick(panel.search_button, QtCore.Qt.MouseButton.LeftButton)


def ask_analogy(qtbot, w, a: str, b: str, c: str) -> None:
    panel = w.features["analogy"].panel
    w.show_dock("analogy")
    for edit, word in ((panel.a_edit, a), (panel.b_edit, b), (panel.c_edit, c)):
        qtbot.keyClicks(edit, word)
    qtbot.mouseClick(panel.solve_button, QtCore.Qt.MouseButton.LeftButton)


def test_entries_follow_the_layers(qtbot, glove_window):  # noqa: F811
    w = glove_window
    legend = w.features["explorer"].legend
    assert legend.entries() == [] and not legend.isVisible()
    ask_neighbours(qtbot, w, "king")
    assert legend.entries() == [nbf.RESULTS_LAYER, nbf.QUERY_LAYER]
    assert legend.texts() == ["neighbours of king", "query: king"] and legend.isVisible()
    ask_analogy(qtbot, w, "man", "king", "woman")
    # The analogy's arrows and its expected point have entries; its sides (no legend text) none.
    assert legend.entries()[:2] == [nbf.RESULTS_LAYER, nbf.QUERY_LAYER]
    assert {anf.ARROWS_LAYER, anf.EXPECTED_LAYER} <= set(legend.entries())
    assert anf.SIDES_LAYER not in legend.entries()
    # In the plot's upper right corner, inside the plotting area.
    sc = w.features["explorer"].scatter
    area = sc.view_box.sceneBoundingRect()
    box = sc.plot_widget.mapToScene(legend.geometry()).boundingRect()
    assert area.contains(box) and box.right() > area.center().x() and box.top() < area.center().y()
    # No point label under the legend.
    sc.relayout_labels()
    assert not any(b.intersects(box) for b in sc.label_boxes())
    # Closing the Neighbours dock clears its layers: their entries go.
    w.docks["neighbours"].close()
    assert nbf.RESULTS_LAYER not in legend.entries() and nbf.QUERY_LAYER not in legend.entries()
    assert anf.ARROWS_LAYER in legend.entries()


def test_hide_toggle_and_close(qtbot, glove_window):  # noqa: F811
    w = glove_window
    legend = w.features["explorer"].legend
    sc = w.features["explorer"].scatter
    ask_neighbours(qtbot, w, "paris")
    row = legend.rows[nbf.RESULTS_LAYER]
    assert row.toggle.isChecked()
    row.toggle.click()
    # Hidden: off the plot, still listed (greyed) so that it can be shown again.
    assert not w.workspace.layer(nbf.RESULTS_LAYER).visible
    assert nbf.RESULTS_LAYER not in sc.overlay_names
    assert nbf.RESULTS_LAYER in legend.entries()
    legend.rows[nbf.RESULTS_LAYER].toggle.click()
    assert w.workspace.layer(nbf.RESULTS_LAYER).visible and nbf.RESULTS_LAYER in sc.overlay_names
    # × removes the layer (and its entry); the other stays.
    qtbot.mouseClick(legend.rows[nbf.QUERY_LAYER].close_button, QtCore.Qt.MouseButton.LeftButton)
    assert w.workspace.layer(nbf.QUERY_LAYER) is None and nbf.QUERY_LAYER not in sc.overlay_names
    assert legend.entries() == [nbf.RESULTS_LAYER]
    qtbot.mouseClick(legend.rows[nbf.RESULTS_LAYER].close_button, QtCore.Qt.MouseButton.LeftButton)
    # Empty: the legend collapses.
    assert legend.entries() == [] and not legend.isVisible()


def test_follows_theme_and_presentation_size(qtbot, glove_window):  # noqa: F811
    w = glove_window
    legend = w.features["explorer"].legend
    sc = w.features["explorer"].scatter
    ask_neighbours(qtbot, w, "king")
    small = legend.sizeHint().height()
    sc.set_font_scale(1.6)
    legend.repaint()
    qtbot.waitUntil(lambda: legend.sizeHint().height() > small * 1.2, timeout=2000)
    w.features["explorer"].widget.dark_action.setChecked(True)
    legend.repaint()
    qtbot.waitUntil(lambda: "#fff0f0f0" in legend.rows[nbf.QUERY_LAYER].text.styleSheet().lower(), timeout=2000)


def test_results_zoomed_to_stay_clear_of_the_legend(qtbot, glove_window):  # noqa: F811
    w = glove_window
    legend = w.features["explorer"].legend
    sc = w.features["explorer"].scatter
    ask_neighbours(qtbot, w, "king")
    ask_analogy(qtbot, w, "man", "king", "woman")
    layers = w.features["explorer"].layers
    # The range zoomed to is made taller by the legend's share of the plot's height.
    layers.covered_top = lambda: 0.0
    layers.zoom_to_results()
    (_, _), (y0, y1) = sc.view_box.viewRange()
    layers.covered_top = legend.covered_top
    layers.zoom_to_results()
    (_, _), (z0, z1) = sc.view_box.viewRange()
    covered = legend.covered_top()
    assert covered > 0 and z0 == pytest.approx(y0)
    assert (z1 - z0) == pytest.approx((y1 - y0) * sc.view_box.height() / (sc.view_box.height() - covered))
    box = sc.plot_widget.mapToScene(legend.geometry()).boundingRect()
    tr = sc.view_box.childGroup.sceneTransform()
    xy = sc.xy
    for name in (nbf.RESULTS_LAYER, nbf.QUERY_LAYER, anf.ARROWS_LAYER):
        for r in w.workspace.layer(name).rows:
            pt = tr.map(QtCore.QPointF(float(xy[r, 0]), float(xy[r, 1])))
            assert not box.contains(pt), (name, w.workspace.dataset.labels[r])


def test_a_layer_of_captions_only_gets_an_entry(qtbot, glove_window):  # noqa: F811
    import numpy as np

    from embexplorer.core.view.layers import Layer, LayerStyle

    w = glove_window
    legend, ws = w.features["explorer"].legend, w.workspace
    rows = np.array([ws.dataset.row(t) for t in ("paris", "london", "berlin")])
    ws.set_layer(Layer("test.names", "test", LayerStyle((20, 20, 20), size=0), "region names",
                       captions=(("capitals", rows),)))
    assert legend.entries() == ["test.names"] and legend.texts() == ["region names"]
    assert "test.names" in w.features["explorer"].scatter.overlay_names


def test_the_selection_and_the_found_point_are_explained_and_their_x_clears_them(qtbot, glove_window):  # noqa: F811
    """A selection and a search's ring are highlights too: the legend names them, × clears them."""
    from embexplorer._qt.features.explorer.layer_legend import FOCUS_ENTRY, SELECTION_ENTRY

    w = glove_window
    legend, ws = w.features["explorer"].legend, w.workspace
    emb = ws.dataset
    ws.selection.replace([emb.row("queen"), emb.row("prince")])
    qtbot.waitUntil(lambda: legend.entries() == [SELECTION_ENTRY])
    assert legend.texts() == ["selected (2)"] and legend.isVisible()
    w.features["explorer"].widget.focus_row(emb.row("king"))  # what a search does
    qtbot.waitUntil(lambda: legend.entries() == [FOCUS_ENTRY, SELECTION_ENTRY])
    assert legend.texts() == ["found: king", "selected (2)"]
    ask_neighbours(qtbot, w, "king")  # the layers follow
    assert legend.entries() == [FOCUS_ENTRY, SELECTION_ENTRY, nbf.RESULTS_LAYER, nbf.QUERY_LAYER]
    qtbot.mouseClick(legend.rows[SELECTION_ENTRY].close_button, QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: SELECTION_ENTRY not in legend.entries())
    assert ws.selection.count == 0
    qtbot.mouseClick(legend.rows[FOCUS_ENTRY].close_button, QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: legend.entries() == [nbf.RESULTS_LAYER, nbf.QUERY_LAYER])
    assert w.features["explorer"].scatter.focus_row == -1
