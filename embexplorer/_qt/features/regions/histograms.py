"""Linked histograms: the bars of any column, the selected rows' bars over them; brushing a range
(numeric) or clicking a bar (categorical) selects those rows.  The plot dims the rest, never hides it."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from embexplorer.core.view import palette
from embexplorer.core.view.histograms import bars, category_mask, range_mask

#: Colours of all rows' bars and of the selected rows' bars.
ALL_RGBA = palette.HIST_RGBA
SELECTED_RGB = palette.SELECTION
#: Background and axis colour of the plot (the light theme of the main plot).
BACKGROUND, AXIS_RGB = "w", (60, 60, 60)
#: Height of the histogram plot (pixels, at least).
PLOT_MIN_HEIGHT = 160
#: Category names under the bars: at most this many, this many characters each (the tooltip of the
#: legend and the Regions list have them whole).
MAX_TICKS, TICK_CHARS = 12, 9
#: Width of a bar as a share of its slot.
BAR_WIDTH = 0.85


class HistogramPanel(QtWidgets.QWidget):
    """A column picker and its histogram, linked to a selection.

    Signals
    -------
    rows_chosen(object)
        A boolean mask of the rows brushed or clicked (the feature selects them).
    """

    rows_chosen = QtCore.Signal(object)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns: dict = {}
        self.selected = np.zeros(0, dtype=np.int64)
        self.bars = None
        self.combo = QtWidgets.QComboBox()
        self.combo.setToolTip("Column shown as a histogram")
        self.hint = QtWidgets.QLabel("")
        self.hint.setWordWrap(True)
        self.plot: pg.PlotWidget | None = None  # built when first shown: most windows never look
        self._all = self._sel = self.region = None
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.combo)
        layout.addWidget(self.hint)
        self.combo.currentTextChanged.connect(self._on_column_changed)

    def ensure_plot(self) -> pg.PlotWidget:
        """The histogram plot, built on first need."""
        if self.plot is not None:
            return self.plot
        self.plot = pg.PlotWidget(background=BACKGROUND)
        for side in ("left", "bottom"):
            self.plot.getAxis(side).setTextPen(pg.mkPen(AXIS_RGB))
            self.plot.getAxis(side).setPen(pg.mkPen(AXIS_RGB))
        self.plot.setMinimumHeight(PLOT_MIN_HEIGHT)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.getViewBox().setMouseEnabled(x=False, y=False)
        self._all = pg.BarGraphItem(x=[], height=[], width=BAR_WIDTH, brush=pg.mkBrush(*ALL_RGBA), pen=None)
        self._sel = pg.BarGraphItem(x=[], height=[], width=BAR_WIDTH * 0.6, brush=pg.mkBrush(*SELECTED_RGB),
                                    pen=None)
        self.plot.addItem(self._all)
        self.plot.addItem(self._sel)
        self.region = pg.LinearRegionItem(movable=True)
        self.region.setZValue(10)
        self.region.hide()
        self.plot.addItem(self.region)
        self.layout().insertWidget(1, self.plot, 1)
        self.region.sigRegionChangeFinished.connect(self._on_region_changed)
        self.plot.scene().sigMouseClicked.connect(self._on_clicked)
        self._on_column_changed(self.combo.currentText())
        return self.plot

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self.ensure_plot()
        super().showEvent(event)

    # -- API ------------------------------------------------------------------------------------
    def set_columns(self, columns: dict) -> None:
        """Offer ``columns`` ({name: MetadataColumn}); the current one stays when still offered."""
        keep = self.combo.currentText()
        self.columns = dict(columns)
        blocked = self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItems(list(self.columns))
        if keep in self.columns:
            self.combo.setCurrentText(keep)
        self.combo.blockSignals(blocked)
        self._on_column_changed(self.combo.currentText())

    def set_column(self, name: str) -> None:
        """Show column ``name``."""
        self.ensure_plot()
        self.combo.setCurrentText(name)

    def set_selected(self, rows: np.ndarray) -> None:
        """The selected rows: their bars are drawn over all rows' bars."""
        self.selected = np.asarray(rows, dtype=np.int64)
        self._draw_selected()

    @property
    def column(self):
        return self.columns.get(self.combo.currentText())

    def brush(self, lo: float, hi: float) -> np.ndarray:
        """Select the rows of the numeric column shown with ``lo <= value <= hi`` (what dragging the
        range does); returns the mask."""
        self.ensure_plot()
        blocked = self.region.blockSignals(True)
        self.region.setRegion((lo, hi))
        self.region.blockSignals(blocked)
        mask = range_mask(self.column, lo, hi)
        self.rows_chosen.emit(mask)
        return mask

    def click_bar(self, index: int) -> np.ndarray:
        """Select the rows of bar ``index`` of the categorical column shown; returns the mask."""
        self.ensure_plot()
        mask = category_mask(self.column, self.bars.labels[index])
        self.rows_chosen.emit(mask)
        return mask

    # -- drawing ------------------------------------------------------------------------------------
    def _on_column_changed(self, _name: str) -> None:
        if self.plot is None:
            return
        col = self.column
        if col is None:
            self.bars = None
            self._all.setOpts(x=[], height=[])
            self._sel.setOpts(x=[], height=[])
            self.region.hide()
            self.hint.setText("")
            return
        self.bars = bars(col)
        b = self.bars
        axis = self.plot.getAxis("bottom")
        if col.kind == "numeric" and len(b.counts):
            mids = (b.edges[:-1] + b.edges[1:]) / 2
            width = float(b.edges[1] - b.edges[0])
            self._all.setOpts(x=mids, height=b.counts, width=width * BAR_WIDTH)
            axis.setTicks(None)
            lo, hi = float(b.edges[0]), float(b.edges[-1])
            blocked = self.region.blockSignals(True)
            self.region.setBounds((lo, hi))
            self.region.setRegion((lo, lo + (hi - lo) / 4))
            self.region.blockSignals(blocked)
            self.region.show()
            self.hint.setText("Drag the band (or its edges) to select the rows in that range")
        else:
            x = np.arange(len(b.counts))
            self._all.setOpts(x=x, height=b.counts, width=BAR_WIDTH)
            step = max(1, -(-len(b.labels) // MAX_TICKS))
            axis.setTicks([[(i, t[:TICK_CHARS]) for i, t in enumerate(b.labels) if i % step == 0]])
            self.region.hide()
            self.hint.setText("Click a bar to select its rows")
        self.plot.getViewBox().autoRange()
        self._draw_selected()

    def _draw_selected(self) -> None:
        col, b = self.column, self.bars
        if self.plot is None:
            return
        if col is None or b is None or not len(b.counts):
            self._sel.setOpts(x=[], height=[])
            return
        rows = self.selected[self.selected < len(col)]
        if col.kind == "numeric":
            v = col.values[rows]
            v = v[np.isfinite(v)]
            counts, _ = np.histogram(v, bins=b.edges)
            mids = (b.edges[:-1] + b.edges[1:]) / 2
            width = float(b.edges[1] - b.edges[0])
            self._sel.setOpts(x=mids, height=counts, width=width * BAR_WIDTH * 0.6)
        else:
            codes = col.codes[rows]
            per = np.bincount(codes[codes >= 0], minlength=len(col.categories))
            self._sel.setOpts(x=np.arange(len(b.codes)), height=per[b.codes], width=BAR_WIDTH * 0.6)

    # -- the user ---------------------------------------------------------------------------------
    def _on_region_changed(self, *_args) -> None:
        col = self.column
        if col is not None and col.kind == "numeric":
            lo, hi = self.region.getRegion()
            self.rows_chosen.emit(range_mask(col, lo, hi))

    def _on_clicked(self, event) -> None:
        col, b = self.column, self.bars
        if col is None or b is None or col.kind == "numeric" or not len(b.counts):
            return
        pos = self.plot.getViewBox().mapSceneToView(event.scenePos())
        i = int(round(pos.x()))
        if 0 <= i < len(b.counts) and 0 <= pos.y() <= b.counts[i] * 1.05 + 1:
            self.click_bar(i)
