"""The window's side of the memory guard: offer to load the first N rows of a file too large for memory.

The loaders raise :class:`~embexplorer.core.data.memory.MemoryLimitError` before
reading such a file; :func:`offer_limit` turns it into a question with a
"Load first N rows" button, and the caller reopens the file with that limit.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtWidgets

from embexplorer.core.data.memory import MemoryLimitError, format_bytes

#: Object name of the "Load first N rows" button (tests and accessibility find it by this).
LOAD_FIRST_BUTTON = "loadFirstRowsButton"
#: Window title of the dialog.
DIALOG_TITLE = "File too large for memory"


def limit_dialog(parent: QtWidgets.QWidget | None, err: MemoryLimitError) -> QtWidgets.QMessageBox:
    """The (not yet shown) dialog for ``err``: a "Load first N rows" button (if any fit) and Cancel."""
    box = QtWidgets.QMessageBox(parent)
    box.setIcon(QtWidgets.QMessageBox.Icon.Warning)
    box.setWindowTitle(DIALOG_TITLE)
    name = Path(err.path).name if err.path else "the file"
    box.setText(f"“{name}” is too large to load into the memory available.")
    info = (f"It has about {err.rows:,} rows of {err.dims:,} dimensions; loading it would take about "
            f"{format_bytes(err.estimated_bytes)}, and {format_bytes(err.available_bytes)} is available.")
    if err.suggested_limit is not None:
        info += (f"\n\nThe first {err.suggested_limit:,} rows fit (files of embeddings usually list the most "
                 "frequent words first).")
        button = box.addButton(f"Load First {err.suggested_limit:,} Rows",
                               QtWidgets.QMessageBox.ButtonRole.AcceptRole)
        button.setObjectName(LOAD_FIRST_BUTTON)
        box.setDefaultButton(button)
    else:
        info += "\n\nNot even a small part fits: close other programs and try again."
    box.setInformativeText(info)
    box.addButton(QtWidgets.QMessageBox.StandardButton.Cancel)
    return box


def offer_limit(parent: QtWidgets.QWidget | None, err: MemoryLimitError) -> int | None:
    """Ask whether to load only the first rows of a file too large for memory.

    Returns
    -------
    int or None
        The row limit to reopen the file with, or None (Cancel, or nothing fits).
    """
    box = limit_dialog(parent, err)
    box.exec()
    clicked = box.clickedButton()
    if clicked is not None and clicked.objectName() == LOAD_FIRST_BUTTON:
        return err.suggested_limit
    return None
