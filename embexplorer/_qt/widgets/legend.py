"""Legend for the scatter colours: categories (click to hide/show) or a numeric colour bar."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer.core.view.scatter_math import ColorMapping

#: Swatch size in the legend (pixels).
SWATCH_PX = 12
#: Height of the numeric colour bar (pixels).
COLORBAR_HEIGHT = 14


def _qcolor(argb: int) -> QtGui.QColor:
    argb = int(argb)
    return QtGui.QColor((argb >> 16) & 0xFF, (argb >> 8) & 0xFF, argb & 0xFF)


def _swatch(color: QtGui.QColor, hidden: bool) -> QtGui.QIcon:
    pm = QtGui.QPixmap(SWATCH_PX, SWATCH_PX)
    pm.fill(QtCore.Qt.GlobalColor.transparent)
    p = QtGui.QPainter(pm)
    p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
    p.setPen(QtGui.QPen(color.darker(140), 1.2))
    p.setBrush(QtCore.Qt.BrushStyle.NoBrush if hidden else color)
    p.drawEllipse(QtCore.QRectF(1.5, 1.5, SWATCH_PX - 3, SWATCH_PX - 3))
    p.end()
    return QtGui.QIcon(pm)


class LegendWidget(QtWidgets.QWidget):
    """Shows the current colour mapping.

    Signals
    -------
    entry_toggled(int, bool)
        A categorical entry (LUT index) was clicked: ``(entry, visible)``.
    """

    entry_toggled = QtCore.Signal(int, bool)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = QtWidgets.QLabel()
        self._title.setStyleSheet("font-weight: 600;")
        self.list = QtWidgets.QListWidget()
        self.list.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.NoSelection)
        self.list.setIconSize(QtCore.QSize(SWATCH_PX, SWATCH_PX))
        self.list.setToolTip("Click a category to hide or show it")
        self.list.itemClicked.connect(self._on_item_clicked)
        self._bar = QtWidgets.QLabel()
        self._bar.setMinimumHeight(COLORBAR_HEIGHT)
        self._bar.setScaledContents(True)
        self._lo = QtWidgets.QLabel()
        self._hi = QtWidgets.QLabel()
        self._hi.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight)
        ends = QtWidgets.QHBoxLayout()
        ends.addWidget(self._lo)
        ends.addStretch(1)
        ends.addWidget(self._hi)
        self._numeric = QtWidgets.QWidget()
        nl = QtWidgets.QVBoxLayout(self._numeric)
        nl.setContentsMargins(0, 0, 0, 0)
        nl.addWidget(self._bar)
        nl.addLayout(ends)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self._title)
        layout.addWidget(self.list, 1)
        layout.addWidget(self._numeric)
        self._mapping: ColorMapping | None = None
        self._hidden: set[int] = set()
        self.set_mapping(None)

    def set_mapping(self, mapping: ColorMapping | None, title: str = "") -> None:
        """Show ``mapping`` (None hides the legend contents)."""
        self._mapping = mapping
        self._hidden = set()
        self._title.setText(title)
        self.list.clear()
        cat = mapping is not None and mapping.kind == "categorical"
        num = mapping is not None and mapping.kind == "numeric"
        self.list.setVisible(cat)
        self._numeric.setVisible(num)
        self._title.setVisible(mapping is not None)
        if cat:
            for entry, name in enumerate(mapping.names):
                count = int(mapping.counts[entry]) if mapping.counts is not None else 0
                if count == 0:
                    continue
                item = QtWidgets.QListWidgetItem(f"{name}  ({count:,})")
                item.setData(QtCore.Qt.ItemDataRole.UserRole, entry)
                item.setIcon(_swatch(_qcolor(mapping.lut[entry]), False))
                self.list.addItem(item)
        elif num:
            n = len(mapping.lut) - 1
            img = QtGui.QImage(n, 1, QtGui.QImage.Format.Format_RGB32)
            for i in range(n):
                img.setPixelColor(i, 0, _qcolor(mapping.lut[i]))
            self._bar.setPixmap(QtGui.QPixmap.fromImage(img))
            self._lo.setText(f"{mapping.vmin:.4g}")
            self._hi.setText(f"{mapping.vmax:.4g}")

    @property
    def hidden_entries(self) -> set[int]:
        return set(self._hidden)

    def item_for_entry(self, entry: int) -> QtWidgets.QListWidgetItem | None:
        """The list item of LUT entry ``entry`` (None if not listed)."""
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(QtCore.Qt.ItemDataRole.UserRole) == entry:
                return item
        return None

    def _on_item_clicked(self, item: QtWidgets.QListWidgetItem) -> None:
        entry = int(item.data(QtCore.Qt.ItemDataRole.UserRole))
        visible = entry in self._hidden
        if visible:
            self._hidden.discard(entry)
        else:
            self._hidden.add(entry)
        font = item.font()
        font.setStrikeOut(not visible)
        item.setFont(font)
        item.setForeground(QtGui.QBrush(self.palette().color(
            QtGui.QPalette.ColorGroup.Disabled if not visible else QtGui.QPalette.ColorGroup.Active,
            QtGui.QPalette.ColorRole.Text)))
        item.setIcon(_swatch(_qcolor(self._mapping.lut[entry]), not visible))
        self.entry_toggled.emit(entry, visible)


def colorbar_values(mapping: ColorMapping) -> np.ndarray:
    """Value at each colour-bar step (for tests and tick labels)."""
    return np.linspace(mapping.vmin, mapping.vmax, len(mapping.lut) - 1)
