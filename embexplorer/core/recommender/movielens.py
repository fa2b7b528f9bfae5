"""MovieLens (and generic) ratings: parsers, official splits, movie and user metadata.

Reads the published layouts from a folder or straight from the zip GroupLens
distributes:

* ``ml-100k``: ``u.data`` (tab-separated), ``u.item`` (``|``, latin-1, 19 genre
  flags), ``u.user``, ``u.genre``, official splits ``u1``..``u5``, ``ua``, ``ub``;
* ``ml-1m`` (and ``ml-10m``): ``ratings.dat`` / ``movies.dat`` / ``users.dat``
  separated by ``::``, latin-1;
* ``ml-latest-small`` / ``ml-25m`` / ``ml-32m``: ``ratings.csv`` and
  ``movies.csv`` with a header, UTF-8, ``|``-separated genres, half stars;
* any ratings table with a column mapping (:func:`load_ratings_csv`, guessed by
  :func:`guess_ratings_columns`); :func:`load_movielens` raises
  :class:`NeedsColumnMapping` for one so the GUI can ask.

Everything becomes a :class:`Ratings`: int32 user/item indices, float32
ratings, optional int64 timestamps, id <-> index maps and metadata.  Large
files are parsed in vectorised chunks (progress, cancellation); a bad line
raises :class:`~embexplorer.core.errors.DataError` naming file and line.
"""

from __future__ import annotations

import collections
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


def _needs_mapping(path: Path, why: str) -> NeedsColumnMapping:
    """The error asking for a column mapping, with the best guess in its text (the CLI shows it)."""
    try:
        _, header, guess = guess_ratings_columns(path)
        hint = f" (best guess: {describe_mapping(guess, header)})"
    except DataError:
        guess, hint = None, ""
    return NeedsColumnMapping(f"{why}: choose which columns hold the user, the item and the rating{hint}",
                              path, guess=guess)


def load_movielens(path: str | os.PathLike, control: TaskControl | None = None,
                   mapping: dict | str | None = None) -> Ratings:
    """Read a MovieLens dataset from its folder, its zip, or its ratings file.

    Parameters
    ----------
    path : path
        ``ml-100k/`` (or ``u.data`` inside it), ``ml-100k.zip``, ``ml-1m``,
        ``ml-latest-small`` (or their zips), a ``ratings.csv``, or any ratings table.
    control : TaskControl, optional
        Progress and cancellation.
    mapping : dict or "guess", optional
        For a ratings file that is not a MovieLens layout: the column mapping
        (:func:`load_ratings_csv`), or ``"guess"`` to take :func:`guess_ratings_columns`'s.

    Returns
    -------
    Ratings

    Raises
    ------
    NeedsColumnMapping
        A ratings file that is not a MovieLens layout, read without ``mapping`` (the GUI asks which
        column is what, :mod:`embexplorer._qt.ratings_csv_dialog`).
    DataError
        Anything else wrong with the data.
    """
    control = ensure_control(control)
    path = Path(path)
    layout = detect_layout(path)
    if layout == "csv" or (mapping is not None and path.is_file() and not zipfile.is_zipfile(path)):
        if mapping is None:
            raise _needs_mapping(path, "not a MovieLens ratings file")
        if mapping == "guess":
            mapping = guess_ratings_columns(path)[2]
        return load_ratings_csv(path, mapping, control=control)
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
                if src._zip is None:  # a ratings.csv of some other shape: the user maps its columns
                    raise _needs_mapping(Path(where), "not MovieLens's 'userId,movieId,rating[,timestamp]'")
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


# ---------------------------------------------------------------------------
# Generic ratings tables (any delimiter, a column mapping)
# ---------------------------------------------------------------------------
#: Delimiters the generic reader knows, by the name shown to users (tried in this order when sniffing;
#: "space" means runs of blanks).
RATINGS_DELIMITERS = {"tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "double colon": "::",
                      "space": " "}
