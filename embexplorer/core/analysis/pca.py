"""Exact PCA of an embedding matrix, and frame alignment between scatters.

Why covariance-eigh is exact
----------------------------
PCA of ``X`` (n x d) is the eigendecomposition of the covariance matrix
``C = Xc.T @ Xc / (n - 1)`` of the centred rows ``Xc = X - mean``: its
eigenvectors are the right singular vectors of ``Xc`` (the components), its
eigenvalues the variances along them (``S**2 / (n - 1)``).  We form ``C``
from *every* row -- no sampling, no random pre-projection -- so the result is
the PCA itself, not an approximation of it; the only error is floating-point
rounding.  To keep that small we

* shift every row by the first block's mean before multiplying (the classic one-pass "shifted
  data" algorithm, corrected exactly with the column sums), so the Gram matrix does not suffer
  the cancellation of ``X.T @ X - n * mean mean.T`` when the mean is large against the spread.
  When the mean is already small (``UNCENTRED_MAX_MEAN_RATIO``; true of word vectors) the raw
  float32 rows go straight to BLAS, which saves a copy and loses at most about one bit;
* multiply blocks of ``BLOCK_BYTES`` in float32 (BLAS ``syrk``, the fast part)
  and add the d x d partial sums into a float64 accumulator, so rounding does
  not grow with n;
* solve the d x d symmetric eigenproblem in float64 (``numpy.linalg.eigh``; for wide matrices
  LAPACK ``syevr`` via ``scipy.linalg.eigh``, asking for the k largest eigenpairs only).

The total variance (denominator of the explained-variance ratios) is the trace
of ``C``: the variance over all d dimensions, not only the k kept.  Forming
``Xc.T @ Xc`` squares the condition number, which only costs relative accuracy
in directions whose variance is below ~1e-7 of the largest -- never the leading
components a scatter shows.  For more than ``COVARIANCE_MAX_DIMS`` dimensions
(where the d x d eigenproblem gets expensive) we take the SVD of the centred
matrix instead (exact too, but it needs a centred float32 copy of ``X``).

How signs are fixed
-------------------
An eigenvector is only defined up to sign, and LAPACK may return either.  We
flip each component so that its largest-magnitude loading is positive (the
rule of scikit-learn's ``svd_flip(u_based_decision=False)``).  The rule reads
only the component, so re-running on the same data -- or on the rows in
another order -- gives the same picture.  (Components with equal variance span
a plane in which any rotation is equally valid; no rule can pin those down.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embexplorer.core.errors import DataError
from embexplorer.core.progress import TaskControl, ensure_control

#: Default number of principal components kept.
DEFAULT_COMPONENTS = 10
#: Up to this many dimensions we eigendecompose the d x d covariance matrix (scikit-learn's
#: "covariance_eigh" threshold); above it we take the SVD of the centred rows.
COVARIANCE_MAX_DIMS = 1000
#: From this many dimensions on, only the k largest eigenpairs are computed (scipy's syevr).
EIGH_SUBSET_MIN_DIMS = 500
#: Rows are processed in float32 blocks of about this many bytes: small enough to stay in cache
#: between centring and the BLAS product, large enough to keep BLAS efficient (tuned on 400k x 300).
BLOCK_BYTES = 4 << 20
#: Blocks of raw float32 rows (no copy to keep in cache) can be larger: fewer BLAS calls, each
#: waking the BLAS threads, which matters on a busy machine.
DIRECT_BLOCK_BYTES = 32 << 20
#: Block rows are clamped to this range whatever the width.
MIN_BLOCK_ROWS = 256
MAX_BLOCK_ROWS = 65536
#: Blocks of the projection pass (rows); it is memory-bound, so blocks only serve progress/cancel.
PROJECT_BLOCK_ROWS = 65536
#: Share of the progress bar given to the covariance pass (the projection pass gets the rest).
COVARIANCE_PROGRESS_SHARE = 0.85
#: Rows are multiplied without centring them first while the mean's length is at most this many
#: times the rows' RMS distance from the mean (cancellation then costs at most about one bit).
UNCENTRED_MAX_MEAN_RATIO = 1.0
#: :func:`align_frame` leaves a frame alone when its cross-products with the previous one are below
#: this fraction of their magnitudes (nothing to align on: all zero, or all weights zero).
ALIGN_EPS = 1e-12


@dataclass
class PCAResult:
    """Principal components of an n x d matrix and the projections of all its rows.

    Attributes
    ----------
    mean : ndarray (d,) float32
        Mean row.
    components : ndarray (k, d) float32
        Unit-length principal axes, by decreasing variance, signs fixed (largest |loading| > 0).
    explained_variance : ndarray (k,) float64
        Variance along each component (ddof=1, like scikit-learn).
    explained_variance_ratio : ndarray (k,) float64
        Share of the total variance over all d dimensions; 0 for constant data.
    coords : ndarray (n, k) float32, C-contiguous
        Projection of every row onto the components.
    total_variance : float
        Sum of the variances of all d dimensions.
    """

    mean: np.ndarray
    components: np.ndarray
    explained_variance: np.ndarray
    explained_variance_ratio: np.ndarray
    coords: np.ndarray
    total_variance: float = 0.0

    @property
    def n_components(self) -> int:
        """Number of components kept (k)."""
        return int(self.components.shape[0])

    def axis_label(self, i: int) -> str:
        """Axis title for component ``i`` (0-based), e.g. ``"PC1 (12.3 %)"``."""
        if not 0 <= i < self.n_components:
            raise IndexError(f"component {i} out of range 0..{self.n_components - 1}")
        return f"PC{i + 1} ({100.0 * float(self.explained_variance_ratio[i]):.1f} %)"

    def transform(self, X) -> np.ndarray:
        """Project rows ``X`` (m x d) onto the components: ``(X - mean) @ components.T``, float32 (m, k)."""
        X = _as_matrix(X)
        if X.shape[1] != self.mean.shape[0]:
            raise ValueError(f"expected {self.mean.shape[0]} columns, got {X.shape[1]}")
        return _project(X, self.mean.astype(np.float64), self.components, None)

    def xy(self, i: int = 0, j: int = 1) -> np.ndarray:
        """Coordinates on components ``i`` and ``j`` (0-based) as a C-contiguous float32 (n, 2) array.

        ``i == j`` is allowed (e.g. a one-component result drawn on the diagonal).
        """
        for c in (i, j):
            if not 0 <= c < self.n_components:
                raise IndexError(f"component {c} out of range 0..{self.n_components - 1}")
        out = np.empty((self.coords.shape[0], 2), dtype=np.float32)
        out[:, 0] = self.coords[:, i]
        out[:, 1] = self.coords[:, j]
        return out


def fit_pca(vectors, n_components: int = DEFAULT_COMPONENTS,
            control: TaskControl | None = None) -> PCAResult:
    """Exact PCA over all rows of ``vectors``, with the projections of every row.

    Parameters
    ----------
    vectors : array_like (n, d)
        Any real dtype and layout, including (read-only) memory maps; processed in blocks, never
        copied whole (except above ``COVARIANCE_MAX_DIMS`` columns, where the SVD needs a copy).
    n_components : int
        Components wanted; ``k = min(n_components, d, n)`` are returned.
    control : TaskControl, optional
        Receives progress; cancelling raises :class:`~embexplorer.core.progress.Cancelled`
        between blocks.

    Returns
    -------
    PCAResult

    Raises
    ------
    DataError
        If the vectors hold NaN or infinite values.
    ValueError
        If ``vectors`` is not a non-empty 2-D real matrix or ``n_components < 1``.
    """
    control = ensure_control(control)
    X = _as_matrix(vectors)
    n, d = X.shape
    if n == 0 or d == 0:
        raise ValueError(f"PCA needs at least one row and one column, got {n} x {d}")
    if int(n_components) < 1:
        raise ValueError(f"n_components must be at least 1, got {n_components}")
    k = min(int(n_components), d, n)
    control.progress(0.0, "PCA: covariance", force=True)
    if d <= COVARIANCE_MAX_DIMS:
        mean, cov = _covariance(X, control)
        _check_finite(cov)
        total = float(np.trace(cov))
        evals, evecs = _top_eigh(cov, k)
        comps = evecs.T
    else:
        mean, comps, evals, total = _svd_components(X, k, control)
    evals = np.clip(evals, 0.0, None)  # round-off can make tiny eigenvalues negative
    comps = _fix_signs(np.ascontiguousarray(comps, dtype=np.float64))
    ratio = evals / total if total > 0 else np.zeros_like(evals)
    control.progress(COVARIANCE_PROGRESS_SHARE, "PCA: projecting", force=True)
    comps32 = comps.astype(np.float32)
    # Mean squared distance of the rows from the mean = trace of the biased covariance.
    spread2 = total * max(n - 1, 1) / n
    coords = _project(X, mean, comps32, control, spread2)
    control.progress(1.0, "PCA: done", force=True)
    return PCAResult(mean=mean.astype(np.float32), components=comps32,
                     explained_variance=evals.astype(np.float64),
                     explained_variance_ratio=ratio.astype(np.float64), coords=coords,
                     total_variance=max(total, 0.0))


def align_frame(previous_xy, xy, weights=None, *, rotate: bool = True) -> np.ndarray:
    """Turn ``xy`` so it best matches ``previous_xy`` (orthogonal Procrustes about the origin).

    After another training epoch, PCA of the new vectors may come out flipped, with PC1 and PC2
    swapped, or turned; aligning each frame to the previous one makes the points glide instead.
    Only an orthogonal map (rotation and/or reflection) is applied, no translation and no scaling:
    PCA coordinates are centred on the data mean, and keeping that origin fixed keeps the picture
    centred where the axes cross and distances unchanged.

    Parameters
    ----------
    previous_xy, xy : array_like (n, m)
        The same n points (same row order) in the old and the new frame; usually m == 2.
    weights : array_like (n,), optional
        Non-negative weight of each point in the fit (e.g. only the frequent words).
    rotate : bool
        True: best orthogonal map (any rotation or reflection).  False: only flip the sign of
        each axis, so axis i stays component i and axis titles keep their meaning.

    Returns
    -------
    ndarray (n, m) float32, C-contiguous
        ``xy @ R`` for the best orthogonal ``R``; ``xy`` unchanged (copied) when the frames carry
        no information (all zero, or all weights zero).
    """
    prev = np.asarray(previous_xy, dtype=np.float64)
    cur = np.asarray(xy, dtype=np.float64)
    if prev.shape != cur.shape or cur.ndim != 2:
        raise ValueError(f"frames must have the same (n, m) shape, got {prev.shape} and {cur.shape}")
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64).reshape(-1)
        if w.shape[0] != cur.shape[0]:
            raise ValueError(f"expected {cur.shape[0]} weights, got {w.shape[0]}")
        if np.any(w < 0) or not np.all(np.isfinite(w)):
            raise ValueError("weights must be finite and non-negative")
        m = cur.T @ (prev * w[:, None])
    else:
        m = cur.T @ prev
    out = np.ascontiguousarray(xy, dtype=np.float32).copy()
    scale = np.abs(m).max() if m.size else 0.0
    if not np.isfinite(scale) or scale <= ALIGN_EPS * _frame_scale(cur, prev):
        return out
    if rotate:
        # argmin_R ||cur R - prev||_F over orthogonal R: cur.T prev = U S Vt  ->  R = U Vt.
        u, _, vt = np.linalg.svd(m)
        r = u @ vt
    else:
        r = np.diag(np.where(np.diag(m) < 0, -1.0, 1.0))
    return np.ascontiguousarray(cur @ r, dtype=np.float32)


# ----------------------------------------------------------------------------- internals

def _as_matrix(vectors) -> np.ndarray:
    """View ``vectors`` as a 2-D real array without copying where possible."""
    X = vectors if isinstance(vectors, np.ndarray) else np.asarray(vectors)
    if X.ndim != 2:
        raise ValueError(f"expected a 2-D matrix, got shape {X.shape}")
    if not (np.issubdtype(X.dtype, np.floating) or np.issubdtype(X.dtype, np.integer)):
        raise ValueError(f"expected real numbers, got dtype {X.dtype}")
    return X


def _block_rows(d: int, block_bytes: int | None = None) -> int:
    size = BLOCK_BYTES if block_bytes is None else block_bytes
    return int(min(MAX_BLOCK_ROWS, max(MIN_BLOCK_ROWS, size // (4 * d))))


def _covariance(X: np.ndarray, control: TaskControl) -> tuple[np.ndarray, np.ndarray]:
    """Mean (float64) and covariance (float64, ddof=1) of all rows, one pass in float32 blocks."""
    n, d = X.shape
    rows = _block_rows(d)
    # Shift by the first block's mean; the exact mean is restored below (shifted-data algorithm).
    first = X[:min(n, rows)]
    shift64 = first.mean(axis=0, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        spread2 = float(np.mean(np.sum((first - shift64) ** 2, axis=1)))
    direct = X.dtype == np.float32 and _offset_is_small(shift64, spread2)
    if direct:
        # The mean is small against the spread: multiplying the raw rows loses at most a bit to
        # cancellation and saves a copy of every block (the shift correction below stays exact).
        shift64 = np.zeros(d, dtype=np.float64)
        buf = None
        rows = _block_rows(d, DIRECT_BLOCK_BYTES)
    else:
        buf = np.empty((min(n, rows), d), dtype=np.float32)
    shift = shift64.astype(np.float32)
    g32 = np.empty((d, d), dtype=np.float32)
    gram = np.zeros((d, d), dtype=np.float64)
    sums = np.zeros(d, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):  # NaN/inf are reported by _check_finite
        _accumulate(X, rows, shift, buf, g32, gram, sums, control)
    offset = sums / n  # mean of the shifted rows
    # sum (x - s - o)(x - s - o).T = gram - n o o.T, with o small because s is near the mean.
    gram -= n * np.outer(offset, offset)
    gram = (gram + gram.T) * 0.5
    cov = gram / max(n - 1, 1)
    mean = shift.astype(np.float64) + offset
    return mean, cov


def _accumulate(X, rows, shift, buf, g32, gram, sums, control) -> None:
    """Add the Gram matrix and column sums of (X - shift), block by block, into gram and sums."""
    n = X.shape[0]
    for start in range(0, n, rows):
        block = X[start:start + rows]
        if buf is None:
            b = block
        else:
            b = buf[:block.shape[0]]
            np.subtract(block, shift, out=b, casting="unsafe")
        np.matmul(b.T, b, out=g32)  # numpy hands A.T @ A to BLAS syrk
        gram += g32
        sums += np.add.reduce(b, axis=0)
        control.progress(COVARIANCE_PROGRESS_SHARE * min(n, start + rows) / n, "PCA: covariance")


def _svd_components(X: np.ndarray, k: int, control: TaskControl):
    """Wide data: exact SVD of the centred rows (a float32 copy of X).

    Tall matrices are first reduced to their d x d triangular factor R (QR), whose singular values
    and right vectors are those of the centred rows, so no n x d matrix of left vectors is built.
    """
    n, d = X.shape
    mean = np.zeros(d, dtype=np.float64)
    rows = _block_rows(d)
    for start in range(0, n, rows):
        mean += np.add.reduce(X[start:start + rows], axis=0, dtype=np.float64)
        control.check()
    mean /= n
    _check_finite(mean)
    xc = np.empty((n, d), dtype=np.float32)
    for start in range(0, n, rows):
        np.subtract(X[start:start + rows], mean, out=xc[start:start + rows], casting="unsafe")
        control.check()
    control.progress(0.3 * COVARIANCE_PROGRESS_SHARE, "PCA: SVD")
    if n > d:
        r = np.linalg.qr(xc, mode="r")
        del xc
        control.progress(0.8 * COVARIANCE_PROGRESS_SHARE, "PCA: SVD")
        _, s, vt = np.linalg.svd(r)
    else:
        _, s, vt = np.linalg.svd(xc, full_matrices=False)
        del xc
    var = s.astype(np.float64) ** 2 / max(n - 1, 1)
    return mean, vt[:k].astype(np.float64), var[:k], float(var.sum())


def _top_eigh(cov: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k largest eigenpairs of a symmetric matrix, by decreasing eigenvalue."""
    d = cov.shape[0]
    if d >= EIGH_SUBSET_MIN_DIMS:
        # LAPACK syevr for the top k only (~3x faster than all pairs at d = 1000).  scipy comes
        # with scikit-learn; lazily imported, and only here: its own BLAS thread pool costs more
        # than it saves on small matrices (measured ~0.1 s at d = 300 vs 5 ms for numpy's eigh).
        from scipy.linalg import eigh

        evals, evecs = eigh(cov, subset_by_index=[d - k, d - 1], check_finite=False)
    else:
        evals, evecs = np.linalg.eigh(cov)
        evals, evecs = evals[d - k:], evecs[:, d - k:]
    return evals[::-1], evecs[:, ::-1]


