"""What a screenshot shows, in pixels of the window: for ``--screenshot OUT.png --json`` and the tests.

The report lists every point label drawn (its rectangle), every highlight marker (its layer,
centre and rectangle), the "+N more" note, the layer legend's entries, and for every result
table in view how many of its rows are drawn whole, so that "no label overlaps another or a
marker" and "all ten neighbours are visible" can be checked on the real rendering.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from embexplorer._qt.widgets.results import visible_rows
from embexplorer._qt.widgets.scatter_theme import FOCUS_RING_PX


def _rect(r: QtCore.QRectF) -> list[float]:
    return [round(r.x(), 1), round(r.y(), 1), round(r.width(), 1), round(r.height(), 1)]


def _to_window(window, plot_widget, scene_rect: QtCore.QRectF) -> QtCore.QRectF:
    """A scene rectangle of ``plot_widget`` in the window's pixels."""
    view_rect = plot_widget.mapFromScene(scene_rect).boundingRect()
    top_left = plot_widget.viewport().mapTo(window, view_rect.topLeft())
    # mapFromScene rounds outwards by a pixel: keep the rectangle's exact size.
    return QtCore.QRectF(top_left.x(), top_left.y(), scene_rect.width(), scene_rect.height())


def plot_report(window, scatter) -> dict:
    """Labels, markers and the "+N more" note of ``scatter``, in pixels of ``window``."""
    pw = scatter.plot_widget
    labels = [{"text": text, "rect": _rect(_to_window(window, pw, box))}
              for text, box in zip(scatter.shown_labels, scatter.label_boxes())]
    markers = []
    vb = scatter.view_box
    area = vb.sceneBoundingRect()
    for name, x, y, size, hard in scatter.marker_list():
        if size > 0:
            markers.append(_marker(window, pw, vb, area, name, x, y, size, hard))
    focus = scatter.focus_row
    if focus >= 0:
        x, y = scatter.xy[focus]
        ring = FOCUS_RING_PX * scatter.overlay_scale
        markers.append(_marker(window, pw, vb, area, "focus", x, y, ring, True))
    plot = _to_window(window, pw, area)
    return {"plot": _rect(plot), "labels": labels, "markers": [m for m in markers if m is not None],
            "more": int(scatter.labels_not_shown), "more_text": scatter.more_text}


def _marker(window, pw, vb, area, name, x, y, size, hard) -> dict | None:
    p = vb.mapViewToScene(QtCore.QPointF(float(x), float(y)))
    if not area.contains(p):
        return None  # out of view: not drawn
    scene = QtCore.QRectF(p.x() - size / 2, p.y() - size / 2, size, size)
    r = _to_window(window, pw, scene)
    # "hard": a labelled layer's marker, which no label may cover (see ScatterView.relayout_labels).
    centre = [round(r.center().x(), 1), round(r.center().y(), 1)]
    return {"layer": name, "hard": bool(hard), "center": centre, "rect": _rect(r)}


def table_report(window) -> dict:
    """Every result table shown in a dock: its rows and how many are drawn whole."""
    out = {}
    for key, dock in window.docks.items():
        if not _on_screen(dock):
            continue
        for i, table in enumerate(dock.findChildren(QtWidgets.QTableView)):
            if not _on_screen(table):
                continue
            name = key if i == 0 else f"{key}.{table.objectName() or i}"
            model = table.model()
            g = table.geometry()
            top_left = table.parentWidget().mapTo(window, g.topLeft())
            out[name] = {"rows": model.rowCount() if model is not None else 0,
                         "visible_rows": visible_rows(table),
                         "rect": [top_left.x(), top_left.y(), g.width(), g.height()]}
    return out


def _on_screen(widget) -> bool:
    """Shown and not behind another tab (a dock tabbed away stays "visible" to Qt)."""
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


def toolbar_overflow(window) -> list[str]:
    """Toolbars with items pushed into their overflow ("»") menu, by object name or title."""
    hidden = []
    for tb in window.findChildren(QtWidgets.QToolBar):
        if not tb.isVisible():
            continue
        ext = tb.findChild(QtWidgets.QToolButton, "qt_toolbar_ext_button")
        if ext is not None and ext.isVisible():
            hidden.append(tb.objectName() or tb.windowTitle() or "toolbar")
    return hidden


def screenshot_report(window) -> dict:
    """The whole report of ``window`` as drawn now (see the module docstring)."""
    explorer = window.features.get("explorer")
    report: dict = {"size": [window.width(), window.height()]}
    if explorer is not None and explorer.scatter.isVisible():
        report.update(plot_report(window, explorer.scatter))
        legend = explorer.legend
        report["legend"] = legend.texts() if legend.isVisible() else []
    else:
        report.update({"labels": [], "markers": [], "more": 0, "more_text": "", "legend": []})
    report["tables"] = table_report(window)
    report["toolbar_overflow"] = toolbar_overflow(window)
    report["docks"] = [k for k, d in window.docks.items() if _on_screen(d)]
    sb = window.statusBar()
    report["status"] = [w.text() for w in sb.findChildren(QtWidgets.QLabel) if w.isVisible() and w.text()]
    report["status_message"] = sb.currentMessage()
    return report


def overlaps(rects: list[list[float]], others: list[list[float]] | None = None, tol: float = 0.5) -> list:
    """Pairs of indices whose rectangles ``[x, y, w, h]`` overlap by more than ``tol`` pixels.

    With ``others``, pairs ``(i, j)`` of ``rects[i]`` over ``others[j]``; without, pairs within ``rects``.
    """
    def hit(a, b) -> bool:
        return (min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]) > tol
                and min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]) > tol)

    if others is None:
        n = len(rects)
        return [(i, j) for i in range(n) for j in range(i + 1, n) if hit(rects[i], rects[j])]
    return [(i, j) for i in range(len(rects)) for j in range(len(others)) if hit(rects[i], others[j])]
