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

The readers live in private modules beside this one (import everything from here):
``_ratings`` (the :class:`Ratings` table), ``_ml_files`` (folder/zip members, numeric tables),
``_ml_metadata`` (movies and users), ``_csv_mapping`` (generic tables: sniffing and the
column mapping).  This module holds the loaders and the train/test splits.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embexplorer.core.errors import DataError
from embexplorer.core.progress import TaskControl, ensure_control
from embexplorer.core.recommender._csv_mapping import (
    PREVIEW_ROWS,
    RATINGS_DELIMITERS,
    REQUIRED_ROLES,
    ROLE_HINTS,
    ROLE_NAMES,
    ROLES,
    SNIFF_BYTES,
    SNIFF_LINES,
    NeedsColumnMapping,
    _column_index,
    _read_text,
    _records,
    describe_mapping,
    guess_column_roles,
    guess_ratings_columns,
    parse_column_mapping,
    preview_ratings_file,
    sniff_ratings_file,
)
from embexplorer.core.recommender._ml_files import (
    CHUNK_BYTES,
    MAX_ID,
    MAX_TIMESTAMP,
    _index_ids,
    _open_source,
    _parse_numeric,
    _ratings_from_table,
)
from embexplorer.core.recommender._ml_metadata import (
    ML1M_OCCUPATIONS,
    ML100K_GENRES,
    NO_GENRE,
    _align_user_meta,
    _read_csv_movies,
    _read_dat_movies,
    _read_ml100k_items,
    _read_users,
    _year_from_title,
)
from embexplorer.core.recommender._ratings import Ratings

#: Official ml-100k splits (five-fold ``u1``..``u5`` and the 10-per-user ``ua``/``ub``).
OFFICIAL_SPLITS = ("u1", "u2", "u3", "u4", "u5", "ua", "ub")
#: The "split" of a final model: every rating trains, none is held out (no validation error).
ALL_RATINGS = "all"
#: Every split name :func:`split_ratings` understands.
SPLIT_NAMES = OFFICIAL_SPLITS + ("random", ALL_RATINGS)
#: Default share of ratings held out by the random split (fastai uses 20 %).
DEFAULT_TEST_FRACTION = 0.2
#: Layout names returned in :attr:`Ratings.layout`.
LAYOUTS = ("ml-100k", "ml-1m", "ml-latest", "csv")
#: Largest rating magnitude that float32 holds.
FLOAT32_MAX = float(np.finfo(np.float32).max)
#: Ratings converted per vectorised chunk (progress and cancellation between chunks).
RECORDS_PER_CHUNK = 200_000


# ---------------------------------------------------------------------------
# MovieLens layouts
# ---------------------------------------------------------------------------
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
        column is what, :mod:`embexplorer._qt.features.recommender.ratings_csv_dialog`).
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
                if not src.in_zip:  # a ratings.csv of some other shape: the user maps its columns
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
        ``"u1"``..``"u5"``, ``"ua"``, ``"ub"`` (ml-100k's official files),
        ``"random"`` (seeded, ``test_fraction`` held out) or ``"all"`` (:data:`ALL_RATINGS`: every
        rating trains, the test rows are empty -- a final model, whose recommendations exclude
        everything a user rated).
    seed : int
    test_fraction : float
        Share held out by ``"random"``; 0 means ``"all"``.
    control : TaskControl, optional
    """
    if name == ALL_RATINGS or (name == "random" and test_fraction == 0):
        return Split(ALL_RATINGS, np.arange(len(r), dtype=np.int64), np.zeros(0, dtype=np.int64))
    if name == "random":
        if not 0 < test_fraction < 1:
            raise ValueError("test_fraction must be in [0, 1): 0 trains on all ratings")
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


__all__ = ["ALL_RATINGS", "CHUNK_BYTES", "DEFAULT_TEST_FRACTION", "FLOAT32_MAX", "LAYOUTS", "MAX_ID",
           "MAX_TIMESTAMP",
           "ML100K_GENRES", "ML1M_OCCUPATIONS", "NO_GENRE", "OFFICIAL_SPLITS", "PREVIEW_ROWS",
           "RATINGS_DELIMITERS", "RECORDS_PER_CHUNK", "REQUIRED_ROLES", "ROLE_HINTS", "ROLE_NAMES", "ROLES",
           "SNIFF_BYTES", "SNIFF_LINES", "SPLIT_NAMES", "NeedsColumnMapping", "Ratings", "Split",
           "available_splits", "describe_mapping", "detect_layout", "guess_column_roles",
           "guess_ratings_columns", "load_movielens", "load_ratings_csv", "parse_column_mapping",
           "preview_ratings_file", "sniff_ratings_file", "split_ratings"]