def _check_finite(a: np.ndarray) -> None:
    # Sums over every value: one NaN or inf anywhere (e.g. a diverged training run) shows up here.
    if not np.all(np.isfinite(a)):
        raise DataError("vectors contain NaN or infinite values (or values too large to square)")


def _fix_signs(comps: np.ndarray) -> np.ndarray:
    """Flip each row so that its largest-|loading| entry is positive (in place; returned)."""
    if comps.size == 0:
        return comps
    idx = np.argmax(np.abs(comps), axis=1)
    signs = np.sign(comps[np.arange(comps.shape[0]), idx])
    signs[signs == 0] = 1.0
    comps *= signs[:, None]
    return comps


def _project(X: np.ndarray, mean64: np.ndarray, comps32: np.ndarray,
             control: TaskControl | None, spread2: float | None = None) -> np.ndarray:
    """``(X - mean) @ comps.T`` as C-contiguous float32, in row blocks.

    ``spread2`` is the mean squared distance of the rows from the mean, if known.
    """
    n, d = X.shape
    k = comps32.shape[0]
    out = np.empty((n, k), dtype=np.float32)
    w = np.ascontiguousarray(comps32.T)
    mean32 = mean64.astype(np.float32)
    # Projecting the raw rows and subtracting the projected mean afterwards avoids a centred copy
    # of every block; it is as accurate unless the mean dwarfs the spread, so centre in that case.
    direct = X.dtype == np.float32 and spread2 is not None and _offset_is_small(mean64, spread2)
    rows = PROJECT_BLOCK_ROWS if direct else _block_rows(d)
    buf = None if direct else np.empty((min(n, rows), d), dtype=np.float32)
    for start in range(0, n, rows):
        block = X[start:start + rows]
        if buf is None:
            np.matmul(block, w, out=out[start:start + rows])
        else:
            b = buf[:block.shape[0]]
            np.subtract(block, mean32, out=b, casting="unsafe")
            np.matmul(b, w, out=out[start:start + rows])
        if control is not None:
            control.progress(COVARIANCE_PROGRESS_SHARE + (1 - COVARIANCE_PROGRESS_SHARE)
                             * min(n, start + rows) / n, "PCA: projecting")
    if direct:
        out -= (mean64 @ w.astype(np.float64)).astype(np.float32)
    return out


def _offset_is_small(mean64: np.ndarray, spread2: float) -> bool:
    """True when ||mean||**2 <= UNCENTRED_MAX_MEAN_RATIO**2 * spread2 (cancellation is harmless)."""
    return float(mean64 @ mean64) <= UNCENTRED_MAX_MEAN_RATIO ** 2 * spread2


def _frame_scale(a: np.ndarray, b: np.ndarray) -> float:
    """Typical squared magnitude of two frames (for the 'no information' test)."""
    return float(np.abs(a).max(initial=0.0) * np.abs(b).max(initial=0.0))
