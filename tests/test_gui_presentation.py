"""Presentation mode on the real window and the real GloVe vectors: sizes, theme, clutter,
exact restore, numbered 2x slides."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.features.presentation import feature as pm
from embexplorer._qt.features.presentation import slides

#: Milliseconds to wait for a load + PCA.
LOAD_TIMEOUT_MS = 30_000


@pytest.fixture
def window(qtbot, make_main_window, glove_path):
    w = make_main_window(size=None)
    with qtbot.waitSignal(w.workspace.dataset_changed, timeout=LOAD_TIMEOUT_MS):
        w.commands.run("loading.open_file", glove_path)
    w.commands.run("explorer.finish_setup")
    w.activateWindow()
    qtbot.waitActive(w)
    yield w
    w.features["presentation"].set_active(False)


def mode(w):
    return w.features["presentation"]


def plot(w):
    """The explorer's widget (scatter, Size box, Dark action)."""
    return w.features["explorer"].widget


def state(w) -> dict:
    """Everything presentation mode may change, as plain values."""
    sc = plot(w).scatter
    app = QtWidgets.QApplication.instance()
    app.processEvents()  # a new application font reaches the widgets by events
    query = sc.overlay_items("neighbours.query")
    marker = [it for it in query if hasattr(it, "opts") and "size" in it.opts]
    return {
        "app_font": app.font().toString(),
        "widget_font": w.features["neighbours"].panel.font().pointSizeF(),
        "point_size": sc.point_size,
        "size_box": plot(w).size_spin.value(),
        "label_font": sc.label_font_size,
        "tick_font": sc.plot_widget.getPlotItem().getAxis("bottom").style["tickFont"].pointSizeF(),
        "query_marker": marker[0].opts["size"] if marker else None,
        "theme": sc.theme,
        "background": sc.plot_widget.backgroundBrush().color().name(),
        "axis_pen": sc.plot_widget.getPlotItem().getAxis("left").pen().widthF(),
        "dark": plot(w).dark_action.isChecked(),
        "toolbar": w.toolbar.isVisible(),
        "status_bar": w.statusBar().isVisible(),
        "points_dock": w.docks["points"].isVisible(),
        "neighbours_dock": w.docks["neighbours"].isVisible(),
        "labels": sc.shown_labels,
        "label_height": max((b.height() for b in sc.label_boxes()), default=0.0),
    }


def test_presentation_mode_enlarges_hides_and_restores_exactly(qtbot, window):
    w = window
    w.show_dock("neighbours")
    w.commands.run("neighbours.query_label", "paris")
    plot(w).scatter.relayout_labels()
    before = state(w)
    assert before["toolbar"] and before["status_bar"] and before["points_dock"]
    assert before["query_marker"] is not None

    with qtbot.waitSignal(mode(w).toggled):
        qtbot.keyClick(w, QtCore.Qt.Key.Key_F11)
    assert mode(w).active and mode(w).action.isChecked()
    plot(w).scatter.relayout_labels()
    on = state(w)
    assert on["app_font"] != before["app_font"]
    assert on["widget_font"] == pytest.approx(before["widget_font"] * pm.FONT_SCALE, rel=0.05)
    assert on["point_size"] == on["size_box"] == round(before["point_size"] * pm.POINT_SCALE)
    assert on["label_font"] == pytest.approx(before["label_font"] * pm.FONT_SCALE)
    assert on["tick_font"] == pytest.approx(before["tick_font"] * pm.FONT_SCALE)
    assert on["query_marker"] == pytest.approx(before["query_marker"] * pm.OVERLAY_SCALE)
    assert on["theme"] == "contrast" and on["background"] == "#ffffff"
    assert on["axis_pen"] > before["axis_pen"]
    assert not on["toolbar"] and not on["status_bar"] and not on["points_dock"]
    assert on["neighbours_dock"]  # the analysis panel in use stays
    # The label layout is recomputed with the big font: taller boxes, the query still labelled.
    assert on["label_height"] > 1.4 * before["label_height"] > 0
    assert "paris" in on["labels"] and "paris" in before["labels"]

    with qtbot.waitSignal(mode(w).toggled):
        qtbot.keyClick(w, QtCore.Qt.Key.Key_F11)
    assert not mode(w).active
    plot(w).scatter.relayout_labels()
    assert state(w) == before


