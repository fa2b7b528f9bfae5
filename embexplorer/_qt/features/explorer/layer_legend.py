"""The on-plot layer legend: what each highlight is, with a hide toggle and a close (×) per layer.

Built from the Workspace's layers (one entry per layer with a legend text, in the
order they were set), after entries for the ringed point of a search and for the selection
when there are some (they are highlights too: "found: king", "selected (12)"; their × clears
them); it sits in the plot's upper
right corner (or the corner hiding the fewest highlighted markers) on a semi-transparent
panel and disappears when there is nothing to explain.  A hidden
layer keeps its entry (greyed, toggle off) so that it can be shown again.
"""

from __future__ import annotations

import pyqtgraph as pg
from pyqtgraph.graphicsItems.ScatterPlotItem import Symbols
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.widgets.scatter_points import DEFAULT_POINT_SIZE, SELECTION_EXTRA_PX
from embexplorer._qt.widgets.scatter_theme import FOCUS_RING_PX, LABEL_FONT_PT, THEMES
from embexplorer.core.view.layers import Layer, LayerStyle

#: Distance of the legend from the plot's upper right corner (pixels).
LEGEND_MARGIN_PX = 8
#: Side of the symbol drawn before each text (pixels, before the font scale).
SYMBOL_PX = 16
#: Largest marker drawn in the symbol box (pixels): big layer markers are shrunk to fit.
SYMBOL_MARKER_MAX_PX = 12
#: Opacity (0-255) of the legend's panel: points behind it stay faintly visible.
PANEL_ALPHA = 215
#: Opacity of a hidden layer's text.
HIDDEN_TEXT_ALPHA = 120
#: Rounded corners of the panel (pixels).
PANEL_RADIUS_PX = 4
#: Corners of the plot the legend may take, in order of preference (the "+N more" note is bottom right).
LEGEND_CORNERS = ("top-right", "top-left", "bottom-left", "bottom-right")
#: Markers this close to the panel (pixels) count as under it when it picks its corner: their labels
#: would need the room.
LEGEND_CLEARANCE_PX = 60
#: Pixels of an entry that are not its text (toggle, spacing, × button, the panel's margins), and the
#: narrowest an entry's text is wrapped to.
LEGEND_CHROME_PX, LEGEND_TEXT_MIN_PX = 80, 120
#: Keys of the selection's and the focus ring's entries (not Workspace layers: each is its own state).
SELECTION_ENTRY = "explorer.selection"
FOCUS_ENTRY = "explorer.focus"


def _count_inside(pts, x: float, y: float, w: float, h: float) -> int:
    """How many of the points ``pts`` fall inside the rectangle (x, y, w, h)."""
    return sum(1 for px, py in pts if x <= px <= x + w and y <= py <= y + h)


def symbol_pixmap(layer, side: int, ratio: float = 1.0) -> QtGui.QPixmap:
    """The layer's look in a ``side`` x ``side`` box: its marker, or an arrow / line when it has none."""
    pm = QtGui.QPixmap(int(side * ratio), int(side * ratio))
    pm.setDevicePixelRatio(ratio)
    pm.fill(QtCore.Qt.GlobalColor.transparent)
    s = layer.style
    color = QtGui.QColor(*s.color)
    p = QtGui.QPainter(pm)
    p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
    has_marker = len(layer.rows) or layer.points is not None
    strokes = layer.arrows is not None or layer.direction is not None or layer.lines is not None
    if not has_marker and strokes:
        # Lines only (an analogy's sides, a taste direction): a short stroke, with a head for arrows.
        p.setPen(QtGui.QPen(color, max(s.width, 1.5)))
        p.drawLine(QtCore.QPointF(2, side - 3), QtCore.QPointF(side - 3, 3))
        if layer.arrows is not None or layer.direction is not None:
            p.setBrush(color)
            head = QtGui.QPolygonF([QtCore.QPointF(side - 2, 2), QtCore.QPointF(side - 8, 4),
                                    QtCore.QPointF(side - 4, 8)])
            p.drawPolygon(head)
    elif s.size <= 0:  # a layer of captions only (e.g. region names): its icon is a letter
        p.setPen(QtGui.QPen(color))
        p.drawText(QtCore.QRectF(0, 0, side, side), QtCore.Qt.AlignmentFlag.AlignCenter, "Aa")
    else:
        size = min(float(s.size), SYMBOL_MARKER_MAX_PX)
        path = Symbols.get(s.symbol, Symbols["o"])
        p.translate(side / 2, side / 2)
        p.scale(size, size)
        if s.filled:
            p.setPen(QtGui.QPen(color.darker(150), 1.2 / size))
            p.setBrush(color)
        else:
            p.setPen(QtGui.QPen(color, 2.0 / size))
            p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        p.drawPath(path)
    p.end()
    return pm


