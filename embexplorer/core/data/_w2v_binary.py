"""The fast path of the word2vec binary reader: an uncompressed file read without a row loop.

A record is ``label`` + ``" "`` + ``dims`` little-endian float32 values, with (C tool) or without
(gensim) a newline after it.  Labels cannot hold a space, so record boundaries follow from one
scan of the bytes: the label runs to the first space, the vector is the ``4 * dims`` bytes after it.

A background thread reads the file into a ring of :data:`STAGES` staging buffers of
:data:`STAGE_BYTES` (small enough to stay in the CPU cache; the read releases the GIL, so the copy
from the page cache overlaps the parsing).  Each buffer's records are scanned, their vectors
copied straight into the preallocated ``n x dims`` float32 matrix, and checked (range, NaN and
infinity) while in cache.  Peak memory is therefore the matrix plus the labels (and 8 bytes a
row of their hashes, with the compiled scan): the file's bytes are never held whole.  The matrix's
pages are allocated by another thread ahead of the parser (:class:`_Populator`): allocating
3.6 GB of fresh memory is the largest single cost of a 3,000,000 x 300 load (~1 s of system time
here), larger than reading the file (``cat``: 0.3 s).

Two scans, with identical results (both tested on the same files):

* :func:`regex_scan`: a regular expression (``re`` walks the buffer in C) yields every record's
  label bytes, leading newlines included; their lengths give the vectors' offsets, and numpy's
  fancy indexing gathers the vectors;
* the compiled scan (:mod:`~embexplorer.core.data._compiled`, numba), used for files of
  :data:`COMPILED_SCAN_MIN_BYTES` and more when numba is installed: one pass walks the records,
  copies each vector to its row (a memcpy), checks it there and writes the joined labels and their
  hashes: 0.15 us a row, against 0.24 us for the compiled walk followed by numpy's gather and
  check (measured, 300,000 rows of 300 from memory).  numba's import and the cached kernel cost
  ~0.45 s of CPU (imported in a thread while the matrix's first pages are allocated) and, on the
  very first run, its compilation ~1 s more.

Anything irregular -- a label longer than
:data:`~embexplorer.core.data._sniff.MAX_BINARY_LABEL_BYTES`, a truncated last record, a
damaged file -- returns ``None``: the caller then runs the general streaming reader, which
names the record and the reason.  Used by :mod:`embexplorer.core.data._stream_readers`.
"""

from __future__ import annotations

import ctypes
import mmap
import queue
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np

from embexplorer.core.data._kernels import kernel_unavailable
from embexplorer.core.data._sniff import MAX_BINARY_LABEL_BYTES
from embexplorer.core.progress import TaskControl

#: Bytes read per staging buffer (several fit in the CPU's L3 cache).
STAGE_BYTES = 4 * 1024 * 1024
#: Staging buffers in the ring (the reader stays at most this many minus one ahead).
STAGES = 3
#: Read ahead in a thread (else the parsing thread reads each buffer itself).
READ_AHEAD = True
#: Vector bytes gathered and checked per step by :func:`regex_scan` (fits the L2 cache: the min/max
#: pass reads it there).
GATHER_BYTES = 1024 * 1024
#: Bytes looked back from a buffer's end per try when searching for the last complete record.
LAST_SPACE_WINDOW = 8 * 1024
#: Allocate the matrix in ordinary pages (see :func:`_fresh_bytes`), from this size on.
USE_PLAIN_PAGES = True
PLAIN_PAGES_MIN_BYTES = 64 * 1024 * 1024
#: Allocate the matrix's pages in a thread, ahead of the parser (else all at once, before parsing).
POPULATE_IN_THREAD = True
POPULATE_CHUNK_BYTES = 32 * 1024 * 1024
#: Bytes whose pages the populator touches per step before the parse starts (~2,000 pages: a few ms,
#: the parser's longest wait for it).
TOUCH_CHUNK_BYTES = 8 * 1024 * 1024
MADV_POPULATE_WRITE = 23  # <linux/mman.h>
#: Files from this size on use the compiled scan when numba is installed (below it, numba's import
#: costs more than the regular expression's scan).  Measured, fresh loads of 300-dim files: 360 MB
#: 0.29 s with the regular expression against 0.45 s compiled; 786 MB 0.59 s both; 1.2 GB 0.88 s
#: against 0.72 s.
COMPILED_SCAN_MIN_BYTES = 768 * 1024 * 1024
#: Set to False to never use the compiled scan (tests compare the two paths).
USE_COMPILED_SCAN = True
#: Files from this size on have their labels decoded in a thread during the parse
#: (:class:`_LabelWorker`); below it a thread hand-off per buffer costs more than it overlaps.
LABEL_THREAD_MIN_BYTES = 256 * 1024 * 1024

