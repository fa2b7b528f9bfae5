"""Hand-off to the browser tools: Embedding Atlas and the TensorFlow Embedding Projector.

* :func:`export_atlas` writes a Parquet file Embedding Atlas opens as it is
  (``embedding-atlas FILE --x projection_x --y projection_y --neighbors neighbors``): one row per
  point with ``label``, the metadata columns, the ``vector``, the 2-D placement shown
  (``projection_x``, ``projection_y``) and the ``neighbors`` column in its documented form, a struct
  ``{"ids": [...], "distances": [...]}`` per row (zero-based row ids, cosine distances, nearest first).
* :func:`export_projector` writes a folder the standalone projector (``?config=.../projector_config.json``)
  and TensorBoard (``projector_config.pbtxt``) open: ``vectors.tsv``, ``metadata.tsv``, the configs and
  ``bookmarks.json``, our bookmarks as its bookmarks (a ``State`` each: label, selected points, the PCA
  components and colour shown, the points' placement).
* :func:`import_projector` reads such a config (JSON or pbtxt) back: the set and its bookmarks.
* :func:`export_labels` writes labels one per line (a selection, for another tool).

Qt-free; pyarrow only for :func:`export_atlas` (the ``arrow`` extra).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from embexplorer.core.atomic import atomic_write
from embexplorer.core.data._table_readers import require_pyarrow
from embexplorer.core.data.embeddings import EmbeddingSet
from embexplorer.core.errors import DataError
from embexplorer.core.progress import ScaledControl, TaskControl, ensure_control

#: Embedding Atlas's column names (its ``--x``, ``--y``, ``--neighbors`` and ``--vector`` defaults).
ATLAS_X, ATLAS_Y, ATLAS_NEIGHBORS, ATLAS_VECTOR, ATLAS_LABEL, ATLAS_ID = (
    "projection_x", "projection_y", "neighbors", "vector", "label", "id")
#: Neighbours per point in the Atlas file (Embedding Atlas's own projection keeps 15 too).
ATLAS_NEIGHBOURS = 15
#: Similarity-matrix cells computed at a time for the neighbours (bounds memory: 64 MB of float32).
KNN_BLOCK_CELLS = 1 << 24
#: Files of a projector folder.
PROJECTOR_VECTORS, PROJECTOR_METADATA, PROJECTOR_BOOKMARKS = "vectors.tsv", "metadata.tsv", "bookmarks.json"
PROJECTOR_JSON, PROJECTOR_PBTXT = "projector_config.json", "projector_config.pbtxt"
#: The projector's 2-D camera (orthographic, looking down the z axis): its default view.
PROJECTOR_CAMERA = {"orthographic": True, "position": [0, 0, 4], "target": [0, 0, 0], "zoom": 1}
#: One ``key: "value"`` or ``key: number`` pair of a pbtxt ``embeddings { }`` block.
_PBTXT_PAIR = re.compile(r'(\w+)\s*:\s*(?:"((?:[^"\\]|\\.)*)"|([-\w.]+))')
_PBTXT_BLOCK = re.compile(r"embeddings\s*\{(.*?)\}", re.S)


@dataclass
class HandoffBookmark:
    """A bookmark as the hand-off formats carry it.

    ``rows`` are row numbers of the full set; ``axes`` the PCA components shown (0-based);
    ``colour_by`` the metadata column the points are coloured by (None: one colour).
    """

    name: str
    rows: list[int] = field(default_factory=list)
    axes: tuple[int, int] = (0, 1)
    colour_by: str | None = None


@dataclass
class ProjectorImport:
    """What :func:`import_projector` read: the set, its bookmarks and where the vectors came from."""

    embeddings: EmbeddingSet
    bookmarks: list[HandoffBookmark]
    tensor_path: Path
    tensor_name: str
    warnings: list[str] = field(default_factory=list)


# -- Embedding Atlas ---------------------------------------------------------------------------------

def nearest_neighbours(vectors: np.ndarray, k: int, control: TaskControl | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``k`` nearest other rows by cosine: (ids (n, k) int64, distances (n, k) float32),
    nearest first.  Exact, in blocks of rows (memory stays under :data:`KNN_BLOCK_CELLS` cells)."""
    control = ensure_control(control)
    x = np.asarray(vectors, dtype=np.float32)
    n = len(x)
    k = max(0, min(int(k), n - 1))
    norms = np.linalg.norm(x, axis=1)
    unit = x / np.where(norms > 0, norms, 1)[:, None]
    ids = np.empty((n, k), dtype=np.int64)
    dist = np.empty((n, k), dtype=np.float32)
    if k == 0:
        return ids, dist
    step = max(1, KNN_BLOCK_CELLS // n)
    for start in range(0, n, step):
        stop = min(n, start + step)
        sims = unit[start:stop] @ unit.T
        sims[np.arange(stop - start), np.arange(start, stop)] = -np.inf  # not one's own neighbour
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k] if k < n else np.argsort(-sims, axis=1)[:, :k]
        top_sims = np.take_along_axis(sims, top, axis=1)
        order = np.argsort(-top_sims, axis=1, kind="stable")
        ids[start:stop] = np.take_along_axis(top, order, axis=1)
        dist[start:stop] = 1.0 - np.take_along_axis(top_sims, order, axis=1)
        control.progress(stop / n, f"Neighbours {stop:,}/{n:,}")
    return ids, np.clip(dist, 0.0, 2.0)


