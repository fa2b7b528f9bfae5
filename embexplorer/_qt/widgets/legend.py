"""Legend for the scatter colours: categories (click to hide/show) or a numeric colour bar."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer.core.view.scatter_math import ROBUST_CLIP, ColorMapping

#: Swatch size in the legend (pixels).
SWATCH_PX = 12
#: The legend column's width: room for its longest entry, within these bounds (pixels).
LEGEND_MIN_WIDTH, LEGEND_MAX_WIDTH = 120, 260
#: Room beside an entry's text: swatch spacing, frame and margins (pixels).
LEGEND_PAD_PX = 34
#: Narrowest colour bar (pixels).
COLORBAR_MIN_WIDTH = 170
#: Height of the numeric colour bar (pixels), its tick marks, and the ticks wanted along it.
COLORBAR_HEIGHT = 14
TICK_PX = 4
COLORBAR_TICKS = 4
#: Margin left and right of the bar, so the end labels are not cut (pixels).
COLORBAR_MARGIN_PX = 14


def nice_ticks(lo: float, hi: float, n: int = COLORBAR_TICKS) -> list[float]:
    """About ``n`` round values between ``lo`` and ``hi`` (1, 2, 2.5 or 5 times a power of ten)."""
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo:
        return [float(lo)]
    raw = (hi - lo) / max(n, 1)
    power = 10.0 ** np.floor(np.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = np.ceil(lo / step) * step
    ticks = np.arange(first, hi + step * 1e-9, step)
    return [float(round(t, 12)) for t in ticks]


class ColorBar(QtWidgets.QWidget):
    """A horizontal colour bar with tick marks and values right under it."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.mapping: ColorMapping | None = None
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Fixed)

    def set_mapping(self, mapping: ColorMapping | None) -> None:
        self.mapping = mapping
        self.updateGeometry()
        self.update()

    def ticks(self) -> list[tuple[float, float]]:
        """``(value, x in pixels)`` of every tick drawn."""
        m = self.mapping
        if m is None:
            return []
        x0, x1 = COLORBAR_MARGIN_PX, self.width() - COLORBAR_MARGIN_PX
        span = (m.vmax - m.vmin) or 1.0
        return [(v, x0 + (v - m.vmin) / span * (x1 - x0)) for v in nice_ticks(m.vmin, m.vmax)]

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt API)
        return QtCore.QSize(120, COLORBAR_HEIGHT + TICK_PX + self.fontMetrics().height() + 2)

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt API)
        return self.sizeHint()

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt API)
        m = self.mapping
        if m is None:
            return
        p = QtGui.QPainter(self)
        x0, x1 = COLORBAR_MARGIN_PX, self.width() - COLORBAR_MARGIN_PX
        grad = QtGui.QLinearGradient(x0, 0, x1, 0)
        n = len(m.lut) - 1
        for i in range(0, n, max(1, n // 32)):
            grad.setColorAt(i / max(n - 1, 1), _qcolor(m.lut[i]))
        grad.setColorAt(1.0, _qcolor(m.lut[n - 1]))
        bar = QtCore.QRectF(x0, 0, x1 - x0, COLORBAR_HEIGHT)
        p.fillRect(bar, grad)
        fg = self.palette().color(QtGui.QPalette.ColorRole.WindowText)
        p.setPen(QtGui.QPen(fg, 1))
        p.drawRect(bar)
        fm = self.fontMetrics()
        for value, x in self.ticks():
            p.drawLine(QtCore.QPointF(x, COLORBAR_HEIGHT), QtCore.QPointF(x, COLORBAR_HEIGHT + TICK_PX))
            text = f"{value:.4g}"
            w = fm.horizontalAdvance(text)
            left = min(max(x - w / 2, 0), self.width() - w)
            p.drawText(QtCore.QPointF(left, COLORBAR_HEIGHT + TICK_PX + fm.ascent()), text)
        p.end()


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
        self.colorbar = ColorBar()
        #: What the bar spans: the full range, or a stated robust clip with the full range beside it.
        self.range_note = QtWidgets.QLabel()
        self.range_note.setWordWrap(True)
        self._numeric = QtWidgets.QWidget()
        nl = QtWidgets.QVBoxLayout(self._numeric)
        nl.setContentsMargins(0, 0, 0, 0)
        nl.addWidget(self.colorbar)
        nl.addWidget(self.range_note)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self._title)
        layout.addWidget(self.list, 1)
        layout.addWidget(self._numeric)
        layout.addStretch(0)  # a colour bar stays under its title, at the top
        self._mapping: ColorMapping | None = None
        self._hidden: set[int] = set()
        self.set_mapping(None)

    def set_mapping(self, mapping: ColorMapping | None, title: str = "",
                    flagged: dict[str, int] | None = None) -> None:
        """Show ``mapping`` (None hides the legend contents).

        ``flagged`` gives, for a column of first listed labels, how many rows carry each label at all:
        each entry then says both ("Romance  (8 · 247)", the title says which is which).
        """
        self._mapping = mapping
        self._hidden = set()
        self._title.setText(f"{title}  (first listed · all flagged)" if flagged else title)
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
                text = f"{name}  ({count:,})"
                if flagged and name in flagged:
                    text = f"{name}  ({count:,} · {flagged[name]:,})"
                item = QtWidgets.QListWidgetItem(text)
                item.setData(QtCore.Qt.ItemDataRole.UserRole, entry)
                item.setIcon(_swatch(_qcolor(mapping.lut[entry]), False))
                self.list.addItem(item)
        elif num:
            self.colorbar.set_mapping(mapping)
            lo, hi = mapping.data_min, mapping.data_max
            if mapping.clipped:
                p0, p1 = ROBUST_CLIP
                self.range_note.setText(f"colours clipped to the {p0:g}–{p1:g} % percentile range "
                                        f"({mapping.vmin:.4g} to {mapping.vmax:.4g}); "
                                        f"full range {lo:.4g} to {hi:.4g}")
            else:
                self.range_note.setText(f"full range {lo:.4g} to {hi:.4g}")

    def preferred_width(self) -> int:
        """Pixels that show the title and every entry without eliding (the column is no wider)."""
        fm = self.fontMetrics()
        texts = [self._title.text()] + [self.list.item(i).text() for i in range(self.list.count())]
        text = max((fm.horizontalAdvance(t) for t in texts), default=0)
        extra = SWATCH_PX + LEGEND_PAD_PX if self.list.count() else LEGEND_PAD_PX
        if self.list.count() * (fm.height() + 4) > self.list.height():
            extra += self.list.verticalScrollBar().sizeHint().width()
        width = text + extra
        if self._numeric.isVisibleTo(self):
            width = max(width, COLORBAR_MIN_WIDTH)
        return int(min(max(width, LEGEND_MIN_WIDTH), LEGEND_MAX_WIDTH))

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
