"""The compare and regions rooms in a real window: GloVe against a perturbed copy, two MF runs with and
without weight decay (ml-100k), regions named and drawn, linked histograms selecting rows."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore

from embexplorer.core.data.embeddings import EmbeddingSet
from embexplorer.core.view.histograms import category_mask, range_mask

TIMEOUT_MS = 60_000
#: Rows of GloVe that B shares with A.
SHARED = 2500
#: Labels moved in the perturbed copy.
PLANTED = 20
#: The MF comparison: movies kept, factors, epochs (small and quick: it is a rendering test).
MF_MOVIES, MF_FACTORS, MF_EPOCHS, MF_BATCH = 600, 16, 3, 1024


def open_glove(qtbot, w, glove_path):
    with qtbot.waitSignal(w.workspace.dataset_changed, timeout=TIMEOUT_MS):
        w.commands.run("loading.open_file", glove_path)
    return w.workspace.dataset


def test_compare_room_glove_against_a_perturbed_copy(qtbot, make_main_window, glove_path):
    from embexplorer._qt.workspace import DataSource, first_components
    from embexplorer.core.analysis.pca import fit_pca

    w = make_main_window()
    ws = w.workspace
    a = open_glove(qtbot, w, glove_path)
    rng = np.random.default_rng(5)
    moved = rng.choice(a.n, PLANTED, replace=False)
    v = a.vectors.copy()
    v[moved] = a.vectors[rng.choice(a.n, PLANTED, replace=False)]
    b = EmbeddingSet(a.labels[:SHARED] + ["only-in-b"], np.vstack([v[:SHARED], v[:1]]))
    feature = w.features["compare"]
    # The dock shown first: B's plot is built in the next event-loop slice, not when comparing starts.
    panel = w.commands.run("compare.panel")
    w.show_dock("compare")
    assert not panel.has_scatter
    qtbot.waitUntil(lambda: panel.has_scatter, timeout=2000)
    with qtbot.waitSignal(feature.compared, timeout=TIMEOUT_MS) as got:
        w.commands.run("compare.with_set", b, "perturbed")
    result = got.args[0]
    assert result.shared == SHARED and w.docks["compare"].isVisible()
    planted = {a.labels[i] for i in moved if i < SHARED}
    assert {panel.label_at(i) for i in range(len(planted))} == planted  # biggest movers first
    # Overlap and displacement are colour-by columns of A (NaN where a row is not in B).
    overlap = ws.columns["neighbour overlap"].values
    assert np.isnan(overlap[SHARED:]).all() and overlap[moved[moved < SHARED]].max() < 0.3
    assert "displacement" in ws.columns
    # Sortable: by overlap, largest first.
    panel.table.sortByColumn(1, QtCore.Qt.SortOrder.DescendingOrder)
    assert float(panel.proxy.index(0, 1).data(QtCore.Qt.ItemDataRole.UserRole + 1)) == 1.0
    # B's plot: the same rows, the Workspace's selection; rows of A not in B are not placed.
    sc = panel.scatter
    assert sc.n == a.n and sc.selection is ws.selection
    assert np.isnan(sc.xy[SHARED:]).all() and np.isfinite(sc.xy[:SHARED]).all()
    first = a.row(panel.label_at(0))
    panel.table.clicked.emit(panel.table.model().index(0, 0))
    assert ws.selection.rows.tolist() == [first]
    # Hover in B marks the point on the main plot; hover on the main plot rings it in B.
    sc.point_hovered.emit(first)
    assert ws.layer("compare.hover").rows.tolist() == [first]
    w.commands.run("explorer.widget").hovered.emit(first)
    assert "hover" in sc.overlay_names
    # One-plot mode: an arrow from each selected point's A place to its B place.
    ws.selection.replace(moved[:5])
    panel.arrows_check.setChecked(True)
    layer = ws.layer("compare.arrows")
    assert layer is not None and len(layer.arrows) == int((moved[:5] < SHARED).sum())
    drawn = w.features["explorer"].scatter.overlay_items("compare.arrows")
    assert drawn
    # Another set shown: the comparison is dropped with its columns and layers.
    ws.set_dataset(b, first_components(fit_pca(b.vectors, n_components=2)), DataSource("model", "B", "test"))
    assert w.commands.run("compare.result") is None and "neighbour overlap" not in ws.columns
    assert ws.layer("compare.arrows") is None and sc.selection is not ws.selection


def test_two_mf_runs_with_and_without_weight_decay_render(qtbot, make_main_window, ml100k_dir, tmp_path):
    from embexplorer._qt.workspace import DataSource, first_components
    from embexplorer.core.analysis.pca import fit_pca
    from embexplorer.core.recommender.mf import MFConfig, train
    from embexplorer.core.recommender.movielens import load_movielens

    ratings = load_movielens(ml100k_dir)
    sets = []
    for wd in (0.3, 0.0):
        cfg = MFConfig(n_factors=MF_FACTORS, epochs=MF_EPOCHS, batch_size=MF_BATCH, weight_decay=wd, seed=0)
        sets.append(train(ratings, cfg).item_embeddings(top_n=MF_MOVIES))
    a, b = sets
    w = make_main_window(size=(1400, 860))
    ws = w.workspace
    ws.set_dataset(a, first_components(fit_pca(a.vectors, n_components=2)),
                   DataSource("model", "MF, weight decay 0.3", "test"))
    with qtbot.waitSignal(w.features["compare"].compared, timeout=TIMEOUT_MS) as got:
        w.commands.run("compare.with_set", b, "MF, no weight decay")
    result = got.args[0]
    assert result.shared == MF_MOVIES and result.rotation is not None
    assert 0.0 < result.overlap.mean() < 1.0  # weight decay changes neighbourhoods, not all of them
    mover = result.movers(1)[0]
    ws.selection.replace(np.argsort(result.per_row_a(result.overlap))[:8])
    w.commands.run("compare.panel").arrows_check.setChecked(True)
    w.commands.run("explorer.color_by", "neighbour overlap")
    w.commands.run("explorer.finish_setup")
    qtbot.wait(50)
    out = tmp_path / "mf_compare.png"
    image = w.grab().toImage()
    assert image.save(str(out)) and out.stat().st_size > 20_000
    # B's plot is drawn: its area holds many colours, not a blank panel.
    sc = w.commands.run("compare.panel").scatter
    shot = sc.grab().toImage()
    colours = {shot.pixel(x, y) for x in range(0, shot.width(), 7) for y in range(0, shot.height(), 7)}
    assert len(colours) > 20 and mover.label in a.labels
    # The movies' regions are named by their over-represented genres and most-rated titles.
    with qtbot.waitSignal(w.features["regions"].found, timeout=TIMEOUT_MS) as found:
        w.commands.run("regions.find", "kmeans", "vectors", 5, 0)
    genres = {g for t in a.metadata["genres"].categories for g in t.split("|")}
    ratings = a.metadata["ratings"].values
    for i, name in enumerate(found.args[0].names):
        head, titles = name.split(": ", 1)
        assert set(head.split(", ")) <= genres
        rows = found.args[0].rows(i)
        assert titles.split("; ")[0] == a.labels[rows[np.argmax(ratings[rows])]]


def test_regions_named_drawn_and_histograms_select(qtbot, make_main_window, glove_path):
    w = make_main_window()
    ws = w.workspace
    a = open_glove(qtbot, w, glove_path)
    feature = w.features["regions"]
    with qtbot.waitSignal(feature.found, timeout=TIMEOUT_MS) as got:
        w.commands.run("regions.find", "kmeans", "layout", 6, 0)
    regions = got.args[0]
    assert regions.n_clusters == 6 and regions.space == "layout"
    col = ws.columns["region"]
    assert col.kind == "categorical" and len(col.categories) == 6
    assert w.commands.run("explorer.widget").color_combo.currentText() == "region"
    names = ws.layer("regions.names")
    assert names.style.size == 0 and [t for t, _ in names.captions] == col.categories
    drawn = w.features["explorer"].scatter.overlay_items("regions.names")
    assert drawn
    # A region of the list selects its points; the rest are dimmed, not hidden.
    feature.list.itemClicked.emit(feature.list.item(2))
    np.testing.assert_array_equal(ws.selection.rows, regions.rows(2))
    assert w.features["explorer"].scatter.base_layer.isVisible()
    # Linked histograms: a category click and a numeric brush select exactly their rows.
    h = w.commands.run("regions.histograms")
    h.set_column("region")
    mask = h.click_bar(0)
    np.testing.assert_array_equal(ws.selection.mask, category_mask(col, h.bars.labels[0]))
    assert mask.sum() == h.bars.counts[0]
    ws.set_column(type(col).numeric("first component", ws.projection.xy[:, 0]), owner="test")
    h.set_column("first component")
    h.brush(-0.5, 0.25)
    expected = range_mask(ws.columns["first component"], -0.5, 0.25)
    np.testing.assert_array_equal(ws.selection.mask, expected)
    assert 0 < expected.sum() < a.n


def test_b_plot_follows_the_main_plots_density_contours(qtbot, make_main_window, glove_path):
    """Contours on the main plot are drawn on B's plot too, of B's own positions; the legend's toggle and
    × act on both."""
    from embexplorer._qt.features.compare.b_contours import B_CONTOURS_TASK
    from embexplorer.core.view.density import CONTOURS_LAYER, contours

    w = make_main_window()
    ws = w.workspace
    a = open_glove(qtbot, w, glove_path)
    rng = np.random.default_rng(9)
    b = EmbeddingSet(a.labels[:SHARED], a.vectors[:SHARED] + rng.normal(0, 0.4, (SHARED, a.dims)).astype(np.float32))
    feature = w.features["compare"]
    panel = w.commands.run("compare.panel")
    w.show_dock("compare")
    qtbot.waitUntil(lambda: panel.has_scatter, timeout=2000)
    with qtbot.waitSignal(feature.compared, timeout=TIMEOUT_MS):
        w.commands.run("compare.with_set", b, "noisy")
    assert feature.b_contours.items == []  # none on the main plot: none on B's
    key = panel.plot_title
    assert "noisy" in key.text() and "selected" not in key.text() and "contours" not in key.text()
    ws.selection.replace([0, 5, 9])  # B's key names its highlights, as the main plot's legend does
    assert "selected (3)" in key.text()
    regions = w.features["regions"]
    regions.contours_check.setChecked(True)
    regions.contours.wait()
    qtbot.waitUntil(lambda: feature.b_contours.result is not None, timeout=TIMEOUT_MS)
    w.runner.wait_for(B_CONTOURS_TASK)
    items = feature.b_contours.items
    assert items and all(item.scene() is panel.scatter.plot_widget.scene() for item in items)
    assert all(item.zValue() < 0 for item in items)  # below B's points
    want = contours(panel.scatter.xy)  # B's positions, not A's
    assert feature.b_contours.result.thresholds.tolist() == want.thresholds.tolist()
    assert "density contours" in key.text()
    # Hidden and removed from the main plot's legend: the same on B's plot, and in its key.
    ws.set_layer(ws.layer(CONTOURS_LAYER).replace(visible=False))
    assert not any(item.isVisible() for item in feature.b_contours.items)
    assert "contours" not in key.text()
    ws.remove_layer(CONTOURS_LAYER)
    assert feature.b_contours.items == []
    ws.selection.clear()
    assert "selected" not in key.text() and "noisy" in key.text()
