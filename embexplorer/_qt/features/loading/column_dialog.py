"""The small dialog that asks which column of a table holds the vectors (or the labels) when the
file leaves it open (the loaders raise :class:`ColumnChoiceNeeded` naming the candidates)."""

from __future__ import annotations

from PySide6 import QtWidgets

from embexplorer.core.data._table_readers import ColumnChoiceNeeded

#: Object name of the dialog (tests and the monkey find it by it).
DIALOG_NAME = "columnChoiceDialog"
#: What each role is called in the dialog.
ROLE_TEXT = {"vector": "vectors", "label": "labels"}


def ask_column(parent: QtWidgets.QWidget, err: ColumnChoiceNeeded, file_name: str) -> str | None:
    """Ask which of ``err.candidates`` holds the ``err.role``; the name chosen, or None if cancelled."""
    dialog = QtWidgets.QInputDialog(parent)
    dialog.setObjectName(DIALOG_NAME)
    what = ROLE_TEXT.get(err.role, err.role)
    dialog.setWindowTitle(f"Which column holds the {what}?")
    dialog.setLabelText(f"Several columns of “{file_name}” could hold the {what}.\n"
                        f"Choose one (on the command line: --{err.role}-column NAME):")
    dialog.setComboBoxItems(err.candidates)
    dialog.setComboBoxEditable(False)
    dialog.setOkButtonText("Open")
    if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
        return None
    return dialog.textValue() or None
