"""Streamed readers of the text formats (word2vec, fastText, GloVe, projector TSV) and word2vec binary.

Files are read in steps of ``read_bytes`` (the caller's
:data:`~embexplorer.core.data.formats.READ_CHUNK_BYTES`), parsed block by block with
:func:`~embexplorer.core.data._textparse.parse_block` into a preallocated float32 matrix, with
progress and cancellation between steps; every error names the file and the line or record.
Used by :mod:`embexplorer.core.data.formats`.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import numpy as np

from embexplorer.core.data._array_readers import _first_nonfinite
from embexplorer.core.data._sidecars import _labels_from_sidecar
from embexplorer.core.data._sniff import (
    LABEL_CONTROL_BYTES,
    MAX_BINARY_LABEL_BYTES,
    SNIFF_BYTES,
    _open_bytes,
    implausible_values,
)
from embexplorer.core.data._textparse import compiled_parser, header_counts, parse_block, trailing_numbers
from embexplorer.core.data._w2v_binary import fresh_matrix, hashes_repeat, read_fast
from embexplorer.core.data.embeddings import EmbeddingSet
from embexplorer.core.errors import DataError
from embexplorer.core.progress import TaskControl

#: Encoding of labels unless chosen (``--encoding``), as in gensim.
DEFAULT_ENCODING = "utf-8"
#: Separators and characters a label encoding must write as plain ASCII.
_ASCII_PROBE = "\n\t azAZ09._-"
#: Bytes read per step by the newline-counting pre-pass.
COUNT_CHUNK_BYTES = 4 * 1024 * 1024
#: A text matrix's pages are allocated up front when it is at most this share of the file's bytes (a
#: value takes 4 bytes in the matrix and ~8-10 in the text; a larger matrix means a header's count
#: that the file cannot hold, allocated only as rows arrive).
LIKELY_MATRIX_SHARE = 0.75
#: Largest matrix preallocated from a compressed file's header count (it cannot be checked first).
MAX_HEADER_PREALLOC_BYTES = 16 * 1024 ** 3
#: Encodings (codecs' names) whose labels decode chunk by chunk exactly as in one piece.
_STATELESS_CODECS = frozenset({"utf-8", "ascii", "latin-1", "iso8859-1", "cp1252", "iso8859-15"})


# -- label decoding ---------------------------------------------------------------------------------------

class _LabelDecoder:
    """Labels decoded one by one as gensim does (``errors="replace"``: only broken bytes become U+FFFD).

    ``encoding`` (UTF-8 unless chosen) must write ASCII as ASCII, so that the newline between two
    labels survives decoding.  Labels with control bytes (other than tab) are refused: they come
    from a file misread.
    """

    def __init__(self, path: Path, hint: str = "the file is damaged or not in this format (try another "
                 "--format)", encoding: str = DEFAULT_ENCODING) -> None:
        self.path = path
        self.hint = hint
        self.encoding = check_encoding(encoding, path)
        self.replaced = 0
        self.first_line: int | None = None

    def decode(self, raw: list[bytes], lines: list[int] | None, first_line: int) -> list[str]:
        if not raw:
            return []
        joined = b"\n".join(raw)
        # One pass in C for the common case; a newline in a label shows as one newline too many.
        if joined.translate(None, LABEL_CONTROL_BYTES) != joined or joined.count(b"\n") != len(raw) - 1:
            self._refuse_control(raw, lines, first_line)
        try:
            return joined.decode(self.encoding).split("\n")
        except UnicodeDecodeError:
            pass
        # "replace" never swallows the ASCII newline between two labels: the split stays aligned.
        out = joined.decode(self.encoding, "replace").split("\n")
        for i, label in enumerate(out):
            if "\ufffd" in label and not _decodes(raw[i], self.encoding):
                self.replaced += 1
                if self.first_line is None:
                    self.first_line = lines[i] if lines is not None else first_line + i
        return out

    @property
    def chunks_decode_alike(self) -> bool:
        """Whether labels decoded chunk by chunk equal the whole decoded at once: a stateless
        encoding whose decoder has no start-of-text mark to strip (not UTF-8-sig, not UTF-16)."""
        return codecs.lookup(self.encoding).name in _STATELESS_CODECS

    def decode_plain(self, joined: bytes, count: int) -> list[str] | None:
        """``count`` labels joined by single spaces, decoded when they are of the plain shape (no
        newline, no control byte, valid in the encoding); else None (:meth:`decode_joined` then
        reads them, with its warnings and errors)."""
        if (b"\n" not in joined and joined.translate(None, LABEL_CONTROL_BYTES) == joined
                and joined.count(b" ") == count - 1):
            try:
                out = joined.decode(self.encoding).split(" ")
            except UnicodeDecodeError:
                return None
            if len(out) == count:
                return out
        return None

    def decode_joined(self, joined: bytes, count: int, first_line: int = 1) -> list[str]:
        """``count`` labels joined by single spaces (none holds one: word2vec binary), decoded.

        One check, one decode and one split of the whole (not one per label), with the same result
        and the same errors as :meth:`decode` of the split labels.
        """
        out = self.decode_plain(joined, count)
        return out if out is not None else self.decode(joined.split(b" "), None, first_line)

    def _refuse_control(self, raw: list[bytes], lines: list[int] | None, first_line: int) -> None:
        for i, b in enumerate(raw):
            if b.translate(None, LABEL_CONTROL_BYTES) != b or b"\n" in b:
                line = lines[i] if lines is not None else first_line + i
                shown = b[:40].decode("utf-8", "replace")
                raise DataError(f"label {shown!r} holds control characters: {self.hint}", self.path, line)

    def warning(self) -> str | None:
        if not self.replaced:
            return None
        shown = "UTF-8" if self.encoding == DEFAULT_ENCODING else self.encoding
        return (f"{self.replaced:,} label(s) are not valid {shown}: their broken bytes were replaced by "
                f"U+FFFD, as gensim does (first at line {self.first_line})")


def check_encoding(encoding: str, path=None) -> str:
    """The codec's canonical name; refuses unknown codecs and those that do not write ASCII as ASCII."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise DataError(f"unknown encoding {encoding!r}", path) from None
    if _ASCII_PROBE.encode(name, "replace") != _ASCII_PROBE.encode("ascii"):
        raise DataError(f"encoding {encoding!r} does not write ASCII as ASCII (UTF-16?): embedding files "
                        "use UTF-8 or a one-byte code page", path)
    return name


