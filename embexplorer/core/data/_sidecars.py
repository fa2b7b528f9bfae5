"""Sidecar files: the labels and metadata beside a ``vectors.tsv`` or ``.npy`` file.

Finding them (:func:`find_sidecar`), naming the one written beside a projector file
(:func:`metadata_path_for`) and reading them into labels and metadata columns.
Import the public names from :mod:`embexplorer.core.data.formats`.
"""

from __future__ import annotations

import os
from pathlib import Path

from embexplorer.core.data._sniff import _COMPRESSED
from embexplorer.core.data.embeddings import MetadataColumn
from embexplorer.core.errors import DataError

#: Metadata column names taken as the label column of a projector ``metadata.tsv``.
LABEL_COLUMN_NAMES = ("label", "labels", "word", "words", "name", "token", "title", "item")


def find_sidecar(path: str | os.PathLike, fmt: str | None = None) -> Path | None:
    """The labels/metadata file belonging to a ``vectors.tsv`` or ``.npy`` file, if any."""
    path = Path(path)
    name = path.name
    candidates = []
    if fmt == "npy" or name.lower().endswith(".npy"):
        stem = name[:-4]
        candidates += [f"{stem}.labels.txt", f"{stem}.txt", f"{stem}.labels.tsv", f"{stem}.metadata.tsv",
                       "labels.txt"]
    else:
        base = name
        for comp in _COMPRESSED:
            if base.lower().endswith(comp):
                base = base[:-len(comp)]
        if "vectors" in base:
            candidates.append(base.replace("vectors", "metadata"))
        stem = base[:-4] if base.lower().endswith(".tsv") else base
        candidates += [f"{stem}.metadata.tsv", f"{stem}_metadata.tsv"]
        if "vectors" in base:
            candidates.append("metadata.tsv")
    for cand in candidates:
        p = path.with_name(cand)
        if p != path and p.is_file():
            return p
    return None


def metadata_path_for(vectors_path: str | os.PathLike) -> Path:
    """Name of the metadata file written beside a projector vectors file."""
    p = Path(vectors_path)
    name = p.name
    for comp in _COMPRESSED:  # the metadata file itself is written uncompressed
        if name.lower().endswith(comp):
            name = name[:-len(comp)]
    if "vectors" in name:
        return p.with_name(name.replace("vectors", "metadata"))
    stem = name[:-4] if name.endswith(".tsv") else name
    return p.with_name(stem + ".metadata.tsv")


def _read_text_lines(path: Path) -> tuple[list[str], list[str]]:
    raw = path.read_bytes()
    warnings = []
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        text = raw.decode("latin-1")
        warnings.append(f"{path.name} is not valid UTF-8 (line {line}); read as latin-1")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln.rstrip("\r") for ln in lines], warnings


def _labels_from_sidecar(meta_path: Path | None, n: int, data_path: Path):
    """Labels and metadata columns for ``n`` rows from a sidecar file (or row numbers)."""
    if meta_path is None:
        return ([str(i) for i in range(n)], {},
                [f"no labels file found beside {data_path.name}; rows are labelled by their number"])
    meta_path = Path(meta_path)
    if meta_path.is_dir():
        raise DataError("is a directory, not a labels file", meta_path)
    lines, warnings = _read_text_lines(meta_path)
    if any("\t" in ln for ln in lines[:2]):
        header = lines[0].split("\t")
        body = [ln.split("\t") for ln in lines[1:]]
        for i, row in enumerate(body):
            if len(row) != len(header):
                raise DataError(f"expected {len(header)} tab-separated columns, found {len(row)}",
                                meta_path, i + 2)
        first_line = 2
    else:
        header = None
        body = [[ln] for ln in lines]
        first_line = 1
    if len(body) < n:
        raise DataError(f"{len(body):,} labels for {n:,} vectors", meta_path, first_line + len(body))
    if len(body) > n:
        if n < len(body):  # a limit, or a longer labels file: use the first n
            body = body[:n]
    if header is None:
        return [r[0] for r in body], {}, warnings
    lower = [h.strip().lower() for h in header]
    label_col = next((i for i, h in enumerate(lower) if h in LABEL_COLUMN_NAMES), 0)
    labels = [r[label_col] for r in body]
    metadata = {}
    for j, name in enumerate(header):
        if j == label_col:
            continue
        metadata[name or f"column {j + 1}"] = MetadataColumn.from_values(name or f"column {j + 1}",
                                                                       [r[j] for r in body])
    return labels, metadata, warnings
