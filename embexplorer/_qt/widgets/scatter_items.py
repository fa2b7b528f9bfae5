"""Small graphics items of the scatter view: grid lines, click-through markers, a selecting ViewBox."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

#: Stacking of the grid (below everything) and of the selection rubber band (above everything).
GRID_Z = -1e5
RUBBER_Z = 1e9
#: Tick levels that get grid lines (major, minor) and their default opacities (0-255).
GRID_LEVELS = 2
GRID_ALPHA = (38, 14)
#: Rubber band (box and lasso) outline width (pixels) and fill opacity (0-255).
RUBBER_WIDTH_PX = 1.2
RUBBER_FILL_ALPHA = 28
#: Drag modes of :class:`SelectViewBox`: what a left drag does.
DRAG_MODES = ("pan", "box", "lasso")


class GridItem(QtWidgets.QGraphicsObject):
    """Light grid lines at the axis ticks.

    pyqtgraph's own grid (``showGrid``) costs ~22 ms per repaint at 1200x800
    here -- more than drawing a million points -- so the lines are drawn by
    this item instead: a few dozen cosmetic lines in device coordinates.
    """

    def __init__(self, view_box: pg.ViewBox, plot_item: pg.PlotItem) -> None:
        super().__init__(view_box)
        self._vb = view_box
        self._pi = plot_item
        self._color = QtGui.QColor(0, 0, 0)
        self._alpha = GRID_ALPHA
        self.setZValue(GRID_Z)
        self.setFlag(self.GraphicsItemFlag.ItemStacksBehindParent, False)

    def set_style(self, color: str, major_alpha: int, minor_alpha: int) -> None:
        """Line colour and the opacities (0-255) of major and minor lines."""
        self._color = QtGui.QColor(color)
        self._alpha = (major_alpha, minor_alpha)
        self.update()

    def boundingRect(self) -> QtCore.QRectF:
        return self._vb.rect()

    def paint(self, p: QtGui.QPainter, opt, widget=None) -> None:
        rect = self._vb.rect()
        (x0, x1), (y0, y1) = self._vb.viewRange()
        if x1 <= x0 or y1 <= y0 or rect.width() <= 0 or rect.height() <= 0:
            return
        tr = self._vb.childGroup.transform()
        p.save()
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        for side, lo, hi, size in (("bottom", x0, x1, rect.width()), ("left", y0, y1, rect.height())):
            levels = self._pi.getAxis(side).tickValues(lo, hi, size)
            for level, (_, values) in enumerate(levels[:GRID_LEVELS]):
                c = QtGui.QColor(self._color)
                c.setAlpha(self._alpha[min(level, 1)])
                pen = QtGui.QPen(c, 0)
                pen.setCosmetic(True)
                p.setPen(pen)
                lines = []
                for v in values:
                    if side == "bottom":
                        x = tr.map(QtCore.QPointF(v, 0)).x()
                        lines.append(QtCore.QLineF(x, rect.top(), x, rect.bottom()))
                    else:
                        y = tr.map(QtCore.QPointF(0, v)).y()
                        lines.append(QtCore.QLineF(rect.left(), y, rect.right(), y))
                if lines:
                    p.drawLines(lines)
        p.restore()


class PassiveScatter(pg.ScatterPlotItem):
    """A ScatterPlotItem that never takes clicks: they reach the view (selection)."""

    def mouseClickEvent(self, ev) -> None:
        ev.ignore()


class SelectViewBox(pg.ViewBox):
    """A ViewBox whose left drag can draw a selection box or lasso instead of panning."""

    sigBoxSelected = QtCore.Signal(object, object)  # (x0, y0, x1, y1), modifiers
    sigLassoSelected = QtCore.Signal(object, object)  # polygon (m, 2), modifiers
    sigPointClicked = QtCore.Signal(object, object)  # QPointF (data), modifiers
    sigContextClicked = QtCore.Signal(object)  # scene position of a right click (not a right drag)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.drag_mode = "pan"
        self._lasso: list[tuple[float, float]] = []
        self._band = QtWidgets.QGraphicsRectItem()
        self._band.setZValue(RUBBER_Z)
        self._band.hide()
        self._path = QtWidgets.QGraphicsPathItem()
        self._path.setZValue(RUBBER_Z)
        self._path.hide()
        self.set_rubber_color((40, 40, 40))
        self.addItem(self._band, ignoreBounds=True)
        self.addItem(self._path, ignoreBounds=True)

    def set_rubber_color(self, rgb: tuple[int, int, int]) -> None:
        """Colour of the box and lasso outlines (their fill is a faint tint of it)."""
        pen = QtGui.QPen(QtGui.QColor(*rgb), RUBBER_WIDTH_PX, QtCore.Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        fill = QtGui.QColor(*rgb, RUBBER_FILL_ALPHA)
        for item in (self._band, self._path):
            item.setPen(pen)
            item.setBrush(fill)

    def mouseClickEvent(self, ev) -> None:
        if ev.button() == QtCore.Qt.MouseButton.LeftButton:
            ev.accept()
            self.sigPointClicked.emit(self.mapSceneToView(ev.scenePos()), ev.modifiers())
            return
        if ev.button() == QtCore.Qt.MouseButton.RightButton:
            # A click, not a press: right-drag still zooms, as in every pyqtgraph plot.
            ev.accept()
            self.sigContextClicked.emit(ev.scenePos())
            return
        super().mouseClickEvent(ev)

    def mouseDragEvent(self, ev, axis=None) -> None:
        if (axis is not None or ev.button() != QtCore.Qt.MouseButton.LeftButton
                or self.drag_mode not in ("box", "lasso")):
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        start = self.mapSceneToView(ev.buttonDownScenePos())
        here = self.mapSceneToView(ev.scenePos())
        if self.drag_mode == "box":
            rect = QtCore.QRectF(start, here).normalized()
            self._band.setRect(rect)
            self._band.setVisible(not ev.isFinish())
            if ev.isFinish():
                self.sigBoxSelected.emit((start.x(), start.y(), here.x(), here.y()), ev.modifiers())
            return
        if ev.isStart():
            self._lasso = [(start.x(), start.y())]
        self._lasso.append((here.x(), here.y()))
        path = QtGui.QPainterPath(QtCore.QPointF(*self._lasso[0]))
        for x, y in self._lasso[1:]:
            path.lineTo(x, y)
        path.closeSubpath()
        self._path.setPath(path)
        self._path.setVisible(not ev.isFinish())
        if ev.isFinish():
            poly = np.asarray(self._lasso, dtype=np.float64)
            self._lasso = []
            self.sigLassoSelected.emit(poly, ev.modifiers())
