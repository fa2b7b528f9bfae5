"""Small widgets of the explorer: the status-bar summary and the Zoom to Fit icon."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer.core.view.palette import BLUE

#: What a data set's points and dimensions are called, by :attr:`EmbeddingSet.kind`.
UNITS = {"word": ("words", "dims"), "item": ("movies", "factors")}
#: Units of any other kind.
DEFAULT_UNITS = ("points", "dims")


class StatsLabel(QtWidgets.QLabel):
    """Points, dimensions, variance shown and selection of the Workspace, in one line."""

    def __init__(self, workspace, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statsLabel")
        self.workspace = workspace
        workspace.selection.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Say what is shown now."""
        ws = self.workspace
        emb, pca = ws.dataset, ws.pca
        if emb is None:
            self.setText("No data set shown")
            self.setToolTip("")
            return
        # The status bar names the open data (a file, a model, a demo).
        src = ws.source
        name = Path(src.path).name if src.kind == "file" and src.path else (src.title or "")
        named = f"{name}  ·  " if name else ""
        selected = ws.selection.count
        sel = f"  ·  {selected:,} selected" if selected else ""
        if pca is None:
            points, dims = UNITS.get(emb.kind, DEFAULT_UNITS) if ws.is_live else DEFAULT_UNITS
            epoch = f"  ·  training epoch {ws.epoch}" if ws.is_live else ""
            self.setText(f"{named}{emb.n:,} {points}  ·  {emb.dims:,} {dims}{epoch}{sel}")
            self.setToolTip("")
            return
        x, y = ws.axes
        ratio = pca.explained_variance_ratio
        shown = 100.0 * float(ratio[x] + (ratio[y] if y != x else 0.0))
        total = 100.0 * float(ratio.sum())
        self.setText(f"{named}{emb.n:,} points  ·  {emb.dims:,} dims  ·  PC{x + 1}+PC{y + 1}: {shown:.1f} %"
                     f"  ·  {pca.n_components} PCs: {total:.1f} % of variance{sel}")
        lines = (pca.axis_label(i) for i in range(pca.n_components))
        self.setToolTip("Explained variance\n" + "\n".join(lines))


def zoom_fit_icon(palette: QtGui.QPalette) -> QtGui.QIcon:
    """Four corner brackets around a few dots (no stock icon says "fit all points")."""
    icon = QtGui.QIcon()
    for side in (16, 24, 32):
        pix = QtGui.QPixmap(side, side)
        pix.fill(QtCore.Qt.GlobalColor.transparent)
        p = QtGui.QPainter(pix)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        s = side / 24.0
        pen = QtGui.QPen(palette.color(QtGui.QPalette.ColorRole.WindowText), 2.0 * s)
        pen.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        a, b, c = 3 * s, 21 * s, 6 * s  # outer edges and bracket length
        for x, dx in ((a, c), (b, -c)):
            for y, dy in ((a, c), (b, -c)):
                p.drawLine(QtCore.QPointF(x, y), QtCore.QPointF(x + dx, y))
                p.drawLine(QtCore.QPointF(x, y), QtCore.QPointF(x, y + dy))
        p.setPen(QtCore.Qt.PenStyle.NoPen)
        p.setBrush(QtGui.QColor(*BLUE))
        for cx, cy in ((9, 14), (12, 9), (15, 13), (11, 16)):
            p.drawEllipse(QtCore.QPointF(cx * s, cy * s), 1.6 * s, 1.6 * s)
        p.end()
        icon.addPixmap(pix)
    return icon
