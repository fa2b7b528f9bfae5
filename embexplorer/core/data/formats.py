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

Text formats may be ``.gz`` or ``.bz2`` compressed.  Where a format has no
labels (``tsv`` without metadata, ``npy`` without sidecar, ``npz`` without a
labels array) rows are labelled by their number ``"0"``, ``"1"``, ... and a
warning says so.  ``numpy.load`` is always called with ``allow_pickle=False``.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from embexplorer.core.atomic import atomic_write
from embexplorer.core.data import cache as _cache
from embexplorer.core.data._textparse import header_counts, is_number, parse_block, trailing_numbers
from embexplorer.core.data.embeddings import EmbeddingSet, MetadataColumn
from embexplorer.core.data.memory import check_fits
from embexplorer.core.errors import DataError
from embexplorer.core.progress import TaskControl, ensure_control

#: Every format name accepted by :func:`load` and :func:`save` (and ``--format``).
FORMAT_NAMES = ("word2vec", "glove", "fasttext", "word2vec-binary", "tsv", "npy", "npz", "gensim")
#: Formats whose parse result is kept in the load cache (the others are fast or pickles).
CACHED_FORMATS = ("word2vec", "glove", "fasttext", "word2vec-binary", "tsv")
#: Bytes read per step when streaming a text or binary file.
READ_CHUNK_BYTES = 1024 * 1024
#: Bytes read per step by the newline-counting pre-pass.
COUNT_CHUNK_BYTES = 4 * 1024 * 1024
#: Bytes examined when sniffing a file's format.
SNIFF_BYTES = 64 * 1024
#: Lines examined to tell a numbers-only file (projector TSV) from GloVe.
SNIFF_LINES = 20
#: First bytes of a fastText native .bin model (magic number 793712314, little-endian).
FASTTEXT_BIN_MAGIC = (793712314).to_bytes(4, "little")
#: Largest matrix preallocated from a compressed file's header count (it cannot be checked first).
MAX_HEADER_PREALLOC_BYTES = 16 * 1024 ** 3
#: Longest label accepted in a word2vec binary file (longer means the file is not one).
MAX_BINARY_LABEL_BYTES = 4096
#: Rows checked for NaN/inf per step (bounds the temporary boolean array).
FINITE_CHECK_ROWS = 65536
#: Extensions of gensim's pickled files.
PICKLE_EXTENSIONS = (".kv", ".model", ".pkl", ".pickle")
#: Names tried for the vectors array in an ``.npz`` file, in order.
NPZ_VECTOR_KEYS = ("vectors", "embeddings", "embedding", "vecs", "vectors_vocab", "weights", "matrix",
                   "X", "arr_0")
#: Names tried for the labels array in an ``.npz`` file, in order.
NPZ_LABEL_KEYS = ("labels", "words", "vocab", "tokens", "keys", "index_to_key", "names", "items",
                  "arr_1")
#: Metadata column names taken as the label column of a projector ``metadata.tsv``.
LABEL_COLUMN_NAMES = ("label", "labels", "word", "words", "name", "token", "title", "item")

_COMPRESSED = {".gz": "gzip", ".bz2": "bz2"}


# -- opening files ---------------------------------------------------------------------------------------

def _compression(path: Path) -> str | None:
    with open(path, "rb") as fh:
        magic = fh.read(3)
    if magic[:2] == b"\x1f\x8b":
        return "gzip"
    if magic == b"BZh":
        return "bz2"
    return None


@contextlib.contextmanager
def _open_bytes(path: Path):
    """Binary stream of the (decompressed) content, plus the raw file for progress."""
    comp = _compression(path)
    raw = open(path, "rb")  # noqa: SIM115 - closed below
    try:
        if comp == "gzip":
            stream = gzip.GzipFile(fileobj=raw, mode="rb")
        elif comp == "bz2":
            stream = bz2.BZ2File(raw, mode="rb")
        else:
            stream = raw
        try:
            yield stream, raw, comp
        except (OSError, EOFError) as err:
            if comp and not isinstance(err, FileNotFoundError):
                raise DataError(f"damaged {comp} data: {err}", path) from None
            raise
    finally:
        raw.close()


