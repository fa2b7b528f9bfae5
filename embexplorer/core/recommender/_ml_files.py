"""MovieLens files: members of a folder or a zip, and the vectorised parsing of their numeric tables.

``u.data``, ``ratings.dat``, ``ratings.csv`` and the official ``u1.base``.. splits are numbers
separated by one delimiter; :func:`_parse_numeric` reads them in chunks of :data:`CHUNK_BYTES`
(progress, cancellation, bounded memory) and words the first bad line as a DataError.
Used by :mod:`embexplorer.core.recommender.movielens`.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from embexplorer.core.errors import DataError
from embexplorer.core.progress import TaskControl

#: Bytes parsed per vectorised chunk (bounded memory for ml-25m/ml-32m).
CHUNK_BYTES = 8 << 20
#: Largest id magnitude accepted (beyond it float64 cannot hold every integer; a damaged field).
MAX_ID = 2.0 ** 53
#: Largest timestamp magnitude accepted (seconds; int64 holds it with room to spare).
MAX_TIMESTAMP = 2.0 ** 62


# ---------------------------------------------------------------------------
# Reading members from a folder or a zip
# ---------------------------------------------------------------------------
class _Source:
    """A MovieLens folder or zip; members are found by base name."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._members: dict[str, str] = {}
        if path.is_dir():
            for p in path.iterdir():
                if p.is_file():
                    self._members[p.name] = str(p)
        elif zipfile.is_zipfile(path):
            try:
                self._zip = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError) as err:
                raise DataError(f"not a readable zip file: {err}", path) from err
            for name in self._zip.namelist():
                if name.startswith("__MACOSX") or name.endswith("/"):
                    continue
                self._members.setdefault(name.rsplit("/", 1)[-1], name)
        else:
            raise DataError("not a MovieLens folder or zip", path)

    @property
    def in_zip(self) -> bool:
        """Whether the members are read from a zip (else from a folder)."""
        return self._zip is not None

    def has(self, name: str) -> bool:
        return name in self._members

    def display(self, name: str) -> str:
        """Path shown in error messages (``zip/member`` inside a zip)."""
        if self._zip is not None:
            return f"{self.path}/{self._members[name]}"
        return self._members[name]

    def read(self, name: str) -> bytes:
        if name not in self._members:
            raise DataError(f"{name} not found", self.path)
        try:
            if self._zip is not None:
                return self._zip.read(self._members[name])
            return Path(self._members[name]).read_bytes()
        except (zipfile.BadZipFile, zipfile.LargeZipFile) as err:
            raise DataError(f"cannot read {name}: {err}", self.path) from err

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def _open_source(path: str | os.PathLike) -> _Source:
    path = Path(path)
    if not path.exists():
        raise DataError("no such file or folder", path)
    return _Source(path)


# ---------------------------------------------------------------------------
# Vectorised numeric table parsing
# ---------------------------------------------------------------------------
def _scan_bad_line(chunk: bytes, sep: bytes, ncols: int, min_cols: int, first_line: int,
                   where: str) -> DataError:
    """Find the first malformed line of ``chunk`` and describe it."""
    for k, line in enumerate(chunk.split(b"\n")):
        line = line.strip()
        if not line:
            continue
        fields = line.split(sep) if sep.strip() else line.split()
        lineno = first_line + k
        if len(fields) < min_cols or len(fields) > ncols:
            return DataError(f"expected {min_cols if min_cols == ncols else f'{min_cols}-{ncols}'} "
                             f"fields, found {len(fields)}", where, lineno)
        for f in fields[:ncols]:
            try:
                v = float(f)
            except ValueError:
                return DataError(f"not a number: {f.decode('latin-1')!r}", where, lineno)
            if not np.isfinite(v):
                return DataError(f"not a finite number: {f.decode('latin-1')!r}", where, lineno)
    return DataError("malformed data", where, first_line)


