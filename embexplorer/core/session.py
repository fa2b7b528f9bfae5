"""Saved sessions and bookmarks: what was open and how it was shown, as a small JSON file.

A session names its data by path (with a SHA-256 of the file, so a changed or
missing file is noticed on reopening) and records the projection, the view,
the colouring, the selection, the focused point, the panels' queries and the
training settings, plus named bookmarks (snapshots of the view and panel state
to step through as a tour).  No pickles: the file is plain JSON, written
atomically, and read back with every field type-checked -- a damaged or foreign
file is a :class:`~embexplorer.core.errors.DataError` naming it.

Rows (selection, focus) are rows of the set as loaded; the focus also keeps its
label, so it is found again if the file's order changed.  Selections are stored
compactly: single rows as ints, runs of consecutive rows as ``[start, stop)``
pairs.

Examples
--------
>>> s = Session(source=DataSource("file", "/data/glove.txt"), selection=[1, 2, 3, 9])
>>> save_session(s, "talk.embx.json")              # doctest: +SKIP
>>> load_session("talk.embx.json") == s            # doctest: +SKIP
True
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from embexplorer.core.atomic import atomic_write
from embexplorer.core.errors import DataError

#: Version written into every session; files of another version are refused.
SESSION_VERSION = 1
#: Value of the ``"format"`` key that marks a JSON file as an embexplorer session.
SESSION_FORMAT = "embexplorer-session"
#: File-name ending of session files.
SESSION_SUFFIX = ".embx.json"
#: Kinds of data source: an embedding file, MovieLens ratings (no model yet), a matrix-factorisation
#: model trained on MovieLens ratings (retrained from its settings), an offline demo (``path`` is its name).
SOURCE_KINDS = ("file", "movielens", "model", "demo")
#: Files up to this size (~0.1 s of hashing) are hashed whole; larger ones by their first and last
#: :data:`HASH_EDGE_BYTES` plus their size (reopening a 5 GB model must not read it all just to
#: check it; a change in the middle of such a file goes unnoticed, a changed size never does).
HASH_FULL_MAX_BYTES = 64 * 1024 * 1024
#: Bytes hashed at each end of a file above :data:`HASH_FULL_MAX_BYTES`.
HASH_EDGE_BYTES = 1024 * 1024
#: Read size while hashing.
HASH_CHUNK_BYTES = 1024 * 1024
#: Most files hashed inside a folder source (a MovieLens folder has a few dozen); more are ignored.
HASH_DIR_MAX_FILES = 500
#: Shortest run of consecutive rows written as a ``[start, stop)`` pair instead of single ints.
MIN_RUN = 3
#: Hash modes recorded beside the digest.
HASH_MODES = ("full", "edges", "folder")


# ----------------------------------------------------------------------------------------- records
@dataclass
class DataSource:
    """Where the data of a session comes from.

    Attributes
    ----------
    kind : {"file", "movielens", "model", "demo"}
    path : str or None
        File or folder (absolute); for ``"demo"`` the demo's name (``"genres"``).
    format : str or None
        Loader format of a ``"file"`` (None: detected).
    limit : int or None
        Rows read (None: all).
    sha256 : str or None
        Hex digest of the file (see :func:`file_digest`); None when not hashed.
    size : int or None
        Size in bytes when hashed (a folder: total of the files hashed).
    hash_mode : {"full", "edges", "folder"} or None
    model : str or None
        For ``"model"``: which trainer made it (``"mf"``).
    """

    kind: str = "file"
    path: str | None = None
    format: str | None = None
    limit: int | None = None
    sha256: str | None = None
    size: int | None = None
    hash_mode: str | None = None
    model: str | None = None


@dataclass
class ViewState:
    """The visible data rectangle of the scatter (None: fit all points)."""

    x_range: tuple[float, float] | None = None
    y_range: tuple[float, float] | None = None


@dataclass
class Projection:
    """PCA components on the axes (0-based) and how many were computed."""

    axes: tuple[int, int] = (0, 1)
    n_components: int = 10


@dataclass
class PanelQueries:
    """What the analysis panels were asked.

    ``neighbours_query`` is a label (None: no query); ``analogy`` is ``(a, b, c)``;
    ``user_id`` is the model's user id (a string, as in the ratings file).
    """

    neighbours_query: str | None = None
    neighbours_k: int | None = None
    neighbours_metric: str | None = None
    analogy: tuple[str, str, str] | None = None
    user_id: str | None = None


@dataclass
class Bookmark:
    """A named snapshot of the view and panel state within a session."""

    name: str
    view: ViewState = field(default_factory=ViewState)
    axes: tuple[int, int] = (0, 1)
    colour_by: str | None = None
    selection: list[int] = field(default_factory=list)
    focus_row: int = -1
    focus_label: str | None = None
    labels_shown: bool = False
    panels: PanelQueries = field(default_factory=PanelQueries)
    created: str = ""


@dataclass
class Session:
    """Everything needed to reopen a piece of exploration.

    ``selection`` is a sorted list of unique rows; ``training`` maps a trainer
    (``"mf"``, ``"w2v"``) to its settings as a JSON-compatible dict.
    """

    version: int = SESSION_VERSION
    source: DataSource | None = None
    title: str = ""
    projection: Projection = field(default_factory=Projection)
    view: ViewState = field(default_factory=ViewState)
    colour_by: str | None = None
    selection: list[int] = field(default_factory=list)
    focus_row: int = -1
    focus_label: str | None = None
    labels_shown: bool = False
    panels: PanelQueries = field(default_factory=PanelQueries)
    training: dict[str, dict] = field(default_factory=dict)
    bookmarks: list[Bookmark] = field(default_factory=list)
    created: str = ""


def now_iso() -> str:
    """The current UTC time as ``YYYY-MM-DDTHH:MM:SSZ`` (bookmark and session stamps)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def is_session_file(path: str | os.PathLike) -> bool:
    """True if ``path`` names a session: it ends in :data:`SESSION_SUFFIX`, or it is a JSON file
    whose start declares ``"format": "embexplorer-session"`` (a renamed session still opens)."""
    p = Path(path)
    if p.name.lower().endswith(SESSION_SUFFIX):
        return True
    if p.suffix.lower() != ".json" or not p.is_file():
        return False
    try:
        with open(p, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return SESSION_FORMAT.encode() in head


# -------------------------------------------------------------------------------------- selections
def compact_rows(rows: Iterable[int]) -> list:
    """Sorted unique ``rows`` as ints and ``[start, stop)`` runs (runs of at least :data:`MIN_RUN`).

    >>> compact_rows([9, 1, 2, 3, 4, 7])
    [[1, 5], 7, 9]
    """
    r = np.unique(np.fromiter((int(x) for x in rows), dtype=np.int64))
    if not len(r):
        return []
    # Split where consecutive rows stop being consecutive: each piece is one run.
    breaks = np.flatnonzero(np.diff(r) != 1) + 1
    out: list = []
    for piece in np.split(r, breaks):
        if len(piece) >= MIN_RUN:
            out.append([int(piece[0]), int(piece[-1]) + 1])
        else:
            out.extend(int(x) for x in piece)
    return out


def expand_rows(spec: Sequence) -> list[int]:
    """Inverse of :func:`compact_rows`: a sorted list of unique rows. Raises ValueError on bad items."""
    parts: list[np.ndarray] = []
    for item in spec:
        if isinstance(item, bool):
            raise ValueError(f"not a row: {item!r}")
        if isinstance(item, int):
            if item < 0:
                raise ValueError(f"negative row {item}")
            parts.append(np.array([item], dtype=np.int64))
        elif (isinstance(item, list) and len(item) == 2 and all(isinstance(v, int) and not isinstance(v, bool)
                                                                 for v in item)):
            start, stop = item
            if not 0 <= start < stop:
                raise ValueError(f"bad row range {item!r}")
            parts.append(np.arange(start, stop, dtype=np.int64))
        else:
            raise ValueError(f"not a row or [start, stop) range: {item!r}")
    if not parts:
        return []
    return [int(x) for x in np.unique(np.concatenate(parts))]


# -------------------------------------------------------------------------------------------- hashes
def file_digest(path: str | os.PathLike) -> tuple[str, int, str]:
    """SHA-256 of a file or folder: ``(hex digest, size in bytes, mode)``.

    Files up to :data:`HASH_FULL_MAX_BYTES` are hashed whole (``"full"``); larger ones by their
    size and their first and last :data:`HASH_EDGE_BYTES` (``"edges"``).  A folder (a MovieLens
    folder) hashes the relative names and digests of its files, sorted (``"folder"``; at most
    :data:`HASH_DIR_MAX_FILES`).  Raises OSError if ``path`` cannot be read.
    """
    p = Path(path)
    if p.is_dir():
        h = hashlib.sha256()
        total = 0
        files = sorted(f for f in p.rglob("*") if f.is_file())[:HASH_DIR_MAX_FILES]
        for f in files:
            digest, size, mode = file_digest(f)
            total += size
            h.update(f"{f.relative_to(p).as_posix()}\0{digest}\0{size}\0{mode}\n".encode())
        return h.hexdigest(), total, "folder"
    size = p.stat().st_size
    h = hashlib.sha256()
    with open(p, "rb") as fh:
        if size <= HASH_FULL_MAX_BYTES:
            while chunk := fh.read(HASH_CHUNK_BYTES):
                h.update(chunk)
            return h.hexdigest(), size, "full"
        h.update(f"size={size}\n".encode())
        h.update(fh.read(HASH_EDGE_BYTES))
        fh.seek(size - HASH_EDGE_BYTES)
        h.update(fh.read(HASH_EDGE_BYTES))
    return h.hexdigest(), size, "edges"


def hashed_source(kind: str, path: str | os.PathLike | None, **kw) -> DataSource:
    """A :class:`DataSource` for ``path`` with its digest filled in (when ``path`` is a readable
    file or folder; a demo name or a missing path gets no digest)."""
    if kind not in SOURCE_KINDS:
        raise ValueError(f"unknown source kind {kind!r}; choose from {SOURCE_KINDS}")
    src = DataSource(kind, None if path is None else os.fspath(path), **kw)
    if kind != "demo" and path is not None:
        src.path = os.path.abspath(src.path)
        try:
            src.sha256, src.size, src.hash_mode = file_digest(src.path)
        except OSError:
            pass
    return src


def verify_sources(session: Session) -> list[str]:
    """Warnings about the session's data: missing file, changed contents (empty list: all well)."""
    src = session.source
    if src is None or src.kind == "demo" or not src.path:
        return []
    if not os.path.exists(src.path):
        return [f"{src.path}: not found (the session's data was moved or deleted)"]
    if src.sha256 is None:
        return []
    try:
        digest, size, _mode = file_digest(src.path)
    except OSError as err:
        return [f"{src.path}: cannot be read ({err.strerror or err})"]
    if digest != src.sha256:
        why = f"size {src.size:,} -> {size:,} bytes" if src.size is not None and size != src.size else \
            "same size, different contents"
        return [f"{src.path}: changed since the session was saved ({why}); rows, selection and "
                "bookmarks may not match"]
    return []


# ------------------------------------------------------------------------------------ to/from JSON
def _view_json(v: ViewState) -> dict:
    return {"x_range": None if v.x_range is None else list(v.x_range),
            "y_range": None if v.y_range is None else list(v.y_range)}


def _panels_json(p: PanelQueries) -> dict:
    return {"neighbours_query": p.neighbours_query, "neighbours_k": p.neighbours_k,
            "neighbours_metric": p.neighbours_metric,
            "analogy": None if p.analogy is None else list(p.analogy), "user_id": p.user_id}


def _bookmark_json(b: Bookmark) -> dict:
    return {"name": b.name, "view": _view_json(b.view), "axes": list(b.axes), "colour_by": b.colour_by,
            "selection": compact_rows(b.selection), "focus": {"row": b.focus_row, "label": b.focus_label},
            "labels_shown": b.labels_shown, "panels": _panels_json(b.panels), "created": b.created}


def session_to_json(session: Session) -> dict:
    """The JSON object written for ``session`` (plain dicts, lists, strings and numbers)."""
    s = session
    src = None if s.source is None else {
        "kind": s.source.kind, "path": s.source.path, "format": s.source.format, "limit": s.source.limit,
        "sha256": s.source.sha256, "size": s.source.size, "hash_mode": s.source.hash_mode,
        "model": s.source.model}
    return {"format": SESSION_FORMAT, "version": s.version, "created": s.created, "title": s.title,
            "source": src,
            "projection": {"axes": list(s.projection.axes), "n_components": s.projection.n_components},
            "view": _view_json(s.view), "colour_by": s.colour_by, "selection": compact_rows(s.selection),
            "focus": {"row": s.focus_row, "label": s.focus_label}, "labels_shown": s.labels_shown,
            "panels": _panels_json(s.panels), "training": s.training,
            "bookmarks": [_bookmark_json(b) for b in s.bookmarks]}


def save_session(session: Session, path: str | os.PathLike) -> Path:
    """Write ``session`` to ``path`` as JSON (atomically); returns the path.

    Raises ValueError for a value JSON cannot hold exactly (NaN or infinite ranges).
    """
    path = Path(path)
    text = json.dumps(session_to_json(session), indent=1, ensure_ascii=False, allow_nan=False)
    with atomic_write(path, "w", encoding="utf-8") as fh:
        fh.write(text + "\n")
    return path


class _Reader:
    """Typed access to the parsed JSON: every miss or wrong type is a DataError naming the file
    and the field (``view.x_range``)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = os.fspath(path)

    def fail(self, reason: str) -> DataError:
        return DataError(reason, self.path)

    def obj(self, value, where: str) -> dict:
        if not isinstance(value, dict):
            raise self.fail(f"{where}: expected an object, got {type(value).__name__}")
        return value

    def get(self, obj: dict, key: str, where: str, types: tuple, optional: bool = False):
        name = f"{where}.{key}" if where else key
        if key not in obj:
            raise self.fail(f"missing field '{name}'")
        value = obj[key]
        if value is None and optional:
            return None
        # bool is an int in Python: a JSON true/false is never accepted as a number.
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            want = " or ".join(t.__name__ for t in types) + (" or null" if optional else "")
            raise self.fail(f"field '{name}': expected {want}, got {json.dumps(value)[:60]}")
        return value

    def number(self, value, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.fail(f"field '{where}': expected a finite number, got {json.dumps(value)[:60]}")
        return float(value)

    def pair(self, obj: dict, key: str, where: str, ints: bool) -> tuple | None:
        value = self.get(obj, key, where, (list,), optional=not ints)
        if value is None:
            return None
        name = f"{where}.{key}"
        if len(value) != 2:
            raise self.fail(f"field '{name}': expected 2 values, got {len(value)}")
        if ints:
            if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value):
                raise self.fail(f"field '{name}': expected two non-negative integers")
            return (int(value[0]), int(value[1]))
        lo, hi = (self.number(v, name) for v in value)
        if not lo < hi:
            raise self.fail(f"field '{name}': empty range {value}")
        return (lo, hi)

    def view(self, value, where: str) -> ViewState:
        o = self.obj(value, where)
        return ViewState(self.pair(o, "x_range", where, ints=False),
                         self.pair(o, "y_range", where, ints=False))

    def rows(self, obj: dict, where: str) -> list[int]:
        spec = self.get(obj, "selection", where, (list,))
        try:
            return expand_rows(spec)
        except ValueError as err:
            raise self.fail(f"field '{where + '.' if where else ''}selection': {err}") from None

    def focus(self, obj: dict, where: str) -> tuple[int, str | None]:
        name = f"{where}.focus" if where else "focus"
        o = self.obj(self.get(obj, "focus", where, (dict,)), name)
        row = self.get(o, "row", name, (int,))
        if row < -1:
            raise self.fail(f"field '{name}.row': expected -1 or a row, got {row}")
        return row, self.get(o, "label", name, (str,), optional=True)

    def panels(self, value, where: str) -> PanelQueries:
        o = self.obj(value, where)
        analogy = self.get(o, "analogy", where, (list,), optional=True)
        if analogy is not None:
            if len(analogy) != 3 or not all(isinstance(w, str) for w in analogy):
                raise self.fail(f"field '{where}.analogy': expected three labels [a, b, c]")
            analogy = tuple(analogy)
        k = self.get(o, "neighbours_k", where, (int,), optional=True)
        if k is not None and k < 1:
            raise self.fail(f"field '{where}.neighbours_k': expected a positive count, got {k}")
        return PanelQueries(self.get(o, "neighbours_query", where, (str,), optional=True), k,
                            self.get(o, "neighbours_metric", where, (str,), optional=True), analogy,
                            self.get(o, "user_id", where, (str,), optional=True))

    def source(self, value) -> DataSource | None:
        if value is None:
            return None
        o = self.obj(value, "source")
        kind = self.get(o, "kind", "source", (str,))
        if kind not in SOURCE_KINDS:
            raise self.fail(f"field 'source.kind': unknown kind {kind!r} (expected one of "
                            f"{', '.join(SOURCE_KINDS)})")
        limit = self.get(o, "limit", "source", (int,), optional=True)
        if limit is not None and limit < 1:
            raise self.fail(f"field 'source.limit': expected a positive row count, got {limit}")
        mode = self.get(o, "hash_mode", "source", (str,), optional=True)
        if mode is not None and mode not in HASH_MODES:
            raise self.fail(f"field 'source.hash_mode': unknown mode {mode!r}")
        return DataSource(kind, self.get(o, "path", "source", (str,), optional=True),
                          self.get(o, "format", "source", (str,), optional=True), limit,
                          self.get(o, "sha256", "source", (str,), optional=True),
                          self.get(o, "size", "source", (int,), optional=True), mode,
                          self.get(o, "model", "source", (str,), optional=True))

    def bookmark(self, value, i: int) -> Bookmark:
        where = f"bookmarks[{i}]"
        o = self.obj(value, where)
        row, label = self.focus(o, where)
        return Bookmark(name=self.get(o, "name", where, (str,)),
                        view=self.view(self.get(o, "view", where, (dict,)), f"{where}.view"),
                        axes=self.pair(o, "axes", where, ints=True),
                        colour_by=self.get(o, "colour_by", where, (str,), optional=True),
                        selection=self.rows(o, where), focus_row=row, focus_label=label,
                        labels_shown=self.get(o, "labels_shown", where, (bool,)),
                        panels=self.panels(self.get(o, "panels", where, (dict,)), f"{where}.panels"),
                        created=self.get(o, "created", where, (str,)))


def session_from_json(data, path: str | os.PathLike = "<session>") -> Session:
    """Build a :class:`Session` from parsed JSON; raises DataError (naming ``path``) when it is not
    a session of this version or a field is missing or of the wrong type."""
    r = _Reader(path)
    o = r.obj(data, "session")
    if o.get("format") != SESSION_FORMAT:
        raise r.fail(f"not an embexplorer session (no \"format\": \"{SESSION_FORMAT}\")")
    version = r.get(o, "version", "", (int,))
    if version != SESSION_VERSION:
        raise r.fail(f"session version {version} is not supported (this embexplorer reads version "
                     f"{SESSION_VERSION})")
    proj = r.obj(r.get(o, "projection", "", (dict,)), "projection")
    n_comp = r.get(proj, "n_components", "projection", (int,))
    if n_comp < 1:
        raise r.fail(f"field 'projection.n_components': expected a positive count, got {n_comp}")
    training = r.get(o, "training", "", (dict,))
    for key, value in training.items():
        r.obj(value, f"training.{key}")
    row, label = r.focus(o, "")
    return Session(version=version, source=r.source(r.get(o, "source", "", (dict,), optional=True)),
                   title=r.get(o, "title", "", (str,)),
                   projection=Projection(r.pair(proj, "axes", "projection", ints=True), n_comp),
                   view=r.view(r.get(o, "view", "", (dict,)), "view"),
                   colour_by=r.get(o, "colour_by", "", (str,), optional=True),
                   selection=r.rows(o, ""), focus_row=row, focus_label=label,
                   labels_shown=r.get(o, "labels_shown", "", (bool,)),
                   panels=r.panels(r.get(o, "panels", "", (dict,)), "panels"), training=training,
                   bookmarks=[r.bookmark(b, i) for i, b in enumerate(r.get(o, "bookmarks", "", (list,)))],
                   created=r.get(o, "created", "", (str,)))


def load_session(path: str | os.PathLike) -> Session:
    """Read a session written by :func:`save_session`.

    Raises
    ------
    DataError
        Not JSON, not a session, another version, or a field missing / of the wrong type
        (the message names the file and the field).
    OSError
        The file cannot be read.
    """
    raw = Path(path).read_bytes()
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise DataError(f"not UTF-8 text (byte {err.start})", path) from None
    except json.JSONDecodeError as err:
        raise DataError(f"not valid JSON: {err.msg} (column {err.colno})", path, err.lineno) from None
    return session_from_json(data, path)


__all__ = ["Bookmark", "DataSource", "PanelQueries", "Projection", "SESSION_FORMAT", "SESSION_SUFFIX",
           "SESSION_VERSION", "SOURCE_KINDS", "Session", "ViewState", "compact_rows", "expand_rows",
           "file_digest", "hashed_source", "is_session_file", "load_session", "now_iso", "save_session",
           "session_from_json", "session_to_json", "verify_sources"]
