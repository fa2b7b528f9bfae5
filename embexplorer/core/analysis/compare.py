"""Compare two embedding spaces: shared labels, Procrustes alignment, neighbourhood overlap, movers.

Two sets are matched by label (the shared labels in A's order).  Each label's ``k`` nearest
neighbours are found among the shared labels in A and in B (:mod:`batch_neighbours`; within the
shared labels so that the two lists can be compared at all); their Jaccard overlap says how much
its neighbourhood changed (1: the same neighbours, 0: none in common).  When A and B have the same
dimension, B is rotated (and scaled) onto A by orthogonal Procrustes over the shared labels, and
each label's displacement is its distance from A's vector to B's aligned one.  With other
dimensions there is no common space: neighbourhoods only (the result says so).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from embexplorer.core.analysis.batch_neighbours import jaccard, top_k_cosine
from embexplorer.core.data.embeddings import EmbeddingSet
from embexplorer.core.errors import DataError
from embexplorer.core.progress import ScaledControl, TaskControl

#: Neighbours compared per label by default (Jaccard@k).
DEFAULT_K = 10
#: Movers listed by default.
DEFAULT_TOP = 50
#: Fewest shared labels a comparison needs (a neighbourhood of one is no neighbourhood).
MIN_SHARED = 3


@dataclass
class Mover:
    """One label of the "biggest movers" ranking."""

    label: str
    overlap: float
    only_in_a: list[str]
    only_in_b: list[str]
    displacement: float | None

    def to_json(self) -> dict:
        return {"label": self.label, "overlap": float(self.overlap), "only_in_a": self.only_in_a,
                "only_in_b": self.only_in_b,
                "displacement": None if self.displacement is None else float(self.displacement)}


@dataclass
class Comparison:
    """Two spaces compared over their shared labels.

    Attributes
    ----------
    labels : list of str
        The shared labels, in A's order.
    rows_a, rows_b : ndarray of int64
        Their rows in A and in B.
    n_a, n_b : int
        Rows of A and of B.
    k : int
    neighbours_a, neighbours_b : ndarray (m, k) of int64
        Each shared label's neighbours, as positions in :attr:`labels`.
    overlap : ndarray (m,)
        Jaccard overlap of the two neighbour lists.
    rotation : ndarray (d, d) or None
        Orthogonal map of B onto A (None when the dimensions differ).
    scale : float
        Scale applied with the rotation (B's vectors times ``scale`` then rotated).
    aligned_b : ndarray (m, d) or None
        B's shared vectors aligned onto A.
    displacement : ndarray (m,) or None
        Distance between A's vector and B's aligned vector.
    notes : list of str
        What the reader should know (dimensions differ, k clamped...).
    vectors_b : ndarray (m, d_b) or None
        B's shared vectors as they are (to place B on a plot when it cannot be aligned).
    """

    labels: list[str]
    rows_a: np.ndarray
    rows_b: np.ndarray
    n_a: int
    n_b: int
    k: int
    neighbours_a: np.ndarray
    neighbours_b: np.ndarray
    overlap: np.ndarray
    rotation: np.ndarray | None = None
    scale: float = 1.0
    aligned_b: np.ndarray | None = None
    displacement: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)
    vectors_b: np.ndarray | None = None

    @property
    def shared(self) -> int:
        """How many labels the two sets share."""
        return len(self.labels)

    def order(self) -> np.ndarray:
        """Positions of the shared labels, biggest movers first: lowest overlap, then largest
        displacement, then A's order."""
        disp = self.displacement if self.displacement is not None else np.zeros(self.shared)
        return np.lexsort((np.arange(self.shared), -disp, self.overlap))

    def movers(self, top: int = DEFAULT_TOP) -> list[Mover]:
        """The ``top`` biggest movers: label, overlap, neighbours only in A, only in B, displacement."""
        out = []
        for p in self.order()[:max(0, int(top))]:
            na, nb = self.neighbours_a[p], self.neighbours_b[p]
            set_b, set_a = set(nb.tolist()), set(na.tolist())
            out.append(Mover(self.labels[p], float(self.overlap[p]),
                             [self.labels[q] for q in na if q not in set_b],
                             [self.labels[q] for q in nb if q not in set_a],
                             None if self.displacement is None else float(self.displacement[p])))
        return out

    def per_row_a(self, values: np.ndarray) -> np.ndarray:
        """``values`` (one per shared label) spread over A's rows (NaN where a row is not shared)."""
        out = np.full(self.n_a, np.nan)
        out[self.rows_a] = values
        return out

    def summary(self) -> dict:
        """Counts and means for a report (JSON-able)."""
        return {"shared": self.shared, "rows_a": self.n_a, "rows_b": self.n_b, "k": self.k,
                "mean_overlap": float(self.overlap.mean()) if self.shared else None,
                "aligned": self.rotation is not None, "scale": float(self.scale),
                "mean_displacement": (float(self.displacement.mean())
                                      if self.displacement is not None and self.shared else None),
                "notes": list(self.notes)}


def shared_rows(a: EmbeddingSet, b: EmbeddingSet) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The labels of A also in B (A's order) and their rows in each."""
    index_b = b.index
    rows_a, rows_b, labels = [], [], []
    for i, label in enumerate(a.labels):
        j = index_b.get(label)
        if j is not None:
            rows_a.append(i)
            rows_b.append(j)
            labels.append(label)
    return labels, np.asarray(rows_a, dtype=np.int64), np.asarray(rows_b, dtype=np.int64)


def procrustes(source: np.ndarray, target: np.ndarray, scale: bool = True) -> tuple[np.ndarray, float]:
    """Orthogonal ``R`` (and scale ``s``) minimising ``|| s * source @ R - target ||``.

    Parameters
    ----------
    source, target : ndarray (m, d)
        Matched rows.
    scale : bool
        Also fit one global scale (spaces trained with other settings differ in size).

    Returns
    -------
    R : ndarray (d, d) float64, orthogonal
    s : float
    """
    src = np.asarray(source, dtype=np.float64)
    tgt = np.asarray(target, dtype=np.float64)
    u, sigma, vt = np.linalg.svd(src.T @ tgt)
    rotation = u @ vt
    s = 1.0
    if scale:
        denom = float(np.einsum("ij,ij->", src, src))
        s = float(sigma.sum() / denom) if denom > 0 else 1.0
    return rotation, s


def compare(a: EmbeddingSet, b: EmbeddingSet, k: int = DEFAULT_K, control: TaskControl | None = None
            ) -> Comparison:
    """Compare ``a`` and ``b`` over their shared labels (see the module docstring).

    Raises :class:`DataError` when they share fewer than :data:`MIN_SHARED` labels.
    """
    labels, rows_a, rows_b = shared_rows(a, b)
    m = len(labels)
    if m < MIN_SHARED:
        raise DataError(f"the two sets share {m} label{'s' if m != 1 else ''} "
                        f"(at least {MIN_SHARED} needed to compare neighbourhoods)")
    notes = []
    k_used = int(min(max(1, int(k)), m - 1))
    if k_used != k:
        notes.append(f"k lowered from {k} to {k_used}: only {m} shared labels")

    def part(start: float, end: float, prefix: str) -> TaskControl | None:
        return None if control is None else ScaledControl(control, start, end, prefix)

    va, vb = a.vectors[rows_a], b.vectors[rows_b]
    na, _ = top_k_cosine(va, k_used, control=part(0.0, 0.47, "A: "))
    nb, _ = top_k_cosine(vb, k_used, control=part(0.47, 0.94, "B: "))
    result = Comparison(labels, rows_a, rows_b, a.n, b.n, k_used, na, nb, jaccard(na, nb), notes=notes,
                        vectors_b=vb)
    if a.dims == b.dims:
        if control is not None:
            control.progress(0.95, "aligning B onto A")
        rotation, s = procrustes(vb, va)
        aligned = (s * vb.astype(np.float64)) @ rotation
        result.rotation, result.scale = rotation, s
        result.aligned_b = aligned.astype(np.float32)
        result.displacement = np.linalg.norm(aligned - va.astype(np.float64), axis=1)
    else:
        notes.append(f"dimensions differ ({a.dims} vs {b.dims}): neighbourhoods only, no alignment")
    if control is not None:
        control.progress(1.0, "compared", force=True)
    return result


def b_positions(result: Comparison, a_xy: np.ndarray, project=None) -> np.ndarray:
    """Where B's shared labels go on A's plot: ``(n_a, 2)`` float32, NaN for rows of A not in B.

    With an alignment and a ``project`` callable (the plot's projection of raw vectors), B's
    aligned vectors are placed exactly as A's would be.  Otherwise B's own first two principal
    components are rotated, scaled and shifted onto A's positions of the same labels
    (Procrustes in the plane): the best picture of B in A's frame that a plane allows.
    """
    a_xy = np.asarray(a_xy, dtype=np.float64)
    out = np.full((result.n_a, 2), np.nan, dtype=np.float32)
    placed = None
    if result.aligned_b is not None and project is not None:
        placed = project(result.aligned_b)
    if placed is None:
        vb = np.asarray(result.vectors_b, dtype=np.float64)
        centred = vb - vb.mean(axis=0)
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        two = centred @ vt[:2].T
        if two.shape[1] < 2:
            two = np.column_stack([two, np.zeros(len(two))])
        target = a_xy[result.rows_a]
        ok = np.isfinite(target).all(axis=1)
        mean_t = target[ok].mean(axis=0) if ok.any() else np.zeros(2)
        rotation, s = procrustes(two[ok], target[ok] - mean_t)
        placed = s * two @ rotation + mean_t
    out[result.rows_a] = np.asarray(placed, dtype=np.float32).reshape(-1, 2)
    return out
