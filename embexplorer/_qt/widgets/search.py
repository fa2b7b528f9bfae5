"""Search box (Ctrl+F) with fast prefix completion over hundreds of thousands of labels."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

import numpy as np
from PySide6 import QtCore, QtWidgets

from embexplorer._qt.workers import TaskRunner

#: How often a completion waiting for the label index retries (ms).
INDEX_POLL_MS = 40
#: Most completions shown in the popup.
COMPLETION_MAX = 40
#: Rows of the completion popup visible without scrolling.
COMPLETION_VISIBLE = 12
#: Task kind of the background label-index build (a new label set drops the old build).
INDEX_TASK_KIND = "label-index"
#: Highest character: appended to a prefix it bounds the prefix's range in sorted order.
_MAX_CHAR = "\U0010ffff"


class LabelIndex:
    """Case-insensitive prefix lookup over labels, ranked by row (= frequency in sorted files).

    Sorting is done once (about 0.3 s for 400k labels); each query is a
    bisection plus a partial sort of at most the matching rows.
    """

    def __init__(self, labels: Sequence[str]) -> None:
        self.labels = labels
        lowered = [s.lower() for s in labels]
        order = sorted(range(len(lowered)), key=lowered.__getitem__)
        self._keys = [lowered[i] for i in order]
        self._order = np.asarray(order, dtype=np.int64)
        self._exact: dict[str, int] = {s: i for i, s in enumerate(labels)}

    @property
    def order(self) -> np.ndarray:
        """Rows sorted by lower-cased label."""
        return self._order

    def complete(self, prefix: str, limit: int = COMPLETION_MAX) -> list[int]:
        """Rows whose label starts with ``prefix`` (case-insensitive), exact match first, then by row."""
        p = prefix.lower()
        if not p:
            return []
        lo = bisect.bisect_left(self._keys, p)
        hi = bisect.bisect_left(self._keys, p + _MAX_CHAR, lo)
        rows = self._order[lo:hi]
        if len(rows) > limit:
            rows = np.partition(rows, limit)[:limit]
        rows = np.sort(rows).tolist()
        exact = self.row(prefix)
        if exact is not None:
            if exact in rows:
                rows.remove(exact)
            rows = [exact] + rows[:limit - 1]
        return rows

    def row(self, label: str) -> int | None:
        """Row of ``label``: exact match, else the first case-insensitive match, else None."""
        r = self._exact.get(label)
        if r is not None:
            return r
        p = label.lower()
        lo = bisect.bisect_left(self._keys, p)
        hi = bisect.bisect_right(self._keys, p, lo)
        return int(self._order[lo:hi].min()) if hi > lo else None

    def regex(self, pattern: str) -> np.ndarray:
        """Rows whose label matches ``pattern`` anywhere (``re.search``), sorted."""
        rx = re.compile(pattern)
        return np.fromiter((i for i, s in enumerate(self.labels) if rx.search(s)), dtype=np.int64)


class LabelCompleter(QtWidgets.QCompleter):
    """The completion popup of a label field, holding only the few labels offered.

    The field computes the matches itself (:meth:`LabelIndex.complete`): a model
    of all labels would make QCompleter filter 400,000 strings per keystroke.
    """

    def __init__(self, edit: QtWidgets.QLineEdit) -> None:
        super().__init__(edit)
        self._model = QtCore.QStringListModel(self)
        self.setModel(self._model)
        self.setCompletionMode(QtWidgets.QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.setCaseSensitivity(QtCore.Qt.CaseSensitivity.CaseInsensitive)
        self.setMaxVisibleItems(COMPLETION_VISIBLE)
        self.setWidget(edit)

    def offer(self, labels: Sequence[str]) -> None:
        """Show ``labels`` in the popup (hidden when there are none)."""
        self._model.setStringList(list(labels))
        if labels:
            self.complete()
        else:
            self.popup().hide()

    def clear(self) -> None:
        """Offer nothing (the popup is left as it is)."""
        self._model.setStringList([])

    def offered(self) -> list[str]:
        """The labels currently offered."""
        return self._model.stringList()


class SearchBox(QtWidgets.QWidget):
    """A line edit with completion; a ``.*`` toggle turns Enter into "select all regex matches".

    Signals
    -------
    label_chosen(int)
        A label was picked (completion or Enter on an exact / prefix match).
    regex_matched(object)
        Enter in regex mode: sorted int64 rows matching.
    message(str)
        Feedback for a status line (e.g. "no match", "bad pattern").
    """

    label_chosen = QtCore.Signal(int)
    regex_matched = QtCore.Signal(object)
    message = QtCore.Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QtWidgets.QLineEdit()
        self.edit.setPlaceholderText("Search labels (Ctrl+F)")
        self.edit.setClearButtonEnabled(True)
        self.regex_button = QtWidgets.QToolButton()
        self.regex_button.setText(".*")
        self.regex_button.setCheckable(True)
        self.regex_button.setToolTip("Regular expression: Enter selects every matching label")
        self.completer = LabelCompleter(self.edit)
        self.completer.activated[str].connect(self._on_completion_activated)
        self.edit.textEdited.connect(self._on_text_edited)
        self.edit.returnPressed.connect(self._on_return)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.regex_button)
        self._labels: Sequence[str] = ()
        self._index: LabelIndex | None = None
        # The index is built by a task of this box's own runner (a Qt child: the window's
        # shutdown_tasks finds it); a new label set supersedes a build still running.
        self._tasks = TaskRunner(self)
        # Typing before the index is ready: retry the completion shortly instead of blocking.
        self._retry = QtCore.QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.setInterval(INDEX_POLL_MS)
        self._retry.timeout.connect(lambda: self._on_text_edited(self.edit.text()))
        self.edit.installEventFilter(self)

    def set_labels(self, labels: Sequence[str]) -> None:
        """New label set. The sorted index is built in the background when the box
        is first focused (Ctrl+F), not now: the sort is pure Python and would
        compete for the GIL with drawing the freshly loaded points."""
        self._tasks.cancel(INDEX_TASK_KIND)  # its index would be of the old labels: dropped
        self._labels = labels
        self._index = None
        self.completer.clear()

    def start_index(self) -> None:
        """Start building the label index in the background (no-op when built or building)."""
        if (self._index is not None or self._tasks.is_running(INDEX_TASK_KIND) or not self._labels
                or self._tasks.closed):
            return
        labels = self._labels
        self._tasks.start(INDEX_TASK_KIND, lambda control: LabelIndex(labels), on_result=self._on_index_built)

    def _on_index_built(self, index: LabelIndex) -> None:
        self._index = index

    @property
    def index_ready(self) -> bool:
        return self._index is not None

    @property
    def index(self) -> LabelIndex:
        """The label index of the current labels (waits for the background build)."""
        if self._index is None:
            self.start_index()
            self._tasks.wait_for(INDEX_TASK_KIND)  # delivers the index to _on_index_built
            if self._index is None:  # no labels, or the window's tasks were shut down
                self._index = LabelIndex(self._labels)
        return self._index

    def eventFilter(self, obj, ev) -> bool:
        if obj is self.edit and ev.type() == QtCore.QEvent.Type.FocusIn:
            self.start_index()
        return super().eventFilter(obj, ev)

    def focus(self) -> None:
        """Focus and select the text (what Ctrl+F does)."""
        self.edit.setFocus(QtCore.Qt.FocusReason.ShortcutFocusReason)
        self.edit.selectAll()

    def completions(self) -> list[str]:
        """The labels currently offered."""
        return self.completer.offered()

    def _on_text_edited(self, text: str) -> None:
        if self.regex_button.isChecked() or not self._labels:
            self.completer.clear()
            return
        if not self.index_ready:
            self.start_index()
            self._retry.start()
            return
        self.completer.offer([self._labels[r] for r in self.index.complete(text)])

    def _on_completion_activated(self, text: str) -> None:
        self._retry.stop()  # a pending retry would reopen the popup after the choice
        row = self.index.row(text)
        if row is not None:
            self.edit.setText(text)
            self.label_chosen.emit(int(row))

    def _on_return(self) -> None:
        # Enter ends the typing: a completion retry still pending (index not ready while typing)
        # would reopen the popup after the label was chosen, and swallow the next click or wheel.
        self._retry.stop()
        text = self.edit.text()
        if not text or not self._labels:
            return
        if self.regex_button.isChecked():
            try:
                rows = self.index.regex(text)
            except re.error as exc:
                self.message.emit(f"Bad regular expression: {exc}")
                return
            self.message.emit(f"{len(rows):,} labels match /{text}/")
            self.regex_matched.emit(rows)
            return
        if self.completer.popup().isVisible():
            self.completer.popup().hide()
        row = self.index.row(text)
        if row is None:
            rows = self.index.complete(text, 1)
            row = rows[0] if rows else None
        if row is None:
            self.message.emit(f"No label starts with {text!r}")
            return
        self.edit.setText(self._labels[row])
        self.label_chosen.emit(int(row))
