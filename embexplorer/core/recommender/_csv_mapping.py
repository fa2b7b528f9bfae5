"""Generic ratings tables: which delimiter, whether a header, which column holds what.

Sniffing (:func:`sniff_ratings_file`), previews (:func:`preview_ratings_file`), the guessed
column mapping (:func:`guess_column_roles`, :func:`guess_ratings_columns`) and its text form
(:func:`describe_mapping`, :func:`parse_column_mapping`) for
:func:`~embexplorer.core.recommender.movielens.load_ratings_csv`, the GUI's column dialog and
``train-mf --columns``.  Import them from :mod:`embexplorer.core.recommender.movielens`.
"""

from __future__ import annotations

import collections
import csv
import io
import os
import re
from pathlib import Path

import numpy as np

from embexplorer.core.data._textparse import is_number_text
from embexplorer.core.errors import DataError

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
        header = any(is_number_text(b) and not is_number_text(a) for a, b in zip(first, second))
    else:
        header = not any(is_number_text(a) for a in first)
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
    if width >= 4 and rows and all(len(r) > 3 and is_number_text(r[3]) for r in rows):
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
