"""Saved sessions and bookmarks: what was open and how it was shown, as a small JSON file.

A session names its data by path (with a SHA-256 of the file, so a changed or
missing file is noticed on reopening) and keeps each feature's part of the
window's state as that feature gave it (``{"explorer": {...}, "neighbours":
{...}}``: view, colouring, selection, queries, training settings ...), plus
named bookmarks (the view features' states, to step through as a tour).  No
pickles: the file is plain JSON, written atomically, and read back with every
field type-checked -- a damaged or foreign file is a
:class:`~embexplorer.core.errors.DataError` naming it.

Version 2 (written now) stores the feature states as they are; version 1 (fixed
fields: projection, view, colour_by, selection, focus, panels, training) is
still read, its fields translated into the states the features give today.

Feature states are JSON objects.  A long sorted list of distinct row numbers
in one (a selection) is written compactly as ``{"$rows": [...]}``: single rows
as ints, runs of consecutive rows as ``[start, stop)`` pairs; reading gives the
list back, so the round trip stays exact (``"$rows"`` is a reserved key).

Examples
--------
>>> s = Session(DataSource("file", "/data/glove.txt"), features={"explorer": {"selection": [1, 2, 3]}})
>>> save_session(s, "talk.embx.json")              # doctest: +SKIP
>>> load_session("talk.embx.json") == s            # doctest: +SKIP
True
"""

from __future__ import annotations

import dataclasses
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

#: Version written into every session.
SESSION_VERSION = 2
#: Versions read (version 1's fixed fields become feature states); others are refused.
READ_VERSIONS = (1, 2)
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
#: Shortest sorted list of distinct rows in a feature state written as ``{"$rows": ...}``.
PACK_MIN_ROWS = 8
#: The key of a compacted row list in the file (reserved in feature states).
ROWS_KEY = "$rows"
#: Hash modes recorded beside the digest.
HASH_MODES = ("full", "edges", "folder")
#: Autosaved sessions in the state folder: ``autosave-<pid>.embx.json``, one per running window process.
AUTOSAVE_PREFIX = "autosave-"
#: Version 1 named a model's trainer; version 2 names the feature that made it.
V1_MODEL_OWNERS = {"mf": "recommender"}


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
        For ``"model"``: the feature that trained it (``"recommender"``).
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
class Bookmark:
    """A named snapshot of the view within a session: the states of the features that make it."""

    name: str
    features: dict[str, dict] = field(default_factory=dict)
    created: str = ""


@dataclass
class Session:
    """Everything needed to reopen a piece of exploration.

    ``features`` maps a feature's name to its state (a JSON-compatible dict, as
    :meth:`embexplorer._qt.feature.Feature.state` gives it).
    """

    source: DataSource | None = None
    title: str = ""
    features: dict[str, dict] = field(default_factory=dict)
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


