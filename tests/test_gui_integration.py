"""The integrated window driven like a user: explorer, docks, overlays, live training (real data)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.features.analogy import feature as anf
from embexplorer._qt.features.neighbours import feature as nbf
from embexplorer._qt.features.recommender import feature as recf
from embexplorer._qt.features.recommender import user_layers
from embexplorer._qt.shell.main_window import MainWindow
from embexplorer.core.analysis.frames import signs_matching
from embexplorer.core.analysis.neighbours import nearest
from embexplorer.core.view import palette

#: Milliseconds to wait for a load + PCA, reading ratings, or a short training run.
LOAD_TIMEOUT_MS = 30_000
TRAIN_TIMEOUT_MS = 60_000
#: Small, quick model for the training tests (ml-100k, a couple of epochs).
QUICK_FACTORS = 8
QUICK_BATCH = 2048
QUICK_EPOCHS = 3
#: Epochs asked for when the test stops (or closes) before the end.
LONG_EPOCHS = 200
#: A scatter point counts as clickable when no other point is this close (pixels).
ISOLATION_PX = 12.0


@pytest.fixture
def settings(tmp_path):
    return QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, settings):
    w = MainWindow(settings=settings, interactive=False)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.shutdown_tasks(5.0)


@pytest.fixture
def glove_window(qtbot, window, glove_path):
    with qtbot.waitSignal(window.workspace.dataset_changed, timeout=LOAD_TIMEOUT_MS):
        window.commands.run("loading.open_file", glove_path)
    window.commands.run("explorer.finish_setup")
    return window


def overlay(window: MainWindow, name: str) -> dict:
    """The scatter's record of overlay ``name`` (rows, xy, lines, arrows)."""
    assert name in window.features["explorer"].scatter.overlay_names, f"no overlay {name!r}: {window.features['explorer'].scatter.overlay_names}"
    return window.features["explorer"].scatter._overlays[name]


def viewport_pixels(window: MainWindow) -> np.ndarray:
    """Viewport pixel position of every point (from the view's transform, not the hit test)."""
    sc = window.features["explorer"].scatter
    sc.view_box.updateMatrix()
    tr = sc.view_box.childGroup.sceneTransform() * sc.plot_widget.viewportTransform()
    x, y = sc.xy[:, 0].astype(float), sc.xy[:, 1].astype(float)
    return np.column_stack([tr.m11() * x + tr.m21() * y + tr.m31(), tr.m12() * x + tr.m22() * y + tr.m32()])


def click_viewport(window: MainWindow, pos) -> None:
    vp = window.features["explorer"].scatter.plot_widget.viewport()
    p = QtCore.QPointF(float(pos[0]), float(pos[1]))
    left, none = QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.MouseButton.NoButton
    mods = QtCore.Qt.KeyboardModifier.NoModifier
    for etype, button, buttons in ((QtCore.QEvent.Type.MouseMove, none, none),
                                   (QtCore.QEvent.Type.MouseButtonPress, left, left),
                                   (QtCore.QEvent.Type.MouseButtonRelease, left, none)):
        event = QtGui.QMouseEvent(etype, p, vp.mapToGlobal(p), button, buttons, mods)
        QtWidgets.QApplication.sendEvent(vp, event)
    QtWidgets.QApplication.processEvents()


def click_table_row(view: QtWidgets.QTableView, row: int) -> None:
    """Click the ``row``-th row of a table view (its second column when it has one)."""
    from PySide6.QtTest import QTest

    index = view.model().index(row, 1 if view.model().columnCount() > 1 else 0)
    view.scrollTo(index)
    QtWidgets.QApplication.processEvents()
    QTest.mouseClick(view.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())


