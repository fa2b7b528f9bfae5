"""Opening embedding files (plain, gzip or bz2) and naming their format from extension and first bytes.

:func:`detect_format` decides between the :data:`FORMAT_NAMES`; :func:`_open_bytes` gives the
readers the decompressed stream.  Import the public names from :mod:`embexplorer.core.data.formats`.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import os
from pathlib import Path

import numpy as np

from embexplorer.core.data._textparse import header_counts, is_number
from embexplorer.core.errors import DataError

#: Every format name accepted by :func:`load` and :func:`save` (and ``--format``).
FORMAT_NAMES = ("word2vec", "glove", "fasttext", "word2vec-binary", "tsv", "npy", "npz", "gensim")
#: Bytes examined when sniffing a file's format.
SNIFF_BYTES = 64 * 1024
#: Lines examined to tell a numbers-only file (projector TSV) from GloVe.
SNIFF_LINES = 20
#: First bytes of a fastText native .bin model (magic number 793712314, little-endian).
FASTTEXT_BIN_MAGIC = (793712314).to_bytes(4, "little")
#: Extensions of gensim's pickled files.
PICKLE_EXTENSIONS = (".kv", ".model", ".pkl", ".pickle")

_COMPRESSED = {".gz": "gzip", ".bz2": "bz2"}


# -- opening files ---------------------------------------------------------------------------------------

def _compression(path: Path) -> str | None:
    with open(path, "rb") as fh:
        magic = fh.read(3)
    if magic[:2] == b"\x1f\x8b":
        return "gzip"
    if magic == b"BZh":
        return "bz2"
    return None


@contextlib.contextmanager
def _open_bytes(path: Path):
    """Binary stream of the (decompressed) content, plus the raw file for progress."""
    comp = _compression(path)
    raw = open(path, "rb")  # noqa: SIM115 - closed below
    try:
        if comp == "gzip":
            stream = gzip.GzipFile(fileobj=raw, mode="rb")
        elif comp == "bz2":
            stream = bz2.BZ2File(raw, mode="rb")
        else:
            stream = raw
        try:
            yield stream, raw, comp
        except (OSError, EOFError) as err:
            if comp and not isinstance(err, FileNotFoundError):
                raise DataError(f"damaged {comp} data: {err}", path) from None
            raise
    finally:
        raw.close()


def _base_suffix(path: Path) -> str:
    """Extension ignoring a compression suffix: ``x.txt.gz`` -> ``.txt``."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSED:
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def _check_file(path: Path) -> None:
    if path.is_dir():
        raise DataError("is a directory, not an embedding file", path)
    if not path.exists():
        raise DataError("no such file", path)
    if path.stat().st_size == 0:
        raise DataError("file is empty", path)


def _head(path: Path, n: int = SNIFF_BYTES) -> bytes:
    try:
        with _open_bytes(path) as (stream, _raw, _comp):
            return stream.read(n)
    except (OSError, EOFError) as err:
        raise DataError(f"cannot read: {err}", path) from None


def _looks_binary(data: bytes) -> bool:
    """Control bytes other than whitespace: not a text file."""
    sample = np.frombuffer(data[:4096], dtype=np.uint8)
    ctrl = (sample < 9) | ((sample > 13) & (sample < 32)) | (sample == 127)
    return bool(ctrl.any())


# -- detection -------------------------------------------------------------------------------------------

def detect_format(path: str | os.PathLike) -> str:
    """Name the format of ``path`` from its extension and its first bytes.

    Raises
    ------
    DataError
        For a directory, a missing or empty file, or content of no known format.
    """
    path = Path(path)
    _check_file(path)
    ext = _base_suffix(path)
    head = _head(path)
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    if head.startswith(b"PK\x03\x04"):
        return "npz"
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return "gensim"
    if not head.strip():
        raise DataError("file is empty (only whitespace)", path)
    first, _, rest = head.partition(b"\n")
    header = header_counts(first) if b"\t" not in first else None  # "1<TAB>2" is a projector row
    if header is not None:
        second = rest.split(b"\n", 1)[0]
        parts = second.split()
        if b"\n" not in rest and len(parts) > 1:
            parts = parts[:-1]  # the head ends inside a long first row: its last value may be cut
        # Text when the row after the header is a label and numbers (however many: a wrong
        # count is reported by the loader with its line); binary floats never all read as numbers.
        if not _looks_binary(rest) and len(parts) > 1 and all(is_number(p) for p in parts[1:]):
            return "fasttext" if ext == ".vec" else "word2vec"
        return "word2vec-binary"
    if _looks_binary(head):
        if head[:4] == FASTTEXT_BIN_MAGIC:
            raise DataError("a fastText native .bin model, not word2vec binary: open the .vec file that "
                            "fastText writes beside it", path)
        if ext in PICKLE_EXTENSIONS:
            return "gensim"
        raise DataError("binary data of no known embedding format (expected word2vec text or binary, "
                        "GloVe, projector TSV, .npy, .npz)", path, 1)
    # Numbers only (TF Projector vectors.tsv, np.savetxt output): no labels.  A GloVe file
    # has a word first on (nearly) every line, so a few lines decide.
    lines = head.split(b"\n")
    if len(head) == SNIFF_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the head may end inside a line
    sample = [ln for ln in lines[:SNIFF_LINES] if ln.strip()]
    if all(all(is_number(p) for p in ln.split()) for ln in sample):
        return "tsv"
    return "fasttext" if ext == ".vec" else "glove"
