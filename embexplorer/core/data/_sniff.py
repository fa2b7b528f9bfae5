"""Opening embedding files (plain, gzip or bz2) and naming their format from extension and first bytes.

:func:`detect_format` decides between the :data:`FORMAT_NAMES`; :func:`_open_bytes` gives the
readers the decompressed stream.  Import the public names from :mod:`embexplorer.core.data.formats`.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import os
from pathlib import Path

import numpy as np

from embexplorer.core.data._table_readers import TABLE_FORMATS, sniff_table
from embexplorer.core.data._textparse import header_counts, is_number
from embexplorer.core.errors import DataError

#: Every format name accepted by :func:`load` and :func:`save` (and ``--format``).
FORMAT_NAMES = ("word2vec", "glove", "fasttext", "word2vec-binary", "tsv", "npy", "npz", "gensim",
                *TABLE_FORMATS)
#: Bytes examined when sniffing a file's format.
SNIFF_BYTES = 64 * 1024
#: Lines examined to tell a numbers-only file (projector TSV) from GloVe.
SNIFF_LINES = 20
#: First bytes of a fastText native .bin model (magic number 793712314, little-endian).
FASTTEXT_BIN_MAGIC = (793712314).to_bytes(4, "little")
#: Extensions of gensim's pickled files.
PICKLE_EXTENSIONS = (".kv", ".model", ".pkl", ".pickle")

#: Binary records checked when sniffing a word2vec file with a header.
SNIFF_RECORDS = 50
#: Longest label accepted in a word2vec binary file (longer means the file is not one).
MAX_BINARY_LABEL_BYTES = 4096
#: Largest magnitude accepted in a binary file's values (text misread as float32 gives 1e20 and up).
MAX_PLAUSIBLE_ABS = 1e12
#: A binary file whose largest magnitude is below this (but not 0) is misread text (about 1e-19).
MIN_PLAUSIBLE_MAX_ABS = 1e-12
#: Value bytes needed before "all printable" says text: 4 random float bytes are printable 1 time in 50,
#: 32 of them 1 time in 10**14.
MIN_TEXT_EVIDENCE_BYTES = 32
#: Longest UTF-8 character: a head cut inside one is still text.
MAX_UTF8_CHAR_BYTES = 4
#: Rows needed before calling a file a vocabulary list or a numbers-only matrix (fewer: let it load).
MIN_ROWS_TO_JUDGE = 2
#: Bytes never found in a label (all controls but tab and newline, and DEL): ``bytes.translate`` deletes them.
LABEL_CONTROL_BYTES = bytes([*range(9), *range(11, 32), 127])
#: Control bytes never found in a text row (a CR may end one).
_TEXT_ROW_CONTROL = bytes([*range(9), *range(11, 13), *range(14, 32), 127])

#: Printable ASCII and whitespace: bytes a text file is made of.
_TEXT_BYTES = bytes([9, 10, 13, *range(32, 127)])

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
    table = sniff_table(head, ext)  # Parquet, Arrow, Feather, CSV (_table_readers)
    if table:
        return table
    if not head.strip():
        raise DataError("file is empty (only whitespace)", path)
    first, _, rest = head.partition(b"\n")
    header = header_counts(first) if b"\t" not in first else None  # "1<TAB>2" is a projector row
    truncated = len(head) == SNIFF_BYTES
    if header is not None:
        fmt = _pick_header_format(path, header, len(first) + 1, rest, truncated)
        if fmt == "word2vec":
            rows = _sample_rows(rest, header[0], truncated)
            _refuse_non_embedding(path, rows, 2, fmt)
            return "fasttext" if ext == ".vec" and _fasttext_rows(rows) else "word2vec"
        return fmt
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
    _refuse_non_embedding(path, sample, 1, "glove")
    return "glove"  # fastText always writes a header: a .vec without one is GloVe


# -- scoring the candidates of a file with a "count dims" header -------------------------------------------

def _pick_header_format(path: Path, header: tuple[int, int], header_len: int, rest: bytes,
                        truncated: bool) -> str:
    """``"word2vec"`` (text) or ``"word2vec-binary"``: the one candidate the first rows and the size prove.

    Text rows must parse as a label and ``dims`` numbers; binary records must have clean labels,
    plausible values and add up to the file's size.  When both fit, the file is refused naming both.
    When neither fits, control bytes (binary) or their absence (text) leave one candidate, whose
    reader then refuses the file with its line or record.
    """
    count, dims = header
    if count < 1 or dims < 1:
        raise DataError(f"header gives {count} rows of {dims} dimensions", path, 1)
    text_problem = _text_problem(rest, dims, count, truncated)
    size = None if _compression(path) else path.stat().st_size - header_len
    if size is None and not truncated:
        size = len(rest)  # a compressed file wholly in the head
    binary_problem = _binary_problem(rest, dims, count, size, truncated)
    if text_problem is None and binary_problem is not None:
        return "word2vec"
    if binary_problem is None and text_problem is not None:
        return "word2vec-binary"
    if text_problem is None:
        raise DataError("cannot tell the format: it reads both as word2vec text and as word2vec binary; "
                        "choose one with --format word2vec or --format word2vec-binary", path)
    # Neither fits.  When the kind of bytes leaves one candidate, its reader names the bad line or
    # record (and checks what it read), which says more than "neither".
    if _looks_binary(rest):
        return "word2vec-binary"
    if _valid_utf8(rest[:len(rest) - MAX_UTF8_CHAR_BYTES] if truncated else rest):
        return "word2vec"
    raise DataError(f"cannot tell the format: neither word2vec text ({text_problem}) nor word2vec binary "
                    f"({binary_problem}); choose one with --format word2vec or --format word2vec-binary",
                    path)


def _valid_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _sample_rows(rest: bytes, count: int, truncated: bool) -> list[tuple[int, bytes]]:
    """The first complete non-blank rows after a header line, with their 1-based line numbers."""
    lines = rest.split(b"\n")
    if truncated and len(lines) > 1:
        lines = lines[:-1]  # the head ends inside this line
    rows = [(i + 2, ln) for i, ln in enumerate(lines) if ln.strip()]
    return rows[:min(count, SNIFF_LINES)]


def _fasttext_rows(rows: list[tuple[int, bytes]]) -> bool:
    """fastText ends every row with a space; gensim (and ``train-w2v``) do not."""
    return bool(rows) and all(row.rstrip(b"\r").endswith(b" ") for _, row in rows)


def _text_problem(rest: bytes, dims: int, count: int, truncated: bool) -> str | None:
    """Why the rows after the header are not word2vec text (None: they are)."""
    rows = _sample_rows(rest, count, truncated)
    if truncated and b"\n" not in rest:
        # One row longer than the head: its fields but the last (maybe cut) must be numbers.
        parts = rest.split()
        if len(parts) > 1 and all(is_number(p) for p in parts[1:-1]) and len(parts) <= dims + 1:
            return None
        return "line 2 is not a label followed by numbers"
    if not rows:
        return "no rows after the header"
    for line_no, row in rows:
        if row.translate(None, _TEXT_ROW_CONTROL) != row:
            return f"line {line_no} holds control bytes"
        parts = row.split()
        if len(parts) < dims + 1:
            return f"line {line_no} has {len(parts)} fields, not a label and {dims} values"
        if not all(is_number(p) for p in parts[-dims:]):
            return f"line {line_no} does not end in {dims} numbers"
    return None


def _binary_problem(rest: bytes, dims: int, count: int, size: int | None, truncated: bool) -> str | None:
    """Why the bytes after the header are not word2vec binary records (None: they may be).

    ``size`` is the byte count after the header line when known; a file whose records all fit in
    the head must end (but for whitespace) right after the last record, and a larger file must
    be between the smallest and the largest size its header allows.
    """
    rec = 4 * dims
    if size is not None:
        smallest = count * (rec + 2)  # one-byte labels, the space, no newlines
        largest = count * (rec + MAX_BINARY_LABEL_BYTES + 3)
        if not smallest <= size <= largest:
            return (f"{size:,} bytes after the header, but {count:,} records of {dims} float32 values "
                    f"need {smallest:,} to {largest:,}")
    pos = 0
    done = 0
    textual = 0  # records whose value bytes are all printable text
    while done < min(count, SNIFF_RECORDS):
        while pos < len(rest) and rest[pos] in b"\n\r":
            pos += 1
        sp = rest.find(b" ", pos, pos + MAX_BINARY_LABEL_BYTES + 1)
        if sp < 0:
            if len(rest) - pos > MAX_BINARY_LABEL_BYTES or not truncated:
                return f"record {done + 1} has no label ending in a space"
            return None  # the head ends inside this label
        label = rest[pos:sp]
        if not label or label.translate(None, LABEL_CONTROL_BYTES) != label:
            return f"record {done + 1} has an empty label or one with control bytes"
        if sp + 1 + rec > len(rest):
            if truncated:
                return None
            return f"the file ends inside record {done + 1} of {count:,}"
        vec = np.frombuffer(rest, dtype="<f4", count=dims, offset=sp + 1)
        problem = implausible_values(vec)
        if problem:
            return f"record {done + 1}: {problem}"
        # Real float32 bytes are nearly never all printable (a 1-in-6 chance per value at best).
        textual += not rest[sp + 1:sp + 1 + rec].translate(None, _TEXT_BYTES)
        pos = sp + 1 + rec
        done += 1
    if done and textual == done and done * rec >= MIN_TEXT_EVIDENCE_BYTES:
        return f"the values of all {done} records read are printable text"
    if done == count and not truncated and rest[pos:].strip():
        return f"{len(rest) - pos:,} bytes follow the last of the {count:,} records"
    return None


def implausible_values(vectors: np.ndarray) -> str | None:
    """Why float32 values read from a binary file cannot be an embedding (None: they can).

    Text read as float32 gives values near 1e-19 (digits, spaces) or above 1e20 (letters); no
    embedding is that small or that large throughout.
    """
    if vectors.size == 0:
        return None
    lo, hi = float(vectors.min()), float(vectors.max())
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "NaN or infinite values"
    biggest = max(-lo, hi)
    if biggest > MAX_PLAUSIBLE_ABS:
        return f"values up to {biggest:.3g} (no embedding exceeds {MAX_PLAUSIBLE_ABS:g})"
    if 0 < biggest < MIN_PLAUSIBLE_MAX_ABS:
        return f"all values below {MIN_PLAUSIBLE_MAX_ABS:g} in magnitude (the largest is {biggest:.3g})"
    return None


# -- files that are not embeddings -------------------------------------------------------------------------

def _refuse_non_embedding(path: Path, rows: list[tuple[int, bytes]] | list[bytes], first_line: int,
                          fmt: str) -> None:
    """Refuse a vocabulary list or a numbers-only matrix that would otherwise load as an embedding.

    Only detection refuses: the same file loads with an explicit ``--format``.
    """
    rows = [r if isinstance(r, tuple) else (first_line + i, r) for i, r in enumerate(rows)]
    split = [row.split() for _, row in rows]
    split = [parts for parts in split if parts]
    if len(split) < MIN_ROWS_TO_JUDGE:
        return
    if all(len(p) >= 2 and _is_integer(p[-1]) and not is_number(p[-2]) for p in split):
        raise DataError("looks like a vocabulary list (a word and an integer id or count per line), not "
                        f"embeddings; to load it anyway as 1-dimensional vectors, use --format {fmt}",
                        path, rows[0][0])
    if all(len(p) >= 2 and all(is_number(x) for x in p) for p in split) and \
            not all(_is_integer(p[0]) for p in split):
        raise DataError("looks like a numbers-only matrix (every label is a number), not labelled "
                        "embeddings; use --format tsv for unlabelled rows, or "
                        f"--format {fmt} to take the first column as labels", path, rows[0][0])


def _is_integer(tok: bytes) -> bool:
    return tok.lstrip(b"-+").isdigit()