def _base_suffix(path: Path) -> str:
    """Extension ignoring a compression suffix: ``x.txt.gz`` -> ``.txt``."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSED:
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def _check_file(path: Path) -> None:
    if path.is_dir():
        raise DataError("is a directory, not an embedding file", path)
    if not path.exists():
        raise DataError("no such file", path)
    if path.stat().st_size == 0:
        raise DataError("file is empty", path)


def _head(path: Path, n: int = SNIFF_BYTES) -> bytes:
    try:
        with _open_bytes(path) as (stream, _raw, _comp):
            return stream.read(n)
    except (OSError, EOFError) as err:
        raise DataError(f"cannot read: {err}", path) from None


def _looks_binary(data: bytes) -> bool:
    """Control bytes other than whitespace: not a text file."""
    sample = np.frombuffer(data[:4096], dtype=np.uint8)
    ctrl = (sample < 9) | ((sample > 13) & (sample < 32)) | (sample == 127)
    return bool(ctrl.any())


# -- detection -------------------------------------------------------------------------------------------

def detect_format(path: str | os.PathLike) -> str:
    """Name the format of ``path`` from its extension and its first bytes.

    Raises
    ------
    DataError
        For a directory, a missing or empty file, or content of no known format.
    """
    path = Path(path)
    _check_file(path)
    ext = _base_suffix(path)
    head = _head(path)
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    if head.startswith(b"PK\x03\x04"):
        return "npz"
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return "gensim"
    if not head.strip():
        raise DataError("file is empty (only whitespace)", path)
    first, _, rest = head.partition(b"\n")
    header = header_counts(first) if b"\t" not in first else None  # "1<TAB>2" is a projector row
    if header is not None:
        second = rest.split(b"\n", 1)[0]
        parts = second.split()
        if b"\n" not in rest and len(parts) > 1:
            parts = parts[:-1]  # the head ends inside a long first row: its last value may be cut
        # Text when the row after the header is a label and numbers (however many: a wrong
        # count is reported by the loader with its line); binary floats never all read as numbers.
        if not _looks_binary(rest) and len(parts) > 1 and all(is_number(p) for p in parts[1:]):
            return "fasttext" if ext == ".vec" else "word2vec"
        return "word2vec-binary"
    if _looks_binary(head):
        if head[:4] == FASTTEXT_BIN_MAGIC:
            raise DataError("a fastText native .bin model, not word2vec binary: open the .vec file that "
                            "fastText writes beside it", path)
        if ext in PICKLE_EXTENSIONS:
            return "gensim"
        raise DataError("binary data of no known embedding format (expected word2vec text or binary, "
                        "GloVe, projector TSV, .npy, .npz)", path, 1)
    # Numbers only (TF Projector vectors.tsv, np.savetxt output): no labels.  A GloVe file
    # has a word first on (nearly) every line, so a few lines decide.
    lines = head.split(b"\n")
    if len(head) == SNIFF_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the head may end inside a line
    sample = [ln for ln in lines[:SNIFF_LINES] if ln.strip()]
    if all(all(is_number(p) for p in ln.split()) for ln in sample):
        return "tsv"
    return "fasttext" if ext == ".vec" else "glove"


# -- public loading --------------------------------------------------------------------------------------

def load(path: str | os.PathLike, format: str | None = None, limit: int | None = None,
         control: TaskControl | None = None, use_cache: bool = True, allow_pickle: bool = False,
         metadata_path: str | os.PathLike | None = None) -> EmbeddingSet:
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
    allow_pickle : bool
        Consent to open gensim ``.kv``/``.model`` pickles (they can run code).
    metadata_path : path-like, optional
        Labels/metadata file for ``tsv`` and ``npy`` (found automatically otherwise).

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
    if fmt in ("tsv", "npy") and metadata_path is None:
        metadata_path = find_sidecar(path, fmt)
    key = None
    if use_cache and fmt in CACHED_FORMATS:
        key = _cache.cache_key(path, fmt, limit, metadata_path)
        emb = _cache.lookup(key)
        if emb is not None:
            emb.source = str(path)  # as the caller named it this time
            emb.from_cache = True
            control.progress(1.0, f"Loaded {path.name} from the cache", force=True)
            return emb
    # Memory guard: refuse a matrix that would not fit (MemoryLimitError suggests a limit)
    # before reading it, rather than be killed half-way; reads only the file's first bytes.
    check_fits(path, fmt, limit)
    emb = _LOADERS[fmt](path, fmt, limit, control, allow_pickle, metadata_path)
    emb.source = str(path)
    emb.format = fmt
    emb = _drop_duplicates(emb)
    emb.from_cache = False
    if key is not None:
        control.progress(None, f"Caching {path.name}", force=True)
        with contextlib.suppress(OSError):  # a full or read-only cache folder must not fail the load
            _cache.store(key, emb)
    return emb


def find_sidecar(path: str | os.PathLike, fmt: str | None = None) -> Path | None:
    """The labels/metadata file belonging to a ``vectors.tsv`` or ``.npy`` file, if any."""
    path = Path(path)
    name = path.name
    candidates = []
    if fmt == "npy" or name.lower().endswith(".npy"):
        stem = name[:-4]
        candidates += [f"{stem}.labels.txt", f"{stem}.txt", f"{stem}.labels.tsv", f"{stem}.metadata.tsv",
                       "labels.txt"]
    else:
        base = name
        for comp in _COMPRESSED:
            if base.lower().endswith(comp):
                base = base[:-len(comp)]
        if "vectors" in base:
            candidates.append(base.replace("vectors", "metadata"))
        stem = base[:-4] if base.lower().endswith(".tsv") else base
        candidates += [f"{stem}.metadata.tsv", f"{stem}_metadata.tsv"]
        if "vectors" in base:
            candidates.append("metadata.tsv")
    for cand in candidates:
        p = path.with_name(cand)
        if p != path and p.is_file():
            return p
    return None


def _drop_duplicates(emb: EmbeddingSet) -> EmbeddingSet:
    labels = emb.labels
    if len(dict.fromkeys(labels)) == len(labels):
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


# -- label decoding ---------------------------------------------------------------------------------------

class _LabelDecoder:
    """UTF-8 first; latin-1 (never fails) for labels that are not, with one summary warning."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fallbacks = 0
        self.first_line: int | None = None

    def decode(self, raw: list[bytes], lines: list[int] | None, first_line: int) -> list[str]:
        if not raw:
            return []
        try:
            out = b"\n".join(raw).decode("utf-8").split("\n")
            if len(out) == len(raw):  # else a label holds a newline (binary files): decode one by one
                return out
        except UnicodeDecodeError:
            pass
        out = []
        for i, b in enumerate(raw):
            try:
                out.append(b.decode("utf-8"))
            except UnicodeDecodeError:
                out.append(b.decode("latin-1"))
                self.fallbacks += 1
                if self.first_line is None:
                    self.first_line = lines[i] if lines is not None else first_line + i
        return out

    def warning(self) -> str | None:
        if not self.fallbacks:
            return None
        return (f"{self.fallbacks:,} label(s) are not valid UTF-8 and were read as latin-1 "
                f"(first at line {self.first_line})")