def _parse_numeric(data: bytes, where: str, sep: bytes, ncols: int, skip_header: bool,
                   control: TaskControl, min_cols: int | None = None, what: str = "ratings"
                   ) -> np.ndarray:
    """Parse a delimited numeric table into an (n, ncols) float64 array, chunk by chunk.

    ``min_cols`` allows a trailing optional column (filled with NaN when absent
    everywhere in a chunk).
    """
    min_cols = ncols if min_cols is None else min_cols
    start, line_no = 0, 1
    if skip_header:
        nl = data.find(b"\n")
        start = len(data) if nl < 0 else nl + 1
        line_no = 2
    total = max(len(data), 1)
    parts: list[np.ndarray] = []
    while start < len(data):
        end = data.find(b"\n", min(start + CHUNK_BYTES, len(data)))
        end = len(data) if end < 0 else end + 1
        chunk = data[start:end]
        text = chunk.replace(b"\r", b"")
        if sep.strip():
            text = text.replace(sep, b" ")
        lines_in_chunk = chunk.count(b"\n") + (0 if chunk.endswith(b"\n") else 1)
        rows = [ln for ln in text.split(b"\n") if ln.strip()]
        tokens = text.split()
        ncol_here = ncols
        if len(tokens) != len(rows) * ncols:
            if min_cols != ncols and len(tokens) == len(rows) * min_cols:
                ncol_here = min_cols
            else:
                raise _scan_bad_line(chunk.replace(b"\r", b""), sep, ncols, min_cols, line_no, where)
        try:
            arr = np.array(tokens, dtype=np.bytes_).astype(np.float64).reshape(len(rows), ncol_here)
        except ValueError:
            raise _scan_bad_line(chunk.replace(b"\r", b""), sep, ncols, min_cols, line_no, where) from None
        if not np.isfinite(arr).all():
            raise _scan_bad_line(chunk.replace(b"\r", b""), sep, ncols, min_cols, line_no, where)
        if ncol_here < ncols:
            arr = np.hstack([arr, np.full((len(arr), ncols - ncol_here), np.nan)])
        parts.append(arr)
        line_no += lines_in_chunk
        start = end
        control.progress(start / total, f"reading {what}")
    if not parts:
        return np.empty((0, ncols), dtype=np.float64)
    return np.vstack(parts) if len(parts) > 1 else parts[0]


def _check_int_column(col: np.ndarray, where: str, what: str, first_line: int) -> np.ndarray:
    bad = np.flatnonzero((col != np.round(col)) | (np.abs(col) > MAX_ID))
    if len(bad):
        raise DataError(f"{what} is not an integer: {col[bad[0]]:g}", where, first_line + int(bad[0]))
    return col.astype(np.int64)


def _ratings_from_table(table: np.ndarray, where: str, first_line: int, has_ts: bool):
    """Split a parsed (n, 3|4) table into raw user ids, item ids, ratings, timestamps."""
    users = _check_int_column(table[:, 0], where, "user id", first_line)
    items = _check_int_column(table[:, 1], where, "item id", first_line)
    with np.errstate(over="ignore"):  # beyond float32 becomes inf: reported just below
        ratings = table[:, 2].astype(np.float32)
    bad = np.flatnonzero(~np.isfinite(ratings))
    if len(bad):
        raise DataError(f"rating {table[bad[0], 2]:g} is out of range", where, first_line + int(bad[0]))
    ts = None
    if has_ts and table.shape[1] > 3 and not np.isnan(table[:, 3]).all():
        bad = np.flatnonzero(~(np.abs(table[:, 3]) <= MAX_TIMESTAMP))
        if len(bad):
            raise DataError(f"timestamp {table[bad[0], 3]:g} is out of range", where,
                            first_line + int(bad[0]))
        ts = table[:, 3].astype(np.int64)
    return users, items, ratings, ts


def _index_ids(raw: np.ndarray, known: list[int] | None = None) -> tuple[np.ndarray, list[int]]:
    """Map raw integer ids to dense indices; ``known`` ids (metadata order) come first."""
    uniq, inverse = np.unique(raw, return_inverse=True)
    if known is None:
        return inverse.astype(np.int32), [int(u) for u in uniq]
    order = list(known)
    pos = {v: i for i, v in enumerate(order)}
    for u in uniq.tolist():
        if u not in pos:
            pos[u] = len(order)
            order.append(u)
    lut = np.array([pos[u] for u in uniq.tolist()], dtype=np.int32)
    return lut[inverse], order
