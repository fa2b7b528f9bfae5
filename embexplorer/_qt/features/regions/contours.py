"""Density contours behind the points of the main plot (``core/view/density.py`` computes them, the
items are ``_qt/widgets/density_items.py``'s).  They follow the projection and live training frames at a
throttled rate; the numpy work runs on a worker (``ctx.runner``), the UI only hands the image and the
segments to pyqtgraph.  The legend explains them through an empty layer (its entry hides or removes
them like any highlight).
"""

from __future__ import annotations

import time

import numpy as np
from PySide6 import QtCore

from embexplorer._qt.widgets.density_items import LINE_WIDTH_PX, computed_contours, contour_items, slate
from embexplorer.core.view.density import CONTOURS_LAYER
from embexplorer.core.view.layers import Layer, LayerStyle

#: The background task's kind.
CONTOURS_TASK = "regions.contours"
#: The legend's entry (a layer with no rows: the contours themselves are drawn here, not by the layers).
LEGEND_LAYER = CONTOURS_LAYER
#: Least time between two recomputations while the points move (live frames, axes dragged).
THROTTLE_MS = 150


class DensityContours(QtCore.QObject):
    """The contours of the Workspace's projection on the explorer's plot, while switched on.

    Signals
    -------
    drawn(object)
        New contours are shown (the core ``Contours``), or None when they were taken away.
    closed()
        The user removed them from the legend (×): the owner unticks its check box.
    """

    drawn = QtCore.Signal(object)
    closed = QtCore.Signal()

    def __init__(self, ctx, owner: str, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.owner = owner
        self.result = None
        #: Time the UI thread spent putting the last result on the plot (ms; benchmarks read it).
        self.ui_ms = 0.0
        self._on = False
        self._items: list = []
        self._for = None  # the data set drawn for
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(THROTTLE_MS)
        self._timer.timeout.connect(self.refresh)
        ws = ctx.workspace
        ws.projection_changed.connect(self._on_moved)
        ws.frame_changed.connect(self._on_moved)
        ws.layers_changed.connect(self._on_layers_changed)

    @property
    def on(self) -> bool:
        return self._on

    @property
    def items(self) -> list:
        """The plot items drawn (the fill image, then one line item per level)."""
        return list(self._items)

    def set_on(self, on: bool) -> None:
        """Show (computing now) or take away the contours."""
        self._on = bool(on)
        if self._on:
            self.refresh()
        else:
            self._timer.stop()
            self.ctx.runner.cancel(CONTOURS_TASK)
            self._take_away()

    def wait(self) -> None:
        """Block until the contours being computed are shown (screenshots, tests)."""
        self.ctx.runner.wait_for(CONTOURS_TASK)

    # -- computing ----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Compute the contours of the projection shown, in the background."""
        ws = self.ctx.workspace
        if not self._on or ws.projection is None or ws.dataset is None:
            self._take_away()
            return
        xy, rgb, dataset = ws.projection.xy, self._rgb(), ws.dataset

        def work(_control):
            return computed_contours(xy, rgb)

        self.ctx.runner.start(CONTOURS_TASK, work, on_result=lambda v: self._on_result(v, dataset),
                              on_error=self._on_error)

    def _rgb(self) -> tuple[int, int, int]:
        scatter = self._scatter()
        return slate(scatter.theme if scatter is not None else "light")

    def _scatter(self):
        if not self.ctx.commands.has("explorer.widget"):
            return None
        return self.ctx.commands.run("explorer.widget").scatter

    def _on_error(self, err: BaseException) -> None:
        self._take_away()
        self.ctx.shell.message(f"No density contours: {err}")

    def _on_result(self, value, dataset) -> None:
        ws = self.ctx.workspace
        if not self._on or ws.dataset is not dataset:
            return  # switched off, or another set shown meanwhile (its own refresh is on its way)
        started = time.perf_counter()
        c, rgba, rgb = value
        sc = self._scatter()
        if sc is None:
            return
        self._drop_items()
        items = contour_items(c, rgba, rgb)
        for item in items:
            sc.plot_widget.addItem(item, ignoreBounds=True)
        self._items = items
        self.result, self._for = c, dataset
        layer = ws.layer(LEGEND_LAYER)
        visible = layer.visible if layer is not None else True
        self._set_visible(visible)
        if layer is None or layer.legend != c.legend():
            ws.set_layer(Layer(LEGEND_LAYER, self.owner, LayerStyle(rgb, size=0, width=LINE_WIDTH_PX, z=-1,
                                                                    labels=False),
                               c.legend(), lines=np.zeros((0, 2), dtype=np.int64), visible=visible))
        self.ui_ms = (time.perf_counter() - started) * 1000
        self.drawn.emit(c)

    # -- following the Workspace ----------------------------------------------------------------
    def _on_moved(self, *_args) -> None:
        if self._on and not self._timer.isActive():  # throttled: at most one per THROTTLE_MS
            self._timer.start()

    def _on_layers_changed(self, name: str) -> None:
        if name != LEGEND_LAYER or not self._items:
            return
        layer = self.ctx.workspace.layer(name)
        if layer is not None:
            self._set_visible(layer.visible)
            return
        # Gone: with the set (a new one is coming: drawn again for it) or closed by the user.
        dataset = self._for
        self._drop_items()
        QtCore.QTimer.singleShot(0, self, lambda: self._after_removed(dataset))

    def _after_removed(self, dataset) -> None:
        ws = self.ctx.workspace
        if self._on and ws.dataset is dataset and ws.layer(LEGEND_LAYER) is None:
            self._on = False
            self.closed.emit()

    def _set_visible(self, on: bool) -> None:
        for item in self._items:
            item.setVisible(on)

    def _drop_items(self) -> None:
        sc = self._scatter()
        for item in self._items:
            if sc is not None:
                sc.plot_widget.removeItem(item)
        self._items = []
        self.result = None

    def _take_away(self) -> None:
        had = bool(self._items) or self.result is not None
        self._drop_items()
        self.ctx.workspace.remove_layer(LEGEND_LAYER)
        if had:
            self.drawn.emit(None)
