"""Which column of a ratings file is the user, the item, the rating: a preview and one combo per role.

:func:`ask_ratings_columns` is what the window calls when
:func:`embexplorer.core.recommender.movielens.load_movielens` raises
:class:`~embexplorer.core.recommender.movielens.NeedsColumnMapping`; the mapping it returns
goes back to ``load_movielens(path, mapping=...)`` (or
:func:`~embexplorer.core.recommender.movielens.load_ratings_csv`) on the worker thread.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6 import QtGui, QtWidgets

from embexplorer.core.data._textparse import is_number_text
from embexplorer.core.errors import DataError
from embexplorer.core.recommender.movielens import (
    PREVIEW_ROWS,
    RATINGS_DELIMITERS,
    REQUIRED_ROLES,
    ROLES,
    guess_column_roles,
    guess_ratings_columns,
    preview_ratings_file,
)

#: Text of the "no column" entry of an optional role's combo.
NO_COLUMN = "(none)"
#: Shown beside each role.
ROLE_LABELS = {"user": "User", "item": "Item (movie)", "rating": "Rating",
               "timestamp": "Timestamp (optional)", "title": "Title (optional)"}
#: Preview column header background of a column given a role.
ROLE_TINT = QtGui.QColor(80, 160, 255, 60)


class RatingsColumnsDialog(QtWidgets.QDialog):
    """Preview of a ratings file's first rows and the role of each column.

    Parameters
    ----------
    path : path
        The delimited ratings file.
    parent : QWidget, optional

    Raises
    ------
    DataError
        The file cannot be read or split at all (empty, binary).
    """

    def __init__(self, path: str | os.PathLike, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = Path(path)
        rows, header, guess = guess_ratings_columns(self.path)
        self._rows, self._header = rows, header
        self.setWindowTitle(f"Columns of {self.path.name}")
        self._build()
        self._set_delimiter(guess["delimiter"])
        self.header_check.setChecked(guess["has_header"])
        self._fill_combos(guess)
        self.delimiter_combo.currentIndexChanged.connect(self._on_format_changed)
        self.header_check.toggled.connect(self._on_format_changed)
        for combo in self.role_combos.values():
            combo.currentIndexChanged.connect(self._on_role_changed)
        self._refresh_preview()
        self._validate()

    # ------------------------------------------------------------- building
    def _build(self) -> None:
        intro = QtWidgets.QLabel(f"<b>{self.path.name}</b> is not a MovieLens file. Say which column holds "
                                 "what; the first rows are shown below.")
        intro.setWordWrap(True)
        self.delimiter_combo = QtWidgets.QComboBox()
        for name, sep in RATINGS_DELIMITERS.items():
            self.delimiter_combo.addItem(name, sep)
        self.header_check = QtWidgets.QCheckBox("first line names the columns")
        fmt = QtWidgets.QHBoxLayout()
        fmt.addWidget(QtWidgets.QLabel("Separated by"))
        fmt.addWidget(self.delimiter_combo)
        fmt.addSpacing(12)
        fmt.addWidget(self.header_check)
        fmt.addStretch(1)

        self.role_combos: dict[str, QtWidgets.QComboBox] = {}
        form = QtWidgets.QFormLayout()
        for role in ROLES:
            combo = QtWidgets.QComboBox()
            combo.setObjectName(f"{role}_combo")
            self.role_combos[role] = combo
            form.addRow(ROLE_LABELS[role], combo)

        self.preview = QtWidgets.QTableWidget(0, 0)
        self.preview.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.verticalHeader().setVisible(False)
        self.preview.setMinimumHeight(160)

        self.problem = QtWidgets.QLabel("")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c0392b")
        self.buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                                  | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Read Ratings")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(fmt)
        layout.addLayout(form)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.resize(640, 520)

    # ------------------------------------------------------------------ API
    def mapping(self) -> dict:
        """The chosen mapping: column index (or None) per role, ``delimiter``, ``has_header``."""
        out = {role: self.role_combos[role].currentData() for role in ROLES}
        out.update(delimiter=self.delimiter(), has_header=self.header_check.isChecked())
        return out

    def delimiter(self) -> str:
        return self.delimiter_combo.currentData()

    @property
    def column_count(self) -> int:
        return max([len(self._header or [])] + [len(r) for r in self._rows])

    def column_name(self, c: int) -> str:
        """``"column 2: movieId"`` (1-based, with the header name when there is one)."""
        name = self._header[c] if self._header and c < len(self._header) and self._header[c] else ""
        return f"column {c + 1}" + (f": {name}" if name else "")

    # ---------------------------------------------------------------- slots
    def _on_format_changed(self, *_args) -> None:
        before = self.column_count
        kept = {role: combo.currentData() for role, combo in self.role_combos.items()}
        failed = None
        try:
            self._rows, self._header, _, _ = preview_ratings_file(
                self.path, self.delimiter(), self.header_check.isChecked(), PREVIEW_ROWS)
        except DataError as err:
            self._rows, self._header = [], None
            failed = err.reason
        # The same columns (a header line switched on or off): keep the user's choices; new columns
        # (another separator): guess again from what the rows look like now.
        same = self.column_count == before and failed is None
        self._fill_combos(kept if same else guess_column_roles(self._header, self._rows))
        self._refresh_preview()
        self._validate()
        if failed:
            self.problem.setText(f"{failed} {self.problem.text()}")

    def _on_role_changed(self, _index: int) -> None:
        self._refresh_preview_header()
        self._validate()

    # -------------------------------------------------------------- helpers
    def _set_delimiter(self, sep: str) -> None:
        i = self.delimiter_combo.findData(sep)
        self.delimiter_combo.setCurrentIndex(max(i, 0))

    def _fill_combos(self, guess: dict) -> None:
        n = self.column_count
        for role, combo in self.role_combos.items():
            combo.blockSignals(True)
            combo.clear()
            if role not in REQUIRED_ROLES:
                combo.addItem(NO_COLUMN, None)
            elif n == 0:
                combo.addItem(NO_COLUMN, None)
            for c in range(n):
                combo.addItem(self.column_name(c), c)
            want = guess.get(role)
            i = combo.findData(want) if want is not None else 0
            combo.setCurrentIndex(max(i, 0))
            combo.blockSignals(False)

    def _refresh_preview(self) -> None:
        n = self.column_count
        t = self.preview
        t.clear()
        t.setColumnCount(n)
        t.setRowCount(len(self._rows))
        for r, row in enumerate(self._rows):
            for c, value in enumerate(row):
                t.setItem(r, c, QtWidgets.QTableWidgetItem(value))
        self._refresh_preview_header()
        t.resizeColumnsToContents()

    def _refresh_preview_header(self) -> None:
        roles_of = {}
        for role, combo in self.role_combos.items():
            c = combo.currentData()
            if c is not None:
                roles_of.setdefault(c, []).append(role)
        for c in range(self.preview.columnCount()):
            name = self._header[c] if self._header and c < len(self._header) else f"column {c + 1}"
            roles = roles_of.get(c)
            item = QtWidgets.QTableWidgetItem(f"{name}\n[{', '.join(roles)}]" if roles else name)
            if roles:
                item.setBackground(ROLE_TINT)
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.preview.setHorizontalHeaderItem(c, item)

    def problems(self) -> list[str]:
        """Why the mapping cannot be used yet (empty when OK is enabled)."""
        m = self.mapping()
        out = []
        if not self._rows:
            out.append("No rows to read with this separator and header setting.")
        for role in REQUIRED_ROLES:
            if m[role] is None:
                out.append(f"Choose the {role} column.")
        chosen = [(role, m[role]) for role in ("user", "item", "rating", "timestamp") if m[role] is not None]
        for k, (role, c) in enumerate(chosen):
            for other, c2 in chosen[:k]:
                if c == c2:
                    out.append(f"The {other} and the {role} are the same column ({c + 1}).")
        c = m["rating"]
        if c is not None:
            for line, row in enumerate(self._rows, start=2 if m["has_header"] else 1):
                if c < len(row) and not is_number_text(row[c], comma_decimal=True):
                    hint = "" if m["has_header"] or line > 1 else " (is the first line a header?)"
                    out.append(f"The rating column holds {row[c][:30]!r} on line {line}, not a number{hint}.")
                    break
        return out

    def _validate(self) -> None:
        issues = self.problems()
        self.ok_button.setEnabled(not issues)
        self.problem.setText(" ".join(issues))


def ask_ratings_columns(parent: QtWidgets.QWidget | None, path: str | os.PathLike) -> dict | None:
    """Ask which column of ``path`` is what; the mapping, or None when cancelled.

    A file that cannot be previewed at all raises :class:`DataError` (the window shows it like any
    load error).
    """
    dialog = RatingsColumnsDialog(path, parent)
    try:
        if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            return dialog.mapping()
        return None
    finally:
        dialog.deleteLater()

