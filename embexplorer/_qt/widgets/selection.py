"""One selection state shared by every panel (glue-style linked selection)."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore

from embexplorer.core.view.scatter_math import combine_selection

#: Above this many rows involved, :meth:`SelectionModel.apply` combines boolean masks.
MASK_COMBINE_MIN = 50_000
#: Selection modes accepted by :meth:`SelectionModel.apply`.
MODES = ("replace", "add", "toggle", "remove")


def mode_for_modifiers(modifiers) -> str:
    """Selection mode for keyboard modifiers: Shift adds, Ctrl/Cmd toggles, none replaces."""
    mods = QtCore.Qt.KeyboardModifier
    if modifiers & mods.ShiftModifier:
        return "add"
    if modifiers & (mods.ControlModifier | mods.MetaModifier):
        return "toggle"
    return "replace"


class SelectionModel(QtCore.QObject):
    """The selected rows of the current embedding set.

    Rows are kept sorted and unique (int64); a boolean mask is derived on
    demand and cached. ``changed`` is emitted only when the rows really change,
    so panels that both listen and write cannot ping-pong.

    Parameters
    ----------
    n : int
        Number of rows of the data set.
    """

    changed = QtCore.Signal()

    def __init__(self, n: int = 0, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._n = int(n)
        self._rows = np.zeros(0, dtype=np.int64)
        self._mask: np.ndarray | None = None

    # -- state ------------------------------------------------------------------
    @property
    def size(self) -> int:
        """Number of rows of the data set."""
        return self._n

    def set_size(self, n: int) -> None:
        """New data set of ``n`` rows: clears the selection."""
        self._n = int(n)
        self._mask = None  # the cached mask has the old length even when nothing was selected
        self._set(np.zeros(0, dtype=np.int64))

    @property
    def rows(self) -> np.ndarray:
        """Selected rows, sorted (read-only view)."""
        v = self._rows.view()
        v.flags.writeable = False
        return v

    @property
    def mask(self) -> np.ndarray:
        """Boolean mask of length ``size`` (cached; do not modify)."""
        if self._mask is None:
            m = np.zeros(self._n, dtype=bool)
            m[self._rows] = True
            m.flags.writeable = False
            self._mask = m
        return self._mask

    @property
    def count(self) -> int:
        return len(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def contains(self, row: int) -> bool:
        """Whether ``row`` is selected."""
        i = np.searchsorted(self._rows, row)
        return bool(i < len(self._rows) and self._rows[i] == row)

    # -- changes ----------------------------------------------------------------
    def apply(self, rows, mode: str = "replace") -> None:
        """Combine ``rows`` with the selection by ``mode`` (see :data:`MODES`)."""
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        if len(rows) and (rows.min() < 0 or rows.max() >= self._n):
            raise IndexError(f"selection rows out of range 0..{self._n - 1}")
        if mode != "replace" and len(rows) + len(self._rows) > MASK_COMBINE_MIN:
            # Big sets: boolean masks combine in a few ms where sorted set operations
            # (np.union1d ...) sort millions of rows.
            m = np.zeros(self._n, dtype=bool)
            m[rows] = True
            self.apply_mask(m, mode)
            return
        self._set(combine_selection(self._rows, rows, mode))

    def apply_mask(self, mask: np.ndarray, mode: str = "replace") -> None:
        """Like :meth:`apply` with a boolean mask of length ``size``."""
        mask = np.asarray(mask, dtype=bool)
        if len(mask) != self._n:
            raise ValueError(f"mask of length {len(mask)} for {self._n} rows")
        if mode == "replace":
            new = mask
        elif mode == "add":
            new = self.mask | mask
        elif mode == "toggle":
            new = self.mask ^ mask
        elif mode == "remove":
            new = self.mask & ~mask
        else:
            raise ValueError(f"unknown selection mode {mode!r}")
        self._set(np.flatnonzero(new).astype(np.int64, copy=False))

    def replace(self, rows) -> None:
        self.apply(rows, "replace")

    def add(self, rows) -> None:
        self.apply(rows, "add")

    def toggle(self, rows) -> None:
        self.apply(rows, "toggle")

    def remove(self, rows) -> None:
        self.apply(rows, "remove")

    def clear(self) -> None:
        self._set(np.zeros(0, dtype=np.int64))

    def _set(self, rows: np.ndarray) -> None:
        if len(rows) == len(self._rows) and np.array_equal(rows, self._rows):
            return
        self._rows = rows
        self._mask = None
        self.changed.emit()
