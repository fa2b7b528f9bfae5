"""Loaders and writers: every format round-trips, agrees with gensim, and parses exactly."""

from __future__ import annotations

import gzip
import pickle
import threading

import numpy as np
import pytest
from gensim.models import KeyedVectors
from hypothesis import given, settings
from hypothesis import strategies as st

from embexplorer.core.data import formats
from embexplorer.core.data._textparse import parse_block
from embexplorer.core.data.embeddings import EmbeddingSet, MetadataColumn
from embexplorer.core.errors import DataError
from embexplorer.core.progress import Cancelled, TaskControl

#: Every format ``save`` writes, with a file name that also exercises detection.
SAVE_CASES = [
    ("word2vec", "emb.txt"), ("word2vec", "emb.txt.gz"), ("fasttext", "emb.vec"), ("glove", "emb.glove.txt"),
    ("glove", "emb.txt.bz2"), ("word2vec-binary", "emb.bin"), ("tsv", "vectors.tsv"), ("npy", "emb.npy"),
    ("npz", "emb.npz"), ("tsv", "my_vectors.tsv.gz"), ("tsv", "plain.tsv"),
]


@pytest.fixture(scope="module")
def glove_kv(glove_path):
    """gensim's own reading of the real GloVe file."""
    return KeyedVectors.load_word2vec_format(str(glove_path), no_header=True)


@pytest.fixture(scope="module")
def glove(glove_path):
    return formats.load(glove_path, use_cache=False)


def _random_set(n=200, d=16, seed=0) -> EmbeddingSet:
    rng = np.random.default_rng(seed)
    vecs = (rng.standard_normal((n, d)) * rng.choice([1e-6, 1e-3, 0.3, 40.0], size=(n, 1))).astype(np.float32)
    labels = [f"w{i}" for i in range(n)] + []
    labels[3] = "naïve"  # non-ASCII
    labels[4] = "3.14"  # a numeric-looking label
    labels[5] = "e.g."  # dots and an 'e' in a label must not confuse the number scan
    return EmbeddingSet(labels, vecs)


def test_real_glove_matches_gensim(glove, glove_kv):
    assert glove.format == "glove"
    assert (glove.n, glove.dims) == (5050, 50)
    assert glove.labels == list(glove_kv.index_to_key)
    assert np.array_equal(glove.vectors, glove_kv.vectors)
    assert glove.vectors.dtype == np.float32 and glove.vectors.flags.c_contiguous


@pytest.mark.parametrize("fmt,name", SAVE_CASES)
def test_real_glove_in_every_format(glove, glove_kv, tmp_path, fmt, name):
    out = tmp_path / name
    written = formats.save(glove, out, fmt)
    assert all(p.is_file() for p in written)
    assert formats.detect_format(out) == fmt
    back = formats.load(out, use_cache=False)
    assert back.format == fmt
    assert back.labels == list(glove_kv.index_to_key)
    assert np.array_equal(back.vectors, glove_kv.vectors)
    assert back.warnings == []


@pytest.mark.parametrize("fmt,name", SAVE_CASES)
def test_round_trip_random(tmp_path, fmt, name):
    emb = _random_set()
    formats.save(emb, tmp_path / name, fmt)
    back = formats.load(tmp_path / name, use_cache=False)
    assert back.labels == emb.labels
    assert np.array_equal(back.vectors, emb.vectors)


@pytest.mark.parametrize("binary", [False, True])
def test_reads_files_written_by_gensim(tmp_path, binary):
    emb = _random_set(n=300, d=25, seed=1)
    kv = KeyedVectors(emb.dims)
    kv.add_vectors(emb.labels, emb.vectors)
    out = tmp_path / ("g.bin" if binary else "g.txt")
    kv.save_word2vec_format(str(out), binary=binary)
    assert formats.detect_format(out) == ("word2vec-binary" if binary else "word2vec")
    back = formats.load(out, use_cache=False)
    assert back.labels == emb.labels
    assert np.array_equal(back.vectors, emb.vectors)


@pytest.mark.parametrize("fmt,binary,no_header", [
    ("word2vec", False, False), ("word2vec-binary", True, False), ("glove", False, True),
    ("fasttext", False, False)])
def test_gensim_reads_our_files(tmp_path, glove, fmt, binary, no_header):
    out = tmp_path / f"ours.{fmt}"
    formats.save(glove, out, fmt)
    kv = KeyedVectors.load_word2vec_format(str(out), binary=binary, no_header=no_header)
    assert list(kv.index_to_key) == glove.labels
    assert np.array_equal(kv.vectors, glove.vectors)