def pack_rows(value):
    """A feature state as written: sorted lists of distinct rows (at least :data:`PACK_MIN_ROWS`)
    become ``{"$rows": compact_rows(...)}``, tuples lists, the rest stays.

    Raises ValueError for a state using the reserved key :data:`ROWS_KEY`.
    """
    if isinstance(value, dict):
        if ROWS_KEY in value:
            raise ValueError(f"{ROWS_KEY!r} is a reserved key in session states")
        return {k: pack_rows(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if len(value) >= PACK_MIN_ROWS and _is_row_list(value):
            return {ROWS_KEY: compact_rows(value)}
        return [pack_rows(v) for v in value]
    return value


def unpack_rows(value):
    """Inverse of :func:`pack_rows`; raises ValueError for a malformed ``{"$rows": ...}``."""
    if isinstance(value, dict):
        if ROWS_KEY not in value:
            return {k: unpack_rows(v) for k, v in value.items()}
        if len(value) != 1 or not isinstance(value[ROWS_KEY], list):
            raise ValueError(f'expected {{"{ROWS_KEY}": [rows and [start, stop) ranges]}}')
        return expand_rows(value[ROWS_KEY])
    if isinstance(value, list):
        return [unpack_rows(v) for v in value]
    return value


def _is_row_list(values: Sequence) -> bool:
    """True for strictly increasing non-negative ints: exactly what :func:`expand_rows` gives back."""
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return False
    return values[0] >= 0 and all(a < b for a, b in zip(values, values[1:]))


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
def _states_json(states: dict[str, dict]) -> dict:
    return {name: pack_rows(state) for name, state in states.items()}


def session_to_json(session: Session) -> dict:
    """The JSON object written for ``session`` (plain dicts, lists, strings and numbers; version 2)."""
    s = session
    return {"format": SESSION_FORMAT, "version": SESSION_VERSION, "created": s.created, "title": s.title,
            "source": None if s.source is None else dataclasses.asdict(s.source),
            "features": _states_json(s.features),
            "bookmarks": [{"name": b.name, "created": b.created, "features": _states_json(b.features)}
                          for b in s.bookmarks]}


def save_session(session: Session, path: str | os.PathLike) -> Path:
    """Write ``session`` to ``path`` as JSON (atomically); returns the path.

    Raises ValueError for a value JSON cannot hold exactly (NaN, infinity) or a reserved key.
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

    def view(self, value, where: str) -> list | None:
        """Version 1's view object as the explorer's ``[[x0, x1], [y0, y1]]`` (None: fit all)."""
        o = self.obj(value, where)
        x, y = (self.pair(o, key, where, ints=False) for key in ("x_range", "y_range"))
        return None if x is None and y is None else [_list_or_none(x), _list_or_none(y)]

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

    def panels(self, value, where: str) -> dict[str, dict]:
        """Version 1's panel queries as the neighbours', analogy's and recommender's states."""
        o = self.obj(value, where)
        analogy = self.get(o, "analogy", where, (list,), optional=True)
        if analogy is not None and (len(analogy) != 3 or not all(isinstance(w, str) for w in analogy)):
            raise self.fail(f"field '{where}.analogy': expected three labels [a, b, c]")
        k = self.get(o, "neighbours_k", where, (int,), optional=True)
        if k is not None and k < 1:
            raise self.fail(f"field '{where}.neighbours_k': expected a positive count, got {k}")
        return {"neighbours": {"query": self.get(o, "neighbours_query", where, (str,), optional=True), "k": k,
                               "metric": self.get(o, "neighbours_metric", where, (str,), optional=True)},
                "analogy": {"query": analogy},
                "recommender": {"config": None,
                                "user_id": self.get(o, "user_id", where, (str,), optional=True)}}

    def v1_view_states(self, o: dict, where: str, axes: tuple[int, int]) -> dict[str, dict]:
        """The feature states meant by version 1's view fields (of the session or a bookmark)."""
        dot = f"{where}." if where else ""
        row, label = self.focus(o, where)
        states = {"explorer": {"view": self.view(self.get(o, "view", where, (dict,)), dot + "view"),
                               "axes": list(axes),
                               "colour_by": self.get(o, "colour_by", where, (str,), optional=True),
                               "selection": self.rows(o, where), "focus_label": label, "focus_row": row,
                               "labels_shown": self.get(o, "labels_shown", where, (bool,))}}
        states.update(self.panels(self.get(o, "panels", where, (dict,)), dot + "panels"))
        return states

    def v1_session(self, o: dict) -> tuple[dict[str, dict], list[Bookmark]]:
        """A version-1 session's feature states and bookmarks."""
        proj = self.obj(self.get(o, "projection", "", (dict,)), "projection")
        states = self.v1_view_states(o, "", self.pair(proj, "axes", "projection", ints=True))
        training = self.get(o, "training", "", (dict,))
        for key, value in training.items():
            self.obj(value, f"training.{key}")
        states["recommender"]["config"] = training.get("mf")
        if "w2v" in training:
            states["word2vec"] = {"settings": training["w2v"]}
        bookmarks = []
        for i, value in enumerate(self.get(o, "bookmarks", "", (list,))):
            where = f"bookmarks[{i}]"
            b = self.obj(value, where)
            bookmarks.append(Bookmark(self.get(b, "name", where, (str,)),
                                      self.v1_view_states(b, where, self.pair(b, "axes", where, ints=True)),
                                      self.get(b, "created", where, (str,))))
        return states, bookmarks

    def states(self, value, where: str) -> dict[str, dict]:
        """Version 2's ``{feature: state}`` (row lists unpacked)."""
        out = {}
        for name, state in self.obj(value, where).items():
            try:
                out[name] = unpack_rows(self.obj(state, f"{where}.{name}"))
            except ValueError as err:
                raise self.fail(f"field '{where}.{name}': {err}") from None
        return out

    def bookmark(self, value, i: int) -> Bookmark:
        where = f"bookmarks[{i}]"
        o = self.obj(value, where)
        return Bookmark(self.get(o, "name", where, (str,)),
                        self.states(self.get(o, "features", where, (dict,)), f"{where}.features"),
                        self.get(o, "created", where, (str,)))

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


def session_from_json(data, path: str | os.PathLike = "<session>") -> Session:
    """Build a :class:`Session` from parsed JSON (version 2, or version 1 translated); raises
    DataError (naming ``path``) when it is not a session of a version read or a field is missing
    or of the wrong type."""
    r = _Reader(path)
    o = r.obj(data, "session")
    if o.get("format") != SESSION_FORMAT:
        raise r.fail(f"not an embexplorer session (no \"format\": \"{SESSION_FORMAT}\")")
    version = r.get(o, "version", "", (int,))
    if version not in READ_VERSIONS:
        raise r.fail(f"session version {version} is not supported (this embexplorer reads versions "
                     f"{', '.join(map(str, READ_VERSIONS))})")
    source = r.source(r.get(o, "source", "", (dict,), optional=True))
    if version == 1:
        features, bookmarks = r.v1_session(o)
        if source is not None and source.model is not None:
            source.model = V1_MODEL_OWNERS.get(source.model, source.model)
    else:
        features = r.states(r.get(o, "features", "", (dict,)), "features")
        bookmarks = [r.bookmark(b, i) for i, b in enumerate(r.get(o, "bookmarks", "", (list,)))]
    return Session(source, r.get(o, "title", "", (str,)), features, bookmarks,
                   r.get(o, "created", "", (str,)))


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


__all__ = ["Bookmark", "DataSource", "READ_VERSIONS", "SESSION_FORMAT", "SESSION_SUFFIX", "SESSION_VERSION",
           "SOURCE_KINDS", "Session", "compact_rows", "expand_rows", "file_digest", "hashed_source",
           "is_session_file", "load_session", "now_iso", "pack_rows", "save_session", "session_from_json",
           "session_to_json", "unpack_rows", "verify_sources"]


def _list_or_none(pair: tuple | None) -> list | None:
    return None if pair is None else list(pair)


# ---------------------------------------------------------------------------------------- autosave
def autosave_path(pid: int | None = None, folder: str | os.PathLike | None = None) -> Path:
    """The autosave file of process ``pid`` (this one by default) in ``folder`` (the state folder)."""
    from embexplorer.core.paths import state_dir

    return Path(folder if folder is not None else state_dir()) / \
        f"{AUTOSAVE_PREFIX}{os.getpid() if pid is None else int(pid)}{SESSION_SUFFIX}"


def pid_alive(pid: int) -> bool:
    """True if a process ``pid`` is running (a reused number counts as running: nothing is lost)."""
    if pid <= 0:
        return False
    if os.name == "nt":  # os.kill would terminate it on Windows: ask for its exit code instead
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        try:
            ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        finally:
            kernel32.CloseHandle(handle)
        return bool(ok) and code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def orphaned_autosaves(folder: str | os.PathLike | None = None) -> list[Path]:
    """Autosaves left by processes that are gone (an unclean exit), newest first.

    A clean exit removes its own file; one whose process still runs is another window's.
    """
    from embexplorer.core.paths import state_dir

    folder = Path(folder if folder is not None else state_dir())
    found = []
    try:
        candidates = list(folder.glob(f"{AUTOSAVE_PREFIX}*{SESSION_SUFFIX}"))
    except OSError:
        return []
    for path in candidates:
        pid_text = path.name[len(AUTOSAVE_PREFIX):-len(SESSION_SUFFIX)]
        if not pid_text.isdigit() or int(pid_text) == os.getpid() or pid_alive(int(pid_text)):
            continue
        try:
            found.append((path.stat().st_mtime, path))
        except OSError:
            continue
    return [p for _, p in sorted(found, reverse=True)]
