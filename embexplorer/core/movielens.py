"""MovieLens (and generic) ratings: parsers, official splits, movie and user metadata.

Reads the published layouts from a folder or straight from the zip GroupLens
distributes:

* ``ml-100k``: ``u.data`` (tab-separated), ``u.item`` (``|``, latin-1, 19 genre
  flags), ``u.user``, ``u.genre``, official splits ``u1``..``u5``, ``ua``, ``ub``;
* ``ml-1m`` (and ``ml-10m``): ``ratings.dat`` / ``movies.dat`` / ``users.dat``
  separated by ``::``, latin-1;
* ``ml-latest-small`` / ``ml-25m`` / ``ml-32m``: ``ratings.csv`` and
  ``movies.csv`` with a header, UTF-8, ``|``-separated genres, half stars;
* any ratings CSV with a column mapping (:func:`load_ratings_csv`).

Everything becomes a :class:`Ratings`: int32 user/item indices, float32
ratings, optional int64 timestamps, id <-> index maps and metadata.  Large
files are parsed in vectorised chunks (progress, cancellation); a bad line
raises :class:`~embexplorer.core.errors.DataError` naming file and line.
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from embexplorer.core.errors import DataError
from embexplorer.core.progress import TaskControl, ensure_control

#: Official ml-100k splits (five-fold ``u1``..``u5`` and the 10-per-user ``ua``/``ub``).
OFFICIAL_SPLITS = ("u1", "u2", "u3", "u4", "u5", "ua", "ub")
#: Every split name :func:`split_ratings` understands.
SPLIT_NAMES = OFFICIAL_SPLITS + ("random",)
#: Default share of ratings held out by the random split (fastai uses 20 %).
DEFAULT_TEST_FRACTION = 0.2
#: Bytes parsed per vectorised chunk (bounded memory for ml-25m/ml-32m).
CHUNK_BYTES = 8 << 20
#: Layout names returned in :attr:`Ratings.layout`.
LAYOUTS = ("ml-100k", "ml-1m", "ml-latest", "csv")

#: ml-100k genre order (``u.genre``), used when that file is missing.
ML100K_GENRES = ("unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
                 "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
                 "Romance", "Sci-Fi", "Thriller", "War", "Western")
#: ml-1m occupation codes (from its README).
ML1M_OCCUPATIONS = ("other", "academic/educator", "artist", "clerical/admin", "college/grad student",
                    "customer service", "doctor/health care", "executive/managerial", "farmer",
                    "homemaker", "K-12 student", "lawyer", "programmer", "retired", "sales/marketing",
                    "scientist", "self-employed", "technician/engineer", "tradesman/craftsman",
                    "unemployed", "writer")
#: Genre string meaning "none" in the CSV layouts.
NO_GENRE = "(no genres listed)"
#: Largest id magnitude accepted (beyond it float64 cannot hold every integer; a damaged field).
MAX_ID = 2.0 ** 53
#: Largest timestamp magnitude accepted (seconds; int64 holds it with room to spare).
MAX_TIMESTAMP = 2.0 ** 62
#: Largest rating magnitude that float32 holds.
FLOAT32_MAX = float(np.finfo(np.float32).max)

_YEAR_RE = re.compile(r"\((\d{4})\)\s*$")


@dataclass
class Ratings:
    """A ratings table with its id maps and metadata.

    Attributes
    ----------
    users, items : ndarray of int32
        Row indices into :attr:`user_ids` / :attr:`item_ids`, one per rating.
    ratings : ndarray of float32
    timestamps : ndarray of int64 or None
    user_ids, item_ids : list of str
        Raw ids in index order.
    titles : list of str
        One per item ("" when unknown).
    years : ndarray of float64
        Release year per item (NaN when unknown).
    genre_names : list of str
    genres : ndarray of bool, shape (n_items, n_genres)
        Genre flags.
    user_meta : dict of str to list
        Per-user columns where the data has them (``age``, ``gender``, ``occupation``).
    layout : str
        One of :data:`LAYOUTS`.
    source : str
        Folder, zip or file it was read from.
    warnings : list of str
        Non-fatal problems (e.g. ratings of movies missing from the movie list, dropped).
    """

    users: np.ndarray
    items: np.ndarray
    ratings: np.ndarray
    timestamps: np.ndarray | None
    user_ids: list[str]
    item_ids: list[str]
    titles: list[str] = field(default_factory=list)
    years: np.ndarray | None = None
    genre_names: list[str] = field(default_factory=list)
    genres: np.ndarray | None = None
    user_meta: dict[str, list] = field(default_factory=dict)
    layout: str = "csv"
    source: str = ""
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        n_items = len(self.item_ids)
        if not self.titles:
            self.titles = [""] * n_items
        if self.years is None:
            self.years = np.full(n_items, np.nan)
        if self.genres is None:
            self.genres = np.zeros((n_items, len(self.genre_names)), dtype=bool)
        self._user_index: dict[str, int] | None = None
        self._item_index: dict[str, int] | None = None

    # -- sizes ----------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.ratings)

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def __repr__(self) -> str:
        return (f"Ratings({len(self)} ratings, {self.n_users} users, {self.n_items} items, "
                f"layout={self.layout!r}, source={self.source!r})")

    # -- id maps ------------------------------------------------------------
    @property
    def user_index(self) -> dict[str, int]:
        """Raw user id -> index."""
        if self._user_index is None:
            self._user_index = {u: i for i, u in enumerate(self.user_ids)}
        return self._user_index

    @property
    def item_index(self) -> dict[str, int]:
        """Raw item id -> index."""
        if self._item_index is None:
            self._item_index = {m: i for i, m in enumerate(self.item_ids)}
        return self._item_index

    # -- derived metadata -----------------------------------------------------
    def item_counts(self) -> np.ndarray:
        """Number of ratings per item (int64)."""
        return np.bincount(self.items, minlength=self.n_items)

    def item_means(self) -> np.ndarray:
        """Mean rating per item (NaN for unrated items)."""
        counts = self.item_counts()
        sums = np.bincount(self.items, weights=self.ratings.astype(np.float64), minlength=self.n_items)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)

    def user_counts(self) -> np.ndarray:
        """Number of ratings per user (int64)."""
        return np.bincount(self.users, minlength=self.n_users)

    def main_genres(self) -> list[str]:
        """First flagged genre of each item, in :attr:`genre_names` order ("" when none)."""
        if self.genres.shape[1] == 0:
            return [""] * self.n_items
        first = np.argmax(self.genres, axis=1)
        has = self.genres.any(axis=1)
        return [self.genre_names[g] if h else "" for g, h in zip(first, has)]

    def item_genre_text(self, item: int) -> str:
        """All genres of ``item`` joined by ``|``."""
        return "|".join(self.genre_names[g] for g in np.flatnonzero(self.genres[item]))

    @property
    def rating_range(self) -> tuple[float, float]:
        """Smallest and largest rating present."""
        if len(self.ratings) == 0:
            return (0.0, 0.0)
        return float(self.ratings.min()), float(self.ratings.max())

    def take(self, rows) -> Ratings:
        """The ratings at ``rows``, sharing ids and metadata (indices keep their meaning)."""
        rows = np.asarray(rows, dtype=np.intp)
        return Ratings(self.users[rows], self.items[rows], self.ratings[rows],
                       None if self.timestamps is None else self.timestamps[rows],
                       self.user_ids, self.item_ids, self.titles, self.years, self.genre_names,
                       self.genres, self.user_meta, self.layout, self.source, list(self.warnings))


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


def _add_id(ids: list[int], seen: dict[int, int], text: str, where: str, line: int, what: str) -> None:
    """Append the integer id ``text`` (read on ``line``); a huge or repeated id is a DataError."""
    value = int(text)  # ValueError is reported by the caller
    if abs(value) > MAX_ID:
        raise DataError(f"{what} id {text.strip()[:40]!r} is out of range", where, line)
    if value in seen:
        raise DataError(f"{what} id {value} listed twice (first on line {seen[value]})", where, line)
    seen[value] = line
    ids.append(value)


def _year_from_title(title: str) -> float:
    m = _YEAR_RE.search(title)
    return float(m.group(1)) if m else np.nan


# ---------------------------------------------------------------------------
# Layout-specific readers
# ---------------------------------------------------------------------------
def _read_ml100k_items(src: _Source) -> tuple[list[int], list[str], np.ndarray, list[str], np.ndarray]:
    genre_names = list(ML100K_GENRES)
    if src.has("u.genre"):
        text = src.read("u.genre").decode("latin-1")
        names = [ln.split("|")[0] for ln in text.splitlines() if ln.strip()]
        if names:
            genre_names = names
    where = src.display("u.item")
    ids, titles, years, flags = [], [], [], []
    seen: dict[int, int] = {}
    for k, line in enumerate(src.read("u.item").decode("latin-1").splitlines(), start=1):
        if not line.strip():
            continue
        f = line.split("|")
        if len(f) != 5 + len(genre_names):
            raise DataError(f"expected {5 + len(genre_names)} fields, found {len(f)}", where, k)
        try:
            _add_id(ids, seen, f[0], where, k, "movie")
            flags.append([int(x) for x in f[5:]])
        except ValueError as err:
            raise DataError(f"bad movie id or genre flag: {err}", where, k) from None
        titles.append(f[1])
        year = _year_from_title(f[1])
        if np.isnan(year) and len(f[2]) >= 4 and f[2][-4:].isdigit():
            year = float(f[2][-4:])  # release date "01-Jan-1995"
        years.append(year)
    genres = np.array(flags, dtype=bool).reshape(len(ids), len(genre_names))
    return ids, titles, np.array(years, dtype=np.float64), genre_names, genres


def _read_dat_movies(src: _Source) -> tuple[list[int], list[str], np.ndarray, list[str], np.ndarray]:
    where = src.display("movies.dat")
    ids, titles, genre_lists = [], [], []
    seen: dict[int, int] = {}
    for k, line in enumerate(src.read("movies.dat").decode("latin-1").splitlines(), start=1):
        if not line.strip():
            continue
        f = line.split("::")
        if len(f) != 3:
            raise DataError(f"expected 3 fields separated by '::', found {len(f)}", where, k)
        try:
            _add_id(ids, seen, f[0], where, k, "movie")
        except ValueError:
            raise DataError(f"bad movie id {f[0]!r}", where, k) from None
        titles.append(f[1])
        genre_lists.append([g for g in f[2].split("|") if g and g != NO_GENRE])
    return (ids, titles, np.array([_year_from_title(t) for t in titles], dtype=np.float64),
            *_genre_matrix(genre_lists))


def _read_csv_movies(src: _Source) -> tuple[list[int], list[str], np.ndarray, list[str], np.ndarray]:
    where = src.display("movies.csv")
    text = src.read("movies.csv").decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or [h.strip() for h in header[:3]] != ["movieId", "title", "genres"]:
        raise DataError("expected header 'movieId,title,genres'", where, 1)
    ids, titles, genre_lists = [], [], []
    seen: dict[int, int] = {}
    try:
        for row in reader:
            if not row:
                continue
            if len(row) != 3:
                raise DataError(f"expected 3 fields, found {len(row)}", where, reader.line_num)
            try:
                _add_id(ids, seen, row[0], where, reader.line_num, "movie")
            except ValueError:
                raise DataError(f"bad movie id {row[0]!r}", where, reader.line_num) from None
            titles.append(row[1].strip())
            genre_lists.append([g for g in row[2].split("|") if g and g != NO_GENRE])
    except csv.Error as err:  # a stray quote or carriage return, an overlong field
        raise DataError(f"malformed CSV: {err}", where, reader.line_num or 1) from None
    return (ids, titles, np.array([_year_from_title(t) for t in titles], dtype=np.float64),
            *_genre_matrix(genre_lists))


def _genre_matrix(genre_lists: list[list[str]]) -> tuple[list[str], np.ndarray]:
    names = sorted({g for gl in genre_lists for g in gl})
    pos = {g: i for i, g in enumerate(names)}
    mat = np.zeros((len(genre_lists), len(names)), dtype=bool)
    for r, gl in enumerate(genre_lists):
        for g in gl:
            mat[r, pos[g]] = True
    return names, mat


def _read_users(src: _Source, name: str, sep: str, layout: str) -> tuple[list[int], dict[str, list]]:
    where = src.display(name)
    ids, ages, genders, occs = [], [], [], []
    seen: dict[int, int] = {}
    for k, line in enumerate(src.read(name).decode("latin-1").splitlines(), start=1):
        if not line.strip():
            continue
        f = line.split(sep)
        if len(f) != 5:
            raise DataError(f"expected 5 fields, found {len(f)}", where, k)
        try:
            if layout == "ml-100k":  # id|age|gender|occupation|zip
                _add_id(ids, seen, f[0], where, k, "user")
                ages.append(float(f[1]))
                genders.append(f[2])
                occs.append(f[3])
            else:  # UserID::Gender::Age::Occupation::Zip-code
                _add_id(ids, seen, f[0], where, k, "user")
                genders.append(f[1])
                ages.append(float(f[2]))
                code = int(f[3])
                occs.append(ML1M_OCCUPATIONS[code] if 0 <= code < len(ML1M_OCCUPATIONS) else str(code))
        except ValueError as err:
            raise DataError(f"bad user record: {err}", where, k) from None
    return ids, {"age": ages, "gender": genders, "occupation": occs}


def _align_user_meta(meta: dict[str, list], meta_ids: list[int], user_ids: list[int]) -> dict[str, list]:
    pos = {u: i for i, u in enumerate(meta_ids)}
    out = {}
    for key, values in meta.items():
        missing = np.nan if key == "age" else ""
        out[key] = [values[pos[u]] if u in pos else missing for u in user_ids]
    return out


def detect_layout(path: str | os.PathLike) -> str:
    """Which MovieLens layout ``path`` (folder, zip or ratings file) holds.

    Returns one of :data:`LAYOUTS`; raises DataError when nothing fits.
    """
    path = Path(path)
    if path.is_file() and not zipfile.is_zipfile(path):
        name = path.name
        if name == "u.data" or name.endswith((".base", ".test")):
            return "ml-100k"
        if name == "ratings.dat":
            return "ml-1m"
        if name == "ratings.csv":
            return "ml-latest"
        return "csv"
    src = _open_source(path)
    try:
        if src.has("u.data"):
            return "ml-100k"
        if src.has("ratings.dat"):
            return "ml-1m"
        if src.has("ratings.csv"):
            return "ml-latest"
    finally:
        src.close()
    raise DataError("no MovieLens ratings found (expected u.data, ratings.dat or ratings.csv)", path)


def load_movielens(path: str | os.PathLike, control: TaskControl | None = None) -> Ratings:
    """Read a MovieLens dataset from its folder, its zip, or its ratings file.

    Parameters
    ----------
    path : path
        ``ml-100k/`` (or ``u.data`` inside it), ``ml-100k.zip``, ``ml-1m``,
        ``ml-latest-small`` (or their zips), or a ``ratings.csv``.
    control : TaskControl, optional
        Progress and cancellation.

    Returns
    -------
    Ratings
    """
    control = ensure_control(control)
    path = Path(path)
    layout = detect_layout(path)
    if layout == "csv":
        return load_ratings_csv(path, control=control)
    folder = path.parent if path.is_file() and not zipfile.is_zipfile(path) else path
    src = _open_source(folder)
    try:
        if layout == "ml-100k":
            table = _parse_numeric(src.read("u.data"), src.display("u.data"), b"\t", 4, False, control)
            items_meta = _read_ml100k_items(src) if src.has("u.item") else None
            users_meta = _read_users(src, "u.user", "|", layout) if src.has("u.user") else None
            first_line = 1
            where = src.display("u.data")
        elif layout == "ml-1m":
            where = src.display("ratings.dat")
            table = _parse_numeric(src.read("ratings.dat"), where, b"::", 4, False, control)
            items_meta = _read_dat_movies(src) if src.has("movies.dat") else None
            users_meta = _read_users(src, "users.dat", "::", layout) if src.has("users.dat") else None
            first_line = 1
        else:
            where = src.display("ratings.csv")
            data = src.read("ratings.csv")
            header = data[:data.find(b"\n")].decode("utf-8-sig", errors="replace").strip().split(",")
            if header[:3] != ["userId", "movieId", "rating"]:
                raise DataError("expected header 'userId,movieId,rating[,timestamp]'", where, 1)
            table = _parse_numeric(data, where, b",", len(header), True, control)
            items_meta = _read_csv_movies(src) if src.has("movies.csv") else None
            users_meta = None
            first_line = 2
    finally:
        src.close()
    if len(table) == 0:
        raise DataError("no ratings found", where)
    raw_u, raw_i, ratings, ts = _ratings_from_table(table, where, first_line, True)
    warnings: list[str] = []
    if items_meta is not None:
        meta_ids, titles, years, genre_names, genres = items_meta
        # MovieLens lists every rated movie in its movie file; a rating of an
        # unknown movie is a damaged or appended line: drop it, say so.
        known = np.isin(raw_i, np.asarray(meta_ids, dtype=np.int64))
        if not known.all():
            bad = np.flatnonzero(~known)
            warnings.append(f"{where}:{first_line + int(bad[0])}: {len(bad)} rating(s) of movies missing "
                            f"from the movie list dropped (first: user {raw_u[bad[0]]}, "
                            f"movie {raw_i[bad[0]]})")
            raw_u, raw_i, ratings = raw_u[known], raw_i[known], ratings[known]
            if not known.any():
                raise DataError("no rating is of a movie in the movie list", where)
            ts = None if ts is None else ts[known]
        items, item_ids = _index_ids(raw_i, known=meta_ids)
    else:
        items, item_ids = _index_ids(raw_i)
        titles, years, genre_names, genres = [], None, [], None
    users, user_ids = _index_ids(raw_u)
    user_meta = {}
    if users_meta is not None:
        user_meta = _align_user_meta(users_meta[1], users_meta[0], user_ids)
    control.progress(1.0, "ratings read", force=True)
    return Ratings(users, items, ratings, ts, [str(u) for u in user_ids], [str(i) for i in item_ids],
                   titles, years, genre_names, genres, user_meta, layout, str(path), warnings)


def load_ratings_csv(path: str | os.PathLike, user_col: str | int = 0, item_col: str | int = 1,
                     rating_col: str | int = 2, timestamp_col: str | int | None = None,
                     delimiter: str | None = None, has_header: bool | None = None,
                     encoding: str = "utf-8", control: TaskControl | None = None) -> Ratings:
    """Read a generic ratings table (user, item, rating[, timestamp]).

    Parameters
    ----------
    path : path
        A delimited text file.
    user_col, item_col, rating_col, timestamp_col : str or int
        Column names (needs a header) or 0-based positions.
    delimiter : str, optional
        Field separator; sniffed from the first line when omitted
        (tab, comma, semicolon, ``|``, ``::`` or whitespace).
    has_header : bool, optional
        Whether the first line names the columns; guessed when omitted
        (the rating field of line 1 is not a number).
    encoding : str
    control : TaskControl, optional

    Notes
    -----
    User and item ids are kept as strings, so they need not be numbers.
    """
    control = ensure_control(control)
    path = Path(path)
    try:
        text = path.read_bytes().decode(encoding)
    except UnicodeDecodeError:
        text = path.read_bytes().decode("latin-1")
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    if delimiter is None:
        delimiter = next((d for d in ("::", "\t", ",", ";", "|") if d in first), None)
    split = (lambda s: s.split()) if delimiter is None else (lambda s: s.split(delimiter))
    head = [h.strip().strip('"') for h in split(first)]

    def looks_numeric(s: str) -> bool:
        try:
            float(s)
            return True
        except ValueError:
            return False

    if has_header is None:
        pos = rating_col if isinstance(rating_col, int) else None
        has_header = pos is None or pos >= len(head) or not looks_numeric(head[pos])

    def col_index(c, what) -> int:
        if isinstance(c, int):
            return c
        if not has_header or c not in head:
            raise DataError(f"no column named {c!r} for the {what} (columns: {', '.join(head)})", path, 1)
        return head.index(c)

    cu, ci, cr = col_index(user_col, "user"), col_index(item_col, "item"), col_index(rating_col, "rating")
    ct = None if timestamp_col is None else col_index(timestamp_col, "timestamp")
    need = max(c for c in (cu, ci, cr, ct) if c is not None) + 1
    raw_u: list[str] = []
    raw_i: list[str] = []
    vals = np.empty(len(lines), dtype=np.float32)
    ts = np.empty(len(lines), dtype=np.int64) if ct is not None else None
    n = 0
    start = 1 if has_header else 0
    for k in range(start, len(lines)):
        line = lines[k]
        if not line.strip():
            continue
        f = [x.strip().strip('"') for x in split(line)]
        if len(f) < need:
            raise DataError(f"expected at least {need} fields, found {len(f)}", path, k + 1)
        try:
            value = float(f[cr])
            if ts is not None:
                ts[n] = int(float(f[ct]))
        except (ValueError, OverflowError):  # int(float("inf")) overflows
            raise DataError(f"not a number: {f[cr] if ct is None else f[cr] + ' / ' + f[ct]!r}",
                            path, k + 1) from None
        if not abs(value) <= FLOAT32_MAX:  # NaN, inf, or beyond float32
            raise DataError(f"not a finite rating: {f[cr]!r}", path, k + 1)
        vals[n] = value
        raw_u.append(f[cu])
        raw_i.append(f[ci])
        n += 1
        if n % 100_000 == 0:
            control.progress(k / len(lines), "reading ratings")
    if n == 0:
        raise DataError("no ratings found", path)
    uniq_u, users = np.unique(np.array(raw_u), return_inverse=True)
    uniq_i, items = np.unique(np.array(raw_i), return_inverse=True)
    return Ratings(users.astype(np.int32), items.astype(np.int32),
                   vals[:n].copy(), None if ts is None else ts[:n].copy(),
                   [str(u) for u in uniq_u], [str(i) for i in uniq_i], layout="csv", source=str(path))


# ---------------------------------------------------------------------------
# Splits
# ---------------------------------------------------------------------------
@dataclass
class Split:
    """Row indices of a train/test split of a :class:`Ratings`."""

    name: str
    train: np.ndarray
    test: np.ndarray


def available_splits(r: Ratings) -> list[str]:
    """Split names usable with ``r`` (official ones when their files are present)."""
    names = []
    if r.layout == "ml-100k" and r.source:
        p = Path(r.source)
        folder = p.parent if p.is_file() and not zipfile.is_zipfile(p) else p
        try:
            src = _open_source(folder)
        except DataError:
            src = None
        if src is not None:
            names = [s for s in OFFICIAL_SPLITS if src.has(f"{s}.base") and src.has(f"{s}.test")]
            src.close()
    return names + ["random"]


def split_ratings(r: Ratings, name: str = "random", seed: int = 0,
                  test_fraction: float = DEFAULT_TEST_FRACTION,
                  control: TaskControl | None = None) -> Split:
    """Split ``r`` into training and test rows.

    Parameters
    ----------
    r : Ratings
    name : str
        ``"u1"``..``"u5"``, ``"ua"``, ``"ub"`` (ml-100k's official files) or
        ``"random"`` (seeded, ``test_fraction`` held out).
    seed : int
    test_fraction : float
    control : TaskControl, optional
    """
    if name == "random":
        if not 0 < test_fraction < 1:
            raise ValueError("test_fraction must be in (0, 1)")
        rng = np.random.default_rng(seed)
        perm = rng.permutation(len(r))
        n_test = int(round(len(r) * test_fraction))
        return Split(name, np.sort(perm[n_test:]), np.sort(perm[:n_test]))
    if name not in OFFICIAL_SPLITS:
        raise DataError(f"unknown split {name!r} (choose from {', '.join(SPLIT_NAMES)})")
    if name not in available_splits(r):
        raise DataError(f"this dataset has no official split {name!r}; use 'random'", r.source)
    control = ensure_control(control)
    p = Path(r.source)
    src = _open_source(p.parent if p.is_file() and not zipfile.is_zipfile(p) else p)
    n_items = r.n_items
    # Each (user, item) pair appears once in u.data: a sorted key finds its row.
    key = r.users.astype(np.int64) * n_items + r.items
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    uidx, iidx = r.user_index, r.item_index
    out = []
    try:
        for part in ("base", "test"):
            member = f"{name}.{part}"
            where = src.display(member)
            table = _parse_numeric(src.read(member), where, b"\t", 4, False, control)
            raw_u, raw_i, _, _ = _ratings_from_table(table, where, 1, False)
            try:
                su = np.array([uidx[str(u)] for u in raw_u.tolist()], dtype=np.int64)
                si = np.array([iidx[str(i)] for i in raw_i.tolist()], dtype=np.int64)
            except KeyError as err:
                raise DataError(f"id {err.args[0]} is not in u.data", where) from None
            k = su * n_items + si
            pos = np.searchsorted(sorted_key, k)
            pos = np.minimum(pos, len(sorted_key) - 1)
            bad = np.flatnonzero(sorted_key[pos] != k)
            if len(bad):
                raise DataError("rating not found in u.data", where, int(bad[0]) + 1)
            out.append(np.sort(order[pos]))
    finally:
        src.close()
    return Split(name, out[0], out[1])
