"""Overlays of the scatter view: small named sets of markers, lines and arrows drawn over the points.

Other panels draw through them (neighbours, the analogy parallelogram,
recommendations, a user's vector).  Each overlay is kept as its *spec* (rows,
extra positions, segments, style) and its pyqtgraph items are rebuilt from it
when the points move or the overlay scale changes; an overlay holds a handful
of points, so that costs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtGui

from embexplorer._qt.widgets.scatter_items import PassiveScatter
from embexplorer.core.view import palette

#: Defaults of an overlay: marker colour, marker size and line width (pixels), stacking order.
OVERLAY_COLOR = palette.QUERY
OVERLAY_SIZE_PX = 10
OVERLAY_WIDTH_PX = 2.0
OVERLAY_Z = 20
#: Arrow heads: length (pixels, times the overlay scale) and tip angle (degrees).
ARROW_HEAD_PX = 12
ARROW_TIP_DEG = 32
#: Outline width (pixels, times the overlay scale) of filled markers and of hollow ones.
MARKER_OUTLINE_PX = 1.2
HOLLOW_OUTLINE_PX = 2.0
#: Filled markers are outlined in their colour darkened by this factor (QColor.darker, percent).
MARKER_OUTLINE_DARKER = 150
#: Stacking within an overlay, above its ``z``: arrow heads over their lines, markers over both.
ARROW_DZ = 0.5
MARKER_DZ = 1.0


def overlay_spec(rows: Sequence[int] | np.ndarray | None, xy: np.ndarray | None, color: tuple[int, int, int],
                 size: float, symbol: str, filled: bool, lines: np.ndarray | None, arrows: np.ndarray | None,
                 width: float, labels: bool | Sequence[str], z: float) -> dict:
    """The record of one overlay (see :meth:`ScatterView.set_overlay` for the arguments); no items yet."""
    return dict(rows=np.asarray(rows if rows is not None else [], dtype=np.int64).reshape(-1),
                xy=None if xy is None else np.asarray(xy, dtype=np.float64).reshape(-1, 2),
                color=tuple(color), size=size, symbol=symbol, filled=filled, lines=lines, arrows=arrows,
                width=width, labels=labels, z=z, items=[])


def segments(spec_lines, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Segments ``(k, 2, 2)`` in data coordinates from segments or from ``(k, 2)`` int row pairs."""
    arr = np.asarray(spec_lines)
    if arr.size == 0:
        return np.zeros((0, 2, 2))
    if arr.ndim == 2 and arr.shape[1] == 2 and np.issubdtype(arr.dtype, np.integer):
        a, b = arr[:, 0], arr[:, 1]
        return np.stack([np.column_stack([x[a], y[a]]),
                         np.column_stack([x[b], y[b]])], axis=1).astype(np.float64)
    return arr.reshape(-1, 2, 2).astype(np.float64)