class LegendEntry(QtWidgets.QWidget):
    """One layer: hide toggle, symbol, text, close (×)."""

    def __init__(self, legend: LayerLegend, layer) -> None:
        super().__init__(legend)
        self.name = layer.name
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        self.toggle = QtWidgets.QCheckBox()
        self.toggle.setToolTip("Show or hide this highlight")
        self.toggle.setChecked(layer.visible)
        if self.name in (SELECTION_ENTRY, FOCUS_ENTRY):  # cleared, not hidden: no toggle (its room kept)
            policy = self.toggle.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            self.toggle.setSizePolicy(policy)
            self.toggle.hide()
        self.toggle.toggled.connect(self._on_toggled)
        self.symbol = QtWidgets.QLabel()
        self.text = QtWidgets.QLabel(layer.legend)
        self.close_button = QtWidgets.QToolButton()
        self.close_button.setText("×")
        self.close_button.setAutoRaise(True)
        tips = {SELECTION_ENTRY: "Clear the selection (Esc)", FOCUS_ENTRY: "Remove the ring"}
        self.close_button.setToolTip(tips.get(self.name, "Remove this highlight from the plot"))
        self.close_button.clicked.connect(self._on_close_clicked)
        for w in (self.toggle, self.symbol, self.text):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.close_button)
        self._legend = legend

    def _on_toggled(self, on: bool) -> None:
        self._legend.set_visible(self.name, on)

    def _on_close_clicked(self) -> None:
        self._legend.remove(self.name)