def test_c_tool_binary_layout_with_newlines(tmp_path):
    """The original C tool writes a newline after each vector; gensim does not. Both read."""
    emb = _random_set(n=50, d=7)
    for sep in (b"\n", b""):
        out = tmp_path / f"c{len(sep)}.bin"
        with open(out, "wb") as fh:
            fh.write(b"50 7\n")
            for lab, row in zip(emb.labels, emb.vectors):
                fh.write(lab.encode() + b" " + row.astype("<f4").tobytes() + sep)
        back = formats.load(out, use_cache=False)
        assert back.labels == emb.labels and np.array_equal(back.vectors, emb.vectors)


def test_projector_metadata_single_and_multi_column(tmp_path, glove):
    sub = glove.subset(np.arange(100))
    formats.save(sub, tmp_path / "vectors.tsv", "tsv")
    assert (tmp_path / "metadata.tsv").read_text(encoding="utf-8").splitlines()[0] == sub.labels[0]
    back = formats.load(tmp_path / "vectors.tsv", use_cache=False)
    assert back.labels == sub.labels and back.metadata == {}
    # Several columns: a header row; the label column, a categorical and a numeric column.
    lines = ["word\tpos\trank"] + [f"{w}\t{'x' if i % 3 else 'y'}\t{i + 1}" for i, w in enumerate(sub.labels)]
    (tmp_path / "metadata.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    back = formats.load(tmp_path / "vectors.tsv", use_cache=False)
    assert back.labels == sub.labels
    assert back.metadata["pos"].kind == "categorical" and back.metadata["pos"].value(0) == "y"
    assert back.metadata["rank"].kind == "numeric"
    assert np.array_equal(back.metadata["rank"].values, np.arange(1, 101))
    # Writing metadata columns gives a header row, read back the same.
    back.metadata["score"] = MetadataColumn.numeric("score", np.linspace(0, 1, 100))
    formats.save_projector_tsv(back, tmp_path / "two_vectors.tsv", rows=np.arange(10))
    again = formats.load(tmp_path / "two_vectors.tsv", use_cache=False)
    assert again.labels == sub.labels[:10]
    assert set(again.metadata) == {"pos", "rank", "score"}
    assert again.metadata["score"].values == pytest.approx(np.linspace(0, 1, 100)[:10])


def test_projector_without_metadata_uses_row_numbers(tmp_path):
    (tmp_path / "vectors.tsv").write_text("1\t2\n3\t4\n5\t6\n")
    emb = formats.load(tmp_path / "vectors.tsv", use_cache=False)
    assert emb.labels == ["0", "1", "2"]
    assert emb.vectors.tolist() == [[1, 2], [3, 4], [5, 6]]
    assert any("labelled by their number" in w for w in emb.warnings)


@pytest.mark.parametrize("sidecar", ["X.labels.txt", "X.txt", "labels.txt"])
def test_npy_sidecars(tmp_path, sidecar):
    vecs = np.arange(12, dtype=np.float64).reshape(4, 3)
    np.save(tmp_path / "X.npy", vecs)
    (tmp_path / sidecar).write_text("a\nb\nc\nd\n", encoding="utf-8")
    emb = formats.load(tmp_path / "X.npy")
    assert emb.labels == ["a", "b", "c", "d"]
    assert emb.vectors.dtype == np.float32 and np.array_equal(emb.vectors, vecs)


def test_npz_alternative_names_and_no_labels(tmp_path):
    vecs = np.random.default_rng(2).standard_normal((5, 4)).astype(np.float32)
    np.savez(tmp_path / "a.npz", embeddings=vecs, words=np.array(list("abcde")))
    emb = formats.load(tmp_path / "a.npz")
    assert emb.labels == list("abcde") and np.array_equal(emb.vectors, vecs)
    np.savez(tmp_path / "b.npz", vecs)
    emb = formats.load(tmp_path / "b.npz")
    assert emb.labels == ["0", "1", "2", "3", "4"]


def test_limit_every_format(tmp_path, glove):
    for fmt, name in SAVE_CASES:
        formats.save(glove, tmp_path / name, fmt)
        emb = formats.load(tmp_path / name, limit=123, use_cache=False)
        assert emb.n == 123, fmt
        assert emb.labels == glove.labels[:123]
        assert np.array_equal(emb.vectors, glove.vectors[:123])


def test_labels_with_spaces(tmp_path):
    (tmp_path / "g.txt").write_text("the 1 2 3\nat name 4 5 6\n. . . 7 8 9\n", encoding="utf-8")
    emb = formats.load(tmp_path / "g.txt", use_cache=False)
    assert emb.labels == ["the", "at name", ". . ."]
    assert emb.vectors.tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]


