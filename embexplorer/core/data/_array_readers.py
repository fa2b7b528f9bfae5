"""NumPy files (``.npy``, ``.npz``) and the checks every loaded matrix passes.

Never unpickles: ``numpy.load`` is called with ``allow_pickle=False``, and an array of Python
objects is refused with an explanation (:func:`_pickle_refusal`).  Used by
:mod:`embexplorer.core.data.formats`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from embexplorer.core.data._sidecars import _labels_from_sidecar
from embexplorer.core.data.embeddings import EmbeddingSet
from embexplorer.core.errors import DataError
from embexplorer.core.progress import TaskControl

#: Rows checked for NaN/inf per step (bounds the temporary boolean array).
FINITE_CHECK_ROWS = 65536
#: Names tried for the vectors array in an ``.npz`` file, in order.
NPZ_VECTOR_KEYS = ("vectors", "embeddings", "embedding", "vecs", "vectors_vocab", "weights", "matrix",
                   "X", "arr_0")
#: Names tried for the labels array in an ``.npz`` file, in order.
NPZ_LABEL_KEYS = ("labels", "words", "vocab", "tokens", "keys", "index_to_key", "names", "items",
                  "arr_1")


def _first_nonfinite(vectors: np.ndarray) -> int | None:
    """Index of the first row holding NaN or inf (checked in blocks), else None."""
    for start in range(0, len(vectors), FINITE_CHECK_ROWS):
        block = vectors[start:start + FINITE_CHECK_ROWS]
        ok = np.isfinite(block).all(axis=1)
        if not ok.all():
            return start + int(np.argmin(ok))
    return None


# -- numpy ---------------------------------------------------------------------------------------------------

def _check_matrix(arr: np.ndarray, path: Path, what: str = "array") -> None:
    if arr.ndim != 2:
        raise DataError(f"expected a 2-D {what} (rows x dims), got shape {arr.shape}", path)
    if arr.dtype.kind not in "fiu":
        raise DataError(f"expected a numeric {what}, got dtype {arr.dtype}", path)
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise DataError(f"the {what} is empty (shape {arr.shape})", path)


def _as_float32(arr: np.ndarray, path: Path, limit: int | None) -> np.ndarray:
    if limit is not None:
        arr = arr[:limit]
    if arr.dtype != np.float32 or not arr.flags.c_contiguous:
        out = np.empty(arr.shape, dtype=np.float32)
        with np.errstate(over="ignore", invalid="ignore"):  # beyond float32 becomes inf: reported below
            for s in range(0, len(arr), FINITE_CHECK_ROWS):
                out[s:s + FINITE_CHECK_ROWS] = arr[s:s + FINITE_CHECK_ROWS]
        arr = out
    bad = _first_nonfinite(arr)
    if bad is not None:
        raise DataError(f"NaN or infinite value in row {bad + 1}", path, bad + 1)
    return arr


def _pickle_refusal(path: Path, what: str) -> DataError:
    err = DataError(f"{what} is a Python pickle, which can run arbitrary code when opened, so it is not "
                    "loaded by default; if you trust the file, allow pickles (--allow-pickle, or confirm "
                    "in the dialog)", path)
    err.needs_consent = True  # the GUI asks the user, then retries with allow_pickle=True
    return err


def _load_npy(path: Path, fmt: str, limit: int | None, control: TaskControl, _allow_pickle: bool,
              metadata_path: Path | None, _read_bytes: int) -> EmbeddingSet:
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as err:
        if "pickle" in str(err).lower() or "object" in str(err).lower():
            raise _pickle_refusal(path, "this .npy holds Python objects; it") from None
        raise DataError(f"not a readable .npy file: {err}", path) from None
    except Exception as err:  # noqa: BLE001 -- numpy's header parser raises SyntaxError, TokenError, ...
        raise DataError(f"not a readable .npy file: {type(err).__name__}: {err}", path) from None
    _check_matrix(arr, path)
    control.progress(0.2, f"Reading {path.name}")
    vectors = _as_float32(arr, path, limit)
    labels, metadata, warnings = _labels_from_sidecar(metadata_path, len(vectors), path)
    return EmbeddingSet(labels, vectors, metadata, warnings=warnings)


def _load_npz(path: Path, fmt: str, limit: int | None, control: TaskControl, _allow_pickle: bool,
              metadata_path: Path | None, _read_bytes: int) -> EmbeddingSet:
    try:
        z = np.load(path, allow_pickle=False)
    except Exception as err:  # noqa: BLE001 -- damaged zips raise BadZipFile, NotImplementedError, ...
        raise DataError(f"not a readable .npz file: {type(err).__name__}: {err}", path) from None
    with z:
        names = list(z.files)
        vkey = next((k for k in NPZ_VECTOR_KEYS if k in names), None)
        lkey = next((k for k in NPZ_LABEL_KEYS if k in names and k != vkey), None)
        try:
            if vkey is None:
                two_d = [k for k in names if z[k].ndim == 2]
                if len(two_d) != 1:
                    raise DataError(f"no vectors array found (looked for {', '.join(NPZ_VECTOR_KEYS)}; "
                                    f"file has {', '.join(names) or 'no arrays'})", path)
                vkey = two_d[0]
            arr = z[vkey]
            _check_matrix(arr, path, f"array {vkey!r}")
            vectors = _as_float32(arr, path, limit)
            warnings: list[str] = []
            metadata = {}
            if lkey is not None:
                lab = z[lkey]
                if lab.dtype.kind not in "USiu" or lab.ndim != 1:
                    raise DataError(f"labels array {lkey!r} must be 1-D strings, got {lab.dtype} "
                                    f"{lab.shape}", path)
                if len(lab) < len(vectors):
                    raise DataError(f"{len(lab):,} labels for {len(vectors):,} vectors", path)
                lab = lab[:len(vectors)]
                labels = ([x.decode("utf-8", "replace") for x in lab.tolist()] if lab.dtype.kind == "S"
                          else [str(x) for x in lab.tolist()])
            else:
                labels, metadata, warnings = _labels_from_sidecar(metadata_path, len(vectors), path)
        except ValueError as err:
            if "pickle" in str(err).lower():
                raise DataError("an array in this .npz holds Python objects (a pickle), which are not "
                                "loaded because unpickling can run code; store labels as a string array, "
                                "e.g. np.array(labels, dtype=str)", path) from None
            raise DataError(f"not a readable .npz file: {err}", path) from None
        except DataError:
            raise
        except Exception as err:  # noqa: BLE001 -- a damaged member: BadZipFile, zlib.error, TokenError, ...
            raise DataError(f"damaged .npz file: {type(err).__name__}: {err}", path) from None
    return EmbeddingSet(labels, vectors, metadata, warnings=warnings)
