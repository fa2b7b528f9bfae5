"""Exact top-k on large sets (the thresholded selection of ``nearest``) is gensim's, ties included."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from embexplorer.core.analysis import neighbours
from embexplorer.core.analysis.neighbours import gensim_argsort_desc, nearest, top_order
from embexplorer.core.data.embeddings import EmbeddingSet

ROWS, DIMS = neighbours.TOP_SAMPLE_MIN_ROWS + 10_000, 16


@pytest.fixture(scope="module")
def sets():
    from gensim.models import KeyedVectors

    rng = np.random.default_rng(11)
    X = rng.standard_normal((ROWS, DIMS)).astype(np.float32)
    X[100:106] = X[7]  # exact ties: six copies of row 7 (its neighbours tie with each other)
    X[200:203] = X[9] * 2  # same direction, other length: equal cosines
    labels = [f"w{i}" for i in range(ROWS)]
    kv = KeyedVectors(DIMS)
    kv.index_to_key, kv.key_to_index = labels, {lab: i for i, lab in enumerate(labels)}
    kv.vectors, kv.expandos = X, {}
    return EmbeddingSet(labels, X), kv


def test_nearest_equals_gensim_most_similar_on_many_queries(sets):
    emb, kv = sets
    rows = [7, 9, 100, 201, *np.random.default_rng(1).choice(ROWS, 6, replace=False).tolist()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for row in rows:
            for k in (1, 10):
                ours = [(nb.label, nb.score) for nb in nearest(emb, f"w{row}", k=k)]
                assert ours == kv.most_similar(f"w{row}", topn=k), (row, k)
            vec = emb.vectors[row] + 0.01
            ours = [(nb.label, nb.score) for nb in nearest(emb, vec, k=10)]
            assert ours == kv.similar_by_vector(vec, topn=10)


def test_top_order_is_gensims_order_with_and_without_ties():
    rng = np.random.default_rng(3)
    x = rng.standard_normal(200_000).astype(np.float32)
    for topn in (1, 11, 100):
        np.testing.assert_array_equal(top_order(x, topn), gensim_argsort_desc(x, topn))
    x[[5, 50, 500, 5000]] = x.max() + 1  # four equal best values: gensim's partition orders them
    x[123] = np.nan
    for topn in (2, 4, 11):
        np.testing.assert_array_equal(top_order(x, topn), gensim_argsort_desc(x, topn))


def test_blas_routines_fetched_once_when_threads_race():
    """The start-up warm-up (a worker) and a first query (the UI) may fetch scipy's BLAS together."""
    import threading

    from embexplorer.core.analysis import neighbours as nb

    nb._BLAS.clear()
    barrier = threading.Barrier(8)
    errors = []

    def first_query():
        barrier.wait()
        try:
            nb.unitvec(np.array([3.0, 4.0]))
        except Exception as exc:  # noqa: BLE001 (any failure is the race)
            errors.append(exc)

    threads = [threading.Thread(target=first_query) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(nb._BLAS) == 2
    np.testing.assert_allclose(nb.unitvec(np.array([3.0, 4.0])), [0.6, 0.8])