class Scanned(NamedTuple):
    """What a scan found in one buffer (its vectors are already in the matrix)."""

    count: int  #: records found
    labels: bytes  #: their labels joined by spaces, without newlines
    end: int  #: position after the last record
    hashes: np.ndarray | None  #: each label's bytes' hash (the compiled scan), or None
    lo: float  #: the smallest and the largest value (meaningless when ``first_bad`` is set)
    hi: float
    first_bad: int | None  #: first record (from 0) holding an infinity or a NaN, or None


#: A scan: (buffer, position, bytes in the buffer, record bytes, records wanted, the matrix's bytes,
#: first row) -> :class:`Scanned`, or None when irregular.  It copies the records' vectors to the
#: matrix's rows from the first row on (room is made for the records wanted) and checks them.
Scan = Callable[[np.ndarray, int, int, int, int, np.ndarray, int], "Scanned | None"]


def _record_pattern(rec: int) -> re.Pattern:
    # Newlines then the label (neither holds a space), a space, ``rec`` bytes of anything.  Its
    # minimum width (rec + 1) makes the search stop at once where no complete record can start.
    return re.compile(rb"([^ ]*) (?s:.{%d})" % rec)


def _last_space(arr: np.ndarray, lo: int, hi: int) -> int:
    """Position of the last space byte in ``arr[lo:hi]``, or -1."""
    end = hi
    while end > lo:
        # A copy of a small window and ``bytes.rfind`` (memrchr): the last space is usually within
        # the last few hundred bytes (a vector byte is a space one time in 256).
        start = max(lo, end - LAST_SPACE_WINDOW)
        hit = arr[start:end].tobytes().rfind(b" ")
        if hit >= 0:
            return start + hit
        end = start
    return -1


