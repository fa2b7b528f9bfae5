"""Non-linear 2-D layouts: t-SNE (openTSNE) and UMAP (umap-learn), live, seeded, never sampled silently.

Both work as is standard on a PCA-reduced copy of the vectors (:data:`REDUCED_DIMS` dimensions;
for the cosine metric the rows are first scaled to unit length, so Euclidean distances in the copy
rank neighbours like cosine similarity), and both start from the PCA layout, so a picture shown
as PCA *morphs* into the new layout instead of jumping.  Every random choice takes the seed of
:class:`LayoutParams`: the same data, parameters and seed give the same layout.

How t-SNE is tuned (see ``tests/bench/bench_projection.py`` for what each choice buys):

* FFT-accelerated gradients (``negative_gradient_method="fft"``) from :data:`TSNE_BH_BELOW` points:
  openTSNE's default switches to them only at 10,000 and uses Barnes-Hut below, which measured
  (CPU time, 60 iterations) 1.0x FFT's at 3,000 points, 2.4x at 6,000 and 4.2x at 10,000; below
  3,000 Barnes-Hut wins (FFT's grid has a fixed cost: 25x slower at 300 points, 4x at 1,000);
* approximate neighbours (Annoy with :data:`TSNE_ANNOY_TREES` trees instead of openTSNE's 50: at
  10,000 x 50 four times faster than 50 trees, recall of the 90 neighbours 0.98; exact ones below
  :data:`TSNE_EXACT_BELOW` points);
* the PCA layout as initialisation (rescaled to openTSNE's small standard deviation), which with
  the learning rate ``n / exaggeration`` converges in fewer iterations than a random start;
* a shorter schedule (:data:`TSNE_EARLY_ITERS` + :data:`TSNE_ITERS` instead of 250 + 500);
* half the cores for the gradient (:func:`tsne_jobs`): on 2 busy cores two threads made the FFT
  gradient 2.4 times *slower* than one, while machines with idle cores gain from threads;
* a live frame every :data:`TSNE_FRAME_EVERY` iterations (each costs openTSNE a KL-divergence
  evaluation: every 10 iterations added 28 % to the optimisation, every 20 about 14 %).

Scale: up to :data:`MAX_FIT` points every point is fitted.  Above it a seeded sample of
:data:`MAX_FIT` points is fitted and every other point is *placed* into that map with the
method's ``transform``; :class:`Layout` says how many were fitted and how many placed.  No point
is ever dropped.

The window runs :func:`fit_layout` in a child process (:mod:`embexplorer.core.analysis.fit_process`),
so that numba and openTSNE never hold its GIL; the headless ``project`` command runs it in-process.

umap-learn is an optional extra (it brings numba, whose first run compiles for a minute or more):
without it :func:`fit_layout` raises a :class:`DataError` naming :data:`UMAP_INSTALL`.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from embexplorer.core.errors import DataError
from embexplorer.core.progress import TaskControl, ensure_control

#: The non-linear methods, and how the status bar and the axes name them.
METHODS = ("tsne", "umap")
METHOD_TITLES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}
#: Distances in the original space.
METRICS = ("cosine", "euclidean")
#: Dimensions of the PCA-reduced copy both methods work on (the usual choice).
REDUCED_DIMS = 50
#: Largest number of points fitted; above it a seeded sample this big is fitted and the rest placed
#: with ``transform``.  Chosen to keep a fit to a few minutes on 2 cores: the tuned t-SNE of
#: 100,000 x 50 took 180 s (102 s of CPU) on the shared 2-core test machine (bench_projection.py --full).
MAX_FIT = 100_000
#: What to install for UMAP.
UMAP_INSTALL = "pip install 'embexplorer[umap]'"

# -- t-SNE ---------------------------------------------------------------------------------------
#: Early-exaggeration and normal iterations (openTSNE's defaults: 250 and 500).
TSNE_EARLY_ITERS = 125
TSNE_ITERS = 375
#: Early exaggeration (openTSNE's and scikit-learn's default).
TSNE_EARLY_EXAGGERATION = 12.0
#: Below this many points the gradient is Barnes-Hut, from it FFT (the measured crossover).
TSNE_BH_BELOW = 3000
#: Below this many points neighbours are exact (fast enough, and no approximation at all).
TSNE_EXACT_BELOW = 1000
#: Annoy trees for t-SNE's neighbours (openTSNE's default 50; 15 keep the recall near 0.98).
TSNE_ANNOY_TREES = 15
#: Standard deviation the PCA initialisation is rescaled to (openTSNE's convention).
TSNE_INIT_STD = 1e-4
#: A live frame every this many iterations (openTSNE's callback).
TSNE_FRAME_EVERY = 20
#: Share of the progress bar given to the neighbours / affinities (the rest: the iterations).
TSNE_AFFINITY_SHARE = 0.15

# -- UMAP ----------------------------------------------------------------------------------------
#: Seconds between two live UMAP frames (they come from umap-learn's per-epoch progress hook).
UMAP_FRAME_INTERVAL_S = 0.1
#: Share of the progress bar given to UMAP's neighbour graph.
UMAP_GRAPH_SHARE = 0.3

#: Share of the progress bar given to placing the points beyond :data:`MAX_FIT`.
PLACE_SHARE = 0.25

#: A live frame: ``on_frame(xy, fraction)`` with ``xy`` (n, 2) float32 (a copy; rows not fitted yet
#: are NaN) and the share of the work done.
FrameCallback = Callable[[np.ndarray, float], None]


@dataclass(frozen=True)
class LayoutParams:
    """What a layout is computed with (the key of its cache entry, the state of a session).

    Attributes
    ----------
    method : {"tsne", "umap"}
    perplexity : float
        t-SNE: the effective number of neighbours each point attends to.
    exaggeration : float
        t-SNE: attraction multiplier of the final phase (1 is standard t-SNE; larger values
        separate clusters more, towards UMAP-like pictures).
    n_neighbors : int
        UMAP: size of the neighbourhood the graph is built from.
    min_dist : float
        UMAP: how tightly points may be packed.
    metric : {"cosine", "euclidean"}
        Distance in the original space.
    seed : int
        Every random choice (neighbour index, sample, optimisation).
    """

    method: str = "tsne"
    perplexity: float = 30.0
    exaggeration: float = 1.0
    n_neighbors: int = 15
    min_dist: float = 0.1
    metric: str = "cosine"
    seed: int = 0

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise DataError(f"unknown layout method {self.method!r} (one of {', '.join(METHODS)})")
        if self.metric not in METRICS:
            raise DataError(f"unknown metric {self.metric!r} (one of {', '.join(METRICS)})")
        if not (1.0 <= float(self.perplexity) <= 500.0):
            raise DataError(f"perplexity must be from 1 to 500, got {self.perplexity}")
        if not (0.5 <= float(self.exaggeration) <= 50.0):
            raise DataError(f"exaggeration must be from 0.5 to 50, got {self.exaggeration}")
        if not (2 <= int(self.n_neighbors) <= 500):
            raise DataError(f"n_neighbors must be from 2 to 500, got {self.n_neighbors}")
        if not (0.0 <= float(self.min_dist) <= 1.0):
            raise DataError(f"min_dist must be from 0 to 1, got {self.min_dist}")

    @property
    def title(self) -> str:
        """``"t-SNE"`` or ``"UMAP"``."""
        return METHOD_TITLES[self.method]

    def relevant(self) -> dict:
        """The fields that change the layout of this method (others are ignored by it)."""
        own = ("perplexity", "exaggeration") if self.method == "tsne" else ("n_neighbors", "min_dist")
        return {k: v for k, v in asdict(self).items() if k in ("method", "metric", "seed", *own)}

    def describe(self) -> str:
        """E.g. ``"t-SNE, perplexity 30, cosine, seed 0"``."""
        if self.method == "tsne":
            own = f"perplexity {self.perplexity:g}" + (
                f", exaggeration {self.exaggeration:g}" if self.exaggeration != 1.0 else "")
        else:
            own = f"n_neighbors {self.n_neighbors}, min_dist {self.min_dist:g}"
        return f"{self.title}, {own}, {self.metric}, seed {self.seed}"

    @classmethod
    def from_dict(cls, state: dict) -> LayoutParams:
        """Parameters from :meth:`relevant` / :func:`dataclasses.asdict` output (unknown keys ignored)."""
        known = {k: state[k] for k in cls.__dataclass_fields__ if k in state}
        for key, kind in (("perplexity", float), ("exaggeration", float), ("n_neighbors", int),
                          ("min_dist", float), ("seed", int)):
            if key in known:
                known[key] = kind(known[key])
        return cls(**known)


@dataclass
class Layout:
    """A finished layout.

    Attributes
    ----------
    xy : ndarray (n, 2) float32
        Every row's position (none dropped).
    params : LayoutParams
    n_fitted : int
        Rows the method was fitted on.
    n_placed : int
        Rows placed into the fitted map with ``transform`` (0 up to :data:`MAX_FIT` rows).
    seconds : float
        Wall time of the computation (0 for a cache hit).
    fitted_rows : ndarray of int64, optional
        The seeded sample fitted (None when every row was fitted).
    from_cache : bool
    """

    xy: np.ndarray
    params: LayoutParams
    n_fitted: int
    n_placed: int = 0
    seconds: float = 0.0
    fitted_rows: np.ndarray | None = None
    from_cache: bool = False
    extra: dict = field(default_factory=dict)

    def describe(self) -> str:
        """What was fitted and placed, e.g. ``"t-SNE of all 5,050 points"``."""
        if self.n_placed:
            return (f"{self.params.title} fitted on a seeded sample of {self.n_fitted:,} points; "
                    f"the other {self.n_placed:,} placed into it")
        return f"{self.params.title} of all {self.n_fitted:,} points"


# -- the reduced copy ----------------------------------------------------------------------------------
def reduce_for_layout(vectors, metric: str = "cosine", dims: int = REDUCED_DIMS,
                      control: TaskControl | None = None) -> np.ndarray:
    """The PCA-reduced copy a layout is computed on: ``(n, min(dims, d))`` float32, C-contiguous.

    For ``metric="cosine"`` rows are scaled to unit length first (zero rows stay zero): Euclidean
    distance between unit vectors is a monotone function of their cosine, so the Euclidean
    neighbours of the copy are the cosine neighbours of the original (up to the reduction).
    The reduction is the exact PCA of :mod:`embexplorer.core.analysis.pca` (deterministic).
    """
    from embexplorer.core.analysis.pca import fit_pca

    if metric not in METRICS:
        raise DataError(f"unknown metric {metric!r} (one of {', '.join(METRICS)})")
    X = np.asarray(vectors, dtype=np.float32)
    if X.ndim != 2 or X.shape[0] < 2:
        raise DataError(f"a layout needs at least 2 rows of vectors, got shape {X.shape}")
    if metric == "cosine":
        X = unit_rows(X)
    k = min(int(dims), X.shape[1], X.shape[0])
    pca = fit_pca(X, n_components=k, control=control)
    return np.ascontiguousarray(pca.coords, dtype=np.float32)


def unit_rows(X: np.ndarray) -> np.ndarray:
    """``X`` with every non-zero row scaled to unit length (float32 copy)."""
    X = np.asarray(X, dtype=np.float32)
    norms = np.sqrt(np.einsum("ij,ij->i", X, X, dtype=np.float32))
    return np.ascontiguousarray(X / np.where(norms > 0, norms, 1.0)[:, None], dtype=np.float32)


def fit_sample(n: int, seed: int, max_fit: int = MAX_FIT) -> np.ndarray | None:
    """The seeded, sorted sample of rows fitted when ``n > max_fit`` (None: fit every row)."""
    if n <= max_fit:
        return None
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=int(max_fit), replace=False)).astype(np.int64)


# -- fitting --------------------------------------------------------------------------------------------
def fit_layout(vectors, params: LayoutParams, init: np.ndarray | None = None,
               control: TaskControl | None = None, on_frame: FrameCallback | None = None,
               max_fit: int = MAX_FIT, reduced: np.ndarray | None = None) -> Layout:
    """A t-SNE or UMAP layout of every row of ``vectors``.

    Parameters
    ----------
    vectors : array_like (n, d)
        The original vectors.
    params : LayoutParams
    init : ndarray (n, 2), optional
        Starting positions, normally the PCA layout on screen (default: the first two components
        of the reduced copy).  t-SNE rescales it to a tiny spread, UMAP to [0, 10].
    control : TaskControl, optional
        Progress, and cancellation: raises :class:`Cancelled` at the next frame or check.
    on_frame : callable, optional
        ``on_frame(xy, fraction)`` every :data:`TSNE_FRAME_EVERY` iterations (t-SNE) or about every
        :data:`UMAP_FRAME_INTERVAL_S` seconds (UMAP), from the working thread.
    max_fit : int
        Rows fitted at most; the others are placed with ``transform``.
    reduced : ndarray, optional
        The output of :func:`reduce_for_layout` for these vectors and metric, when already made.

    Returns
    -------
    Layout
    """
    control = ensure_control(control)
    started = time.perf_counter()
    if params.method == "umap":
        _import_umap()  # before the reduction: a missing extra is said at once
    control.progress(0.0, "reducing to 50 dimensions", force=True)
    X = reduced if reduced is not None else reduce_for_layout(vectors, params.metric)
    n = X.shape[0]
    if init is None:
        init = X[:, :2] if X.shape[1] >= 2 else np.column_stack([X[:, 0], np.zeros(n, np.float32)])
    init = np.asarray(init, dtype=np.float64)
    if init.shape != (n, 2):
        raise ValueError(f"init must be ({n}, 2), got {init.shape}")
    init = np.where(np.isfinite(init), init, 0.0)
    sample = fit_sample(n, params.seed, max_fit)
    fit_rows = np.arange(n) if sample is None else sample
    fit_share = 1.0 if sample is None else 1.0 - PLACE_SHARE

    def frame(xy_fit: np.ndarray, fraction: float) -> None:
        control.progress(fraction * fit_share, f"{params.title}: {100 * fraction:.0f} %")
        if on_frame is None:
            return
        if sample is None:
            on_frame(np.array(xy_fit, dtype=np.float32), fraction * fit_share)
        else:
            full = np.full((n, 2), np.nan, dtype=np.float32)
            full[sample] = xy_fit
            on_frame(full, fraction * fit_share)

    fit = _fit_tsne if params.method == "tsne" else _fit_umap
    model, xy_fit = fit(X[fit_rows], params, init[fit_rows], control, frame)
    xy = np.empty((n, 2), dtype=np.float32)
    xy[fit_rows] = xy_fit
    if sample is not None:
        rest = np.setdiff1d(np.arange(n), sample)
        control.progress(fit_share, f"{params.title}: placing {len(rest):,} more points", force=True)
        xy[rest] = _place(model, X[rest], params, control)
    control.progress(1.0, f"{params.title}: done", force=True)
    return Layout(xy=np.ascontiguousarray(xy), params=params, n_fitted=len(fit_rows),
                  n_placed=n - len(fit_rows), seconds=time.perf_counter() - started, fitted_rows=sample)


def tsne_options(params: LayoutParams, n: int) -> dict:
    """Keyword arguments of ``openTSNE.TSNE`` for ``params`` and ``n`` points (the tuned set)."""
    return dict(n_components=2, perplexity=min(float(params.perplexity), max((n - 1) / 3.0, 1.0)),
                early_exaggeration_iter=TSNE_EARLY_ITERS, early_exaggeration=TSNE_EARLY_EXAGGERATION,
                n_iter=TSNE_ITERS, exaggeration=None if params.exaggeration == 1.0 else params.exaggeration,
                metric="euclidean", negative_gradient_method="bh" if n < TSNE_BH_BELOW else "fft",
                neighbors="exact" if n < TSNE_EXACT_BELOW else "annoy",
                knn_kwargs=None if n < TSNE_EXACT_BELOW else {"n_trees": TSNE_ANNOY_TREES},
                n_jobs=tsne_jobs(), random_state=int(params.seed))


def tsne_jobs() -> int:
    """Threads for openTSNE: half the cores (1 on a 2-core machine, where two threads were slower)."""
    return max(1, (os.cpu_count() or 2) // 2)


def tsne_init(init: np.ndarray) -> np.ndarray:
    """The PCA layout rescaled as openTSNE expects an initialisation (PC1's spread :data:`TSNE_INIT_STD`)."""
    from openTSNE.initialization import rescale

    init = np.array(init, dtype=np.float64)
    if not np.any(np.std(init, axis=0) > 0):  # all points in one place: rescale would divide by zero
        init = np.random.default_rng(0).normal(size=init.shape)
    return rescale(init, inplace=False, target_std=TSNE_INIT_STD)


def _fit_tsne(X: np.ndarray, params: LayoutParams, init: np.ndarray, control: TaskControl, frame):
    from openTSNE import TSNE

    n = X.shape[0]
    total = TSNE_EARLY_ITERS + TSNE_ITERS
    done = [0]  # iterations of the phases finished before the current one

    def callback(iteration: int, _error: float, embedding) -> bool:
        control.check()
        if len(embedding) != n:  # openTSNE's transform (placing more points) calls it too: Cancel only
            return False
        frame(np.asarray(embedding), (done[0] + iteration) / total * (1 - TSNE_AFFINITY_SHARE)
              + TSNE_AFFINITY_SHARE)
        return False  # never stop early: Cancel raises instead

    tsne = TSNE(**tsne_options(params, n), callbacks=callback, callbacks_every_iters=TSNE_FRAME_EVERY)
    control.progress(0.0, "t-SNE: nearest neighbours", force=True)
    embedding = tsne.prepare_initial(X, initialization=tsne_init(init))
    control.check()
    # The two phases of openTSNE's TSNE.fit, run here so that a frame knows the phase it is in.
    embedding.optimize(n_iter=tsne.early_exaggeration_iter, exaggeration=tsne.early_exaggeration,
                       momentum=tsne.initial_momentum, inplace=True, propagate_exception=True)
    done[0] = TSNE_EARLY_ITERS
    embedding.optimize(n_iter=tsne.n_iter, exaggeration=tsne.exaggeration, momentum=tsne.final_momentum,
                       inplace=True, propagate_exception=True)
    return embedding, np.asarray(embedding, dtype=np.float32)


def umap_options(params: LayoutParams, n: int) -> dict:
    """Keyword arguments of ``umap.UMAP`` for ``params`` and ``n`` points."""
    return dict(n_components=2, n_neighbors=int(min(params.n_neighbors, max(n - 1, 2))),
                min_dist=float(params.min_dist), metric="euclidean", random_state=int(params.seed))


def require_umap() -> None:
    """Raise the :class:`DataError` naming :data:`UMAP_INSTALL` when umap-learn is missing, without
    importing it (its import brings numba: seconds of the GIL, which a GUI process should not pay)."""
    from importlib.util import find_spec

    try:
        found = find_spec("umap") is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise DataError(f"UMAP needs umap-learn, which is not installed; install it with: {UMAP_INSTALL}")


def _import_umap():
    try:
        import umap  # noqa: F401 -- brings numba; only imported when asked for
    except ImportError as err:
        raise DataError(f"UMAP needs umap-learn, which is not installed ({err.msg}); "
                        f"install it with: {UMAP_INSTALL}") from None
    return sys.modules["umap"]


def _fit_umap(X: np.ndarray, params: LayoutParams, init: np.ndarray, control: TaskControl, frame):
    umap = _import_umap()
    n = X.shape[0]
    hook = _UmapEpochHook(n, control, frame)
    model = umap.UMAP(**umap_options(params, n), init=np.array(init, dtype=np.float64),
                      tqdm_kwds=hook.tqdm_kwds())
    control.progress(0.0, "UMAP: neighbour graph", force=True)
    with _quiet_numba_warnings():
        xy = model.fit_transform(X)
    control.check()
    return model, np.asarray(xy, dtype=np.float32)


class _UmapEpochHook:
    """Live frames and cancellation for umap-learn, which has no callback.

    umap-learn reports its epochs through ``tqdm(range(n_epochs), **tqdm_kwds)`` inside
    ``umap.layouts.optimize_layout_euclidean``, whose ``head_embedding`` is the layout being
    optimised in place.  Giving tqdm this object as its output file makes every progress line a
    call here *between two epochs* (the numba epoch has returned), where the layout is read from
    that function's frame (a copy is taken) and cancellation raises out of the loop.  If a future
    umap-learn renames things, frames stop but progress, cancellation and the result do not.
    """

    def __init__(self, n: int, control: TaskControl, frame) -> None:
        self.n, self.control, self.frame = n, control, frame

    def tqdm_kwds(self) -> dict:
        return {"file": self, "disable": False, "mininterval": UMAP_FRAME_INTERVAL_S, "miniters": 1,
                "leave": False, "dynamic_ncols": False, "ncols": 80}

    def write(self, _text: str) -> None:
        # Never raise here: tqdm calls this holding its process-wide lock, acquired without a
        # try/finally, so an exception would leave it held and the next UMAP in the process would
        # wait for it forever.  A cancelled run is instead made to finish at once (below) and
        # _fit_umap raises Cancelled after fit_transform has returned.
        f = sys._getframe(1)
        while f is not None and f.f_code.co_name != "optimize_layout_euclidean":
            f = f.f_back
        if f is None:
            return
        local = f.f_locals
        if self.control.cancelled:
            self._skip_remaining_epochs(local)
            return
        head, epoch, epochs = local.get("head_embedding"), local.get("n"), local.get("n_epochs")
        if head is None or head.shape[0] != self.n or not isinstance(epoch, int) or not epochs:
            return  # placing new points (transform): not the fit's layout
        fraction = UMAP_GRAPH_SHARE + (1 - UMAP_GRAPH_SHARE) * min((epoch + 1) / float(epochs), 1.0)
        self.frame(np.array(head, dtype=np.float32), fraction)

    @staticmethod
    def _skip_remaining_epochs(local: dict) -> None:
        """Cancelled: no edge is sampled again, so each remaining epoch is one cheap pass."""
        for name in ("epoch_of_next_sample", "epoch_of_next_negative_sample"):
            arr = local.get(name)
            if isinstance(arr, np.ndarray) and arr.dtype.kind == "f":
                arr[:] = np.inf

    def flush(self) -> None:
        pass  # see write(): nothing may raise inside tqdm


class _quiet_numba_warnings:
    """umap-learn warns about n_jobs being overridden by the seed: expected here, not news to a user."""

    def __enter__(self):
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.filterwarnings("ignore", message=".*n_jobs value.*overridden.*")
        warnings.filterwarnings("ignore", message=".*random_state.*")
        return self

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


def _place(model, Y: np.ndarray, params: LayoutParams, control: TaskControl) -> np.ndarray:
    """Place rows ``Y`` (reduced copy) into a fitted map, in blocks (progress, Cancel between them)."""
    out = np.empty((Y.shape[0], 2), dtype=np.float32)
    block = PLACE_BLOCK_ROWS
    for start in range(0, Y.shape[0], block):
        control.check()
        part = Y[start:start + block]
        if params.method == "tsne":
            placed = model.transform(part)
        else:
            with _quiet_numba_warnings():
                placed = model.transform(part)
        out[start:start + len(part)] = np.asarray(placed, dtype=np.float32)
        done = min(start + block, Y.shape[0]) / Y.shape[0]
        control.progress(1.0 - PLACE_SHARE * (1.0 - done), f"{params.title}: placed {start + len(part):,} "
                         f"of {Y.shape[0]:,} more points")
    return out


#: Rows placed per ``transform`` call above the cap (progress and Cancel between blocks).
PLACE_BLOCK_ROWS = 20_000

__all__ = ["METHODS", "METRICS", "MAX_FIT", "REDUCED_DIMS", "UMAP_INSTALL", "Layout",
           "LayoutParams", "fit_layout", "fit_sample", "reduce_for_layout", "require_umap", "tsne_init",
           "tsne_options", "umap_options", "unit_rows"]
