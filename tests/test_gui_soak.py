"""Pan/zoom soak: the PySide6 6.12.0 / CPython 3.11 abort must not come back.

PySide6-Essentials 6.12.0 on CPython 3.11 aborts the whole process ("Fatal
Python error: none_dealloc") after about 85 pan steps of a plain
``pg.PlotWidget``.  pyproject excludes that version on 3.11; these tests pan
and zoom far past that point *in this process*: if the bad combination is ever
installed again the test run itself dies, which no CI can miss.
"""

from __future__ import annotations

import sys

import numpy as np
import pyqtgraph as pg
import PySide6
import pytest
from PySide6 import QtCore

from embexplorer._qt.widgets.scatter import ScatterView

#: Pan/zoom steps per test (the crash came after ~85).
SOAK_STEPS = 320
#: Points in the soak scatter.
SOAK_POINTS = 20_000
#: Seed of the soak data and of the pan/zoom walk.
SEED = 20240611


class PaintCounter(QtCore.QObject):
    """Count paint events of a widget (proves the loop really rendered)."""

    def __init__(self, widget) -> None:
        super().__init__()
        self.paints = 0
        widget.installEventFilter(self)

    def eventFilter(self, obj, event):  # noqa: N802 (Qt override)
        if event.type() == QtCore.QEvent.Type.Paint:
            self.paints += 1
        return False


def pan_and_zoom(view_box: pg.ViewBox, steps: int, rng: np.random.Generator) -> int:
    """A random walk of pans (setRange) and zooms (scaleBy), processing events after each step."""
    app = pg.QtWidgets.QApplication.instance()
    done = 0
    for i in range(steps):
        (x0, x1), (y0, y1) = view_box.viewRange()
        w, h = x1 - x0, y1 - y0
        if i % 3 == 2:
            f = float(rng.choice([0.8, 1.25]))
            view_box.scaleBy((f, f))
        else:
            dx, dy = rng.uniform(-0.2, 0.2, size=2) * (w, h)
            view_box.setRange(xRange=(x0 + dx, x1 + dx), yRange=(y0 + dy, y1 + dy), padding=0)
        app.processEvents()
        done += 1
    return done


@pytest.fixture
def points():
    rng = np.random.default_rng(SEED)
    return rng.normal(size=(SOAK_POINTS, 2)).astype(np.float32)


def test_plain_plotwidget_survives_pan_zoom_soak(qtbot, points):
    """The exact reproducer of the abort: a plain PlotWidget with a scatter, panned in a loop."""
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(640, 480)
    widget.addItem(pg.ScatterPlotItem(x=points[:, 0], y=points[:, 1], size=3, pen=None,
                                      brush=pg.mkBrush(30, 120, 180, 150)))
    widget.show()
    qtbot.waitExposed(widget)
    counter = PaintCounter(widget.viewport())
    vb = widget.getPlotItem().getViewBox()
    before = np.array(vb.viewRange())
    done = pan_and_zoom(vb, SOAK_STEPS, np.random.default_rng(SEED))
    assert done == SOAK_STEPS  # reaching this line at all is the point on 6.12.0 / 3.11
    assert counter.paints >= SOAK_STEPS // 2, f"only {counter.paints} repaints: the loop did not render"
    assert not np.allclose(np.array(vb.viewRange()), before)


def test_scatter_view_survives_pan_zoom_soak(qtbot, points):
    """Our ScatterView, as the app uses it, through the same walk."""
    view = ScatterView()
    qtbot.addWidget(view)
    view.resize(640, 480)
    view.set_points(points, [f"p{i}" for i in range(len(points))])
    view.show()
    qtbot.waitExposed(view)
    counter = PaintCounter(view.plot_widget.viewport())
    done = pan_and_zoom(view.view_box, SOAK_STEPS, np.random.default_rng(SEED + 1))
    assert done == SOAK_STEPS
    assert counter.paints >= SOAK_STEPS // 2, f"only {counter.paints} repaints: the loop did not render"
    view.zoom_to_fit()
    (x0, x1), (y0, y1) = view.view_box.viewRange()
    assert x0 <= points[:, 0].min() and x1 >= points[:, 0].max()
    assert y0 <= points[:, 1].min() and y1 >= points[:, 1].max()


def test_running_combination_is_not_the_known_bad_one():
    """Document (and guard) the environment: 6.12.0 must not be installed on CPython 3.11."""
    bad = PySide6.__version__ == "6.12.0" and sys.version_info[:2] == (3, 11)
    assert not bad, "PySide6 6.12.0 on Python 3.11 aborts on panning; see pyproject.toml"
