"""A cache of parsed embedding files, so a second opening takes well under a second.

An entry holds the float32 matrix as ``vectors.npy`` (opened again with
``mmap_mode="r"``: no parse, no copy), the labels as one UTF-8 text file
(one per line), optional metadata columns in ``metadata.npz`` and
``entry.json``, written last, which describes and validates the rest.  The
key is derived from the file's absolute path, size and modification time
(plus format, limit and metadata file), so an edited file misses the cache.
An entry that fails validation is deleted and rebuilt, never trusted.
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

from embexplorer.core.atomic import atomic_write
from embexplorer.core.data.embeddings import EmbeddingSet, MetadataColumn
from embexplorer.core.paths import cache_dir
from embexplorer.core.progress import TaskControl, ensure_control

#: Bump when the entry layout or what a load returns changes: older entries then simply miss.
#: 2: labels decoded per label like gensim (broken UTF-8 replaced, tabs kept), not latin-1.
CACHE_VERSION = 2
#: Sub-folder of the user's cache folder holding load-cache entries.
CACHE_SUBDIR = "loads"
#: Total size the load cache may reach before the least recently used entries are evicted.
CACHE_MAX_BYTES = 8 * 1024 ** 3
#: Bytes of the matrix written per step (between them a store can be cancelled and says how far it is).
WRITE_STEP_BYTES = 64 * 1024 ** 2
_ENTRY = "entry.json"
_VECTORS = "vectors.npy"
_LABELS = "labels.txt"
_METADATA = "metadata.npz"


def cache_root() -> Path:
    """Folder holding the load-cache entries."""
    return cache_dir() / CACHE_SUBDIR


def _stat_part(path: str | os.PathLike | None) -> list:
    if path is None:
        return [None]
    p = Path(path).resolve()
    st = p.stat()
    return [str(p), st.st_size, st.st_mtime_ns]


def cache_key(path, fmt: str, limit: int | None, metadata_path=None, encoding: str = "utf-8") -> str:
    """Key of a file's entry: absolute path, size, mtime, format, limit, metadata file, label encoding."""
    parts = [CACHE_VERSION, *_stat_part(path), fmt, limit, *_stat_part(metadata_path), encoding]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


def lookup(key: str) -> EmbeddingSet | None:
    """The cached set for ``key``, or None (a damaged entry is removed).

    The vectors come back as a read-only memory map (float32, C-contiguous).
    """
    entry = cache_root() / key
    if not (entry / _ENTRY).is_file():
        return None
    try:
        emb = _read_entry(entry)
    except Exception:  # any damage at all: drop the entry and parse the file again
        shutil.rmtree(entry, ignore_errors=True)
        return None
    with contextlib.suppress(OSError):
        os.utime(entry / _ENTRY)  # least-recently-used order for eviction
    return emb


def _read_entry(entry: Path) -> EmbeddingSet:
    info = json.loads((entry / _ENTRY).read_text(encoding="utf-8"))
    if info.get("version") != CACHE_VERSION:
        raise ValueError("cache entry of another version")
    n, dims = int(info["n"]), int(info["dims"])
    if (entry / _VECTORS).stat().st_size != info["vectors_bytes"]:
        raise ValueError("vectors file size changed")
    vectors = np.load(entry / _VECTORS, mmap_mode="r", allow_pickle=False)
    if vectors.shape != (n, dims) or vectors.dtype != np.float32 or not vectors.flags.c_contiguous:
        raise ValueError("vectors do not match the entry")
    raw = (entry / _LABELS).read_bytes()
    if len(raw) != info["labels_bytes"] or zlib.crc32(raw) != info["labels_crc32"]:
        raise ValueError("labels file damaged")
    labels = raw.decode("utf-8").split("\n") if n else []
    if len(labels) != n:
        raise ValueError("label count does not match")
    metadata = {}
    if info.get("metadata"):
        with np.load(entry / _METADATA, allow_pickle=False) as z:
            for i, (name, kind) in enumerate(info["metadata"]):
                if kind == "categorical":
                    metadata[name] = MetadataColumn(name, kind, codes=z[f"c{i}"],
                                                    categories=[str(c) for c in z[f"k{i}"]])
                else:
                    metadata[name] = MetadataColumn(name, kind, values=z[f"v{i}"])
    emb = EmbeddingSet(labels, vectors, metadata, kind=info.get("kind", "word"), source=info["source"],
                       format=info["format"], duplicates_dropped=info["duplicates_dropped"],
                       warnings=info["warnings"])
    return emb


