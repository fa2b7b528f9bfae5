"""Density contours as plot items: a filled image whose bands darken with density, and the iso-lines of
the named levels (``core/view/density.py`` computes them).  Both are muted slate, never a category colour,
and stacked above the grid and below every point, so that nothing is hidden.  Used for the main plot (the
Regions room) and for B's plot in the Compare room.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from embexplorer.core.view.density import contours

#: Stacking: above the grid (scatter_items.GRID_Z), below the points (scatter_points.BASE_Z = 0).
FILL_Z, LINES_Z = -20.0, -10.0
#: Muted slate per theme (rgb): not in the categorical palette, read as "background".
SLATE = {"light": (60, 80, 110), "contrast": (40, 55, 80), "dark": (185, 200, 220)}
#: Opacity (0-255) of the fill inside 1, 2, 3... contours (outermost first), and of each level's line.
FILL_ALPHA = (20, 38, 58, 78)
LINE_ALPHA = (110, 150, 190, 220)
LINE_WIDTH_PX = 1.3


def slate(theme: str) -> tuple[int, int, int]:
    """The contours' colour on a plot of ``theme``."""
    return SLATE.get(theme, SLATE["light"])


def rgba_bands(bands: np.ndarray, rgb: tuple[int, int, int]) -> np.ndarray:
    """The ``(h, w, 4)`` uint8 image of a band index image (0 transparent, ``i`` the ``i``-th alpha)."""
    lut = np.zeros((256, 4), dtype=np.uint8)
    lut[:, :3] = rgb
    for i, a in enumerate(FILL_ALPHA, start=1):
        lut[i:, 3] = a
    return lut[bands]


def computed_contours(xy: np.ndarray, rgb: tuple[int, int, int]):
    """A worker's part (numpy only, no Qt object): the core ``Contours`` of ``xy``, its bands coloured
    ``rgb`` (:func:`rgba_bands`), and ``rgb`` -- what :func:`contour_items` takes on the UI thread."""
    c = contours(xy)
    return c, rgba_bands(c.bands, rgb), rgb


def contour_items(result, rgba: np.ndarray, rgb: tuple[int, int, int]) -> list:
    """The plot items of the core ``Contours`` ``result`` (its bands already coloured: ``rgba``): the fill
    image, then one line item per level.  Add them with ``ignoreBounds=True``: they never set the range."""
    x0, x1, y0, y1 = result.extent
    fill = pg.ImageItem(axisOrder="row-major")
    fill.setImage(rgba, autoLevels=False)
    fill.setRect(QtCore.QRectF(x0, y0, x1 - x0, y1 - y0))
    fill.setZValue(FILL_Z)
    items = [fill]
    for k, seg in enumerate(result.segments):
        if not len(seg):
            continue
        alpha = LINE_ALPHA[min(len(LINE_ALPHA) - 1, len(result.segments) - 1 - k)]
        pen = pg.mkPen(QtGui.QColor(*rgb, alpha), width=LINE_WIDTH_PX)
        line = pg.PlotCurveItem(seg[:, :, 0].ravel(), seg[:, :, 1].ravel(), connect="pairs", pen=pen,
                                antialias=True)
        line.setZValue(LINES_Z)
        items.append(line)
    return items
