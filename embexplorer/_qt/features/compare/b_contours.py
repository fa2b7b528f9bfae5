"""Density contours on B's plot while the main plot shows them (the Regions room's layer says so).

B's points are placed like A's, so the same contours over each plot show where the two spaces crowd
differently.  The contours of B's positions are computed on a worker (``ctx.runner``; synchronously
when the window is not interactive, as for a screenshot) and drawn with the main plot's items, below
B's points; hiding or removing the main plot's contours (its legend entry) does the same here.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore

from embexplorer._qt.widgets.density_items import computed_contours, contour_items, slate
from embexplorer.core.view.density import CONTOURS_LAYER

#: The background task's kind.
B_CONTOURS_TASK = "compare.contours"


class BContours(QtCore.QObject):
    """The contours of B's plot, following the main plot's (see the module's docstring)."""

    def __init__(self, ctx, panel, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.panel = ctx, panel
        self.result = None
        self._xy: np.ndarray | None = None
        self._items: list = []
        ctx.workspace.layers_changed.connect(self._on_layers_changed)

    @property
    def items(self) -> list:
        """The plot items drawn on B's plot (the fill image, then one line item per level)."""
        return list(self._items)

    def follow(self, xy: np.ndarray | None) -> None:
        """B's plot now shows ``xy`` (None: nothing): its contours, if the main plot has some."""
        self._xy = xy
        self.refresh()

    def refresh(self) -> None:
        """Compute B's contours again, or take them away when the main plot has none."""
        self.ctx.runner.cancel(B_CONTOURS_TASK)
        layer = self.ctx.workspace.layer(CONTOURS_LAYER)
        xy = self._xy
        if layer is None or xy is None or not self.panel.has_scatter or not np.isfinite(xy).all(axis=1).any():
            self._drop_items()
            return
        rgb = slate(self.panel.scatter.theme)

        def work(_control):
            return computed_contours(xy, rgb)

        if not self.ctx.shell.interactive:  # a screenshot: drawn before it is taken
            self._on_result(work(None), xy)
            return
        self.ctx.runner.start(B_CONTOURS_TASK, work, on_result=lambda v: self._on_result(v, xy),
                              on_error=lambda _err: self._drop_items())

    def _on_result(self, value, xy) -> None:
        layer = self.ctx.workspace.layer(CONTOURS_LAYER)
        if xy is not self._xy or layer is None or not self.panel.has_scatter:
            return  # B moved, or the contours were taken away, meanwhile
        c, rgba, rgb = value
        self._drop_items()
        plot = self.panel.scatter.plot_widget
        self._items = contour_items(c, rgba, rgb)
        for item in self._items:
            plot.addItem(item, ignoreBounds=True)
            item.setVisible(layer.visible)
        self.result = c

    def _on_layers_changed(self, name: str) -> None:
        if name != CONTOURS_LAYER:
            return
        layer = self.ctx.workspace.layer(name)
        if layer is not None and self._items:
            for item in self._items:  # hidden or shown from the legend (B's positions did not change:
                item.setVisible(layer.visible)  # a new projection comes through follow())
            return
        self.refresh()  # switched on (computed now) or taken away

    def _drop_items(self) -> None:
        if self.panel.has_scatter:
            plot = self.panel.scatter.plot_widget
            for item in self._items:
                plot.removeItem(item)
        self._items = []
        self.result = None
