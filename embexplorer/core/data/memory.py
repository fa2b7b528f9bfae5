"""Memory guard: refuse, before reading, a file whose matrix would not fit in memory.

:func:`estimate_shape` reads only a file's first bytes (a header line, the
first lines and the file size, an ``.npy`` header) to estimate its rows and
dimensions; :func:`check_fits` compares what loading it would take with
:func:`available_memory` and raises :class:`MemoryLimitError`, which names
the file and suggests a row limit (``--limit N`` on the command line, "Load
first N rows" in the window), instead of letting the process be killed
half-way through a load.

The estimate is simple and calibrated against measured peaks (within 10 %
for word2vec binary and text files up to 3,000,000 x 300): float32 values
(4 bytes) per row and dimension, times a peak factor (1.0 where the matrix
is preallocated, 2.0 where it grows by parts), plus a per-row allowance for
the label string, its list slot and index entry, plus a fixed workspace.  Files whose size cannot be estimated
(pickles, unknown compressions) are not checked.
"""

from __future__ import annotations

import bz2
import gzip
import os
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from embexplorer.core.data._textparse import header_counts, trailing_numbers
from embexplorer.core.errors import DataError

#: Environment variable overriding the available-memory figure (bytes; ``k``/``M``/``G`` suffixes
#: allowed).  For tests and for users who want a stricter budget than the machine's.
MEMORY_ENV = "EMBEXPLORER_MEMORY_AVAILABLE"
#: Bytes per stored value: vectors are float32.
BYTES_PER_VALUE = 4
#: Bytes allowed per row beside its vector: the label ``str`` (~50-60 B), its list slot and the
#: label -> row dict entry (~100 B together on CPython 3.11/3.12 for short labels).
LABEL_BYTES_PER_ROW = 160
#: The same for word2vec binary files, measured (peak VmHWM growth of fresh processes, 400,000,
#: 1,000,000 and 3,000,000 rows of 300 dims, beyond the matrix and :data:`COMPILED_KERNEL_BYTES`: 125,
#: 115 and 108 B a row; estimates +6 %, +3 % and +2 %): the labels joined in one bytes object, their
#: decoded strings and the duplicate check's hashes are alive together at the peak.
BINARY_LABEL_BYTES_PER_ROW = 125
#: numba's compiled-code machinery, loaded for word2vec binary files whose matrix reaches
#: :data:`~embexplorer.core.data._w2v_binary.COMPILED_SCAN_MIN_BYTES` (the compiled scan; measured
#: ~0.1 GB, whatever the rows): counted even where numba is missing, to stay on the safe side.
COMPILED_KERNEL_BYTES = 100 * 1024 ** 2
#: The loader's peak memory relative to the finished set's matrix, on top of the labels and
#: :data:`LOADER_WORKSPACE_BYTES`.  1.0 where the matrix is preallocated to its final size
#: (a header's count, the counted lines of an uncompressed file, the binary reader's in-place
#: buffer); :data:`GROWING_PEAK_FACTOR` where it grows by parts and is joined at the end
#: (compressed text without a count).  Not counted: the copy made when duplicate labels are
#: dropped (rare in published files; it doubles the matrix for a moment).
LOAD_PEAK_FACTOR = 1.0
GROWING_PEAK_FACTOR = 2.0
#: Memory the loader needs whatever the file's size: the text parser's temporaries for one
#: 1 MB read step (measured with tracemalloc: ~20 MB above the finished set for 10k x 300,
#: 50k x 100 and 100k x 50 text files; word2vec binary needs less).
LOADER_WORKSPACE_BYTES = 32 * 1024 ** 2
#: Share of the memory that fits used for the suggested row limit (leaves room for PCA, the
#: scatter and the rest of the app).
SUGGESTED_LIMIT_SHARE = 0.8
#: Bytes of a text file examined to estimate its line length (and compressed ratio).
SAMPLE_BYTES = 1024 * 1024
#: Compressed bytes fed to the decompressor per step while sampling.
DECOMPRESS_STEP_BYTES = 16 * 1024
#: Smallest useful suggested limit; below it the message says memory is simply too short.
MIN_SUGGESTED_ROWS = 10
#: Formats whose file is read into memory (checked); pickles cannot be sized without unpickling.
TEXT_FORMATS = ("word2vec", "fasttext", "glove", "tsv")

_UNITS = {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3, "t": 1024 ** 4}


