"""Linked table of points: label + metadata, sortable, filterable, synced with the shared selection.

The model is a thin view over numpy arrays (``view_rows`` maps table rows to
data rows); nothing is created per row, so it stays instant at 400k rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.widgets.selection import SelectionModel, mode_for_modifiers

#: Above this many selected rows the table's own (Qt) selection is not mirrored
#: row by row; selected rows are still marked by their background colour.
TABLE_SYNC_MAX = 5000
#: Rows measured when sizing a column to its contents.
RESIZE_PRECISION_ROWS = 200
#: Delay before a typed filter is applied (ms).
FILTER_DELAY_MS = 150

_Qt = QtCore.Qt


class PointTableModel(QtCore.QAbstractTableModel):
    """Rows of an embedding set (label + metadata columns), filtered and sorted with numpy."""

    def __init__(self, selection: SelectionModel, parent=None) -> None:
        super().__init__(parent)
        self._selection = selection
        #: Optional ``() -> rows sorted by lower-cased label`` (e.g. the search index's
        #: order, built in the background) so sorting by label never sorts strings here.
        self.label_order_provider = None
        self._labels: Sequence[str] = ()
        self._metadata: dict = {}
        self._columns: list[str] = ["label"]
        self.view_rows = np.zeros(0, dtype=np.int64)
        self._text = ""
        self._selected_only = False
        self._sort: tuple[int, QtCore.Qt.SortOrder] | None = None
        self._label_rank: np.ndarray | None = None
        self._lower: list[str] | None = None
        self._highlight = QtGui.QColor(255, 200, 120, 110)

    # -- data ---------------------------------------------------------------------
    def set_data(self, labels: Sequence[str], metadata: dict | None = None) -> bool:
        """Show ``labels`` and ``metadata`` columns; True when the rows or columns changed.

        The same labels with the same columns (a live training frame: newer vectors, maybe
        newer values such as a model's biases) keep the filter, the sort and the table's own
        selection: the cells are repainted (re-sorted when sorted by a column), not reset.
        """
        metadata = dict(metadata or {})
        if self.same_rows(labels, metadata):
            self._labels = labels
            self._metadata = metadata
            if self._sort is not None and self._columns[self._sort[0]] != "label":
                self.layoutAboutToBeChanged.emit()  # the sort key's values may have moved
                self._refilter()
                self.layoutChanged.emit()
            elif self.rowCount():
                self.dataChanged.emit(self.index(0, 0),
                                      self.index(self.rowCount() - 1, self.columnCount() - 1),
                                      [_Qt.ItemDataRole.DisplayRole])
            return False
        self.beginResetModel()
        self._labels = labels
        self._metadata = metadata
        self._columns = ["label", *self._metadata]
        self._label_rank = None
        self._lower = None
        self._sort = None
        self._refilter()
        self.endResetModel()
        return True

    def same_rows(self, labels: Sequence[str], metadata: dict) -> bool:
        """True when ``labels`` and the names and kinds of ``metadata``'s columns are the ones shown."""
        if list(metadata) != self._columns[1:] or any(
                metadata[k].kind != self._metadata[k].kind for k in metadata):
            return False
        if labels is self._labels:
            return True
        # Equal lists compare element by element: ~10 ms for a million labels, once per frame.
        return len(labels) == len(self._labels) and list(labels) == list(self._labels)

    def set_filter(self, text: str = "", selected_only: bool | None = None) -> None:
        """Keep rows whose label contains ``text`` (case-insensitive); optionally only selected rows."""
        self.beginResetModel()
        self._text = text.lower()
        if selected_only is not None:
            self._selected_only = bool(selected_only)
        self._refilter()
        self.endResetModel()

    @property
    def selected_only(self) -> bool:
        return self._selected_only

    def selection_changed(self) -> None:
        """The shared selection changed: refilter (selected-only) or repaint backgrounds."""
        if self._selected_only:
            self.set_filter(self._text)
        elif self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1),
                                  [_Qt.ItemDataRole.BackgroundRole])

    def _refilter(self) -> None:
        n = len(self._labels)
        if self._selected_only:
            rows = np.asarray(self._selection.rows, dtype=np.int64)
            rows = rows[rows < n]
        else:
            rows = np.arange(n, dtype=np.int64)
        if self._text:
            if self._lower is None:
                self._lower = [s.lower() for s in self._labels]
            t = self._text
            low = self._lower
            keep = np.fromiter((t in low[r] for r in rows), dtype=bool, count=len(rows))
            rows = rows[keep]
        self.view_rows = rows
        if self._sort is not None:
            self._apply_sort(*self._sort)

    def _sort_key(self, column: int) -> np.ndarray:
        name = self._columns[column]
        if name == "label":
            if self._label_rank is None:
                order = self.label_order_provider() if self.label_order_provider is not None else None
                if order is None or len(order) != len(self._labels):
                    order = sorted(range(len(self._labels)), key=lambda i: self._labels[i].lower())
                rank = np.empty(len(order), dtype=np.int64)
                rank[np.asarray(order, dtype=np.int64)] = np.arange(len(order))
                self._label_rank = rank
            return self._label_rank
        col = self._metadata[name]
        if col.kind == "numeric":
            v = np.asarray(col.values, dtype=np.float64)
            return np.where(np.isnan(v), np.inf, v)  # missing last
        cats = col.categories
        rank = np.empty(len(cats) + 1, dtype=np.int64)
        order = np.argsort(np.asarray([c.lower() for c in cats], dtype=object), kind="stable")
        rank[order] = np.arange(len(cats))
        rank[len(cats)] = len(cats)  # missing (-1) last
        return rank[col.codes]

    def _apply_sort(self, column: int, order: QtCore.Qt.SortOrder) -> None:
        key = self._sort_key(column)[self.view_rows]
        idx = np.argsort(key, kind="stable")
        if order == _Qt.SortOrder.DescendingOrder:
            idx = idx[::-1]
        self.view_rows = self.view_rows[idx]

    # -- Qt model -----------------------------------------------------------------
    def rowCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.view_rows)

    def columnCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._columns)

    def data(self, index: QtCore.QModelIndex, role=_Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = int(self.view_rows[index.row()])
        if role == _Qt.ItemDataRole.DisplayRole:
            name = self._columns[index.column()]
            return self._labels[row] if name == "label" else self._metadata[name].value(row)
        if role == _Qt.ItemDataRole.BackgroundRole:
            if self._selection.size > row and self._selection.mask[row]:
                return QtGui.QBrush(self._highlight)
        if role == _Qt.ItemDataRole.UserRole:
            return row
        return None

    def headerData(self, section: int, orientation, role=_Qt.ItemDataRole.DisplayRole):
        if role != _Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == _Qt.Orientation.Horizontal:
            return self._columns[section]
        return str(int(self.view_rows[section])) if section < len(self.view_rows) else None

    def sort(self, column: int, order=_Qt.SortOrder.AscendingOrder) -> None:
        if column < 0 or column >= len(self._columns):
            return
        self.layoutAboutToBeChanged.emit()
        self._sort = (column, order)
        self._apply_sort(column, order)
        self.layoutChanged.emit()

    def sort_state(self) -> list | None:
        """``[column name, "ascending" | "descending"]`` of the sort shown, or None."""
        if self._sort is None:
            return None
        column, order = self._sort
        descending = order == _Qt.SortOrder.DescendingOrder
        return [self._columns[column], "descending" if descending else "ascending"]

    def column_of(self, name: str) -> int:
        """Index of column ``name``, or -1."""
        return self._columns.index(name) if name in self._columns else -1

    def position_of(self, rows: np.ndarray) -> np.ndarray:
        """Table positions of data ``rows`` that are in the table (unsorted)."""
        pos = np.full(len(self._labels), -1, dtype=np.int64)
        pos[self.view_rows] = np.arange(len(self.view_rows))
        p = pos[np.asarray(rows, dtype=np.int64)]
        return p[p >= 0]


class SelectionTable(QtWidgets.QWidget):
    """A filter box, a "selected only" switch and the table, linked to a :class:`SelectionModel`.

    Selecting rows in the table sets the shared selection (Shift/Ctrl as usual
    in tables); a selection made elsewhere is mirrored here. In "selected only"
    mode, picking a row focuses that point instead (the selection stays).

    Signals
    -------
    row_activated(int)
        The user made a data row current (click, arrow keys, Enter): centre on it.
    """

    row_activated = QtCore.Signal(int)

    def __init__(self, selection: SelectionModel, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._selection = selection
        self.model = PointTableModel(selection, self)
        self.filter_edit = QtWidgets.QLineEdit()
        self.filter_edit.setPlaceholderText("Filter labels")
        self.filter_edit.setClearButtonEnabled(True)
        self.selected_only = QtWidgets.QCheckBox("Selected only")
        self.count_label = QtWidgets.QLabel()
        self.view = QtWidgets.QTableView()
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(-1, _Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.verticalHeader().setDefaultSectionSize(20)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        # Size columns from the first rows only: measuring a million rows takes ~0.2 s.
        self.view.horizontalHeader().setResizeContentsPrecision(RESIZE_PRECISION_ROWS)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.selected_only)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.count_label)
        self._syncing = False
        self._filter_timer = QtCore.QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self._on_filter_timeout)
        self.filter_edit.textChanged.connect(self._filter_timer.start)
        self.selected_only.toggled.connect(self._on_selected_only)
        self.view.selectionModel().selectionChanged.connect(self._on_table_selection)
        self.view.selectionModel().currentRowChanged.connect(self._on_current_row)
        selection.changed.connect(self._on_shared_selection)

    def set_data(self, labels: Sequence[str], metadata: dict | None = None) -> None:
        """Show a set's labels and metadata; the same rows and columns again only refresh the cells."""
        if self.model.set_data(labels, metadata):
            # Sizing measures RESIZE_PRECISION_ROWS rows of text (~14 ms): only for new rows/columns.
            self.view.resizeColumnToContents(0)
        self._update_count()

    def apply_filter(self) -> None:
        """Apply the typed filter now (normally after a short pause in typing)."""
        self._filter_timer.stop()
        self._on_filter_timeout()

    def _on_filter_timeout(self) -> None:
        self.model.set_filter(self.filter_edit.text())
        self._mirror_selection()
        self._update_count()

    def _on_selected_only(self, on: bool) -> None:
        self.model.set_filter(self.filter_edit.text(), selected_only=on)
        self._mirror_selection()
        self._update_count()

    def _update_count(self) -> None:
        self.count_label.setText(f"{self.model.rowCount():,} rows · {self._selection.count:,} selected")

    def _on_table_selection(self, *_):
        if self._syncing or self.model.selected_only:
            return
        idx = self.view.selectionModel().selectedRows()
        rows = self.model.view_rows[[i.row() for i in idx]] if idx else np.zeros(0, np.int64)
        self._syncing = True
        try:
            self._selection.replace(rows)
        finally:
            self._syncing = False
        self._update_count()

    def scroll_to_row(self, row: int) -> bool:
        """Scroll the table to data-set row ``row`` (when the filter shows it); True if it is listed."""
        pos = self.model.position_of(np.asarray([row], dtype=np.int64))
        if not len(pos) or pos[0] < 0:
            return False
        centre = QtWidgets.QAbstractItemView.ScrollHint.PositionAtCenter
        self.view.scrollTo(self.model.index(int(pos[0]), 0), centre)
        return True

    def table_state(self) -> dict:
        """The filter, "Selected only" and the sort (column name and order), for a session."""
        sort = self.model.sort_state()
        return {"filter": self.filter_edit.text(), "selected_only": self.selected_only.isChecked(),
                "sort": sort}

    def restore_table_state(self, state: dict | None) -> None:
        """Put back :meth:`table_state` (a sort column the set lacks is left out)."""
        state = state or {}
        self.filter_edit.setText(str(state.get("filter") or ""))
        self.apply_filter()
        self.selected_only.setChecked(bool(state.get("selected_only")))
        sort = state.get("sort")
        column = self.model.column_of(sort[0]) if sort else -1
        if column >= 0:
            order = (_Qt.SortOrder.DescendingOrder if sort[1] == "descending"
                     else _Qt.SortOrder.AscendingOrder)
            self.view.sortByColumn(column, order)

    def _on_current_row(self, current: QtCore.QModelIndex, _previous) -> None:
        if self._syncing or not current.isValid():
            return
        self.row_activated.emit(int(self.model.view_rows[current.row()]))

    def _on_shared_selection(self) -> None:
        if self._syncing:
            self.model.selection_changed()
            return
        self.model.selection_changed()
        self._mirror_selection()
        self._update_count()

    def _mirror_selection(self) -> None:
        """Make the table's own selection show the shared one (small selections only)."""
        sm = self.view.selectionModel()
        self._syncing = True
        try:
            if self.model.selected_only or self._selection.count > TABLE_SYNC_MAX:
                sm.clearSelection()
                return
            pos = np.sort(self.model.position_of(self._selection.rows))
            qsel = QtCore.QItemSelection()
            if len(pos):
                breaks = np.flatnonzero(np.diff(pos) != 1)
                starts = np.r_[pos[0], pos[breaks + 1]]
                ends = np.r_[pos[breaks], pos[-1]]
                last = self.model.columnCount() - 1
                for a, b in zip(starts, ends):
                    qsel.select(self.model.index(int(a), 0), self.model.index(int(b), last))
            sm.select(qsel, QtCore.QItemSelectionModel.SelectionFlag.ClearAndSelect)
            if len(pos):
                self.view.scrollTo(self.model.index(int(pos[0]), 0))
        finally:
            self._syncing = False


def modifiers_mode(event: QtGui.QMouseEvent) -> str:
    """Selection mode of a mouse event (re-exported for panels that build their own tables)."""
    return mode_for_modifiers(event.modifiers())
