"""What is under the cursor: the hover index (built off the UI thread for big sets) and the tooltip."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.workers import TaskRunner
from embexplorer.core.view.scatter_math import GridIndex, brute_nearest

#: Above this many points the hover index is built in the background (numpy releases
#: the GIL while sorting), so setting a million points never stalls the UI; hover
#: scans all points (about 2 ms) until the index is ready.
INDEX_THREAD_MIN = 200_000
#: Delay before that background build starts (ms), so it does not compete with the first paint.
INDEX_DELAY_MS = 150
#: Task kind of the background build (a newer set of points supersedes it).
INDEX_TASK_KIND = "hover-index"
#: Metadata lines shown in the hover tooltip.
TOOLTIP_MAX_FIELDS = 8
#: The tooltip sits this far (pixels) below and right of the cursor ...
TOOLTIP_OFFSET_PX = 14
#: ... or, where it would leave the plot, this far above or left of it.
TOOLTIP_FLIP_GAP_PX = 10


class HoverIndex(QtCore.QObject):
    """Nearest visible point to a data position, for hover and clicks.

    Below :data:`INDEX_THREAD_MIN` points the grid index is built at once.
    Above, a task of this object's own :class:`TaskRunner` (a Qt child, so a
    window's ``shutdown_tasks`` finds and ends it) builds it
    :data:`INDEX_DELAY_MS` after the points were set: after their first
    paint, which a concurrent build slows down on two cores.  Until then
    :meth:`nearest` scans every point.  A newer set of points cancels the
    build, and the runner drops its stale index.
    """

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._x = np.zeros(0, dtype=np.float32)
        self._y = np.zeros(0, dtype=np.float32)
        self._index: GridIndex | None = GridIndex.from_columns(self._x, self._y)
        self._tasks = TaskRunner(self)
        self._delay = QtCore.QTimer(self)
        self._delay.setSingleShot(True)
        self._delay.setInterval(INDEX_DELAY_MS)
        self._delay.timeout.connect(self._on_build_due)

    def set_points(self, x: np.ndarray, y: np.ndarray) -> None:
        """Index these columns (kept by reference: do not modify them afterwards)."""
        self._tasks.cancel(INDEX_TASK_KIND)
        self._x, self._y = x, y
        if len(x) < INDEX_THREAD_MIN:
            self._delay.stop()
            self._index = GridIndex.from_columns(x, y)
            return
        self._index = None
        self._delay.start()

    @property
    def ready(self) -> bool:
        """True once the grid index of the current points is there."""
        return self._index is not None

    def wait(self, timeout: float | None = None) -> bool:
        """Build now if still delayed, and block until the index is ready (tests, benchmarks).

        Returns True when ready within ``timeout`` seconds.
        """
        self._delay.stop()
        self._start_build()
        self._tasks.wait_for(INDEX_TASK_KIND, timeout)
        return self._index is not None

    def nearest(self, x: float, y: float, rx: float, ry: float, visible: np.ndarray | None) -> int:
        """Nearest row to ``(x, y)`` within radii ``rx``, ``ry`` among the ``visible`` ones; -1 if none."""
        index = self._index
        if index is None:  # still building in the background
            return brute_nearest(self._x, self._y, x, y, rx, ry, visible)
        return index.nearest(x, y, rx, ry, visible)

    def _on_build_due(self) -> None:
        self._start_build()

    def _start_build(self) -> None:
        if self._index is not None or self._tasks.is_running(INDEX_TASK_KIND) or self._tasks.closed:
            return
        x, y = self._x, self._y

        def build(control) -> GridIndex:
            control.check()  # superseded before it even started: skip the work
            return GridIndex.from_columns(x, y)

        self._tasks.start(INDEX_TASK_KIND, build, on_result=self._on_index_built)

    def _on_index_built(self, index: GridIndex) -> None:
        self._index = index


class Tooltip(QtWidgets.QLabel):
    """The hover tooltip: rich text floating next to the cursor, kept inside its parent (the plot)."""

    def __init__(self, parent: QtWidgets.QWidget) -> None:
        super().__init__(parent)
        self.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.hide()

    def set_theme(self, theme: dict) -> None:
        """Colours from a :data:`~embexplorer._qt.widgets.scatter_theme.THEMES` entry."""
        self.setStyleSheet(
            f"QLabel {{ background: {theme['tooltip_bg']}; color: {theme['tooltip_fg']};"
            f" border: 1px solid {theme['tooltip_border']}; border-radius: 4px; padding: 4px 6px; }}")

    def set_html(self, html: str) -> None:
        """New content, sized to fit."""
        self.setText(html)
        self.adjustSize()

    def place_near(self, pt: QtCore.QPoint) -> None:
        """Move next to ``pt`` (parent coordinates); to its other side where it would leave the parent."""
        w, h = self.width(), self.height()
        parent = self.parentWidget()
        x, y = pt.x() + TOOLTIP_OFFSET_PX, pt.y() + TOOLTIP_OFFSET_PX
        if x + w > parent.width():
            x = pt.x() - w - TOOLTIP_FLIP_GAP_PX
        if y + h > parent.height():
            y = pt.y() - h - TOOLTIP_FLIP_GAP_PX
        self.move(max(0, x), max(0, y))

    def plain_text(self) -> str:
        """The text shown, without markup ("" when hidden)."""
        if not self.isVisible():
            return ""
        doc = QtGui.QTextDocument()
        doc.setHtml(self.text())
        return doc.toPlainText()


def escape_html(text: str) -> str:
    """``text`` with ``&``, ``<`` and ``>`` escaped for rich text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def metadata_tooltip(labels: Sequence[str], metadata: dict, row: int,
                     max_fields: int = TOOLTIP_MAX_FIELDS) -> str:
    """Tooltip HTML for ``row``: the label in bold, then up to ``max_fields`` metadata values."""
    parts = [f"<b>{escape_html(str(labels[row]))}</b>"]
    for i, (name, col) in enumerate(metadata.items()):
        if i >= max_fields:
            parts.append("…")
            break
        v = col.value(row)
        if v != "":
            parts.append(f"<span style='opacity:0.75'>{escape_html(name)}:</span> {escape_html(v)}")
    return "<br>".join(parts)
