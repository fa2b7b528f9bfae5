"""The scroll area around a dock's panel, asking for room for the panel's results."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

#: Room a dock takes around its panel (frame and margins), in pixels, before it is first laid out.
DOCK_FRAME_PX = 12
#: Largest share of the window's height a dock's panel may claim as its minimum (its result rows):
#: more than that and the panel scrolls.
DOCK_MIN_SHARE = 0.62


class _LeastHeight(QtWidgets.QWidget):
    """A dock's panel as its scroll area holds it: asking, at a given width, for the panel's least
    height there (word-wrapped notes at their lines), not its preferred one.

    QScrollArea gives a widget whose layout has a height for width at least ``heightForWidth`` -- the
    preferred height, which counts a result table's preferred rows -- so the Neighbours panel scrolled
    at 1280x800 in a dock taller than its minimum (245 px for 190 needed, 312 preferred).
    """

    def __init__(self, panel: QtWidgets.QWidget) -> None:
        super().__init__()
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(panel)
        self.panel = panel

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt API)
        return self.layout().totalMinimumHeightForWidth(width)


def least_height(inner: QtWidgets.QWidget, width: int) -> int:
    """The least height ``inner`` needs at ``width`` (its minimum, or more where text wraps)."""
    height = inner.minimumSizeHint().height()
    if width > 0 and inner.hasHeightForWidth():
        height = max(height, inner.heightForWidth(width))
    return height


class DockScroller(QtWidgets.QScrollArea):
    """The scroll area around a dock's panel: it asks for the panel's least height (its result rows,
    see ``ResultTable``, and its notes' lines) up to :data:`DOCK_MIN_SHARE` of the window, so results
    are not scrolled away while the Points table above keeps spare rows."""

    def __init__(self, window: QtWidgets.QMainWindow) -> None:
        super().__init__()
        self._window = window

    def set_panel(self, panel: QtWidgets.QWidget) -> None:
        """Hold ``panel`` (scrolled only when its least height does not fit)."""
        self.setWidget(_LeastHeight(panel))

    def panel(self) -> QtWidgets.QWidget | None:
        """The panel held."""
        inner = self.widget()
        return inner.panel if isinstance(inner, _LeastHeight) else inner

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt API)
        hint = super().minimumSizeHint()
        inner = self.widget()
        if inner is None:
            return hint
        want = least_height(inner, self.viewport().width()) + 2 * self.frameWidth()
        cap = int(self._window.height() * DOCK_MIN_SHARE)
        return QtCore.QSize(hint.width(), max(hint.height(), min(want, cap)))

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        # The panel's rows changed (results arrived): the dock re-reads its minimum.
        if obj is self.widget() and event.type() == QtCore.QEvent.Type.LayoutRequest:
            self.updateGeometry()
        return super().eventFilter(obj, event)


def fit_dock(window: QtWidgets.QMainWindow, d: QtWidgets.QDockWidget, height: int | None, *,
             first: QtWidgets.QDockWidget, first_min: int) -> None:
    """Make dock ``d`` wide and tall enough for its panel as laid out (``height`` pixels tall when given,
    unless floating), the height taken from ``first``, the dock above it, which keeps ``first_min``."""
    area = d.widget() if isinstance(d.widget(), QtWidgets.QScrollArea) else None
    inner = area.widget() if area is not None else d.widget()
    hint = inner.minimumSizeHint()
    if area is not None:
        hint.setHeight(least_height(inner, area.viewport().width()))
    # The room the panel has now and the frame around it (title bar, margins, the scroll area's frame)
    # as drawn; before the first layout, the nominal frame.
    if area is not None and area.viewport().width() > 0 and d.isVisible():
        vp = area.viewport().size()
        bars = (area.verticalScrollBar().width() if area.verticalScrollBar().isVisible() else 0,
                area.horizontalScrollBar().height() if area.horizontalScrollBar().isVisible() else 0)
        frame_w, frame_h = d.width() - vp.width() - bars[0], d.height() - vp.height() - bars[1]
    else:
        frame_w = frame_h = DOCK_FRAME_PX
    if d.width() < hint.width() + frame_w and not d.isFloating():
        window.resizeDocks([d], [hint.width() + frame_w], QtCore.Qt.Orientation.Horizontal)
    if height is not None and not d.isFloating():  # e.g. a dock below the plot, sized per page
        window.resizeDocks([d], [max(int(height), hint.height() + frame_h)], QtCore.Qt.Orientation.Vertical)
        return
    # ... and tall enough for the least its panel asks for (not its size hint: result tables ask for far
    # more than their rows, and the Points table above would be squeezed to a few rows), taken from the
    # first dock above it (the trainers' curves are at the bottom).
    # A tabbed dock's size, to resizeDocks, includes its tab bar.
    tall = hint.height() + frame_h + _tab_bar_height(window, d)
    if (d is not first and first.isVisible() and not d.isFloating() and d.height() < tall
            and window.dockWidgetArea(d) == window.dockWidgetArea(first)):
        total = d.height() + first.height()
        keep = max(first_min, total - tall)
        window.resizeDocks([first, d], [keep, total - keep], QtCore.Qt.Orientation.Vertical)


def _tab_bar_height(window: QtWidgets.QMainWindow, dock: QtWidgets.QDockWidget) -> int:
    """Height of the tab bar of ``dock``'s tab group (0 when it is not tabbed)."""
    if not window.tabifiedDockWidgets(dock):
        return 0
    title = dock.windowTitle()
    bars = [bar for bar in window.findChildren(QtWidgets.QTabBar) if bar.isVisible()]
    return max((bar.height() for bar in bars if any(bar.tabText(i) == title for i in range(bar.count()))),
               default=0)