def test_dark_theme_is_kept_and_restored(qtbot, window):
    w = window
    plot(w).dark_action.setChecked(True)
    before = state(w)
    mode(w).set_active(True)
    assert plot(w).scatter.theme == "dark"
    plot(w).dark_action.setChecked(False)  # changed while presenting ...
    mode(w).set_active(False)
    assert state(w) == before  # ... and still put back as it was before
    assert w.palette() == plot(w).palette()


def test_menu_item_toggles_too(qtbot, window, make_main_window):
    w = window
    actions = {a.text().replace("&", ""): a for a in w.menus["View"].actions()}
    actions["Presentation Mode"].trigger()
    assert mode(w).active and w.toolbar.isHidden()
    actions["Presentation Mode"].trigger()
    assert not mode(w).active and not w.toolbar.isHidden()
    # Closing while presenting saves the real layout and gives the font back.
    font = QtWidgets.QApplication.instance().font().toString()
    mode(w).set_active(True)
    w.close()
    assert not mode(w).active and QtWidgets.QApplication.instance().font().toString() == font
    probe = make_main_window(show=False)  # the same settings file
    probe.show_central("plot")  # not the start page, which puts the docks away
    assert probe.restore_layout()
    assert not probe.toolbar.isHidden() and not probe.docks["points"].isHidden()


def test_export_key_writes_numbered_2x_slides_without_overwriting(qtbot, window, tmp_path):
    w = window
    folder = tmp_path / "slides"
    folder.mkdir()
    (folder / "embexplorer-002.png").write_bytes(b"keep me")  # a slide from an earlier talk
    assert mode(w).export_slide() is None  # no folder chosen and no dialog in tests
    mode(w).set_export_dir(folder)
    mode(w).set_active(True)
    vp = plot(w).scatter.plot_widget.viewport()
    with qtbot.waitSignal(mode(w).exported) as first:
        qtbot.keyClick(w, QtCore.Qt.Key.Key_F12)
    w.commands.run("neighbours.query_label", "king")
    with qtbot.waitSignal(mode(w).exported) as second:
        qtbot.keyClick(w, QtCore.Qt.Key.Key_F12)
    assert [first.args[0], second.args[0]] == [str(folder / "embexplorer-003.png"),
                                               str(folder / "embexplorer-004.png")]
    assert (folder / "embexplorer-002.png").read_bytes() == b"keep me"
    for path in (first.args[0], second.args[0]):
        img = QtGui.QImage(path)
        assert (img.width(), img.height()) == (2 * vp.width(), 2 * vp.height())
    # The two slides differ (the second has king's neighbours drawn) and are not blank.
    a = QtGui.QImage(first.args[0])
    b = QtGui.QImage(second.args[0])
    assert a != b
    pixels = np.frombuffer(a.constBits(), dtype=np.uint8, count=a.sizeInBytes())
    assert len(np.unique(pixels)) > 10
    assert not list(folder.glob("*.part"))
    # The folder is remembered in the window's settings (a new session of the app uses it).
    assert w.settings.value(pm.KEY_EXPORT_DIR) == str(folder)


def test_reserved_names_never_collide(tmp_path):
    paths = [slides.reserve_slide_path(tmp_path) for _ in range(3)]
    assert [p.name for p in paths] == ["embexplorer-001.png", "embexplorer-002.png", "embexplorer-003.png"]
    (tmp_path / "embexplorer-1000.png").touch()
    assert slides.next_slide_number(tmp_path) == 1001


def test_the_plot_gets_most_of_the_width_and_the_panels_come_back(qtbot, window):
    w = window
    w.resize(1280, 800)
    w.show_dock("analogy")  # a wide panel
    qtbot.wait(20)
    before = w.dock("analogy").width()
    mode(w).action.trigger()
    qtbot.wait(20)
    # The panels keep their share of the width, more (up to DOCK_MAX_SHARE) when the wide Analogy panel
    # needs it at the large font: nothing of it is cut off.
    assert w.centralWidget().width() >= (1 - pm.DOCK_MAX_SHARE) * w.width() - 40
    mode(w).action.trigger()
    qtbot.wait(20)
    assert abs(w.dock("analogy").width() - before) <= 2