# -- text formats -----------------------------------------------------------------------------------------

def _count_lines(path: Path, control: TaskControl) -> int:
    """Number of lines of an uncompressed file (a fast pre-pass: sizes the matrix)."""
    n = 0
    last = b"\n"
    with open(path, "rb") as fh:
        while True:
            block = fh.read(COUNT_CHUNK_BYTES)
            if not block:
                break
            n += block.count(b"\n")
            last = block[-1:]
            control.check()
    return n + (last != b"\n")


class _Rows:
    """Rows collected into a preallocated matrix when the count is known, else into chunks."""

    def __init__(self, capacity: int | None, dims: int) -> None:
        self.dims = dims
        self.n = 0
        self.matrix = np.empty((capacity, dims), dtype=np.float32) if capacity is not None else None
        self.parts: list[np.ndarray] = []

    def add(self, rows: np.ndarray) -> None:
        k = len(rows)
        if self.matrix is not None:
            if self.n + k > len(self.matrix):  # more rows than counted (file grew meanwhile)
                grown = np.empty((self.n + k, self.dims), dtype=np.float32)
                grown[:self.n] = self.matrix[:self.n]
                self.matrix = grown
            self.matrix[self.n:self.n + k] = rows
        else:
            self.parts.append(rows)
        self.n += k

    def result(self) -> np.ndarray:
        if self.matrix is not None:
            return self.matrix[:self.n] if self.n < len(self.matrix) else self.matrix
        if not self.parts:
            return np.empty((0, self.dims), dtype=np.float32)
        return np.concatenate(self.parts) if len(self.parts) > 1 else self.parts[0]


def _first_data_line(data: bytes) -> tuple[bytes, int]:
    """First non-blank line of ``data`` and its 1-based number."""
    for i, line in enumerate(data.split(b"\n")):
        if line.strip():
            return line, i + 1
    return b"", 0


