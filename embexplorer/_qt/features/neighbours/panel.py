"""Nearest-neighbour panel: query by label (with completion), by clicked point or by vector."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets

from embexplorer._qt.widgets.results import LabelEdit, TableModel, connect_changes, make_table
from embexplorer.core.analysis.neighbours import (
    CASE_RULE,
    DEFAULT_K,
    MAX_K,
    METRICS,
    MIN_K,
    Neighbour,
    nearest,
    unknown_label,
)
from embexplorer.core.errors import DataError

#: Column heading of the score, per metric.
SCORE_HEADINGS = {"cosine": "cosine", "dot": "dot product", "euclidean": "distance"}
#: Step of the "first N rows" spin box.
RESTRICT_STEP = 1000


class NeighboursPanel(QtWidgets.QWidget):
    """Nearest neighbours of a label, a point or a vector.

    Signals
    -------
    rows_highlighted(object)
        int64 array: the query row (when the query is a row) followed by the
        neighbour rows, for the scatter overlay; empty when cleared.
    row_activated(int)
        A result row was chosen (clicked or activated): its row in the set.
    """

    rows_highlighted = QtCore.Signal(object)
    row_activated = QtCore.Signal(int)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.emb = None
        self.results: list[Neighbour] = []
        self.current_row: int | None = None
        self._last_query: tuple | None = None  # ("row", row) or ("vector", vec, description)
        self.search = nearest  # the search used; the Approximate toggle swaps in its own

        self.query_edit = LabelEdit("Label (Enter to search)")
        self.search_button = QtWidgets.QPushButton("Search")
        self.metric_combo = QtWidgets.QComboBox()
        self.metric_combo.addItems(list(METRICS))
        self.k_spin = QtWidgets.QSpinBox()
        self.k_spin.setRange(MIN_K, MAX_K)
        self.k_spin.setValue(DEFAULT_K)
        self.k_spin.setPrefix("k = ")
        self.restrict_spin = QtWidgets.QSpinBox()
        self.restrict_spin.setRange(0, 0)
        self.restrict_spin.setSpecialValueText("all rows")
        self.restrict_spin.setPrefix("first ")
        self.restrict_spin.setSingleStep(RESTRICT_STEP)
        self.restrict_spin.setToolTip("Search only the first N rows (files are usually sorted by frequency)")
        # The one case rule of the command line too: exact first, then ignoring case.
        self.case_check = QtWidgets.QCheckBox("Ignore case")
        self.case_check.setChecked(True)
        self.case_check.setToolTip(f"Checked: {CASE_RULE}. Unchecked: exact matches only.")
        self.status_label = QtWidgets.QLabel("")
        self.status_label.setWordWrap(True)
        self.model = TableModel(["rank", "label", "cosine"])
        self.table = make_table(self.model)

        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.query_edit, 1)
        top.addWidget(self.search_button)
        opts = QtWidgets.QHBoxLayout()
        opts.addWidget(self.metric_combo)
        opts.addWidget(self.k_spin)
        opts.addWidget(self.restrict_spin)
        opts.addWidget(self.case_check)
        opts.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(opts)
        layout.addWidget(self.status_label)
        layout.addWidget(self.table, 1)

        self.query_edit.returnPressed.connect(self._on_search)
        self.query_edit.label_chosen.connect(self._on_label_chosen)
        self.search_button.clicked.connect(self._on_search)
        connect_changes(self._on_options_changed, self.metric_combo, self.k_spin, self.restrict_spin,
                        self.case_check)
        self.table.clicked.connect(self._on_result_clicked)
        self.table.activated.connect(self._on_result_clicked)
        self.setEnabled(False)

    # ------------------------------------------------------------------ API
    def set_embeddings(self, emb) -> None:
        """Show neighbours within ``emb`` (None clears the panel)."""
        self.emb = emb
        self.results = []
        self.current_row = None
        self._last_query = None
        self.model.set_rows([])
        self.status_label.setText("")
        self.setEnabled(emb is not None)
        if emb is None:
            self.query_edit.set_labels(())
            return
        self.query_edit.set_labels(emb.labels)
        self.restrict_spin.setRange(0, emb.n)
        self.restrict_spin.setValue(0)
        self.rows_highlighted.emit(np.empty(0, dtype=np.int64))

    def update_vectors(self, emb) -> bool:
        """New vectors for the same labels (a training epoch): keep the query and its options, redo it.

        Cheap (one nearest-neighbour search); the label completer is not rebuilt.  When the labels
        differ this is :meth:`set_embeddings` (and returns False).
        """
        old = self.emb
        if emb is None or old is None or emb.n != old.n or emb.labels != old.labels:
            self.set_embeddings(emb)
            return False
        self.emb = emb
        if self._last_query is not None:
            self._run()
        return True

    @property
    def metric_name(self) -> str:
        return self.metric_combo.currentText()

    def query_label(self, label: str) -> bool:
        """Search the neighbours of ``label``; False (and a message) when unknown."""
        if self.emb is None:
            return False
        self.query_edit.setText(label)
        try:
            row = self.emb.row(label, case_insensitive=self.case_check.isChecked())
        except KeyError:
            self._show_error(str(unknown_label(self.emb, label, self.case_check.isChecked())))
            return False
        self.query_row(row)
        return True

    @QtCore.Slot(int)
    def query_row(self, row: int) -> None:
        """Search the neighbours of a row (e.g. a clicked point)."""
        if self.emb is None:
            return
        self.query_edit.setText(self.emb.labels[row])
        self._last_query = ("row", int(row))
        self._run()

    @QtCore.Slot(object, str)
    def query_vector(self, vec, description: str = "vector") -> None:
        """Search the neighbours of a vector (e.g. from the analogy panel)."""
        if self.emb is None:
            return
        vec = np.asarray(vec, dtype=np.float32).reshape(-1)
        if vec.shape != (self.emb.dims,):
            self._show_error(f"vector has {vec.size} values, the embeddings {self.emb.dims}")
            return
        self.query_edit.setText("")
        self._last_query = ("vector", vec, description)
        self._run()

    def redo_query(self) -> None:
        """Run the last query again (the search changed)."""
        self._run()

    # --------------------------------------------------------------- internals
    def _run(self) -> None:
        q = self._last_query
        if q is None or self.emb is None:
            return
        restrict = self.restrict_spin.value() or None
        target = q[1]
        try:
            self.results = self.search(self.emb, target, k=self.k_spin.value(), metric=self.metric_name,
                                   restrict=restrict)
        except (DataError, ValueError) as exc:
            self._show_error(str(exc))
            return
        self.current_row = q[1] if q[0] == "row" else None
        what = repr(self.emb.labels[q[1]]) if q[0] == "row" else q[2]
        self.status_label.setText(f"{len(self.results)} nearest to {what} by {self.metric_name}"
                                  + (f", first {restrict:,} rows" if restrict else ""))
        meta = list(self.emb.metadata)
        rows = []
        for i, n in enumerate(self.results, start=1):
            text = self.emb.metadata_text(n.row) if meta else {}
            rows.append([i, n.label, n.score, *(text[m] for m in meta)])
        self.model.set_rows(rows, ["rank", "label", SCORE_HEADINGS[self.metric_name], *meta])
        self.table.resizeColumnsToContents()
        head = [self.current_row] if self.current_row is not None else []
        highlighted = head + [n.row for n in self.results]
        self.rows_highlighted.emit(np.asarray(highlighted, dtype=np.int64))

    def _show_error(self, text: str) -> None:
        self.status_label.setText(text)

    def _on_search(self) -> None:
        text = self.query_edit.text().strip()
        if text:
            self.query_label(text)

    def _on_label_chosen(self, row: int) -> None:
        self.query_row(row)

    def _on_options_changed(self, *_args) -> None:
        if self._last_query is not None:
            self._run()

    def _on_result_clicked(self, index: QtCore.QModelIndex) -> None:
        if index.isValid() and index.row() < len(self.results):
            self.row_activated.emit(self.results[index.row()].row)
