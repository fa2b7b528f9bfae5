"""Point labels of the scatter view: which points to label, where, and one item drawing them all.

Forced labels (search focus, overlays, selected points in view) come first;
with "label points in view", the first rows in view (most frequent first in
sorted files) are candidates after them.
:func:`~embexplorer.core.view.scatter_math.place_labels` keeps the labels that
fit without overlapping, each at one of four corners of its point.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.widgets.scatter_theme import LABEL_FONT_PT
from embexplorer.core.view.scatter_math import LABEL_CORNERS, label_box, place_labels

#: Most labels drawn for "label all points in view" (besides the forced ones).
LABELS_IN_VIEW_MAX = 150
#: Most forced labels (selection, query, neighbours) drawn at once.
LABELS_FORCED_MAX = 120
#: Candidates (in row order, i.e. most frequent first) considered for in-view labels.
LABEL_CANDIDATES_MAX = 1200
#: Margin around label text (pixels).
LABEL_MARGIN_PX = 1
#: Stacking of the label layer: above the plotted items (the ViewBox's child group).
LABEL_Z = 1e6


def in_range(x: np.ndarray, y: np.ndarray, x0: float, x1: float, y0: float, y1: float) -> np.ndarray:
    """Mask of points inside ``[x0, x1] x [y0, y1]`` (separate columns: no (n, 2) copy)."""
    m = x >= x0
    m &= x <= x1
    m &= y >= y0
    m &= y <= y1
    return m


def label_entries(x: np.ndarray, y: np.ndarray, labels: Sequence[str], view_range, *,
                  forced_rows: Sequence[int], extra: Sequence[tuple[float, float, str]], selected: np.ndarray,
                  in_view: bool, visible: np.ndarray | None) -> tuple[list[tuple[float, float, str]], int]:
    """The labels to try, in priority order, and how many of them are forced.

    Parameters
    ----------
    x, y : ndarray
        Point coordinates.
    labels : sequence of str
        One label per point.
    view_range : ((x0, x1), (y0, y1))
        The visible data range.
    forced_rows : sequence of int
        Rows always labelled (focus, overlay rows), before the selected rows in view.
    extra : sequence of (x, y, text)
        Labels of positions that are not rows (e.g. an analogy's expected point), also forced.
    selected : ndarray of int
        Selected rows (those in view are labelled).
    in_view : bool
        Also try the first rows in view (up to :data:`LABEL_CANDIDATES_MAX`).
    visible : ndarray of bool, optional
        Points not hidden by the legend (hidden ones get no in-view label).

    Returns
    -------
    entries : list of (x, y, text)
        Forced rows, then ``extra``, then the in-view candidates.
    n_forced : int
        Number of forced entries at the front.
    """
    (vx0, vx1), (vy0, vy1) = view_range
    rows = list(forced_rows)
    if len(selected):
        inview = selected[in_range(x[selected], y[selected], vx0, vx1, vy0, vy1)]
        rows.extend(int(r) for r in inview[:LABELS_FORCED_MAX])
    seen: set[int] = set()
    forced = [r for r in rows if not (r in seen or seen.add(r))][:LABELS_FORCED_MAX]
    cand = list(forced)
    if in_view:
        m = in_range(x, y, vx0, vx1, vy0, vy1)
        if visible is not None:
            m &= visible
        fs = set(forced)
        cand += [int(r) for r in np.flatnonzero(m)[:LABEL_CANDIDATES_MAX] if int(r) not in fs]
    entries = [(float(x[r]), float(y[r]), str(labels[r])) for r in cand]
    # The non-row labels (e.g. the analogy target) go with the forced ones, before the in-view candidates.
    entries = entries[:len(forced)] + list(extra) + entries[len(forced):]
    return entries, len(forced) + len(extra)


class LabelLayer(QtWidgets.QGraphicsObject):
    """All point labels in one item, drawn with QPainter (no Qt object per label).

    Each entry is ``(x, y, text, corner, width, height)`` in data coordinates plus
    the box size in pixels; the box sits at ``corner`` of the point exactly as
    :func:`~embexplorer.core.view.scatter_math.place_labels` tested it, recomputed at
    every paint so labels follow pans and zooms.
    """

    def __init__(self, view_box: pg.ViewBox) -> None:
        super().__init__(view_box)
        self._vb = view_box
        self.entries: list[tuple] = []
        self.font = QtGui.QFont()
        self.font.setPointSize(LABEL_FONT_PT)
        self.text_color = QtGui.QColor("#1a1a1a")
        self.fill = QtGui.QColor(255, 255, 255, 190)
        self.setZValue(LABEL_Z)

    def boundingRect(self) -> QtCore.QRectF:
        return self._vb.rect()

    def set_entries(self, entries: list[tuple]) -> None:
        """Draw these placed labels (see the class docstring for the entry form)."""
        self.entries = entries
        self.update()

    def lay_out(self, entries: Sequence[tuple[float, float, str]], n_forced: int) -> None:
        """Place ``(x, y, text)`` labels without overlaps: all forced ones that fit, then the others.

        At most :data:`LABELS_IN_VIEW_MAX` besides the forced ones; every label stays inside the plot.
        """
        if not entries:
            self.set_entries([])
            return
        fm = QtGui.QFontMetrics(self.font)
        pts = np.array([(e[0], e[1]) for e in entries], dtype=np.float64)
        # View -> scene with one affine transform for all points (no per-point Qt calls).
        self._vb.updateMatrix()
        tr = self._vb.childGroup.sceneTransform()
        px = tr.m11() * pts[:, 0] + tr.m21() * pts[:, 1] + tr.m31()
        py = tr.m12() * pts[:, 0] + tr.m22() * pts[:, 1] + tr.m32()
        # Box = text plus a margin on each side.
        m = 2 * LABEL_MARGIN_PX + 2
        height = fm.height() + m
        widths = np.array([fm.horizontalAdvance(e[2]) + m for e in entries], dtype=float)
        area = self._vb.sceneBoundingRect()  # labels stay inside the plot (none cut at its edges)
        keep, corner = place_labels(px, py, widths, height, n_forced + LABELS_IN_VIEW_MAX, n_forced=n_forced,
                                    bounds=(area.left(), area.top(), area.right(), area.bottom()))
        # Each label keeps the corner place_labels chose: drawn exactly where its box was tested.
        self.set_entries([(entries[i][0], entries[i][1], entries[i][2], LABEL_CORNERS[k], float(widths[i]),
                           float(height)) for i, k in zip(keep, corner)])

    def boxes(self) -> list[QtCore.QRectF]:
        """Label boxes in ViewBox-local pixels, in the order of :attr:`entries`."""
        tr = self._vb.childGroup.transform()
        out = []
        for x, y, _text, corner, w, h in self.entries:
            pt = tr.map(QtCore.QPointF(x, y))
            x0, y0, x1, y1 = label_box(pt.x(), pt.y(), w, h, corner)
            out.append(QtCore.QRectF(x0, y0, x1 - x0, y1 - y0))
        return out

    def paint(self, p: QtGui.QPainter, opt, widget=None) -> None:
        if not self.entries:
            return
        p.save()
        p.setClipRect(self._vb.rect())
        p.setFont(self.font)
        p.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
        for box, (_x, _y, text, *_rest) in zip(self.boxes(), self.entries):
            p.fillRect(box, self.fill)
            p.setPen(self.text_color)
            p.drawText(box, int(QtCore.Qt.AlignmentFlag.AlignCenter), text)
        p.restore()