class MemoryLimitError(DataError):
    """Loading a file would take more memory than is available.

    Attributes
    ----------
    estimated_bytes : int
        Memory the load would need (peak, including :data:`LOAD_PEAK_FACTOR`).
    available_bytes : int
        Memory available when checked.
    suggested_limit : int or None
        Rows that would fit (None when not even :data:`MIN_SUGGESTED_ROWS` would).
    rows, dims : int
        The estimated shape of the file's matrix.
    """

    def __init__(self, path, rows: int, dims: int, estimated_bytes: int, available_bytes: int,
                 suggested_limit: int | None) -> None:
        self.rows, self.dims = int(rows), int(dims)
        self.estimated_bytes = int(estimated_bytes)
        self.available_bytes = int(available_bytes)
        self.suggested_limit = suggested_limit
        reason = (f"loading about {self.rows:,} rows x {self.dims:,} dims needs about "
                  f"{format_bytes(self.estimated_bytes)} of memory but only "
                  f"{format_bytes(self.available_bytes)} is available")
        if suggested_limit is not None:
            reason += f"; load the first rows only, e.g. with --limit {suggested_limit}"
        else:
            reason += "; free some memory or use a machine with more"
        super().__init__(reason, path)

    def __reduce__(self):
        return (type(self), (self.path, self.rows, self.dims, self.estimated_bytes, self.available_bytes,
                             self.suggested_limit))


@dataclass(frozen=True)
class ShapeEstimate:
    """Estimated matrix shape of a file, and whether loading copies it into memory."""

    rows: int
    dims: int
    exact: bool  # from a header (True) or extrapolated from the first lines (False)
    in_memory: bool = True  # False: the loader memory-maps it (float32 C-order .npy)
    growing: bool = False  # True: no count to preallocate by (compressed text without a header)