def _load_text(path: Path, fmt: str, limit: int | None, control: TaskControl, _allow_pickle: bool,
               metadata_path: Path | None) -> EmbeddingSet:
    has_label = fmt != "tsv"
    size = path.stat().st_size
    name = path.name
    decoder = _LabelDecoder(path)
    labels: list[str] = []
    with _open_bytes(path) as (stream, raw, comp):
        data = stream.read(READ_CHUNK_BYTES)
        # The first non-blank line decides header and dimensions: it must be complete, even
        # when it is longer than one read step (a huge line).
        pieces = [data]
        while b"\n" not in data.lstrip():
            more = stream.read(READ_CHUNK_BYTES)
            if not more:
                break
            pieces.append(more)
            if b"\n" in more:
                data = b"".join(pieces)
        data = b"".join(pieces)
        if not data.strip():
            raise DataError("file is empty", path)
        line_no = 1
        first, _, rest = data.partition(b"\n")
        header = header_counts(first) if has_label and b"\t" not in first else None
        if fmt in ("word2vec", "fasttext") and header is None:
            raise DataError(f"expected a header line 'count dims' for the {fmt} format "
                            "(a file without one is GloVe: use --format glove)", path, 1)
        if header is not None:
            count, dims = header
            if count < 1 or dims < 1:
                raise DataError(f"header gives {count} rows of {dims} dimensions", path, 1)
            data = rest
            line_no = 2
        else:
            first, first_no = _first_data_line(data)
            if b"\x00" in first:
                raise DataError("binary data in a text file", path, first_no)
            parts = first.split()
            if has_label:
                # Trailing numeric fields are the vector (a label may contain spaces).
                dims = min(trailing_numbers(parts), len(parts) - 1)
                if dims < 1:
                    raise DataError("expected a label followed by numbers", path, first_no)
            else:
                dims = len(parts)
            count = None if comp else _count_lines(path, control)
        capacity = count
        if header is not None:
            # Never trust a header with memory: every row takes at least 2 bytes per value.
            if comp is None:
                if 2 * dims > size:
                    raise DataError(f"header says {dims:,} dimensions but the file is only {size:,} bytes",
                                    path, 1)
                capacity = min(count, size // (2 * dims) + 1)
            elif count * dims * 4 > MAX_HEADER_PREALLOC_BYTES:
                capacity = None  # grow as rows arrive
        if limit is not None:
            capacity = limit if capacity is None else min(capacity, limit)
        rows = _Rows(capacity, dims)
        pending = data
        eof = False
        while True:
            cut = pending.rfind(b"\n") + 1
            while cut == 0 and not eof:  # need at least one complete line
                more = stream.read(READ_CHUNK_BYTES)
                if more:
                    pending += more
                    cut = pending.rfind(b"\n") + 1
                else:
                    eof = True
            if eof:
                block, pending = pending, b""
            else:
                block, pending = pending[:cut], pending[cut:]
            if block:
                remaining = None if limit is None else limit - rows.n
                if header is not None:
                    # One row past the count is enough to report "more rows than the header says".
                    extra = header[0] + 1 - rows.n
                    remaining = extra if remaining is None else min(remaining, extra)
                lab, mat, lines = parse_block(block, dims, has_label, line_no, path, remaining)
                if has_label:
                    labels += decoder.decode(lab, lines, line_no)
                rows.add(mat)
                line_no += block.count(b"\n")
            if eof or (limit is not None and rows.n >= limit) or (header is not None and rows.n > header[0]):
                break
            control.progress(min(raw.tell() / size, 1.0) if size else None,
                             f"Reading {name}: {rows.n:,} rows")
            more = stream.read(READ_CHUNK_BYTES)
            if more:
                pending += more
            else:
                eof = True
    if header is not None:
        if rows.n > header[0]:
            raise DataError(f"more rows than the header's count of {header[0]:,}", path, header[0] + 2)
        if rows.n < header[0] and (limit is None or rows.n < limit):
            raise DataError(f"header says {header[0]:,} rows but the file ends after {rows.n:,} "
                            "(truncated?)", path, line_no)
    if rows.n == 0:
        raise DataError("no rows found", path)
    vectors = rows.result()
    warnings = []
    if decoder.warning():
        warnings.append(decoder.warning())
    metadata = {}
    if not has_label:
        labels, metadata, meta_warn = _labels_from_sidecar(metadata_path, vectors.shape[0], path)
        warnings += meta_warn
    control.progress(1.0, f"Read {name}: {vectors.shape[0]:,} rows", force=True)
    return EmbeddingSet(labels, vectors, metadata, warnings=warnings)


# -- metadata / label sidecars -----------------------------------------------------------------------------

def _read_text_lines(path: Path) -> tuple[list[str], list[str]]:
    raw = path.read_bytes()
    warnings = []
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        text = raw.decode("latin-1")
        warnings.append(f"{path.name} is not valid UTF-8 (line {line}); read as latin-1")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln.rstrip("\r") for ln in lines], warnings


