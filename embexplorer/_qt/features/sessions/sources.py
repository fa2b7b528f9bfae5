"""Where a session's data comes from: the Workspace's typed source as the file format writes it.

The Workspace says what is shown (:class:`embexplorer._qt.workspace.DataSource`: a file, a
finished model, a demo, a live frame); a session keeps what can be opened again
(:class:`embexplorer.core.session.DataSource`: the file with its format, limit and content hash,
the ratings a model was trained on, the demo's name).  :func:`describe` maps one to the other,
:func:`same_source` compares them, :class:`SourceHasher` fills in the hash.
"""

from __future__ import annotations

import os

from embexplorer._qt.workspace import DataSource as ShownSource
from embexplorer.core.session import DataSource, hashed_source

#: Demo reopened when a demo source names none (sessions of the first demo).
DEFAULT_DEMO = "genres"


def describe(shown: ShownSource, ratings_path: str | None = None) -> DataSource | None:
    """What a session keeps of the data ``shown`` (not hashed yet); None when it cannot be reopened.

    A live training frame or nothing shown is described by the ratings read (``ratings_path``),
    if any: reopening reads them again, ready to train.
    """
    if shown.kind == "file" and shown.path:
        return DataSource("file", os.path.abspath(shown.path), format=shown.format, limit=shown.limit)
    if shown.kind == "model" and shown.path:
        # A model is not saved: reopening trains it again on the same ratings with the same settings.
        return DataSource("model", os.path.abspath(shown.path), model=shown.owner)
    if shown.kind == "demo" and shown.details.get("demo"):
        return DataSource("demo", str(shown.details["demo"]))
    if shown.kind in ("none", "training") and ratings_path:
        return DataSource("movielens", os.path.abspath(ratings_path))
    return None


def same_source(a: DataSource | None, b: DataSource | None) -> bool:
    """True if ``a`` and ``b`` name the same data (kind and file, or demo name; hashes aside)."""
    if a is None or b is None or a.kind != b.kind:
        return False
    return a.path == b.path if a.kind == "demo" else same_path(a.path, b.path)


def same_path(a: str | os.PathLike | None, b: str | os.PathLike | None) -> bool:
    """True if ``a`` and ``b`` are the same file (links resolved, case folded where the OS does)."""
    if not a or not b:
        return False
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


class SourceHasher:
    """:func:`~embexplorer.core.session.hashed_source`, remembering digests by (path, size, mtime):
    saving a session twice hashes a large file once."""

    def __init__(self) -> None:
        self._digests: dict[tuple, tuple] = {}  # (path, size, mtime) -> (sha256, size, mode)

    def hashed(self, src: DataSource | None) -> DataSource | None:
        """``src`` with its content hash filled in (a demo or a missing file gets none)."""
        if src is None or src.kind == "demo" or not src.path:
            return src
        try:
            st = os.stat(src.path)
            key = (src.path, st.st_size, st.st_mtime_ns)
        except OSError:
            key = None
        extra = {"format": src.format, "limit": src.limit, "model": src.model}
        if key is not None and key in self._digests and not os.path.isdir(src.path):
            out = DataSource(src.kind, src.path, **extra)
            out.sha256, out.size, out.hash_mode = self._digests[key]
            return out
        out = hashed_source(src.kind, src.path, **extra)
        if key is not None and out.sha256 is not None:
            self._digests[key] = (out.sha256, out.size, out.hash_mode)
        return out