def test_broken_utf8_is_replaced_like_gensim_and_warns(tmp_path):
    (tmp_path / "l.txt").write_bytes(b"2 2\ncaf\xe9 1 2\nok 3 4\n")
    emb = formats.load(tmp_path / "l.txt", use_cache=False)
    assert emb.labels == ["caf\ufffd", "ok"]
    assert any("not valid UTF-8" in w and "line 2" in w for w in emb.warnings)


def test_duplicates_keep_first(tmp_path):
    (tmp_path / "d.txt").write_text("a 1 1\nb 2 2\na 3 3\nb 4 4\nc 5 5\n")
    emb = formats.load(tmp_path / "d.txt", use_cache=False)
    assert emb.labels == ["a", "b", "c"]
    assert emb.vectors[:, 0].tolist() == [1, 2, 5]
    assert emb.duplicates_dropped == 2
    assert any("duplicate" in w for w in emb.warnings)


def test_crlf_and_trailing_spaces(tmp_path):
    (tmp_path / "c.txt").write_bytes(b"2 3\r\na 1 2 3 \r\nb 4 5 6\r\n")
    emb = formats.load(tmp_path / "c.txt", use_cache=False)
    assert emb.labels == ["a", "b"] and emb.vectors.tolist() == [[1, 2, 3], [4, 5, 6]]


def test_progress_and_cancel(tmp_path, glove):
    out = tmp_path / "big.txt"
    formats.save(glove, out, "word2vec")
    seen = []
    control = TaskControl(lambda f, m: seen.append((f, m)), min_interval=0)
    old = formats.READ_CHUNK_BYTES
    formats.READ_CHUNK_BYTES = 16 * 1024  # many steps from a small file
    try:
        emb = formats.load(out, control=control, use_cache=False)
        assert emb.n == glove.n
        fractions = [f for f, _ in seen if f is not None]
        assert len(fractions) > 5 and fractions == sorted(fractions) and fractions[-1] == 1.0

        control = TaskControl(min_interval=0)
        calls = []

        def on_progress(fraction, message):
            calls.append(fraction)
            if len(calls) == 3:
                control.cancel()

        control._on_progress = on_progress
        with pytest.raises(Cancelled):
            formats.load(out, control=control, use_cache=True)
        assert len(calls) == 3
    finally:
        formats.READ_CHUNK_BYTES = old
    # A cancelled load leaves no cache entry behind: the next load parses.
    assert formats.load(out).from_cache is False


def test_cancel_from_another_thread(tmp_path, glove, monkeypatch):
    """A GUI cancels from its own thread while the load runs on a worker: the worker stops."""
    out = tmp_path / "t.txt"
    formats.save(glove, out, "glove")
    monkeypatch.setattr(formats, "READ_CHUNK_BYTES", 16 * 1024)
    started, cancelled = threading.Event(), threading.Event()

    def on_progress(fraction, message):
        started.set()
        cancelled.wait(5)  # hold the worker until the other thread has cancelled

    control = TaskControl(on_progress, min_interval=0)
    outcome = []

    def work():
        try:
            outcome.append(formats.load(out, control=control, use_cache=False))
        except Cancelled:
            outcome.append("cancelled")

    worker = threading.Thread(target=work)
    worker.start()
    assert started.wait(5)
    control.cancel()
    cancelled.set()
    worker.join(5)
    assert outcome == ["cancelled"]