def _labels_from_sidecar(meta_path: Path | None, n: int, data_path: Path):
    """Labels and metadata columns for ``n`` rows from a sidecar file (or row numbers)."""
    if meta_path is None:
        return ([str(i) for i in range(n)], {},
                [f"no labels file found beside {data_path.name}; rows are labelled by their number"])
    meta_path = Path(meta_path)
    if meta_path.is_dir():
        raise DataError("is a directory, not a labels file", meta_path)
    lines, warnings = _read_text_lines(meta_path)
    if any("\t" in ln for ln in lines[:2]):
        header = lines[0].split("\t")
        body = [ln.split("\t") for ln in lines[1:]]
        for i, row in enumerate(body):
            if len(row) != len(header):
                raise DataError(f"expected {len(header)} tab-separated columns, found {len(row)}",
                                meta_path, i + 2)
        first_line = 2
    else:
        header = None
        body = [[ln] for ln in lines]
        first_line = 1
    if len(body) < n:
        raise DataError(f"{len(body):,} labels for {n:,} vectors", meta_path, first_line + len(body))
    if len(body) > n:
        if n < len(body):  # a limit, or a longer labels file: use the first n
            body = body[:n]
    if header is None:
        return [r[0] for r in body], {}, warnings
    lower = [h.strip().lower() for h in header]
    label_col = next((i for i, h in enumerate(lower) if h in LABEL_COLUMN_NAMES), 0)
    labels = [r[label_col] for r in body]
    metadata = {}
    for j, name in enumerate(header):
        if j == label_col:
            continue
        metadata[name or f"column {j + 1}"] = MetadataColumn.from_values(name or f"column {j + 1}",
                                                                       [r[j] for r in body])
    return labels, metadata, warnings


# -- word2vec binary ---------------------------------------------------------------------------------------

def _load_w2v_binary(path: Path, fmt: str, limit: int | None, control: TaskControl, _allow_pickle: bool,
                     _metadata_path) -> EmbeddingSet:
    size = path.stat().st_size
    with _open_bytes(path) as (stream, raw, _comp):
        buf = stream.read(READ_CHUNK_BYTES)
        nl = buf.find(b"\n")
        header = header_counts(buf[:nl]) if nl >= 0 else None
        if header is None:
            raise DataError("expected a header line 'count dims' (is this a word2vec binary file?)", path, 1)
        count, dims = header
        if count < 1 or dims < 1:
            raise DataError(f"header gives {count} rows of {dims} dimensions", path, 1)
        n = count if limit is None else min(count, limit)
        rec = 4 * dims
        # Never trust a header with memory: a truncated file fails below at its last record.
        bound = size // rec + 1 if _comp is None else MAX_HEADER_PREALLOC_BYTES // rec
        out = np.empty((min(n, bound), dims), dtype=np.float32)
        raw_labels: list[bytes] = []
        pos = nl + 1
        eof = False
        i = 0
        while i < n:
            # Records in this buffer: label, space, dims float32; the C tool adds "\n" after each.
            # The vector bytes are gathered and converted once per buffer (one copy, no per-row numpy).
            view = memoryview(buf)
            parts = []
            i0 = i
            while i < n:
                while pos < len(buf) and buf[pos] in b"\n\r":
                    pos += 1
                sp = buf.find(b" ", pos, pos + MAX_BINARY_LABEL_BYTES + 1)
                if sp < 0 or sp + 1 + rec > len(buf):
                    if sp < 0 and len(buf) - pos > MAX_BINARY_LABEL_BYTES:
                        raise DataError(f"record {i + 1}: no label found (not a word2vec binary file, "
                                        "or damaged)", path, i + 1)
                    break
                raw_labels.append(buf[pos:sp])
                pos = sp + 1 + rec
                parts.append(view[sp + 1:pos])
                i += 1
            if parts:
                while i > len(out):  # only past MAX_HEADER_PREALLOC_BYTES of compressed data
                    out = np.concatenate([out, np.empty_like(out)])
                out[i0:i] = np.frombuffer(b"".join(parts), dtype="<f4").reshape(i - i0, dims)
            del parts, view  # release the buffer before it is replaced
            if i >= n:
                break
            if eof:
                raise DataError(f"file ends inside record {i + 1} of {count:,} (truncated?)", path, i + 1)
            more = stream.read(READ_CHUNK_BYTES)
            if not more:
                eof = True
            buf = buf[pos:] + more
            pos = 0
            control.progress(min(raw.tell() / size, 1.0), f"Reading {path.name}: {i:,} rows")
    out = out[:n]
    decoder = _LabelDecoder(path)
    labels = decoder.decode(raw_labels, list(range(1, n + 1)), 1)
    labels = [lab.strip() for lab in labels]
    bad = _first_nonfinite(out)
    if bad is not None:
        raise DataError(f"NaN or infinite value in record {bad + 1}", path, bad + 1)
    warnings = [decoder.warning()] if decoder.warning() else []
    control.progress(1.0, f"Read {path.name}: {n:,} rows", force=True)
    return EmbeddingSet(labels, out, warnings=warnings)


