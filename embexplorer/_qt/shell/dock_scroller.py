"""The scroll area around a dock's panel, asking for room for the panel's results."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

#: Largest share of the window's height a dock's panel may claim as its minimum (its result rows):
#: more than that and the panel scrolls.
DOCK_MIN_SHARE = 0.62


class DockScroller(QtWidgets.QScrollArea):
    """The scroll area around a dock's panel: it asks for the panel's minimum height (its result rows,
    see ``ResultTable``) up to :data:`DOCK_MIN_SHARE` of the window, so results are not scrolled away
    while the Points table above keeps spare rows."""

    def __init__(self, window: QtWidgets.QMainWindow) -> None:
        super().__init__()
        self._window = window

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt API)
        hint = super().minimumSizeHint()
        inner = self.widget()
        if inner is None:
            return hint
        want = inner.minimumSizeHint().height() + 2 * self.frameWidth()
        cap = int(self._window.height() * DOCK_MIN_SHARE)
        return QtCore.QSize(hint.width(), max(hint.height(), min(want, cap)))

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        # The panel's rows changed (results arrived): the dock re-reads its minimum.
        if obj is self.widget() and event.type() == QtCore.QEvent.Type.LayoutRequest:
            self.updateGeometry()
        return super().eventFilter(obj, event)
