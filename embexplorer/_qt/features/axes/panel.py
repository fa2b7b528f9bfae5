"""The Axes dock: X and Y expressions, cosine or dot product, orthogonalise; project a direction away."""

from __future__ import annotations

from PySide6 import QtWidgets

#: (shown text, measure) of the measure combo.
MEASURE_ITEMS = (("cosine", "cosine"), ("dot product", "dot"))
#: Examples shown in the empty fields.
X_PLACEHOLDER, Y_PLACEHOLDER = "woman - man", "king - queen"
#: Colour of a message that says something went wrong.
ERROR_COLOUR = "#b00020"


class AxesPanel(QtWidgets.QWidget):
    """The widgets of the Axes dock (the feature wires them)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.x_edit = QtWidgets.QLineEdit()
        self.x_edit.setPlaceholderText(X_PLACEHOLDER)
        self.y_edit = QtWidgets.QLineEdit()
        self.y_edit.setPlaceholderText(Y_PLACEHOLDER)
        for edit in (self.x_edit, self.y_edit):
            edit.setClearButtonEnabled(True)
            edit.setToolTip("A word, or an expression as in the Analogy panel: woman - man, rich - poor, "
                            "0.5*paris + 0.5*berlin")
        self.measure_combo = QtWidgets.QComboBox()
        for text, measure in MEASURE_ITEMS:
            self.measure_combo.addItem(text, measure)
        self.measure_combo.setToolTip("Cosine: the angle only; dot product: long vectors reach further")
        # Short: beside "placed by [cosine]" a longer text made the dock scroll sideways at 1280 x 800; the
        # tooltip and the status line below say what it does.
        self.orthogonal_check = QtWidgets.QCheckBox("Orthogonalise")
        self.orthogonal_check.setToolTip("Remove X from Y: use only the part of the Y direction at right "
                                         "angles to X, so the two axes measure different things")
        self.apply_button = QtWidgets.QPushButton("Show on These Axes")
        self.pca_button = QtWidgets.QPushButton("Back to PCA")
        self.pca_button.setEnabled(False)
        self.status_label = QtWidgets.QLabel("")
        self.status_label.setWordWrap(True)

        self.away_edit = QtWidgets.QLineEdit()
        self.away_edit.setPlaceholderText("the X direction")
        self.away_edit.setClearButtonEnabled(True)
        self.away_edit.setToolTip("The direction to remove from every vector (empty: the X expression)")
        self.away_button = QtWidgets.QPushButton("Remove from All Vectors")
        self.original_button = QtWidgets.QPushButton("Original Vectors")
        self.original_button.setEnabled(False)
        self.original_button.setToolTip("Show the vectors as they were before any direction was removed")
        self.away_status = QtWidgets.QLabel("")
        self.away_status.setWordWrap(True)

        axes_box = QtWidgets.QGroupBox("Meaningful axes")
        form = QtWidgets.QFormLayout(axes_box)
        form.addRow("X", self.x_edit)
        form.addRow("Y", self.y_edit)
        opts = QtWidgets.QHBoxLayout()
        opts.addWidget(QtWidgets.QLabel("placed by"))
        opts.addWidget(self.measure_combo)
        opts.addWidget(self.orthogonal_check)
        opts.addStretch(1)
        form.addRow(opts)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.pca_button)
        buttons.addStretch(1)
        form.addRow(buttons)
        form.addRow(self.status_label)

        away_box = QtWidgets.QGroupBox("Project a direction away")
        al = QtWidgets.QVBoxLayout(away_box)
        al.addWidget(self.away_edit)  # its own line: beside the buttons it made the dock scroll sideways
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.away_button)
        row.addWidget(self.original_button)
        row.addStretch(1)
        al.addLayout(row)
        al.addWidget(self.away_status)

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(axes_box)
        layout.addWidget(away_box)
        layout.addStretch(1)
        self.setEnabled(False)

    @property
    def measure(self) -> str:
        """``"cosine"`` or ``"dot"``."""
        return str(self.measure_combo.currentData())

    def set_measure(self, measure: str) -> None:
        """Choose ``measure`` in the combo (unknown: left as it is)."""
        i = self.measure_combo.findData(measure)
        if i >= 0:
            self.measure_combo.setCurrentIndex(i)

    def say(self, text: str, error: bool = False, away: bool = False) -> None:
        """Show ``text`` under the axes (or under project-away), in red when it is an error."""
        label = self.away_status if away else self.status_label
        label.setStyleSheet(f"color: {ERROR_COLOUR};" if error else "")
        label.setText(text)
