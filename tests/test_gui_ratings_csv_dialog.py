"""The ratings column dialog driven with qtbot on ml-100k's u.data rewritten with odd columns."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from embexplorer._qt.features.recommender.ratings_csv_dialog import (
    NO_COLUMN,
    RatingsColumnsDialog,
    ask_ratings_columns,
)
from embexplorer.core.errors import DataError
from embexplorer.core.recommender.movielens import NeedsColumnMapping, load_movielens, load_ratings_csv

#: Column order written: rating, timestamp, item, user (u.data is user, item, rating, timestamp).
ORDER = [2, 3, 1, 0]
HEADER = ["stars", "seconds", "thing", "person"]


@pytest.fixture(scope="module")
def odd_file(shared_data, tmp_path_factory):
    src = shared_data / "ml-100k" / "u.data"
    if not src.is_file():
        pytest.skip("ml-100k not in the shared data folder")
    raw = np.loadtxt(src, dtype=np.int64)
    path = tmp_path_factory.mktemp("odd") / "export.txt"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(";".join(HEADER) + "\n")
        fh.writelines(";".join(map(str, row)) + "\n" for row in raw[:, ORDER])
    return path, raw


@pytest.fixture
def dialog(qtbot, odd_file):
    d = RatingsColumnsDialog(odd_file[0])
    qtbot.addWidget(d)
    d.show()
    return d


def _choose(qtbot, combo, column):
    """Pick ``column`` in a role combo with the keyboard, as a user would."""
    combo.setFocus()
    target = combo.findData(column)
    key = QtCore.Qt.Key.Key_Down if target > combo.currentIndex() else QtCore.Qt.Key.Key_Up
    while combo.currentIndex() != target:
        qtbot.keyClick(combo, key)


def test_preview_guess_fix_and_read(qtbot, dialog, odd_file):
    path, raw = odd_file
    assert dialog.delimiter() == ";" and dialog.header_check.isChecked()
    assert dialog.preview.rowCount() == 20 and dialog.preview.columnCount() == 4
    assert dialog.preview.item(0, 3).text() == str(raw[0, 0])
    m = dialog.mapping()
    # names decide user ("person") and rating ("stars"); "thing"/"seconds" mean nothing: item guessed wrong
    assert (m["user"], m["rating"], m["item"], m["timestamp"]) == (3, 0, 1, None)
    assert "[item]" in dialog.preview.horizontalHeaderItem(1).text()
    _choose(qtbot, dialog.role_combos["item"], 3)  # the user's column: not allowed twice
    assert not dialog.ok_button.isEnabled() and "same column" in dialog.problem.text()
    _choose(qtbot, dialog.role_combos["item"], 2)
    assert dialog.ok_button.isEnabled() and dialog.problem.text() == ""
    _choose(qtbot, dialog.role_combos["timestamp"], 1)
    assert dialog.role_combos["title"].currentText() == NO_COLUMN
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.ok_button, QtCore.Qt.MouseButton.LeftButton)
    mapping = dialog.mapping()
    assert mapping == {"user": 3, "item": 2, "rating": 0, "timestamp": 1, "title": None,
                       "delimiter": ";", "has_header": True}
    r = load_ratings_csv(path, mapping)
    assert (len(r), r.n_users, r.n_items) == (100_000, 943, 1_682)
    u = np.array(r.user_ids, dtype=np.int64)[r.users]
    i = np.array(r.item_ids, dtype=np.int64)[r.items]
    np.testing.assert_array_equal(np.stack([u, i, r.ratings.astype(np.int64), r.timestamps], 1), raw)


def test_header_and_delimiter_controls_refresh_preview(qtbot, dialog):
    qtbot.mouseClick(dialog.header_check, QtCore.Qt.MouseButton.LeftButton)
    assert not dialog.header_check.isChecked()
    assert [dialog.preview.item(0, c).text() for c in range(4)] == HEADER  # the header is a row now
    assert not dialog.ok_button.isEnabled() and "is the first line a header" in dialog.problem.text()
    qtbot.mouseClick(dialog.header_check, QtCore.Qt.MouseButton.LeftButton)
    assert dialog.ok_button.isEnabled()
    dialog.delimiter_combo.setCurrentIndex(dialog.delimiter_combo.findData(","))
    assert dialog.preview.columnCount() == 1 and not dialog.ok_button.isEnabled()
    dialog.delimiter_combo.setCurrentIndex(dialog.delimiter_combo.findData(";"))
    assert dialog.preview.columnCount() == 4 and dialog.ok_button.isEnabled()


def test_ask_ratings_columns_after_needs_mapping(qtbot, odd_file):
    path, _ = odd_file
    with pytest.raises(NeedsColumnMapping) as err:
        load_movielens(path)

    def answer():
        d = QtWidgets.QApplication.activeModalWidget()
        assert isinstance(d, RatingsColumnsDialog)
        d.role_combos["item"].setCurrentIndex(d.role_combos["item"].findData(2))
        qtbot.mouseClick(d.ok_button, QtCore.Qt.MouseButton.LeftButton)

    QtCore.QTimer.singleShot(0, answer)
    mapping = ask_ratings_columns(None, err.value.path)
    assert (mapping["user"], mapping["item"], mapping["rating"]) == (3, 2, 0)
    r = load_movielens(err.value.path, mapping=mapping)
    assert (len(r), r.n_users, r.n_items) == (100_000, 943, 1_682)

    def cancel():
        d = QtWidgets.QApplication.activeModalWidget()
        d.reject()

    QtCore.QTimer.singleShot(0, cancel)
    assert ask_ratings_columns(None, path) is None


def test_unreadable_file_raises(tmp_path):
    p = tmp_path / "empty.csv"
    p.write_text("")
    with pytest.raises(DataError, match="empty"):
        RatingsColumnsDialog(p)