def export_atlas(emb: EmbeddingSet, xy: np.ndarray, path: str | os.PathLike,
                 rows: Sequence[int] | None = None, k: int = ATLAS_NEIGHBOURS,
                 control: TaskControl | None = None) -> Path:
    """Write ``emb`` (or its ``rows``) as an Embedding Atlas-ready Parquet file.

    Parameters
    ----------
    emb : EmbeddingSet
    xy : ndarray (n, 2)
        The placement shown, one row per row of ``emb``.
    path : path-like
        The ``.parquet`` file written.
    rows : sequence of int, optional
        Only these rows (a selection), in this order; their ``id`` and neighbours count within them.
    k : int
        Neighbours per point.

    Returns
    -------
    Path
        Open it with ``embedding-atlas PATH --x projection_x --y projection_y --neighbors neighbors``.
    """
    pa = require_pyarrow(path)
    import pyarrow.parquet as pq

    control = ensure_control(control)
    xy = np.asarray(xy, dtype=np.float32)
    if xy.shape != (emb.n, 2):
        raise ValueError(f"xy must be ({emb.n}, 2), one point per row, got {xy.shape}")
    if rows is not None:
        rows = np.asarray(rows, dtype=np.intp)
        if not len(rows):
            raise DataError("nothing to export: the selection is empty", path)
        emb, xy = emb.subset(rows), xy[rows]
    control.progress(0.0, "Finding neighbours", force=True)
    ids, dist = nearest_neighbours(emb.vectors, k, ScaledControl(control, 0.0, 0.9))
    n, kk = ids.shape
    offsets = pa.array(np.arange(0, n * kk + 1, kk, dtype=np.int32))
    neighbours = pa.StructArray.from_arrays(
        [pa.ListArray.from_arrays(offsets, pa.array(ids.ravel())),
         pa.ListArray.from_arrays(offsets, pa.array(dist.ravel()))], names=["ids", "distances"])
    d = emb.dims
    vec_offsets = pa.array(np.arange(0, n * d + 1, d, dtype=np.int32))
    columns = {ATLAS_ID: pa.array(np.arange(n, dtype=np.int64)),
               ATLAS_LABEL: pa.array(emb.labels, pa.string())}
    for name, col in emb.metadata.items():
        if name in (ATLAS_ID, ATLAS_LABEL, ATLAS_VECTOR, ATLAS_X, ATLAS_Y, ATLAS_NEIGHBORS):
            name = f"meta_{name}"
        if col.kind == "numeric":
            columns[name] = pa.array(col.values, pa.float64(), from_pandas=True)  # NaN -> null
        else:
            columns[name] = pa.array([col.value(i) if col.codes[i] >= 0 else None for i in range(n)],
                                     pa.string())
    columns[ATLAS_VECTOR] = pa.ListArray.from_arrays(vec_offsets, pa.array(emb.vectors.ravel()))
    columns[ATLAS_X] = pa.array(xy[:, 0])
    columns[ATLAS_Y] = pa.array(xy[:, 1])
    columns[ATLAS_NEIGHBORS] = neighbours
    table = pa.table(columns)
    control.progress(0.95, "Writing Parquet", force=True)
    out = Path(path)
    with atomic_write(out, "wb") as fh:
        pq.write_table(table, fh)
    return out


# -- TF Projector: export ----------------------------------------------------------------------------

