"""A cache of finished t-SNE / UMAP layouts, so showing one again is instant.

The key is a hash of everything the layout depends on: the vectors' bytes and the labels (so an
edited file, another limit or a retrained model misses), how it starts (``start``: ``"pca"``, the
data's own PC1/PC2 layout -- named, not hashed, since two exact PCA fits of the same data may differ
in the last bit, which changes nothing worth a recomputation), the method's own
parameters (:meth:`LayoutParams.relevant`), the cap on fitted rows and the versions of this
cache, openTSNE and umap-learn.  An entry is ``xy.npy`` plus ``entry.json``, written last, which
describes and validates it (shape, dtype, CRC of the coordinates) like the load cache
(:mod:`embexplorer.core.data.cache`); an entry that fails validation is deleted, never trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
import zlib
from pathlib import Path

import numpy as np

from embexplorer.core.analysis.nonlinear import MAX_FIT, REDUCED_DIMS, Layout, LayoutParams
from embexplorer.core.atomic import atomic_write
from embexplorer.core.data.cache import evict_lru
from embexplorer.core.paths import cache_dir

#: Bump when what an entry holds, or how a layout is computed, changes: older entries then miss.
CACHE_VERSION = 1
#: Sub-folder of the user's cache folder holding layouts.
CACHE_SUBDIR = "layouts"
#: Total size the layout cache may reach before the least recently used entries go.
CACHE_MAX_BYTES = 512 * 1024 ** 2
#: Bytes hashed per step when fingerprinting vectors (keeps memory flat for memory maps).
HASH_CHUNK_BYTES = 16 << 20
_ENTRY = "entry.json"
_XY = "xy.npy"


def cache_root() -> Path:
    """Folder holding the layout-cache entries."""
    return cache_dir() / CACHE_SUBDIR


def data_fingerprint(vectors, labels=None) -> str:
    """Hash of the vectors (every byte, float32 C order) and the labels, in order."""
    h = hashlib.blake2b(digest_size=20)
    X = np.asarray(vectors)
    h.update(repr((X.shape, "float32")).encode())
    rows = max(1, HASH_CHUNK_BYTES // max(X.shape[1] * 4, 1)) if X.ndim == 2 else len(X)
    for start in range(0, X.shape[0], rows):
        h.update(np.ascontiguousarray(X[start:start + rows], dtype=np.float32).data)
    if labels is not None:
        for label in labels:
            h.update(label.encode("utf-8", "surrogatepass"))
            h.update(b"\0")
    return h.hexdigest()


def _versions() -> list:
    out = []
    for name in ("openTSNE", "umap"):
        try:
            from importlib.metadata import version

            out.append(version("umap-learn" if name == "umap" else name))
        except Exception:  # not installed: part of the key all the same
            out.append(None)
    return out


def cache_key(fingerprint: str, params: LayoutParams, start: str = "pca", max_fit: int = MAX_FIT) -> str:
    """Key of a layout: data fingerprint, parameters, how it starts, cap, versions."""
    parts = [CACHE_VERSION, fingerprint, sorted(params.relevant().items()), str(start), int(max_fit),
             REDUCED_DIMS, _versions()]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:32]


def lookup(key: str, n: int | None = None) -> Layout | None:
    """The cached layout for ``key`` (of ``n`` rows, if given), or None (a damaged entry is removed)."""
    entry = cache_root() / key
    if not (entry / _ENTRY).is_file():
        return None
    try:
        layout = _read_entry(entry)
    except Exception:  # any damage at all: drop the entry and compute again
        shutil.rmtree(entry, ignore_errors=True)
        return None
    if n is not None and layout.xy.shape[0] != n:
        return None  # not a layout of these rows (kept: it is sound, only not asked for)
    with contextlib.suppress(OSError):
        os.utime(entry / _ENTRY)  # least-recently-used order for eviction
    return layout


def _read_entry(entry: Path) -> Layout:
    info = json.loads((entry / _ENTRY).read_text(encoding="utf-8"))
    if info.get("version") != CACHE_VERSION:
        raise ValueError("cache entry of another version")
    rows = int(info["n"])
    raw = (entry / _XY).read_bytes()
    if len(raw) != info["xy_bytes"] or zlib.crc32(raw) != info["xy_crc32"]:
        raise ValueError("coordinates damaged")
    xy = np.load(entry / _XY, allow_pickle=False)
    if xy.shape != (rows, 2) or xy.dtype != np.float32:
        raise ValueError("coordinates do not match the entry")
    fitted = info.get("fitted_rows")
    return Layout(xy=np.ascontiguousarray(xy), params=LayoutParams.from_dict(info["params"]),
                  n_fitted=int(info["n_fitted"]), n_placed=int(info["n_placed"]),
                  seconds=float(info["seconds"]),
                  fitted_rows=None if fitted is None else np.asarray(fitted, dtype=np.int64), from_cache=True)


def store(key: str, layout: Layout) -> bool:
    """Write ``layout`` as the entry for ``key`` (atomically); False when it could not be written."""
    entry = cache_root() / key
    try:
        entry.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            (entry / _ENTRY).unlink()  # valid only once entry.json is written, last
        with atomic_write(entry / _XY) as fh:
            np.save(fh, np.ascontiguousarray(layout.xy, dtype=np.float32), allow_pickle=False)
        raw = (entry / _XY).read_bytes()
        info = {"version": CACHE_VERSION, "n": int(layout.xy.shape[0]), "params": layout.params.relevant(),
                "n_fitted": int(layout.n_fitted), "n_placed": int(layout.n_placed),
                "seconds": float(layout.seconds), "xy_bytes": len(raw), "xy_crc32": zlib.crc32(raw),
                "fitted_rows": None if layout.fitted_rows is None else [int(r) for r in layout.fitted_rows],
                "created": time.time()}
        with atomic_write(entry / _ENTRY, "w", encoding="utf-8") as fh:
            json.dump(info, fh)
    except OSError:
        shutil.rmtree(entry, ignore_errors=True)
        return False
    evict()
    return True


def evict(max_bytes: int = CACHE_MAX_BYTES) -> int:
    """Remove least recently used entries until the cache fits ``max_bytes``; returns how many."""
    return evict_lru(cache_root(), max_bytes, _ENTRY)


def clear() -> None:
    """Delete the whole layout cache."""
    shutil.rmtree(cache_root(), ignore_errors=True)