def _first_nonfinite(vectors: np.ndarray) -> int | None:
    """Index of the first row holding NaN or inf (checked in blocks), else None."""
    for start in range(0, len(vectors), FINITE_CHECK_ROWS):
        block = vectors[start:start + FINITE_CHECK_ROWS]
        ok = np.isfinite(block).all(axis=1)
        if not ok.all():
            return start + int(np.argmin(ok))
    return None


# -- numpy ---------------------------------------------------------------------------------------------------

def _check_matrix(arr: np.ndarray, path: Path, what: str = "array") -> None:
    if arr.ndim != 2:
        raise DataError(f"expected a 2-D {what} (rows x dims), got shape {arr.shape}", path)
    if arr.dtype.kind not in "fiu":
        raise DataError(f"expected a numeric {what}, got dtype {arr.dtype}", path)
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise DataError(f"the {what} is empty (shape {arr.shape})", path)


def _as_float32(arr: np.ndarray, path: Path, limit: int | None) -> np.ndarray:
    if limit is not None:
        arr = arr[:limit]
    if arr.dtype != np.float32 or not arr.flags.c_contiguous:
        out = np.empty(arr.shape, dtype=np.float32)
        with np.errstate(over="ignore", invalid="ignore"):  # beyond float32 becomes inf: reported below
            for s in range(0, len(arr), FINITE_CHECK_ROWS):
                out[s:s + FINITE_CHECK_ROWS] = arr[s:s + FINITE_CHECK_ROWS]
        arr = out
    bad = _first_nonfinite(arr)
    if bad is not None:
        raise DataError(f"NaN or infinite value in row {bad + 1}", path, bad + 1)
    return arr


def _pickle_refusal(path: Path, what: str) -> DataError:
    err = DataError(f"{what} is a Python pickle, which can run arbitrary code when opened, so it is not "
                    "loaded by default; if you trust the file, allow pickles (--allow-pickle, or confirm "
                    "in the dialog)", path)
    err.needs_consent = True  # the GUI asks the user, then retries with allow_pickle=True
    return err


def _load_npy(path: Path, fmt: str, limit: int | None, control: TaskControl, _allow_pickle: bool,
              metadata_path: Path | None) -> EmbeddingSet:
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as err:
        if "pickle" in str(err).lower() or "object" in str(err).lower():
            raise _pickle_refusal(path, "this .npy holds Python objects; it") from None
        raise DataError(f"not a readable .npy file: {err}", path) from None
    except Exception as err:  # noqa: BLE001 -- numpy's header parser raises SyntaxError, TokenError, ...
        raise DataError(f"not a readable .npy file: {type(err).__name__}: {err}", path) from None
    _check_matrix(arr, path)
    control.progress(0.2, f"Reading {path.name}")
    vectors = _as_float32(arr, path, limit)
    labels, metadata, warnings = _labels_from_sidecar(metadata_path, len(vectors), path)
    return EmbeddingSet(labels, vectors, metadata, warnings=warnings)


def _load_npz(path: Path, fmt: str, limit: int | None, control: TaskControl, _allow_pickle: bool,
              metadata_path: Path | None) -> EmbeddingSet:
    try:
        z = np.load(path, allow_pickle=False)
    except Exception as err:  # noqa: BLE001 -- damaged zips raise BadZipFile, NotImplementedError, ...
        raise DataError(f"not a readable .npz file: {type(err).__name__}: {err}", path) from None
    with z:
        names = list(z.files)
        vkey = next((k for k in NPZ_VECTOR_KEYS if k in names), None)
        lkey = next((k for k in NPZ_LABEL_KEYS if k in names and k != vkey), None)
        try:
            if vkey is None:
                two_d = [k for k in names if z[k].ndim == 2]
                if len(two_d) != 1:
                    raise DataError(f"no vectors array found (looked for {', '.join(NPZ_VECTOR_KEYS)}; "
                                    f"file has {', '.join(names) or 'no arrays'})", path)
                vkey = two_d[0]
            arr = z[vkey]
            _check_matrix(arr, path, f"array {vkey!r}")
            vectors = _as_float32(arr, path, limit)
            warnings: list[str] = []
            metadata = {}
            if lkey is not None:
                lab = z[lkey]
                if lab.dtype.kind not in "USiu" or lab.ndim != 1:
                    raise DataError(f"labels array {lkey!r} must be 1-D strings, got {lab.dtype} "
                                    f"{lab.shape}", path)
                if len(lab) < len(vectors):
                    raise DataError(f"{len(lab):,} labels for {len(vectors):,} vectors", path)
                lab = lab[:len(vectors)]
                labels = ([x.decode("utf-8", "replace") for x in lab.tolist()] if lab.dtype.kind == "S"
                          else [str(x) for x in lab.tolist()])
            else:
                labels, metadata, warnings = _labels_from_sidecar(metadata_path, len(vectors), path)
        except ValueError as err:
            if "pickle" in str(err).lower():
                raise DataError("an array in this .npz holds Python objects (a pickle), which are not "
                                "loaded because unpickling can run code; store labels as a string array, "
                                "e.g. np.array(labels, dtype=str)", path) from None
            raise DataError(f"not a readable .npz file: {err}", path) from None
        except DataError:
            raise
        except Exception as err:  # noqa: BLE001 -- a damaged member: BadZipFile, zlib.error, TokenError, ...
            raise DataError(f"damaged .npz file: {type(err).__name__}: {err}", path) from None
    return EmbeddingSet(labels, vectors, metadata, warnings=warnings)


