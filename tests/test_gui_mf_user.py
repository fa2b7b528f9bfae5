"""The per-user MF panel driven with qtbot: ratings table, recommendations, explanations, what-if user."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore

from embexplorer._qt.panels.mf_user import NEW_USER, VALUE_ROLE, MFUserPanel
from embexplorer.core.mf import MFConfig, train
from embexplorer.core.movielens import load_movielens, split_ratings


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
