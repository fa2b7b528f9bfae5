"""Writing embedding sets in every format but gensim's pickles, atomically.

Text values are written so that they read back to the identical float32 values, as short as
that allows (:func:`_format_rows`).  Import :func:`save` and :func:`save_projector_tsv` from
:mod:`embexplorer.core.data.formats`.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import os
from pathlib import Path

import numpy as np

from embexplorer.core.atomic import atomic_write
from embexplorer.core.data._sidecars import metadata_path_for
from embexplorer.core.data._sniff import FORMAT_NAMES
from embexplorer.core.data._textparse import parse_block
from embexplorer.core.data.embeddings import EmbeddingSet, MetadataColumn
from embexplorer.core.errors import DataError
from embexplorer.core.progress import TaskControl, ensure_control

#: Rows formatted per step when writing text.
WRITE_CHUNK_ROWS = 4096
#: Rows sampled to decide whether a block's values are short decimals (GloVe-like).
FORMAT_SAMPLE_ROWS = 32


def _format_rows(vectors: np.ndarray, sep: str) -> list[str]:
    """Each row as text that reads back to the identical float32 values.

    ``%.9g`` always round-trips float32.  Files of short decimals (GloVe's
    5-6 digits) stay short: where a sample shows ``%.7g`` round-trips, rows
    are written so and checked with the fast parser; rows that do not
    round-trip fall back to ``%.9g``.
    """
    n, d = vectors.shape
    f7 = sep.join(["%.7g"] * d)
    f9 = sep.join(["%.9g"] * d)
    rows = vectors.tolist()
    sample = [f7 % tuple(r) for r in rows[:FORMAT_SAMPLE_ROWS]]
    back = _parse_numbers(sample, d)
    if not np.array_equal(back, vectors[:len(sample)]):
        return [f9 % tuple(r) for r in rows]
    out = sample + [f7 % tuple(r) for r in rows[len(sample):]]
    back = _parse_numbers(out, d)
    for i in np.flatnonzero(~(back == vectors).all(axis=1)).tolist():
        out[i] = f9 % tuple(rows[i])
    return out


def _parse_numbers(texts: list[str], dims: int) -> np.ndarray:
    if not texts:
        return np.empty((0, dims), dtype=np.float32)
    _labels, mat, _lines = parse_block(("\n".join(texts) + "\n").encode("ascii"), dims, False, 1, "<save>")
    return mat


def _clean_label(label: str, fmt: str) -> str:
    label = label.replace("\n", " ").replace("\r", " ")
    if fmt in ("tsv", "npy"):
        label = label.replace("\t", " ")
    return label


def save(emb: EmbeddingSet, path: str | os.PathLike, format: str,
         control: TaskControl | None = None) -> list[Path]:
    """Write ``emb`` in ``format`` (atomically); returns the files written.

    ``tsv`` writes ``path`` (vectors) and its metadata file (``vectors`` in the
    name replaced by ``metadata``, else ``<stem>.metadata.tsv``); ``npy``
    writes ``path`` and ``<stem>.labels.txt``; ``gensim`` is not written
    (pickles are for gensim itself).  ``word2vec-binary`` cannot hold a space
    in a label: spaces become ``_`` there.  Text files get a ``.gz``/``.bz2``
    compression when ``path`` ends so.
    """
    path = Path(path)
    control = ensure_control(control)
    if format not in FORMAT_NAMES or format == "gensim":
        raise DataError(f"cannot save in format {format!r}", path)
    vectors = np.asarray(emb.vectors, dtype=np.float32)
    if format in ("word2vec", "fasttext", "glove"):
        with _atomic_text(path) as fh:
            if format != "glove":
                fh.write(f"{emb.n} {emb.dims}\n".encode())
            # fastText ends every row with a space: detection tells its .vec files by it.
            _write_rows(fh, vectors, [_clean_label(lab, format) for lab in emb.labels], " ", control,
                        end=" \n" if format == "fasttext" else "\n")
        return [path]
    if format == "word2vec-binary":
        with atomic_write(path) as fh:
            fh.write(f"{emb.n} {emb.dims}\n".encode())
            for i, (lab, row) in enumerate(zip(emb.labels, vectors)):
                fh.write(lab.replace(" ", "_").encode("utf-8") + b" " + row.astype("<f4").tobytes() + b"\n")
                if i % WRITE_CHUNK_ROWS == 0:
                    control.progress(i / max(emb.n, 1), f"Writing {path.name}")
        return [path]
    if format == "tsv":
        return save_projector_tsv(emb, path, metadata_path_for(path), control=control)
    if format == "npy":
        labels_path = path.with_name(path.name[:-4] + ".labels.txt" if path.name.endswith(".npy")
                                     else path.name + ".labels.txt")
        with atomic_write(path) as fh:
            np.save(fh, vectors, allow_pickle=False)
        with atomic_write(labels_path, "w", encoding="utf-8") as fh:
            fh.write("".join(_clean_label(lab, "npy") + "\n" for lab in emb.labels))
        return [path, labels_path]
    with atomic_write(path) as fh:  # npz
        np.savez(fh, vectors=vectors, labels=np.array(emb.labels, dtype=str))
    return [path]


@contextlib.contextmanager
def _atomic_text(path: Path):
    with atomic_write(path) as raw:
        suffix = path.suffix.lower()
        if suffix == ".gz":
            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as fh:
                yield fh
        elif suffix == ".bz2":
            with bz2.BZ2File(raw, mode="wb") as fh:
                yield fh
        else:
            yield raw


def _write_rows(fh, vectors: np.ndarray, labels: list[str] | None, sep: str, control: TaskControl,
                end: str = "\n") -> None:
    n = len(vectors)
    for start in range(0, n, WRITE_CHUNK_ROWS):
        texts = _format_rows(vectors[start:start + WRITE_CHUNK_ROWS], sep)
        if labels is not None:
            texts = [f"{lab}{sep}{t}" for lab, t in zip(labels[start:start + WRITE_CHUNK_ROWS], texts)]
        fh.write((end.join(texts) + end).encode("utf-8"))
        control.progress(min((start + WRITE_CHUNK_ROWS) / max(n, 1), 1.0), "Writing")


def save_projector_tsv(emb: EmbeddingSet, vectors_path: str | os.PathLike,
                       metadata_path: str | os.PathLike | None = None, rows=None,
                       control: TaskControl | None = None) -> list[Path]:
    """Write a TensorFlow Embedding Projector pair: ``vectors.tsv`` and ``metadata.tsv``.

    Parameters
    ----------
    emb : EmbeddingSet
    vectors_path : path-like
    metadata_path : path-like, optional
        Defaults to :func:`metadata_path_for`.
    rows : array of int, optional
        Write only these rows (e.g. the current selection).

    The metadata file has one label column without header, or, when ``emb``
    has metadata columns, a header row ``label<TAB>col...`` (the projector's rules).
    """
    control = ensure_control(control)
    vectors_path = Path(vectors_path)
    metadata_path = Path(metadata_path) if metadata_path is not None else metadata_path_for(vectors_path)
    if rows is not None:
        emb = emb.subset(rows)
    with _atomic_text(vectors_path) as fh:
        _write_rows(fh, np.asarray(emb.vectors, dtype=np.float32), None, "\t", control)
    with atomic_write(metadata_path, "w", encoding="utf-8") as fh:
        labels = [_clean_label(lab, "tsv") for lab in emb.labels]
        if emb.metadata:
            cols = list(emb.metadata.items())
            fh.write("\t".join(["label"] + [_clean_label(n, "tsv") for n, _ in cols]) + "\n")
            for i, lab in enumerate(labels):
                fh.write("\t".join([lab] + [_cell(c, i) for _, c in cols]) + "\n")
        else:
            fh.write("".join(lab + "\n" for lab in labels))
    return [vectors_path, metadata_path]


def _cell(col: MetadataColumn, row: int) -> str:
    """A metadata value as TSV text; numbers in full precision (``value()`` rounds for display)."""
    if col.kind == "numeric":
        v = float(col.values[row])
        return "" if np.isnan(v) else repr(v)
    return _clean_label(col.value(row), "tsv")
