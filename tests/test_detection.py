"""Format detection that proves itself, labels decoded like gensim, files that are not embeddings (issue 17).

Checked against gensim's own loader: on every word2vec text/binary file in gensim's test data, and on
random labels (spaces, tabs, non-ASCII, broken UTF-8) written by gensim.
"""

from __future__ import annotations

import logging
import struct
import tempfile
from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embexplorer.core.data import formats
from embexplorer.core.errors import DataError

#: gensim's test files its word2vec loader reads (text unless .bin), with the format we detect.
GENSIM_W2V_FILES = {
    "EN.1-10.cbow1_wind5_hs0_neg10_size300_smpl1e-05.txt": "word2vec",
    "IT.1-10.cbow1_wind5_hs0_neg10_size300_smpl1e-05.txt": "word2vec",
    "crime-and-punishment.vec": "fasttext",
    "euclidean_vectors.bin": "word2vec-binary",
    "high_precision.kv.bin": "word2vec-binary",
    "high_precision.kv.txt": "word2vec",
    "lee_fasttext.vec": "fasttext",
    "pang_lee_polarity_fasttext.vec": "fasttext",  # 5 labels of broken UTF-8
    "poincare_vectors.bin": "word2vec-binary",
    "toy-model.vec": "fasttext",
    "w2v_keyedvectors_load_test.modeldata": "word2vec",  # labels cut mid-character
    "word2vec_pre_kv_c": "word2vec",
}
#: gensim's test files that are vocabulary lists (word and id or count), not embeddings.
GENSIM_VOCAB_FILES = ("head500.noblanks.cor_wordids.txt", "ldavowpalwabbit.dict.txt",
                      "w2v_keyedvectors_load_test.vocab")


def load(path: Path, fmt: str | None = None):
    return formats.load(path, format=fmt, use_cache=False)


# -- the reproductions of issue 17 ------------------------------------------------------------------------

@pytest.mark.parametrize("sep", ["\t", " "])
def test_text_label_with_tab_or_space_is_text_not_binary(tmp_path, sep):
    path = tmp_path / "t.txt"
    path.write_text(f"2 3\nnew{sep}york 0.5 0.25 0.125\nb 1.5 2.5 3.5\n")
    assert formats.detect_format(path) == "word2vec"
    emb = load(path)
    assert emb.format == "word2vec"
    assert emb.labels == [f"new{sep}york", "b"]
    assert emb.vectors.tolist() == [[0.5, 0.25, 0.125], [1.5, 2.5, 3.5]]
    if sep == "\t":  # gensim reads it alike (with a space it refuses the file; the last 3 fields are the vector)
        kv = KeyedVectors.load_word2vec_format(str(path))
        assert kv.index_to_key == emb.labels and np.array_equal(kv.vectors, emb.vectors)


