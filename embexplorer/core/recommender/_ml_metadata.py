"""Movie and user metadata of the MovieLens layouts: titles, years, genres, age, gender, occupation.

Readers of ``u.item`` / ``u.genre`` / ``u.user`` (ml-100k), ``movies.dat`` / ``users.dat``
(ml-1m, ml-10m) and ``movies.csv`` (ml-latest, ml-25m, ml-32m).  Used by
:mod:`embexplorer.core.recommender.movielens`.
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np

from embexplorer.core.errors import DataError
from embexplorer.core.recommender._ml_files import MAX_ID, _Source

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

_YEAR_RE = re.compile(r"\((\d{4})\)\s*$")


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
