"""How faithful a 2-D picture is: neighbour preservation per point, and trustworthiness.

*Neighbour preservation* of a point is the share of its ``k`` nearest neighbours in the original
space (cosine or Euclidean) that are also among its ``k`` nearest on the plot (Euclidean in 2-D).
1 means the plot keeps the point's neighbourhood, 0 that none of its true neighbours is near it
on screen.  Computed for every point (a colour-by column) and averaged for the status bar.

The original-space neighbours are exact (batched BLAS, no n x n matrix) up to
:data:`EXACT_MAX_ROWS` rows, approximate (Annoy, as openTSNE uses it) above; the plot's
neighbours are always exact (a k-d tree).  *Trustworthiness* is scikit-learn's measure (same
formula, computed here) on a seeded sample of :data:`TRUST_SAMPLE` rows (it needs an n x n matrix).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embexplorer.core.progress import TaskControl, ensure_control

#: Neighbours compared per point.
DEFAULT_K = 10
#: Up to this many rows the original-space neighbours are exact (brute force in blocks).
EXACT_MAX_ROWS = 30_000
#: Bytes of one block of similarities (rows x n float32) in the brute-force search.
BLOCK_BYTES = 64 << 20
#: Rows sampled for scikit-learn's trustworthiness (its cost and memory grow with n squared).
TRUST_SAMPLE = 2000
#: Annoy trees above :data:`EXACT_MAX_ROWS` (openTSNE's default is 50; 10 neighbours need fewer).
ANNOY_TREES = 30


@dataclass
class Faithfulness:
    """How faithful a projection is.

    Attributes
    ----------
    preservation : ndarray (n,) float64
        Per point: share of its ``k`` original-space neighbours among its ``k`` nearest on the plot.
    trustworthiness : float
        scikit-learn's trustworthiness (k neighbours) on a seeded sample of ``sample`` rows.
    k : int
    sample : int
    exact : bool
        True when the original-space neighbours were exact.
    """

    preservation: np.ndarray
    trustworthiness: float
    k: int
    sample: int
    exact: bool

    @property
    def mean(self) -> float:
        """Mean neighbour preservation."""
        return float(np.nanmean(self.preservation)) if len(self.preservation) else float("nan")

    def describe(self) -> str:
        """E.g. ``"neighbours kept 41 % (k=10), trustworthiness 0.93"``."""
        return (f"neighbours kept {100 * self.mean:.0f} % (k={self.k}"
                + ("" if self.exact else ", approximate") + f"), trustworthiness {self.trustworthiness:.2f}")


def original_space(vectors, metric: str = "cosine") -> np.ndarray:
    """The rows in which Euclidean neighbours are the ``metric`` neighbours (unit rows for cosine)."""
    from embexplorer.core.analysis.nonlinear import unit_rows

    X = np.asarray(vectors, dtype=np.float32)
    return unit_rows(X) if metric == "cosine" else np.ascontiguousarray(X)


def knn(X: np.ndarray, k: int, control: TaskControl | None = None) -> np.ndarray:
    """Exact Euclidean ``k`` nearest neighbours of every row of ``X`` among the others, ``(n, k)`` int64.

    Batched: blocks of rows against all rows through BLAS, never an n x n matrix.  Neighbours
    come nearest first; ties break by the lower row.
    """
    control = ensure_control(control)
    X = np.ascontiguousarray(X, dtype=np.float32)
    n = X.shape[0]
    k = min(int(k), n - 1)
    sq = np.einsum("ij,ij->i", X, X, dtype=np.float32)
    block = max(1, min(n, BLOCK_BYTES // max(4 * n, 1)))
    out = np.empty((n, k), dtype=np.int64)
    for start in range(0, n, block):
        control.progress(start / n, "neighbours in the original space")
        stop = min(start + block, n)
        d2 = sq[None, :] - 2.0 * (X[start:stop] @ X.T)  # + |x|^2, the same for the whole row: left out
        d2[np.arange(stop - start), np.arange(start, stop)] = np.inf
        part = np.argpartition(d2, k - 1, axis=1)[:, :k]  # the row itself is inf: never among them
        vals = np.take_along_axis(d2, part, axis=1)
        order = np.lexsort((part, vals), axis=1)
        out[start:stop] = np.take_along_axis(part, order, axis=1)[:, :k]
    return out


def knn_2d(xy: np.ndarray, k: int) -> np.ndarray:
    """Exact ``k`` nearest neighbours of every point of a 2-D layout among the others, ``(n, k)`` int64."""
    from scipy.spatial import cKDTree

    xy = np.asarray(xy, dtype=np.float64)
    xy = np.where(np.isfinite(xy), xy, 0.0)
    k = min(int(k), xy.shape[0] - 1)
    _d, idx = cKDTree(xy).query(xy, k=k + 1)
    idx = np.asarray(idx).reshape(xy.shape[0], -1)
    # The point itself is normally first; with duplicates of it, drop whichever slot holds it.
    own = idx == np.arange(xy.shape[0])[:, None]
    own[~own.any(axis=1), -1] = True  # not found (k+1 exact ties): drop the farthest
    return idx[~own].reshape(xy.shape[0], k).astype(np.int64)


def approximate_knn(X: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """Approximate Euclidean ``k`` nearest neighbours of every row (Annoy, openTSNE's copy), ``(n, k)``."""
    from openTSNE.nearest_neighbors import Annoy

    index = Annoy(np.ascontiguousarray(X, dtype=np.float32), k=int(k), metric="euclidean", n_jobs=-1,
                  random_state=int(seed), knn_kwargs={"n_trees": ANNOY_TREES})
    idx, _dist = index.build()
    return np.asarray(idx, dtype=np.int64)


def preservation(high: np.ndarray, low: np.ndarray) -> np.ndarray:
    """Per row: share of the neighbours in ``high`` (n, k) also in ``low`` (n, k); float64 (n,)."""
    high = np.asarray(high, dtype=np.int64)
    low = np.asarray(low, dtype=np.int64)
    if high.shape != low.shape:
        raise ValueError(f"neighbour tables differ in shape: {high.shape} vs {low.shape}")
    n, k = high.shape
    if k == 0:
        return np.zeros(n)
    # Sort each row of low, then binary-search every high entry in its row (vectorised: offsets).
    low_sorted = np.sort(low, axis=1)
    span = int(max(high.max(initial=0), low.max(initial=0))) + 1
    offsets = (np.arange(n, dtype=np.int64) * span)[:, None]
    flat = (low_sorted + offsets).ravel()
    probe = (high + offsets).ravel()
    pos = np.searchsorted(flat, probe).clip(max=flat.size - 1)
    hit = (flat[pos] == probe).reshape(n, k)
    return hit.sum(axis=1) / float(k)


def neighbour_preservation(vectors, xy: np.ndarray, k: int = DEFAULT_K, metric: str = "cosine",
                           control: TaskControl | None = None, high: np.ndarray | None = None) -> np.ndarray:
    """Per-point neighbour preservation of the 2-D layout ``xy`` of ``vectors`` (float64 (n,)).

    ``high`` may give the original-space neighbours already found (:func:`high_neighbours`).
    """
    if high is None:
        high, _exact = high_neighbours(vectors, k, metric, control)
    return preservation(high[:, :k], knn_2d(xy, high[:, :k].shape[1]))


def high_neighbours(vectors, k: int = DEFAULT_K, metric: str = "cosine",
                    control: TaskControl | None = None) -> tuple[np.ndarray, bool]:
    """The ``k`` original-space neighbours of every row and whether they are exact."""
    X = original_space(vectors, metric)
    if X.shape[0] <= EXACT_MAX_ROWS:
        return knn(X, k, control), True
    ensure_control(control).progress(None, "neighbours in the original space (approximate)", force=True)
    return approximate_knn(X, k), False


def trustworthiness(X: np.ndarray, Y: np.ndarray, k: int = DEFAULT_K) -> float:
    """scikit-learn's ``trustworthiness(X, Y, n_neighbors=k)`` (Euclidean), computed here with numpy.

    Same formula (Venna and Kaski): 1 minus the normalised sum, over each point's ``k`` nearest on the
    plot that are not among its ``k`` nearest in ``X``, of how far down its ``X`` ranking they are.
    Here so that measuring a picture does not import scikit-learn on the worker thread (its import
    holds the GIL long enough to stall the window).  Needs an ``m x m`` matrix: give a sample.
    """
    X = np.asarray(X, dtype=np.float64)
    m = X.shape[0]
    k = int(k)
    if not 0 < k < m / 2:
        raise ValueError(f"k must be below half the rows ({m}), got {k}")
    sq = np.einsum("ij,ij->i", X, X)
    d = sq[:, None] + sq[None, :] - 2.0 * (X @ X.T)
    np.fill_diagonal(d, np.inf)
    order = np.argsort(d, axis=1)
    rank = np.empty((m, m), dtype=np.int64)
    rank[np.arange(m)[:, None], order] = np.arange(1, m + 1)[None, :]
    low = knn_2d(Y, k)
    excess = rank[np.arange(m)[:, None], low] - k
    total = float(excess[excess > 0].sum())
    return 1.0 - total * (2.0 / (m * k * (2.0 * m - 3.0 * k - 1.0)))


def trustworthiness_sample(vectors, xy: np.ndarray, k: int = DEFAULT_K, metric: str = "cosine",
                           sample: int = TRUST_SAMPLE, seed: int = 0) -> tuple[float, int]:
    """Trustworthiness of ``xy`` (:func:`trustworthiness`) on a seeded sample of rows; (value, rows used)."""
    X = original_space(vectors, metric)
    n = X.shape[0]
    rng = np.random.default_rng(seed)
    rows = np.arange(n) if n <= sample else np.sort(rng.choice(n, sample, replace=False))
    m = len(rows)
    kk = min(int(k), max((m - 1) // 2 - 1, 1))  # scikit-learn requires k < m / 2
    Y = np.asarray(xy, dtype=np.float64)[rows]
    Y = np.where(np.isfinite(Y), Y, 0.0)
    return trustworthiness(X[rows], Y, kk), m


def assess(vectors, xy: np.ndarray, k: int = DEFAULT_K, metric: str = "cosine",
           control: TaskControl | None = None, seed: int = 0, high: np.ndarray | None = None) -> Faithfulness:
    """Neighbour preservation of every point and trustworthiness on a sample, for the layout ``xy``."""
    control = ensure_control(control)
    exact = True
    if high is None:
        high, exact = high_neighbours(vectors, k, metric, control)
    control.progress(0.9, "neighbours on the plot", force=True)
    per_point = preservation(high[:, :k], knn_2d(xy, high[:, :k].shape[1]))
    control.check()
    trust, m = trustworthiness_sample(vectors, xy, k, metric, seed=seed)
    return Faithfulness(per_point, trust, int(high[:, :k].shape[1]), m, exact)


def nearest_rows(vectors, queries, k: int = DEFAULT_K, metric: str = "cosine",
                 exclude: np.ndarray | None = None) -> np.ndarray:
    """The ``k`` rows of ``vectors`` nearest each query vector (exact), ``(m, k)`` int64, nearest first.

    For a few queries (a clicked point, an analogy's expected point): one pass over the rows,
    no normalised copy of the matrix.  ``exclude`` (one row per query, or -1) is left out.
    """
    V = np.asarray(vectors)
    Q = np.atleast_2d(np.asarray(queries, dtype=np.float32))
    n = V.shape[0]
    k = min(int(k), n - (0 if exclude is None else 1))
    scores = np.empty((n, Q.shape[0]), dtype=np.float32)
    rows = max(1, BLOCK_BYTES // max(V.shape[1] * 4, 1))
    for start in range(0, n, rows):
        block = np.asarray(V[start:start + rows], dtype=np.float32)
        dots = block @ Q.T
        sq = np.einsum("ij,ij->i", block, block, dtype=np.float32)[:, None]
        if metric == "cosine":  # largest cosine = smallest "distance" -cos
            scores[start:start + len(block)] = -dots / np.where(sq > 0, np.sqrt(sq), 1.0)
        else:
            scores[start:start + len(block)] = sq - 2.0 * dots
    if exclude is not None:
        ex = np.asarray(exclude, dtype=np.int64).reshape(-1)
        ok = ex >= 0
        scores[ex[ok], np.flatnonzero(ok)] = np.inf
    part = np.argpartition(scores, k - 1, axis=0)[:k].T
    vals = np.take_along_axis(scores.T, part, axis=1)
    return np.take_along_axis(part, np.argsort(vals, axis=1, kind="stable"), axis=1).astype(np.int64)


def place_by_neighbours(vectors, xy: np.ndarray, queries, k: int = 5, metric: str = "cosine") -> np.ndarray:
    """Raw vectors placed on a computed layout: the median position of their ``k`` nearest rows shown.

    A non-linear layout has no formula for a new vector; its nearest rows say where it belongs.
    Rows not shown (NaN) are skipped; ``(m, 2)`` float64 (NaN where no neighbour is shown).
    """
    xy = np.asarray(xy, dtype=np.float64)
    near = nearest_rows(vectors, queries, k=min(4 * int(k), len(xy)), metric=metric)
    out = np.full((near.shape[0], 2), np.nan)
    for i, rows in enumerate(near):
        at = xy[rows]
        at = at[np.isfinite(at).all(axis=1)][:k]
        if len(at):
            out[i] = np.median(at, axis=0)
    return out
