"""An optional approximate nearest-neighbour index (HNSW, via hnswlib) for following the mouse on large sets.

Exact cosine search (:func:`embexplorer.core.analysis.neighbours.nearest`) reads the whole
matrix per query: ~150 ms at 3,000,000 x 300, too slow to follow the mouse.  An HNSW graph
answers in a few milliseconds, at the price of sometimes missing a true neighbour; how often is
measured, never assumed: after building, the search breadth ``ef`` is raised until recall@10
against exact search on :data:`CALIBRATION_QUERIES` rows reaches :data:`TARGET_RECALL`, then
recall@10 is measured on :data:`RECALL_QUERIES` *other* rows and reported with the index.

Why hnswlib and not faiss-cpu: one 8 MB compiled module with no dependency besides numpy, a
build that uses every core and can be saved and memory-loaded as one file; faiss-cpu is a far
larger install for the same HNSW algorithm here.  It is an optional extra
(``pip install embexplorer[ann]``): :func:`available` says whether it is installed.

An index is kept in the user's cache folder beside the load cache (``ann/<key>/``), the key
derived from the set's shape and a checksum of sampled rows plus the build parameters; the
entry's ``entry.json`` is written last and describes the rest, and an entry that fails
validation is deleted and rebuilt, never trusted -- as the load cache does.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embexplorer.core.analysis.neighbours import Neighbour, check_k, gensim_norms, top_order
from embexplorer.core.atomic import atomic_write
from embexplorer.core.data.embeddings import EmbeddingSet
from embexplorer.core.errors import DataError
from embexplorer.core.paths import cache_dir
from embexplorer.core.progress import TaskControl, ensure_control

#: Bump when the entry layout or the index's meaning changes: older entries then miss.
ANN_VERSION = 1
#: Sub-folder of the user's cache folder holding indexes.
ANN_SUBDIR = "ann"
#: HNSW graph degree and build breadth (hnswlib's M and ef_construction).
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 100
#: Search breadths tried, in order, until calibration reaches :data:`TARGET_RECALL`.
EF_STEPS = (16, 32, 64, 128, 256, 512, 1024)
#: The recall@10 the search breadth is raised to reach.
TARGET_RECALL = 0.99
#: Neighbours per query when recall is measured.
RECALL_K = 10
#: Rows used to choose ``ef``, and (others) to measure the recall reported.
CALIBRATION_QUERIES = 200
RECALL_QUERIES = 1000
#: Exact queries scored per matrix product while measuring recall.
EXACT_BLOCK_QUERIES = 16
#: Rows added to the graph per step (progress and Cancel between steps).
BUILD_STEP_ROWS = 50_000
#: Rows whose bytes make up the set's fingerprint (strided, plus the last).
FINGERPRINT_ROWS = 1024
#: Seed of the rows used as queries.
SEED = 18
_ENTRY, _INDEX = "entry.json", "index.bin"


def available() -> bool:
    """Whether the optional ``hnswlib`` package is installed (``pip install embexplorer[ann]``)."""
    import importlib.util

    return importlib.util.find_spec("hnswlib") is not None  # without importing it (start-up stays light)


@dataclass
class ApproxIndex:
    """An HNSW index over a set's rows, its search breadth and its measured recall.

    ``recall`` is recall@:data:`RECALL_K` against exact cosine search on ``recall_queries``
    rows not used to choose ``ef``.
    """

    index: object
    n: int
    dims: int
    ef: int
    recall: float
    recall_queries: int
    build_seconds: float
    from_cache: bool = False

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(rows, cosine similarities) of the ``k`` approximate nearest rows of each vector."""
        q = np.ascontiguousarray(np.atleast_2d(vectors), dtype=np.float32)
        rows, dist = self.index.knn_query(q, k=min(k, self.n))
        return rows.astype(np.int64), (1.0 - dist).astype(np.float32)

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
               if int(r) not in skip]
        return out[:k]

    def summary(self) -> str:
        return (f"approximate (HNSW, ef={self.ef}): recall@{RECALL_K} {self.recall:.3f} on "
                f"{self.recall_queries:,} queries")


# -- exact reference ---------------------------------------------------------------------------------