def export_projector(emb: EmbeddingSet, folder: str | os.PathLike, rows: Sequence[int] | None = None,
                     coords: np.ndarray | None = None, bookmarks: Sequence[HandoffBookmark] = (),
                     tensor_name: str | None = None, control: TaskControl | None = None) -> list[Path]:
    """Write a TF Projector folder: vectors, metadata, both configs and the bookmarks.

    Parameters
    ----------
    emb : EmbeddingSet
    folder : path-like
        Created if needed; the files in it are replaced.
    rows : sequence of int, optional
        Only these rows (a selection); bookmarks keep only the points exported.
    coords : ndarray (n, c), optional
        The PCA coordinates of every row of ``emb`` (c components): the bookmarks place the points
        as we do.  Without them the projector computes its own PCA.
    bookmarks : sequence of HandoffBookmark
    tensor_name : str, optional
        The name the projector shows (the set's file name by default).

    Returns
    -------
    list of Path
        The files written.
    """
    from embexplorer.core.data._writers import save_projector_tsv

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    keep = np.arange(emb.n) if rows is None else np.asarray(rows, dtype=np.intp)
    if not len(keep):
        raise DataError("nothing to export: the selection is empty", out)
    written = save_projector_tsv(emb, out / PROJECTOR_VECTORS, out / PROJECTOR_METADATA,
                                 rows=None if rows is None else keep, control=control)
    name = tensor_name or Path(emb.source).name or "embeddings"
    entry = {"tensorName": name, "tensorShape": [int(len(keep)), int(emb.dims)],
             "tensorPath": PROJECTOR_VECTORS, "metadataPath": PROJECTOR_METADATA}
    if bookmarks:
        states = [_projector_state(b, keep, coords, emb.dims) for b in bookmarks]
        with atomic_write(out / PROJECTOR_BOOKMARKS, "w", encoding="utf-8") as fh:
            json.dump(states, fh)
        entry["bookmarksPath"] = PROJECTOR_BOOKMARKS
        written.append(out / PROJECTOR_BOOKMARKS)
    with atomic_write(out / PROJECTOR_JSON, "w", encoding="utf-8") as fh:
        json.dump({"embeddings": [entry]}, fh, indent=2)
    with atomic_write(out / PROJECTOR_PBTXT, "w", encoding="utf-8") as fh:
        fh.write(_pbtxt(entry))
    return written + [out / PROJECTOR_JSON, out / PROJECTOR_PBTXT]


def _projector_state(b: HandoffBookmark, keep: np.ndarray, coords: np.ndarray | None, dims: int) -> dict:
    """A bookmark as the projector's ``State`` (vz_projector/data.ts)."""
    position = {int(r): i for i, r in enumerate(keep)}
    selected = [position[r] for r in b.rows if r in position]
    axes = [int(a) for a in b.axes]
    projections = []
    if coords is not None and coords.shape[1] > max(axes):
        shown = np.asarray(coords, dtype=np.float64)[keep]
        projections = [{f"pca-{c}": float(row[c]) for c in range(coords.shape[1])} for row in shown]
    state = {"label": b.name, "isSelected": False, "selectedProjection": "pca",
             "dataSetDimensions": [int(len(keep)), int(dims)], "pcaComponentDimensions": axes,
             "tSNEIteration": 0, "tSNEPerplexity": 0, "tSNELearningRate": 0, "tSNEis3d": False,
             "UMAPIteration": 0, "UMAPis3d": False, "projections": projections, "selectedPoints": selected,
             "cameraDef": dict(PROJECTOR_CAMERA), "forceCategoricalColoring": False,
             "selectedLabelOption": "label"}
    if b.colour_by:
        state["selectedColorOptionName"] = b.colour_by
    return state


def _pbtxt(entry: dict) -> str:
    """The TensorBoard projector plugin's ``ProjectorConfig`` text proto for one embedding."""
    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["embeddings {", f"  tensor_name: {quoted(entry['tensorName'])}"]
    lines += [f"  tensor_shape: {n}" for n in entry["tensorShape"]]
    lines += [f"  tensor_path: {quoted(entry['tensorPath'])}",
              f"  metadata_path: {quoted(entry['metadataPath'])}"]
    if "bookmarksPath" in entry:
        lines.append(f"  bookmarks_path: {quoted(entry['bookmarksPath'])}")
    return "\n".join(lines + ["}", ""])


# -- TF Projector: import ----------------------------------------------------------------------------

