"""Read and write every common embedding format.

Formats (:data:`FORMAT_NAMES`):

``word2vec``
    Text, first line ``count dims``, then ``label v1 ... vd`` per line.
``fasttext``
    fastText ``.vec``: the same layout as ``word2vec`` text.
``glove``
    Text without a header line.
``word2vec-binary``
    ``count dims`` line, then per row the label, a space and ``dims``
    little-endian float32 values, with (C tool) or without (gensim) a newline.
``tsv``
    TensorFlow Embedding Projector: ``vectors.tsv`` (tab-separated values,
    no labels) with an optional ``metadata.tsv`` beside it (one column
    without header = labels; several columns with a header row = labels
    from the first column, or a column named label/word/name/token/title,
    and the others as metadata columns).
``npy``
    A 2-D NumPy array with a labels sidecar (``X.labels.txt``, ``X.txt``,
    ``X.labels.tsv`` or ``labels.txt``: one label per line).
``npz``
    Arrays ``vectors`` and ``labels`` (or common alternative names).
``gensim``
    gensim's native ``.kv``/``.model`` files.  They are Python pickles,
    which can run code when opened, so they load only with ``allow_pickle=True``.
``parquet``, ``arrow``, ``feather``, ``csv``
    Tables (``_table_readers``): a vector column (lists or fixed-size lists of numbers) or numeric
    columns, a label column, every other column as metadata; ``vector_column`` / ``label_column``
    choose when the file leaves it open.  All but CSV need pyarrow (the ``arrow`` extra).

Text formats may be ``.gz`` or ``.bz2`` compressed.  Where a format has no
labels (``tsv`` without metadata, ``npy`` without sidecar, ``npz`` without a
labels array) rows are labelled by their number ``"0"``, ``"1"``, ... and a
warning says so.  ``numpy.load`` is always called with ``allow_pickle=False``.

This module is the entry point (:func:`load`, :func:`save`, :func:`detect_format`); the work is
done in private modules beside it: ``_sniff`` (opening files, detection), ``_stream_readers``
(text and word2vec binary), ``_array_readers`` (``.npy``/``.npz``), ``_sidecars`` (labels and
metadata files) and ``_writers``.  Only gensim's pickles are opened here, behind the consent check.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from embexplorer.core.data import cache as _cache
from embexplorer.core.data._array_readers import (
    FINITE_CHECK_ROWS,
    NPZ_LABEL_KEYS,
    NPZ_VECTOR_KEYS,
    _as_float32,
    _check_matrix,
    _load_npy,
    _load_npz,
    _pickle_refusal,
)
from embexplorer.core.data._sidecars import LABEL_COLUMN_NAMES, find_sidecar, metadata_path_for
from embexplorer.core.data._sniff import (
    FASTTEXT_BIN_MAGIC,
    FORMAT_NAMES,
    PICKLE_EXTENSIONS,
    SNIFF_BYTES,
    SNIFF_LINES,
    _check_file,
    detect_format,
)
from embexplorer.core.data._stream_readers import (
    COUNT_CHUNK_BYTES,
    DEFAULT_ENCODING,
    MAX_BINARY_LABEL_BYTES,
    MAX_HEADER_PREALLOC_BYTES,
    _load_text,
    _load_w2v_binary,
    check_encoding,
)
from embexplorer.core.data._table_readers import TABLE_FORMATS, ColumnChoiceNeeded, load_table
from embexplorer.core.data._writers import FORMAT_SAMPLE_ROWS, WRITE_CHUNK_ROWS, save, save_projector_tsv
from embexplorer.core.data.embeddings import EmbeddingSet
from embexplorer.core.data.memory import check_fits
from embexplorer.core.errors import DataError
from embexplorer.core.progress import TaskControl, ensure_control

#: Formats whose parse result is kept in the load cache (the others are fast or pickles).
CACHED_FORMATS = ("word2vec", "glove", "fasttext", "word2vec-binary", "tsv")
#: Bytes read per step when streaming a text or binary file.  :func:`load` hands the value it finds
#: here at call time to the streamed readers, so changing it here (tests use tiny steps, so that
#: every line crosses a step boundary) reaches them.
READ_CHUNK_BYTES = 1024 * 1024
#: From this many labels on, :func:`labels_repeat` sorts their hashes instead of filling a set.
HASH_CHECK_MIN_LABELS = 100_000


# -- public loading --------------------------------------------------------------------------------------

def load(path: str | os.PathLike, format: str | None = None, limit: int | None = None,
         control: TaskControl | None = None, use_cache: bool = True, allow_pickle: bool = False,
         metadata_path: str | os.PathLike | None = None, encoding: str = DEFAULT_ENCODING,
         vector_column: str | list[str] | None = None, label_column: str | None = None,
         defer_cache: bool = False) -> EmbeddingSet:
    """Load an embedding file into an :class:`EmbeddingSet`.

    Parameters
    ----------
    path : path-like
        The file (``vectors.tsv`` picks up a ``metadata.tsv`` beside it).
    format : str, optional
        One of :data:`FORMAT_NAMES`; detected when omitted.
    limit : int, optional
        Load only the first ``limit`` rows.
    control : TaskControl, optional
        Progress reports and cancellation (raises ``Cancelled``).
    use_cache : bool
        Reuse (and fill) the cache of parsed files in the user's cache folder.
    defer_cache : bool
        Do not write a freshly parsed set to the cache here (writing 3.6 GB takes 5-15 s): its key is
        left in ``emb.cache_key`` for :func:`store_cache`, e.g. in the background once the set is
        shown.
    allow_pickle : bool
        Consent to open gensim ``.kv``/``.model`` pickles (they can run code).
    metadata_path : path-like, optional
        Labels/metadata file for ``tsv`` and ``npy`` (found automatically otherwise).
    encoding : str
        Of the labels in word2vec, GloVe, fastText and word2vec binary files (gensim's default,
        UTF-8, unless chosen); bytes that do not decode become U+FFFD, each file says how many.
    vector_column, label_column : optional
        Tables (Parquet, Arrow, Feather, CSV): the vector column (or a list of numeric columns) and
        the label column; chosen by name and type when absent (``ColumnChoiceNeeded`` when that
        would be a guess).

    Returns
    -------
    EmbeddingSet
        With ``format``, ``source``, ``duplicates_dropped`` and ``warnings``
        set, plus an attribute ``from_cache`` (bool).  Vectors may be a
        read-only memory map (cache hits, float32 ``.npy`` files).

    Raises
    ------
    DataError
        Bad input, with file, line (or record) and reason.
    MemoryLimitError
        (a ``DataError``) The matrix would not fit in available memory
        (:mod:`embexplorer.core.data.memory`); ``.suggested_limit`` rows would.
    """
    path = Path(path)
    control = ensure_control(control)
    _check_file(path)
    fmt = format or detect_format(path)
    if fmt not in FORMAT_NAMES:
        raise DataError(f"unknown format {fmt!r} (known: {', '.join(FORMAT_NAMES)})", path)
    if limit is not None and limit < 1:
        raise DataError(f"limit must be at least 1, got {limit}", path)
    encoding = check_encoding(encoding, path)
    if fmt in ("tsv", "npy") and metadata_path is None:
        metadata_path = find_sidecar(path, fmt)
    key = None
    if use_cache and fmt in CACHED_FORMATS:
        key = _cache.cache_key(path, fmt, limit, metadata_path, encoding)
        emb = _cache.lookup(key)
        if emb is not None:
            emb.source = str(path)  # as the caller named it this time
            emb.from_cache = True
            control.progress(1.0, f"Loaded {path.name} from the cache", force=True)
            return emb
    # Memory guard: refuse a matrix that would not fit (MemoryLimitError suggests a limit)
    # before reading it, rather than be killed half-way; reads only the file's first bytes.
    check_fits(path, fmt, limit)
    extra = {"encoding": encoding} if _LOADERS[fmt] in (_load_text, _load_w2v_binary) else {}
    if fmt in TABLE_FORMATS:
        extra = {"vector_column": vector_column, "label_column": label_column}
    elif vector_column is not None or label_column is not None:
        raise DataError(f"--vector-column / --label-column are for tables ({', '.join(TABLE_FORMATS)}), "
                        f"not {fmt}", path)
    emb = _LOADERS[fmt](path, fmt, limit, control, allow_pickle, metadata_path, READ_CHUNK_BYTES, **extra)
    emb.source = str(path)
    emb.format = fmt
    emb = _drop_duplicates(emb)
    emb.from_cache = False
    emb.cache_key = key
    if key is not None and not defer_cache:
        control.progress(None, f"Caching {path.name}", force=True)
        store_cache(emb)
    return emb


def store_cache(emb: EmbeddingSet, control: TaskControl | None = None) -> bool:
    """Write the load-cache entry a ``load(..., defer_cache=True)`` left to write (see
    ``emb.cache_key``), so the file reopens in well under a second; True once written.

    A full or read-only cache folder is not an error (False); ``control`` reports progress and can
    cancel (``Cancelled``: no entry is left, nor any partial file).
    """
    key, emb.cache_key = emb.cache_key, None
    if key is None:
        return False
    with contextlib.suppress(OSError):  # a full or read-only cache folder must not fail the load
        return _cache.store(key, emb, control)
    return False


def labels_repeat(labels: list[str]) -> bool:
    """Whether any label occurs twice.

    Equal labels have equal hashes: sorted hashes with no two alike prove there is no repeat, without a
    set of every label (3,000,000 labels: 0.4 s instead of 0.9 s, and no ~250 MB of fresh table memory,
    whose first touch is the largest cost of a big load here).  The hashes are kept by the labels for
    the label index built later.  Alike hashes (a repeat, or rarely two labels colliding) are settled
    by the set.
    """
    if len(labels) >= HASH_CHECK_MIN_LABELS:
        h = np.fromiter(map(hash, labels), dtype=np.int64, count=len(labels))
        h.sort()
        if not (h[1:] == h[:-1]).any():
            return False
    return len(set(labels)) != len(labels)  # a set: ~2x faster than a dict (measured, 1M labels)


def _drop_duplicates(emb: EmbeddingSet) -> EmbeddingSet:
    labels = emb.labels
    if emb.labels_known_distinct or not labels_repeat(labels):
        return emb
    seen: set[str] = set()
    keep = np.ones(len(labels), dtype=bool)
    first_dup = None
    for i, lab in enumerate(labels):
        if lab in seen:
            keep[i] = False
            if first_dup is None:
                first_dup = (lab, i)
        else:
            seen.add(lab)
    dropped = int((~keep).sum())
    rows = np.flatnonzero(keep)
    warnings = list(emb.warnings)
    lab, row = first_dup
    warnings.append(f"{dropped:,} duplicate label(s) dropped, keeping the first of each "
                    f"(first: {lab!r}, row {row + 1})")
    out = EmbeddingSet([labels[i] for i in rows], np.ascontiguousarray(emb.vectors[rows]),
                       {k: c.take(rows) for k, c in emb.metadata.items()}, kind=emb.kind,
                       source=emb.source, format=emb.format,
                       duplicates_dropped=emb.duplicates_dropped + dropped, warnings=warnings)
    return out


# -- gensim (pickles: only with consent) -----------------------------------------------------------------

def _load_gensim(path: Path, fmt: str, limit: int | None, control: TaskControl, allow_pickle: bool,
                 _metadata_path, _read_bytes: int) -> EmbeddingSet:
    if not allow_pickle:
        raise _pickle_refusal(path, "a gensim .kv/.model file")
    from gensim.utils import SaveLoad

    control.progress(None, f"Unpickling {path.name}", force=True)
    try:
        obj = SaveLoad.load(str(path))
    except Exception as err:  # an unpickling failure can be anything
        raise DataError(f"gensim could not load it: {type(err).__name__}: {err}", path) from None
    kv = getattr(obj, "wv", obj)
    if not hasattr(kv, "index_to_key") or not hasattr(kv, "vectors"):
        raise DataError(f"holds a {type(obj).__name__}, not gensim KeyedVectors or a model with .wv", path)
    vectors = np.asarray(kv.vectors)
    _check_matrix(vectors, path)
    vectors = _as_float32(vectors, path, limit)
    labels = [str(k) for k in kv.index_to_key[:len(vectors)]]
    return EmbeddingSet(labels, vectors)


#: Reader per format, all called alike: (path, fmt, limit, control, allow_pickle, metadata_path,
#: read_bytes); each ignores the arguments its format has no use for.
_LOADERS: dict[str, Callable] = {
    "word2vec": _load_text, "fasttext": _load_text, "glove": _load_text, "tsv": _load_text,
    "word2vec-binary": _load_w2v_binary, "npy": _load_npy, "npz": _load_npz, "gensim": _load_gensim,
    **{fmt: load_table for fmt in TABLE_FORMATS},
}


def load_seconds(func: Callable[[], EmbeddingSet]) -> tuple[EmbeddingSet, float]:
    """Run a loading call and time it (used by ``embexplorer info``)."""
    t0 = time.perf_counter()
    emb = func()
    return emb, time.perf_counter() - t0


__all__ = ["CACHED_FORMATS", "COUNT_CHUNK_BYTES", "DEFAULT_ENCODING", "FASTTEXT_BIN_MAGIC", "TABLE_FORMATS",
           "ColumnChoiceNeeded",
           "FINITE_CHECK_ROWS", "FORMAT_NAMES", "FORMAT_SAMPLE_ROWS", "LABEL_COLUMN_NAMES",
           "MAX_BINARY_LABEL_BYTES", "MAX_HEADER_PREALLOC_BYTES", "NPZ_LABEL_KEYS", "NPZ_VECTOR_KEYS",
           "PICKLE_EXTENSIONS", "READ_CHUNK_BYTES", "SNIFF_BYTES", "SNIFF_LINES", "WRITE_CHUNK_ROWS",
           "detect_format", "find_sidecar", "load", "load_seconds", "metadata_path_for", "save",
           "save_projector_tsv"]
