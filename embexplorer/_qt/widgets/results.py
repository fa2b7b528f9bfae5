"""Result tables and label fields shared by the analysis panels (neighbours, analogy, lecture)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6 import QtCore, QtWidgets

from embexplorer._qt.widgets.search import LabelCompleter, LabelIndex

#: Significant digits shown for scores.
SCORE_DIGITS = 4


class TableModel(QtCore.QAbstractTableModel):
    """A read-only table of display rows (lists of str/float/int); numbers right-aligned."""

    def __init__(self, headers: Sequence[str] = (), parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._headers = list(headers)
        self._rows: list[list] = []

    def set_rows(self, rows: list[list], headers: Sequence[str] | None = None) -> None:
        self.beginResetModel()
        if headers is not None:
            self._headers = list(headers)
        self._rows = rows
        self.endResetModel()

    def rows(self) -> list[list]:
        return self._rows

    def rowCount(self, parent=None) -> int:  # noqa: N802 (Qt API)
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def columnCount(self, parent=None) -> int:  # noqa: N802
        return 0 if parent is not None and parent.isValid() else len(self._headers)

    def data(self, index, role=QtCore.Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        value = self._rows[index.row()][index.column()]
        if role == QtCore.Qt.ItemDataRole.DisplayRole:
            if isinstance(value, float):
                return f"{value:.{SCORE_DIGITS}f}"
            return str(value)
        if role == QtCore.Qt.ItemDataRole.TextAlignmentRole and isinstance(value, (int, float)):
            return int(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section, orientation, role=QtCore.Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == QtCore.Qt.ItemDataRole.DisplayRole and orientation == QtCore.Qt.Orientation.Horizontal:
            return self._headers[section] if section < len(self._headers) else None
        return None


def make_table(model: QtCore.QAbstractTableModel) -> QtWidgets.QTableView:
    """A compact, row-selecting table view on ``model``."""
    view = QtWidgets.QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 6)
    view.horizontalHeader().setStretchLastSection(True)
    view.setAlternatingRowColors(True)
    return view


def connect_changes(slot: Callable, *widgets: QtWidgets.QWidget) -> None:
    """Call ``slot`` whenever one of the option ``widgets`` changes its value.

    Parameters
    ----------
    slot : callable
        Receives the new value (ignore it to re-read every option).
    *widgets : QSpinBox, QDoubleSpinBox, QComboBox or checkable button
        The options of a query (re-running it on any change keeps the results current).
    """
    for w in widgets:
        if isinstance(w, (QtWidgets.QSpinBox, QtWidgets.QDoubleSpinBox)):
            w.valueChanged.connect(slot)
        elif isinstance(w, QtWidgets.QComboBox):
            w.currentIndexChanged.connect(slot)
        elif isinstance(w, QtWidgets.QAbstractButton):
            w.toggled.connect(slot)
        else:
            raise TypeError(f"no change signal known for {type(w).__name__}")


class LabelEdit(QtWidgets.QLineEdit):
    """A line edit completing labels by prefix (case-insensitive, most frequent first).

    Only the few matching labels are put in the completer's model, so typing
    stays instant with 400,000 labels (the sorted index is built on first use).

    Signals
    -------
    label_chosen(int)
        A completion was picked: its row.
    """

    label_chosen = QtCore.Signal(int)

    def __init__(self, placeholder: str = "", parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        self.setClearButtonEnabled(True)
        self.completer_ = LabelCompleter(self)
        self.completer_.activated[str].connect(self._on_completion_activated)
        self.textEdited.connect(self._on_text_edited)
        self._labels: Sequence[str] = ()
        self._index: LabelIndex | None = None

    def set_labels(self, labels: Sequence[str], index_factory=None) -> None:
        """New labels to complete from.

        ``index_factory()`` may return a :class:`LabelIndex` shared with other
        fields; either way the index is only built on the first keystroke.
        """
        self._labels = labels
        self._index = None
        self._factory = index_factory
        self.completer_.clear()

    @property
    def index(self) -> LabelIndex:
        if self._index is None:
            factory = getattr(self, "_factory", None)
            self._index = factory() if factory is not None else LabelIndex(self._labels)
        return self._index

    def completions(self) -> list[str]:
        """Labels currently offered."""
        return self.completer_.offered()

    def _on_text_edited(self, text: str) -> None:
        if self._labels:
            self.completer_.offer([self._labels[r] for r in self.index.complete(text.strip())])

    def _on_completion_activated(self, text: str) -> None:
        self.setText(text)
        row = self.index.row(text)
        if row is not None:
            self.label_chosen.emit(int(row))
