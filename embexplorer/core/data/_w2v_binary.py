"""The fast path of the word2vec binary reader: an uncompressed file read in place, without a row loop.

A record is ``label`` + ``" "`` + ``dims`` little-endian float32 values, with (C tool) or without
(gensim) a newline after it.  Labels cannot hold a space, so record boundaries follow from one
scan: a regular expression (``re`` walks the buffer in C) yields every record's label bytes,
leading newlines included, and their lengths give every vector's offset.

The file's bytes are read straight into the array that becomes the matrix: as records are found
their vectors are moved to the front (a vector never moves right, so a block can be gathered then
written without overwriting a record not yet read), and the array is trimmed to ``n * dims``
floats at the end.  Peak memory is therefore the file's size, not the file plus the matrix.
Values are checked block by block (min and max while the block is in cache) instead of in
separate passes over the whole matrix afterwards.

Anything irregular -- a label longer than
:data:`~embexplorer.core.data._sniff.MAX_BINARY_LABEL_BYTES`, a truncated last record, a
damaged file -- returns ``None``: the caller then runs the general streaming reader, which
names the record and the reason.  Used by :mod:`embexplorer.core.data._stream_readers`.
"""

from __future__ import annotations

import mmap
import re
import threading
from pathlib import Path

import numpy as np

from embexplorer.core.data._sniff import MAX_BINARY_LABEL_BYTES
from embexplorer.core.progress import TaskControl

#: The fast path reads this many times the caller's read step per step (fewer, larger steps:
#: each step's regular-expression scan and gather have a fixed cost).
STEP_FACTOR = 16
#: Records moved to the front of the array per gather (small enough to stay in the CPU cache).
GATHER_BYTES = 4 * 1024 * 1024
#: Bytes looked back from a buffer's end per try when searching for the last complete record.
LAST_SPACE_WINDOW = 64 * 1024
#: Allocate the file's buffer in ordinary pages (see :func:`_fresh_bytes`), from this size on.
USE_PLAIN_PAGES = True
PLAIN_PAGES_MIN_BYTES = 64 * 1024 * 1024
#: Below this share of the file's bytes, the rows read are copied out of the file-sized buffer.
KEEP_VIEW_SHARE = 0.9
#: The reader stays at most this many steps ahead of the parser (a small ``limit`` reads little).
READ_AHEAD_STEPS = 4
_SPACE = 0x20


def _record_pattern(rec: int) -> re.Pattern:
    # Newlines then the label (neither holds a space), a space, ``rec`` bytes of anything.  Its
    # minimum width (rec + 1) makes the search stop at once where no complete record can start.
    return re.compile(rb"([^ ]*) (?s:.{%d})" % rec)


def _last_space(arr: np.ndarray, lo: int, hi: int) -> int:
    """Position of the last space byte in ``arr[lo:hi]``, or -1."""
    end = hi
    while end > lo:
        start = max(lo, end - LAST_SPACE_WINDOW)
        hits = np.flatnonzero(arr[start:end] == _SPACE)
        if len(hits):
            return start + int(hits[-1])
        end = start
    return -1


def _fresh_bytes(size: int) -> np.ndarray:
    """A writable uint8 array of ``size`` bytes in ordinary pages.

    Not ``np.empty``: numpy asks the kernel for huge pages on large arrays, and where free memory
    is fragmented (a busy machine) the kernel then compacts memory on each page fault, which made
    the first touch of the matrix several times slower than the whole parse (measured).
    """
    if not USE_PLAIN_PAGES or size < PLAIN_PAGES_MIN_BYTES:
        return np.empty(size, dtype=np.uint8)
    return np.frombuffer(mmap.mmap(-1, size), dtype=np.uint8)


class FastBinary:
    """The matrix, the raw label bytes (with leading newlines) and the values' range of a binary file."""

    def __init__(self, vectors: np.ndarray, raw_labels: list[bytes], lo: float, hi: float,
                 first_bad: int | None) -> None:
        self.vectors = vectors
        self.raw_labels = raw_labels
        self.lo, self.hi = lo, hi
        self.first_bad = first_bad  # first record holding NaN or inf (0-based), or None


