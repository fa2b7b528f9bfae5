"""Point labels of the scatter view: which points to label, where, and one item drawing them all.

Labels of the search focus and the overlays come first, then the selected points in
view; with "label points in view", the first rows in view (most frequent first in
sorted files) are candidates after them.
:func:`~embexplorer.core.view.labels.place_labels` places them in that priority
order so that none overlaps another or a highlighted marker, displacing a label
(drawn with a leader line) when the places around its point are taken; the
focus, overlay and selected labels that still do not fit are counted in a
"+N more" note.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.widgets.scatter_theme import LABEL_FONT_PT
from embexplorer.core.view.labels import PRIORITY_IN_VIEW, PRIORITY_LAYER, PRIORITY_SELECTED, place_labels

#: Most labels drawn for "label all points in view" (besides the forced ones).
LABELS_IN_VIEW_MAX = 150
#: Most forced labels (selection, query, neighbours) tried at once (a box selection of a few
#: hundred words is tried whole; what does not fit is counted in the "+N more" note).
LABELS_FORCED_MAX = 600
#: Candidates (in row order, i.e. most frequent first) considered for in-view labels.
LABEL_CANDIDATES_MAX = 1200
#: Margin around label text (pixels).
LABEL_MARGIN_PX = 1
#: Stacking of the label layer: above the plotted items (the ViewBox's child group).
LABEL_Z = 1e6
#: Opacity (0-255) of leader lines from a displaced label to its point.
LEADER_ALPHA = 170
#: The "+N more" note: distance from the plot's lower right corner (pixels).
MORE_NOTE_MARGIN_PX = 6


def in_range(x: np.ndarray, y: np.ndarray, x0: float, x1: float, y0: float, y1: float) -> np.ndarray:
    """Mask of points inside ``[x0, x1] x [y0, y1]`` (separate columns: no (n, 2) copy)."""
    m = x >= x0
    m &= x <= x1
    m &= y >= y0
    m &= y <= y1
    return m


def label_entries(x: np.ndarray, y: np.ndarray, labels: Sequence[str], view_range, *,
                  forced_rows: Sequence[int], extra: Sequence[tuple[float, float, str]], selected: np.ndarray,
                  in_view: bool, visible: np.ndarray | None) -> list[tuple[float, float, str, int]]:
    """The labels to try, each with its priority, most important first.

    Parameters
    ----------
    x, y : ndarray
        Point coordinates.
    labels : sequence of str
        One label per point.
    view_range : ((x0, x1), (y0, y1))
        The visible data range.
    forced_rows : sequence of int
        Rows labelled first (focus, overlay rows): :data:`~embexplorer.core.view.labels.PRIORITY_LAYER`.
    extra : sequence of (x, y, text)
        Labels of positions that are not rows (e.g. an analogy's expected point), as high.
    selected : ndarray of int
        Selected rows (those in view are labelled, :data:`~embexplorer.core.view.labels.PRIORITY_SELECTED`).
    in_view : bool
        Also try the first rows in view (up to :data:`LABEL_CANDIDATES_MAX`), lowest priority.
    visible : ndarray of bool, optional
        Points not hidden by the legend (hidden ones get no in-view label).

    Returns
    -------
    list of (x, y, text, priority)
    """
    (vx0, vx1), (vy0, vy1) = view_range
    seen: set[int] = set()
    layer = [r for r in forced_rows if not (r in seen or seen.add(r))][:LABELS_FORCED_MAX]
    sel: list[int] = []
    if len(selected):
        inview = selected[in_range(x[selected], y[selected], vx0, vx1, vy0, vy1)]
        sel = [r for r in (int(r) for r in inview[:LABELS_FORCED_MAX]) if not (r in seen or seen.add(r))]
    out = [(float(x[r]), float(y[r]), str(labels[r]), PRIORITY_LAYER) for r in layer]
    out += [(float(ex), float(ey), str(t), PRIORITY_LAYER) for ex, ey, t in extra]
    out += [(float(x[r]), float(y[r]), str(labels[r]), PRIORITY_SELECTED) for r in sel]
    if in_view:
        m = in_range(x, y, vx0, vx1, vy0, vy1)
        if visible is not None:
            m &= visible
        out += [(float(x[r]), float(y[r]), str(labels[r]), PRIORITY_IN_VIEW)
                for r in (int(r) for r in np.flatnonzero(m)[:LABEL_CANDIDATES_MAX]) if r not in seen]
    return out


def anchor_radius(entries: Sequence[tuple[float, float, str, int]], markers: np.ndarray,
                  point_size: float) -> list[float]:
    """Half the marker size at each entry's anchor: overlay labels keep clear of the largest overlay
    marker, the others of their point."""
    layer_r = float(markers[:, 2].max()) / 2 if len(markers) else point_size / 2
    return [layer_r if e[3] == PRIORITY_LAYER else point_size / 2 for e in entries]


class LabelLayer(QtWidgets.QGraphicsObject):
    """All point labels in one item, drawn with QPainter (no Qt object per label).

    Each entry is ``(x, y, text, dx, dy, width, height, leader)``: the anchor in data
    coordinates and the box's offset and size in pixels, exactly as
    :func:`~embexplorer.core.view.labels.place_labels` tested it; the anchor is mapped
    at every paint so labels follow pans and zooms until the next layout.
    """

    def __init__(self, view_box: pg.ViewBox) -> None:
        super().__init__(view_box)
        self._vb = view_box
        self.entries: list[tuple] = []
        #: Focus, overlay and selected labels that found no place (the "+N more" note).
        self.more = 0
        #: Scene rectangles no label may cover (panels floating over the plot).
        self.keepout: list[QtCore.QRectF] = []
        self.font = QtGui.QFont()
        self.font.setPointSize(LABEL_FONT_PT)
        self.text_color = QtGui.QColor("#1a1a1a")
        self.fill = QtGui.QColor(255, 255, 255, 190)
        self.setZValue(LABEL_Z)

    def boundingRect(self) -> QtCore.QRectF:
        return self._vb.rect()

    def set_entries(self, entries: list[tuple], more: int = 0) -> None:
        """Draw these placed labels (see the class docstring for the entry form)."""
        self.entries = entries
        self.more = int(more)
        self.update()

    def lay_out(self, entries: Sequence[tuple[float, float, str, int]], markers: np.ndarray,
                radius: Sequence[float]) -> None:
        """Place ``(x, y, text, priority)`` labels: none overlaps another or a marker.

        Parameters
        ----------
        entries : sequence of (x, y, text, priority)
            From :func:`label_entries`.
        markers : ndarray (m, 4)
            Highlighted markers ``(x, y, diameter in pixels, hard)`` in data coordinates: no label covers
            one; those with ``hard`` 0 (of layers without labels) only while there is room elsewhere.
        radius : sequence of float
            Half the marker size at each entry's anchor (its label keeps clear of it).
        """
        if not entries:
            self.set_entries([])
            return
        fm = QtGui.QFontMetrics(self.font)
        # View -> scene with one affine transform for all points (no per-point Qt calls).
        self._vb.updateMatrix()
        tr = self._vb.childGroup.sceneTransform()

        def to_px(xy: np.ndarray) -> np.ndarray:
            return np.column_stack([tr.m11() * xy[:, 0] + tr.m21() * xy[:, 1] + tr.m31(),
                                    tr.m12() * xy[:, 0] + tr.m22() * xy[:, 1] + tr.m32()])

        anchors = to_px(np.array([(e[0], e[1]) for e in entries], dtype=np.float64))
        # Box = text plus a margin on each side.
        m = 2 * LABEL_MARGIN_PX + 2
        sizes = np.array([(fm.horizontalAdvance(e[2]) + m, fm.height() + m) for e in entries], dtype=float)
        mk = np.asarray(markers, dtype=np.float64).reshape(-1, 4)
        c = to_px(mk[:, :2])
        half = mk[:, 2:3] / 2
        area = self._vb.sceneBoundingRect()  # labels stay inside the plot (none cut at its edges)
        bounds = (area.left(), area.top(), area.right(), area.bottom())
        keep = np.array([(r.left(), r.top(), r.right(), r.bottom()) for r in self.keepout]).reshape(-1, 4)
        rects = np.concatenate([np.column_stack([c - half, c + half]), keep])
        hard = np.concatenate([mk[:, 3] > 0, np.ones(len(keep), dtype=bool)])
        prio = np.array([e[3] for e in entries])
        radius = np.asarray(radius, dtype=float)
        # No label may sit nearer another labelled or highlighted point than its own (it would be read
        # as that point's).
        points = np.concatenate([anchors, c])
        placed = place_labels(anchors, sizes, prio, markers=rects, radius=radius, bounds=bounds,
                              max_labels={PRIORITY_IN_VIEW: LABELS_IN_VIEW_MAX}, points=points)
        kept, boxes, leader = placed.kept, placed.boxes, placed.leader
        missing = np.setdiff1d(np.flatnonzero(prio > PRIORITY_IN_VIEW), kept)
        if len(missing) and not hard.all():
            # Second chance on top of markers of layers that are not labelled (a user's rated squares):
            # a title over a few of them reads better than no titles at all.
            again = place_labels(anchors[missing], sizes[missing], prio[missing],
                                 markers=np.concatenate([rects[hard], boxes]), radius=radius[missing],
                                 bounds=bounds, points=points)
            kept = np.concatenate([kept, missing[again.kept]])
            boxes = np.concatenate([boxes, again.boxes])
            leader = np.concatenate([leader, again.leader])
        more = len(np.setdiff1d(missing, kept))
        # Offsets from the anchor: the box is drawn exactly where it was tested, and follows a pan.
        self.set_entries([(entries[i][0], entries[i][1], entries[i][2], float(b[0] - anchors[i, 0]),
                           float(b[1] - anchors[i, 1]), float(b[2] - b[0]), float(b[3] - b[1]), bool(lead))
                          for i, b, lead in zip(kept.tolist(), boxes, leader)], more)

    def _anchors(self) -> list[QtCore.QPointF]:
        tr = self._vb.childGroup.transform()
        return [tr.map(QtCore.QPointF(e[0], e[1])) for e in self.entries]

    def boxes(self) -> list[QtCore.QRectF]:
        """Label boxes in ViewBox-local pixels, in the order of :attr:`entries`."""
        return [QtCore.QRectF(pt.x() + e[3], pt.y() + e[4], e[5], e[6])
                for pt, e in zip(self._anchors(), self.entries)]

    def more_text(self) -> str:
        """The note on labels that found no place ("" when all did)."""
        return f"+{self.more} more" if self.more else ""

    def paint(self, p: QtGui.QPainter, opt, widget=None) -> None:
        if not self.entries and not self.more:
            return
        p.save()
        p.setClipRect(self._vb.rect())
        p.setFont(self.font)
        p.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        boxes = self.boxes()
        lead = QtGui.QColor(self.text_color)
        lead.setAlpha(LEADER_ALPHA)
        p.setPen(QtGui.QPen(lead, 1.0))
        # Leader lines first (under every box), from the point to the nearest point of its box.
        for pt, box, e in zip(self._anchors(), boxes, self.entries):
            if e[7]:
                near = QtCore.QPointF(min(max(pt.x(), box.left()), box.right()),
                                      min(max(pt.y(), box.top()), box.bottom()))
                p.drawLine(pt, near)
        p.setPen(self.text_color)
        for box, e in zip(boxes, self.entries):
            p.fillRect(box, self.fill)
            p.drawText(box, int(QtCore.Qt.AlignmentFlag.AlignCenter), e[2])
        if self.more:
            self._paint_more(p)
        p.restore()

    def _paint_more(self, p: QtGui.QPainter) -> None:
        # Lower right corner of the plot: out of the way of the legend (upper right) and the axes.
        text = self.more_text()
        fm = QtGui.QFontMetrics(self.font)
        w, h = fm.horizontalAdvance(text) + 8, fm.height() + 4
        r = self._vb.rect()
        box = QtCore.QRectF(r.right() - w - MORE_NOTE_MARGIN_PX, r.bottom() - h - MORE_NOTE_MARGIN_PX, w, h)
        p.fillRect(box, self.fill)
        p.drawText(box, int(QtCore.Qt.AlignmentFlag.AlignCenter), text)