# ---------------------------------------------------------------- explorer wiring
def test_load_shows_every_point_and_one_set_of_axis_controls(glove_window):
    w = glove_window
    emb = w.workspace.dataset
    assert w.features["explorer"].scatter.n == emb.n == 5050 and w.features["explorer"].widget.embeddings is emb
    np.testing.assert_array_equal(w.features["explorer"].scatter.xy, w.workspace.pca.xy(0, 1))
    # The window's PC combos are the axis controls; the explorer's own pickers stay hidden.
    assert w.features["explorer"].x_combo.count() == 10 and not w.features["explorer"].widget.x_combo.isVisibleTo(w)
    w.features["explorer"].y_combo.setCurrentIndex(2)
    np.testing.assert_array_equal(w.features["explorer"].scatter.xy, w.workspace.pca.xy(0, 2))
    # The linked table lives in the Points dock and lists every row.
    assert w.dock("points").widget() is w.features["explorer"].widget.table and w.features["explorer"].widget.table.model.rowCount() == 5050
    # Every feature's panel has its dock, listed in the View menu.
    panels = {"Points": w.features["explorer"].widget.table, "Neighbours": w.features["neighbours"].panel,
              "Analogy": w.features["analogy"].panel, "Recommender": w.features["recommender"].training_panel,
              "User": w.features["recommender"].user_panel, "Word2vec": w.features["word2vec"].panel}
    docks = {d.windowTitle(): d for d in w.docks.values()}
    assert set(docks) >= set(panels)
    for title, panel in panels.items():
        assert docks[title].isAncestorOf(panel), title
    view_actions = w.menus["View"].actions()
    assert all(d.toggleViewAction() in view_actions for d in w.docks.values())


def test_ctrl_f_search_centres_and_highlights(qtbot, glove_window):
    w = glove_window
    emb = w.workspace.dataset
    w.activateWindow()
    qtbot.waitActive(w)
    qtbot.keyClick(w, QtCore.Qt.Key.Key_F, QtCore.Qt.KeyboardModifier.ControlModifier)
    edit = w.features["explorer"].widget.search.edit
    assert edit.hasFocus()
    with qtbot.waitSignal(w.features["explorer"].widget.focus_changed) as focus:
        qtbot.keyClicks(edit, "paris")
        qtbot.keyClick(edit, QtCore.Qt.Key.Key_Return)
    row = emb.row("paris")
    assert focus.args == [row] and w.features["explorer"].scatter.focus_row == row
    (x0, x1), (y0, y1) = w.features["explorer"].scatter.view_box.viewRange()
    px, py = w.features["explorer"].scatter.xy[row]
    assert abs((x0 + x1) / 2 - px) < 1e-3 * (x1 - x0) and abs((y0 + y1) / 2 - py) < 1e-3 * (y1 - y0)
    w.features["explorer"].scatter.relayout_labels()
    assert "paris" in w.features["explorer"].scatter.shown_labels
    # Esc (anywhere in the window) clears the highlight and the selection.
    w.workspace.selection.replace([row])
    qtbot.keyClick(w.features["neighbours"].panel.query_edit, QtCore.Qt.Key.Key_Escape)
    assert w.workspace.selection.count == 0 and w.features["explorer"].scatter.focus_row == -1


def test_table_and_scatter_share_the_selection(qtbot, glove_window):
    w = glove_window
    table = w.features["explorer"].widget.table
    click_table_row(table.view, 7)
    row = int(table.model.view_rows[7])
    assert w.workspace.selection.rows.tolist() == [row]
    assert "1 selected" in w.findChild(QtWidgets.QLabel, "statsLabel").text()
    # ... and the other way: selecting points shows them selected in the table.
    w.workspace.selection.replace([3, 40])
    picked = sorted(int(table.model.view_rows[i.row()]) for i in table.view.selectionModel().selectedRows())
    assert picked == [3, 40]
    assert "2 selected" in w.findChild(QtWidgets.QLabel, "statsLabel").text()


# ------------------------------------------------------------- neighbours / analogy
def test_neighbours_dock_fills_table_and_overlay(qtbot, glove_window):
    w = glove_window
    emb = w.workspace.dataset
    panel = w.features["neighbours"].panel
    w.show_dock("neighbours")
    qtbot.keyClicks(panel.query_edit, "france")
    qtbot.mouseClick(panel.search_button, QtCore.Qt.MouseButton.LeftButton)
    query = emb.row("france")
    expect = nearest(emb, query, k=panel.k_spin.value(), metric="cosine")
    assert [r[1] for r in panel.model.rows()] == [n.label for n in expect]
    # On the plot: the query (star) and its k neighbours, with a line from the query to each.
    nb = overlay(w, nbf.RESULTS_LAYER)
    assert overlay(w, nbf.QUERY_LAYER)["rows"].tolist() == [query]
    assert sorted(nb["rows"].tolist()) == sorted(n.row for n in expect)
    layer = w.workspace.layer(nbf.RESULTS_LAYER)
    assert layer.owner == "neighbours" and sorted(layer.rows.tolist()) == sorted(n.row for n in expect)
    assert layer.lines.shape == (len(expect), 2) and (layer.lines[:, 0] == query).all()
    # The scatter draws the lines resolved: from the query's point to each neighbour's.
    xy = w.features["explorer"].scatter.xy.astype(np.float64)
    np.testing.assert_allclose(np.asarray(nb["lines"]), xy[layer.lines], atol=1e-6)
    w.features["explorer"].scatter.relayout_labels()
    assert "france" in w.features["explorer"].scatter.shown_labels
    # Choosing a result row selects that point in the shared selection.
    click_table_row(panel.table, 2)
    assert w.workspace.selection.rows.tolist() == [expect[2].row]
    # Fewer neighbours: the overlay follows.
    panel.k_spin.setValue(3)
    assert len(overlay(w, nbf.RESULTS_LAYER)["rows"]) == 3
    assert len(w.workspace.layer(nbf.RESULTS_LAYER).rows) == len(overlay(w, nbf.RESULTS_LAYER)["lines"]) == 3