class _Reader(threading.Thread):
    """Reads the file into ``big`` ahead of the parser (the read releases the GIL: the copy from the
    page cache and the first touch of the matrix's pages overlap the label scan)."""

    def __init__(self, path: Path, big: np.ndarray, step: int) -> None:
        super().__init__(name="w2v-binary-reader", daemon=True)
        self.path, self.big, self.step = path, big, step
        self.have = 0
        self.consumed = 0  # bytes the parser is done with (set by it)
        self.done = False
        self.error: BaseException | None = None
        self.stop = False
        self.cond = threading.Condition()

    def run(self) -> None:
        size = len(self.big)
        view = memoryview(self.big)
        try:
            with open(self.path, "rb", buffering=0) as fh:
                while self.have < size and not self.stop:
                    with self.cond:
                        while self.have - self.consumed > READ_AHEAD_STEPS * self.step and not self.stop:
                            self.cond.wait()
                    got = fh.readinto(view[self.have:min(self.have + self.step, size)])
                    if not got:
                        break
                    with self.cond:
                        self.have += got
                        self.cond.notify_all()
        except BaseException as err:  # noqa: BLE001 -- handed to the parsing thread, which raises it
            self.error = err
        finally:
            view.release()
            with self.cond:
                self.done = True
                self.cond.notify_all()

    def wait_for(self, have: int) -> tuple[int, bool]:
        """Block until more than ``have`` bytes are read or the file ends: (bytes read, all read?)."""
        with self.cond:
            while self.have <= have and not self.done:
                self.cond.wait()
            if self.error is not None:
                raise self.error
            return self.have, self.done and self.have <= have

    def parsed(self, pos: int) -> None:
        """The parser is done with the bytes before ``pos``: the reader may go on."""
        with self.cond:
            self.consumed = pos
            self.cond.notify_all()

    def finish(self) -> None:
        with self.cond:
            self.stop = True
            self.cond.notify_all()
        self.join()
        self.big = None  # the caller may now resize the array (no other reference holds it)


def read_fast(path: Path, header_end: int, count: int, dims: int, n: int, control: TaskControl,
              read_bytes: int) -> FastBinary | None:
    """Read ``n`` of the ``count`` records of an uncompressed word2vec binary file (None: irregular).

    ``header_end`` is the offset of the first record (after the header's newline).
    """
    size = path.stat().st_size
    rec = 4 * dims
    vdt = np.dtype((np.void, rec))
    pattern = _record_pattern(rec)
    big = _fresh_bytes(size)  # the file's bytes; vectors gathered to the front
    step = max(read_bytes * STEP_FACTOR, rec + 2 * MAX_BINARY_LABEL_BYTES)
    labels: list[bytes] = []
    lo, hi = np.inf, -np.inf
    first_bad = None
    pos, i, have = header_end, 0, 0
    per = max(1, GATHER_BYTES // rec)
    reader = _Reader(path, big, step)
    reader.start()
    try:
        while i < n:
            have, ended = reader.wait_for(have)
            if ended:
                return None  # ends inside a record: the streaming reader reports where
            control.check()
            last = _last_space(big, pos, have - rec)
            if last < pos:
                if have - pos > step:  # a whole step without one record: irregular
                    return None
                continue
            found = pattern.findall(big, pos, last + 1 + rec)[:n - i]
            k = len(found)
            if not k:
                continue
            lens = np.fromiter(map(len, found), dtype=np.int64, count=k)
            if int(lens.max()) > MAX_BINARY_LABEL_BYTES:
                return None  # the streaming reader says which record and why
            ends = np.cumsum(lens + (1 + rec))
            ends += pos
            starts = ends - rec  # each vector's offset in the file
            window = np.ndarray((have - rec + 1,), vdt, big, 0, (1,))
            for b in range(0, k, per):
                block = window[starts[b:b + per]]
                dst = (i + b) * rec
                vals = big[dst:dst + len(block) * rec]
                vals[:] = block.view(np.uint8)
                vals = vals.view("<f4")
                bmin, bmax = float(vals.min()), float(vals.max())
                if not (np.isfinite(bmin) and np.isfinite(bmax)) and first_bad is None:
                    rows = vals.reshape(len(block), dims)
                    first_bad = i + b + int(np.argmin(np.isfinite(rows).all(axis=1)))
                lo, hi = min(lo, bmin), max(hi, bmax)
            del window, block, vals
            labels += found
            i += k
            pos = int(ends[-1])
            reader.parsed(pos)
            control.progress(min(have / size, 1.0), f"Reading {path.name}: {i:,} rows")
        if n == count:
            # Only whitespace may follow the last record (the streaming reader explains the rest).
            ended = False
            while not ended:
                have, ended = reader.wait_for(have)
            if big[pos:have].tobytes().strip():
                return None
    finally:
        reader.finish()
    front = big[:n * rec].view("<f4").reshape(n, dims)
    # The label bytes at the end stay mapped (a few per cent); a limit far below the file's rows
    # gets its own compact copy instead, so the unread rest is not kept.
    vectors = front.copy() if n * rec < KEEP_VIEW_SHARE * size else front
    return FastBinary(vectors, labels, lo, hi, first_bad)


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