def store(key: str, emb: EmbeddingSet, control: TaskControl | None = None) -> bool:
    """Write ``emb`` as the entry for ``key`` (atomically); False when it is too big to keep
    or a label holds a newline (labels are stored one per line).

    The matrix is written :data:`WRITE_STEP_BYTES` at a time, with progress and cancellation
    through ``control`` (``Cancelled`` leaves no entry and no partial file)."""
    control = ensure_control(control)
    vec_bytes = emb.vectors.nbytes
    if vec_bytes > CACHE_MAX_BYTES:
        return False
    raw = "\n".join(emb.labels).encode("utf-8")
    if raw.count(b"\n") != max(emb.n - 1, 0):  # a label holding a newline cannot be kept one per line
        return False
    entry = cache_root() / key
    entry.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        (entry / _ENTRY).unlink()  # an entry is valid only once entry.json is written, last
    with atomic_write(entry / _VECTORS) as fh:
        _write_npy(fh, np.ascontiguousarray(emb.vectors, dtype=np.float32), control)
    with atomic_write(entry / _LABELS) as fh:
        fh.write(raw)
    meta_desc = []
    if emb.metadata:
        arrays = {}
        for i, (name, col) in enumerate(emb.metadata.items()):
            meta_desc.append([name, col.kind])
            if col.kind == "categorical":
                arrays[f"c{i}"] = col.codes
                arrays[f"k{i}"] = np.array(col.categories, dtype=str)
            else:
                arrays[f"v{i}"] = col.values
        with atomic_write(entry / _METADATA) as fh:
            np.savez(fh, **arrays)
    info = {
        "version": CACHE_VERSION, "source": emb.source, "format": emb.format, "kind": emb.kind,
        "n": emb.n, "dims": emb.dims, "duplicates_dropped": emb.duplicates_dropped,
        "warnings": list(emb.warnings), "vectors_bytes": (entry / _VECTORS).stat().st_size,
        "labels_bytes": len(raw), "labels_crc32": zlib.crc32(raw), "metadata": meta_desc,
        "created": time.time(),
    }
    with atomic_write(entry / _ENTRY, "w", encoding="utf-8") as fh:
        json.dump(info, fh)
    evict()
    return True


def _write_npy(fh, X: np.ndarray, control: TaskControl) -> None:
    """``np.save(fh, X)`` for a C-contiguous array, a step at a time (same bytes)."""
    np.lib.format.write_array_header_1_0(fh, np.lib.format.header_data_from_array_1_0(X))
    flat = X.reshape(-1).view(np.uint8)
    for start in range(0, len(flat), WRITE_STEP_BYTES):
        control.check()
        fh.write(flat[start:start + WRITE_STEP_BYTES].data)
        control.progress(min(1.0, (start + WRITE_STEP_BYTES) / max(len(flat), 1)))


def _entry_size(entry: Path) -> int:
    return sum(f.stat().st_size for f in entry.iterdir() if f.is_file())


def evict(max_bytes: int = CACHE_MAX_BYTES) -> int:
    """Remove least recently used entries until the cache fits ``max_bytes``; returns how many."""
    return evict_lru(cache_root(), max_bytes, _ENTRY)


def evict_lru(root: Path, max_bytes: int, marker: str) -> int:
    """Remove the least recently written entry folders of ``root`` (by the time of their ``marker``
    file, written last) until they fit ``max_bytes``; returns how many.  Shared by every cache."""
    if not root.is_dir():
        return 0
    entries = []
    for e in root.iterdir():
        if not e.is_dir():
            continue
        try:
            entries.append(((e / marker).stat().st_mtime, _entry_size(e), e))
        except OSError:  # half-written or damaged: counts as oldest
            entries.append((0.0, 0, e))
    total = sum(s for _, s, _ in entries)
    removed = 0
    for _, size, e in sorted(entries, key=lambda t: t[0]):
        if total <= max_bytes:
            break
        shutil.rmtree(e, ignore_errors=True)
        total -= size
        removed += 1
    return removed


def clear() -> None:
    """Delete the whole load cache."""
    shutil.rmtree(cache_root(), ignore_errors=True)
