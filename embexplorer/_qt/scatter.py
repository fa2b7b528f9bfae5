"""Scatter view of projected points.

Placeholder implementation (a plain ScatterPlotItem); the scatter-explorer
work replaces the internals while keeping this public API.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets


class ScatterView(QtWidgets.QWidget):
    """A 2-D scatter of projected points.

    Signals
    -------
    point_hovered(int)
        Row under the cursor (-1 when none).
    point_clicked(int)
        Row clicked.
    """

    point_hovered = QtCore.Signal(int)
    point_clicked = QtCore.Signal(int)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot_widget = pg.PlotWidget(parent=self)
        self.plot_widget.setBackground("w")
        self.plot_widget.showGrid(x=True, y=True, alpha=0.15)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget)
        self._pen = pg.mkPen(None)
        self._brush = pg.mkBrush(31, 119, 180, 160)
        self._item = pg.ScatterPlotItem(size=4, pen=self._pen, brush=self._brush, pxMode=True)
        self.plot_widget.addItem(self._item)
        self._xy = np.empty((0, 2), dtype=np.float32)
        self._labels: Sequence[str] = ()

    @property
    def view_box(self) -> pg.ViewBox:
        return self.plot_widget.getPlotItem().getViewBox()

    def set_points(self, xy: np.ndarray, labels: Sequence[str]) -> None:
        """Show ``xy`` (n x 2) with one label per point, and zoom to fit."""
        self._xy = np.ascontiguousarray(xy, dtype=np.float32)
        self._labels = labels
        self._item.setData(x=self._xy[:, 0], y=self._xy[:, 1])
        self.zoom_to_fit()

    def set_axis_labels(self, x: str, y: str) -> None:
        """Axis titles, e.g. ``"PC1 (12.3 %)"``."""
        item = self.plot_widget.getPlotItem()
        item.setLabel("bottom", x)
        item.setLabel("left", y)

    def zoom_to_fit(self) -> None:
        """Fit all points in view."""
        if len(self._xy):
            self.view_box.autoRange(padding=0.05)

    def clear(self) -> None:
        """Remove all points."""
        self._xy = np.empty((0, 2), dtype=np.float32)
        self._labels = ()
        self._item.clear()