def format_bytes(n: float) -> str:
    """``1536`` -> ``"1.5 KB"`` (binary units, as the system monitor shows them)."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"  # pragma: no cover


def _parse_size(text: str) -> int | None:
    text = text.strip().lower().rstrip("b")
    unit = text[-1:] if text[-1:] in _UNITS and not text[-1:].isdigit() else ""
    number = text[:-1] if unit else text
    try:
        value = float(number)
    except ValueError:
        return None
    return int(value * _UNITS[unit]) if value >= 0 else None


def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024  # the figure is in kB
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_available() -> int | None:
    """Room left under a cgroup v2 memory limit (containers), if one is set."""
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit == "max":
            return None
        used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
        return max(0, int(limit) - used)
    except (OSError, ValueError):
        return None


def _sysconf_available() -> int | None:
    try:
        pages = os.sysconf("SC_AVPHYS_PAGES")
        page = os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None
    return pages * page if pages > 0 and page > 0 else None


def available_memory() -> int | None:
    """Bytes of memory a load may use now, or None where it cannot be told.

    :data:`MEMORY_ENV` if set; else the smaller of Linux's ``MemAvailable``
    (which counts reclaimable page cache, unlike "free") and the room under a
    cgroup limit; else ``os.sysconf`` free pages (other Unixes).
    """
    override = os.environ.get(MEMORY_ENV)
    if override:
        value = _parse_size(override)
        if value is not None:
            return value
    figures = [v for v in (_meminfo_available(), _cgroup_available()) if v is not None]
    if figures:
        return min(figures)
    return _sysconf_available()


# -- shape estimates ---------------------------------------------------------------------------------------

def _open_stream(path: Path):
    with open(path, "rb") as fh:
        magic = fh.read(3)
    raw = open(path, "rb")  # noqa: SIM115 - the caller closes both
    if magic[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw, mode="rb"), raw, True
    if magic == b"BZh":
        return bz2.BZ2File(raw, mode="rb"), raw, True
    return raw, raw, False


def _header(line: bytes) -> tuple[int, int] | None:
    counts = header_counts(line)
    return counts if counts is not None and counts[0] > 0 and counts[1] > 0 else None


def _sample(path: Path) -> tuple[bytes, int, bool, bool]:
    """The (decompressed) content's first bytes, the compressed bytes they came from, compressed?, whole?

    At least :data:`SAMPLE_BYTES` unless the content is shorter.  Decompressed here with zlib / bz2
    directly, not through ``GzipFile``, whose read-ahead (different in each Python version) would
    blur how much of the file the sample came from.  bz2 yields whole blocks: the input consumed is
    taken where the last block came out.
    """
    with open(path, "rb") as fh:
        magic = fh.read(3)
        fh.seek(0)
        if magic[:2] == b"\x1f\x8b":
            dec = zlib.decompressobj(wbits=31)  # gzip header and trailer
        elif magic == b"BZh":
            dec = bz2.BZ2Decompressor()
        else:
            data = fh.read(SAMPLE_BYTES)
            return data, len(data), False, len(data) < SAMPLE_BYTES
        is_bz2 = isinstance(dec, bz2.BZ2Decompressor)
        out: list[bytes] = []
        have = fed = consumed = 0
        while have < SAMPLE_BYTES and not dec.eof:
            chunk = fh.read(DECOMPRESS_STEP_BYTES)
            if not chunk:
                break
            fed += len(chunk)
            if is_bz2:
                piece = dec.decompress(chunk)
                if piece:
                    consumed = fed
            else:
                piece = dec.decompress(chunk, SAMPLE_BYTES - have)
                consumed = fed - len(dec.unconsumed_tail)
            out.append(piece)
            have += len(piece)
        return b"".join(out), consumed, True, dec.eof


def _estimate_text(path: Path, fmt: str) -> ShapeEstimate | None:
    size = path.stat().st_size
    try:
        data, consumed, compressed, whole = _sample(path)
    except (OSError, EOFError, zlib.error):
        return None  # damaged: the loader reports it with its line
    if not data.strip():
        return None
    # Decompressed size, extrapolated from the share of the compressed file read so far.
    total = len(data) if whole else (size if not compressed else len(data) * size / max(consumed, 1))
    first, _, rest = data.partition(b"\n")
    header = _header(first) if fmt != "tsv" and b"\t" not in first else None
    if header is not None:
        count, dims = header
        # A lying header must not make a small file look huge: a row takes >= 2 bytes per value.
        count = min(count, int(total) // (2 * dims) + 1)
        return ShapeEstimate(count, dims, exact=True)
    lines = [ln for ln in data.split(b"\n") if ln.strip()]
    if not whole and len(lines) > 1:
        lines = lines[:-1]  # the sample may end inside a line
    if not lines:
        return None
    parts = lines[0].split()
    if fmt == "tsv":
        dims = len(parts)
    else:
        dims = min(trailing_numbers(parts), len(parts) - 1)
    if dims < 1:
        return None
    if whole:
        return ShapeEstimate(len(lines), dims, exact=True)
    sampled_bytes = sum(len(ln) + 1 for ln in lines)
    rows = int(total * len(lines) / max(sampled_bytes, 1)) + 1
    return ShapeEstimate(rows, dims, exact=False, growing=compressed)


def _estimate_binary(path: Path) -> ShapeEstimate | None:
    with open(path, "rb") as fh:
        head = fh.read(256)
    compressed = head[:2] == b"\x1f\x8b" or head[:3] == b"BZh"
    if compressed:
        stream, raw, _ = _open_stream(path)
        try:
            head = stream.read(256)
        except (OSError, EOFError):
            return None
        finally:
            stream.close()
            raw.close()
    header = _header(head.split(b"\n", 1)[0])
    if header is None:
        return None
    count, dims = header
    if not compressed:
        count = min(count, path.stat().st_size // (BYTES_PER_VALUE * dims) + 1)
    return ShapeEstimate(count, dims, exact=True)


def _npy_shape(fh) -> tuple[tuple, object, bool] | None:
    import numpy as np

    try:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
    except Exception:  # noqa: BLE001 -- a damaged header: the loader reports it properly
        return None
    return shape, dtype, fortran


def _estimate_npy(path: Path) -> ShapeEstimate | None:
    with open(path, "rb") as fh:
        info = _npy_shape(fh)
    if info is None or len(info[0]) != 2:
        return None
    (rows, dims), dtype, fortran = info
    if rows < 1 or dims < 1:
        return None
    # A float32 C-order array is memory-mapped by the loader: the OS pages it in and out.
    mapped = str(dtype) == "float32" and not fortran
    return ShapeEstimate(int(rows), int(dims), exact=True, in_memory=not mapped)


def _estimate_npz(path: Path) -> ShapeEstimate | None:
    from embexplorer.core.data.formats import NPZ_VECTOR_KEYS

    try:
        with zipfile.ZipFile(path) as z:
            names = {n[:-4]: n for n in z.namelist() if n.endswith(".npy")}
            key = next((k for k in NPZ_VECTOR_KEYS if k in names), None)
            if key is None:
                return None
            with z.open(names[key]) as fh:
                info = _npy_shape(fh)
    except (OSError, zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError):
        return None
    if info is None or len(info[0]) != 2 or min(info[0]) < 1:
        return None
    rows, dims = info[0]
    return ShapeEstimate(int(rows), int(dims), exact=True)


def estimate_shape(path: str | os.PathLike, fmt: str) -> ShapeEstimate | None:
    """Estimated (rows, dims) of the matrix in ``path`` read as ``fmt``, from its first bytes only.

    None where it cannot be estimated cheaply (gensim pickles, damaged files:
    the loader reports those).
    """
    path = Path(path)
    try:
        if fmt in TEXT_FORMATS:
            return _estimate_text(path, fmt)
        if fmt == "word2vec-binary":
            return _estimate_binary(path)
        if fmt == "npy":
            return _estimate_npy(path)
        if fmt == "npz":
            return _estimate_npz(path)
    except OSError:
        return None
    return None


def _row_bytes(dims: int, fmt: str | None = None, growing: bool = False) -> float:
    labels = BINARY_LABEL_BYTES_PER_ROW if fmt == "word2vec-binary" else LABEL_BYTES_PER_ROW
    factor = GROWING_PEAK_FACTOR if growing else LOAD_PEAK_FACTOR
    return dims * BYTES_PER_VALUE * factor + labels


def bytes_needed(rows: int, dims: int, fmt: str | None = None, growing: bool = False) -> int:
    """Peak memory of loading ``rows`` x ``dims`` (from a file of format ``fmt``).

    The matrix times :data:`LOAD_PEAK_FACTOR` (:data:`GROWING_PEAK_FACTOR` when ``growing``: no
    count to preallocate by), the labels, plus :data:`LOADER_WORKSPACE_BYTES` (and
    :data:`COMPILED_KERNEL_BYTES` for a binary file large enough for the compiled scan).  Measured within
    10 % of the real peak for word2vec binary and text files of 60,000 to 3,000,000 x 300.
    """
    fixed = LOADER_WORKSPACE_BYTES + _kernel_bytes(rows, dims, fmt)
    return int(rows * _row_bytes(dims, fmt, growing)) + fixed


def _kernel_bytes(rows: int, dims: int, fmt: str | None) -> int:
    """:data:`COMPILED_KERNEL_BYTES` when a binary file of this size takes the compiled scan, else 0."""
    if fmt != "word2vec-binary":
        return 0
    # Here, not at the top: the memory guard is imported at start-up, the binary reader only when used.
    from embexplorer.core.data._w2v_binary import COMPILED_SCAN_MIN_BYTES

    return COMPILED_KERNEL_BYTES if rows * dims * BYTES_PER_VALUE >= COMPILED_SCAN_MIN_BYTES else 0


def suggested_rows(dims: int, available: int, fmt: str | None = None, growing: bool = False) -> int | None:
    """A round row count that loads within :data:`SUGGESTED_LIMIT_SHARE` of ``available``."""
    room = available * SUGGESTED_LIMIT_SHARE - LOADER_WORKSPACE_BYTES
    if fmt == "word2vec-binary":  # (the suggestion may well be large enough for the compiled scan)
        room -= COMPILED_KERNEL_BYTES
    rows = int(room / _row_bytes(dims, fmt, growing)) if dims > 0 and room > 0 else 0
    if rows < MIN_SUGGESTED_ROWS:
        return None
    digits = len(str(rows)) - 2  # keep two significant figures: 123,456 -> 120,000
    return rows if digits <= 0 else rows // 10 ** digits * 10 ** digits


def check_fits(path: str | os.PathLike, fmt: str, limit: int | None = None,
               available: int | None = None) -> ShapeEstimate | None:
    """Raise :class:`MemoryLimitError` if loading ``path`` (up to ``limit`` rows) would not fit.

    Parameters
    ----------
    path : path-like
    fmt : str
        The format the file will be read as (see ``formats.FORMAT_NAMES``).
    limit : int, optional
        Rows that will be read at most.
    available : int, optional
        Bytes available; :func:`available_memory` when omitted.

    Returns
    -------
    ShapeEstimate or None
        The estimate used (None when the file could not be sized or the memory not told).
    """
    shape = estimate_shape(path, fmt)
    if shape is None or not shape.in_memory:
        return shape
    if available is None:
        available = available_memory()
    if available is None:
        return shape
    rows = shape.rows if limit is None else min(shape.rows, limit)
    need = bytes_needed(rows, shape.dims, fmt, shape.growing)
    if need > available:
        raise MemoryLimitError(path, rows, shape.dims, need, available,
                               suggested_rows(shape.dims, available, fmt, shape.growing))
    return shape
