"""Command-line view options (``--search``, ``--select``, ``--neighbours``, ``--analogy``, ``--dock``)
applied to a window holding the real GloVe file, as ``embexplorer PATH --search king`` does."""

from __future__ import annotations

import argparse

import pytest
from PySide6 import QtCore, QtWidgets

from embexplorer._qt.app import apply_view_options
from embexplorer.core.errors import DataError

TIMEOUT_MS = 30_000


def options(**given) -> argparse.Namespace:
    names = ("search", "select", "color_by", "neighbours", "analogy", "dock")
    return argparse.Namespace(**{n: given.get(n) for n in names})


@pytest.fixture
def window(qtbot, make_main_window, glove_path):
    w = make_main_window(size=None)
    with qtbot.waitSignal(w.workspace.dataset_changed, timeout=TIMEOUT_MS):
        w.commands.run("loading.open_file", glove_path)
    return w


def test_search_select_and_dock(window):
    emb = window.workspace.dataset
    apply_view_options(window, options(search="KING", select="queen,prince", dock=["analogy"]))
    king = emb.row("king")
    assert window.features["explorer"].scatter.focus_row == king
    assert window.features["explorer"].widget.search.edit.text() == "king"  # the box says what is highlighted
    assert set(window.workspace.selection.rows.tolist()) == {emb.row("queen"), emb.row("prince")}
    assert window.dock("analogy").isVisible()


def test_neighbours_and_analogy_fill_their_panels(qtbot, window):
    emb = window.workspace.dataset
    with qtbot.waitSignal(window.features["neighbours"].panel.rows_highlighted, timeout=TIMEOUT_MS):
        apply_view_options(window, options(neighbours="paris"))
    assert window.features["neighbours"].panel.current_row == emb.row("paris")
    apply_view_options(window, options(analogy="man,king,woman"))
    arrows = window.workspace.layer("analogy.arrows")  # a -> b and c -> the answer, on the plot
    assert arrows is not None and arrows.arrows.tolist() == [[emb.row(t) for t in ("man", "king")],
                                                             [emb.row(t) for t in ("woman", "queen")]]
    assert window.dock("analogy").isVisible() and window.features["analogy"].panel.add_model.rows()[0][1] == "queen"


@pytest.mark.parametrize("given, option, reason", [
    ({"search": "nosuchword"}, "--search", "no point labelled 'nosuchword'"),
    ({"color_by": "nosuchcolumn"}, "--color-by", "no metadata column 'nosuchcolumn'"),
    ({"analogy": "man,king"}, "--analogy", "expected three labels"),
    ({"dock": ["nosuchdock"]}, "--dock", "no panel called 'nosuchdock'")])
def test_bad_option_names_the_option(window, given, option, reason):
    with pytest.raises(DataError) as err:
        apply_view_options(window, options(**given))
    assert option in str(err.value) and reason in str(err.value)


def _widget_pos(window, row: int) -> QtCore.QPoint:
    x, y = (float(v) for v in window.features["explorer"].scatter.xy[row])
    scene = window.features["explorer"].scatter.view_box.mapViewToScene(QtCore.QPointF(x, y))
    return window.features["explorer"].scatter.plot_widget.mapFromScene(scene)


def _action(menu, text: str):
    for a in menu.actions():
        if a.text().replace("&", "").startswith(text):
            return a
        if a.menu() is not None:
            found = _action(a.menu(), text)
            if found is not None:
                return found
    return None


def test_right_click_menu_acts_on_the_point_under_the_cursor(qtbot, window):
    emb = window.workspace.dataset
    window.commands.run("explorer.finish_setup")
    apply_view_options(window, options(search="paris"))  # centred: paris is on screen
    paris = emb.row("paris")
    menu = window.features["explorer"].plot_context_menu(_widget_pos(window, paris))
    assert menu.property("row") == paris
    with qtbot.waitSignal(window.features["neighbours"].panel.rows_highlighted, timeout=TIMEOUT_MS):
        _action(menu, "Find Neighbours of “paris”").trigger()
    assert window.features["neighbours"].panel.current_row == paris and window.dock("neighbours").isVisible()
    _action(menu, "Add to Selection").trigger()
    assert paris in window.workspace.selection.rows.tolist()
    _action(menu, "as b").trigger()
    assert window.features["analogy"].panel.b_edit.text() == "paris"
    _action(menu, "Copy Label").trigger()

    assert QtWidgets.QApplication.clipboard().text() == "paris"
    # Far from every point: only the view actions.
    empty = window.features["explorer"].plot_context_menu(QtCore.QPoint(2, 2))
    assert empty.property("row") == -1 and _action(empty, "Zoom to Fit") is not None
    assert _action(empty, "Select") is None


def test_right_click_on_the_plot_opens_the_menu(qtbot, window):
    window.commands.run("explorer.finish_setup")
    apply_view_options(window, options(search="paris"))
    pos = _widget_pos(window, window.workspace.dataset.row("paris"))
    qtbot.mouseClick(window.features["explorer"].scatter.plot_widget.viewport(), QtCore.Qt.MouseButton.RightButton, pos=pos)

    def shown_menu():
        return next((m for m in QtWidgets.QApplication.topLevelWidgets()
                     if isinstance(m, QtWidgets.QMenu) and m.isVisible() and m.property("row") is not None), None)

    qtbot.waitUntil(lambda: shown_menu() is not None, timeout=TIMEOUT_MS)
    menu = shown_menu()
    assert menu.isVisible() and menu.property("row") == window.workspace.dataset.row("paris")
    menu.close()