class _Marker:
    """Unpickling this creates a file: proof that code ran."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.mark.parametrize("name", ["model.kv", "w2v.model", "data.npy"])
def test_pickles_refused_by_default(tmp_path, name):
    marker = tmp_path / "pwned"
    target = tmp_path / name
    if name.endswith(".npy"):
        np.save(target, np.array([_Marker(str(marker))], dtype=object), allow_pickle=True)
    else:
        target.write_bytes(pickle.dumps(_Marker(str(marker)), protocol=4))
    with pytest.raises(DataError) as err:
        formats.load(target)
    assert not marker.exists()
    assert "pickle" in str(err.value) and "code" in str(err.value)


def test_gensim_pickle_with_consent(tmp_path, glove):
    kv = KeyedVectors(glove.dims)
    kv.add_vectors(glove.labels[:300], glove.vectors[:300])
    kv.save(str(tmp_path / "g.kv"))
    assert formats.detect_format(tmp_path / "g.kv") == "gensim"
    with pytest.raises(DataError):
        formats.load(tmp_path / "g.kv")
    emb = formats.load(tmp_path / "g.kv", allow_pickle=True)
    assert emb.labels == glove.labels[:300] and np.array_equal(emb.vectors, glove.vectors[:300])


def test_gzip_detected_by_content(tmp_path, glove):
    formats.save(glove.subset(np.arange(10)), tmp_path / "x.txt", "word2vec")
    (tmp_path / "y.data").write_bytes(gzip.compress((tmp_path / "x.txt").read_bytes()))
    emb = formats.load(tmp_path / "y.data", use_cache=False)
    assert emb.format == "word2vec" and emb.labels == glove.labels[:10]


# -- exactness of the fast parser ---------------------------------------------------------------------

_STYLES = ["%.9g", "%.7g", "%.6f", "%.4f", "%.3e", "%.18e", "%g", "%.12f", "%.1f", "%.0f", "%+.5f"]


def _reference(tokens: list[str]) -> np.ndarray:
    """What numpy, gensim and strtod give: correctly rounded double, cast to float32."""
    return np.array([float(t) for t in tokens], dtype=np.float64).astype(np.float32)


@pytest.mark.parametrize("style", _STYLES)
def test_fast_parser_exact_against_loadtxt(tmp_path, style):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((300, 40)) * rng.choice([1e-7, 1e-4, 0.02, 1.0, 30.0, 5e4], size=(300, 1))
    lines = [f"w{i} " + " ".join(style % v for v in row) for i, row in enumerate(x)]
    (tmp_path / "s.txt").write_text("\n".join(lines) + "\n")
    emb = formats.load(tmp_path / "s.txt", use_cache=False)
    ref = np.loadtxt(tmp_path / "s.txt", usecols=range(1, 41), dtype=np.float64).astype(np.float32)
    assert np.array_equal(emb.vectors, ref)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=32), min_size=3, max_size=3),
       st.sampled_from(_STYLES + ["repr"]))
def test_fast_parser_exact_property(values, style):
    tokens = [repr(np.float32(v).item()) if style == "repr" else style % v for v in values]
    rows = 40  # enough lines for the vectorised path
    data = "".join(f"k{i} {' '.join(tokens)}\n" for i in range(rows)).encode()
    if any(abs(float(t)) > np.finfo(np.float32).max for t in tokens):
        # Rounding for print pushed a value past float32's range (3.4025e38 -> "3.403e+38"):
        # refused with the line, never read as inf.
        with pytest.raises(DataError, match="too large for float32"):
            parse_block(data, 3, True, 1, "<test>")
        return
    labels, mat, _ = parse_block(data, 3, True, 1, "<test>")
    assert labels[0] == b"k0" and len(labels) == rows
    assert np.array_equal(mat[0], _reference(tokens), equal_nan=False)
    assert np.array_equal(mat, np.tile(_reference(tokens), (rows, 1)))


def test_detection_edge_cases(tmp_path):
    # A projector row of two integers is not a word2vec header.
    (tmp_path / "v.tsv").write_text("1\t2\n3\t4\n")
    assert formats.detect_format(tmp_path / "v.tsv") == "tsv"
    # np.savetxt output (numbers only, spaces): vectors without labels.
    np.savetxt(tmp_path / "m.txt", np.eye(3))
    assert formats.detect_format(tmp_path / "m.txt") == "tsv"
    assert formats.load(tmp_path / "m.txt", use_cache=False).vectors.tolist() == np.eye(3).tolist()
    # A GloVe file whose first word looks like a number.
    (tmp_path / "g.txt").write_text("1999 0.5 0.25\nthe 1 2\n")
    assert formats.detect_format(tmp_path / "g.txt") == "glove"
    assert formats.load(tmp_path / "g.txt", use_cache=False).labels == ["1999", "the"]
    # A tiny binary file whose float bytes happen to look printable is still binary.
    (tmp_path / "t.bin").write_bytes(b"1 2\nab " + np.array([1.5, 2.5], "<f4").tobytes())
    assert formats.detect_format(tmp_path / "t.bin") == "word2vec-binary"
    assert formats.load(tmp_path / "t.bin", use_cache=False).vectors.tolist() == [[1.5, 2.5]]
    # fastText's native model is named as such.
    (tmp_path / "ft.bin").write_bytes(formats.FASTTEXT_BIN_MAGIC + bytes(range(100)))
    with pytest.raises(DataError, match="fastText native"):
        formats.detect_format(tmp_path / "ft.bin")


def test_lying_header_does_not_allocate(tmp_path):
    (tmp_path / "h.txt").write_text("999999999999 300\na " + " ".join(["1"] * 300) + "\n")
    with pytest.raises(DataError, match="header says 999,999,999,999 rows"):
        formats.load(tmp_path / "h.txt", use_cache=False)
    (tmp_path / "h.bin").write_bytes(b"999999999999 3\nab " + np.ones(3, "<f4").tobytes())
    with pytest.raises(DataError, match="truncated"):
        formats.load(tmp_path / "h.bin", use_cache=False)


def test_few_irregular_lines_in_big_blocks(tmp_path, glove, monkeypatch):
    """GloVe 840B style: a few labels with spaces and blank lines among thousands of regular lines."""
    sub = glove.subset(np.arange(3000))
    labels = list(sub.labels)
    for i in (10, 1234, 2999):
        labels[i] = f"at {labels[i]} x"
    lines = [f"{lab} " + " ".join(repr(float(v)) for v in row) for lab, row in zip(labels, sub.vectors)]
    lines.insert(500, "")
    lines.insert(2000, "   ")
    raw = [ln.encode("utf-8") for ln in lines]
    raw[2700] = b"caf\xe9" + raw[2700][raw[2700].index(b" "):]  # not UTF-8, on line 2701
    (tmp_path / "g.txt").write_bytes(b"\n".join(raw) + b"\n")
    monkeypatch.setattr(formats, "READ_CHUNK_BYTES", 64 * 1024)
    emb = formats.load(tmp_path / "g.txt", use_cache=False)
    assert emb.n == 3000
    assert emb.labels[1234] == f"at {sub.labels[1234]} x"
    assert emb.labels[2698] == "caf\ufffd"  # two blank lines above it
    assert emb.warnings == ["1 label(s) are not valid UTF-8: their broken bytes were replaced by U+FFFD, "
                            "as gensim does (first at line 2701)"]
    assert np.array_equal(emb.vectors, sub.vectors)
    lines[2700] = "caf\xe9" + lines[2700][lines[2700].index(" "):]
    # An error after the blank lines still names its own line.
    lines[2500] = lines[2500].rsplit(" ", 1)[0] + " 1.0.0"
    (tmp_path / "g.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        formats.load(tmp_path / "g.txt", use_cache=False)
    assert err.value.line == 2501 and "1.0.0" in err.value.reason


@pytest.mark.parametrize("bad", ["1-2", "1.0.0", "2e3e4", "--1", "1+1"])
def test_many_long_numbers_with_a_glued_token(tmp_path, bad):
    """Blocks of %.18e numbers take another route; a token holding two numbers is still an error."""
    rows = [" ".join("%.18e" % (0.001 * (i + j)) for j in range(5)) for i in range(200)]
    rows[150] = rows[150].rsplit(" ", 1)[0] + " " + bad
    (tmp_path / "e.txt").write_text("".join(f"w{i} {r}\n" for i, r in enumerate(rows)))
    with pytest.raises(DataError) as err:
        formats.load(tmp_path / "e.txt", use_cache=False)
    assert err.value.line == 151 and bad in err.value.reason


def test_labels_repeat_by_sorted_hashes_and_settles_collisions_exactly(monkeypatch):
    """A repeat is found among many labels whatever its place; labels whose hashes collide without being
    equal are not taken for a repeat."""
    from embexplorer.core.data import formats

    many = [f"w{i}" for i in range(formats.HASH_CHECK_MIN_LABELS + 5)]
    assert not formats.labels_repeat(many)
    assert formats.labels_repeat([*many, "w12345"])
    assert formats.labels_repeat(["w99999", *many])

    class Colliding(str):
        def __hash__(self) -> int:
            return 7

    monkeypatch.setattr(formats, "HASH_CHECK_MIN_LABELS", 2)
    assert not formats.labels_repeat([Colliding("a"), Colliding("b"), "c"])
    assert formats.labels_repeat([Colliding("a"), Colliding("b"), Colliding("a")])
