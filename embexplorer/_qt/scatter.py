"""Scatter view of projected points: fluid at a million points.

The points live in one :class:`~embexplorer._qt.raster_layer.PointCloudItem`
(numpy raster when many are in view, crisp vector discs when few). Hover
uses a grid index (well under a millisecond at 1M points); click, box and
lasso selection write into a shared :class:`~embexplorer._qt.selection.SelectionModel`.
Small things on top -- hover ring, search focus, overlays from other panels
(neighbours, analogy arrows, recommendations) -- are ordinary pyqtgraph
items holding a handful of points.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.raster_layer import MAX_POINT_SIZE, PointCloudItem
from embexplorer._qt.selection import SelectionModel, mode_for_modifiers
from embexplorer.core.view.scatter_math import (
    LABEL_CORNERS,
    ColorMapping,
    GridIndex,
    brute_nearest,
    categorical_colors,
    fit_range,
    label_box,
    numeric_colors,
    place_labels,
    polygon_mask,
    single_color,
    size_classes,
)

#: Hover / click pick radius in screen pixels.
PICK_RADIUS_PX = 8
#: Above this many points the hover index is built in a background thread (numpy
#: releases the GIL while sorting), so setting a million points never stalls the UI;
#: hover scans all points (about 2 ms) until the index is ready.
INDEX_THREAD_MIN = 200_000
#: Delay before that background build starts (ms), so it does not compete with the first paint.
INDEX_DELAY_MS = 150
# One long-lived worker: submitting does not wait for a thread to start (Thread.start
# does, and that handshake competes for the GIL with the first paint of the new points).
_INDEX_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scatter-index")
#: Default point diameter in pixels.
DEFAULT_POINT_SIZE = 4
#: Selected points are drawn this many pixels wider than their point (a visible rim).
SELECTION_EXTRA_PX = 3
#: The hover ring is this many pixels wider than the hovered point.
HOVER_EXTRA_PX = 8
#: Most labels drawn for "label all points in view" (besides the forced ones).
LABELS_IN_VIEW_MAX = 150
#: Most forced labels (selection, query, neighbours) drawn at once.
LABELS_FORCED_MAX = 120
#: Candidates (in row order, i.e. most frequent first) considered for in-view labels.
LABEL_CANDIDATES_MAX = 1200
#: Margin around label text (pixels).
LABEL_MARGIN_PX = 1
#: Delay before labels are re-laid out after the view moved (ms): no work per pan step.
LABEL_RELAYOUT_MS = 60
#: When focusing a row, zoom in if the view spans more than this fraction of the data.
FOCUS_ZOOM_FRACTION = 0.25
#: Metadata lines shown in the hover tooltip.
TOOLTIP_MAX_FIELDS = 8

#: Point sizes of the tick labels, the point labels and the axis titles (times the font scale).
TICK_FONT_PT = 9
LABEL_FONT_PT = 9
AXIS_TITLE_PT = 11
#: Diameters (pixels) of the hover and focus rings around a point (times the overlay scale).
HOVER_RING_PX = 12
FOCUS_RING_PX = 18

#: Colours of the light and dark themes ("contrast": black on white with thick axes, for projectors).
#: An optional ``axis_width`` (pixels) thickens the axis lines.
THEMES: dict[str, dict] = {
    "light": {
        "background": "#ffffff", "foreground": "#3a3a3a", "grid": 0.12, "dimmed": 0.35,
        "point": (31, 119, 180), "selection": (230, 85, 13), "focus": (214, 39, 40),
        "hover": "#111111", "label": "#1a1a1a", "label_bg": (255, 255, 255, 190),
        "tooltip_bg": "rgba(255,255,255,235)", "tooltip_fg": "#1a1a1a", "tooltip_border": "#9a9a9a",
        "rubber": (40, 40, 40),
    },
    "dark": {
        "background": "#1b1d21", "foreground": "#cfd2d6", "grid": 0.05, "dimmed": 0.5,
        "point": (94, 172, 255), "selection": (255, 170, 60), "focus": (255, 90, 90),
        "hover": "#ffffff", "label": "#f0f0f0", "label_bg": (27, 29, 33, 190),
        "tooltip_bg": "rgba(40,42,48,240)", "tooltip_fg": "#f0f0f0", "tooltip_border": "#5a5d63",
        "rubber": (230, 230, 230),
    },
    "contrast": {
        "background": "#ffffff", "foreground": "#000000", "grid": 0.2, "dimmed": 0.3,
        "point": (0, 82, 204), "selection": (220, 60, 0), "focus": (200, 0, 0),
        "hover": "#000000", "label": "#000000", "label_bg": (255, 255, 255, 225),
        "tooltip_bg": "rgba(255,255,255,245)", "tooltip_fg": "#000000", "tooltip_border": "#000000",
        "rubber": (0, 0, 0), "axis_width": 2.5,
    },
}


class _GridItem(QtWidgets.QGraphicsObject):
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
        self._alpha = (38, 14)
        self.setZValue(-1e5)
        self.setFlag(self.GraphicsItemFlag.ItemStacksBehindParent, False)

    def set_style(self, color: str, major_alpha: int, minor_alpha: int) -> None:
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
            for level, (_, values) in enumerate(levels[:2]):
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


class _LabelLayer(QtWidgets.QGraphicsObject):
    """All point labels in one item, drawn with QPainter (no Qt object per label).

    Each entry is ``(x, y, text, corner, width, height)`` in data coordinates plus
    the box size in pixels; the box sits at ``corner`` of the point exactly as
    :func:`~embexplorer.core.view.scatter_math.place_labels` tested it, recomputed at
    every paint so labels follow pans and zooms.
    """

    def __init__(self, view_box: pg.ViewBox) -> None:
        super().__init__(view_box)
        self._vb = view_box
        self.entries: list[tuple] = []
        self.font = QtGui.QFont()
        self.font.setPointSize(LABEL_FONT_PT)
        self.text_color = QtGui.QColor("#1a1a1a")
        self.fill = QtGui.QColor(255, 255, 255, 190)
        self.setZValue(1e6)  # above the plotted items (the ViewBox's child group)

    def boundingRect(self) -> QtCore.QRectF:
        return self._vb.rect()

    def set_entries(self, entries: list[tuple]) -> None:
        self.entries = entries
        self.update()

    def boxes(self) -> list[QtCore.QRectF]:
        """Label boxes in ViewBox-local pixels, in the order of :attr:`entries`."""
        tr = self._vb.childGroup.transform()
        out = []
        for x, y, _text, corner, w, h in self.entries:
            pt = tr.map(QtCore.QPointF(x, y))
            x0, y0, x1, y1 = label_box(pt.x(), pt.y(), w, h, corner)
            out.append(QtCore.QRectF(x0, y0, x1 - x0, y1 - y0))
        return out

    def paint(self, p: QtGui.QPainter, opt, widget=None) -> None:
        if not self.entries:
            return
        p.save()
        p.setClipRect(self._vb.rect())
        p.setFont(self.font)
        p.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
        for box, (_x, _y, text, *_rest) in zip(self.boxes(), self.entries):
            p.fillRect(box, self.fill)
            p.setPen(self.text_color)
            p.drawText(box, int(QtCore.Qt.AlignmentFlag.AlignCenter), text)
        p.restore()


class _PassiveScatter(pg.ScatterPlotItem):
    """A ScatterPlotItem that never takes clicks: they reach the view (selection)."""

    def mouseClickEvent(self, ev) -> None:
        ev.ignore()


class _SelectViewBox(pg.ViewBox):
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
        self._band.setZValue(1e9)
        self._band.hide()
        self._path = QtWidgets.QGraphicsPathItem()
        self._path.setZValue(1e9)
        self._path.hide()
        self.set_rubber_color((40, 40, 40))
        self.addItem(self._band, ignoreBounds=True)
        self.addItem(self._path, ignoreBounds=True)

    def set_rubber_color(self, rgb: tuple[int, int, int]) -> None:
        pen = QtGui.QPen(QtGui.QColor(*rgb), 1.2, QtCore.Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        fill = QtGui.QColor(*rgb, 28)
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


class ScatterView(QtWidgets.QWidget):
    """A 2-D scatter of projected points.

    Signals
    -------
    point_hovered(int)
        Row under the cursor (-1 when none).
    point_clicked(int)
        Row clicked (only emitted when a point was hit).
    context_menu_requested(QPoint)
        Right click (not drag) at this position of :attr:`plot_widget`; the owner shows a menu.
    """

    point_hovered = QtCore.Signal(int)
    point_clicked = QtCore.Signal(int)
    context_menu_requested = QtCore.Signal(QtCore.QPoint)

    def __init__(self, parent: QtWidgets.QWidget | None = None,
                 selection: SelectionModel | None = None) -> None:
        super().__init__(parent)
        self._vb = _SelectViewBox()
        self.plot_widget = pg.PlotWidget(parent=self, viewBox=self._vb)
        # No global antialiasing: it makes the axis grid several times slower to
        # paint; the small overlay items antialias themselves.
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget)
        pi = self.plot_widget.getPlotItem()
        pi.hideButtons()
        pi.setMenuEnabled(False)
        self._grid = _GridItem(self._vb, pi)
        self._label_layer = _LabelLayer(self._vb)
        # Update the child transform as soon as the range changes: otherwise
        # pyqtgraph paints each pan step twice (old then new matrix).
        self._vb.sigRangeChanged.connect(self._on_range_changed)

        self._theme = "light"
        self._x = np.zeros(0, dtype=np.float32)
        self._y = np.zeros(0, dtype=np.float32)
        self._labels: Sequence[str] = ()
        self._index: GridIndex | None = GridIndex.from_columns(np.zeros(0, np.float32),
                                                               np.zeros(0, np.float32))
        self._index_gen = 0
        self._index_future: Future | None = None
        self._mapping: ColorMapping | None = None
        self._hidden_entries: set[int] = set()
        self._visible: np.ndarray | None = None
        self._hovered = -1
        self._focus = -1
        self._tooltip_provider: Callable[[int], str] | None = None
        self._labels_in_view = False
        self._overlays: dict[str, dict] = {}
        self._font_scale = 1.0     # presentation mode enlarges text ...
        self._overlay_scale = 1.0  # ... and overlay markers, lines and rings
        self._size_values: np.ndarray | None = None  # numeric column sizing the points (None: uniform)

        self.base_layer = PointCloudItem()
        self.base_layer.setZValue(0)
        self.base_layer.set_point_size(DEFAULT_POINT_SIZE)
        self.plot_widget.addItem(self.base_layer)
        self.selection_layer = PointCloudItem()
        self.selection_layer.setZValue(5)
        self.selection_layer.set_point_size(DEFAULT_POINT_SIZE + SELECTION_EXTRA_PX)
        self.plot_widget.addItem(self.selection_layer)
        self._hover_item = _PassiveScatter(size=HOVER_RING_PX, symbol="o", pxMode=True, antialias=True)
        self._hover_item.setZValue(30)
        self.plot_widget.addItem(self._hover_item, ignoreBounds=True)
        self._focus_item = _PassiveScatter(size=FOCUS_RING_PX, symbol="o", pxMode=True, antialias=True)
        self._focus_item.setZValue(29)
        self.plot_widget.addItem(self._focus_item, ignoreBounds=True)

        self._tooltip = QtWidgets.QLabel(self.plot_widget)
        self._tooltip.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self._tooltip.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self._tooltip.hide()

        self._label_timer = QtCore.QTimer(self)
        self._label_timer.setSingleShot(True)
        self._label_timer.setInterval(LABEL_RELAYOUT_MS)
        self._label_timer.timeout.connect(self._on_relayout_labels)

        self._selection: SelectionModel | None = None
        self.set_selection_model(selection if selection is not None else SelectionModel(0, self))

        self._vb.sigPointClicked.connect(self._on_view_clicked)
        self._vb.sigContextClicked.connect(
            lambda scene_pos: self.context_menu_requested.emit(self.plot_widget.mapFromScene(scene_pos)))
        self._vb.sigBoxSelected.connect(self._on_box_selected)
        self._vb.sigLassoSelected.connect(self._on_lasso_selected)
        self.plot_widget.viewport().installEventFilter(self)
        #: Esc clears the selection; a host with its own Esc action disables this one.
        self.escape_shortcut = QtGui.QShortcut(QtGui.QKeySequence(QtCore.Qt.Key.Key_Escape), self)
        self.escape_shortcut.setContext(QtCore.Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.escape_shortcut.activated.connect(self._on_escape)
        self.set_theme("light")

    # -- basic API (kept from the placeholder) ------------------------------------
    @property
    def view_box(self) -> pg.ViewBox:
        return self._vb

    @property
    def selection(self) -> SelectionModel:
        """The selection model this view reads and writes."""
        return self._selection

    @property
    def labels(self) -> Sequence[str]:
        return self._labels

    @property
    def xy(self) -> np.ndarray:
        """Current coordinates as an (n, 2) float32 array (a new array)."""
        return np.column_stack([self._x, self._y])

    @property
    def n(self) -> int:
        return len(self._x)

    def set_points(self, xy: np.ndarray, labels: Sequence[str], keep_view: bool = False) -> None:
        """Show ``xy`` (n x 2) with one label per point, and zoom to fit.

        Colours and hidden categories are reset when the number of points
        changes; with ``keep_view`` the visible range is kept (for an updated
        projection of the same set).
        """
        xy = np.asarray(xy)
        if xy.ndim != 2 or xy.shape[1] < 2:
            raise ValueError(f"xy must be (n, 2), got {xy.shape}")
        if len(labels) != len(xy):
            raise ValueError(f"{len(labels)} labels for {len(xy)} points")
        same_n = len(xy) == len(self._x)
        if not same_n:
            self._size_values = None  # the base layer drops its size classes too
        self._x = np.ascontiguousarray(xy[:, 0], dtype=np.float32)
        self._y = np.ascontiguousarray(xy[:, 1], dtype=np.float32)
        self._labels = labels
        self._build_index()
        self.base_layer.set_points(self._x, self._y)
        if not same_n or self._mapping is None:
            self._mapping = None
            self._hidden_entries = set()
            self._visible = None
            self._apply_colors()
        else:
            self.base_layer.set_colors(self._mapping.index, self._mapping.lut)
            self.base_layer.set_visible_mask(self._visible)
        if self._selection.size != len(xy):
            self._selection.set_size(len(xy))
        if not same_n:
            self._overlays_clear_items()
            self._focus = -1
        self._set_hover(-1)
        self._on_selection_changed()
        self._refresh_overlays()
        if not keep_view:
            self.zoom_to_fit()
        self._schedule_labels()

    def _build_index(self) -> None:
        self._index_gen += 1
        x, y = self._x, self._y
        if len(x) < INDEX_THREAD_MIN:
            self._index = GridIndex.from_columns(x, y)
            return
        self._index = None
        self._index_future = None
        # Start after the first paint of the new points: a concurrent build slows
        # that paint down on two cores.
        gen = self._index_gen
        QtCore.QTimer.singleShot(INDEX_DELAY_MS, lambda: self._start_index_build(gen))

    def _start_index_build(self, gen: int) -> None:
        if gen != self._index_gen or self._index is not None or self._index_future is not None:
            return
        x, y = self._x, self._y

        def build() -> None:
            index = GridIndex.from_columns(x, y)
            if gen == self._index_gen:  # a newer set_points supersedes this one
                self._index = index

        self._index_future = _INDEX_POOL.submit(build)

    def wait_for_index(self, timeout: float | None = None) -> bool:
        """Block until the hover index is built (tests, benchmarks); True when ready."""
        self._start_index_build(self._index_gen)
        f = self._index_future
        if f is not None:
            f.result(timeout)
        return self._index is not None

    def set_axis_labels(self, x: str, y: str) -> None:
        """Axis titles, e.g. ``"PC1 (12.3 %)"``."""
        self._axis_titles = (x, y)
        item = self.plot_widget.getPlotItem()
        size = f"{AXIS_TITLE_PT * self._font_scale:g}pt"
        style = {"color": THEMES[self._theme]["foreground"], "font-size": size}
        item.setLabel("bottom", x, **style)
        item.setLabel("left", y, **style)

    def zoom_to_fit(self) -> None:
        """Fit all points in view."""
        if len(self._x):
            x0, x1, y0, y1 = fit_range(self._x, self._y)
            self._vb.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def clear(self) -> None:
        """Remove all points."""
        self.set_points(np.zeros((0, 2), dtype=np.float32), [])

    # -- appearance -----------------------------------------------------------
    def set_theme(self, name: str) -> None:
        """``"light"`` or ``"dark"``."""
        if name not in THEMES:
            raise ValueError(f"unknown theme {name!r}; choose from {sorted(THEMES)}")
        self._theme = name
        t = THEMES[name]
        self.plot_widget.setBackground(t["background"])
        pi = self.plot_widget.getPlotItem()
        font = QtGui.QFont()
        font.setPointSizeF(TICK_FONT_PT * self._font_scale)
        for side in ("bottom", "left"):
            ax = pi.getAxis(side)
            ax.enableAutoSIPrefix(False)  # "(x0.001)" scaled ticks confuse on PCA axes
            ax.setPen(pg.mkPen(t["foreground"], width=t.get("axis_width", 1)))
            ax.setTextPen(pg.mkPen(t["foreground"]))
            ax.setTickFont(font)
        self._grid.set_style(t["foreground"], int(255 * t["grid"] * 1.6), int(255 * t["grid"] * 0.6))
        if hasattr(self, "_axis_titles"):
            self.set_axis_labels(*self._axis_titles)
        self._vb.set_rubber_color(t["rubber"])
        self._tooltip.setStyleSheet(
            f"QLabel {{ background: {t['tooltip_bg']}; color: {t['tooltip_fg']};"
            f" border: 1px solid {t['tooltip_border']}; border-radius: 4px; padding: 4px 6px; }}")
        self._hover_item.setPen(pg.mkPen(t["hover"], width=1.6))
        self._hover_item.setBrush(pg.mkBrush(None))
        self._focus_item.setPen(pg.mkPen(t["focus"], width=2.5 * self._overlay_scale))
        self._focus_item.setBrush(pg.mkBrush(None))
        self._on_selection_changed()
        if self._mapping is None:
            self._apply_colors()
        self._label_layer.text_color = QtGui.QColor(t["label"])
        self._label_layer.fill = QtGui.QColor(*t["label_bg"])
        self._label_layer.update()
        self._refresh_overlays()

    @property
    def theme(self) -> str:
        return self._theme

    def set_point_size(self, size: int) -> None:
        """Point diameter in pixels (the smallest size class when sized by a column)."""
        self.base_layer.set_point_size(size)
        self.selection_layer.set_point_size(size + SELECTION_EXTRA_PX)
        self._hover_item.setSize(size + HOVER_EXTRA_PX)
        if self._size_values is not None:
            self._apply_sizes()

    def set_size_by(self, values: np.ndarray | None) -> None:
        """Size the points by a numeric column (one value per point; None = uniform size).

        The values are binned into a few size classes by rank
        (:func:`~embexplorer.core.view.scatter_math.size_classes`): disc area grows
        with the rank, from the point size to about three times its diameter;
        NaN gets the smallest size. Classes are recomputed when the point size
        changes and dropped when points of another count are set.
        """
        if values is None:
            self._size_values = None
        else:
            values = np.asarray(values, dtype=np.float64).reshape(-1)
            if len(values) != len(self._x):
                raise ValueError(f"{len(values)} size values for {len(self._x)} points")
            self._size_values = values
        self._apply_sizes()

    @property
    def size_values(self) -> np.ndarray | None:
        """The numeric column sizing the points (None when uniform)."""
        return self._size_values

    @property
    def point_sizes(self) -> np.ndarray:
        """Diameter (pixels) of every point as drawn at scale 1."""
        classes, sizes = self.base_layer.size_classes
        if classes is None:
            return np.full(len(self._x), self.point_size, dtype=np.int32)
        return np.asarray(sizes, dtype=np.int32)[classes]

    def _apply_sizes(self) -> None:
        if self._size_values is None:
            self.base_layer.set_size_classes(None)
        else:
            classes, sizes = size_classes(self._size_values, self.point_size, max_size=MAX_POINT_SIZE)
            self.base_layer.set_size_classes(classes, sizes)
        self._on_selection_changed()
        if self._hovered >= 0:
            self._set_hover(self._hovered, force=True)

    @property
    def point_size(self) -> int:
        return self.base_layer.point_size

    def set_font_scale(self, scale: float) -> None:
        """Scale the point labels, tick labels and axis titles (1.0: normal; presentation mode enlarges)."""
        self._font_scale = float(scale)
        self._label_layer.font.setPointSizeF(LABEL_FONT_PT * self._font_scale)
        self.set_theme(self._theme)  # re-applies the tick font and the axis titles
        self._schedule_labels()

    @property
    def font_scale(self) -> float:
        return self._font_scale

    @property
    def label_font_size(self) -> float:
        """Point size of the point labels."""
        return self._label_layer.font.pointSizeF()

    def set_overlay_scale(self, scale: float) -> None:
        """Scale overlay markers, lines and arrow heads and the focus ring (1.0: as requested)."""
        self._overlay_scale = float(scale)
        self._focus_item.setSize(FOCUS_RING_PX * self._overlay_scale)
        self._focus_item.setPen(pg.mkPen(THEMES[self._theme]["focus"], width=2.5 * self._overlay_scale))
        self._refresh_overlays()
        self._schedule_labels()

    @property
    def overlay_scale(self) -> float:
        return self._overlay_scale

    def overlay_items(self, name: str) -> list:
        """The graphics items drawn for overlay ``name`` (empty if absent; for tests and styling)."""
        spec = self._overlays.get(name)
        return list(spec["items"]) if spec else []

    def set_keep_aspect(self, on: bool) -> None:
        """Lock the aspect ratio (1 data unit is as long on both axes)."""
        self._vb.setAspectLocked(bool(on), ratio=1.0)

    def set_drag_mode(self, mode: str) -> None:
        """What a left drag does: ``"pan"``, ``"box"`` (box select) or ``"lasso"``."""
        if mode not in ("pan", "box", "lasso"):
            raise ValueError(f"unknown drag mode {mode!r}")
        self._vb.drag_mode = mode

    @property
    def drag_mode(self) -> str:
        return self._vb.drag_mode

    def set_tooltip_provider(self, provider: Callable[[int], str] | None) -> None:
        """``provider(row) -> html`` for the hover tooltip (default: the label)."""
        self._tooltip_provider = provider

    # -- colour ------------------------------------------------------------------
    def set_color_mapping(self, mapping: ColorMapping | None) -> None:
        """Colour the points by a precomputed mapping (None = one theme colour)."""
        if mapping is not None and len(mapping.index) != len(self._x):
            raise ValueError("colour mapping does not match the number of points")
        self._mapping = mapping
        self._hidden_entries = set()
        self._visible = None
        self._apply_colors()

    def set_color_by(self, column) -> ColorMapping | None:
        """Colour by a :class:`~embexplorer.core.data.embeddings.MetadataColumn` (None = plain).

        Returns the mapping (palette, legend names, counts or value range).
        """
        if column is None:
            self.set_color_mapping(None)
            return None
        if column.kind == "categorical":
            mapping = categorical_colors(column.codes, column.categories)
        else:
            mapping = numeric_colors(column.values)
        self.set_color_mapping(mapping)
        return mapping

    @property
    def color_mapping(self) -> ColorMapping | None:
        return self._mapping

    def set_entry_visible(self, entry: int, visible: bool) -> None:
        """Show or hide the points of one colour entry (a legend row)."""
        if visible:
            self._hidden_entries.discard(int(entry))
        else:
            self._hidden_entries.add(int(entry))
        self._apply_visibility()

    @property
    def hidden_entries(self) -> set[int]:
        return set(self._hidden_entries)

    @property
    def visible_mask(self) -> np.ndarray | None:
        """Boolean mask of points not hidden by the legend (None = all shown)."""
        return self._visible

    def _apply_colors(self) -> None:
        n = len(self._x)
        if self._mapping is None:
            m = single_color(n, THEMES[self._theme]["point"])
            self.base_layer.set_colors(m.index, m.lut)
        else:
            self.base_layer.set_colors(self._mapping.index, self._mapping.lut)
        self._apply_visibility()

    def _apply_visibility(self) -> None:
        if self._mapping is None or not self._hidden_entries:
            self._visible = None
        else:
            show = np.ones(len(self._mapping.lut), dtype=bool)
            show[[e for e in self._hidden_entries if e < len(show)]] = False
            self._visible = show[self._mapping.index]
        self.base_layer.set_visible_mask(self._visible)
        if self._hovered >= 0 and self._visible is not None and not self._visible[self._hovered]:
            self._set_hover(-1)
        self._schedule_labels()

    def _selection_lut(self) -> np.ndarray:
        r, g, b = THEMES[self._theme]["selection"]
        return np.array([(0xFF << 24) | (r << 16) | (g << 8) | b], dtype=np.uint32)

    # -- selection --------------------------------------------------------------
    def set_selection_model(self, model: SelectionModel) -> None:
        """Share ``model`` with other panels (the view listens and writes to it)."""
        if self._selection is not None:
            self._selection.changed.disconnect(self._on_selection_changed)
        self._selection = model
        model.changed.connect(self._on_selection_changed)
        if model.size != len(self._x):
            model.set_size(len(self._x))
        self._on_selection_changed()

    def select_rect(self, x0: float, y0: float, x1: float, y1: float, mode: str = "replace") -> None:
        """Select the visible points inside a data-space rectangle."""
        mask = _in_range(self._x, self._y, min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1))
        if self._visible is not None:
            mask &= self._visible
        self._selection.apply_mask(mask, mode)

    def select_polygon(self, poly: np.ndarray, mode: str = "replace") -> None:
        """Select the visible points inside a data-space polygon (lasso)."""
        mask = polygon_mask(np.column_stack([self._x, self._y]), poly)
        if self._visible is not None:
            mask &= self._visible
        self._selection.apply_mask(mask, mode)

    def _on_selection_changed(self) -> None:
        rows = self._selection.rows if self._selection is not None else np.zeros(0, np.int64)
        rows = rows[rows < len(self._x)]
        self.selection_layer.set_points(self._x[rows], self._y[rows])
        self.selection_layer.set_colors(np.zeros(len(rows), np.uint16), self._selection_lut())
        classes, sizes = self.base_layer.size_classes
        if classes is not None:
            self.selection_layer.set_size_classes(classes[rows], tuple(s + SELECTION_EXTRA_PX for s in sizes))
        else:
            self.selection_layer.set_size_classes(None)
        self.selection_layer.setVisible(len(rows) > 0)
        self.base_layer.setOpacity(THEMES[self._theme]["dimmed"] if len(rows) else 1.0)
        self._schedule_labels()

    # -- hit testing --------------------------------------------------------------
    def row_at(self, x: float, y: float, radius_px: float = PICK_RADIUS_PX) -> int:
        """Nearest visible row to data point ``(x, y)`` within ``radius_px`` screen pixels, or -1.

        When sized by a column the radius is at least that of the largest point,
        so the rim of a big disc still picks it.
        """
        if self._size_values is not None:
            radius_px = max(radius_px, self.base_layer.max_point_size / 2.0)
        px, py = self._vb.viewPixelSize()
        rx, ry = abs(px) * radius_px, abs(py) * radius_px
        index = self._index
        if index is None:  # still building in the background
            return brute_nearest(self._x, self._y, x, y, rx, ry, self._visible)
        return index.nearest(x, y, rx, ry, self._visible)

    @property
    def hovered_row(self) -> int:
        return self._hovered

    @property
    def tooltip_text(self) -> str:
        """Plain text of the visible tooltip ("" when hidden)."""
        if not self._tooltip.isVisible():
            return ""
        doc = QtGui.QTextDocument()
        doc.setHtml(self._tooltip.text())
        return doc.toPlainText()

    def _on_mouse_moved(self, scene_pos) -> None:
        if not len(self._x) or not self._vb.sceneBoundingRect().contains(scene_pos):
            self._set_hover(-1)
            return
        p = self._vb.mapSceneToView(scene_pos)
        self._set_hover(self.row_at(p.x(), p.y()), scene_pos)

    def _set_hover(self, row: int, scene_pos=None, force: bool = False) -> None:
        if row == self._hovered and (row < 0 or scene_pos is None) and not force:
            return
        moved = row != self._hovered
        changed = moved or force
        self._hovered = row
        if row < 0:
            self._hover_item.setData([], [])
            self._tooltip.hide()
        else:
            if changed:
                classes, sizes = self.base_layer.size_classes
                size = sizes[int(classes[row])] if classes is not None else self.point_size
                self._hover_item.setSize(size + HOVER_EXTRA_PX)
                self._hover_item.setData([float(self._x[row])], [float(self._y[row])])
                self._tooltip.setText(self._tooltip_html(row))
                self._tooltip.adjustSize()
            view_pt = (self.plot_widget.viewportTransform().map(scene_pos).toPoint()
                       if scene_pos is not None else None)
            if view_pt is not None:
                self._place_tooltip(view_pt)
            self._tooltip.show()
            self._tooltip.raise_()
        if moved:
            self.point_hovered.emit(row)

    def _place_tooltip(self, pt: QtCore.QPoint) -> None:
        w, h = self._tooltip.width(), self._tooltip.height()
        x, y = pt.x() + 14, pt.y() + 14
        if x + w > self.plot_widget.width():
            x = pt.x() - w - 10
        if y + h > self.plot_widget.height():
            y = pt.y() - h - 10
        self._tooltip.move(max(0, x), max(0, y))

    def _tooltip_html(self, row: int) -> str:
        if self._tooltip_provider is not None:
            return self._tooltip_provider(row)
        return f"<b>{_esc(str(self._labels[row]))}</b>"

    def eventFilter(self, obj, ev) -> bool:
        # Hover from the viewport's own move events: pyqtgraph's scene signal is
        # rate limited and would drop the last move (a stale tooltip).
        t = ev.type()
        if t == QtCore.QEvent.Type.MouseMove:
            inv, ok = self.plot_widget.viewportTransform().inverted()
            if ok:
                self._on_mouse_moved(inv.map(ev.position()))
        elif t == QtCore.QEvent.Type.Leave:
            self._set_hover(-1)
        return super().eventFilter(obj, ev)

    def _on_view_clicked(self, pos, modifiers) -> None:
        row = self.row_at(pos.x(), pos.y())
        mode = mode_for_modifiers(modifiers)
        if row >= 0:
            self._selection.apply([row], mode)
            self.point_clicked.emit(row)
        elif mode == "replace":
            self._selection.clear()

    def _on_box_selected(self, rect, modifiers) -> None:
        self.select_rect(*rect, mode=mode_for_modifiers(modifiers))

    def _on_lasso_selected(self, poly, modifiers) -> None:
        self.select_polygon(poly, mode=mode_for_modifiers(modifiers))

    def _on_escape(self) -> None:
        self._selection.clear()
        self.set_focus_row(-1)

    # -- focus (search result) ----------------------------------------------------
    def set_focus_row(self, row: int, center: bool = True) -> None:
        """Highlight ``row`` with a ring and a label; centre the view on it (-1 clears)."""
        self._focus = int(row)
        if row < 0 or row >= len(self._x):
            self._focus = -1
            self._focus_item.setData([], [])
            self._schedule_labels()
            return
        x, y = float(self._x[row]), float(self._y[row])
        self._focus_item.setData([x], [y])
        if center:
            (vx0, vx1), (vy0, vy1) = self._vb.viewRange()
            fx0, fx1, fy0, fy1 = fit_range(self._x, self._y, padding=0)
            w, h = vx1 - vx0, vy1 - vy0
            if w > FOCUS_ZOOM_FRACTION * (fx1 - fx0) * 1.0001:
                w = FOCUS_ZOOM_FRACTION * (fx1 - fx0)
                h = FOCUS_ZOOM_FRACTION * (fy1 - fy0)
            self._vb.setRange(xRange=(x - w / 2, x + w / 2), yRange=(y - h / 2, y + h / 2), padding=0)
        self._schedule_labels()

    @property
    def focus_row(self) -> int:
        return self._focus

    # -- overlays ------------------------------------------------------------------
    def set_overlay(self, name: str, rows: Sequence[int] | np.ndarray | None = None, *,
                    xy: np.ndarray | None = None, color: tuple[int, int, int] = (214, 39, 40),
                    size: float = 10, symbol: str = "o", filled: bool = True,
                    lines: np.ndarray | None = None, arrows: np.ndarray | None = None,
                    width: float = 2.0, labels: bool | Sequence[str] = True, z: float = 20) -> None:
        """Draw a small named overlay on top of the points (replaces one of the same name).

        Parameters
        ----------
        name : str
            Key, e.g. ``"neighbours"``, ``"analogy"``, ``"recommended"``.
        rows : sequence of int, optional
            Rows to mark (their points get a marker and, by default, a label).
        xy : ndarray (m, 2), optional
            Extra marker positions that are not rows (e.g. the analogy target).
        color, size, symbol, filled : marker style (pyqtgraph symbol names).
        lines : ndarray (k, 2, 2) or (k, 2) of int, optional
            Segments in data coordinates, or row pairs to connect.
        arrows : same forms as ``lines``
            Like lines, with an arrow head at the second end.
        labels : bool or sequence of str
            True labels the rows with their labels; a sequence labels ``xy`` markers.
        z : float
            Stacking order among overlays.
        """
        self.remove_overlay(name)
        spec = dict(rows=np.asarray(rows if rows is not None else [], dtype=np.int64).reshape(-1),
                    xy=None if xy is None else np.asarray(xy, dtype=np.float64).reshape(-1, 2),
                    color=tuple(color), size=size, symbol=symbol, filled=filled,
                    lines=lines, arrows=arrows, width=width, labels=labels, z=z, items=[])
        self._overlays[name] = spec
        self._build_overlay(spec)
        self._schedule_labels()

    def remove_overlay(self, name: str) -> None:
        """Remove the overlay ``name`` (no error if absent)."""
        spec = self._overlays.pop(name, None)
        if spec:
            for item in spec["items"]:
                self.plot_widget.removeItem(item)
            self._schedule_labels()

    def clear_overlays(self) -> None:
        """Remove every overlay."""
        for name in list(self._overlays):
            self.remove_overlay(name)

    @property
    def overlay_names(self) -> list[str]:
        return list(self._overlays)

    def _segments(self, spec_lines) -> np.ndarray:
        arr = np.asarray(spec_lines)
        if arr.size == 0:
            return np.zeros((0, 2, 2))
        if arr.ndim == 2 and arr.shape[1] == 2 and np.issubdtype(arr.dtype, np.integer):
            a, b = arr[:, 0], arr[:, 1]
            return np.stack([np.column_stack([self._x[a], self._y[a]]),
                             np.column_stack([self._x[b], self._y[b]])], axis=1).astype(np.float64)
        return arr.reshape(-1, 2, 2).astype(np.float64)

    def _build_overlay(self, spec: dict) -> None:
        color = QtGui.QColor(*spec["color"])
        items = spec["items"]
        k = self._overlay_scale
        for key, heads in (("lines", False), ("arrows", True)):
            if spec[key] is None:
                continue
            seg = self._segments(spec[key])
            if not len(seg):
                continue
            curve = pg.PlotCurveItem(seg[:, :, 0].reshape(-1), seg[:, :, 1].reshape(-1), connect="pairs",
                                     pen=pg.mkPen(color, width=spec["width"] * k), antialias=True)
            curve.setZValue(spec["z"])
            self.plot_widget.addItem(curve, ignoreBounds=True)
            items.append(curve)
            if heads:
                for a, b in seg:
                    head = pg.ArrowItem(pos=tuple(b), headLen=12 * k, tipAngle=32,
                                        pen=pg.mkPen(color), brush=pg.mkBrush(color))
                    head.setZValue(spec["z"] + 0.5)
                    head._segment = (a, b)
                    self.plot_widget.addItem(head, ignoreBounds=True)
                    items.append(head)
                self._orient_arrows(items)
        pts = []
        if len(spec["rows"]):
            r = spec["rows"][spec["rows"] < len(self._x)]
            pts.append(np.column_stack([self._x[r], self._y[r]]))
        if spec["xy"] is not None:
            pts.append(spec["xy"])
        if pts:
            p = np.concatenate(pts)
            pen = pg.mkPen(color.darker(150), width=1.2 * k)
            brush = pg.mkBrush(color) if spec["filled"] else pg.mkBrush(None)
            if not spec["filled"]:
                pen = pg.mkPen(color, width=2 * k)
            sc = _PassiveScatter(p[:, 0], p[:, 1], size=spec["size"] * k, symbol=spec["symbol"], pen=pen,
                                    brush=brush, pxMode=True, antialias=True)
            sc.setZValue(spec["z"] + 1)
            self.plot_widget.addItem(sc, ignoreBounds=True)
            items.append(sc)

    def _orient_arrows(self, items) -> None:
        """Point arrow heads along their segments in screen space (depends on the zoom)."""
        px, py = self._vb.viewPixelSize()
        for item in items:
            seg = getattr(item, "_segment", None)
            if seg is None:
                continue
            (xa, ya), (xb, yb) = seg
            # Screen y grows downwards; ArrowItem's angle 0 points left.
            ang = np.degrees(np.arctan2(-(yb - ya) / (py or 1), (xb - xa) / (px or 1)))
            item.setStyle(angle=180 + ang)

    def _overlays_clear_items(self) -> None:
        for spec in self._overlays.values():
            for item in spec["items"]:
                self.plot_widget.removeItem(item)
        self._overlays = {}

    def _refresh_overlays(self) -> None:
        for spec in self._overlays.values():
            for item in spec["items"]:
                self.plot_widget.removeItem(item)
            spec["items"] = []
            self._build_overlay(spec)

    # -- labels -------------------------------------------------------------------
    def set_labels_in_view(self, on: bool) -> None:
        """Also label points in view (up to :data:`LABELS_IN_VIEW_MAX`, never overlapping)."""
        self._labels_in_view = bool(on)
        self._schedule_labels()

    @property
    def labels_in_view(self) -> bool:
        return self._labels_in_view

    @property
    def shown_labels(self) -> list[str]:
        """Texts of the labels currently drawn (after a relayout)."""
        return [e[2] for e in self._label_layer.entries]

    def label_boxes(self) -> list[QtCore.QRectF]:
        """Scene rectangles of the drawn labels (same order as :attr:`shown_labels`)."""
        return [self._vb.mapRectToScene(b) for b in self._label_layer.boxes()]

    def _schedule_labels(self) -> None:
        self._label_timer.start()

    def relayout_labels(self) -> None:
        """Lay the labels out now (normally done shortly after the view settles)."""
        self._label_timer.stop()
        self._on_relayout_labels()

    def _forced_label_rows(self) -> tuple[list[int], list[tuple[float, float, str]]]:
        rows: list[int] = []
        extra: list[tuple[float, float, str]] = []
        if self._focus >= 0:
            rows.append(self._focus)
        for spec in self._overlays.values():
            lab = spec["labels"]
            if lab is True:
                rows.extend(int(r) for r in spec["rows"] if r < len(self._x))
            elif lab and spec["xy"] is not None:
                extra.extend((float(x), float(y), str(t)) for (x, y), t in zip(spec["xy"], lab))
        sel = self._selection.rows if self._selection is not None else np.zeros(0, np.int64)
        if len(sel):
            (vx0, vx1), (vy0, vy1) = self._vb.viewRange()
            inview = sel[_in_range(self._x[sel], self._y[sel], vx0, vx1, vy0, vy1)]
            rows.extend(int(r) for r in inview[:LABELS_FORCED_MAX])
        seen: set[int] = set()
        uniq = [r for r in rows if not (r in seen or seen.add(r))]
        return uniq[:LABELS_FORCED_MAX], extra

    def _on_relayout_labels(self) -> None:
        for spec in self._overlays.values():
            self._orient_arrows(spec["items"])
        if not len(self._x):
            self._show_labels([])
            return
        forced, extra = self._forced_label_rows()
        cand = list(forced)
        if self._labels_in_view:
            (vx0, vx1), (vy0, vy1) = self._vb.viewRange()
            m = _in_range(self._x, self._y, vx0, vx1, vy0, vy1)
            if self._visible is not None:
                m &= self._visible
            fs = set(forced)
            cand += [int(r) for r in np.flatnonzero(m)[:LABEL_CANDIDATES_MAX] if int(r) not in fs]
        entries = [(float(self._x[r]), float(self._y[r]), str(self._labels[r])) for r in cand] + extra
        n_forced = len(forced) + len(extra)
        # Put the non-row labels (e.g. analogy target) with the forced ones, before in-view candidates.
        entries = entries[:len(forced)] + extra + entries[len(forced):len(cand)]
        if not entries:
            self._show_labels([])
            return
        fm = QtGui.QFontMetrics(self._label_font())
        pts = np.array([(e[0], e[1]) for e in entries], dtype=np.float64)
        # View -> scene with one affine transform for all points (no per-point Qt calls).
        self._vb.updateMatrix()
        tr = self._vb.childGroup.sceneTransform()
        px = tr.m11() * pts[:, 0] + tr.m21() * pts[:, 1] + tr.m31()
        py = tr.m12() * pts[:, 0] + tr.m22() * pts[:, 1] + tr.m32()
        # Box = text plus a margin on each side.
        m = 2 * LABEL_MARGIN_PX + 2
        height = fm.height() + m
        widths = np.array([fm.horizontalAdvance(e[2]) + m for e in entries], dtype=float)
        area = self._vb.sceneBoundingRect()  # labels stay inside the plot (none cut at its edges)
        keep, corner = place_labels(px, py, widths, height, n_forced + LABELS_IN_VIEW_MAX, n_forced=n_forced,
                                    bounds=(area.left(), area.top(), area.right(), area.bottom()))
        # Each label keeps the corner place_labels chose: drawn exactly where its box was tested.
        self._show_labels([(entries[i][0], entries[i][1], entries[i][2], LABEL_CORNERS[k], float(widths[i]),
                            float(height)) for i, k in zip(keep, corner)])

    def _label_font(self) -> QtGui.QFont:
        return self._label_layer.font

    def _show_labels(self, entries: list[tuple]) -> None:
        self._label_layer.set_entries(entries)

    # -- events --------------------------------------------------------------------
    def _on_range_changed(self, *args) -> None:
        self._vb.updateMatrix()
        self._grid.update()
        self._label_layer.update()
        if self._labels_in_view or self._selection.count or self._overlays or self._focus >= 0:
            # Labels and arrow heads depend on the zoom: re-lay them out once the view settles.
            self._schedule_labels()


def _in_range(x: np.ndarray, y: np.ndarray, x0: float, x1: float, y0: float, y1: float) -> np.ndarray:
    """Mask of points inside ``[x0, x1] x [y0, y1]`` (separate columns: no (n, 2) copy)."""
    m = x >= x0
    m &= x <= x1
    m &= y >= y0
    m &= y <= y1
    return m


def _esc(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def metadata_tooltip(labels: Sequence[str], metadata: dict, row: int,
                     max_fields: int = TOOLTIP_MAX_FIELDS) -> str:
    """Tooltip HTML for ``row``: the label in bold, then up to ``max_fields`` metadata values."""
    parts = [f"<b>{_esc(str(labels[row]))}</b>"]
    for i, (name, col) in enumerate(metadata.items()):
        if i >= max_fields:
            parts.append("…")
            break
        v = col.value(row)
        if v != "":
            parts.append(f"<span style='opacity:0.75'>{_esc(name)}:</span> {_esc(v)}")
    return "<br>".join(parts)