def regex_scan(rec: int) -> Scan:
    """The pure-Python scan: one regular-expression ``findall`` per buffer; the vectors gathered by
    numpy's fancy indexing and checked (min and max) :data:`GATHER_BYTES` at a time, in cache."""
    pattern = _record_pattern(rec)
    vdt = np.dtype((np.void, rec))
    per = max(1, GATHER_BYTES // rec)
    dims = rec // 4

    def scan(buf: np.ndarray, pos: int, have: int, rec: int, want: int, matrix: np.ndarray, row: int):
        want = max(0, min(want, len(matrix) // rec - row))
        # Every match from ``pos`` up to the last space that can start a complete vector is a
        # record, one after the other: the label is always the run up to the next space.
        last = _last_space(buf, pos, have - rec)
        found = pattern.findall(buf, pos, last + 1 + rec)[:want] if last >= pos else []
        if not found:
            return Scanned(0, b"", pos, None, np.inf, -np.inf, None)
        lens = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
        if int(lens.max()) > MAX_BINARY_LABEL_BYTES:
            return None  # the streaming reader says which record and why
        ends = np.cumsum(lens + (1 + rec))
        ends += pos
        starts, k = ends - rec, len(found)
        # Each vector an item of a window over the buffer whose items overlap (np.take would copy it).
        window = np.ndarray((have - rec + 1,), vdt, buf, 0, (1,))
        out = matrix.view(vdt)
        lo, hi, first_bad = np.inf, -np.inf, None
        for b in range(0, k, per):
            dst = out[row + b:row + min(b + per, k)]
            dst[:] = window[starts[b:b + per]]
            vals = dst.view("<f4")
            bmin, bmax = float(vals.min()), float(vals.max())
            if not (np.isfinite(bmin) and np.isfinite(bmax)) and first_bad is None:
                first_bad = b + int(np.argmin(np.isfinite(vals.reshape(-1, dims)).all(axis=1)))
            lo, hi = min(lo, bmin), max(hi, bmax)
        return Scanned(k, strip_joined(found), int(ends[-1]), None, lo, hi, first_bad)

    return scan


def compiled_scan(rec: int) -> Scan | None:
    """The numba scan (None when numba is not installed)."""
    try:
        from embexplorer.core.data._compiled import ordered_bits_value, scan_records
    except Exception as exc:  # noqa: BLE001 -- numba missing, or broken (e.g. built for another numpy)
        kernel_unavailable("word2vec binary scan", exc)
        return None

    # The scratch arrays are kept from buffer to buffer (the hashes returned are a view of one, valid
    # until the next call): a fresh labels' scratch per buffer (a staging buffer's size, ~4 MB, for
    # ~30 KB of labels) is one numpy asks huge pages for, an madvise that waits for the memory-map lock
    # the matrix's populator holds: measured, the parser stalled up to ~10 ms a buffer; fresh small
    # arrays cost ~50 ms in all at 3,000,000 rows.
    scratch = {"labels": np.empty(0, dtype=np.uint8), "hashes": np.empty(0, dtype=np.uint64)}

    def room(name: str, size: int) -> np.ndarray:
        if len(scratch[name]) < size:
            scratch[name] = np.empty(size, dtype=scratch[name].dtype)
        return scratch[name]

    def scan(buf: np.ndarray, pos: int, have: int, rec: int, want: int, matrix: np.ndarray, row: int):
        want = max(0, min(want, (have - pos) // (rec + 1) + 1, len(matrix) // rec - row))
        hashes = room("hashes", want)
        k, m, pos, lo, hi, bad = scan_records(buf, pos, have, rec, want, MAX_BINARY_LABEL_BYTES, matrix,
                                              row, room("labels", have - pos), hashes)
        if k < 0:
            return None
        if not k:
            return Scanned(0, b"", pos, hashes[:0], np.inf, -np.inf, None)
        return Scanned(k, scratch["labels"][:m].tobytes(), pos, hashes[:k], ordered_bits_value(lo),
                       ordered_bits_value(hi), bad if bad >= 0 else None)

    try:
        scan(np.zeros(1, dtype=np.uint8), 0, 0, rec, 0, np.zeros(rec, dtype=np.uint8), 0)  # loads the
        # machine code (from numba's cache)
    except Exception as exc:  # noqa: BLE001 -- a numba that cannot compile: the pure path
        kernel_unavailable("word2vec binary scan", exc)
        return None
    return scan


def choose_scan(size: int, rec: int) -> Scan:
    """The compiled scan for large files when available, else the regular expression's."""
    if USE_COMPILED_SCAN and size >= COMPILED_SCAN_MIN_BYTES:
        scan = compiled_scan(rec)
        if scan is not None:
            return scan
    return regex_scan(rec)


class _Populator(threading.Thread):
    """Allocates the pages of a fresh mapping ahead of the parser, in a thread, in two phases.

    1. *Until the parse starts* (:meth:`parse_starts`), it writes a zero to each page, a chunk of
       :data:`TOUCH_CHUNK_BYTES` at a time (numpy's fill releases the GIL).  A page fault takes
       only its own mapping's lock (Linux 6.4+; before it, the memory-map lock shared with other
       faults, which an ``mmap`` still waits for), so the scan's import (numba: hundreds of ``mmap``
       calls) goes on beside it.  The parser writes nothing before :meth:`parse_starts` returns, which waits
       for the chunk in hand: the zeros never land on parsed rows.
    2. *Then* ``madvise(MADV_POPULATE_WRITE)`` (Linux 5.14+, called through ctypes, which releases
       the GIL) on the rest, :data:`POPULATE_CHUNK_BYTES` at a time: about half the system time of
       faulting page by page.  It only faults in pages not yet present: pages the parser already
       wrote are left as they are, so the two threads never race.  Where it is unavailable the
       parser's writes fault the pages in.

    Each ``madvise`` holds the process's memory-map lock, so the other threads' ``mmap`` calls
    wait for it.  Started with the parse, the scan's import ended only with the populating (~1.4 s
    instead of 0.4); the first phase uses the ~0.4 s of the import for allocating instead (~0.5 GB
    of 3.6): 3M x 300 in 2.26 s instead of 2.35 (medians of 8 alternated loads; best 2.17 against
    2.21).

    Tried and not kept: writing one byte per page all along (the parser claiming its rows first)
    cost ~0.7 s more system time, no faster overall (2.97 s against 3.06 s); smaller ``madvise``
    chunks were slower (the thread takes the GIL back after each); huge pages (``MADV_HUGEPAGE``)
    took 0.3 s for 3.6 GB on memory the VM had already backed but 4-11 s otherwise, and the first
    chunks do not tell which.
    """

    def __init__(self, arr: np.ndarray) -> None:
        super().__init__(name="w2v-binary-pages", daemon=True)
        self.arr = arr
        self.addr, self.size = arr.ctypes.data, arr.nbytes
        self.stop = False
        self._parsing = threading.Event()  # the parser is about to write: stop touching
        self._touched = threading.Event()  # set once the touching has stopped
        self.start()

    def run(self) -> None:
        touched = 0
        try:
            while touched < self.size and not (self._parsing.is_set() or self.stop):
                end = min(touched + TOUCH_CHUNK_BYTES, self.size)
                self.arr[touched:end:mmap.PAGESIZE] = 0
                touched = end
        finally:
            self._touched.set()
        try:
            madvise = ctypes.CDLL(None, use_errno=True).madvise
            madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
            for off in range(touched, self.size, POPULATE_CHUNK_BYTES):
                if self.stop or madvise(self.addr + off, min(POPULATE_CHUNK_BYTES, self.size - off),
                                        MADV_POPULATE_WRITE):
                    return
        except (OSError, AttributeError):  # no libc madvise here: pages fault in as written
            return

    def parse_starts(self) -> None:
        """Ends the first phase; returns once no zero will be written any more."""
        self._parsing.set()
        self._touched.wait()

    def finish(self) -> None:
        self.stop = True
        self._parsing.set()
        self.join()


def _fresh_bytes(size: int, populate: bool = True) -> np.ndarray:
    """A writable uint8 array of ``size`` bytes in ordinary pages, allocated up front.

    Not ``np.empty``: numpy asks the kernel for huge pages on large arrays, and where free memory
    is fragmented (a busy machine) the kernel then compacts memory on each page fault, which made
    the first touch of the matrix several times slower than the whole parse (measured).  The pages
    are allocated by ``mmap`` itself (``MAP_POPULATE``), not one page fault at a time on first
    touch: half the system time (measured, 1.2 GB: 0.42 s instead of 0.84 s).
    """
    if not USE_PLAIN_PAGES or size < PLAIN_PAGES_MIN_BYTES:
        return np.empty(size, dtype=np.uint8)
    flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | (getattr(mmap, "MAP_POPULATE", 0) if populate else 0)
    return np.frombuffer(mmap.mmap(-1, size, flags=flags), dtype=np.uint8)


def fresh_matrix(rows: int, dims: int, populate: bool = True) -> np.ndarray:
    """An uninitialised ``rows x dims`` float32 matrix (pages allocated up front: :func:`_fresh_bytes`).

    ``populate=False``: ``np.empty`` (pages allocated on first touch), for a size that is only a
    bound.
    """
    if not populate:
        return np.empty((rows, dims), dtype=np.float32)
    return _fresh_bytes(rows * dims * 4).view(np.float32).reshape(rows, dims)


class FastBinary:
    """The matrix, the labels (joined by spaces, undecoded) and the values' range of a binary file."""

    def __init__(self, vectors: np.ndarray, joined_labels: bytes, lo: float, hi: float,
                 first_bad: int | None, labels: list[str] | None = None,
                 label_hashes: np.ndarray | None = None) -> None:
        self.vectors = vectors
        self.joined_labels = joined_labels
        self.lo, self.hi = lo, hi
        self.first_bad = first_bad  # first record holding NaN or inf (0-based), or None
        #: The labels decoded on the way (:class:`_LabelWorker`); None when a chunk was not of the
        #: plain shape (``joined_labels`` is then decoded whole).
        self.labels = labels
        #: Each label's bytes' hash (the compiled scan's, :func:`hashes_repeat`), or None.
        self.label_hashes = label_hashes


#: Decodes one chunk of labels joined by spaces (``count`` of them), or None when it is not of the
#: plain shape (the caller's general decoder then reads all labels at the end, with its errors).
DecodeChunk = Callable[[bytes, int], "list[str] | None"]


class _LabelWorker(threading.Thread):
    """Decodes the labels chunk by chunk while the parser copies the vectors (3,000,000 labels:
    ~0.8 s of one core after the parse otherwise).  It holds the GIL in short bursts (one staging
    buffer's labels, ~3,000: a decode and a split); the parser's copies release it.  (Building the
    ``label -> row`` dict or the duplicate check's set here too made the load slower, not faster:
    measured, the parser then waited for the GIL.  So did hashing the labels here for the duplicate
    check: 0.12 s off the end, 0.3-0.4 s more in the parse.)"""

    def __init__(self, decode: DecodeChunk) -> None:
        super().__init__(name="w2v-binary-labels", daemon=True)
        self.decode = decode
        self.todo: queue.SimpleQueue = queue.SimpleQueue()
        self.labels: list[str] = []
        self.failed = False
        self.start()

    def put(self, joined: bytes, count: int) -> None:
        self.todo.put((joined, count))

    def run(self) -> None:
        try:
            while True:
                item = self.todo.get()
                if item is None:
                    return
                if self.failed:
                    continue
                joined, count = item
                got = self.decode(joined, count)
                if got is None:
                    self.failed = True
                    continue
                self.labels.extend(got)
        except BaseException:  # noqa: BLE001 -- the caller decodes everything again, and raises there
            self.failed = True

    def finish(self) -> list[str] | None:
        self.todo.put(None)
        self.join()
        return None if self.failed else self.labels


class _Reader(threading.Thread):
    """Reads the file from ``offset`` into the staging buffers handed back by the parser.

    Each buffer is read from byte ``carry`` on (the parser copies the unfinished record of the
    previous buffer just before it).  :meth:`next` gives ``(buffer, bytes read)``, then
    ``(None, 0)`` at the end of the file.  With ``threaded`` a thread reads ahead (the read
    releases the GIL); else :meth:`next` reads (no thread hand-offs, which cost more than the read
    on a busy machine: measured).
    """

    def __init__(self, path: Path, offset: int, buffers: list[np.ndarray], carry: int,
                 threaded: bool) -> None:
        super().__init__(name="w2v-binary-reader", daemon=True)
        self.carry, self.threaded = carry, threaded
        self.fh = open(path, "rb", buffering=0)  # noqa: SIM115 -- closed by finish()
        self.fh.seek(offset)
        self.free: queue.SimpleQueue = queue.SimpleQueue()
        self.filled: queue.SimpleQueue = queue.SimpleQueue()
        for b in buffers:
            self.free.put(b)
        self.stop = False
        if threaded:
            self.start()

    def _read(self) -> tuple[np.ndarray | None, int]:
        buf = self.free.get()
        if buf is None:
            return None, 0
        view = memoryview(buf)[self.carry:]
        got = 0
        try:
            while got < len(view):
                more = self.fh.readinto(view[got:])
                if not more:
                    break
                got += more
        finally:
            view.release()
        return (buf, got) if got else (None, 0)

    def run(self) -> None:
        try:
            while not self.stop:
                buf, got = self._read()
                self.filled.put((buf, got))
                if buf is None:
                    return
        except BaseException as err:  # noqa: BLE001 -- handed to the parsing thread, which raises it
            self.filled.put(err)

    def next(self) -> tuple[np.ndarray | None, int]:
        if not self.threaded:
            return self._read()
        item = self.filled.get()
        if isinstance(item, BaseException):
            raise item
        return item

    def finish(self) -> None:
        if self.threaded:
            self.stop = True
            self.free.put(None)
            self.join()
        self.fh.close()


def read_fast(path: Path, header_end: int, count: int, dims: int, n: int, control: TaskControl,
              read_bytes: int, scan: Scan | None = None,
              decode: DecodeChunk | None = None) -> FastBinary | None:
    """Read ``n`` of the ``count`` records of an uncompressed word2vec binary file (None: irregular).

    ``header_end`` is the offset of the first record (after the header's newline); ``scan`` is
    :func:`choose_scan`'s by default.  With ``decode``, the labels are decoded in a thread as they
    come (files of :data:`LABEL_THREAD_MIN_BYTES` and more).
    """
    size = path.stat().st_size
    rec = 4 * dims
    if n * (rec + 1) > size - header_end:
        return None  # too short for n records: the streaming reader says where it ends
    chosen: list[Scan] = [scan] if scan else []
    # The scan is chosen (numba imported, its machine code loaded: ~0.4 s of CPU) while the first
    # buffers are read and the matrix's first pages allocated (:class:`_Populator`).
    chooser = threading.Thread(target=lambda: chosen.append(choose_scan(size, rec)), daemon=True)
    if not chosen:
        chooser.start()
    carry = rec + 2 * MAX_BINARY_LABEL_BYTES  # the longest unfinished record carried over
    stage = max(STAGE_BYTES, 2 * carry)
    matrix = _fresh_bytes(n * rec, populate=not POPULATE_IN_THREAD)
    pages = _Populator(matrix) if POPULATE_IN_THREAD and n * rec >= PLAIN_PAGES_MIN_BYTES else None
    parts: list[bytes] = []
    hashes: np.ndarray | None = None  # the labels' hashes, when the scan gives them
    lo, hi = np.inf, -np.inf
    first_bad = None
    i = 0
    left = b""
    done = 0
    reader = None
    namer = _LabelWorker(decode) if decode is not None and size >= LABEL_THREAD_MIN_BYTES else None
    try:
        reader = _Reader(path, header_end, [np.empty(carry + stage, dtype=np.uint8) for _ in range(STAGES)],
                         carry, READ_AHEAD)
        if chooser.ident is not None:
            chooser.join()
        if pages is not None:
            pages.parse_starts()
        scan = chosen[0] if chosen else regex_scan(rec)  # (regex_scan if the chooser raised)
        while True:
            buf, got = reader.next()
            if buf is None:
                break  # end of file
            pos = carry - len(left)
            buf[pos:carry] = np.frombuffer(left, dtype=np.uint8)
            have = carry + got
            if i < n:
                control.check()
                found = scan(buf, pos, have, rec, n - i, matrix, i)
                if found is None:
                    return None
                k, pos = found.count, found.end
                if k:
                    parts.append(found.labels)
                    if found.hashes is not None:
                        if hashes is None:
                            hashes = np.empty(n, dtype=np.uint64)
                        hashes[i:i + k] = found.hashes
                    if namer is not None:
                        namer.put(found.labels, k)
                    if found.first_bad is not None and first_bad is None:
                        first_bad = i + found.first_bad
                    lo, hi = min(lo, found.lo), max(hi, found.hi)
                    i += k
            left = buf[pos:have].tobytes()
            reader.free.put(buf)
            if i >= n and n < count:
                break  # a limit: the rest is not read
            if len(left) > carry:
                if i < n:
                    return None  # a whole buffer without one record: irregular
                if left.strip():
                    return None  # data after the last record: the streaming reader explains
                left = b""
            done += got
            control.progress(min((header_end + done) / size, 1.0), f"Reading {path.name}: {i:,} rows")
        if i < n:
            return None  # ends inside a record: the streaming reader reports where
        if n == count and left.strip():
            return None  # only whitespace may follow the last record
    finally:
        if reader is not None:
            reader.finish()
        if pages is not None:
            pages.finish()
        decoded = namer.finish() if namer is not None else None
    vectors = matrix.view("<f4").reshape(n, dims)
    return FastBinary(vectors, b" ".join(parts), lo, hi, first_bad, decoded, hashes)


def hashes_repeat(hashes: np.ndarray) -> bool:
    """Whether any two of ``hashes`` (uint64) are equal.

    The hashes are split by their top bit (two copies; ``hashes`` is left as it is), and each half
    sorted in its own thread (numpy's sort
    releases the GIL): equal hashes share their top bit.  3,000,000 hashes: 0.11 s instead of 0.17
    in one sort (measured), and 0.41 s for the labels' own hashes sorted (``formats.labels_repeat``,
    which computes each ``str``'s hash under the GIL).
    """
    top = hashes >= np.uint64(1 << 63)
    halves = [hashes[~top], hashes[top]]
    other = threading.Thread(target=halves[1].sort, name="label-hash-sort", daemon=True)
    other.start()
    halves[0].sort()
    other.join()
    return any(bool((h[1:] == h[:-1]).any()) for h in halves)


def strip_joined(raw_labels: list[bytes]) -> bytes:
    """The labels joined by spaces, each without the newlines before it (C-tool files).

    A label holds no space, so a newline right after a space starts a label: plain ``replace``
    passes (C speed) remove them, one leading newline per pass.
    """
    joined = b" ".join(raw_labels).lstrip(b"\r\n")
    for nl in (b" \n", b" \r", b" \n", b" \r"):
        joined = joined.replace(nl, b" ")
    while b" \n" in joined or b" \r" in joined:  # more blank lines between records: rare
        joined = joined.replace(b" \n", b" ").replace(b" \r", b" ")
    return joined
