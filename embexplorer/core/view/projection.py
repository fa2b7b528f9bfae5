"""Projections: how the rows of a data set land on the plot's two axes (Qt-free).

A projection knows the coordinates it shows, the titles of its axes, and -- when
it can -- how to place new vectors (an analogy's expected point) and directions (a
user's taste) in the same plane.  Overlay layers are re-projected through it, so
they follow when the axes or the projection change.
"""

from __future__ import annotations

import numpy as np


class Projection:
    """A 2-D picture of a data set's rows.

    Subclasses set :attr:`xy` (``(n, 2)`` float32, C-contiguous) and :attr:`axis_titles`.
    """

    #: Short name for the status bar and sessions (``"pca"``, ``"frame"``, ...).
    kind = "projection"

    def __init__(self, xy: np.ndarray, axis_titles: tuple[str, str]) -> None:
        xy = np.asarray(xy)
        if xy.ndim != 2 or xy.shape[1] != 2:  # never fold (n, 1) into half as many rows
            raise ValueError(f"a projection places rows on two axes: expected (n, 2), got {xy.shape}")
        self.xy = np.ascontiguousarray(xy, dtype=np.float32)
        self.axis_titles = (str(axis_titles[0]), str(axis_titles[1]))

    @property
    def n(self) -> int:
        """Number of rows placed."""
        return int(self.xy.shape[0])

    def project(self, vectors: np.ndarray) -> np.ndarray | None:
        """Raw vectors ``(m, d)`` in the plane, ``(m, 2)`` float64; None if this projection cannot."""
        return None

    def direction(self, vector: np.ndarray) -> np.ndarray | None:
        """A raw direction (e.g. a user vector) as a unit 2-vector in the plane, or None."""
        return None


class PCAProjection(Projection):
    """Two principal components of a fitted :class:`~embexplorer.core.analysis.pca.PCAResult`.

    Parameters
    ----------
    pca : PCAResult
        The fit (its ``coords`` hold every component computed).
    axes : tuple of int
        Components (0-based) on X and Y.
    """

    kind = "pca"

    def __init__(self, pca, axes: tuple[int, int] = (0, 1)) -> None:
        k = int(pca.n_components)
        x, y = (int(axes[0]), int(axes[1]))
        if not (0 <= x < k and 0 <= y < k):
            raise IndexError(f"components must be in 0..{k - 1}, got {x}, {y}")
        self.pca = pca
        self.axes = (x, y)
        super().__init__(pca.xy(x, y), (pca.axis_label(x), pca.axis_label(y)))

    def with_axes(self, x: int, y: int) -> PCAProjection:
        """The same fit shown on components ``x`` and ``y``."""
        return PCAProjection(self.pca, (x, y))

    def project(self, vectors: np.ndarray) -> np.ndarray | None:
        comps = np.asarray(self.pca.components)
        v = np.asarray(vectors, dtype=np.float32).reshape(-1, comps.shape[1])
        return self.pca.transform(v)[:, list(self.axes)].astype(np.float64)

    def direction(self, vector: np.ndarray) -> np.ndarray | None:
        comps = np.asarray(self.pca.components[list(self.axes)], dtype=np.float64)
        return _unit(comps @ np.asarray(vector, dtype=np.float64).reshape(-1))


class FrameProjection(Projection):
    """Coordinates computed elsewhere (a live training frame, aligned to the one before).

    Parameters
    ----------
    xy : ndarray (n, 2)
        The frame's coordinates.
    axis_titles : tuple of str
        What the axes are.
    direction : callable, optional
        Maps a raw direction to the frame's plane (e.g. the MF frame aligner's ``direction``).
    """

    kind = "frame"

    def __init__(self, xy: np.ndarray, axis_titles: tuple[str, str], direction=None) -> None:
        super().__init__(xy, axis_titles)
        self._direction = direction

    def direction(self, vector: np.ndarray) -> np.ndarray | None:
        if self._direction is None:
            return None
        return _unit(np.asarray(self._direction(vector), dtype=np.float64))


class LayoutProjection(Projection):
    """A computed layout: t-SNE, UMAP (:mod:`embexplorer.core.analysis.nonlinear`) or an isolated subset.

    Its axes mean nothing on their own (only distances between nearby points do), so they are
    titled by the method: ``"t-SNE 1"``, ``"t-SNE 2"``.  Rows with NaN coordinates are not shown
    (rows not fitted yet in a live frame, rows outside an isolated subset).

    Parameters
    ----------
    xy : ndarray (n, 2)
    method : str
        ``"tsne"``, ``"umap"``, ``"pca"`` (a PCA of an isolated subset)...; becomes :attr:`kind`.
    title : str
        How the method is named on the axes (``"t-SNE"``).
    live : bool
        A frame of a computation still running.
    description : str
        What the status bar says of it (e.g. ``"t-SNE of all 5,050 points"``).
    placer : callable, optional
        ``placer(vectors) -> (m, 2)``: where raw vectors (an analogy's expected point) belong on
        this layout (e.g. :func:`~embexplorer.core.analysis.faithfulness.place_by_neighbours`).
    """

    def __init__(self, xy: np.ndarray, method: str, title: str, live: bool = False,
                 description: str = "", placer=None) -> None:
        super().__init__(xy, (f"{title} 1", f"{title} 2"))
        self.kind = str(method)
        self.title = str(title)
        self.live = bool(live)
        self.description = description or title
        self._placer = placer

    def project(self, vectors: np.ndarray) -> np.ndarray | None:
        if self._placer is None:
            return None
        out = np.asarray(self._placer(np.atleast_2d(np.asarray(vectors, dtype=np.float32))), dtype=np.float64)
        return out if np.isfinite(out).all() else None

    @property
    def shown_rows(self) -> np.ndarray:
        """Rows placed on the plot (finite coordinates)."""
        return np.flatnonzero(np.isfinite(self.xy).all(axis=1))


def _unit(d: np.ndarray) -> np.ndarray | None:
    norm = float(np.linalg.norm(d))
    if norm == 0.0 or not np.isfinite(norm):
        return None
    return d / norm
