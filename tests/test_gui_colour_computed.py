"""Colouring by a column another room computes: it survives the column's recomputation (a new
projection's neighbour preservation), and ``--color-by`` waits for it."""

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
