"""Result tables and label fields shared by the analysis panels (neighbours, analogy, lecture)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6 import QtCore, QtWidgets

from embexplorer._qt.widgets.search import LabelCompleter, LabelIndex

#: Significant digits shown for scores.
SCORE_DIGITS = 4
#: A result table asks for room to show this many of its rows without scrolling (ten neighbours,
#: five analogy answers): the window gives result panels their rows before the Points table.
RESULT_ROWS_SHOWN = 10


def unique_headers(headers: Sequence[str]) -> list[str]:
    """Column titles with a repeated one told apart: a result's own "rank" and a metadata column "rank"
    after it read "rank" and "rank (metadata)", not two "rank" columns."""
    out: list[str] = []
    for h in headers:
        h = str(h)
        out.append(h if h not in out else f"{h} (metadata)")
    return out


class TableModel(QtCore.QAbstractTableModel):
    """A read-only table of display rows (lists of str/float/int); numbers right-aligned."""

    def __init__(self, headers: Sequence[str] = (), parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._headers = unique_headers(headers)
        self._rows: list[list] = []

    def set_rows(self, rows: list[list], headers: Sequence[str] | None = None) -> None:
        self.beginResetModel()
        if headers is not None:
            self._headers = unique_headers(headers)
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


class ResultTable(QtWidgets.QTableView):
    """A table of results whose minimum height shows its rows (up to :data:`RESULT_ROWS_SHOWN`).

    The docks around the plot are laid out by minimum sizes: a result table that asks for its rows
    gets them from the window before the big Points table does, and grows when results arrive.
    """

    rows_shown = RESULT_ROWS_SHOWN

    def setModel(self, model) -> None:  # noqa: N802 (Qt API)
        super().setModel(model)
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved, model.layoutChanged):
            signal.connect(self._on_rows_changed)

    def _on_rows_changed(self, *_args) -> None:
        self.updateGeometry()

    def wanted_height(self) -> int:
        """Pixels that show the header and every row up to :attr:`rows_shown` (0 with no rows)."""
        model = self.model()
        rows = min(model.rowCount() if model is not None else 0, self.rows_shown)
        if rows <= 0:
            return 0
        header = self.horizontalHeader()
        h = max(header.height(), header.sizeHint().height()) if not header.isHidden() else 0
        h += rows * self.verticalHeader().defaultSectionSize() + 2 * self.frameWidth()
        if self.horizontalHeader().length() > self.viewport().width():
            h += self.horizontalScrollBar().sizeHint().height()
        return h

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt API)
        hint = super().minimumSizeHint()
        return QtCore.QSize(hint.width(), max(hint.height(), self.wanted_height()))

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt API)
        hint = super().sizeHint()
        return QtCore.QSize(hint.width(), max(hint.height(), self.wanted_height()))

    def visible_rows(self) -> int:
        """Rows drawn whole in the viewport (the screenshot report counts them)."""
        return visible_rows(self)


def visible_rows(view: QtWidgets.QTableView) -> int:
    """Rows of ``view`` drawn whole on screen: in its viewport and not cut off by a scroll area or a
    dock around it (0 when it is hidden)."""
    model = view.model()
    n = model.rowCount() if model is not None else 0
    if not n or not view.isVisible():
        return 0
    shown = view.viewport().visibleRegion().boundingRect()
    if shown.isEmpty():
        return 0
    count = 0
    for r in range(max(view.rowAt(shown.top()), 0), n):
        top = view.rowViewportPosition(r)
        if top + view.rowHeight(r) > shown.bottom() + 1:
            break
        if top >= shown.top():
            count += 1
    return count


def make_table(model: QtCore.QAbstractTableModel) -> QtWidgets.QTableView:
    """A compact, row-selecting table view on ``model`` (a :class:`ResultTable`)."""
    view = ResultTable()
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