def _decodes(b: bytes, encoding: str) -> bool:
    try:
        b.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


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

    def __init__(self, capacity: int | None, dims: int, exact: bool = False) -> None:
        self.dims = dims
        self.n = 0
        self.matrix = fresh_matrix(capacity, dims, exact) if capacity is not None else None
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

    def reserve(self, k: int) -> np.ndarray:
        """Room for ``k`` more rows: in the matrix when it has it, else a new array; then :meth:`commit`."""
        if self.matrix is not None and self.n + k <= len(self.matrix):
            return self.matrix[self.n:self.n + k]
        return np.empty((k, self.dims), dtype=np.float32)

    def commit(self, room: np.ndarray, k: int) -> None:
        """The first ``k`` rows of ``room`` (from :meth:`reserve`) are filled."""
        if room.base is not None and room.base is self.matrix:
            self.n += k
        else:
            self.add(room[:k])

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
               metadata_path: Path | None, read_bytes: int, encoding: str = DEFAULT_ENCODING) -> EmbeddingSet:
    has_label = fmt != "tsv"
    size = path.stat().st_size
    name = path.name
    decoder = _LabelDecoder(path, encoding=encoding)
    labels: list[str] = []
    with _open_bytes(path) as (stream, raw, comp):
        data = stream.read(read_bytes)
        # The first non-blank line decides header and dimensions: it must be complete, even
        # when it is longer than one read step (a huge line).
        pieces = [data]
        while b"\n" not in data.lstrip():
            more = stream.read(read_bytes)
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
        # Pages allocated up front only where the count is likely (not a damaged header's bound).
        likely = capacity is not None and capacity * dims * 4 <= LIKELY_MATRIX_SHARE * size
        rows = _Rows(capacity, dims, likely)
        compiled = compiled_parser(size)
        pending = data
        ready = None  # whole lines already cut from the read
        eof = False
        while True:
            if ready is not None:
                block, ready = ready, None
            else:
                cut = pending.rfind(b"\n") + 1
                while cut == 0 and not eof:  # need at least one complete line
                    more = stream.read(read_bytes)
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
                nl = block.count(b"\n")
                want = nl if remaining is None else min(nl, remaining)
                room = rows.reserve(want) if compiled and want else None
                done = compiled(block, dims, has_label, want, room) if room is not None else None
                if done is not None:
                    rows.commit(room, done[0])
                    if has_label:
                        labels += decoder.decode_joined(done[1], done[0], line_no)
                else:
                    lab, mat, lines = parse_block(block, dims, has_label, line_no, path, remaining)
                    if has_label:
                        labels += decoder.decode(lab, lines, line_no)
                    rows.add(mat)
                line_no += nl
            if eof or (limit is not None and rows.n >= limit) or (header is not None and rows.n > header[0]):
                break
            control.progress(min(raw.tell() / size, 1.0) if size else None,
                             f"Reading {name}: {rows.n:,} rows")
            more = stream.read(read_bytes)
            last = more.rfind(b"\n") + 1
            if last:  # one copy of the read into the next block (not two: append, then cut)
                ready = b"".join((pending, memoryview(more)[:last]))
                pending = more[last:]
            elif more:
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


