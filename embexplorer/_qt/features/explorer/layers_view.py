"""Draws the Workspace's overlay layers on the scatter, re-projected whenever the points move."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6 import QtCore

from embexplorer.core.view.layers import resolve

#: Padding around highlighted points when the view zooms to them (share of their extent), and the
#: smallest extent zoomed to (share of the whole set's), so a tight cluster is not blown up absurdly.
RESULT_ZOOM_PADDING = 0.35
RESULT_ZOOM_MIN_SHARE = 0.08
#: Largest share of the plot's height a floating panel may take from the results zoomed to.
COVERED_MAX_SHARE = 0.5


class LayerRenderer(QtCore.QObject):
    """Keeps the scatter's overlays equal to the Workspace's layers.

    Parameters
    ----------
    workspace : Workspace
    scatter : ScatterView
    """

    def __init__(self, workspace, scatter) -> None:
        super().__init__(scatter)
        self.workspace = workspace
        self.scatter = scatter
        #: Pixels at the top of the plot under a floating panel (the layer legend): results zoomed to
        #: are kept below them.
        self.covered_top: Callable[[], float] = lambda: 0.0
        workspace.layers_changed.connect(self._on_layer_changed)

    def redraw(self) -> None:
        """Draw every layer again (the points moved: other axes, a new frame)."""
        self.scatter.clear_overlays()
        for layer in self.workspace.layers:
            self._draw(layer.name)

    def _on_layer_changed(self, name: str) -> None:
        self._draw(name)

    def _draw(self, name: str) -> None:
        layer = self.workspace.layer(name)
        projection = self.workspace.projection
        if layer is None or not layer.visible or projection is None or self.scatter.n != projection.n:
            self.scatter.remove_overlay(name)
            return
        d = resolve(layer, projection)
        s = layer.style
        labels = d.xy_labels if d.xy is not None and d.xy_labels else s.labels
        self.scatter.set_overlay(name, d.rows, xy=d.xy, color=s.color, size=s.size, symbol=s.symbol,
                                 filled=s.filled, lines=d.lines, arrows=d.arrows, width=s.width,
                                 labels=labels, z=s.z)

    def result_points(self) -> np.ndarray:
        """Where the layers worth zooming to are, ``(m, 2)`` float64 (finite only)."""
        projection = self.workspace.projection
        pts = []
        for layer in self.workspace.layers:
            if layer.visible and layer.zoom_to and projection is not None:
                d = resolve(layer, projection)
                rows = layer.all_rows()
                rows = rows[(rows >= 0) & (rows < projection.n)]
                pts.append(projection.xy[rows].astype(np.float64))
                if d.xy is not None:
                    pts.append(d.xy)
        p = np.concatenate(pts) if pts else np.zeros((0, 2))
        return p[np.isfinite(p).all(axis=1)]

    def zoom_to_results(self, only_if_hidden: bool = False) -> bool:
        """Zoom to the results (layers marked ``zoom_to``); with ``only_if_hidden`` only when one of
        them is out of view.  Returns True if the view changed."""
        p = self.result_points()
        if not len(p):
            return False
        (vx0, vx1), (vy0, vy1) = self.scatter.view_box.viewRange()
        in_view = (p[:, 0] >= vx0) & (p[:, 0] <= vx1) & (p[:, 1] >= vy0) & (p[:, 1] <= vy1)
        if only_if_hidden and in_view.all():
            return False
        xy = self.scatter.xy
        finite = xy[np.isfinite(xy).all(axis=1)]
        full = np.ptp(finite, axis=0) if len(finite) else np.ones(2)
        lo, hi = p.min(axis=0), p.max(axis=0)
        span = np.maximum(hi - lo, RESULT_ZOOM_MIN_SHARE * full)
        mid, half = (lo + hi) / 2, span * (0.5 + RESULT_ZOOM_PADDING)
        # A panel over the top of the plot: a taller range puts the results in the part below it.
        height, covered = self.scatter.view_box.height(), float(self.covered_top())
        fits = 0 < covered < height * COVERED_MAX_SHARE
        extra = 2 * half[1] * covered / (height - covered) if fits else 0.0
        self.scatter.view_box.setRange(xRange=(mid[0] - half[0], mid[0] + half[0]),
                                       yRange=(mid[1] - half[1], mid[1] + half[1] + extra), padding=0)
        return True
