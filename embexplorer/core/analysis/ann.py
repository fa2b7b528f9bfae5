"""An optional approximate nearest-neighbour index for following the mouse on large sets.

Exact cosine search (:func:`embexplorer.core.analysis.neighbours.nearest`) reads the whole
matrix per query: ~150 ms at 3,000,000 x 300, too slow to follow the mouse.  An index answers
in a few milliseconds, at the price of sometimes missing a true neighbour; how often is
measured, never assumed: after building, the search breadth (HNSW's ``ef``, IVF's ``nprobe``)
is raised until recall@10 against exact search on :data:`CALIBRATION_QUERIES` rows reaches
:data:`TARGET_RECALL` plus :data:`CALIBRATION_MARGIN`, then recall@10 is measured on
:data:`RECALL_QUERIES` *other* rows and reported with the index (if it falls short there, the
breadth is raised further until those rows reach the target too).

Backends (:data:`BACKENDS`, in order of preference; the first one installed is used):

- ``faiss-ivf``: faiss-cpu's IndexIVFFlat (the ``[ann]`` extra): a spherical k-means coarse
  quantiser of ~4 sqrt(n) lists; a query scans the ``nprobe`` lists nearest to it;
- ``hnswlib``: an HNSW graph (hnswlib): used when faiss-cpu is not installed (8 MB against 65 MB);
- ``faiss-hnsw``: faiss-cpu's IndexHNSWFlat with hnswlib's M and efConstruction.

Why (``tests/bench/bench_ann.py``, the same data, 2 threads): on clustered, word-like data IVF
builds 3-4.5x faster than an HNSW graph (4.4x at 1,000,000 x 300: k-means and the list assignment
are matrix products; a graph inserts row by row; faiss's graph builds no faster than hnswlib's)
at the same recall and query time (~0.1-0.3 ms).  On a set without clusters (high intrinsic
dimensionality) IVF needs nearly every list and is barely faster than exact search, while a
graph keeps its logarithmic search:
so when the breadth IVF needs would scan more than :data:`IVF_MAX_SCAN_BYTES` a query, the
default build (``backend=None``) builds a graph instead: hnswlib's when it is installed, else
faiss's own (the same algorithm, built in the same time), so faiss-cpu alone covers both.
:func:`available` says whether a backend is installed, without importing it (start-up stays light).

An index is kept in the user's cache folder beside the load cache (``ann/<key>/``), the key
derived from the set's shape and a checksum of sampled rows plus the backend and its build
parameters; the entry's ``entry.json`` is written last and describes the rest, and an entry
that fails validation is deleted and rebuilt, never trusted -- as the load cache does.  The
folder is kept under :data:`CACHE_MAX_BYTES` by the load cache's LRU eviction.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import math
import os
import shutil
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embexplorer.core.analysis.neighbours import Neighbour, check_k, top_order
from embexplorer.core.atomic import atomic_write
from embexplorer.core.data.cache import evict_lru
from embexplorer.core.data.embeddings import EmbeddingSet
from embexplorer.core.errors import DataError
from embexplorer.core.paths import cache_dir
from embexplorer.core.progress import TaskControl, ensure_control

#: Bump when the entry layout or the index's meaning changes: older entries then miss.
ANN_VERSION = 2
#: Sub-folder of the user's cache folder holding indexes.
ANN_SUBDIR = "ann"
#: Total size the index cache may reach before the least recently used indexes go (one
#: Google-News-sized index is ~4 GB: two are kept, like the load cache's 8 GB of matrices).
CACHE_MAX_BYTES = 8 * 1024 ** 3
#: Backends in order of preference (see the module's docstring and tests/bench/bench_ann.py).
BACKENDS = ("faiss-ivf", "hnswlib", "faiss-hnsw")
_MODULES = {"hnswlib": "hnswlib", "faiss-ivf": "faiss", "faiss-hnsw": "faiss"}
#: HNSW graph degree and build breadth (hnswlib's M and ef_construction; faiss's the same).
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 100
#: Search breadths tried, in order, until calibration reaches the target.
EF_STEPS = (16, 32, 64, 128, 256, 512, 1024)
#: IVF: lists per square root of the row count, and (multiples of) the probes tried.
IVF_LISTS_PER_SQRT = 4
NPROBE_STEPS = (1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024)
#: IVF is kept only if it reaches the recall target scanning at most this many bytes of rows a query
#: (~2.5 ms at the ~25 GB/s read here): a set without clusters for the lists to follow needs nearly
#: every list, and is then given an HNSW graph instead (when hnswlib or faiss's HNSW is installed).
IVF_MAX_SCAN_BYTES = 64 << 20
#: IVF training: rows sampled per list (faiss asks for at least 39) and k-means iterations.
IVF_TRAIN_PER_LIST = 40
IVF_TRAIN_ITERATIONS = 10
#: The recall@10 the search breadth is raised to reach (on the calibration rows, with a margin,
#: so that the recall measured on other rows does not fall just under it).
TARGET_RECALL = 0.99
CALIBRATION_MARGIN = 0.003
#: Neighbours per query when recall is measured.
RECALL_K = 10
#: Rows used to choose the breadth, and (others) to measure the recall reported.
CALIBRATION_QUERIES = 500
RECALL_QUERIES = 1000
#: Scores held at once while measuring recall (16 queries at 3M rows; one product for small sets).
EXACT_BLOCK_BYTES = 192 << 20
#: Rows added to the index per step (progress and Cancel between steps).
BUILD_STEP_ROWS = 50_000
#: Rows whose bytes make up the set's fingerprint (strided, plus the last).
FINGERPRINT_ROWS = 1024
#: Seed of the rows used as queries (and of the IVF training sample).
SEED = 18
_ENTRY, _INDEX = "entry.json", "index.bin"


def available(backend: str | None = None) -> bool:
    """Whether ``backend`` (default: any) is installed (``pip install embexplorer[ann]``)."""
    names = BACKENDS if backend is None else (check_backend(backend),)
    return any(importlib.util.find_spec(_MODULES[b]) is not None for b in names)  # without importing


def check_backend(backend: str) -> str:
    if backend not in BACKENDS:
        raise ValueError(f"unknown approximate backend {backend!r}: one of {', '.join(BACKENDS)}")
    return backend


def default_backend() -> str | None:
    """The first of :data:`BACKENDS` that is installed, or None."""
    return next((b for b in BACKENDS if available(b)), None)


def _unit(X: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, float32 (zero rows stay zero), for inner-product indexes."""
    X = np.array(X, dtype=np.float32, order="C", copy=True)
    n = np.linalg.norm(X, axis=1)
    X /= np.maximum(n, np.finfo(np.float32).tiny)[:, None]
    return X


