"""Run something once a widget has painted for the first time (start-up work after the first picture)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

#: Longest wait for the first paint (a widget that never paints must not hold the work back).
FIRST_PAINT_TIMEOUT_MS = 1000


class _AfterPaint(QtCore.QObject):
    def __init__(self, widget: QtWidgets.QWidget, work: Callable[[], None]) -> None:
        super().__init__(widget)
        self._work: Callable[[], None] | None = work
        self._widget = widget
        widget.installEventFilter(self)
        QtCore.QTimer.singleShot(FIRST_PAINT_TIMEOUT_MS, self, self._on_timeout)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 -- Qt's name
        if obj is self._widget and event.type() == QtCore.QEvent.Type.Paint:
            # after this paint has finished: the next turn of the event loop
            QtCore.QTimer.singleShot(0, self, self._on_timeout)
        return False

    def _on_timeout(self) -> None:
        work, self._work = self._work, None
        if work is None:
            return
        self._widget.removeEventFilter(self)
        self.deleteLater()
        work()


def after_first_paint(widget: QtWidgets.QWidget, work: Callable[[], None]) -> None:
    """Call ``work`` once ``widget`` has painted (at once when hidden, or when a first paint was awaited).

    Start-up uses it so that the window's first picture does not wait for work started beside it
    (a training thread competes for the two cores and the interpreter lock).
    """
    if not widget.isVisible() or widget.property("_embexplorer_first_paint_gated"):
        work()
        return
    widget.setProperty("_embexplorer_first_paint_gated", True)
    _AfterPaint(widget, work)
