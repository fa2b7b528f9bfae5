"""The Compare dock: what B is, k, Run / Cancel, the one-plot arrow mode, the movers table, B's plot."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets

from embexplorer._qt.widgets.scatter import ScatterView
from embexplorer._qt.widgets.selection import SelectionModel
from embexplorer.core.analysis.compare import DEFAULT_K

#: Largest k offered.
MAX_K = 100
#: Columns of the movers table.
MOVER_HEADERS = ("label", "overlap", "displacement", "only in A", "only in B")
#: Neighbours shown per cell of "only in A" / "only in B".
CELL_NEIGHBOURS = 5
#: Rows of the movers table (the biggest movers; every label's values are in the computed columns):
#: a few hundred keep filling and sorting it well under the UI's 100 ms.
TABLE_ROWS = 300
#: Rows looked at when fitting the columns to their contents, the padding of a cell and the widest column.
RESIZE_PRECISION_ROWS = 40
CELL_PAD_PX = 16
MAX_COLUMN_PX = (220, 120, 120, 320)  # label, overlap, displacement, only in A (only in B stretches)
#: Height of B's plot in the dock (pixels, at least).
B_PLOT_MIN_HEIGHT = 260

#: Shares of the dock's height for B's plot and for the controls and table, and the table's least height.
PLOT_STRETCH, TABLE_STRETCH = 3, 2
TABLE_MIN_HEIGHT = 140

_SORT_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1
_ROW_ROLE = QtCore.Qt.ItemDataRole.UserRole + 2


class MoversModel(QtCore.QAbstractTableModel):
    """The biggest movers: display text, and the raw values for sorting (NaN sorts last)."""

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple] = []  # (row in A, label, overlap, displacement, only A, only B)

    def set_movers(self, rows: list[tuple]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def rowCount(self, parent=None) -> int:  # noqa: N802 (Qt API)
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def columnCount(self, parent=None) -> int:  # noqa: N802
        return len(MOVER_HEADERS)

    @staticmethod
    def display_text(row: tuple, column: int) -> str:
        """What the cell of ``row`` (a mover's tuple) in ``column`` shows."""
        value = row[column + 1]
        if isinstance(value, float):
            return "" if not np.isfinite(value) else f"{value:.3g}"
        return str(value)

    def data(self, index, role=QtCore.Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        value = row[index.column() + 1]
        if role == _ROW_ROLE:
            return row[0]
        if role == _SORT_ROLE:
            if isinstance(value, float):
                return value if np.isfinite(value) else float("inf")
            return value
        if role == QtCore.Qt.ItemDataRole.DisplayRole:
            return self.display_text(row, index.column())
        if role == QtCore.Qt.ItemDataRole.TextAlignmentRole and isinstance(value, float):
            return int(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section, orientation, role=QtCore.Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == QtCore.Qt.ItemDataRole.DisplayRole and orientation == QtCore.Qt.Orientation.Horizontal:
            return MOVER_HEADERS[section]
        return None


class ComparePanel(QtWidgets.QWidget):
    """Controls, the movers table and B's plot (sharing the Workspace's selection while it shows B:
    :meth:`show_points`).

    Signals
    -------
    row_activated(int)
        A mover was clicked: its row in A.
    """

    row_activated = QtCore.Signal(int)

    def __init__(self, selection, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._shared_selection = selection
        self.b_label = QtWidgets.QLabel("B: nothing chosen")
        self.b_label.setWordWrap(True)
        self.file_button = QtWidgets.QPushButton("Compare with File…")
        self.file_button.setToolTip("Compare the set shown (A) with an embedding file (B)")
        self.keep_button = QtWidgets.QPushButton("Remember This Set")
        self.keep_button.setToolTip("Keep the set shown, to compare a later one with it "
                                    "(another epoch or run of a training, with or without weight decay)")
        self.kept_button = QtWidgets.QPushButton("Compare with Remembered")
        self.kept_button.setEnabled(False)
        self.k_spin = QtWidgets.QSpinBox()
        self.k_spin.setRange(1, MAX_K)
        self.k_spin.setValue(DEFAULT_K)
        self.k_spin.setPrefix("k = ")
        self.k_spin.setToolTip("Neighbours compared per label (Jaccard overlap of the two lists)")
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.arrows_check = QtWidgets.QCheckBox("Arrows A → B for the selection")
        self.arrows_check.setToolTip("On the main plot: an arrow from each selected point's place in A "
                                     "to its place in B (aligned onto A)")
        self.status = QtWidgets.QLabel("")
        self.status.setWordWrap(True)
        self.model = MoversModel(self)
        self.proxy = QtCore.QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(_SORT_ROLE)
        self.table = QtWidgets.QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setResizeContentsPrecision(RESIZE_PRECISION_ROWS)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)  # one line a mover: long neighbour lists are elided, not wrapped
        self.plot_title = QtWidgets.QLabel("B, placed like A")
        self.plot_title.setTextFormat(QtCore.Qt.TextFormat.RichText)  # a key in the selection's colour
        self.plot_title.setWordWrap(True)  # a narrow dock: the title and its key wrap, never widen it
        self._own_selection = SelectionModel(0, self)
        self._scatter: ScatterView | None = None  # built on first use: most windows never compare
        #: Called with B's ScatterView when it is built (the feature wires hover and clicks).
        self.on_scatter_built = None

        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.file_button)
        buttons.addWidget(self.keep_button)
        buttons.addWidget(self.kept_button)
        opts = QtWidgets.QHBoxLayout()
        opts.addWidget(self.k_spin)
        opts.addWidget(self.cancel_button)
        opts.addWidget(self.arrows_check)
        opts.addStretch(1)
        top = QtWidgets.QWidget()
        lay = QtWidgets.QVBoxLayout(top)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.b_label)
        lay.addLayout(buttons)
        lay.addLayout(opts)
        lay.addWidget(self.status)
        lay.addWidget(self.table, 1)
        bottom = QtWidgets.QWidget()
        blay = QtWidgets.QVBoxLayout(bottom)
        blay.setContentsMargins(0, 0, 0, 0)
        blay.addWidget(self.plot_title)
        self._plot_layout = blay
        self._plot_box = bottom
        split = self._split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        split.addWidget(bottom)
        split.addWidget(top)
        split.setStretchFactor(0, PLOT_STRETCH)
        split.setStretchFactor(1, TABLE_STRETCH)
        self.table.setMinimumHeight(TABLE_MIN_HEIGHT)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(split)
        self.table.clicked.connect(self._on_table_clicked)
        self.table.activated.connect(self._on_table_clicked)

    @property
    def has_scatter(self) -> bool:
        """Whether B's plot was built."""
        return self._scatter is not None

    @property
    def scatter(self) -> ScatterView:
        """B's plot (built on first use)."""
        if self._scatter is None:
            self._scatter = ScatterView(self, selection=self._own_selection)
            self._scatter.setMinimumHeight(B_PLOT_MIN_HEIGHT)
            self._plot_layout.addWidget(self._scatter, 1)
            if self.on_scatter_built is not None:
                self.on_scatter_built(self._scatter)
        return self._scatter

    def set_plot_share(self, share: float) -> None:
        """Give B's plot ``share`` of the dock's height (the rest to the controls and the table)."""
        total = sum(self._split.sizes()) or self.height()
        plot = int(total * share)
        self._split.setSizes([plot, total - plot])

    def show_plot(self, on: bool) -> None:
        """Show or hide B's plot (the arrows mode of the command line keeps one plot: the main one)."""
        self._plot_box.setVisible(bool(on))

    def set_movers(self, rows: list[tuple]) -> None:
        """Rows ``(row in A, label, overlap, displacement, only in A, only in B)``, biggest movers first."""
        header = self.table.horizontalHeader()
        blocked = header.blockSignals(True)  # no re-sort by the old indicator: biggest movers first
        header.setSortIndicator(-1, QtCore.Qt.SortOrder.AscendingOrder)
        header.blockSignals(blocked)
        self.proxy.sort(-1)
        self.model.set_movers(rows)
        self._fit_columns(rows)

    def _fit_columns(self, rows: list[tuple]) -> None:
        """Columns as wide as the texts of the first rows (measured directly: the view's own
        ``resizeColumnsToContents`` asks the model through the proxy for every cell's size hint, tens of
        milliseconds on the UI thread); the last column stretches."""
        fm = self.table.fontMetrics()
        header = self.table.horizontalHeader()
        head = header.fontMetrics()
        for col, title in enumerate(MOVER_HEADERS[:-1]):
            texts = [self.model.display_text(row, col) for row in rows[:RESIZE_PRECISION_ROWS]]
            title_px = head.horizontalAdvance(title) + CELL_PAD_PX  # room for the sort arrow
            width = max([fm.horizontalAdvance(t) for t in texts] + [title_px])
            header.resizeSection(col, min(width + CELL_PAD_PX, MAX_COLUMN_PX[col]))

    def show_points(self, xy: np.ndarray, labels) -> None:
        """Show B's points (one per row of A) and share the Workspace's selection with the main plot."""
        if self.scatter.selection is not self._own_selection:  # sized before it is shared again
            self.scatter.set_selection_model(self._own_selection)
        self.scatter.set_points(xy, labels)
        self.scatter.set_selection_model(self._shared_selection)

    def clear_points(self) -> None:
        """No B shown (the shared selection is let go first: clearing must not resize it)."""
        if self._scatter is None:
            return
        self.scatter.set_selection_model(self._own_selection)
        self.scatter.clear()

    def label_at(self, view_row: int) -> str:
        return str(self.proxy.index(view_row, 0).data())

    def _on_table_clicked(self, index: QtCore.QModelIndex) -> None:
        if index.isValid():
            self.row_activated.emit(int(index.data(_ROW_ROLE)))
