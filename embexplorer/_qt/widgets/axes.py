"""Chart axes: an epoch axis ticks whole epochs only (never "1.5")."""

from __future__ import annotations

import math

import pyqtgraph as pg


class IntegerAxis(pg.AxisItem):
    """An axis whose ticks are whole numbers (epochs, counts): no 1.5 or 2.5 between them."""

    def tickValues(self, minVal, maxVal, size):  # noqa: N802, N803 (pyqtgraph API)
        levels = super().tickValues(minVal, maxVal, size)
        out = []
        for spacing, values in levels:
            if spacing < 1:
                spacing = 1.0
                values = [float(v) for v in range(math.ceil(minVal), math.floor(maxVal) + 1)]
            whole = [v for v in values if float(v).is_integer()]
            if whole and not any(sorted(whole) == sorted(w) for _s, w in out):
                out.append((spacing, whole))
        return out


def epoch_plot(**options) -> pg.PlotWidget:
    """A plot whose bottom axis counts epochs (whole numbers only)."""
    return pg.PlotWidget(axisItems={"bottom": IntegerAxis("bottom")}, **options)