def test_clicking_a_point_queries_its_neighbours(qtbot, glove_window):
    w = glove_window
    w.show_dock("neighbours")
    w.features["explorer"].widget.focus_row(w.workspace.dataset.row("music"))  # zoomed in around a common word
    pix = viewport_pixels(w)
    vp = w.features["explorer"].scatter.plot_widget.viewport()
    inside = np.flatnonzero((pix[:, 0] > 20) & (pix[:, 0] < vp.width() - 20) & (pix[:, 1] > 20)
                            & (pix[:, 1] < vp.height() - 20))
    d = np.hypot(pix[inside, None, 0] - pix[None, :, 0], pix[inside, None, 1] - pix[None, :, 1])
    d[np.arange(len(inside)), inside] = np.inf
    isolated = inside[d.min(axis=1) >= ISOLATION_PX]
    assert len(isolated), "no isolated point to click"
    row = int(isolated[0])
    with qtbot.waitSignal(w.features["neighbours"].panel.rows_highlighted):
        click_viewport(w, pix[row])
    assert w.features["neighbours"].panel.current_row == row
    assert w.features["neighbours"].panel.query_edit.text() == w.workspace.dataset.labels[row]
    assert overlay(w, nbf.QUERY_LAYER)["rows"].tolist() == [row]


def test_analogy_shows_queen_and_the_parallelogram(qtbot, glove_window):
    w = glove_window
    emb = w.workspace.dataset
    panel = w.features["analogy"].panel
    w.show_dock("analogy")
    for edit, word in ((panel.a_edit, "man"), (panel.b_edit, "king"), (panel.c_edit, "woman")):
        qtbot.keyClicks(edit, word)
    qtbot.mouseClick(panel.solve_button, QtCore.Qt.MouseButton.LeftButton)
    assert panel.add_model.rows()[0][1] == "queen"
    a, b, c, q = (emb.row(t) for t in ("man", "king", "woman", "queen"))
    shape = overlay(w, anf.ARROWS_LAYER)
    assert sorted(shape["rows"].tolist()) == sorted([a, b, c, q])
    assert w.workspace.layer(anf.ARROWS_LAYER).arrows.tolist() == [[a, b], [c, q]]
    assert w.workspace.layer(anf.SIDES_LAYER).lines.tolist() == [[a, c], [b, q]]
    # Drawn as arrows a -> b and c -> queen, in the plot's coordinates.
    xy = w.features["explorer"].scatter.xy.astype(np.float64)
    np.testing.assert_allclose(np.asarray(shape["arrows"]), xy[[[a, b], [c, q]]], atol=1e-6)
    np.testing.assert_allclose(np.asarray(overlay(w, anf.SIDES_LAYER)["lines"]), xy[[[a, c], [b, q]]], atol=1e-6)

    def expected_xy():
        xy = w.features["explorer"].scatter.xy.astype(np.float64)
        # PCA is affine, so the projection of c + (b - a) is the parallelogram's fourth corner.
        return xy[c] + xy[b] - xy[a]

    np.testing.assert_allclose(overlay(w, anf.EXPECTED_LAYER)["xy"][0], expected_xy(), atol=1e-4)
    before = np.array(overlay(w, anf.EXPECTED_LAYER)["xy"][0])
    # Other components: the expected point is projected again (and the arrows follow their points).
    w.features["explorer"].x_combo.setCurrentIndex(2)
    np.testing.assert_allclose(overlay(w, anf.EXPECTED_LAYER)["xy"][0], expected_xy(), atol=1e-4)
    assert not np.allclose(overlay(w, anf.EXPECTED_LAYER)["xy"][0], before)
    xy = w.features["explorer"].scatter.xy.astype(np.float64)
    np.testing.assert_allclose(np.asarray(overlay(w, anf.ARROWS_LAYER)["arrows"]), xy[[[a, b], [c, q]]],
                               atol=1e-6)
    # "Neighbours of c + (b - a)" sends the vector to the Neighbours dock, drawn where it falls.
    qtbot.mouseClick(panel.show_button, QtCore.Qt.MouseButton.LeftButton)
    assert w.docks["neighbours"].isVisible()
    assert w.features["neighbours"].panel.results[0].label == "king"  # the raw vector's nearest word (no exclusion)
    np.testing.assert_allclose(overlay(w, nbf.QUERY_LAYER)["xy"][0], expected_xy(), atol=1e-4)