class LayerLegend(QtWidgets.QFrame):
    """The legend of the Workspace's layers, floating over the scatter's upper right corner.

    Parameters
    ----------
    workspace : Workspace
        Its layers are listed; the toggles and × change them.
    scatter : ScatterView
        The plot it floats over (a child of its plot widget).
    """

    def __init__(self, workspace, scatter) -> None:
        super().__init__(scatter.plot_widget)
        self.setObjectName("layerLegend")
        self.workspace = workspace
        self.scatter = scatter
        self._theme = ""
        self._font_pt = 0.0
        self._box = QtWidgets.QVBoxLayout(self)
        self._box.setContentsMargins(8, 4, 4, 4)
        self._box.setSpacing(1)
        self._box.setSizeConstraint(QtWidgets.QLayout.SizeConstraint.SetFixedSize)
        self.rows: dict[str, LegendEntry] = {}
        workspace.layers_changed.connect(self._on_layers_changed)
        # The selection and the focus ring change often (a drag, a search as typed): one rebuild per pass
        # of the event loop, on a timer that goes with the legend (never run on a deleted one).
        self._later = QtCore.QTimer(self, singleShot=True, interval=0)
        self._later.timeout.connect(self.rebuild)
        workspace.selection.changed.connect(self._on_state_changed)
        scatter.focus_changed.connect(self._on_state_changed)
        scatter.view_box.sigResized.connect(self._on_plot_resized)
        #: The corner the legend sits in (see :meth:`place`).
        self.corner = LEGEND_CORNERS[0]
        scatter.view_box.sigRangeChanged.connect(self._on_range_changed)
        self.hide()

    # -- what it shows ----------------------------------------------------------------
    def entries(self) -> list[str]:
        """Names of the layers listed, top to bottom."""
        return list(self.rows)

    def texts(self) -> list[str]:
        """The entries' texts, top to bottom."""
        return [r.text.text() for r in self.rows.values()]

    def covered_top(self) -> float:
        """Pixels from the top of the plotting area down to the legend's lower edge (0 when hidden or
        in a lower corner)."""
        if not self.rows or self.isHidden() or self.corner.startswith("bottom"):
            return 0.0
        top = self.scatter.plot_widget.mapFromScene(self.scatter.view_box.sceneBoundingRect().topLeft()).y()
        return float(self.geometry().bottom() - top + LEGEND_MARGIN_PX)

    # -- what its buttons do ----------------------------------------------------------
    def set_visible(self, name: str, on: bool) -> None:
        """Show or hide layer ``name`` (the layer's ``visible``)."""
        layer = self.workspace.layer(name)
        if layer is not None and layer.visible != on:
            self.workspace.set_layer(layer.replace(visible=on))

    def remove(self, name: str) -> None:
        """Remove layer ``name`` from the Workspace (its entry goes with it); the selection's: clear it."""
        if name == SELECTION_ENTRY:
            self.workspace.selection.clear()
        elif name == FOCUS_ENTRY:
            self.scatter.set_focus_row(-1)
        else:
            self.workspace.remove_layer(name)

    # -- building ---------------------------------------------------------------------
    def _on_layers_changed(self, _name: str) -> None:
        self.rebuild()

    def _on_state_changed(self, *_args) -> None:
        self._later.start(0)  # (the focus signal's row must not become the timer's interval)

    def rebuild(self) -> None:
        """List the layers again (any layer changed: new, replaced, hidden, removed)."""
        for row in self.rows.values():
            self._box.removeWidget(row)
            row.hide()  # deleted later: it must not be drawn (or grabbed) meanwhile
            row.deleteLater()
        self.rows = {}
        theme = THEMES.get(self.scatter.theme, THEMES["light"])
        font = QtGui.QFont(self.font())
        font.setPointSizeF(self.scatter.label_font_size)
        # The symbols grow with the labels (presentation mode enlarges both).
        side = int(round(SYMBOL_PX * self.scatter.label_font_size / LABEL_FONT_PT))
        text_room = self._text_room(side)
        for layer in [*self._state_entries(theme), *self.workspace.layers]:
            if not layer.legend:
                continue
            row = LegendEntry(self, layer)
            row.symbol.setPixmap(symbol_pixmap(layer, side, self.devicePixelRatioF()))
            row.text.setFont(font)
            if QtGui.QFontMetrics(font).horizontalAdvance(layer.legend) > text_room:
                row.text.setWordWrap(True)  # a long entry wraps inside the plot instead of leaving it
                row.text.setFixedWidth(text_room)
            color = QtGui.QColor(theme["label"])
            if not layer.visible:
                color.setAlpha(HIDDEN_TEXT_ALPHA)
            row.text.setStyleSheet(f"color: {color.name(QtGui.QColor.NameFormat.HexArgb)};")
            self._box.addWidget(row)
            self.rows[layer.name] = row
        self._theme, self._font_pt = self.scatter.theme, self.scatter.label_font_size
        self.setVisible(bool(self.rows))
        if self.rows:
            self.adjustSize()
            self.place()
            self.raise_()
        else:
            self.scatter.set_label_keepout([])

    def _text_room(self, side: int) -> int:
        """Widest an entry's text may be for the panel to fit the plotting area (toggle, symbol, × and
        margins take the rest)."""
        pw = self.scatter.plot_widget
        area = pw.mapFromScene(self.scatter.view_box.sceneBoundingRect()).boundingRect()
        return max(LEGEND_TEXT_MIN_PX, int(area.width()) - 2 * LEGEND_MARGIN_PX - LEGEND_CHROME_PX - side)

    def _state_entries(self, theme: dict) -> list[Layer]:
        """The focus ring and the selection as legend entries (drawn as the scatter draws them)."""
        out = []
        focus, emb = self.scatter.focus_row, self.workspace.dataset
        if focus >= 0 and emb is not None and focus < emb.n:
            style = LayerStyle(tuple(theme["focus"]), "o", FOCUS_RING_PX, filled=False)
            out.append(Layer(FOCUS_ENTRY, "explorer", style, f"found: {emb.labels[focus]}", rows=[focus]))
        count = self.workspace.selection.count
        if count:
            style = LayerStyle(tuple(theme["selection"]), "o", DEFAULT_POINT_SIZE + SELECTION_EXTRA_PX)
            out.append(Layer(SELECTION_ENTRY, "explorer", style, f"selected ({count:,})", rows=[0]))
        return out

    def place(self) -> None:
        """Move to the corner of the plotting area that hides the fewest highlighted markers (the upper
        right one unless highlights are there: the ends of a PCA axis, a user's recommendations)."""
        pw = self.scatter.plot_widget
        r = pw.mapFromScene(self.scatter.view_box.sceneBoundingRect()).boundingRect()
        m, w, h = LEGEND_MARGIN_PX, self.width(), self.height()
        corners = {"top-right": (r.right() - w - m, r.top() + m), "top-left": (r.left() + m, r.top() + m),
                   "bottom-left": (r.left() + m, r.bottom() - h - m),
                   "bottom-right": (r.right() - w - m, r.bottom() - h - m)}
        pts = self._marker_pixels()
        c_ = LEGEND_CLEARANCE_PX  # markers just beside the panel count too: their labels go there

        def crowd(c: str) -> int:
            x, y = corners[c]
            return _count_inside(pts, x - c_, y - c_, w + 2 * c_, h + 2 * c_)

        best = min(corners, key=lambda c: (crowd(c), LEGEND_CORNERS.index(c)))
        self.corner = best
        self.move(int(corners[best][0]), int(corners[best][1]))
        # Point labels keep out from under the panel.
        area = pw.mapToScene(self.geometry()).boundingRect()
        self.scatter.set_label_keepout([area] if self.isVisible() else [])

    def _marker_pixels(self) -> list[tuple[float, float]]:
        """Where the highlighted markers are, in the plot widget's pixels."""
        pw, vb = self.scatter.plot_widget, self.scatter.view_box
        out = []
        for _name, x, y, size, _hard in self.scatter.marker_list():
            if size > 0:
                p = pw.mapFromScene(vb.mapViewToScene(QtCore.QPointF(x, y)))
                out.append((p.x(), p.y()))
        return out

    def _on_range_changed(self, *_args) -> None:
        # The markers moved on screen: the best corner may be another one (a few hundred markers at
        # most: cheap enough for every step of a pan).
        if self.rows and self.isVisible():
            self.place()

    def _on_plot_resized(self, *_args) -> None:
        if self.rows:
            self.place()

    def resizeEvent(self, event) -> None:  # noqa: N802
        # The layout sizes the panel after it was shown: keep its right edge at the plot's.
        super().resizeEvent(event)
        self.place()

    def paintEvent(self, event) -> None:  # noqa: N802
        if (self._theme, self._font_pt) != (self.scatter.theme, self.scatter.label_font_size):
            # The theme or the label size (presentation mode) changed since the entries were made.
            self._later.start(0)
        theme = THEMES.get(self.scatter.theme, THEMES["light"])
        bg = QtGui.QColor(*theme["label_bg"][:3], PANEL_ALPHA)
        p = QtGui.QPainter(self)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        p.setPen(QtGui.QPen(pg.mkColor(theme["tooltip_border"]), 1))
        p.setBrush(bg)
        p.drawRoundedRect(QtCore.QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), PANEL_RADIUS_PX,
                          PANEL_RADIUS_PX)
        p.end()
