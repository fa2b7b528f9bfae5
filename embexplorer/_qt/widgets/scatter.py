"""Scatter view of projected points: fluid at a million points.

The points live in one :class:`~embexplorer._qt.widgets.raster_layer.PointCloudItem`
(numpy raster when many are in view, crisp vector discs when few), the
selected points in a second one over it (:mod:`~embexplorer._qt.widgets.scatter_points`). Hover
uses a grid index (well under a millisecond at 1M points,
:mod:`~embexplorer._qt.widgets.scatter_hover`); click, box and lasso selection write
into a shared :class:`~embexplorer._qt.widgets.selection.SelectionModel`. Small things
on top -- hover ring, search focus, overlays from other panels (neighbours,
analogy arrows, recommendations: :mod:`~embexplorer._qt.widgets.scatter_overlays`) --
are ordinary pyqtgraph items holding a handful of points; the point labels
are one item (:mod:`~embexplorer._qt.widgets.scatter_labels`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.widgets.scatter_hover import (
    INDEX_DELAY_MS,
    INDEX_THREAD_MIN,
    TOOLTIP_MAX_FIELDS,
    HoverIndex,
    Tooltip,
    escape_html,
    metadata_tooltip,
)
from embexplorer._qt.widgets.scatter_items import GridItem, PassiveScatter, SelectViewBox
from embexplorer._qt.widgets.scatter_labels import (
    LABEL_CANDIDATES_MAX,
    LABEL_MARGIN_PX,
    LABELS_FORCED_MAX,
    LABELS_IN_VIEW_MAX,
    LabelLayer,
    anchor_radius,
    in_range,
    label_entries,
)
from embexplorer._qt.widgets.scatter_overlays import (
    OVERLAY_COLOR,
    OVERLAY_SIZE_PX,
    OVERLAY_WIDTH_PX,
    OVERLAY_Z,
    OverlaySet,
    overlay_spec,
)
from embexplorer._qt.widgets.scatter_points import DEFAULT_POINT_SIZE, SELECTION_EXTRA_PX, PointLayers
from embexplorer._qt.widgets.scatter_theme import (
    AXIS_TITLE_PT,
    FOCUS_RING_PX,
    HOVER_RING_PX,
    LABEL_FONT_PT,
    THEMES,
    TICK_FONT_PT,
)
from embexplorer._qt.widgets.selection import SelectionModel, mode_for_modifiers
from embexplorer.core.view.scatter_math import (
    ColorMapping,
    categorical_colors,
    fit_range,
    numeric_colors,
    polygon_mask,
    range_containing,
)

# The view, and every name this module had before it was split: the constants now defined beside their
# code (scatter_hover, scatter_labels, scatter_points, scatter_theme) stay importable from here.
__all__ = [
    "ScatterView", "metadata_tooltip", "THEMES", "PICK_RADIUS_PX", "DEFAULT_POINT_SIZE", "SELECTION_EXTRA_PX",
    "HOVER_EXTRA_PX", "LABEL_RELAYOUT_MS", "FOCUS_ZOOM_FRACTION", "INDEX_THREAD_MIN", "INDEX_DELAY_MS",
    "TOOLTIP_MAX_FIELDS", "LABELS_IN_VIEW_MAX", "LABELS_FORCED_MAX", "LABEL_CANDIDATES_MAX",
    "LABEL_MARGIN_PX", "TICK_FONT_PT", "LABEL_FONT_PT", "AXIS_TITLE_PT", "HOVER_RING_PX", "FOCUS_RING_PX",
]

#: Hover / click pick radius in screen pixels.
PICK_RADIUS_PX = 8
#: The hover ring is this many pixels wider than the hovered point.
HOVER_EXTRA_PX = 8
#: Delay before labels are re-laid out after the view moved (ms): no work per pan step.
LABEL_RELAYOUT_MS = 60
#: When focusing a row, zoom in if the view spans more than this fraction of the data (plus a
#: relative tolerance, so a view zoomed in to exactly that fraction is not zoomed again).
FOCUS_ZOOM_FRACTION = 0.25
FOCUS_ZOOM_TOLERANCE = 1e-4
#: Stacking of the rings: over the points (scatter_points) and the overlays (their own ``z``, 20 by default).
FOCUS_Z, HOVER_Z = 29, 30
#: Pen widths (pixels) of the hover ring and of the focus ring (the latter times the overlay scale).
HOVER_PEN_PX = 1.6
FOCUS_PEN_PX = 2.5
#: Grid line opacities: the theme's ``grid`` value times these, for major and minor lines.
GRID_MAJOR_GAIN, GRID_MINOR_GAIN = 1.6, 0.6


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
    focus_changed(int)
        The ringed row (:meth:`set_focus_row`; -1 when none).
    """

    focus_changed = QtCore.Signal(int)
    point_hovered = QtCore.Signal(int)
    point_clicked = QtCore.Signal(int)
    context_menu_requested = QtCore.Signal(QtCore.QPoint)

    def __init__(self, parent: QtWidgets.QWidget | None = None,
                 selection: SelectionModel | None = None) -> None:
        super().__init__(parent)
        self._vb = SelectViewBox()
        self.plot_widget = pg.PlotWidget(parent=self, viewBox=self._vb)
        # No global antialiasing: it makes the axis grid several times slower to
        # paint; the small overlay items antialias themselves.
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget)
        pi = self.plot_widget.getPlotItem()
        pi.hideButtons()
        pi.setMenuEnabled(False)
        self._grid = GridItem(self._vb, pi)
        self._label_layer = LabelLayer(self._vb)
        # Update the child transform as soon as the range changes: otherwise
        # pyqtgraph paints each pan step twice (old then new matrix).
        self._vb.sigRangeChanged.connect(self._on_range_changed)

        self._theme = "light"
        self._x = np.zeros(0, dtype=np.float32)
        self._y = np.zeros(0, dtype=np.float32)
        self._labels: Sequence[str] = ()
        self._hover_index = HoverIndex(self)
        self._hovered = -1
        self._focus = -1
        self._tooltip_provider: Callable[[int], str] | None = None
        self._labels_in_view = False
        self._overlay_set = OverlaySet(self.plot_widget, self._vb)
        self._font_scale = 1.0  # presentation mode enlarges text (and the overlays: OverlaySet.scale)
        self._points = PointLayers(self.plot_widget)
        #: Every point, and the selected points over them (PointCloudItems).
        self.base_layer = self._points.base
        self.selection_layer = self._points.selected
        self._hover_item = PassiveScatter(size=HOVER_RING_PX, symbol="o", pxMode=True, antialias=True)
        self._hover_item.setZValue(HOVER_Z)
        self.plot_widget.addItem(self._hover_item, ignoreBounds=True)
        self._focus_item = PassiveScatter(size=FOCUS_RING_PX, symbol="o", pxMode=True, antialias=True)
        self._focus_item.setZValue(FOCUS_Z)
        self.plot_widget.addItem(self._focus_item, ignoreBounds=True)

        self._tooltip = Tooltip(self.plot_widget)

        self._label_timer = QtCore.QTimer(self)
        self._label_timer.setSingleShot(True)
        self._label_timer.setInterval(LABEL_RELAYOUT_MS)
        self._label_timer.timeout.connect(self._on_relayout_labels)

        self._selection: SelectionModel | None = None
        self.set_selection_model(selection if selection is not None else SelectionModel(0, self))

        self._vb.sigPointClicked.connect(self._on_view_clicked)
        self._vb.sigContextClicked.connect(self._on_context_clicked)
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
        self._x = np.ascontiguousarray(xy[:, 0], dtype=np.float32)
        self._y = np.ascontiguousarray(xy[:, 1], dtype=np.float32)
        self._labels = labels
        self._hover_index.set_points(self._x, self._y)
        self._points.set_points(self._x, self._y, same_set=same_n)
        if self._selection.size != len(xy):
            self._selection.set_size(len(xy))
        if not same_n:
            self._overlay_set.drop_all()
            self._points.set_highlighted(False)
            self._focus = -1
        self._set_hover(-1)
        self._on_selection_changed()
        self._overlay_set.rebuild(self._x, self._y)
        if not keep_view:
            self.zoom_to_fit()
        self._schedule_labels()

    def wait_for_index(self, timeout: float | None = None) -> bool:
        """Block until the hover index is built (tests, benchmarks); True when ready."""
        return self._hover_index.wait(timeout)

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
            ax.setPen(pg.mkPen(t["foreground"], width=t["axis_width"]))
            ax.setTextPen(pg.mkPen(t["foreground"]))
            ax.setTickFont(font)
        self._grid.set_style(t["foreground"], int(255 * t["grid"] * GRID_MAJOR_GAIN),
                             int(255 * t["grid"] * GRID_MINOR_GAIN))
        if hasattr(self, "_axis_titles"):
            self.set_axis_labels(*self._axis_titles)
        self._vb.set_rubber_color(t["rubber"])
        self._tooltip.set_theme(t)
        self._hover_item.setPen(pg.mkPen(t["hover"], width=HOVER_PEN_PX))
        self._hover_item.setBrush(pg.mkBrush(None))
        self._focus_item.setPen(pg.mkPen(t["focus"], width=FOCUS_PEN_PX * self.overlay_scale))
        self._focus_item.setBrush(pg.mkBrush(None))
        self._points.set_theme(t)
        self._on_selection_changed()
        self._label_layer.text_color = QtGui.QColor(t["label"])
        self._label_layer.fill = QtGui.QColor(*t["label_bg"])
        self._label_layer.update()
        self._overlay_set.rebuild(self._x, self._y)

    @property
    def theme(self) -> str:
        return self._theme

    def set_point_size(self, size: int) -> None:
        """Point diameter in pixels (the smallest size class when sized by a column)."""
        self._points.set_point_size(size)
        self._hover_item.setSize(size + HOVER_EXTRA_PX)
        self._on_sizes_changed()

    def set_size_by(self, values: np.ndarray | None) -> None:
        """Size the points by a numeric column (one value per point; None = uniform size).

        The values are binned into a few size classes by rank
        (:func:`~embexplorer.core.view.scatter_math.size_classes`): disc area grows
        with the rank, from the point size to about three times its diameter;
        NaN gets the smallest size. Classes are recomputed when the point size
        changes and dropped when points of another count are set.
        """
        self._points.set_size_values(values)
        self._on_sizes_changed()

    @property
    def size_values(self) -> np.ndarray | None:
        """The numeric column sizing the points (None when uniform)."""
        return self._points.size_values

    @property
    def point_sizes(self) -> np.ndarray:
        """Diameter (pixels) of every point as drawn at scale 1."""
        return self._points.sizes()

    def _on_sizes_changed(self) -> None:
        self._on_selection_changed()  # the selected points follow their sizes
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
        self._overlay_set.scale = float(scale)
        self._focus_item.setSize(FOCUS_RING_PX * self.overlay_scale)
        self._focus_item.setPen(pg.mkPen(THEMES[self._theme]["focus"],
                                         width=FOCUS_PEN_PX * self.overlay_scale))
        self._overlay_set.rebuild(self._x, self._y)
        self._schedule_labels()

    @property
    def overlay_scale(self) -> float:
        return self._overlay_set.scale

    def overlay_items(self, name: str) -> list:
        """The graphics items drawn for overlay ``name`` (empty if absent; for tests and styling)."""
        return self._overlay_set.items(name)

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
        self._points.set_mapping(mapping)
        self._on_visibility_changed()

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
        return self._points.mapping

    def set_entry_visible(self, entry: int, visible: bool) -> None:
        """Show or hide the points of one colour entry (a legend row)."""
        self._points.set_entry_visible(entry, visible)
        self._on_visibility_changed()

    @property
    def hidden_entries(self) -> set[int]:
        return set(self._points.hidden)

    @property
    def visible_mask(self) -> np.ndarray | None:
        """Boolean mask of points not hidden by the legend (None = all shown)."""
        return self._points.visible

    def _on_visibility_changed(self) -> None:
        visible = self._points.visible
        if self._hovered >= 0 and visible is not None and not visible[self._hovered]:
            self._set_hover(-1)
        self._schedule_labels()

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
        mask = in_range(self._x, self._y, min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1))
        self._select_mask(mask, mode)

    def select_polygon(self, poly: np.ndarray, mode: str = "replace") -> None:
        """Select the visible points inside a data-space polygon (lasso)."""
        self._select_mask(polygon_mask(np.column_stack([self._x, self._y]), poly), mode)

    def _select_mask(self, mask: np.ndarray, mode: str) -> None:
        if self._points.visible is not None:
            mask &= self._points.visible  # hidden points are never selected by area
        self._selection.apply_mask(mask, mode)

    def _on_selection_changed(self) -> None:
        rows = self._selection.rows if self._selection is not None else np.zeros(0, np.int64)
        self._points.show_selection(self._x, self._y, rows)
        self._schedule_labels()

    # -- hit testing --------------------------------------------------------------
    def row_at(self, x: float, y: float, radius_px: float = PICK_RADIUS_PX) -> int:
        """Nearest visible row to data point ``(x, y)`` within ``radius_px`` screen pixels, or -1.

        When sized by a column the radius is at least that of the largest point,
        so the rim of a big disc still picks it.
        """
        if self._points.size_values is not None:
            radius_px = max(radius_px, self.base_layer.max_point_size / 2.0)
        px, py = self._vb.viewPixelSize()
        rx, ry = abs(px) * radius_px, abs(py) * radius_px
        return self._hover_index.nearest(x, y, rx, ry, self._points.visible)

    @property
    def hovered_row(self) -> int:
        return self._hovered

    @property
    def tooltip_text(self) -> str:
        """Plain text of the visible tooltip ("" when hidden)."""
        return self._tooltip.plain_text()

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
                self._hover_item.setSize(self._points.size_of(row) + HOVER_EXTRA_PX)
                self._hover_item.setData([float(self._x[row])], [float(self._y[row])])
                self._tooltip.set_html(self._tooltip_html(row))
            if scene_pos is not None:
                self._tooltip.place_near(self.plot_widget.viewportTransform().map(scene_pos).toPoint())
            self._tooltip.show()
            self._tooltip.raise_()
        if moved:
            self.point_hovered.emit(row)

    def _tooltip_html(self, row: int) -> str:
        if self._tooltip_provider is not None:
            return self._tooltip_provider(row)
        return f"<b>{escape_html(str(self._labels[row]))}</b>"

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

    def _on_context_clicked(self, scene_pos) -> None:
        self.context_menu_requested.emit(self.plot_widget.mapFromScene(scene_pos))

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
        self._focus = int(row) if 0 <= row < len(self._x) else -1
        self.focus_changed.emit(self._focus)
        if self._focus < 0:
            self._focus_item.setData([], [])
            self._schedule_labels()
            return
        x, y = float(self._x[row]), float(self._y[row])
        self._focus_item.setData([x], [y])
        if center:
            (vx0, vx1), (vy0, vy1) = self._vb.viewRange()
            fx0, fx1, fy0, fy1 = fit_range(self._x, self._y, padding=0)
            w, h = vx1 - vx0, vy1 - vy0
            if w > FOCUS_ZOOM_FRACTION * (fx1 - fx0) * (1 + FOCUS_ZOOM_TOLERANCE):
                w = FOCUS_ZOOM_FRACTION * (fx1 - fx0)
                h = FOCUS_ZOOM_FRACTION * (fy1 - fy0)
            self._vb.setRange(xRange=(x - w / 2, x + w / 2), yRange=(y - h / 2, y + h / 2), padding=0)
        self._schedule_labels()

    def show_rows(self, rows) -> bool:
        """Move the view so that it contains every one of ``rows`` with a margin (a search's matches, a
        selection); nothing moves when they are all in view already.  Returns True if the view moved."""
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        rows = rows[(rows >= 0) & (rows < len(self._x))]
        if not len(rows):
            return False
        target = range_containing(np.column_stack([self._x[rows], self._y[rows]]), self._vb.viewRange(),
                                  fit_range(self._x, self._y, padding=0))
        if target is None:
            return False
        self._vb.setRange(xRange=target[:2], yRange=target[2:], padding=0)
        return True

    @property
    def focus_row(self) -> int:
        return self._focus

    # -- overlays ------------------------------------------------------------------
    def set_overlay(self, name: str, rows: Sequence[int] | np.ndarray | None = None, *,
                    xy: np.ndarray | None = None, color: tuple[int, int, int] = OVERLAY_COLOR,
                    size: float = OVERLAY_SIZE_PX, symbol: str = "o", filled: bool = True,
                    lines: np.ndarray | None = None, arrows: np.ndarray | None = None,
                    width: float = OVERLAY_WIDTH_PX, labels: bool | Sequence[str] = True,
                    z: float = OVERLAY_Z) -> None:
        """Draw a small named overlay on top of the points (replaces one of the same name).

        ``rows`` are marked (and labelled unless ``labels`` is False); ``xy`` are extra markers that are
        not rows (labelled by a sequence ``labels``); ``lines`` / ``arrows`` are ``(k, 2, 2)`` segments or
        ``(k, 2)`` row pairs (arrows get a head at the second end); the rest is the marker style
        (pyqtgraph symbol names) and ``z`` the stacking among overlays (see :func:`overlay_spec`).
        """
        self._overlay_set.put(name, overlay_spec(rows, xy, color, size, symbol, filled, lines, arrows, width,
                                                 labels, z), self._x, self._y)
        self._points.set_highlighted(self._overlay_set.highlights())
        self._schedule_labels()

    def remove_overlay(self, name: str) -> None:
        """Remove the overlay ``name`` (no error if absent)."""
        if self._overlay_set.remove(name):
            self._points.set_highlighted(self._overlay_set.highlights())
            self._schedule_labels()

    def clear_overlays(self) -> None:
        """Remove every overlay."""
        for name in list(self._overlay_set.specs):
            self.remove_overlay(name)

    def marker_list(self) -> list[tuple[str, float, float, float, bool]]:
        """Every overlay marker: ``(overlay, x, y, diameter in pixels, labelled)`` (screenshot report)."""
        return self._overlay_set.named_markers(self._x, self._y)

    @property
    def overlay_names(self) -> list[str]:
        return list(self._overlay_set.specs)

    @property
    def _overlays(self) -> dict[str, dict]:
        # Each overlay's record (rows, xy, lines, arrows, style) by name: the integration tests read it.
        return self._overlay_set.specs

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

    @property
    def labels_not_shown(self) -> int:
        """Focus, overlay and selected labels with no free place (the plot's "+N more" note)."""
        return self._label_layer.more

    @property
    def more_text(self) -> str:
        """The "+N more" note as drawn ("" when every label found a place)."""
        return self._label_layer.more_text()

    def set_label_keepout(self, rects: Sequence[QtCore.QRectF]) -> None:
        """Scene rectangles no label may cover (a panel floating over the plot, e.g. the layer legend)."""
        self._label_layer.keepout = [QtCore.QRectF(r) for r in rects]
        self._schedule_labels()

    def label_boxes(self) -> list[QtCore.QRectF]:
        """Scene rectangles of the drawn labels (same order as :attr:`shown_labels`)."""
        return [self._vb.mapRectToScene(b) for b in self._label_layer.boxes()]

    def _schedule_labels(self) -> None:
        self._label_timer.start()

    def relayout_labels(self) -> None:
        """Lay the labels out now (normally done shortly after the view settles)."""
        self._label_timer.stop()
        self._on_relayout_labels()

    def _on_relayout_labels(self) -> None:
        self._overlay_set.orient_arrows()
        if not len(self._x):
            self._label_layer.set_entries([])
            return
        rows, extra = self._overlay_set.labelled(len(self._x))
        forced = ([self._focus] if self._focus >= 0 else []) + rows
        entries = label_entries(self._x, self._y, self._labels, self._vb.viewRange(),
                                forced_rows=forced, extra=extra, selected=self._selection.rows,
                                in_view=self._labels_in_view, visible=self._points.visible)
        markers = self._overlay_set.markers(self._x, self._y)
        if self._focus >= 0:  # the focus ring is a highlighted marker too
            markers = np.vstack([markers, [(self._x[self._focus], self._y[self._focus], FOCUS_RING_PX, 1)]])
        self._label_layer.lay_out(entries, markers, anchor_radius(entries, markers, self.point_size))

    # -- events --------------------------------------------------------------------
    def _on_range_changed(self, *args) -> None:
        self._vb.updateMatrix()
        self._grid.update()
        self._label_layer.update()
        if self._labels_in_view or self._selection.count or self._overlay_set.specs or self._focus >= 0:
            # Labels and arrow heads depend on the zoom: re-lay them out once the view settles.
            self._schedule_labels()