#: Non-empty lines the sniffer looks at.
SNIFF_LINES = 50
#: Bytes read for sniffing and previews (a preview never reads a whole large file).
SNIFF_BYTES = 256 << 10
#: Rows shown in a preview.
PREVIEW_ROWS = 20
#: Ratings converted per vectorised chunk (progress and cancellation between chunks).
RECORDS_PER_CHUNK = 200_000
#: Column roles of a mapping; the first three are required.
ROLES = ("user", "item", "rating", "timestamp", "title")
REQUIRED_ROLES = ("user", "item", "rating")
#: Header names recognised per role (compared lower-case with everything but letters and digits removed);
#: the first role whose list holds a header name takes that column, then names containing a hint word.
ROLE_NAMES = {
    "user": ("userid", "user", "uid", "users", "customerid", "customer", "reviewerid", "reviewer", "rater",
             "raterid", "person", "who"),
    "item": ("movieid", "itemid", "item", "movie", "isbn", "bookid", "book", "productid", "product", "asin",
             "iid", "mid", "songid", "trackid", "gameid", "animeid", "what"),
    "rating": ("rating", "score", "stars", "star", "bookrating", "ratingvalue", "value", "rate", "grade",
               "overall"),
    "timestamp": ("timestamp", "time", "date", "datetime", "ts", "unixtime", "unixreviewtime", "when",
                  "ratedat", "created"),
    "title": ("title", "movietitle", "booktitle", "name", "itemname", "moviename", "bookname",
              "producttitle"),
}
#: Words that, inside a header name, point to a role ("User-ID" -> user, "Book-Rating" -> rating).
ROLE_HINTS = {"rating": ("rating", "score", "star"), "timestamp": ("time", "date"),
              "user": ("user", "customer", "reviewer", "person", "who", "rater", "member", "client"),
              "item": ("movie", "item", "isbn", "book", "product", "film", "song", "track", "asin", "game",
                       "anime", "recipe"),
              "title": ("title",)}


class NeedsColumnMapping(DataError):
    """A ratings table that is not a MovieLens layout: which column holds what must be chosen.

    ``guess`` is :func:`guess_ratings_columns`'s mapping (or None when the file could not be sniffed).
    """

    def __init__(self, reason: str, path: str | os.PathLike | None = None, line: int | None = None,
                 guess: dict | None = None) -> None:
        self.guess = guess
        super().__init__(reason, path, line)


def _read_text(path: Path, encoding: str = "utf-8", limit: int | None = None) -> str:
    """The file's text (its first ``limit`` bytes, cut at a line end); latin-1 when not ``encoding``."""
    try:
        with open(path, "rb") as fh:
            data = fh.read() if limit is None else fh.read(limit)
            complete = limit is None or len(data) < limit
    except IsADirectoryError:
        raise DataError("is a folder, not a ratings file", path) from None
    if not complete:
        nl = data.rfind(b"\n")
        data = data[:nl + 1] if nl >= 0 else data
    try:
        utf8 = encoding.lower().replace("_", "-") in ("utf-8", "utf8")
        return data.decode("utf-8-sig" if utf8 else encoding)
    except UnicodeDecodeError:
        # Older ratings dumps (ml-100k, Book-Crossing) are latin-1; every byte decodes.
        return data.decode("latin-1")
    except LookupError:
        raise DataError(f"unknown text encoding {encoding!r}", path) from None


def _split_line(line: str, delimiter: str) -> list[str]:
    """Fields of a line with no quoting (``::`` and blanks)."""
    return line.split() if delimiter == " " else line.split(delimiter)