# ------------------------------------------------------------------ recommender
def open_ratings(qtbot, window: MainWindow, path) -> None:
    with qtbot.waitSignal(window.features["recommender"].ratings_loaded, timeout=LOAD_TIMEOUT_MS):
        window.commands.run("recommender.open_ratings", path)
    panel = window.features["recommender"].training_panel
    panel.factors.setValue(QUICK_FACTORS)
    panel.batch.setValue(QUICK_BATCH)


def test_training_updates_the_movie_scatter_each_epoch(qtbot, window, ml100k_dir):
    w = window
    open_ratings(qtbot, w, ml100k_dir)
    assert w.docks["recommender"].isVisible()
    panel = w.features["recommender"].training_panel
    panel.epochs.setValue(QUICK_EPOCHS)
    frames: list[tuple[int, np.ndarray, object]] = []
    w.workspace.frame_changed.connect(lambda e: frames.append((e, w.features["explorer"].scatter.xy.copy(), w.workspace.dataset)))
    calls = []
    real_set_data = w.features["explorer"].widget.set_data
    w.features["explorer"].widget.set_data = lambda *a, **kw: (calls.append(kw.get("keep_view")), real_set_data(*a, **kw))[1]
    with qtbot.waitSignal(panel.training_finished, timeout=TRAIN_TIMEOUT_MS) as done:
        qtbot.mouseClick(panel.start_button, QtCore.Qt.MouseButton.LeftButton)
    model = done.args[0]
    # One aligned frame per epoch, shown without reloading: set_data keeps the view after the first.
    assert [e for e, _, _ in frames] == list(range(1, QUICK_EPOCHS + 1))
    assert calls[:QUICK_EPOCHS] == [False] + [True] * (QUICK_EPOCHS - 1)
    assert all(xy.shape == (recf.MOVIE_TOP_N, 2) for _, xy, _ in frames)
    assert not np.allclose(frames[0][1], frames[-1][1]), "the points never moved"
    first_labels = frames[0][2].labels
    assert all(f[2].labels == first_labels for f in frames)  # same movies, same rows: points glide
    # The finished model's movies are the current set, coloured by genre, projected by PCA.
    emb = w.workspace.dataset
    assert emb.kind == "item" and emb.n == recf.MOVIE_TOP_N and w.workspace.pca is not None
    np.testing.assert_array_equal(emb.vectors, model.item_factors[model.most_rated(recf.MOVIE_TOP_N)])
    assert w.features["explorer"].widget.color_combo.currentText() == "genre" and w.features["explorer"].x_combo.isEnabled()
    # No mirror image when the finished model replaces the last frame: same side on both axes.
    last = frames[-1][1].astype(np.float64)
    final = w.features["explorer"].scatter.xy.astype(np.float64)
    assert (np.sum(last * final, axis=0) > 0).all()
    np.testing.assert_allclose(w.workspace.pca.transform(emb.vectors), w.workspace.pca.coords, atol=1e-4)
    assert w.features["recommender"].model is model
    qtbot.waitUntil(lambda: w.features["recommender"].user_panel.model is model)
    # The User dock's first user drawn on the plot: rated movies by rating, recommendations, the arrow.
    items, _ = model.seen(0)
    to_row = np.full(model.n_items, -1)
    to_row[model.most_rated(recf.MOVIE_TOP_N)] = np.arange(recf.MOVIE_TOP_N)
    shown = sorted(int(r) for r in to_row[items] if r >= 0)
    rated_names = [user_layers.RATED_LAYER.format(k) for k in palette.RATING]
    drawn = sorted(int(r) for name in rated_names if name in w.features["explorer"].scatter.overlay_names
                   for r in overlay(w, name)["rows"])
    assert drawn == shown and len(drawn) > 0
    recommended = [i for i, _ in model.recommend(0, w.features["recommender"].user_panel.n_spin.value())]
    assert sorted(overlay(w, user_layers.RECOMMENDED_LAYER)["rows"].tolist()) == sorted(
        int(r) for r in to_row[recommended] if r >= 0)
    assert user_layers.TASTE_LAYER in w.features["explorer"].scatter.overlay_names


