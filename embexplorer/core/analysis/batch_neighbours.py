"""Exact top-k cosine neighbours of every row of a set, in blocks (the batched form of ``nearest``).

One query at a time (gensim's ``most_similar`` in a loop) reads the whole matrix per query: a
matrix-vector product, memory bound.  Here the unit vectors are cut into row blocks of about
:data:`TILE_ROWS` and each pair of blocks is one float32 matrix product (``U_i @ U_j.T``), read
twice: its rows are candidates for the rows of block ``i``, its columns for the rows of block ``j``
(cosine is symmetric, so only the tiles on and above the diagonal are computed: half the
arithmetic of the plain "all queries times all rows" product).  Memory stays bounded by one tile
per worker plus the running top-k lists, whatever the number of rows.

Selection avoids a partial sort of every score: the diagonal tiles come first and give each row a
running k-th best score; in every later tile only the scores at or above it are candidates (a
comparison and a ``nonzero``), merged into the running lists.  The tiles are shared by one thread
per core (at most :data:`MAX_WORKERS`), each running its own one-thread BLAS product: while one
thread selects, the other multiplies (numpy and BLAS release the GIL), no core idles during the
selection, and no thread waits for a BLAS partner that a busy machine has descheduled.

Results equal gensim's ``most_similar(label, topn=k)`` as sets: where the k-th and the next score
are closer than :data:`TIE_TOLERANCE` (float32 rounding of a product could swap them), that row is
rescored exactly as gensim computes it (``core.analysis.neighbours``).  The order is score
descending, equal scores by lower row first (gensim's own order of exact ties is that of an
unstable sort).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

import numpy as np

from embexplorer.core.analysis.neighbours import gensim_mean
from embexplorer.core.data.embeddings import EmbeddingSet
from embexplorer.core.progress import TaskControl

#: Rows of one block; a tile of scores is ``TILE_ROWS ** 2`` float32 (16 MiB at 2,048) per worker:
#: the memory bound of the search (besides the (n, k) running lists), large enough for BLAS to run
#: at speed.
TILE_ROWS = 2048
#: Threads sharing the tiles (at most one per core available to the process).
MAX_WORKERS = 8
#: Seconds between two progress reports (and Cancel checks) of the calling thread while workers run.
POLL_S = 0.1
#: Extra neighbours kept beyond k, so that a near tie at the k-th place can be decided exactly.
GUARD = 2
#: Score gap below which the k-th and the (k+1)-th neighbours may be swapped by rounding: such rows
#: are rescored the way gensim scores them.  The largest difference measured between a tile's
#: score and gensim's for the same pair is 8e-7 (300-d) and 4e-7 (GloVe 50-d): 5x room.
TIE_TOLERANCE = 4e-6
#: Columns of a diagonal tile whose k-th best bounds the candidates of the whole tile (512: the
#: diagonal tiles' selection measured 20% cheaper than with 256, which passes twice the candidates,
#: or with 1,024, whose partition costs more than it saves).
PRESELECT_COLUMNS = 512
#: Row index filling the running lists before any candidate is seen (loses every tie).
_NO_ROW = np.iinfo(np.int64).max
#: threadpoolctl changes a process-wide setting: searches running at once take turns to set it, so
#: that one never restores a limit another has set.
BLAS_LIMIT_LOCK = threading.Lock()


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Unit rows as float32 (zero for a zero or non-finite row)."""
    v = np.ascontiguousarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(v, axis=1)
    with np.errstate(invalid="ignore", over="ignore"):
        u = np.ascontiguousarray(v / np.where(norms > 0, norms, 1).astype(np.float32)[:, None])
    # A row with NaN or infinite values scores 0 against everything (never NaN, which no threshold passes).
    return np.nan_to_num(u, copy=False, nan=0.0, posinf=0.0, neginf=0.0)


