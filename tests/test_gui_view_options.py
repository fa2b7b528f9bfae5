"""Command-line view options (``--search``, ``--select``, ``--neighbours``, ``--analogy``, ``--dock``)
applied to a window holding the real GloVe file, as ``embexplorer PATH --search king`` does."""

from __future__ import annotations

import argparse

import pytest
from PySide6 import QtCore

from embexplorer._qt.app import apply_view_options
from embexplorer._qt.main_window import MainWindow
from embexplorer.core.errors import DataError

TIMEOUT_MS = 30_000


def options(**given) -> argparse.Namespace:
    names = ("search", "select", "color_by", "neighbours", "analogy", "dock")
    return argparse.Namespace(**{n: given.get(n) for n in names})


@pytest.fixture
def window(qtbot, tmp_path, glove_path):
    settings = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    w = MainWindow(settings=settings, interactive=False)
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.embeddings_changed, timeout=TIMEOUT_MS):
        w.open_file(glove_path)
    yield w
    w.shutdown_tasks(5.0)


def test_search_select_and_dock(window):
    emb = window.embeddings
    apply_view_options(window, options(search="KING", select="queen,prince", dock=["analogy"]))
    king = emb.row("king")
    assert window.scatter.focus_row == king
    assert window.explorer.search.edit.text() == "king"  # the box says what is highlighted
    assert set(window.selection.rows.tolist()) == {emb.row("queen"), emb.row("prince")}
    assert window.dock("analogy").isVisible()


def test_neighbours_and_analogy_fill_their_panels(qtbot, window):
    emb = window.embeddings
    with qtbot.waitSignal(window.neighbours_panel.rows_highlighted, timeout=TIMEOUT_MS):
        apply_view_options(window, options(neighbours="paris"))
    assert window.neighbours_panel.current_row == emb.row("paris")
    apply_view_options(window, options(analogy="man,king,woman"))
    assert window._analogy is not None and emb.labels[window._analogy["rows"][3]] == "queen"


@pytest.mark.parametrize("given, option", [({"search": "nosuchword"}, "--search"),
                                           ({"color_by": "nosuchcolumn"}, "--color-by"),
                                           ({"analogy": "man,king"}, "--analogy"),
                                           ({"dock": ["nosuchdock"]}, "--dock")])
def test_bad_option_names_the_option(window, given, option):
    with pytest.raises(DataError) as err:
        apply_view_options(window, options(**given))
    assert option in str(err.value)
