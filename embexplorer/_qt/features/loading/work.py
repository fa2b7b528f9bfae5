"""What a load does on its worker thread (no widget is touched here)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from embexplorer.core.data.embeddings import EmbeddingSet
from embexplorer.core.errors import DataError

#: Principal components computed on load (and offered in the axis combos).
MAX_COMPONENTS = 10
#: Share of the progress bar given to loading (PCA gets the rest).
LOAD_PROGRESS_SHARE = 0.7
#: Words in a DataError reason that mean "this is a pickle; ask the user first" (the loaders'
#: refusal tells the user about --allow-pickle).
PICKLE_CONSENT_MARKERS = ("--allow-pickle", "allow_pickle=true")


@dataclass
class LoadResult:
    """What a load task hands back to the UI thread."""

    path: str
    embeddings: EmbeddingSet
    pca: object  # embexplorer.core.analysis.pca.PCAResult
    seconds: float


def load_and_project(path: str, control, format: str | None = None, limit: int | None = None,
                     allow_pickle: bool = False, columns: dict | None = None) -> LoadResult:
    """Load ``path`` and fit PCA on it (runs on a worker thread; touches no widget)."""
    from embexplorer.core.analysis.pca import fit_pca
    from embexplorer.core.data.formats import load

    t0 = time.perf_counter()
    # The cache entry is written once the set is shown (``store_in_cache``): 3.6 GB take 5-15 s.
    emb = load(path, format=format, limit=limit, control=control.scaled(0.0, LOAD_PROGRESS_SHARE),
               allow_pickle=allow_pickle, defer_cache=True, **(columns or {}))
    control.progress(LOAD_PROGRESS_SHARE, "Projecting", force=True)
    try:
        pca = fit_pca(emb.vectors, n_components=MAX_COMPONENTS,
                      control=control.scaled(LOAD_PROGRESS_SHARE, 1.0))
    except ValueError as err:  # e.g. no rows: bad input, reported like any other
        raise DataError(f"cannot project: {err}", path) from err
    return LoadResult(os.fspath(path), emb, pca, time.perf_counter() - t0)


def store_in_cache(emb: EmbeddingSet, control) -> bool:
    """Write the load cache's entry of a set just shown (runs on a worker thread)."""
    from embexplorer.core.data.formats import store_cache

    return store_cache(emb, control)


def needs_pickle_consent(err: BaseException) -> bool:
    """True if ``err`` is the loaders' refusal to unpickle without consent."""
    if not isinstance(err, DataError):
        return False
    if getattr(err, "needs_consent", False):
        return True
    reason = err.reason.lower()
    return any(m in reason for m in PICKLE_CONSENT_MARKERS)