# -- word2vec binary ---------------------------------------------------------------------------------------

def _load_w2v_binary(path: Path, fmt: str, limit: int | None, control: TaskControl, _allow_pickle: bool,
                     _metadata_path, read_bytes: int, encoding: str = DEFAULT_ENCODING) -> EmbeddingSet:
    size = path.stat().st_size
    decoder = _LabelDecoder(path, "a label before it may hold a space, which word2vec binary cannot "
                            "store, or this is not a word2vec binary file (try --format word2vec)", encoding)
    with _open_bytes(path) as (stream, raw, _comp):
        buf = stream.read(read_bytes)
        nl = buf.find(b"\n")
        header = header_counts(buf[:nl]) if nl >= 0 else None
        if header is None:
            raise DataError("expected a header line 'count dims' (is this a word2vec binary file?)", path, 1)
        count, dims = header
        if count < 1 or dims < 1:
            raise DataError(f"header gives {count} rows of {dims} dimensions", path, 1)
        n = count if limit is None else min(count, limit)
        fast = read_fast(path, nl + 1, count, dims, n, control, read_bytes,
                         decode=decoder.decode_plain if decoder.chunks_decode_alike else None) \
            if _comp is None else None
        if fast is None:
            out, raw_labels = _w2v_binary_records(path, stream, raw, buf, nl + 1, count, dims, n, size,
                                                  control, read_bytes)
    if fast is not None:
        out = fast.vectors
        labels = fast.labels
        if labels is None or len(labels) != n:  # a chunk not of the plain shape: all at once, with its errors
            labels = decoder.decode_joined(fast.joined_labels, n)
        fast.joined_labels = b""
        bad = fast.first_bad
        values = np.array([fast.lo, fast.hi], dtype=np.float32)  # the range is all the check needs
    else:
        out = out[:n]
        labels = decoder.decode(raw_labels, None, 1)
        del raw_labels
        bad = _first_nonfinite(out)
        values = out
    if bad is not None:
        raise DataError(f"NaN or infinite value in record {bad + 1}", path, bad + 1)
    problem = implausible_values(values)
    if problem:
        raise DataError(f"{problem}: not a word2vec binary file, or damaged (try --format word2vec)", path)
    warnings = [decoder.warning()] if decoder.warning() else []
    control.progress(1.0, f"Read {path.name}: {n:,} rows", force=True)
    emb = EmbeddingSet(labels, out, warnings=warnings)
    # Distinct label bytes are distinct labels when every label decoded without a replacement in an
    # encoding that maps no two byte strings to one text (the stateless ones here all do so).
    if (fast is not None and fast.label_hashes is not None and not decoder.replaced
            and decoder.chunks_decode_alike):
        emb.labels_known_distinct = not hashes_repeat(fast.label_hashes)
    return emb


def _w2v_binary_records(path: Path, stream, raw, buf: bytes, pos: int, count: int, dims: int, n: int,
                        size: int, control: TaskControl, read_bytes: int) -> tuple[np.ndarray, list[bytes]]:
    """The general reader: records walked one by one (compressed files; irregular ones, whose record
    and reason it names)."""
    compressed = raw is not stream
    rec = 4 * dims
    # Never trust a header with memory: a truncated file fails below at its last record.
    bound = size // rec + 1 if not compressed else MAX_HEADER_PREALLOC_BYTES // rec
    out = np.empty((min(n, bound), dims), dtype=np.float32)
    raw_labels: list[bytes] = []
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
        more = stream.read(read_bytes)
        if not more:
            eof = True
        buf = buf[pos:] + more
        pos = 0
        control.progress(min(raw.tell() / size, 1.0), f"Reading {path.name}: {i:,} rows")
    if n == count:
        # Every record read: only whitespace may follow (more means labels with spaces, or text).
        tail = (buf[pos:] + stream.read(SNIFF_BYTES)).strip()
        if tail:
            raise DataError(f"data follows the last of the {count:,} records (a label with a space, "
                            "or not a word2vec binary file)", path, count)
    return out, raw_labels
