"""The explorer follows other rooms' late work: colouring by a column another room computes survives its
recomputation and ``--color-by`` waits for it; a session's saved view outlives the layout still being made."""

from __future__ import annotations

import argparse

from embexplorer._qt.app import VIEW_OPTIONS, apply_view_options
from embexplorer._qt.features.projection.feature import COLUMN, FAITH_TASK

TIMEOUT_MS = 60_000


def _window(qtbot, make_main_window, glove_path):
    w = make_main_window()
    with qtbot.waitSignal(w.workspace.dataset_changed, timeout=TIMEOUT_MS):
        w.commands.run("loading.open_file", glove_path)
    w.commands.run("explorer.finish_setup")
    return w


def test_colour_by_neighbour_preservation_comes_back_after_a_new_projection(qtbot, make_main_window,
                                                                           glove_path):
    w = _window(qtbot, make_main_window, glove_path)
    ws, combo = w.workspace, w.features["explorer"].widget.color_combo
    qtbot.waitUntil(lambda: COLUMN in ws.columns, timeout=TIMEOUT_MS)  # PCA's, computed on loading
    w.commands.run("explorer.color_by", COLUMN)
    assert combo.currentText() == COLUMN
    pca_values = ws.columns[COLUMN].values.copy()
    w.commands.run("axes.place", "woman - man", "king - queen")
    assert COLUMN not in ws.columns and combo.currentIndex() == 0  # recomputed for the new plot...
    w.runner.wait_for(FAITH_TASK)
    qtbot.waitUntil(lambda: COLUMN in ws.columns, timeout=TIMEOUT_MS)
    assert combo.currentText() == COLUMN  # ...and the colour comes back with it
    assert (ws.columns[COLUMN].values != pca_values).any()
    legend = w.features["explorer"].widget.legend
    assert legend.isVisible()


def test_color_by_option_waits_for_a_computed_column(qtbot, make_main_window, glove_path):
    w = _window(qtbot, make_main_window, glove_path)
    args = argparse.Namespace(**{n: None for n in VIEW_OPTIONS}, dock=None)
    args.color_by = COLUMN
    args.axes = ["woman - man", "king - queen"]
    apply_view_options(w, args)
    assert w.features["explorer"].widget.color_combo.currentText() == COLUMN


def test_a_saved_view_outlives_the_layout_still_being_made(qtbot, make_main_window, glove_path):
    """A session restores its view while its t-SNE is still being made: the layout, when it arrives,
    is shown in the saved view (not zoomed to fit); a view the user moves meanwhile wins."""
    from embexplorer._qt.features.projection.feature import LAYOUT_TASK

    w = make_main_window()
    with qtbot.waitSignal(w.workspace.dataset_changed, timeout=TIMEOUT_MS):
        w.commands.run("loading.open_file", glove_path, limit=300)
    w.commands.run("explorer.finish_setup")
    explorer = w.features["explorer"]
    vb = explorer.scatter.view_box
    saved = [[-3.0, 4.0], [-2.0, 5.0]]
    w.features["projection"].show("tsne")
    assert w.runner.is_running(LAYOUT_TASK)
    explorer.restore_view({"view": saved})
    w.runner.wait_for(LAYOUT_TASK)
    qtbot.waitUntil(lambda: getattr(w.workspace.projection, "kind", "") == "tsne"
                    and not getattr(w.workspace.projection, "live", False), timeout=TIMEOUT_MS)
    (x0, x1), (y0, y1) = vb.viewRange()
    assert abs(x0 - saved[0][0]) < 1e-6 and abs(x1 - saved[0][1]) < 1e-6
    assert abs(y0 - saved[1][0]) < 1e-6 and abs(y1 - saved[1][1]) < 1e-6
    # Without a saved view pending, a new layout is zoomed to fit as before.
    w.features["projection"].show("pca")
    qtbot.waitUntil(lambda: getattr(w.workspace.projection, "kind", "") != "tsne", timeout=TIMEOUT_MS)
    assert vb.viewRange()[0] != saved[0]