def _load_gensim(path: Path, fmt: str, limit: int | None, control: TaskControl, allow_pickle: bool,
                 _metadata_path) -> EmbeddingSet:
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


_LOADERS: dict[str, Callable] = {
    "word2vec": _load_text, "fasttext": _load_text, "glove": _load_text, "tsv": _load_text,
    "word2vec-binary": _load_w2v_binary, "npy": _load_npy, "npz": _load_npz, "gensim": _load_gensim,
}


# -- saving ------------------------------------------------------------------------------------------------

#: Rows formatted per step when writing text.
WRITE_CHUNK_ROWS = 4096


#: Rows sampled to decide whether a block's values are short decimals (GloVe-like).
FORMAT_SAMPLE_ROWS = 32


def _format_rows(vectors: np.ndarray, sep: str) -> list[str]:
    """Each row as text that reads back to the identical float32 values.

    ``%.9g`` always round-trips float32.  Files of short decimals (GloVe's
    5-6 digits) stay short: where a sample shows ``%.7g`` round-trips, rows
    are written so and checked with the fast parser; rows that do not
    round-trip fall back to ``%.9g``.
    """
    n, d = vectors.shape
    f7 = sep.join(["%.7g"] * d)
    f9 = sep.join(["%.9g"] * d)
    rows = vectors.tolist()
    sample = [f7 % tuple(r) for r in rows[:FORMAT_SAMPLE_ROWS]]
    back = _parse_numbers(sample, d)
    if not np.array_equal(back, vectors[:len(sample)]):
        return [f9 % tuple(r) for r in rows]
    out = sample + [f7 % tuple(r) for r in rows[len(sample):]]
    back = _parse_numbers(out, d)
    for i in np.flatnonzero(~(back == vectors).all(axis=1)).tolist():
        out[i] = f9 % tuple(rows[i])
    return out


def _parse_numbers(texts: list[str], dims: int) -> np.ndarray:
    if not texts:
        return np.empty((0, dims), dtype=np.float32)
    _labels, mat, _lines = parse_block(("\n".join(texts) + "\n").encode("ascii"), dims, False, 1, "<save>")
    return mat


def _clean_label(label: str, fmt: str) -> str:
    label = label.replace("\n", " ").replace("\r", " ")
    if fmt in ("tsv", "npy"):
        label = label.replace("\t", " ")
    return label


def save(emb: EmbeddingSet, path: str | os.PathLike, format: str,
         control: TaskControl | None = None) -> list[Path]:
    """Write ``emb`` in ``format`` (atomically); returns the files written.

    ``tsv`` writes ``path`` (vectors) and its metadata file (``vectors`` in the
    name replaced by ``metadata``, else ``<stem>.metadata.tsv``); ``npy``
    writes ``path`` and ``<stem>.labels.txt``; ``gensim`` is not written
    (pickles are for gensim itself).  ``word2vec-binary`` cannot hold a space
    in a label: spaces become ``_`` there.  Text files get a ``.gz``/``.bz2``
    compression when ``path`` ends so.
    """
    path = Path(path)
    control = ensure_control(control)
    if format not in FORMAT_NAMES or format == "gensim":
        raise DataError(f"cannot save in format {format!r}", path)
    vectors = np.asarray(emb.vectors, dtype=np.float32)
    if format in ("word2vec", "fasttext", "glove"):
        with _atomic_text(path) as fh:
            if format != "glove":
                fh.write(f"{emb.n} {emb.dims}\n".encode())
            _write_rows(fh, vectors, [_clean_label(lab, format) for lab in emb.labels], " ", control)
        return [path]
    if format == "word2vec-binary":
        with atomic_write(path) as fh:
            fh.write(f"{emb.n} {emb.dims}\n".encode())
            for i, (lab, row) in enumerate(zip(emb.labels, vectors)):
                fh.write(lab.replace(" ", "_").encode("utf-8") + b" " + row.astype("<f4").tobytes() + b"\n")
                if i % WRITE_CHUNK_ROWS == 0:
                    control.progress(i / max(emb.n, 1), f"Writing {path.name}")
        return [path]
    if format == "tsv":
        return save_projector_tsv(emb, path, metadata_path_for(path), control=control)
    if format == "npy":
        labels_path = path.with_name(path.name[:-4] + ".labels.txt" if path.name.endswith(".npy")
                                     else path.name + ".labels.txt")
        with atomic_write(path) as fh:
            np.save(fh, vectors, allow_pickle=False)
        with atomic_write(labels_path, "w", encoding="utf-8") as fh:
            fh.write("".join(_clean_label(lab, "npy") + "\n" for lab in emb.labels))
        return [path, labels_path]
    with atomic_write(path) as fh:  # npz
        np.savez(fh, vectors=vectors, labels=np.array(emb.labels, dtype=str))
    return [path]


