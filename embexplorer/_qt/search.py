"""Search box (Ctrl+F) with fast prefix completion over hundreds of thousands of labels."""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Sequence

import numpy as np
from PySide6 import QtCore, QtWidgets

#: How often a completion waiting for the label index retries (ms).
INDEX_POLL_MS = 40
#: Most completions shown in the popup.
COMPLETION_MAX = 40
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
        self._model = QtCore.QStringListModel(self)
        self.completer = QtWidgets.QCompleter(self._model, self)
        self.completer.setCompletionMode(QtWidgets.QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setCaseSensitivity(QtCore.Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setMaxVisibleItems(12)
        self.completer.setWidget(self.edit)
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
        self._thread: threading.Thread | None = None
        self._pending: dict = {}
        # Typing before the index is ready: retry the completion shortly instead of blocking.
        self._retry = QtCore.QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.setInterval(INDEX_POLL_MS)
        self._retry.timeout.connect(lambda: self._on_text_edited(self.edit.text()))
        self.edit.installEventFilter(self)

    def set_labels(self, labels: Sequence[str]) -> None:
        """New label set. The sorted index is built in a background thread when the
        box is first focused (Ctrl+F), not now: the sort is pure Python and would
        compete for the GIL with drawing the freshly loaded points."""
        self._labels = labels
        self._index = None
        self._thread = None
        self._pending = {}
        self._model.setStringList([])

    def start_index(self) -> None:
        """Start building the label index in the background (no-op when built or building)."""
        if self._index is not None or self._thread is not None or not self._labels:
            return
        labels = self._labels
        box = self._pending

        def build() -> None:
            box["index"] = LabelIndex(labels)

        self._thread = threading.Thread(target=build, name="label-index", daemon=True)
        self._thread.start()

    @property
    def index_ready(self) -> bool:
        return self._index is not None or "index" in self._pending

    @property
    def index(self) -> LabelIndex:
        """The label index of the current labels (waits for the background build)."""
        if self._index is None:
            self.start_index()
            if self._thread is not None:
                self._thread.join()
            self._index = self._pending.get("index") or LabelIndex(self._labels)
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
        return self._model.stringList()

    def _on_text_edited(self, text: str) -> None:
        if self.regex_button.isChecked() or not self._labels:
            self._model.setStringList([])
            return
        if not self.index_ready:
            self.start_index()
            self._retry.start()
            return
        rows = self.index.complete(text)
        self._model.setStringList([self._labels[r] for r in rows])
        if rows:
            self.completer.complete()
        else:
            self.completer.popup().hide()

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