class OverlaySet:
    """The named overlays of one plot.

    Parameters
    ----------
    plot_widget : pg.PlotWidget
        Where the items are added.
    view_box : pg.ViewBox
        Its view (arrow heads are oriented in screen space).
    """

    def __init__(self, plot_widget: pg.PlotWidget, view_box: pg.ViewBox) -> None:
        self._plot = plot_widget
        self._vb = view_box
        #: Overlay specs by name, in the order they were set.
        self.specs: dict[str, dict] = {}
        #: Factor on marker sizes, line widths and arrow heads (presentation mode enlarges).
        self.scale = 1.0

    def put(self, name: str, spec: dict, x: np.ndarray, y: np.ndarray) -> None:
        """Draw ``spec`` (from :func:`overlay_spec`) as overlay ``name``, replacing one of that name."""
        self.remove(name)
        self.specs[name] = spec
        self._build(spec, x, y)

    def remove(self, name: str) -> bool:
        """Remove overlay ``name``; False if there was none."""
        spec = self.specs.pop(name, None)
        if spec is None:
            return False
        self._remove_items(spec)
        return True

    def drop_all(self) -> None:
        """Remove every overlay (their rows mean nothing for another set of points)."""
        for spec in self.specs.values():
            self._remove_items(spec)
        self.specs.clear()

    def rebuild(self, x: np.ndarray, y: np.ndarray) -> None:
        """Draw every overlay again for moved points or a new scale."""
        for spec in self.specs.values():
            self._remove_items(spec)
            self._build(spec, x, y)

    def items(self, name: str) -> list:
        """The graphics items of overlay ``name`` (empty if absent)."""
        spec = self.specs.get(name)
        return list(spec["items"]) if spec else []

    def labelled(self, n: int) -> tuple[list[int], list[tuple[float, float, str]]]:
        """Rows (below ``n``) the overlays label, and their labelled non-row positions ``(x, y, text)``."""
        rows: list[int] = []
        extra: list[tuple[float, float, str]] = []
        for spec in self.specs.values():
            lab = spec["labels"]
            if lab is True:
                rows.extend(int(r) for r in spec["rows"] if r < n)
            elif lab and spec["xy"] is not None:
                extra.extend((float(x), float(y), str(t)) for (x, y), t in zip(spec["xy"], lab))
        return rows, extra

    def markers(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Every overlay marker as ``(x, y, diameter in pixels, hard)`` rows (labels keep off them).

        ``hard`` is 0 for overlays that label nothing: a label may go over them when it has no other place.
        """
        out = [np.zeros((0, 4))]
        for spec in self.specs.values():
            size = spec["size"] * self.scale
            r = spec["rows"][spec["rows"] < len(x)]
            pts = [np.column_stack([x[r], y[r]])]
            if spec["xy"] is not None:
                pts.append(spec["xy"])
            p = np.concatenate(pts)
            hard = 0.0 if spec["labels"] is False else 1.0
            out.append(np.column_stack([p, np.full(len(p), size), np.full(len(p), hard)]))
        m = np.concatenate(out)
        return m[np.isfinite(m).all(axis=1)]

    def highlights(self) -> bool:
        """Whether an overlay draws markers or lines (a layer of captions alone, or a legend entry with no
        lines, does not dim the points)."""
        return any(spec["size"] > 0 and (len(spec["rows"]) or spec["xy"] is not None)
                   or any(p is not None and np.size(p) for p in (spec["lines"], spec["arrows"]))
                   for spec in self.specs.values())

    def named_markers(self, x: np.ndarray, y: np.ndarray) -> list[tuple[str, float, float, float, bool]]:
        """Every marker as ``(overlay name, x, y, diameter in pixels, hard)`` (the screenshot report)."""
        out = []
        for name, spec in self.specs.items():
            size = float(spec["size"]) * self.scale
            r = spec["rows"][spec["rows"] < len(x)]
            pts = np.column_stack([x[r], y[r]]).astype(np.float64)
            if spec["xy"] is not None:
                pts = np.concatenate([pts, spec["xy"]])
            hard = spec["labels"] is not False
            out += [(name, float(px), float(py), size, hard) for px, py in pts if np.isfinite([px, py]).all()]
        return out

    def orient_arrows(self) -> None:
        """Point arrow heads along their segments in screen space (depends on the zoom)."""
        for spec in self.specs.values():
            self._orient(spec["items"])

    def _orient(self, items: list) -> None:
        px, py = self._vb.viewPixelSize()
        for item in items:
            seg = getattr(item, "_segment", None)
            if seg is None:
                continue
            (xa, ya), (xb, yb) = seg
            # Screen y grows downwards; ArrowItem's angle 0 points left.
            ang = np.degrees(np.arctan2(-(yb - ya) / (py or 1), (xb - xa) / (px or 1)))
            item.setStyle(angle=180 + ang)

    def _remove_items(self, spec: dict) -> None:
        for item in spec["items"]:
            self._plot.removeItem(item)
        spec["items"] = []

    def _add(self, spec: dict, item, z: float) -> None:
        item.setZValue(z)
        self._plot.addItem(item, ignoreBounds=True)
        spec["items"].append(item)

    def _build(self, spec: dict, x: np.ndarray, y: np.ndarray) -> None:
        color = QtGui.QColor(*spec["color"])
        k = self.scale
        for key, heads in (("lines", False), ("arrows", True)):
            if spec[key] is None:
                continue
            seg = segments(spec[key], x, y)
            if not len(seg):
                continue
            curve = pg.PlotCurveItem(seg[:, :, 0].reshape(-1), seg[:, :, 1].reshape(-1), connect="pairs",
                                     pen=pg.mkPen(color, width=spec["width"] * k), antialias=True)
            self._add(spec, curve, spec["z"])
            if heads:
                for a, b in seg:
                    head = pg.ArrowItem(pos=tuple(b), headLen=ARROW_HEAD_PX * k, tipAngle=ARROW_TIP_DEG,
                                        pen=pg.mkPen(color), brush=pg.mkBrush(color))
                    head._segment = (a, b)
                    self._add(spec, head, spec["z"] + ARROW_DZ)
                self._orient(spec["items"])
        pts = []
        if len(spec["rows"]):
            r = spec["rows"][spec["rows"] < len(x)]
            pts.append(np.column_stack([x[r], y[r]]))
        if spec["xy"] is not None:
            pts.append(spec["xy"])
        if pts:
            p = np.concatenate(pts)
            if spec["filled"]:
                pen = pg.mkPen(color.darker(MARKER_OUTLINE_DARKER), width=MARKER_OUTLINE_PX * k)
                brush = pg.mkBrush(color)
            else:
                pen = pg.mkPen(color, width=HOLLOW_OUTLINE_PX * k)
                brush = pg.mkBrush(None)
            sc = PassiveScatter(p[:, 0], p[:, 1], size=spec["size"] * k, symbol=spec["symbol"], pen=pen,
                                brush=brush, pxMode=True, antialias=True)
            self._add(spec, sc, spec["z"] + MARKER_DZ)