def _records(text: str, delimiter: str, where, first_line: int = 1):
    """Yield (line number, stripped fields) of each non-empty record of ``text``.

    Single-character delimiters go through :mod:`csv` (quoted fields may hold the delimiter);
    ``::`` and blanks are split plainly.
    """
    try:
        if len(delimiter) == 1 and delimiter != " ":
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            for row in reader:
                if row and any(f.strip() for f in row):
                    yield first_line + reader.line_num - 1, [f.strip() for f in row]
        else:
            for k, line in enumerate(text.splitlines()):
                if line.strip():
                    yield first_line + k, [f.strip().strip('"') for f in _split_line(line, delimiter)]
    except csv.Error as err:  # a NUL byte, a stray quote, an overlong field
        raise DataError(f"malformed delimited text: {err}", where) from None


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def sniff_ratings_file(path: str | os.PathLike, encoding: str = "utf-8") -> tuple[str, bool]:
    """Guess the delimiter and whether the first line is a header, from the first lines.

    The delimiter is the first of :data:`RATINGS_DELIMITERS` that splits every sampled line into the
    same number (at least 3) of fields; the first line is a header when some column is numeric on the
    second line but not on the first (or, with one line, when no field of it is a number).
    Raises DataError for an empty or unreadable file.
    """
    path = Path(path)
    text = _read_text(path, encoding, SNIFF_BYTES)
    lines = [ln for ln in text.splitlines() if ln.strip()][:SNIFF_LINES]
    if not lines:
        raise DataError("the file is empty", path)
    sample = "\n".join(lines) + "\n"
    chosen = None
    fallback = None
    for sep in RATINGS_DELIMITERS.values():
        try:
            widths = {len(f) for _, f in _records(sample, sep, path)}
        except DataError:
            continue
        if len(widths) == 1 and min(widths) >= 3:
            chosen = sep
            break
        if fallback is None and widths and len(lines) > 1:
            # ragged (a damaged line, an optional trailing column): if most lines agree on 3+ fields
            counts = collections.Counter(len(f) for _, f in _records(sample, sep, path))
            width, n = counts.most_common(1)[0]
            if width >= 3 and 2 * n > len(lines):
                fallback = sep
    chosen = chosen or fallback
    if chosen is None:
        raise DataError("cannot tell how the fields are separated (expected at least user, item and "
                        "rating separated by tabs, commas, semicolons, '|', '::' or blanks)", path, 1)
    rows = [f for _, f in _records(sample, chosen, path)]
    first = rows[0]
    if len(rows) > 1:
        second = rows[1]
        header = any(_is_number(b) and not _is_number(a) for a, b in zip(first, second))
    else:
        header = not any(_is_number(a) for a in first)
    return chosen, header


def preview_ratings_file(path: str | os.PathLike, delimiter: str | None = None,
                         has_header: bool | None = None, rows: int = PREVIEW_ROWS, encoding: str = "utf-8"
                         ) -> tuple[list[list[str]], list[str] | None, str, bool]:
    """The first ``rows`` records of a ratings file, split.

    Returns (rows, header or None, delimiter, has_header); a delimiter or header flag that is not
    given is sniffed (:func:`sniff_ratings_file`).
    """
    path = Path(path)
    if delimiter is None or has_header is None:
        sniffed_sep, sniffed_header = sniff_ratings_file(path, encoding)
        delimiter = sniffed_sep if delimiter is None else delimiter
        has_header = sniffed_header if has_header is None else has_header
    text = _read_text(path, encoding, SNIFF_BYTES)
    out: list[list[str]] = []
    header = None
    for _, fields in _records(text, delimiter, path):
        if has_header and header is None:
            header = fields
            continue
        out.append(fields)
        if len(out) >= rows:
            break
    return out, header, delimiter, bool(has_header)


