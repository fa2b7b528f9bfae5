"""Live training frames: 2-D PCA of a model's vectors, epoch after epoch, aligned to the frame before.

PCA of the next epoch's vectors may come out flipped, with PC1 and PC2 swapped, or turned.
:class:`FrameAligner` turns every frame (orthogonal Procrustes,
:func:`embexplorer.core.analysis.pca.align_frame`) to match the previous one, so the points glide
instead of jumping; optionally it scales each frame to unit RMS radius (:func:`unit_rms`) so a
fixed view keeps the points on screen while the vectors grow.  :func:`signs_matching` does the
same, by sign flips only, for the finished model's full PCA that replaces the last live frame.

Qt-free; coordinates are ``(n, 2)`` float32, C-contiguous.

Examples
--------
>>> frames = FrameAligner(scale=True)                 # doctest: +SKIP
>>> for vectors in epochs:                            # same rows, newer values
...     xy = frames.fit(vectors)                      # aligned to the previous frame
>>> frames.direction(user_vector)                     # a unit arrow in the same frame
"""

from __future__ import annotations

import dataclasses

import numpy as np

from embexplorer.core.analysis.pca import PCAResult, align_frame, fit_pca
from embexplorer.core.progress import TaskControl

#: Dimensions of a frame (a scatter plot).
FRAME_DIMS = 2


def frame_axes(subject: str, scaled: bool) -> tuple[str, str]:
    """Axis titles of a live frame of ``subject`` (e.g. ``"movie factors"``)."""
    how = "aligned, scaled" if scaled else "aligned"
    return f"{subject}: PC1 ({how})", f"PC2 ({how})"


#: Axis titles of the recommender's live frames (movie factors, not scaled).
MOVIE_FRAME_AXES = frame_axes("movie factors", scaled=False)
#: Axis titles of movie frames scaled to unit RMS radius (the demo, the lecture).
SCALED_MOVIE_FRAME_AXES = frame_axes("movie factors", scaled=True)
#: Axis titles of word2vec's live frames (always scaled).
SCALED_WORD_FRAME_AXES = frame_axes("word vectors", scaled=True)


def unit_rms(xy) -> np.ndarray:
    """``xy`` scaled (uniformly) to a root-mean-square distance of 1 from the origin.

    Vectors grow while a model trains; scaling each frame keeps the points on screen with a fixed
    view, and only their arrangement changes.  All-zero (or empty) frames come back unscaled.
    """
    xy = np.asarray(xy, dtype=np.float32)
    rms = float(np.sqrt(np.mean(np.sum(xy.astype(np.float64) ** 2, axis=1)))) if len(xy) else 0.0
    out = xy / rms if rms > 0 and np.isfinite(rms) else xy.copy()
    return np.ascontiguousarray(out, dtype=np.float32)


def signs_matching(pca: PCAResult, previous_xy) -> PCAResult:
    """``pca`` with PC1 / PC2 flipped where that brings them closer to the last live frame.

    The finished model's PCA replaces the last training frame; matching the signs keeps the picture
    from mirroring at that moment (the axes stay principal components, so no rotation).  ``pca`` is
    returned as is when the frame has other rows or nothing needs flipping.
    """
    previous_xy = np.asarray(previous_xy)
    coords = pca.coords
    if previous_xy.shape[0] != coords.shape[0] or coords.shape[1] < FRAME_DIMS:
        return pca
    signs = np.ones(pca.n_components, dtype=np.float32)
    for i in range(FRAME_DIMS):
        if float(np.dot(coords[:, i].astype(np.float64), previous_xy[:, i])) < 0:
            signs[i] = -1.0
    if (signs > 0).all():
        return pca
    return dataclasses.replace(pca, components=np.ascontiguousarray(pca.components * signs[:, None]),
                               coords=np.ascontiguousarray(coords * signs[None, :]))


class FrameAligner:
    """2-D PCA frames of vectors, each aligned to the one before (and optionally unit-RMS scaled).

    Parameters
    ----------
    rotate : bool
        Full orthogonal alignment (True) or only axis sign flips (False: axis i stays PC i).
    scale : bool
        Scale every frame to unit RMS radius (:func:`unit_rms`).

    Attributes
    ----------
    previous : ndarray (n, 2) float32 or None
        The last frame returned (what the next one is aligned to); may be set by the caller.
    pca : PCAResult or None
        The last frame's PCA (before alignment).
    """

    def __init__(self, rotate: bool = True, scale: bool = False) -> None:
        self.rotate = rotate
        self.scale = scale
        self.previous: np.ndarray | None = None
        self.pca: PCAResult | None = None
        self._turn: np.ndarray | None = None  # the orthogonal map PCA coords -> frame, for direction()

    def reset(self) -> None:
        """Forget the previous frame (a new training run)."""
        self.previous = None
        self.pca = None
        self._turn = None

    def fit(self, vectors, control: TaskControl | None = None) -> np.ndarray:
        """The ``(n, 2)`` float32 frame of ``vectors`` (rows as in the previous frame), aligned.

        A frame with another number of rows than the previous one starts afresh (not aligned).
        """
        pca = fit_pca(vectors, FRAME_DIMS, control=control)
        xy = pca.coords[:, :FRAME_DIMS]
        if xy.shape[1] < FRAME_DIMS:  # 1-dimensional vectors: the one component on both axes (a diagonal)
            xy = np.repeat(xy[:, :1], FRAME_DIMS, axis=1)
        xy = np.ascontiguousarray(xy, dtype=np.float32)
        if self.previous is not None and self.previous.shape == xy.shape:
            aligned = align_frame(self.previous, xy, rotate=self.rotate)
        else:
            aligned = xy
        # The map applied (before scaling, which a direction does not need), so user vectors can be
        # drawn in the same frame.
        self._turn, *_ = np.linalg.lstsq(xy.astype(np.float64), aligned.astype(np.float64), rcond=None)
        if self.scale:
            aligned = unit_rms(aligned)
        self.pca = pca
        self.previous = aligned
        return aligned

    def direction(self, vector) -> np.ndarray:
        """A vector's direction in the current (aligned) frame, as a unit float32 2-vector.

        For vectors that live beside the fitted ones (a user's taste vector beside the movie
        vectors): projected on the frame's principal axes, turned as the frame was.
        """
        if self.pca is None or self._turn is None:
            raise ValueError("no frame yet: call fit() first")
        comps = np.asarray(self.pca.components[:FRAME_DIMS], dtype=np.float64)
        if comps.shape[0] < FRAME_DIMS:  # one component, drawn on both axes
            comps = np.repeat(comps[:1], FRAME_DIMS, axis=0)
        d = comps @ np.asarray(vector, dtype=np.float64)
        d = d @ self._turn
        norm = np.linalg.norm(d)
        return (d / norm if norm > 0 else d).astype(np.float32)