def _blocks(n: int, tile: int, k: int) -> np.ndarray:
    """Block boundaries of about ``tile`` rows, every block holding more than ``k`` rows."""
    nb = max(1, min(-(-n // tile), n // (k + 1)))
    return np.linspace(0, n, nb + 1).astype(np.int64)


def plan_tiles(n: int, k: int, tile: int = TILE_ROWS) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """How :func:`top_k_cosine` cuts ``n`` rows: the block boundaries and the tiles (pairs of blocks
    ``a <= b`` in the order they are computed) -- e.g. to time their products alone."""
    bounds = _blocks(n, int(tile), min(int(k) + GUARD, n - 1))
    nb = len(bounds) - 1
    # The diagonal first: it gives every row its first threshold.
    return bounds, [(b, b) for b in range(nb)] + [(a, b) for a in range(nb) for b in range(a + 1, nb)]


def _candidates(s: np.ndarray, tau: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Scores of tile ``s`` reaching the threshold of their row (``axis=1``: ``tau`` per row of
    ``s``) or of their column (``axis=0``: per column): (that row or column, the other index),
    sorted by the first."""
    mask = s >= (tau[:, None] if axis == 1 else tau[None, :])
    flat = np.flatnonzero(mask)  # 1-D: several times faster than a 2-D nonzero
    r, c = np.divmod(flat, s.shape[1])
    if axis == 1:
        return r, c
    order = np.argsort(c, kind="stable")
    return c[order], r[order]


def _merge(best_v: np.ndarray, best_i: np.ndarray, first: int, r: np.ndarray, cols: np.ndarray,
           vals: np.ndarray) -> None:
    """Fold candidates (row ``first + r``, neighbour ``cols``, score ``vals``; ``r`` sorted) into the
    running lists (in place; a list is kept unordered, sorted once at the end)."""
    if not len(r):
        return
    kk = best_v.shape[1]
    starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
    touched = r[starts]
    counts = np.diff(np.r_[starts, len(r)])
    grp = np.repeat(np.arange(len(touched)), counts)
    pos = np.arange(len(r)) - starts[grp]
    g = first + touched
    v = np.full((len(touched), kk + int(counts.max())), -np.inf, dtype=np.float32)
    i = np.full(v.shape, _NO_ROW, dtype=np.int64)
    v[:, :kk], i[:, :kk] = best_v[g], best_i[g]
    v[grp, kk + pos], i[grp, kk + pos] = vals, cols
    top = np.argpartition(-v, kk - 1, axis=1)[:, :kk]
    best_v[g] = np.take_along_axis(v, top, axis=1)
    best_i[g] = np.take_along_axis(i, top, axis=1)


class _Search:
    """The running lists of one search and the work on one tile (shared by the worker threads)."""

    def __init__(self, u: np.ndarray, kk: int, bounds: np.ndarray) -> None:
        self.u, self.kk, self.bounds = u, kk, bounds
        self.best_v = np.full((len(u), kk), -np.inf, dtype=np.float32)
        self.best_i = np.full((len(u), kk), _NO_ROW, dtype=np.int64)
        self.lock = threading.Lock()

    def tile(self, a: int, b: int) -> None:
        """Score block ``a`` against block ``b`` (``a <= b``) and fold the candidates in."""
        a0, a1, b0, b1 = self.bounds[a], self.bounds[a + 1], self.bounds[b], self.bounds[b + 1]
        s = self.u[a0:a1] @ self.u[b0:b1].T
        if a == b:
            np.fill_diagonal(s, -np.inf)
            # A lower bound of each row's kk-th best from a slice of the columns: everything at or
            # above it is a candidate (cheaper than partitioning the whole tile).
            kk = self.kk
            m = min(s.shape[1], max(PRESELECT_COLUMNS, kk + 2))
            bound = np.partition(s[:, :m], m - kk, axis=1)[:, m - kk]
            r, c = _candidates(s, bound, axis=1)
            vals = s[r, c]
            with self.lock:
                _merge(self.best_v, self.best_i, a0, r, c + b0, vals)
            return
        # Rows of block a against the columns of block b, then the transpose: only scores at or
        # above a row's running k-th best (as it stands now: another worker may raise it meanwhile,
        # which only lets a few more candidates through) are candidates.
        with self.lock:
            tau_a = self.best_v[a0:a1].min(axis=1)
            tau_b = self.best_v[b0:b1].min(axis=1)
        r, c = _candidates(s, tau_a, axis=1)
        c2, r2 = _candidates(s, tau_b, axis=0)
        vals, vals2 = s[r, c], s[r2, c2]
        with self.lock:
            _merge(self.best_v, self.best_i, a0, r, c + b0, vals)
            _merge(self.best_v, self.best_i, b0, c2, r2 + a0, vals2)


def worker_count(workers: int | None = None) -> int:
    """Threads a search uses: ``workers`` if given, else one per core available (at most
    :data:`MAX_WORKERS`)."""
    if workers is not None:
        return max(1, int(workers))
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_WORKERS))


def _run_tiles(search: _Search, pairs: list[tuple[int, int]], workers: int, control: TaskControl | None,
               done_before: int, total: int) -> None:
    """Every tile of ``pairs``, shared by ``workers`` threads; progress and Cancel from this thread."""
    if workers == 1 or len(pairs) == 1:
        for step, (a, b) in enumerate(pairs):
            if control is not None:
                control.progress((done_before + step) / total,
                                 f"neighbours: tile {done_before + step + 1:,} of {total:,}")
            search.tile(a, b)
        return
    if control is not None:
        control.progress(done_before / total, f"neighbours: tile {done_before + 1:,} of {total:,}")
    todo = iter(pairs)
    stop = threading.Event()
    done = [0]

    def drain() -> None:
        while not (stop.is_set() or (control is not None and control.cancelled)):
            with search.lock:
                pair = next(todo, None)
            if pair is None:
                return
            search.tile(*pair)
            with search.lock:
                done[0] += 1

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="neighbours") as pool:
        futures = [pool.submit(drain) for _ in range(min(workers, len(pairs)))]
        try:
            while True:
                finished, running = wait(futures, timeout=POLL_S, return_when=FIRST_EXCEPTION)
                for f in finished:
                    f.result()  # a worker's exception, here
                if not running:
                    if control is not None:
                        control.check()  # workers stop early on Cancel: never return part of the lists
                    return
                if control is not None:
                    control.progress((done_before + done[0]) / total,
                                     f"neighbours: tile {done_before + done[0]:,} of {total:,}")
        except BaseException:
            stop.set()
            raise


def top_k_cosine(vectors: np.ndarray, k: int = 10, tile: int = TILE_ROWS, exact_ties: bool = True,
                 control: TaskControl | None = None, workers: int | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest rows of every row by cosine similarity, itself excluded.

    Parameters
    ----------
    vectors : ndarray (n, d)
        The rows (any norm; zero rows score 0 against everything).
    k : int
        Neighbours per row (at most ``n - 1``).
    tile : int
        Rows per block (:data:`TILE_ROWS`).
    exact_ties : bool
        Rescore rows whose k-th place is a near tie the way gensim does, so the sets equal gensim's.
    control : TaskControl, optional
        Progress and Cancel (checked every :data:`POLL_S` seconds).
    workers : int, optional
        Threads sharing the tiles (default: one per core, at most :data:`MAX_WORKERS`); with more
        than one, BLAS runs one thread per product for the duration (a process-wide setting).

    Returns
    -------
    rows : ndarray (n, k) of int64
        Neighbour rows, best first (equal scores: lower row first).
    scores : ndarray (n, k) of float32
        Their cosine similarities.
    """
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    n = x.shape[0]
    k = int(min(k, n - 1))
    if k < 1:
        return np.zeros((n, 0), np.int64), np.zeros((n, 0), np.float32)
    kk = min(k + GUARD, n - 1)
    bounds, pairs = plan_tiles(n, k, tile)
    search = _Search(unit_rows(x), kk, bounds)
    diagonal, rest = pairs[:len(bounds) - 1], pairs[len(bounds) - 1:]
    total = len(pairs)
    count = min(worker_count(workers), total)
    if count > 1:
        from threadpoolctl import threadpool_limits  # a scikit-learn dependency

        with BLAS_LIMIT_LOCK, threadpool_limits(limits=1, user_api="blas"):
            # The diagonal tiles first, all of them: they set the thresholds the others are read with.
            _run_tiles(search, diagonal, count, control, 0, total)
            _run_tiles(search, rest, count, control, len(diagonal), total)
    else:
        _run_tiles(search, pairs, 1, control, 0, total)
    best_v, best_i = search.best_v, search.best_i
    # Best first; equal scores by lower row.
    order = np.lexsort((best_i, -best_v), axis=-1)
    best_v = np.take_along_axis(best_v, order, axis=1)
    best_i = np.take_along_axis(best_i, order, axis=1)
    rows_out, scores_out = best_i[:, :k].copy(), best_v[:, :k].copy()
    if exact_ties and kk > k:
        near = np.flatnonzero(best_v[:, k - 1] - best_v[:, k] < TIE_TOLERANCE)
        if len(near):
            _rescore_gensim(x, near, k, rows_out, scores_out, control)
    if control is not None:
        control.progress(1.0, "neighbours: done", force=True)
    return rows_out, scores_out


def _rescore_gensim(x: np.ndarray, queries: np.ndarray, k: int, rows_out: np.ndarray,
                    scores_out: np.ndarray, control: TaskControl | None) -> None:
    """Neighbours of ``queries`` scored exactly as gensim ``most_similar`` scores them (in place)."""
    emb = EmbeddingSet([""] * len(x), x)  # only its vectors and norms are read
    norms = emb.norms
    for q in queries:
        if control is not None:
            control.check()
        if not (np.isfinite(norms[q]) and norms[q] > 0):
            continue  # a zero or non-finite row: gensim's scores are all NaN, the tile's (0) stand
        mean = gensim_mean(emb, [(int(q), 1.0)])
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.dot(x, mean) / norms
        d = np.where(np.isnan(d), -np.inf, d)
        d[q] = -np.inf
        top = np.argpartition(-d, k)[:k + 1] if len(d) > k + 1 else np.arange(len(d))
        # Everything tied with the k-th score competes, lower row first.
        kth = np.sort(d[top])[::-1][k - 1]
        cand = np.flatnonzero(d >= kth)
        order = np.lexsort((cand, -d[cand]))[:k]
        rows_out[q] = cand[order]
        scores_out[q] = d[cand[order]]


def jaccard(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise Jaccard overlap of two ``(n, k)`` integer arrays of neighbour sets (each row unique)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape[1] == 0:
        return np.ones(a.shape[0])
    both = np.concatenate([a, b], axis=1)
    both.sort(axis=1)
    shared = (both[:, 1:] == both[:, :-1]).sum(axis=1)
    return shared / (a.shape[1] + b.shape[1] - shared)
