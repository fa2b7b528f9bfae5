"""The sprite atlas of the point cloud's vector mode: one antialiased disc per colour and size."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui

#: Outline darkening of vector discs (0 = none, 1 = black).
OUTLINE_DARKEN = 0.45


def sprite_atlas(effs: tuple[int, ...], lut: np.ndarray, outline: bool) -> QtGui.QPixmap:
    """Discs of every colour of ``lut`` (columns) at every diameter of ``effs`` (rows), one
    ``max(effs) + 2`` square cell each; a darker rim from 4 px when ``outline``."""
    s = max(effs) + 2
    img = QtGui.QImage(s * len(lut), s * len(effs), QtGui.QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(0)
    qp = QtGui.QPainter(img)
    qp.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
    for row, eff in enumerate(effs):
        rimmed = outline and eff >= 4
        d = eff - (0.8 if rimmed else 0.0)
        for i, c in enumerate(lut):
            c = int(c)
            col = QtGui.QColor((c >> 16) & 0xFF, (c >> 8) & 0xFF, c & 0xFF, 230)
            if rimmed:
                qp.setPen(QtGui.QPen(QtGui.QColor(col).darker(int(100 / (1 - OUTLINE_DARKEN))), 0.8))
            else:
                qp.setPen(QtCore.Qt.PenStyle.NoPen)
            qp.setBrush(col)
            qp.drawEllipse(QtCore.QRectF(i * s + (s - d) / 2, row * s + (s - d) / 2, d, d))
    qp.end()
    return QtGui.QPixmap.fromImage(img)