def test_stop_keeps_the_last_epoch(qtbot, window, ml100k_dir):
    w = window
    open_ratings(qtbot, w, ml100k_dir)
    panel = w.features["recommender"].training_panel
    panel.epochs.setValue(LONG_EPOCHS)
    frames = []
    w.workspace.frame_changed.connect(frames.append)
    with qtbot.waitSignal(panel.training_finished, timeout=TRAIN_TIMEOUT_MS) as done:
        panel.start()
        qtbot.waitUntil(lambda: len(frames) >= 1, timeout=TRAIN_TIMEOUT_MS)
        qtbot.mouseClick(panel.stop_button, QtCore.Qt.MouseButton.LeftButton)
    model = done.args[0]
    assert model.info.get("cancelled") and 1 <= len(model.history) < LONG_EPOCHS
    assert frames == list(range(1, len(model.history) + 1))
    np.testing.assert_array_equal(w.workspace.dataset.vectors, model.item_factors[model.most_rated(recf.MOVIE_TOP_N)])


def test_close_during_training_applies_nothing_late(qtbot, settings, ml100k_dir):
    w = MainWindow(settings=settings, interactive=False)
    qtbot.addWidget(w)
    w.show()
    open_ratings(qtbot, w, ml100k_dir)
    panel = w.features["recommender"].training_panel
    panel.epochs.setValue(LONG_EPOCHS)
    finished, frames = [], []
    panel.training_finished.connect(finished.append)
    w.workspace.frame_changed.connect(frames.append)
    panel.start()
    qtbot.waitUntil(lambda: len(frames) >= 1, timeout=TRAIN_TIMEOUT_MS)
    w.close()
    assert not panel.is_training() and panel.runner.active_threads() == 0
    seen = len(frames)
    qtbot.wait(200)
    assert finished == [] and len(frames) == seen and w.features["recommender"].model is None


def test_opening_a_file_after_training_forgets_the_model(qtbot, window, ml100k_dir, glove_path):
    w = window
    open_ratings(qtbot, w, ml100k_dir)
    w.features["recommender"].training_panel.epochs.setValue(1)
    with qtbot.waitSignal(w.features["recommender"].training_panel.training_finished, timeout=TRAIN_TIMEOUT_MS):
        w.features["recommender"].training_panel.start()
    qtbot.waitUntil(lambda: any(n.startswith("recommender.") for n in w.features["explorer"].scatter.overlay_names))
    assert w.features["recommender"].model is not None
    assert any(layer.owner == "recommender" for layer in w.workspace.layers)
    with qtbot.waitSignal(w.workspace.dataset_changed, timeout=LOAD_TIMEOUT_MS):
        w.commands.run("loading.open_file", glove_path)
    assert w.features["recommender"].model is None and w.features["recommender"].user_panel.model is None
    assert not any(n.startswith("recommender.") for n in w.features["explorer"].scatter.overlay_names)
    assert not any(layer.owner == "recommender" for layer in w.workspace.layers)
    assert w.workspace.dataset.n == 5050 and w.features["explorer"].scatter.n == 5050


def test_colour_choice_survives_training_frames(qtbot, window, ml100k_dir):
    w = window
    open_ratings(qtbot, w, ml100k_dir)
    panel = w.features["recommender"].training_panel
    panel.epochs.setValue(QUICK_EPOCHS)
    colours = []

    def on_frame(epoch):
        if epoch == 1:
            w.features["explorer"].widget.set_color_by("year")  # the user picks another column while it trains
        colours.append(w.features["explorer"].widget.color_combo.currentText())

    w.workspace.frame_changed.connect(on_frame)
    with qtbot.waitSignal(panel.training_finished, timeout=TRAIN_TIMEOUT_MS):
        panel.start()
    assert colours == ["year"] * QUICK_EPOCHS


