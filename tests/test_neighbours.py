"""Nearest neighbours on the real GloVe vectors, checked against gensim and brute force."""

from __future__ import annotations

import numpy as np
import pytest

from embexplorer.core.analysis.neighbours import (
    MAX_K,
    METRICS,
    UnknownLabel,
    most_similar,
    most_similar_cosmul,
    nearest,
)
from embexplorer.core.data.embeddings import EmbeddingSet
from embexplorer.core.errors import DataError

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")

#: Words whose neighbour lists are compared with gensim (every 17th row of the file).
SAMPLE_STEP = 17


@pytest.fixture(scope="module")
def kv(glove_path):
    from gensim.models import KeyedVectors

    return KeyedVectors.load_word2vec_format(str(glove_path), no_header=True)


@pytest.fixture(scope="module")
def emb(kv):
    return EmbeddingSet(kv.index_to_key, kv.vectors, source="glove")


def _pairs(result):
    return [(n.label, n.score) for n in result]


def test_cosine_identical_to_gensim_most_similar(kv, emb):
    words = kv.index_to_key[::SAMPLE_STEP]
    assert len(words) > 250
    for w in words:
        assert _pairs(nearest(emb, w, k=10)) == kv.most_similar(w, topn=10), w


def test_restrict_identical_to_gensim_restrict_vocab(kv, emb):
    for w in ["king", "paris", "computer", "the", "january"]:
        ours = nearest(emb, w, k=25, restrict=800)
        assert _pairs(ours) == kv.most_similar(w, topn=25, restrict_vocab=800)
        assert all(n.row < 800 for n in ours)


def test_vector_query_identical_to_gensim_similar_by_vector(kv, emb):
    rng = np.random.default_rng(7)
    for _ in range(5):
        vec = rng.standard_normal(emb.dims).astype(np.float32)
        assert _pairs(nearest(emb, vec, k=15)) == kv.similar_by_vector(vec, topn=15)
    # a vector query does not exclude the row it came from
    assert nearest(emb, emb.vectors[emb.row("king")], k=1)[0].label == "king"


def test_positive_negative_and_weights_identical_to_gensim(kv, emb):
    queries = [
        (["king", "woman"], ["man"]),
        (["paris", "germany"], ["france"]),
        (["walking", "swam"], ["walked"]),
        (["good"], ["bad", "evil"]),
        ([("paris", 0.5), ("berlin", 0.5)], []),
        ([("tokyo", 2.0), ("japan", -1.0)], [("china", 0.3)]),
    ]
    for pos, neg in queries:
        assert _pairs(most_similar(emb, pos, neg, topn=12)) == kv.most_similar(pos, neg, topn=12)
        assert _pairs(most_similar(emb, pos, neg, topn=12, restrict=1500)) == \
            kv.most_similar(pos, neg, topn=12, restrict_vocab=1500)


def test_cosmul_identical_to_gensim(kv, emb):
    queries = [(["king", "woman"], ["man"]), (["paris", "germany"], ["france"]),
               (["london", "france"], ["england"]), (["cars", "child"], ["car"]), (["music"], [])]
    for pos, neg in queries:
        assert _pairs(most_similar_cosmul(emb, pos, neg, topn=10)) == \
            kv.most_similar_cosmul(pos, neg, topn=10)


def test_dot_and_euclidean_match_brute_force(emb):
    v64 = emb.vectors.astype(np.float64)
    for w in ["king", "river", "2010"]:
        q = v64[emb.row(w)]
        dots = v64 @ q
        dots[emb.row(w)] = -np.inf
        ref = np.argsort(-dots, kind="stable")[:20]
        ours = nearest(emb, w, k=20, metric="dot")
        assert [n.row for n in ours] == ref.tolist()
        np.testing.assert_allclose([n.score for n in ours], dots[ref], rtol=1e-5)

        dist = np.linalg.norm(v64 - q, axis=1)
        dist[emb.row(w)] = np.inf
        ref = np.argsort(dist, kind="stable")[:20]
        ours = nearest(emb, w, k=20, metric="euclidean")
        assert [n.row for n in ours] == ref.tolist()
        np.testing.assert_allclose([n.score for n in ours], dist[ref], rtol=1e-4)
        assert all(a.score <= b.score for a, b in zip(ours, ours[1:]))


def test_k_limits_and_metric_validation(emb):
    assert len(nearest(emb, "king", k=1)) == 1
    assert len(nearest(emb, "king", k=MAX_K)) == MAX_K
    for bad in (0, MAX_K + 1, -3, 2.5):
        with pytest.raises(ValueError):
            nearest(emb, "king", k=bad)
    with pytest.raises(ValueError):
        nearest(emb, "king", metric="manhattan")
    assert set(METRICS) == {"cosine", "dot", "euclidean"}


def test_unknown_label_and_case_insensitive(emb):
    with pytest.raises(UnknownLabel) as info:
        nearest(emb, "no-such-word-xyz")
    assert isinstance(info.value, DataError) and isinstance(info.value, KeyError)
    assert "no-such-word-xyz" in str(info.value)
    with pytest.raises(UnknownLabel):
        nearest(emb, "King")
    assert nearest(emb, "King", case_insensitive=True) == nearest(emb, "king")


def test_exclude_rows_and_keep_query(emb):
    base = nearest(emb, "king", k=5)
    skipped = nearest(emb, "king", k=5, exclude=[base[0].row])
    assert skipped[0] == base[1]
    with_query = nearest(emb, "king", k=5, exclude_query=False)
    assert with_query[0].label == "king" and with_query[1:] == base[:4]


def test_query_by_row_number(emb):
    assert nearest(emb, emb.row("queen"), k=8) == nearest(emb, "queen", k=8)
    with pytest.raises(DataError):
        nearest(emb, emb.n + 5)


@pytest.mark.parametrize("shape", [(1, 1), (5, 7), (2049, 50), (20_000, 300), (3, 0)])  # 2049, 20,000: blocks
def test_row_norms_equal_numpys_bit_for_bit_in_blocks(shape, monkeypatch):
    from embexplorer.core.data import embeddings
    from embexplorer.core.data.embeddings import row_norms

    monkeypatch.setattr(embeddings, "NORMS_PARALLEL_MIN_ROWS", 10_000)  # the 20,000 rows on two threads

    rng = np.random.default_rng(sum(shape))
    X = rng.standard_normal(shape, dtype=np.float32) * np.float32(3)
    X[::5] *= np.float32(1e-4)  # small and large rows: the summation order shows in the last bits
    got = row_norms(X)
    assert got.dtype == np.float32 and np.array_equal(got, np.linalg.norm(X, axis=1))
    strided = X[:, ::2] if shape[1] > 1 else X
    assert np.array_equal(row_norms(strided), np.linalg.norm(strided, axis=1))
