"""Presentation mode gives back every geometry, column width, splitter and font exactly (issue 13),
and fits a 1280x800 window."""

from __future__ import annotations

from PySide6 import QtWidgets

from embexplorer._qt.shell.report import toolbar_overflow

#: Milliseconds to wait for a load + PCA.
LOAD_TIMEOUT_MS = 30_000


def path(widget, top) -> str:
    """A name for ``widget`` that survives widgets being rebuilt: class and place among its siblings."""
    parts = []
    while widget is not None and widget is not top:
        parent = widget.parentWidget()
        same = [c for c in (parent.children() if parent is not None else []) if type(c) is type(widget)]
        parts.append(f"{type(widget).__name__}{widget.objectName()}[{same.index(widget)}]")
        widget = parent
    return "/".join(reversed(parts))


def snapshot(w) -> dict:
    """Geometry and font of every shown widget of the window, table column widths, splitter sizes."""
    app = QtWidgets.QApplication.instance()
    for _ in range(3):
        app.processEvents()
    out = {}
    for child in w.findChildren(QtWidgets.QWidget):
        if not child.isVisible() or child.isWindow() or child.visibleRegion().isEmpty():
            continue
        key = path(child, w)
        g = child.geometry()
        out[key] = (g.x(), g.y(), g.width(), g.height(), child.font().toString())
        if isinstance(child, QtWidgets.QTableView):
            cols = child.model().columnCount() if child.model() is not None else 0
            out[key + ":columns"] = [child.columnWidth(c) for c in range(cols)]
        if isinstance(child, QtWidgets.QSplitter):
            out[key + ":sizes"] = child.sizes()
    out["window"] = (w.width(), w.height(), app.font().toString())
    return out


def settled_snapshot(qtbot, w) -> dict:
    """:func:`snapshot` once the layout has settled (deferred set-up and resizes run in later event-loop
    slices, later still on a busy machine): background work has finished (its result may change the
    status bar, e.g. the projection's faithfulness) and two snapshots 50 ms apart agree."""
    qtbot.waitUntil(lambda: not w.runner.running_kinds(), timeout=SETTLE_TASKS_MS)
    qtbot.wait(SETTLE_MS)  # the last result's handlers run in the next event-loop slices
    last = snapshot(w)
    for _ in range(SETTLE_TRIES):
        qtbot.wait(SETTLE_MS)
        now = snapshot(w)
        if now == last:
            break
        last = now
    return last


#: How often, and how far apart (ms), the layout is looked at until it stops changing.
SETTLE_TRIES, SETTLE_MS = 40, 50
#: Longest wait (ms) for the window's background tasks (PCA, faithfulness, a query) to finish.
SETTLE_TASKS_MS = 60_000


def test_round_trip_restores_every_geometry_width_and_font(qtbot, make_main_window, glove_path):
    w = make_main_window(size=(1280, 800))
    with qtbot.waitSignal(w.workspace.dataset_changed, timeout=LOAD_TIMEOUT_MS):
        w.commands.run("loading.open_file", glove_path)
    w.commands.run("explorer.finish_setup")
    w.show_dock("neighbours")
    w.commands.run("neighbours.query_label", "paris")
    mode = w.features["presentation"]
    before = settled_snapshot(qtbot, w)
    mode.set_active(True)
    on = snapshot(w)
    assert on != before
    # At 1280x800 the panel in use fits: nothing of it is cut off on the right.
    panel = w.features["neighbours"].panel
    for child in (panel.search_button, panel.case_check):
        right = child.mapTo(w, child.rect().topRight()).x()
        assert child.isVisible() and right <= w.width(), type(child).__name__
    assert toolbar_overflow(w) == []  # the plot's toolbar fits at the large font
    assert w.features["explorer"].widget.search.isVisible()
    mode.set_active(False)
    after = settled_snapshot(qtbot, w)
    diff = {k: (before.get(k), after.get(k)) for k in set(before) | set(after) if before.get(k) != after.get(k)}
    assert not diff, "\n".join(f"{k}: {v}" for k, v in sorted(diff.items()))