def test_tab_inside_a_later_label_is_kept(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("2 2\na 1 2\nnew\tyork 3 4\n")
    assert load(path).labels == ["a", "new\tyork"]
    assert KeyedVectors.load_word2vec_format(str(path)).index_to_key == ["a", "new\tyork"]


def test_text_forced_as_binary_is_refused_not_returned(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("2 3\nnew york 0.5 0.25 0.125\nb 1.5 2.5 3.5\n")
    with pytest.raises(DataError) as err:
        load(path, "word2vec-binary")
    assert "word2vec" in err.value.reason


def binary_file(path: Path, labels: list[bytes], X: np.ndarray, newline: bool = False) -> Path:
    body = b"".join(lab + b" " + struct.pack(f"<{X.shape[1]}f", *row) + (b"\n" if newline else b"")
                    for lab, row in zip(labels, X))
    path.write_bytes(f"{len(labels)} {X.shape[1]}\n".encode() + body)
    return path


@pytest.mark.parametrize("newline", [False, True])
def test_binary_is_detected_and_loads(tmp_path, newline):
    X = np.array([[0.5, -1.0, 2.0], [3.0, 0.25, -0.125]], dtype=np.float32)
    path = binary_file(tmp_path / "b.bin", [b"caf\xc3\xa9", b"x\ty"], X, newline)
    assert formats.detect_format(path) == "word2vec-binary"
    emb = load(path)
    assert emb.labels == ["café", "x\ty"] and np.array_equal(emb.vectors, X)


def test_binary_label_with_a_space_is_refused(tmp_path):
    X = np.array([[0.5, -1.0, 2.0], [3.0, 0.25, -0.125]], dtype=np.float32)
    path = binary_file(tmp_path / "b.bin", [b"new york", b"b"], X)
    with pytest.raises(DataError) as err:
        load(path)
    assert "space" in err.value.reason
    with pytest.raises(DataError):
        load(path, "word2vec-binary")


def test_neither_text_nor_binary_names_both_and_format(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"2 2\nab\xff\xfe 1\n")  # not UTF-8 text, too short for binary
    with pytest.raises(DataError) as err:
        load(path)
    reason = err.value.reason
    assert "neither word2vec text" in reason and "word2vec binary" in reason
    assert "--format word2vec " in reason and "--format word2vec-binary" in reason


@pytest.mark.parametrize("content, words", [
    (b"2 2\na\x01b 1 2\nc 3 4\n", "control"),
    (b"2 2\na 1 2\nc 3 4\nd 5 6\n", "more rows"),
])
def test_loads_that_went_wrong_are_refused(tmp_path, content, words):
    path = tmp_path / "x.txt"
    path.write_bytes(content)
    with pytest.raises(DataError) as err:
        load(path, "word2vec")
    assert words in err.value.reason and err.value.line is not None


# -- labels decoded like gensim, on gensim's own files ----------------------------------------------------

@pytest.mark.parametrize("name", sorted(GENSIM_W2V_FILES))
def test_gensim_test_files_load_as_gensim_loads_them(gensim_test_data, name):
    path = gensim_test_data / name
    kv = KeyedVectors.load_word2vec_format(str(path), binary=name.endswith(".bin"), unicode_errors="replace")
    emb = load(path)
    assert emb.format == GENSIM_W2V_FILES[name]
    assert emb.labels == list(kv.index_to_key)
    assert np.array_equal(emb.vectors, kv.vectors)
    replaced = sum("\ufffd" in lab for lab in emb.labels)
    assert bool(replaced) == any("U+FFFD" in w for w in emb.warnings)


# -- not an embedding -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", GENSIM_VOCAB_FILES)
def test_vocabulary_lists_are_named_and_load_when_asked(gensim_test_data, name):
    path = gensim_test_data / name
    with pytest.raises(DataError) as err:
        load(path)
    assert "vocabulary list" in err.value.reason and "--format" in err.value.reason
    emb = load(path, "glove")
    assert emb.dims == 1


def test_numbers_only_matrix_with_a_header_is_named(tmp_path):
    path = tmp_path / "m.txt"
    path.write_text("3 2\n0.5 1.5 2.5\n1.25 3.5 4.5\n2.75 5.5 6.5\n")
    with pytest.raises(DataError) as err:
        load(path)
    assert "numbers-only matrix" in err.value.reason and "--format tsv" in err.value.reason
    assert load(path, "word2vec").labels == ["0.5", "1.25", "2.75"]


def test_integer_labels_are_node_ids_not_a_matrix(tmp_path):
    path = tmp_path / "nodes.emb"  # node2vec writes word2vec text with node ids as labels
    path.write_text("3 2\n10 0.5 1.5\n7 0.25 -3.5\n3 2.5 6.5\n")
    assert load(path).labels == ["10", "7", "3"]


# -- property: gensim's own files with random labels ------------------------------------------------------

#: A placeholder character replaced, after gensim wrote the file, by the first two bytes of a
#: three-byte UTF-8 character (what the C word2vec tool leaves when it cuts a word).
BROKEN = "\u2603"
BROKEN_BYTES = b"\xe3\x81"

labels_st = st.lists(st.sampled_from(["a", "b", "Z", "_", "é", "ありがとう", " ", "\t", BROKEN]),
                     min_size=1, max_size=6).map("".join).filter(lambda s: s == s.strip() and s)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(labels=st.lists(labels_st, min_size=1, max_size=5, unique=True), dims=st.integers(1, 4),
       binary=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_gensim_written_files_load_as_gensim_loads_them_or_are_refused(labels, dims, binary, seed):
    X = np.random.default_rng(seed).normal(size=(len(labels), dims)).astype(np.float32)
    kv = KeyedVectors(dims)
    kv.add_vectors(labels, X)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / ("e.bin" if binary else "e.txt")
        kv.save_word2vec_format(str(path), binary=binary)
        path.write_bytes(path.read_bytes().replace(BROKEN.encode(), BROKEN_BYTES))
        written = [lab.encode().replace(BROKEN.encode(), BROKEN_BYTES).decode("utf-8", "replace")
                   for lab in labels]
        logging.disable(logging.WARNING)
        try:
            theirs = KeyedVectors.load_word2vec_format(str(path), binary=binary, unicode_errors="replace")
        except Exception:  # noqa: BLE001 - gensim refuses with anything
            theirs = None
        finally:
            logging.disable(logging.NOTSET)
        try:
            ours = load(path)
        except DataError as err:
            assert err.reason and err.path
            # Refusing is allowed, but not a file gensim reads as written.
            assert theirs is None or theirs.index_to_key != written, err
            return
        if binary and any(" " in lab for lab in labels):
            # word2vec binary cannot hold a space: gensim reads records out of step (even keys of None).
            # Most such files are refused (test_binary_label_with_a_space_is_refused); when the bytes
            # out of step happen to look like a label and a value, no reader can tell.
            return
        if theirs is not None:
            assert ours.labels == list(theirs.index_to_key)
            assert np.array_equal(ours.vectors, theirs.vectors)
        else:  # gensim refuses (a space in a text label): ours must be what was written
            assert not binary
            assert ours.labels == written and np.array_equal(ours.vectors, X)


def test_a_vec_file_is_fasttext_only_when_fasttext_wrote_it(tmp_path):
    kv = KeyedVectors(2)
    kv.add_vectors(["a", "b"], np.array([[1, 2], [3, 4]], dtype=np.float32))
    kv.save_word2vec_format(str(tmp_path / "w.vec"))  # what train-w2v --out w.vec writes
    assert load(tmp_path / "w.vec").format == "word2vec"
    (tmp_path / "f.vec").write_text("2 2\na 1 2 \nb 3 4 \n")  # fastText ends each row with a space
    assert load(tmp_path / "f.vec").format == "fasttext"


def test_cache_entries_of_the_old_decoding_are_not_served(tmp_path, monkeypatch):
    from embexplorer.core.data import cache
    from embexplorer.core.data.embeddings import EmbeddingSet

    path = tmp_path / "l.txt"
    path.write_bytes(b"1 2\ncaf\xe9 1 2\n")
    with monkeypatch.context() as m:  # an entry made when labels were read as latin-1
        m.setattr(cache, "CACHE_VERSION", 1)
        cache.store(cache.cache_key(path, "word2vec", None), EmbeddingSet(["caf\xe9"], [[1.0, 2.0]]))
        assert formats.load(path).labels == ["caf\xe9"]
    assert formats.load(path).labels == ["caf\ufffd"]


@pytest.mark.parametrize("binary", [False, True])
def test_a_chosen_encoding_decodes_labels_as_gensim_does(tmp_path, binary):
    X = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)
    labels = [b"caf\xe9", b"\xe0"]  # cp1252 bytes
    if binary:
        path = binary_file(tmp_path / "c.bin", labels, X)
    else:
        path = tmp_path / "c.txt"
        path.write_bytes(b"2 2\n" + labels[0] + b" 1 2\n" + labels[1] + b" 3 4\n")
    kv = KeyedVectors.load_word2vec_format(str(path), binary=binary, encoding="cp1252")
    emb = formats.load(path, use_cache=False, encoding="cp1252")
    assert emb.labels == list(kv.index_to_key) == ["café", "à"]
    assert emb.warnings == [] and np.array_equal(emb.vectors, kv.vectors)
    assert formats.load(path, encoding="cp1252").labels == ["café", "à"]
    assert formats.load(path).labels == ["caf\ufffd", "\ufffd"]  # cached under its own encoding


@pytest.mark.parametrize("encoding, words", [("no-such-codec", "unknown encoding"), ("utf-16", "ASCII")])
def test_unusable_encodings_are_refused(tmp_path, encoding, words):
    path = tmp_path / "e.txt"
    path.write_text("1 2\na 1 2\n")
    with pytest.raises(DataError) as err:
        formats.load(path, use_cache=False, encoding=encoding)
    assert words in err.value.reason


def test_a_binary_value_whose_bytes_are_printable_is_still_binary(tmp_path):
    value = struct.unpack("<f", b"&4l>")[0]  # 0.23, written as four printable bytes
    X = np.array([[value]], dtype=np.float32)
    emb = load(binary_file(tmp_path / "p.bin", [b"a"], X))
    assert emb.format == "word2vec-binary" and emb.labels == ["a"] and np.array_equal(emb.vectors, X)