def _normalised(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


def guess_column_roles(header: list[str] | None, rows: list[list[str]]) -> dict:
    """Column index per role (``None`` for an optional role not found) from header names or positions.

    With a header, names in :data:`ROLE_NAMES` (then names containing a :data:`ROLE_HINTS` word) decide;
    without one, the columns are taken as user, item, rating[, timestamp] in that order.
    """
    width = max([len(header or [])] + [len(r) for r in rows[:SNIFF_LINES]])
    mapping: dict = {role: None for role in ROLES}
    if header:
        names = [_normalised(h) for h in header]
        taken: set[int] = set()
        for pass_ in ("exact", "hint"):
            for role in ROLES:
                if mapping[role] is not None:
                    continue
                for c, name in enumerate(names):
                    if c in taken:
                        continue
                    hit = name in ROLE_NAMES[role] if pass_ == "exact" else any(
                        w in name for w in ROLE_HINTS[role])
                    if hit:
                        mapping[role] = c
                        taken.add(c)
                        break
        free = [c for c in range(width) if c not in taken]
        for role in REQUIRED_ROLES:  # a role no name matched takes the next unused column
            if mapping[role] is None and free:
                mapping[role] = free.pop(0)
                taken.add(mapping[role])
        return mapping
    for role, c in zip(REQUIRED_ROLES, range(width)):
        mapping[role] = c
    if width >= 4 and rows and all(len(r) > 3 and _is_number(r[3]) for r in rows):
        mapping["timestamp"] = 3
    return mapping


def guess_ratings_columns(path: str | os.PathLike, encoding: str = "utf-8"
                          ) -> tuple[list[list[str]], list[str] | None, dict]:
    """Preview rows, the header (or None) and a guessed column mapping of a ratings file.

    The mapping has the keys of :data:`ROLES` (column index, or None for an optional role not
    found) plus ``delimiter`` and ``has_header``; :func:`load_ratings_csv` takes it as is.
    """
    rows, header, delimiter, has_header = preview_ratings_file(path, encoding=encoding)
    mapping = guess_column_roles(header, rows)
    mapping.update(delimiter=delimiter, has_header=has_header)
    return rows, header, mapping


def describe_mapping(mapping: dict, header: list[str] | None = None) -> str:
    """``"user = column 1 (userId), item = column 2 (movieId), rating = column 3"`` (1-based)."""
    parts = []
    for role in ROLES:
        c = mapping.get(role)
        if c is None:
            continue
        if isinstance(c, int):
            name = f" ({header[c]})" if header and c < len(header) else ""
            parts.append(f"{role} = column {c + 1}{name}")
        else:
            parts.append(f"{role} = {c!r}")
    return ", ".join(parts)


def parse_column_mapping(text: str) -> dict:
    """A mapping from its command-line form, e.g. ``"user=userId,item=isbn,rating=3,delimiter=semicolon"``.

    Keys are the :data:`ROLES` plus ``delimiter`` (a :data:`RATINGS_DELIMITERS` name or the character)
    and ``header`` (yes/no); a column is a header name or a **1-based** number, as
    :func:`describe_mapping` prints them.  Raises DataError on a malformed text.
    """
    out: dict = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not sep or not value:
            raise DataError(f"expected ROLE=COLUMN, found {part!r}")
        if key in ROLES:
            if value.isdigit():
                if int(value) < 1:
                    raise DataError(f"columns are numbered from 1, found {key}={value}")
                out[key] = int(value) - 1
            else:
                out[key] = value
        elif key == "delimiter":
            sep_char = RATINGS_DELIMITERS.get(value.lower(), value)
            if sep_char not in RATINGS_DELIMITERS.values():
                raise DataError(f"unknown delimiter {value!r} (use {', '.join(RATINGS_DELIMITERS)})")
            out["delimiter"] = sep_char
        elif key == "header":
            if value.lower() not in ("yes", "no", "true", "false", "1", "0"):
                raise DataError(f"header=yes or header=no, found {value!r}")
            out["has_header"] = value.lower() in ("yes", "true", "1")
        else:
            raise DataError(f"unknown key {key!r} (use {', '.join(ROLES)}, delimiter, header)")
    missing = [r for r in REQUIRED_ROLES if r not in out]
    if missing:
        raise DataError(f"say which column holds the {' and the '.join(missing)}")
    return out


def _column_index(c, role: str, header: list[str] | None, path) -> int | None:
    if c is None or c == "":
        return None
    if isinstance(c, (int, np.integer)) and not isinstance(c, bool):
        if c < 0:
            raise DataError(f"column {int(c)} for the {role} is negative", path)
        return int(c)
    if not header:
        raise DataError(f"no column named {c!r} for the {role}: the file has no header line", path, 1)
    names = [h.strip() for h in header]
    if c in names:
        return names.index(c)
    lower = [h.lower() for h in names]
    if str(c).lower() in lower:
        return lower.index(str(c).lower())
    raise DataError(f"no column named {c!r} for the {role} (columns: {', '.join(names)})", path, 1)


def _to_float(text: str, comma_decimal: bool) -> float:
    try:
        return float(text)
    except ValueError:
        if comma_decimal and text.count(",") == 1:
            return float(text.replace(",", "."))  # "4,5" in a semicolon-separated European file
        raise


def _to_timestamp(text: str) -> int:
    """Seconds from a number (Unix time) or an ISO date/time ("2005-04-02", "2005-04-02 23:53:00")."""
    try:
        value = float(text)
    except ValueError:
        try:
            value = float(np.datetime64(text.replace(" ", "T").rstrip("Z"), "s").astype(np.int64))
        except ValueError:
            raise ValueError(text) from None
    if not abs(value) <= MAX_TIMESTAMP:
        raise ValueError(text)
    return int(value)


def _dense_ids(raw: list[str]) -> tuple[np.ndarray, list[str]]:
    """Indices of string ids and the ids in index order (numerically when every id is an integer)."""
    index: dict[str, int] = {}
    codes = np.fromiter((index.setdefault(s, len(index)) for s in raw), dtype=np.int64, count=len(raw))
    ids = list(index)
    try:
        keys = [int(s) for s in ids]
        order = sorted(range(len(ids)), key=lambda k: (keys[k], ids[k]))
    except ValueError:
        order = sorted(range(len(ids)), key=lambda k: ids[k])
    rank = np.empty(len(ids), dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(len(ids))
    return rank[codes].astype(np.int32), [ids[k] for k in order]


def load_ratings_csv(path: str | os.PathLike, mapping: dict | None = None, *,
                     user_col: str | int = 0, item_col: str | int = 1, rating_col: str | int = 2,
                     timestamp_col: str | int | None = None, title_col: str | int | None = None,
                     delimiter: str | None = None, has_header: bool | None = None,
                     encoding: str = "utf-8", control: TaskControl | None = None) -> Ratings:
    """Read a generic ratings table: user, item, rating[, timestamp][, title] in any columns.

    Parameters
    ----------
    path : path
        A delimited text file (tab, comma, semicolon, ``|``, ``::`` or blanks; quoted fields allowed
        with one-character delimiters).
    mapping : dict, optional
        ``{"user": c, "item": c, "rating": c, "timestamp": c or None, "title": c or None}`` where each
        ``c`` is a 0-based column index or a header name, plus optionally ``delimiter``,
        ``has_header`` and ``encoding`` (as :func:`guess_ratings_columns` and the column dialog return).
        Overrides the keyword columns below.
    user_col, item_col, rating_col, timestamp_col, title_col : str or int
        Column names (needs a header) or 0-based positions, when no ``mapping`` is given.
    delimiter : str, optional
        Field separator; sniffed from the first lines when omitted.
    has_header : bool, optional
        Whether the first line names the columns; sniffed when omitted.
    encoding : str
        Text encoding (latin-1 is used when the file is not valid in it).
    control : TaskControl, optional

    Returns
    -------
    Ratings
        Layout ``"csv"``; ids are kept as text (sorted numerically when they all are integers);
        titles (and years found in them) from the title column.

    Raises
    ------
    DataError
        Naming file and line: a rating that is not a finite number, too few fields, an empty id, an
        unknown column name, one column for two roles, no ratings.
    """
    control = ensure_control(control)
    path = Path(path)
    if mapping is not None:
        m = dict(mapping)
        user_col, item_col, rating_col = m.get("user"), m.get("item"), m.get("rating")
        timestamp_col, title_col = m.get("timestamp"), m.get("title")
        delimiter = m.get("delimiter", delimiter)
        has_header = m.get("has_header", has_header)
        encoding = m.get("encoding", encoding) or encoding
    for role, c in zip(REQUIRED_ROLES, (user_col, item_col, rating_col)):
        if c is None or c == "":
            raise DataError(f"no column chosen for the {role}", path)
    if delimiter is not None and delimiter not in RATINGS_DELIMITERS.values():
        raise DataError(f"unsupported delimiter {delimiter!r}", path)
    if delimiter is None or has_header is None:
        sniffed_sep, sniffed_header = sniff_ratings_file(path, encoding)
        delimiter = sniffed_sep if delimiter is None else delimiter
        if has_header is None:
            has_header = sniffed_header or not all(isinstance(c, (int, np.integer))
                                                   for c in (user_col, item_col, rating_col))
    text = _read_text(path, encoding)
    records = _records(text, delimiter, path)
    header = None
    if has_header:
        first = next(records, None)
        if first is None:
            raise DataError("no ratings found (only a header line)", path)
        header = first[1]
    cols = {role: _column_index(c, role, header, path) for role, c in
            zip(ROLES, (user_col, item_col, rating_col, timestamp_col, title_col))}
    chosen = [cols[r] for r in ("user", "item", "rating", "timestamp")]
    for a in range(len(chosen)):
        for b in range(a):
            if chosen[a] is not None and chosen[a] == chosen[b]:
                raise DataError(f"the {ROLES[b]} and the {ROLES[a]} cannot both be column "
                                f"{chosen[a] + 1}", path)
    cu, ci, cr, ct, cn = (cols[r] for r in ROLES)
    need = max(c for c in cols.values() if c is not None) + 1
    comma_decimal = delimiter != ","
    n_lines = max(text.count("\n") + 1, 1)

    raw_u: list[str] = []
    raw_i: list[str] = []
    rating_parts: list[np.ndarray] = []
    ts_parts: list[np.ndarray] = []
    titles: dict[str, str] = {}
    chunk_r: list[str] = []
    chunk_t: list[str] = []
    chunk_lines: list[int] = []

    def flush() -> None:
        if not chunk_r:
            return
        try:
            with np.errstate(over="ignore"):
                vals = np.asarray(chunk_r, dtype=np.str_).astype(np.float64)
        except ValueError:  # a bad or comma-decimal value: convert one by one to find it
            vals = np.empty(len(chunk_r))
            for k, s in enumerate(chunk_r):
                try:
                    vals[k] = _to_float(s, comma_decimal)
                except ValueError:
                    raise DataError(f"rating is not a number: {s[:40]!r}", path, chunk_lines[k]) from None
        bad = np.flatnonzero(~(np.abs(vals) <= FLOAT32_MAX))  # NaN, inf, beyond float32
        if len(bad):
            k = int(bad[0])
            raise DataError(f"rating is not a finite number: {chunk_r[k][:40]!r}", path, chunk_lines[k])
        rating_parts.append(vals.astype(np.float32))
        if ct is not None:
            ts = np.empty(len(chunk_t), dtype=np.int64)
            for k, s in enumerate(chunk_t):
                try:
                    ts[k] = _to_timestamp(s)
                except (ValueError, OverflowError):
                    raise DataError(f"timestamp is not a number or date: {s[:40]!r}", path,
                                    chunk_lines[k]) from None
            ts_parts.append(ts)
        chunk_r.clear()
        chunk_t.clear()
        chunk_lines.clear()

    for line, f in records:
        if len(f) < need:
            missing = [r for r in ROLES if cols[r] is not None and cols[r] >= len(f)]
            raise DataError(f"expected at least {need} fields (the {missing[0]} is column "
                            f"{cols[missing[0]] + 1}), found {len(f)}", path, line)
        u, i = f[cu], f[ci]
        if not u or not i:
            raise DataError(f"empty {'user' if not u else 'item'} id", path, line)
        raw_u.append(u)
        raw_i.append(i)
        chunk_r.append(f[cr])
        chunk_lines.append(line)
        if ct is not None:
            chunk_t.append(f[ct])
        if cn is not None and f[cn] and i not in titles:
            titles[i] = f[cn]
        if len(chunk_r) >= RECORDS_PER_CHUNK:
            flush()
            # csv does not say how far into the text it is: lines read / lines stand in
            control.progress(min(line / n_lines, 0.99), "reading ratings")
    flush()
    if not raw_u:
        raise DataError("no ratings found" + (" (only a header line)" if header else ""), path)
    users, user_ids = _dense_ids(raw_u)
    items, item_ids = _dense_ids(raw_i)
    item_titles = [titles.get(i, "") for i in item_ids]
    years = np.array([_year_from_title(t) for t in item_titles], dtype=np.float64) if titles else None
    control.progress(1.0, "ratings read", force=True)
    return Ratings(users, items, np.concatenate(rating_parts),
                   np.concatenate(ts_parts) if ct is not None else None,
                   user_ids, item_ids, item_titles if titles else [], years, layout="csv", source=str(path))


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
