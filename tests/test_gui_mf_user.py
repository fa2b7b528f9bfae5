"""The per-user MF panel driven with qtbot: ratings table, recommendations, explanations, what-if user."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore

from embexplorer._qt.features.recommender.user_panel import NEW_USER, VALUE_ROLE, MFUserPanel
from embexplorer.core.recommender.mf import MFConfig, train
from embexplorer.core.recommender.movielens import load_movielens, split_ratings


@pytest.fixture(scope="module")
def model(shared_data):
    path = shared_data / "ml-100k"
    if not (path / "u.data").is_file():
        pytest.skip("ml-100k not in the shared data folder")
    data = load_movielens(path)
    split = split_ratings(data, "u1")
    return train(data, MFConfig(n_factors=16, epochs=3), split.train, split.test)


@pytest.fixture
def panel(qtbot, model):
    p = MFUserPanel()
    qtbot.addWidget(p)
    p.show()
    p.set_model(model)
    return p


def _column(table, col):
    return [table.item(r, col).data(VALUE_ROLE) for r in range(table.rowCount())]


def _keys(table):
    return [table.item(r, 0).data(QtCore.Qt.ItemDataRole.UserRole) for r in range(table.rowCount())]


def test_user_ratings_table_and_sorting(qtbot, panel, model):
    with qtbot.waitSignal(panel.user_selected) as sig:
        panel.user_box.setCurrentIndex(4)
        panel.user_box.activated.emit(4)
    assert sig.args == [4]
    items, ratings = model.seen(4)
    t = panel.ratings_table
    assert t.rowCount() == len(items) and sorted(_keys(t)) == sorted(items.tolist())
    assert model.user_meta["occupation"][4] in panel.info.text()
    # a click on the "error" header sorts numerically (negative errors included)
    header = t.horizontalHeader()
    x = header.sectionViewportPosition(3) + header.sectionSize(3) // 2
    qtbot.mouseClick(header.viewport(), QtCore.Qt.MouseButton.LeftButton,
                     pos=QtCore.QPoint(x, header.height() // 2))
    errors = _column(t, 3)
    assert errors == sorted(errors) or errors == sorted(errors, reverse=True)
    assert min(errors) < 0 < max(errors)
    row = 0
    item = t.item(row, 0).data(QtCore.Qt.ItemDataRole.UserRole)
    pred = model.predict([4], [item])[0]
    assert t.item(row, 2).data(VALUE_ROLE) == pytest.approx(pred, abs=1e-6)


def test_recommendations_exclude_rated_and_toggle(qtbot, panel, model):
    panel.select_user(0)
    rated = set(model.seen(0)[0].tolist())
    keys = _keys(panel.recs_table)
    assert len(keys) == panel.n_spin.value() and not rated & set(keys)
    assert keys == [i for i, _ in model.recommend(0, panel.n_spin.value())]
    panel.tabs.setCurrentIndex(1)  # the Recommendations tab
    with qtbot.waitSignal(panel.highlight_changed) as sig:
        qtbot.mouseClick(panel.include_seen, QtCore.Qt.MouseButton.LeftButton)
    assert panel.include_seen.isChecked()
    keys_all = _keys(panel.recs_table)
    assert keys_all == [i for i, _ in model.recommend(0, panel.n_spin.value(), exclude_seen=False)]
    hl = sig.args[0]
    assert hl["recommended"].tolist() == keys_all and set(hl["rated"].tolist()) == rated
    np.testing.assert_array_equal(hl["vector"], model.user_factors[0])
    # selecting a recommendation explains it; the parts add up to the score shown
    panel.recs_table.selectRow(0)
    text = panel.explanation.text()
    assert "baseline" in text and "movie bias" in text and "taste" in text
    parts = [panel.recs_table.item(0, c).data(VALUE_ROLE) for c in range(1, 5)]
    d = model.decompose(0, keys_all[0])
    assert parts[0] == pytest.approx(d.baseline + sum(parts[1:]), abs=1e-5)


def test_similar_users(panel, model):
    panel.select_user(2)
    keys = _keys(panel.similar_table)
    assert keys == [u for u, _ in model.similar_users(2, panel.n_spin.value())] and 2 not in keys


def test_what_if_user_fold_in(qtbot, panel, model):
    star_wars = model.item_row("50")
    with qtbot.waitSignal(panel.user_selected) as sig:
        qtbot.mouseClick(panel.new_user_button, QtCore.Qt.MouseButton.LeftButton)
    assert sig.args == [NEW_USER] and panel.recs_table.rowCount() == 0
    panel.movie_edit.setText(model.titles[star_wars])
    panel.rating_spin.setValue(5.0)
    with qtbot.waitSignal(panel.highlight_changed) as hl:
        qtbot.mouseClick(panel.rate_button, QtCore.Qt.MouseButton.LeftButton)
    assert hl.args[0]["rated"].tolist() == [star_wars]
    empire, horror = model.item_row("172"), model.item_row("200")
    panel.rate(empire, 5.0)
    panel.rate(horror, 1.0)
    vec, bias = panel.new_user
    ref_vec, ref_bias = model.fold_in([star_wars, empire, horror], [5.0, 5.0, 1.0])
    np.testing.assert_allclose(vec, ref_vec, rtol=1e-5, atol=1e-6)
    assert bias == pytest.approx(ref_bias)
    assert panel.ratings_table.rowCount() == 3
    keys = _keys(panel.recs_table)
    assert not {star_wars, empire, horror} & set(keys)
    assert keys == [i for i, _ in model.recommend_for_vector(vec, bias, panel.n_spin.value(),
                                                             exclude=[star_wars, empire, horror])]
    # re-rating replaces the earlier rating
    panel.rate(horror, 4.0)
    assert panel.ratings_table.rowCount() == 3
    panel.movie_edit.setText("No Such Movie (2099)")
    qtbot.mouseClick(panel.rate_button, QtCore.Qt.MouseButton.LeftButton)
    assert "No movie titled" in panel.info.text()


# -- movies activated from the lists, the title column, the movie-bias view --------------------------------

def _click_row(qtbot, table, row, column=0):
    table.scrollToItem(table.item(row, column))
    rect = table.visualItemRect(table.item(row, column))
    qtbot.mouseClick(table.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=rect.center())


def test_clicking_a_movie_emits_its_item_index(qtbot, panel, model):
    panel.select_user(7)
    t = panel.ratings_table
    row = t.rowCount() // 2
    want = t.item(row, 0).data(QtCore.Qt.ItemDataRole.UserRole)
    with qtbot.waitSignal(panel.movie_activated) as sig:
        _click_row(qtbot, t, row, column=2)  # any cell of the row names its movie
    assert sig.args == [want] and want in model.seen(7)[0].tolist()
    panel.tabs.setCurrentIndex(1)
    rec = panel.recs_table
    want = rec.item(3, 0).data(QtCore.Qt.ItemDataRole.UserRole)
    with qtbot.waitSignal(panel.movie_activated) as sig:
        _click_row(qtbot, rec, 3)
    assert sig.args == [want] and want == model.recommend(7, panel.n_spin.value())[3][0]
    # Enter on the current row activates it too
    rec.setFocus()
    rec.setCurrentCell(5, 0)
    want = rec.item(5, 0).data(QtCore.Qt.ItemDataRole.UserRole)
    with qtbot.waitSignal(panel.movie_activated) as sig:
        qtbot.keyClick(rec, QtCore.Qt.Key.Key_Return)
    assert sig.args == [want]


def test_title_column_takes_the_spare_width_with_full_title_tooltip(qtbot, panel, model):
    panel.resize(430, 500)
    panel.select_user(0)
    qtbot.wait(10)
    t = panel.ratings_table
    header = t.horizontalHeader()
    widths = [header.sectionSize(c) for c in range(t.columnCount())]
    assert widths[0] > max(widths[1:])
    assert sum(widths) == pytest.approx(t.viewport().width(), abs=2)  # no spare width left over
    longest = max(range(t.rowCount()), key=lambda r: len(t.item(r, 0).text()))
    item = t.item(longest, 0)
    assert item.toolTip() == item.text() == model.titles[item.data(QtCore.Qt.ItemDataRole.UserRole)]


def test_movie_bias_view(qtbot, panel, model):
    from embexplorer._qt.features.recommender.user_panel import BIAS_LIST_N

    view = panel.bias_view
    panel.tabs.setCurrentWidget(view)
    low, high = model.extreme_biases(BIAS_LIST_N, view.min_spin.value())
    assert view.listed_items() == [i for i, _ in low]
    view.side.setCurrentIndex(1)
    assert view.listed_items() == [i for i, _ in high]
    assert [view.table.item(r, 1).data(VALUE_ROLE) for r in range(view.table.rowCount())] == pytest.approx(
        [b for _, b in high], abs=1e-6)
    counts = np.asarray(model.item_meta["counts"])
    rows, x, y = view.plotted()
    assert set(rows.tolist()) == set(np.flatnonzero(counts >= view.min_spin.value()).tolist())
    np.testing.assert_allclose(x, np.asarray(model.item_meta["means"])[rows])
    np.testing.assert_allclose(y, model.item_bias[rows])
    # popularity on the x axis; a lower threshold plots (and may list) more movies
    view.x_combo.setCurrentIndex(1)
    np.testing.assert_allclose(view.plotted()[1], np.log10(counts[view.plotted()[0]]))
    view.min_spin.setValue(1)
    assert len(view.plotted()[0]) == int((counts >= 1).sum()) > len(rows)
    assert "correlates with average rating" in view.summary.text()
    # a click in the list, and a click on a plotted movie, ask the window to centre it
    with qtbot.waitSignal(panel.movie_activated) as sig:
        _click_row(qtbot, view.table, 2)
    assert sig.args == [view.listed_items()[2]]
    qtbot.wait(50)  # the plot lays out its view box
    rows, x, y = view.plotted()
    k = int(np.argmax(y))  # the highest bias (listed, ringed): an outlier, no neighbour under the cursor
    vb = view.plot.getPlotItem().vb
    pos = view.plot.mapFromScene(vb.mapViewToScene(QtCore.QPointF(x[k], y[k])))
    with qtbot.waitSignal(panel.movie_activated) as sig:
        qtbot.mouseClick(view.plot.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=pos)
    assert sig.args == [int(rows[k])]


def test_bias_view_without_biases(qtbot, model):
    from dataclasses import replace

    from embexplorer._qt.features.recommender.user_panel import MovieBiasView

    plain = model.copy()
    plain.config = replace(model.config, use_bias=False)
    view = MovieBiasView()
    qtbot.addWidget(view)
    view.set_model(plain)
    assert view.table.rowCount() == 0 and "without biases" in view.summary.text()
    view.set_model(None)
    assert view.summary.text() == "" and len(view.plotted()[0]) == 0