def exact_top(emb: EmbeddingSet, rows: np.ndarray, k: int, control: TaskControl | None = None) -> np.ndarray:
    """Exact cosine top-``k`` rows of each query row (the row itself left out), in blocks of products."""
    control = ensure_control(control)
    norms = gensim_norms(emb)
    out = np.empty((len(rows), k), dtype=np.int64)
    for s in range(0, len(rows), EXACT_BLOCK_QUERIES):
        control.check()
        r = rows[s:s + EXACT_BLOCK_QUERIES]
        q = emb.vectors[r] / np.maximum(norms[r], np.finfo(np.float32).tiny)[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = (q @ emb.vectors.T) / norms
        for j, row in enumerate(r):
            scores[j, row] = -np.inf
            out[s + j] = top_order(scores[j], k)
    return out


def recall_at(index: ApproxIndex, emb: EmbeddingSet, rows: np.ndarray, truth: np.ndarray, ef: int) -> float:
    """Share of the exact neighbours found by the index at search breadth ``ef``."""
    index.index.set_ef(max(ef, truth.shape[1] + 1))
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


def index_key(emb: EmbeddingSet) -> str:
    parts = [ANN_VERSION, fingerprint(emb), HNSW_M, HNSW_EF_CONSTRUCTION, TARGET_RECALL, RECALL_QUERIES]
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
          threads: int | None = None) -> ApproxIndex:
    """The HNSW index of ``emb`` (from the cache when a valid entry exists), ``ef`` calibrated and
    recall measured.

    Parameters
    ----------
    emb : EmbeddingSet
    control : TaskControl, optional
        Progress and Cancel, between steps of :data:`BUILD_STEP_ROWS` rows.
    use_cache : bool
        Reuse (and fill) the index cache.
    threads : int, optional
        Build threads (default: every core).

    Raises
    ------
    DataError
        hnswlib is not installed, or the set has fewer than two rows.
    """
    if not available():
        raise DataError("approximate search needs the optional package hnswlib "
                        "(pip install 'embexplorer[ann]')")
    import hnswlib

    if emb.n < 2:
        raise DataError("approximate search needs at least two rows")
    control = ensure_control(control)
    key = index_key(emb) if use_cache else None
    if key is not None:
        found = _lookup(key, emb)
        if found is not None:
            control.progress(1.0, "Approximate index loaded from the cache", force=True)
            return found
    t0 = time.perf_counter()
    index = hnswlib.Index(space="cosine", dim=emb.dims)
    index.init_index(max_elements=emb.n, ef_construction=HNSW_EF_CONSTRUCTION, M=HNSW_M, random_seed=SEED)
    index.set_num_threads(threads or os.cpu_count() or 1)
    for s in range(0, emb.n, BUILD_STEP_ROWS):
        control.progress(0.8 * s / emb.n, f"Building the approximate index: {s:,} / {emb.n:,} rows")
        e = min(s + BUILD_STEP_ROWS, emb.n)
        index.add_items(np.ascontiguousarray(emb.vectors[s:e], dtype=np.float32), np.arange(s, e))
    build_seconds = time.perf_counter() - t0
    result = ApproxIndex(index, emb.n, emb.dims, EF_STEPS[0], 0.0, 0, build_seconds)
    _calibrate(result, emb, control)
    if key is not None:
        with contextlib.suppress(OSError):  # a full or read-only cache folder must not fail the build
            _store(key, result)
    control.progress(1.0, result.summary(), force=True)
    return result


def _calibrate(result: ApproxIndex, emb: EmbeddingSet, control: TaskControl) -> None:
    """Raise ``ef`` until calibration recall reaches the target; then measure recall on other rows."""
    k = min(RECALL_K, emb.n - 1)
    calib, check = _query_rows(emb.n)
    control.progress(0.85, "Measuring the approximate index against exact search")
    truth = exact_top(emb, calib, k, control)
    for ef in EF_STEPS:
        result.ef = ef
        if recall_at(result, emb, calib, truth, ef) >= TARGET_RECALL:
            break
    control.progress(0.92, f"Measuring recall@{k} on {len(check):,} queries")
    truth = exact_top(emb, check, k, control)
    result.recall = recall_at(result, emb, check, truth, result.ef)
    result.recall_queries = len(check)
    result.index.set_ef(result.ef)


def _store(key: str, result: ApproxIndex) -> None:
    entry = ann_root() / key
    entry.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        (entry / _ENTRY).unlink()  # valid only once entry.json is written, last
    tmp = entry / (_INDEX + ".tmp")
    result.index.save_index(str(tmp))
    os.replace(tmp, entry / _INDEX)
    info = {"version": ANN_VERSION, "n": result.n, "dims": result.dims, "ef": result.ef,
            "recall": result.recall, "recall_queries": result.recall_queries,
            "build_seconds": result.build_seconds, "index_bytes": (entry / _INDEX).stat().st_size,
            "created": time.time()}
    with atomic_write(entry / _ENTRY, "w", encoding="utf-8") as fh:
        json.dump(info, fh)


def _lookup(key: str, emb: EmbeddingSet) -> ApproxIndex | None:
    import hnswlib

    entry = ann_root() / key
    if not (entry / _ENTRY).is_file():
        return None
    try:
        info = json.loads((entry / _ENTRY).read_text(encoding="utf-8"))
        if info["version"] != ANN_VERSION or (info["n"], info["dims"]) != (emb.n, emb.dims):
            raise ValueError("entry of another version or set")
        if (entry / _INDEX).stat().st_size != info["index_bytes"]:
            raise ValueError("index file size changed")
        index = hnswlib.Index(space="cosine", dim=emb.dims)
        index.load_index(str(entry / _INDEX), max_elements=emb.n)
        if index.get_current_count() != emb.n:
            raise ValueError("index holds another number of rows")
        index.set_ef(int(info["ef"]))
    except Exception:  # any damage at all: drop the entry and build again
        shutil.rmtree(entry, ignore_errors=True)
        return None
    with contextlib.suppress(OSError):
        os.utime(entry / _ENTRY)
    return ApproxIndex(index, emb.n, emb.dims, int(info["ef"]), float(info["recall"]),
                       int(info["recall_queries"]), float(info["build_seconds"]), from_cache=True)