def read_projector_config(path: str | os.PathLike) -> list[dict]:
    """The embeddings of a projector config (``projector_config.json`` or ``.pbtxt``), each a dict with
    the JSON keys (``tensorName``, ``tensorPath``, ``metadataPath``, ``bookmarksPath``, ``tensorShape``)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"cannot read the projector config: {err}", path) from None
    if text.lstrip().startswith("{"):
        try:
            config = json.loads(text)
        except json.JSONDecodeError as err:
            raise DataError(f"not valid JSON: {err.msg}", path, err.lineno) from None
        entries = config.get("embeddings") if isinstance(config, dict) else None
        if not isinstance(entries, list) or not entries:
            raise DataError('no "embeddings" list: not a projector config', path)
        return [e for e in entries if isinstance(e, dict)]
    camel = {"tensor_name": "tensorName", "tensor_path": "tensorPath", "metadata_path": "metadataPath",
             "bookmarks_path": "bookmarksPath", "tensor_shape": "tensorShape"}
    entries = []
    for block in _PBTXT_BLOCK.findall(text):
        entry: dict = {}
        for key, quoted, bare in _PBTXT_PAIR.findall(block):
            key = camel.get(key, key)
            value = re.sub(r"\\(.)", r"\1", quoted) if quoted else bare  # \" and \\ as we write them
            if key == "tensorShape":
                entry.setdefault(key, []).append(int(value))
            else:
                entry[key] = value
        entries.append(entry)
    if not entries:
        raise DataError("no 'embeddings { ... }' block: not a projector config", path)
    return entries


def import_projector(path: str | os.PathLike, tensor: str | None = None,
                     control: TaskControl | None = None) -> ProjectorImport:
    """Read a projector config: the set (``tensorPath`` with ``metadataPath``) and its bookmarks.

    Parameters
    ----------
    path : path-like
        ``projector_config.json`` or ``projector_config.pbtxt``; relative paths in it are taken from
        its folder.
    tensor : str, optional
        Which embedding (by ``tensorName``) when the config lists several; the first otherwise.
    """
    from embexplorer.core.data.formats import load

    path = Path(path)
    entries = read_projector_config(path)
    if tensor is not None:
        named = [e for e in entries if e.get("tensorName") == tensor]
        if not named:
            names = ", ".join(repr(e.get("tensorName")) for e in entries)
            raise DataError(f"no tensor {tensor!r} in the config (tensors: {names})", path)
        entries = named
    entry = entries[0]
    if not entry.get("tensorPath"):
        raise DataError("the embedding has no tensorPath (vectors stored in a TensorFlow checkpoint are not "
                        "read: export them to vectors.tsv)", path)
    tensor_path = _local(path, entry["tensorPath"])
    metadata = _local(path, entry["metadataPath"]) if entry.get("metadataPath") else None
    if tensor_path.suffix.lower() == ".bytes":
        raise DataError("raw .bytes tensors are not read: point tensorPath at a vectors.tsv", tensor_path)
    emb = load(tensor_path, format="tsv", metadata_path=metadata, control=control)
    warnings = []
    bookmarks = []
    if entry.get("bookmarksPath"):
        bookmarks = read_projector_bookmarks(_local(path, entry["bookmarksPath"]), emb.n)
        if emb.duplicates_dropped:
            warnings.append(f"{emb.duplicates_dropped:,} rows with repeated labels were dropped: bookmarked "
                            "points after them may be shifted")
    name = str(entry.get("tensorName") or tensor_path.stem)
    return ProjectorImport(emb, bookmarks, tensor_path, name, warnings)


def read_projector_bookmarks(path: Path, n: int) -> list[HandoffBookmark]:
    """A projector ``bookmarks.json`` (a list of ``State``) as bookmarks of a set of ``n`` rows."""
    try:
        states = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise DataError(f"cannot read the bookmarks: {err.strerror or err}", path) from None
    except json.JSONDecodeError as err:
        raise DataError(f"bookmarks are not valid JSON: {err.msg}", path, err.lineno) from None
    if not isinstance(states, list):
        raise DataError("bookmarks must be a JSON list of projector states", path)
    out = []
    for i, state in enumerate(states):
        if not isinstance(state, dict):
            raise DataError(f"bookmark {i + 1} is not a JSON object", path)
        points = state.get("selectedPoints") or []
        if not all(isinstance(p, int) and 0 <= p < n for p in points):
            raise DataError(f"bookmark {i + 1} selects points outside the {n:,} rows", path)
        dims = state.get("pcaComponentDimensions") or [0, 1]
        axes = (int(dims[0]), int(dims[1])) if state.get("selectedProjection", "pca") == "pca" and \
            len(dims) >= 2 else (0, 1)
        out.append(HandoffBookmark(str(state.get("label") or f"Bookmark {i + 1}"), [int(p) for p in points],
                                   axes, state.get("selectedColorOptionName") or None))
    return out


def _local(config: Path, ref: str) -> Path:
    if re.match(r"^[a-z][a-z0-9+.-]*://", ref, re.I):
        raise DataError(f"{ref} is on the web: download it beside the config and point the config at it",
                        config)
    p = Path(ref)
    return p if p.is_absolute() else config.parent / p


# -- labels --------------------------------------------------------------------------------------------

def export_labels(labels: Sequence[str], path: str | os.PathLike) -> Path:
    """Write ``labels`` one per line (UTF-8; a line break inside a label becomes a space)."""
    out = Path(path)
    with atomic_write(out, "w", encoding="utf-8") as fh:
        fh.write("".join(re.sub(r"[\r\n]+", " ", str(label)) + "\n" for label in labels))
    return out


__all__ = ["ATLAS_NEIGHBORS", "ATLAS_NEIGHBOURS", "ATLAS_X", "ATLAS_Y", "HandoffBookmark", "ProjectorImport",
           "export_atlas", "export_labels", "export_projector", "import_projector", "nearest_neighbours",
           "read_projector_bookmarks", "read_projector_config"]
