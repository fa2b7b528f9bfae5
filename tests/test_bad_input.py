"""Every kind of bad input gives one DataError naming the file, the line (or record) and the reason."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from embexplorer.core.data import formats
from embexplorer.core.errors import DataError

#: Small read steps so that errors deep in a file cross block boundaries.
TEST_CHUNK_BYTES = 4096


def _lines(n: int, dims: int = 3, bad_at: int | None = None, bad: str = "x") -> bytes:
    """``n`` well-formed GloVe lines; line ``bad_at`` (1-based) gets ``bad`` as its second value."""
    out = []
    for i in range(1, n + 1):
        vals = [f"{0.001 * i + j:.4f}" for j in range(dims)]
        if i == bad_at:
            vals[1] = bad
        out.append(f"w{i} " + " ".join(vals))
    return ("\n".join(out) + "\n").encode()


def _binary(n: int, dims: int, records: int | None = None, nan_at: int | None = None,
            newline: bool = False) -> bytes:
    out = [f"{n} {dims}\n".encode()]
    for i in range(n if records is None else records):
        row = np.full(dims, 0.5 * i, dtype="<f4")
        if nan_at == i + 1:
            row[1] = np.nan
        out.append(f"w{i} ".encode() + row.tobytes() + (b"\n" if newline else b""))
    return b"".join(out)


# name, file name, content (bytes, or None for a directory), format (None = detect),
# expected line (None = file-level), words the reason must contain
CASES = [
    ("empty file", "e.txt", b"", None, None, "empty"),
    ("only whitespace", "w.txt", b"\n \n\t\n", None, None, "empty"),
    ("a directory", "dir", None, None, None, "directory"),
    ("ragged row, too few values", "r.txt", b"3 4\na 1 2 3 4\nb 1 2 3\nc 1 2 3 4\n", None, 3,
     "found 3 values"),
    ("ragged row, too many values", "r2.txt", b"a 1 2 3\nb 1 2 3 4\n", "glove", 2, "found 4 values"),
    ("ragged row deep in a big file", "r3.txt", _lines(3000).replace(b"w2500 ", b"w2500 7 "), None, 2500,
     "found 4 values"),
    ("non-numeric value", "n.txt", _lines(50, bad_at=37), None, 37, "non-numeric value 'x'"),
    ("non-numeric deep in a big file", "n2.txt", _lines(4000, bad_at=3999), None, 3999, "non-numeric"),
    ("NaN value", "nan.txt", _lines(20, bad_at=11, bad="nan"), None, 11, "NaN"),
    ("infinite value", "inf.txt", _lines(20, bad_at=12, bad="-inf"), None, 12, "infinite"),
    ("overflows float32", "big.txt", _lines(20, bad_at=13, bad="1e39"), None, 13, "float32"),
    ("header count larger than the rows", "h1.txt", b"5 3\na 1 2 3\nb 1 2 3\n", None, 4, "header says 5"),
    ("header count smaller than the rows", "h2.txt", b"1 3\na 1 2 3\nb 4 5 6\n", None, 3, "more rows"),
    ("header dims mismatch", "h3.txt", b"2 4\na 1 2 3\nb 1 2 3\n", None, 2, "found 3 values"),
    ("word2vec forced on a file without header", "h4.txt", _lines(5), "word2vec", 1, "header"),
    ("binary garbage given as text", "g.txt", b"the 0.1 0.2\n" + bytes(range(256)) * 4, "glove", 2,
     "binary data"),
    ("binary garbage, detected", "g2.dat", bytes(range(256)) * 4, None, 1, "binary data"),
    ("word2vec binary forced as text", "b.txt", _binary(4, 5), "word2vec", 2, "binary data"),
    ("truncated binary file", "t.bin", _binary(10, 6)[:-7], None, 10, "truncated"),
    ("binary with fewer records than the header", "t2.bin", _binary(10, 6, records=4, newline=True), None, 5,
     "record 5"),
    ("binary NaN", "bn.bin", _binary(6, 4, nan_at=5), None, 5, "record 5"),
    ("binary without header", "nh.bin", b"w0 " + struct.pack("<3f", 1, 2, 3), "word2vec-binary", 1,
     "header"),
    ("projector TSV ragged", "vectors.tsv", b"1\t2\t3\n4\t5\n", None, 2, "expected 3 values, found 2"),
    ("projector TSV non-numeric", "x_vectors.tsv", b"1\t2\n3\tabc\n", None, 2, "non-numeric value 'abc'"),
    ("compressed text with a bad line", "c.txt.gz", None, None, 40, "non-numeric"),
    ("damaged gzip stream", "d.txt.gz", None, None, None, "gzip"),
]


@pytest.fixture(autouse=True)
def _small_reads(monkeypatch):
    monkeypatch.setattr(formats, "READ_CHUNK_BYTES", TEST_CHUNK_BYTES)


def _make(tmp_path, name, content):
    path = tmp_path / name
    if name == "c.txt.gz":
        import gzip

        path.write_bytes(gzip.compress(_lines(60, bad_at=40)))
    elif name == "d.txt.gz":
        import gzip

        good = gzip.compress(_lines(3000))
        path.write_bytes(good[: len(good) // 2])  # cut short
    elif content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    return path


@pytest.mark.parametrize("name,fname,content,fmt,line,words", CASES, ids=[c[0] for c in CASES])
def test_bad_input(tmp_path, name, fname, content, fmt, line, words):
    path = _make(tmp_path, fname, content)
    with pytest.raises(DataError) as info:
        formats.load(path, format=fmt, use_cache=False)
    err = info.value
    assert err.path == str(path)
    assert err.line == line, str(err)
    assert words.lower() in err.reason.lower(), str(err)
    expected_prefix = f"{path}:{line}: " if line is not None else f"{path}: "
    assert str(err).startswith(expected_prefix)


def test_errors_never_return_partial_sets(tmp_path):
    """The same bad file fails however it is limited past the bad line, and loads before it."""
    path = tmp_path / "p.txt"
    path.write_bytes(_lines(500, bad_at=400))
    with pytest.raises(DataError):
        formats.load(path, use_cache=False)
    with pytest.raises(DataError):
        formats.load(path, limit=450, use_cache=False)
    assert formats.load(path, limit=399, use_cache=False).n == 399


def test_metadata_count_mismatch(tmp_path):
    (tmp_path / "vectors.tsv").write_text("1\t2\n3\t4\n5\t6\n")
    (tmp_path / "metadata.tsv").write_text("a\nb\n")
    with pytest.raises(DataError) as info:
        formats.load(tmp_path / "vectors.tsv", use_cache=False)
    assert info.value.path == str(tmp_path / "metadata.tsv")
    assert "2 labels for 3 vectors" in info.value.reason


@pytest.mark.parametrize("arr,words", [(np.zeros(5), "2-D"), (np.array([[1.0, np.nan]]), "NaN"),
                                       (np.array([["a", "b"]]), "numeric")])
def test_bad_npy(tmp_path, arr, words):
    np.save(tmp_path / "a.npy", arr)
    with pytest.raises(DataError) as info:
        formats.load(tmp_path / "a.npy")
    assert words in info.value.reason


def test_npz_object_labels_refused(tmp_path):
    np.savez(tmp_path / "o.npz", vectors=np.ones((2, 2)), labels=np.array(["a", None], dtype=object))
    with pytest.raises(DataError) as info:
        formats.load(tmp_path / "o.npz")
    assert "pickle" in info.value.reason


# Not errors: the set loads, and a warning names where the problem is.
WARNING_CASES = [
    ("duplicate labels", b"3 2\na 1 1\nb 2 2\na 3 3\n", "duplicate label", "row 3", 1),
    ("undecodable bytes", b"2 2\nok 1 2\ncaf\xe9 3 4\n", "U+FFFD", "line 3", 0),
]


@pytest.mark.parametrize("name,content,words,where,dropped", WARNING_CASES, ids=[c[0] for c in WARNING_CASES])
def test_non_fatal_input_warns(tmp_path, name, content, words, where, dropped):
    path = tmp_path / "w.txt"
    path.write_bytes(content)
    emb = formats.load(path, use_cache=False)
    assert emb.duplicates_dropped == dropped
    (warning,) = emb.warnings
    assert words in warning and where in warning
