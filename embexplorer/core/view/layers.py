"""Overlay layers: every highlight on the plot is a data object owned by the feature that made it.

A :class:`Layer` names rows of the data set, and possibly extra points given as raw
vectors (an analogy's expected point), lines and arrows between them, or a direction
drawn from the plane's origin (a user's taste).  It carries a style and a legend entry.
The renderer turns it into screen items with :func:`resolve`, through the current
:class:`~embexplorer.core.view.projection.Projection`: layers follow the axes and the
projection by themselves, and nobody draws on the plot directly.

Point references in ``lines`` / ``arrows``: an integer ``r >= 0`` is row ``r`` of the
data set; ``-(i + 1)`` (see :func:`vector_ref`) is ``points[i]``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

#: Length of a drawn direction (user taste) as a share of the smaller half-extent of the points.
DIRECTION_SHARE = 0.9


@dataclass(frozen=True)
class LayerStyle:
    """How a layer is drawn.

    Attributes
    ----------
    color : (r, g, b)
    symbol : str
        Marker: ``"o"``, ``"s"`` (square), ``"star"``, ``"x"``, ``"t"``, ``"d"``...
    size : float
        Marker size in pixels (before the presentation scale).
    filled : bool
    width : float
        Pen width of lines and arrows.
    z : float
        Stacking order among layers (higher on top).
    labels : bool
        Label the layer's rows with their labels.
    """

    color: tuple[int, int, int]
    symbol: str = "o"
    size: float = 10.0
    filled: bool = True
    width: float = 1.5
    z: float = 20.0
    labels: bool = True


@dataclass
class Layer:
    """One highlight on the plot.

    Attributes
    ----------
    name : str
        Unique key, by convention ``"<owner>.<what>"`` (``"neighbours.results"``).
    owner : str
        Feature that made it; it clears it (:meth:`Workspace.clear_layers`).
    style : LayerStyle
    legend : str
        What the legend says of it ("" for no entry).
    rows : ndarray of int64
        Rows of the data set marked.
    points : ndarray (m, d), optional
        Extra points as raw vectors, placed by the projection (dropped where it cannot).
    point_labels : tuple of str
        Labels of ``points``.
    lines, arrows : ndarray (k, 2) of int, optional
        Pairs of point references (see the module docstring); arrows get a head at the second end.
    direction : ndarray (d,), optional
        A raw direction drawn as an arrow from the plane's origin, labelled ``direction_label``.
    captions : tuple of (str, ndarray of int)
        Texts placed at the middle (median position) of a group of rows, e.g. a cluster's name;
        they follow the projection like everything else.  A layer of captions alone uses a style
        of ``size=0`` so that only the texts show.
    visible : bool
    zoom_to : bool
        A result worth zooming to ("Zoom to Results": neighbours, an analogy).
    """

    name: str
    owner: str
    style: LayerStyle
    legend: str = ""
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    points: np.ndarray | None = None
    point_labels: tuple[str, ...] = ()
    lines: np.ndarray | None = None
    arrows: np.ndarray | None = None
    direction: np.ndarray | None = None
    direction_label: str = ""
    captions: tuple = ()
    visible: bool = True
    zoom_to: bool = False

    def __post_init__(self) -> None:
        self.rows = np.asarray(self.rows, dtype=np.int64).reshape(-1)
        if self.points is not None:
            self.points = np.asarray(self.points, dtype=np.float32)
            self.points = self.points.reshape(-1, self.points.shape[-1]) if self.points.size else None
        for key in ("lines", "arrows"):
            value = getattr(self, key)
            if value is not None:
                setattr(self, key, np.asarray(value, dtype=np.int64).reshape(-1, 2))
        self.point_labels = tuple(self.point_labels)
        self.captions = tuple((str(text), np.asarray(rows, dtype=np.int64).reshape(-1))
                              for text, rows in self.captions)

    def replace(self, **changes) -> Layer:
        """A copy with ``changes`` (layers are replaced whole, never edited in place)."""
        return dataclasses.replace(self, **changes)

    def all_rows(self) -> np.ndarray:
        """Every row the layer refers to (marked or at a line end), unique."""
        parts = [self.rows]
        for pairs in (self.lines, self.arrows):
            if pairs is not None and pairs.size:
                parts.append(pairs[pairs >= 0])
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int64)


def vector_ref(i: int) -> int:
    """The reference to ``points[i]`` in a layer's ``lines`` / ``arrows``."""
    return -(int(i) + 1)


@dataclass
class Drawable:
    """A layer resolved to plot coordinates: what the renderer draws.

    ``rows`` are marked at their points; ``xy`` are extra markers (labelled ``xy_labels``);
    ``lines`` / ``arrows`` are ``(k, 2, 2)`` segments in data coordinates.
    """

    rows: np.ndarray
    xy: np.ndarray | None
    xy_labels: list[str]
    lines: np.ndarray | None
    arrows: np.ndarray | None


def resolve(layer: Layer, projection) -> Drawable:
    """Place ``layer`` in the plane of ``projection`` (rows outside the set are dropped).

    Parameters
    ----------
    layer : Layer
    projection : Projection
        Gives row coordinates (``xy``), raw vectors (``project``) and directions (``direction``).
    """
    xy = projection.xy
    n = xy.shape[0]
    rows = layer.rows[(layer.rows >= 0) & (layer.rows < n)]
    pts = None
    if layer.points is not None and len(layer.points):
        pts = projection.project(layer.points)
        if pts is not None:
            pts = np.asarray(pts, dtype=np.float64).reshape(-1, 2)

    def where(ref: int) -> np.ndarray | None:
        if ref >= 0:
            return xy[ref].astype(np.float64) if ref < n else None
        i = -ref - 1
        return pts[i] if pts is not None and i < len(pts) else None

    def segments(pairs: np.ndarray | None) -> np.ndarray | None:
        if pairs is None:
            return None
        out = []
        for a, b in pairs:
            pa, pb = where(int(a)), where(int(b))
            if pa is not None and pb is not None:
                out.append((pa, pb))
        return np.asarray(out, dtype=np.float64).reshape(-1, 2, 2)

    marker_xy = pts if pts is not None and len(pts) else None
    labels = list(layer.point_labels[:len(pts)]) if marker_xy is not None else []
    arrows = segments(layer.arrows)
    if layer.direction is not None and n:
        d = projection.direction(layer.direction)
        finite = xy[np.isfinite(xy).all(axis=1)]
        if d is not None and len(finite):
            half = 0.5 * float(min(np.ptp(finite[:, 0]), np.ptp(finite[:, 1])))
            tip = np.asarray(d, dtype=np.float64) * DIRECTION_SHARE * half
            seg = np.array([[[0.0, 0.0], tip]])
            arrows = seg if arrows is None or not len(arrows) else np.concatenate([arrows, seg])
            # The tip carries the direction's label (an invisible-size marker there).
            marker_xy = tip[None] if marker_xy is None else np.concatenate([marker_xy, tip[None]])
            labels = labels + [layer.direction_label]
    for text, group in layer.captions:
        group = group[(group >= 0) & (group < n)]
        at = xy[group].astype(np.float64)
        at = at[np.isfinite(at).all(axis=1)]
        if len(at):
            mid = np.median(at, axis=0)[None]
            marker_xy = mid if marker_xy is None else np.concatenate([marker_xy, mid])
            labels = labels + [text]
    return Drawable(rows, marker_xy, labels, segments(layer.lines), arrows)