def test_find_neighbours_action_uses_the_searched_point(qtbot, glove_window):
    w = glove_window
    w.docks["neighbours"].hide()
    row = w.workspace.dataset.row("river")
    w.features["explorer"].widget.focus_row(row)
    w.features["neighbours"].find_action.trigger()
    assert w.docks["neighbours"].isVisible() and w.features["neighbours"].panel.current_row == row
    assert overlay(w, nbf.QUERY_LAYER)["rows"].tolist() == [row]


def test_command_line_movielens_train_and_colour(qtbot, ml100k_dir):
    """``embexplorer --movielens DIR --train 1 --color-by year``: trains, then applies the option."""
    import argparse

    from embexplorer._qt import app as gui_app

    seen = {}

    def look_and_close(w):
        seen["kind"] = w.workspace.dataset.kind
        seen["colour"] = w.features["explorer"].widget.color_combo.currentText()
        w.close()

    def close_when_trained():
        for w in QtWidgets.QApplication.topLevelWidgets():
            if isinstance(w, MainWindow) and w.isVisible() and w.features["recommender"].model is not None:
                # The view options are applied in the event-loop pass after the model's set is shown.
                QtCore.QTimer.singleShot(50, lambda w=w: look_and_close(w))
                return
        QtCore.QTimer.singleShot(20, close_when_trained)

    QtCore.QTimer.singleShot(0, close_when_trained)
    args = argparse.Namespace(path=None, format=None, limit=None, allow_pickle=False, screenshot=None,
                              size="1280x800", movielens=str(ml100k_dir), train=1, color_by="year",
                              search=None, select=None, neighbours=None, analogy=None, dock=None)
    assert gui_app.run_gui(args) == 0
    assert seen == {"kind": "item", "colour": "year"}


def test_a_new_set_of_the_same_size_starts_clean(qtbot, glove_window, tmp_path):
    """Rows of the old set mean nothing in the new one: selection, search ring and overlays go."""
    w = glove_window
    emb = w.workspace.dataset
    w.workspace.selection.replace([1, 2, 3])
    w.features["explorer"].widget.focus_row(5)
    w.features["neighbours"].panel.query_label("france")
    assert w.features["explorer"].scatter.overlay_names
    copy = tmp_path / "renamed.txt"
    with open(copy, "w", encoding="utf-8") as fh:
        for i, row in enumerate(emb.vectors[::-1]):
            fh.write(f"x{i} " + " ".join(f"{v:.5f}" for v in row) + "\n")
    with qtbot.waitSignal(w.workspace.dataset_changed, timeout=LOAD_TIMEOUT_MS):
        w.commands.run("loading.open_file", copy)
    assert w.workspace.dataset.n == emb.n and w.workspace.dataset.labels[0] == "x0"
    assert w.workspace.selection.count == 0 and w.features["explorer"].scatter.focus_row == -1 and w.features["explorer"].scatter.overlay_names == []


def test_dark_theme_reaches_the_docks(glove_window):
    w = glove_window
    role = QtGui.QPalette.ColorRole.Window
    light = w.docks["neighbours"].palette().color(role).lightness()
    w.features["explorer"].widget.dark_action.trigger()
    assert w.features["explorer"].scatter.theme == "dark"
    for d in w.docks.values():
        assert d.palette().color(role).lightness() < light - 100
    w.features["explorer"].widget.dark_action.trigger()
    assert w.docks["neighbours"].palette().color(role).lightness() == light


def test_final_projection_takes_the_signs_of_the_last_frame(glove_path):
    from embexplorer.core.analysis.pca import fit_pca
    from embexplorer.core.data.formats import load

    emb = load(glove_path)
    pca = fit_pca(emb.vectors, 4)
    previous = pca.coords[:, :2] * np.array([-1.0, 1.0])  # the live frame had PC1 mirrored
    matched = signs_matching(pca, previous)
    np.testing.assert_array_equal(matched.coords[:, 0], -pca.coords[:, 0])
    np.testing.assert_array_equal(matched.coords[:, 1:], pca.coords[:, 1:])
    np.testing.assert_allclose(matched.transform(emb.vectors[:50]), matched.coords[:50], atol=1e-4)
    assert signs_matching(pca, pca.coords[:, :2]) is pca