# -- backends: the few operations the rest needs ----------------------------------------------------

class _Hnswlib:
    kind, breadth_name, steps = "HNSW", "ef", EF_STEPS

    def __init__(self, dims: int, n: int, threads: int, native=None) -> None:
        import hnswlib

        self.native = native
        if native is None:
            self.native = hnswlib.Index(space="cosine", dim=dims)
            self.native.init_index(max_elements=n, ef_construction=HNSW_EF_CONSTRUCTION, M=HNSW_M,
                                   random_seed=SEED)
        self.native.set_num_threads(threads)

    def add(self, X: np.ndarray, start: int) -> None:
        self.native.add_items(np.ascontiguousarray(X, dtype=np.float32), np.arange(start, start + len(X)))

    def set_breadth(self, b: int) -> None:
        self.native.set_ef(b)

    def knn(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        rows, dist = self.native.knn_query(q, k=k)
        return rows.astype(np.int64), (1.0 - dist).astype(np.float32)

    def count(self) -> int:
        return self.native.get_current_count()

    def save(self, path: Path) -> None:
        self.native.save_index(str(path))

    @classmethod
    def load(cls, path: Path, n: int, dims: int, threads: int) -> _Hnswlib:
        import hnswlib

        native = hnswlib.Index(space="cosine", dim=dims)
        native.load_index(str(path), max_elements=n)
        return cls(dims, n, threads, native)


class _Faiss:
    """faiss-cpu over unit rows with inner product (= cosine); IVF needs :meth:`train` first."""

    def __init__(self, backend: str, dims: int, n: int, threads: int, native=None) -> None:
        import faiss

        faiss.omp_set_num_threads(threads)
        self.ivf = backend == "faiss-ivf"
        self.kind, self.breadth_name = ("IVF", "nprobe") if self.ivf else ("HNSW", "ef")
        self.nlist = ivf_lists(n)
        self.steps = EF_STEPS
        if self.ivf:
            self.steps = (*(s for s in NPROBE_STEPS if s < self.nlist), self.nlist)
        self.dims, self.native = dims, native  # an IVF index is made by train(), from its lists' centres
        if native is None and not self.ivf:
            self.native = faiss.IndexHNSWFlat(dims, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            self.native.hnsw.efConstruction = HNSW_EF_CONSTRUCTION

    def train(self, sample: np.ndarray, control: TaskControl) -> None:
        """IVF: spherical k-means of the sample, one iteration per call into faiss (progress, Cancel)."""
        if not self.ivf:
            return
        import faiss

        X = _unit(sample)
        cp = faiss.ClusteringParameters()
        cp.niter, cp.spherical, cp.seed, cp.verbose = 1, True, SEED, False
        clus = faiss.Clustering(self.dims, self.nlist, cp)  # each call starts from the last centres
        for it in range(IVF_TRAIN_ITERATIONS):
            control.progress(0.3 * it / IVF_TRAIN_ITERATIONS, f"Training the approximate index's "
                             f"{self.nlist:,} lists: step {it + 1} of {IVF_TRAIN_ITERATIONS}")
            clus.train(X, faiss.IndexFlatIP(self.dims))
        quantiser = faiss.IndexFlatIP(self.dims)
        quantiser.add(faiss.vector_to_array(clus.centroids).reshape(self.nlist, self.dims))
        self._quantiser = quantiser  # the IVF index does not own it: keep it alive
        self.native = faiss.IndexIVFFlat(quantiser, self.dims, self.nlist, faiss.METRIC_INNER_PRODUCT)

    def add(self, X: np.ndarray, start: int) -> None:
        self.native.add(_unit(X))

    def fill(self, vectors: np.ndarray, control: TaskControl, start: float, stop: float) -> None:
        """IVF: every row into its list, each list written once at its final size.

        (faiss's own ``add`` appends batch by batch and each list's buffer grows by doubling: at
        3,000,000 x 300 the build peaked at 8 GB above the matrix, for a 3.6 GB index.)
        """
        import faiss

        n = len(vectors)
        lists = np.empty(n, dtype=np.int64)
        for s in range(0, n, BUILD_STEP_ROWS):  # the list of each row: the costly part, a product
            control.progress(start + (stop - start) * 0.8 * s / n, f"Assigning rows to lists: {s:,} / {n:,}")
            chunk = _unit(vectors[s:s + BUILD_STEP_ROWS])
            lists[s:s + len(chunk)] = self._quantiser.search(chunk, 1)[1][:, 0]
        order = np.argsort(lists, kind="stable")
        bounds = np.searchsorted(lists[order], np.arange(self.nlist + 1))
        del lists
        invlists = self.native.invlists
        for j in range(self.nlist):
            if j % 256 == 0:
                control.progress(start + (stop - start) * (0.8 + 0.2 * j / self.nlist), "Filling the lists")
            rows = np.ascontiguousarray(order[bounds[j]:bounds[j + 1]])
            if len(rows):
                codes = _unit(vectors[rows])  # rows ascending (a stable sort): a forward read
                invlists.add_entries(j, len(rows), faiss.swig_ptr(rows), faiss.swig_ptr(codes.view(np.uint8)))
        self.native.ntotal = n

    def set_breadth(self, b: int) -> None:
        if self.ivf:
            self.native.nprobe = int(b)
        else:
            self.native.hnsw.efSearch = int(b)

    def knn(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        sims, rows = self.native.search(_unit(q), k)
        return rows.astype(np.int64), sims.astype(np.float32)

    def count(self) -> int:
        return int(self.native.ntotal)

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.native, str(path))

    @classmethod
    def load(cls, backend: str, path: Path, n: int, dims: int, threads: int) -> _Faiss:
        import faiss

        return cls(backend, dims, n, threads, faiss.read_index(str(path)))


def ivf_lists(n: int) -> int:
    """IVF lists for ``n`` rows: :data:`IVF_LISTS_PER_SQRT` sqrt(n), at least 1, at most n // 39."""
    return max(1, min(round(IVF_LISTS_PER_SQRT * math.sqrt(n)), n // 39))


def _make(backend: str, dims: int, n: int, threads: int):
    return _Hnswlib(dims, n, threads) if backend == "hnswlib" else _Faiss(backend, dims, n, threads)


@dataclass
class ApproxIndex:
    """An index over a set's rows, its search breadth and its measured recall.

    ``recall`` is recall@:data:`RECALL_K` against exact cosine search on ``recall_queries``
    rows not used to choose the breadth ``ef`` (HNSW's ef, IVF's nprobe).
    """

    index: object
    n: int
    dims: int
    ef: int
    recall: float
    recall_queries: int
    build_seconds: float
    from_cache: bool = False
    backend: str = "hnswlib"

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(rows, cosine similarities) of the ``k`` approximate nearest rows of each vector
        (a row of -1 where fewer were found)."""
        q = np.ascontiguousarray(np.atleast_2d(vectors), dtype=np.float32)
        return self.index.knn(q, min(k, self.n))

    def set_breadth(self, breadth: int) -> None:
        self.index.set_breadth(max(int(breadth), RECALL_K + 1) if self.index.kind == "HNSW" else breadth)

    def nearest(self, emb: EmbeddingSet, query: int | np.ndarray, k: int = RECALL_K,
                exclude: Iterable[int] = (), exclude_query: bool = True) -> list[Neighbour]:
        """Like :func:`~embexplorer.core.analysis.neighbours.nearest` (cosine), approximately."""
        k = check_k(k)
        if emb.n != self.n or emb.dims != self.dims:
            raise DataError(f"the index was built for {self.n:,} x {self.dims}, not {emb.n:,} x {emb.dims}")
        if isinstance(query, np.ndarray):
            vec, qrow = query, None
        else:
            qrow = int(query)
            vec = emb.vectors[qrow]
        skip = {int(r) for r in exclude}
        if qrow is not None and exclude_query:
            skip.add(qrow)
        rows, sims = self.search(vec, k + len(skip))
        out = [Neighbour(int(r), emb.labels[int(r)], float(s)) for r, s in zip(rows[0], sims[0])
               if r >= 0 and int(r) not in skip]
        return out[:k]

    def summary(self) -> str:
        return (f"approximate ({self.index.kind}, {self.index.breadth_name}={self.ef}): recall@{RECALL_K} "
                f"{self.recall:.3f} on {self.recall_queries:,} queries")


# -- exact reference ---------------------------------------------------------------------------------

def exact_top(emb: EmbeddingSet, rows: np.ndarray, k: int, control: TaskControl | None = None) -> np.ndarray:
    """Exact cosine top-``k`` rows of each query row (the row itself left out), in blocks of products."""
    control = ensure_control(control)
    norms = emb.norms
    out = np.empty((len(rows), k), dtype=np.int64)
    block = max(1, EXACT_BLOCK_BYTES // (4 * max(emb.n, 1)))
    for s in range(0, len(rows), block):
        control.check()
        r = rows[s:s + block]
        q = emb.vectors[r] / np.maximum(norms[r], np.finfo(np.float32).tiny)[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = (q @ emb.vectors.T) / norms
        for j, row in enumerate(r):
            scores[j, row] = -np.inf
            out[s + j] = top_order(scores[j], k)
    return out


def recall_at(index: ApproxIndex, emb: EmbeddingSet, rows: np.ndarray, truth: np.ndarray, ef: int) -> float:
    """Share of the exact neighbours found by the index at search breadth ``ef``."""
    index.set_breadth(ef)
    found, _ = index.search(emb.vectors[rows], truth.shape[1] + 1)
    hits = 0
    for row, f, t in zip(rows, found, truth):
        hits += len(set(f[f != row][:truth.shape[1]].tolist()) & set(t.tolist()))
    return hits / truth.size


# -- building, caching ----------------------------------------------------------------------------------

def fingerprint(emb: EmbeddingSet) -> str:
    """Shape and a checksum of sampled rows: the part of an index's cache key that is the set."""
    step = max(1, emb.n // FINGERPRINT_ROWS)
    sample = np.ascontiguousarray(emb.vectors[::step][:FINGERPRINT_ROWS])
    crc = zlib.crc32(sample.tobytes())
    crc = zlib.crc32(np.ascontiguousarray(emb.vectors[-1]).tobytes(), crc)
    return f"{emb.n}x{emb.dims}-{crc:08x}"


def _parameters(backend: str) -> list:
    if backend == "faiss-ivf":
        return [IVF_LISTS_PER_SQRT, IVF_TRAIN_PER_LIST, IVF_TRAIN_ITERATIONS, NPROBE_STEPS]
    return [HNSW_M, HNSW_EF_CONSTRUCTION, EF_STEPS]


def index_key(emb: EmbeddingSet, backend: str | None = None) -> str:
    backend = check_backend(backend or default_backend() or BACKENDS[0])
    parts = [ANN_VERSION, fingerprint(emb), backend, _parameters(backend), TARGET_RECALL, CALIBRATION_MARGIN,
             RECALL_QUERIES]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


def ann_root() -> Path:
    """Folder holding the index entries (beside the load cache's ``loads``)."""
    return cache_dir() / ANN_SUBDIR


def _query_rows(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    total = min(n, CALIBRATION_QUERIES + RECALL_QUERIES)
    rows = rng.choice(n, size=total, replace=False)
    cut = min(CALIBRATION_QUERIES, total // 2)
    return rows[:cut], rows[cut:]


def build(emb: EmbeddingSet, control: TaskControl | None = None, use_cache: bool = True,
          threads: int | None = None, backend: str | None = None) -> ApproxIndex:
    """The approximate index of ``emb`` (from the cache when a valid entry exists), its search
    breadth calibrated and its recall measured.

    Parameters
    ----------
    emb : EmbeddingSet
    control : TaskControl, optional
        Progress and Cancel, between steps of :data:`BUILD_STEP_ROWS` rows.
    use_cache : bool
        Reuse (and fill) the index cache.
    threads : int, optional
        Build threads (default: every core).
    backend : str, optional
        One of :data:`BACKENDS` (default: :func:`default_backend`).

    Raises
    ------
    DataError
        No backend (or not the one asked for) is installed, or the set has fewer than two rows.
    """
    auto = not backend
    backend = check_backend(backend) if backend else default_backend()
    if backend is None or not available(backend):
        raise DataError("approximate search needs the optional package faiss-cpu or hnswlib "
                        "(pip install 'embexplorer[ann]')" if backend is None else
                        f"approximate search with {backend} needs the package {_MODULES[backend]}")
    if emb.n < 2:
        raise DataError("approximate search needs at least two rows")
    control = ensure_control(control)
    threads = threads or os.cpu_count() or 1
    graphs = ("hnswlib", "faiss-hnsw") if auto and backend == "faiss-ivf" else ()
    fallbacks = [b for b in graphs if available(b)]
    if use_cache:
        for b in [backend, *fallbacks]:  # a set found too hard for IVF lists has its graph cached
            found = _lookup(index_key(emb, b), emb, b, threads)
            if found is not None:
                control.progress(1.0, "Approximate index loaded from the cache", force=True)
                return found
    result = _build_one(emb, backend, control, threads, limited=bool(fallbacks))
    if result is None:
        backend = fallbacks[0]
        control.progress(0.0, "No clusters for IVF lists to follow: building an HNSW graph instead",
                         force=True)
        result = _build_one(emb, backend, control, threads, limited=False)
    if use_cache:
        with contextlib.suppress(OSError):  # a full or read-only cache folder must not fail the build
            _store(index_key(emb, backend), result)
    control.progress(1.0, result.summary(), force=True)
    return result


def _build_one(emb: EmbeddingSet, backend: str, control: TaskControl, threads: int,
               limited: bool) -> ApproxIndex | None:
    """Build and calibrate one backend's index; None if ``limited`` and IVF would scan too much."""
    t0 = time.perf_counter()
    native = _make(backend, emb.dims, emb.n, threads)
    if backend == "faiss-ivf":
        take = min(emb.n, IVF_TRAIN_PER_LIST * native.nlist)
        sample = np.sort(np.random.default_rng(SEED).choice(emb.n, size=take, replace=False))
        native.train(emb.vectors[sample], control)
        native.fill(emb.vectors, control, 0.3, 0.8)
    else:
        for s in range(0, emb.n, BUILD_STEP_ROWS):
            control.progress(0.8 * s / emb.n, f"Building the approximate index: {s:,} / {emb.n:,} rows")
            native.add(emb.vectors[s:s + BUILD_STEP_ROWS], s)
    build_seconds = time.perf_counter() - t0
    result = ApproxIndex(native, emb.n, emb.dims, native.steps[0], 0.0, 0, build_seconds, backend=backend)
    most = None
    if limited:
        list_bytes = emb.n / native.nlist * emb.dims * 4
        most = max(1, int(IVF_MAX_SCAN_BYTES // max(list_bytes, 1)))
    return result if _calibrate(result, emb, control, most) else None


def _calibrate(result: ApproxIndex, emb: EmbeddingSet, control: TaskControl, most: int | None = None) -> bool:
    """Raise the breadth until calibration recall reaches the target; then measure recall on other rows.

    False (nothing measured) if a breadth of at most ``most`` does not reach the target.
    """
    k = min(RECALL_K, emb.n - 1)
    calib, check = _query_rows(emb.n)
    control.progress(0.85, "Measuring the approximate index against exact search")
    truth = exact_top(emb, calib, k, control)
    steps = [b for b in result.index.steps if most is None or b <= most] or [result.index.steps[0]]
    for breadth in steps:
        result.ef = breadth
        if recall_at(result, emb, calib, truth, breadth) >= TARGET_RECALL + CALIBRATION_MARGIN:
            break
    else:
        if most is not None:
            return False
    control.progress(0.92, f"Measuring recall@{k} on {len(check):,} queries")
    truth = exact_top(emb, check, k, control)
    result.recall = recall_at(result, emb, check, truth, result.ef)
    # The few hard queries of a clustered set make the calibration rows' recall vary more than their
    # count suggests: when the reported rows fall short, the next breadth is measured on them too.
    later = [b for b in (result.index.steps if most is None else steps) if b > result.ef]
    while result.recall < TARGET_RECALL and later:
        result.ef = later.pop(0)
        result.recall = recall_at(result, emb, check, truth, result.ef)
    if most is not None and result.recall < TARGET_RECALL:
        return False
    result.recall_queries = len(check)
    result.set_breadth(result.ef)
    return True


def _store(key: str, result: ApproxIndex) -> None:
    entry = ann_root() / key
    entry.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        (entry / _ENTRY).unlink()  # valid only once entry.json is written, last
    tmp = entry / (_INDEX + ".tmp")
    result.index.save(tmp)
    os.replace(tmp, entry / _INDEX)
    size = (entry / _INDEX).stat().st_size
    if size > CACHE_MAX_BYTES:  # would evict everything, itself included: not kept
        shutil.rmtree(entry, ignore_errors=True)
        return
    info = {"version": ANN_VERSION, "backend": result.backend, "n": result.n, "dims": result.dims,
            "ef": result.ef, "recall": result.recall, "recall_queries": result.recall_queries,
            "build_seconds": result.build_seconds, "index_bytes": size, "created": time.time()}
    with atomic_write(entry / _ENTRY, "w", encoding="utf-8") as fh:
        json.dump(info, fh)
    evict()


def _lookup(key: str, emb: EmbeddingSet, backend: str, threads: int) -> ApproxIndex | None:
    entry = ann_root() / key
    if not (entry / _ENTRY).is_file():
        return None
    try:
        info = json.loads((entry / _ENTRY).read_text(encoding="utf-8"))
        if (info["version"] != ANN_VERSION or info["backend"] != backend
                or (info["n"], info["dims"]) != (emb.n, emb.dims)):
            raise ValueError("entry of another version, backend or set")
        if (entry / _INDEX).stat().st_size != info["index_bytes"]:
            raise ValueError("index file size changed")
        path = entry / _INDEX
        native = (_Hnswlib.load(path, emb.n, emb.dims, threads) if backend == "hnswlib"
                  else _Faiss.load(backend, path, emb.n, emb.dims, threads))
        if native.count() != emb.n:
            raise ValueError("index holds another number of rows")
        native.set_breadth(int(info["ef"]))
    except Exception:  # any damage at all: drop the entry and build again
        shutil.rmtree(entry, ignore_errors=True)
        return None
    with contextlib.suppress(OSError):
        os.utime(entry / _ENTRY)  # least-recently-used order for eviction
    return ApproxIndex(native, emb.n, emb.dims, int(info["ef"]), float(info["recall"]),
                       int(info["recall_queries"]), float(info["build_seconds"]), from_cache=True,
                       backend=backend)


def evict(max_bytes: int | None = None) -> int:
    """Remove least recently used indexes until the index cache fits ``max_bytes`` (default
    :data:`CACHE_MAX_BYTES`); returns how many."""
    return evict_lru(ann_root(), CACHE_MAX_BYTES if max_bytes is None else max_bytes, _ENTRY)