def metadata_path_for(vectors_path: str | os.PathLike) -> Path:
    """Name of the metadata file written beside a projector vectors file."""
    p = Path(vectors_path)
    name = p.name
    for comp in _COMPRESSED:  # the metadata file itself is written uncompressed
        if name.lower().endswith(comp):
            name = name[:-len(comp)]
    if "vectors" in name:
        return p.with_name(name.replace("vectors", "metadata"))
    stem = name[:-4] if name.endswith(".tsv") else name
    return p.with_name(stem + ".metadata.tsv")


@contextlib.contextmanager
def _atomic_text(path: Path):
    with atomic_write(path) as raw:
        suffix = path.suffix.lower()
        if suffix == ".gz":
            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as fh:
                yield fh
        elif suffix == ".bz2":
            with bz2.BZ2File(raw, mode="wb") as fh:
                yield fh
        else:
            yield raw


def _write_rows(fh, vectors: np.ndarray, labels: list[str] | None, sep: str, control: TaskControl) -> None:
    n = len(vectors)
    for start in range(0, n, WRITE_CHUNK_ROWS):
        texts = _format_rows(vectors[start:start + WRITE_CHUNK_ROWS], sep)
        if labels is not None:
            texts = [f"{lab}{sep}{t}" for lab, t in zip(labels[start:start + WRITE_CHUNK_ROWS], texts)]
        fh.write(("\n".join(texts) + "\n").encode("utf-8"))
        control.progress(min((start + WRITE_CHUNK_ROWS) / max(n, 1), 1.0), "Writing")


def save_projector_tsv(emb: EmbeddingSet, vectors_path: str | os.PathLike,
                       metadata_path: str | os.PathLike | None = None, rows=None,
                       control: TaskControl | None = None) -> list[Path]:
    """Write a TensorFlow Embedding Projector pair: ``vectors.tsv`` and ``metadata.tsv``.

    Parameters
    ----------
    emb : EmbeddingSet
    vectors_path : path-like
    metadata_path : path-like, optional
        Defaults to :func:`metadata_path_for`.
    rows : array of int, optional
        Write only these rows (e.g. the current selection).

    The metadata file has one label column without header, or, when ``emb``
    has metadata columns, a header row ``label<TAB>col...`` (the projector's rules).
    """
    control = ensure_control(control)
    vectors_path = Path(vectors_path)
    metadata_path = Path(metadata_path) if metadata_path is not None else metadata_path_for(vectors_path)
    if rows is not None:
        emb = emb.subset(rows)
    with _atomic_text(vectors_path) as fh:
        _write_rows(fh, np.asarray(emb.vectors, dtype=np.float32), None, "\t", control)
    with atomic_write(metadata_path, "w", encoding="utf-8") as fh:
        labels = [_clean_label(lab, "tsv") for lab in emb.labels]
        if emb.metadata:
            cols = list(emb.metadata.items())
            fh.write("\t".join(["label"] + [_clean_label(n, "tsv") for n, _ in cols]) + "\n")
            for i, lab in enumerate(labels):
                fh.write("\t".join([lab] + [_cell(c, i) for _, c in cols]) + "\n")
        else:
            fh.write("".join(lab + "\n" for lab in labels))
    return [vectors_path, metadata_path]


def _cell(col: MetadataColumn, row: int) -> str:
    """A metadata value as TSV text; numbers in full precision (``value()`` rounds for display)."""
    if col.kind == "numeric":
        v = float(col.values[row])
        return "" if np.isnan(v) else repr(v)
    return _clean_label(col.value(row), "tsv")


def load_seconds(func: Callable[[], EmbeddingSet]) -> tuple[EmbeddingSet, float]:
    """Run a loading call and time it (used by ``embexplorer info``)."""
    t0 = time.perf_counter()
    emb = func()
    return emb, time.perf_counter() - t0
