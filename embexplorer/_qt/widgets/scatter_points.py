"""The point layers of the scatter view: every point, and the selected points drawn over them.

Both are :class:`~embexplorer._qt.widgets.raster_layer.PointCloudItem` s.  The points
are coloured by a :class:`~embexplorer.core.view.scatter_math.ColorMapping`
(or one theme colour), the points of hidden legend entries are left out, and
the points can be sized by a numeric column (a few size classes by rank).  The
selected points repeat the base layer a little wider, in the theme's
selection colour, while the others are dimmed (as under a highlight layer).

Coloured by categories, the points are drawn largest category first: a small category is drawn last,
on top, and never vanishes under the thousands of "other" points (the base layer holds them in that
draw order; everything here speaks in rows of the data set and permutes on the way in).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from embexplorer._qt.widgets.raster_layer import MAX_POINT_SIZE, PointCloudItem
from embexplorer._qt.widgets.scatter_theme import THEMES
from embexplorer.core.view.scatter_math import ColorMapping, argb, draw_order, single_color, size_classes

#: Default point diameter in pixels.
DEFAULT_POINT_SIZE = 4
#: Selected points are drawn this many pixels wider than their point (a visible rim).
SELECTION_EXTRA_PX = 3
#: Stacking of the two layers (overlays, rings and labels go above them).
BASE_Z, SELECTION_Z = 0, 5


class PointLayers:
    """Colours, hidden legend entries, sizes and the selection of the points of one plot.

    Parameters
    ----------
    plot_widget : pg.PlotWidget
        The two layers are added to it.

    Attributes
    ----------
    base, selected : PointCloudItem
        Every point; the selected points on top.
    mapping : ColorMapping or None
        Colours by metadata (None: one theme colour).
    hidden : set of int
        Colour entries (legend rows) whose points are hidden.
    visible : ndarray of bool or None
        Points not hidden (None: all shown).
    size_values : ndarray or None
        Numeric column sizing the points (None: uniform size).
    """

    def __init__(self, plot_widget: pg.PlotWidget) -> None:
        self.base = PointCloudItem()
        self.base.setZValue(BASE_Z)
        self.base.set_point_size(DEFAULT_POINT_SIZE)
        plot_widget.addItem(self.base)
        self.selected = PointCloudItem()
        self.selected.setZValue(SELECTION_Z)
        self.selected.set_point_size(DEFAULT_POINT_SIZE + SELECTION_EXTRA_PX)
        plot_widget.addItem(self.selected)
        self.mapping: ColorMapping | None = None
        self.hidden: set[int] = set()
        self.visible: np.ndarray | None = None
        self.size_values: np.ndarray | None = None
        self.theme = THEMES["light"]
        #: A highlight layer is shown: the points are dimmed under it, as under a selection.
        self.highlighted = False
        self._selected_count = 0
        #: Draw order of the base layer (rows, largest category first; None: row order).
        self.order: np.ndarray | None = None
        self._x = self._y = np.zeros(0, dtype=np.float32)
        self._classes: np.ndarray | None = None  # size class of every row (row order)
        self._class_sizes: tuple | None = None

    def _drawn(self, a: np.ndarray | None) -> np.ndarray | None:
        """Per-row values in the base layer's draw order."""
        return a if a is None or self.order is None else a[self.order]

    def set_points(self, x: np.ndarray, y: np.ndarray, same_set: bool) -> None:
        """New coordinates; colours, hidden entries and sizes are kept only for the ``same_set`` of points."""
        if not same_set:
            self.size_values = None  # the base layer drops its size classes too
            self._classes = self._class_sizes = None
            self.order = None
        self._x, self._y = x, y
        self.base.set_points(self._drawn(x), self._drawn(y))
        if not same_set or self.mapping is None:
            self.set_mapping(None)
        else:
            self.base.set_colors(self._drawn(self.mapping.index), self.mapping.lut)
            self.base.set_visible_mask(self._drawn(self.visible))

    def set_mapping(self, mapping: ColorMapping | None) -> None:
        """Colour by ``mapping`` (None: the theme colour); every entry shown again."""
        self.mapping = mapping
        self.hidden = set()
        order = draw_order(mapping)
        if not (order is None and self.order is None):
            self.order = order  # the base layer takes the points in the new order
            self.base.set_points(self._drawn(self._x), self._drawn(self._y))
            if self._classes is not None:
                self.base.set_size_classes(self._drawn(self._classes), self._class_sizes)
        self.apply_colors()

    def set_theme(self, theme: dict) -> None:
        """Take the point colour (when not mapped) and the selection colours from a theme."""
        self.theme = theme
        if self.mapping is None:
            self.apply_colors()
        self.apply_dimming()

    def apply_colors(self) -> None:
        """Colour every point (the hidden entries stay hidden)."""
        if self.mapping is None:
            m = single_color(self.base.n, self.theme["point"])
            self.base.set_colors(m.index, m.lut)
        else:
            self.base.set_colors(self._drawn(self.mapping.index), self.mapping.lut)
        self.apply_visibility()

    def set_entry_visible(self, entry: int, visible: bool) -> None:
        """Show or hide the points of one colour entry (a legend row)."""
        if visible:
            self.hidden.discard(int(entry))
        else:
            self.hidden.add(int(entry))
        self.apply_visibility()

    def apply_visibility(self) -> None:
        """Recompute :attr:`visible` from the hidden entries and hide those points."""
        if self.mapping is None or not self.hidden:
            self.visible = None
        else:
            show = np.ones(len(self.mapping.lut), dtype=bool)
            show[[e for e in self.hidden if e < len(show)]] = False
            self.visible = show[self.mapping.index]
        self.base.set_visible_mask(self._drawn(self.visible))

    def set_point_size(self, size: int) -> None:
        """Point diameter in pixels (the smallest size class when sized by a column)."""
        self.base.set_point_size(size)
        self.selected.set_point_size(size + SELECTION_EXTRA_PX)
        if self.size_values is not None:
            self.apply_sizes()

    def set_size_values(self, values: np.ndarray | None) -> None:
        """Size by a numeric column, one value per point (None: uniform)."""
        if values is not None:
            values = np.asarray(values, dtype=np.float64).reshape(-1)
            if len(values) != self.base.n:
                raise ValueError(f"{len(values)} size values for {self.base.n} points")
        self.size_values = values
        self.apply_sizes()

    def apply_sizes(self) -> None:
        """Bin :attr:`size_values` into size classes from the current point size (or drop them)."""
        if self.size_values is None:
            self._classes = self._class_sizes = None
            self.base.set_size_classes(None)
        else:
            classes, sizes = size_classes(self.size_values, self.base.point_size, max_size=MAX_POINT_SIZE)
            self._classes, self._class_sizes = classes, sizes
            self.base.set_size_classes(self._drawn(classes), sizes)

    def size_of(self, row: int) -> int:
        """Diameter (pixels) of the point ``row`` as drawn at scale 1."""
        classes, sizes = self._classes, self._class_sizes
        return sizes[int(classes[row])] if classes is not None else self.base.point_size

    def sizes(self) -> np.ndarray:
        """Diameter (pixels) of every point as drawn at scale 1."""
        classes, sizes = self._classes, self._class_sizes
        if classes is None:
            return np.full(self.base.n, self.base.point_size, dtype=np.int32)
        return np.asarray(sizes, dtype=np.int32)[classes]

    def show_selection(self, x: np.ndarray, y: np.ndarray, rows: np.ndarray) -> None:
        """Draw the selected ``rows`` over the dimmed others (all at full opacity when none)."""
        rows = rows[rows < len(x)]
        self.selected.set_points(x[rows], y[rows])
        lut = np.array([argb(*self.theme["selection"])], dtype=np.uint32)
        self.selected.set_colors(np.zeros(len(rows), np.uint16), lut)
        classes, sizes = self._classes, self._class_sizes
        if classes is not None:
            self.selected.set_size_classes(classes[rows], tuple(s + SELECTION_EXTRA_PX for s in sizes))
        else:
            self.selected.set_size_classes(None)
        self.selected.setVisible(len(rows) > 0)
        self._selected_count = len(rows)
        self.apply_dimming()

    def set_highlighted(self, on: bool) -> None:
        """Dim the points while a highlight layer (neighbours, an analogy...) is drawn over them."""
        self.highlighted = bool(on)
        self.apply_dimming()

    def apply_dimming(self) -> None:
        """The points at full opacity, or dimmed under a selection or a highlight layer."""
        dim = self._selected_count > 0 or self.highlighted
        self.base.setOpacity(self.theme["dimmed"] if dim else 1.0)

