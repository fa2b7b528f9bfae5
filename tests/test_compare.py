"""Comparing two spaces, batched neighbours, clusters and their names, histogram brushing (real GloVe)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from embexplorer.core.analysis.batch_neighbours import jaccard, top_k_cosine
from embexplorer.core.analysis.clusters import cluster_labels, find_regions, name_clusters
from embexplorer.core.analysis.compare import compare, procrustes
from embexplorer.core.data.embeddings import EmbeddingSet, MetadataColumn
from embexplorer.core.errors import DataError
from embexplorer.core.view.histograms import bars, category_mask, range_mask

#: Labels moved in the planted change.
PLANTED = 20


@pytest.fixture(scope="module")
def glove(glove_path):
    from embexplorer.core.data.formats import load

    return load(glove_path)


def brute_force(x: np.ndarray, k: int) -> list[set]:
    u = x / np.linalg.norm(x, axis=1, keepdims=True)
    s = u @ u.T
    np.fill_diagonal(s, -np.inf)
    return [set(np.argsort(-row, kind="stable")[:k].tolist()) for row in s]


def test_batched_neighbours_equal_gensim_and_brute_force(glove):
    from gensim.models import KeyedVectors

    x = glove.vectors[:2000]
    rows, scores = top_k_cosine(x, 10, tile=450)  # several tiles, uneven blocks
    assert rows.shape == (2000, 10) and (np.diff(scores, axis=1) <= 0).all()
    assert (rows != np.arange(2000)[:, None]).all()  # itself excluded
    bf = brute_force(x, 10)
    assert sum(set(r.tolist()) != b for r, b in zip(rows, bf)) <= 3  # brute force rounds differently
    kv = KeyedVectors(x.shape[1])
    kv.add_vectors(glove.labels[:2000], x)
    for i in range(0, 2000, 13):
        got = [kv.key_to_index[w] for w, _ in kv.most_similar(glove.labels[i], topn=10)]
        assert set(got) == set(rows[i].tolist()), glove.labels[i]


def test_batched_neighbours_tie_order_and_small_sets():
    x = np.array([[1, 0], [1, 0], [1, 0], [0, 1], [1, 1]], dtype=np.float32)
    rows, scores = top_k_cosine(x, 3)
    assert rows[0].tolist() == [1, 2, 4]  # the two ties by lower row first
    assert rows[3].tolist() == [4, 0, 1]
    rows, _ = top_k_cosine(x[:2], 10)  # k clamped to n - 1
    assert rows.tolist() == [[1], [0]]
    assert jaccard(np.array([[1, 2, 3]]), np.array([[3, 4, 1]]))[0] == pytest.approx(0.5)
    bad = np.random.default_rng(0).standard_normal((40, 5)).astype(np.float32)
    bad[3], bad[7] = np.nan, 0.0  # such rows score 0, never NaN: every row still gets k real neighbours
    rows, scores = top_k_cosine(bad, 4)
    assert rows.max() < 40 and np.isfinite(scores).all()


def test_procrustes_recovers_a_known_rotation_exactly(glove):
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.standard_normal((50, 50)))
    a = glove.vectors[:2000].astype(np.float64)
    b = a @ q.T * 3.0  # rotated and scaled
    r, s = procrustes(b, a)
    np.testing.assert_allclose(r, q, atol=1e-9)
    assert s == pytest.approx(1 / 3, rel=1e-9)
    np.testing.assert_allclose(s * b @ r, a, atol=1e-9)


def test_movers_rank_a_planted_change_first(glove):
    rng = np.random.default_rng(1)
    v = glove.vectors.copy()
    moved = rng.choice(glove.n, PLANTED, replace=False)
    v[moved] = glove.vectors[rng.choice(glove.n, PLANTED, replace=False)]
    q, _ = np.linalg.qr(rng.standard_normal((50, 50)))
    b = EmbeddingSet(glove.labels[::-1], (v @ q)[::-1])  # another order and a rotation
    result = compare(glove, b, k=10)
    assert result.shared == glove.n and result.rotation is not None
    top = {m.label for m in result.movers(PLANTED)}
    assert top == {glove.labels[i] for i in moved}
    first = result.movers(1)[0]
    assert first.overlap < 0.2 and len(first.only_in_a) == len(first.only_in_b) >= 8
    others = np.setdiff1d(np.arange(glove.n), moved)
    disp = result.per_row_a(result.displacement)
    assert np.median(disp[others]) < 0.02 * disp[moved].min()  # the rest hardly moved
    assert np.median(result.overlap) == 1.0


def test_compare_dims_differ_and_too_few_shared(glove):
    small = EmbeddingSet(glove.labels[:500], glove.vectors[:500, :20])
    result = compare(glove, small, k=10)
    assert result.shared == 500 and result.displacement is None
    assert any("dimensions differ" in n for n in result.notes)
    with pytest.raises(DataError, match="share 1 label"):
        compare(glove, EmbeddingSet(["the", "zzzz"], np.ones((2, 50))))


def test_compare_command_json(glove_path, tmp_path, capsys):
    from embexplorer.cli import main

    lines = glove_path.read_text(encoding="utf-8").splitlines()[:400]
    b = tmp_path / "b.txt"
    b.write_text("\n".join(lines[::-1]) + "\n", encoding="utf-8")
    assert main(["compare", str(glove_path), str(b), "--top", "5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["shared"] == 400 and out["k"] == 10 and len(out["movers"]) == 5
    assert out["mean_overlap"] == 1.0 and out["mean_displacement"] < 1e-5


def test_kmeans_equals_scikit_learn_with_the_same_seed(glove):
    from sklearn.cluster import KMeans

    x = glove.vectors[:600]
    ours = cluster_labels(x, "kmeans", 5, seed=3)
    theirs = KMeans(n_clusters=5, random_state=3, n_init="auto").fit(x).labels_
    np.testing.assert_array_equal(ours, theirs)


def test_planted_clusters_are_named_from_their_content():
    rng = np.random.default_rng(2)
    centres = np.eye(3, 10, dtype=np.float32) * 10
    words = [["cat", "dog", "horse"], ["red", "green", "blue"], ["paris", "rome", "oslo"]]
    labels, vecs = [], []
    for c, names in enumerate(words):
        labels += names  # the named ones sit at the centre
        vecs += [centres[c] + 0.01 * rng.standard_normal(10) for _ in names]
        for j in range(30):
            labels.append(f"w{c}_{j}")
            vecs.append(centres[c] + 2.0 * rng.standard_normal(10))
    emb = EmbeddingSet(labels, np.array(vecs, dtype=np.float32))
    regions = find_regions(emb, "kmeans", n_clusters=3, seed=0)
    for names in words:
        c = regions.labels[emb.row(names[0])]
        assert set(regions.names[c].split(" · ")) == set(names)
    col = regions.column()
    assert col.kind == "categorical" and len(col.categories) == 3
    hd = find_regions(emb, "hdbscan", space="layout", layout=emb.vectors[:, :2], min_cluster_size=10)
    assert hd.n_clusters == 3
    # A large layout is clustered on a sample; every other row takes its nearest sampled row's cluster.
    sampled = cluster_labels(emb.vectors[:, :2], "hdbscan", min_cluster_size=8, sample_rows=60)
    assert (sampled >= 0).sum() > 80 and len(set(sampled[sampled >= 0])) == 3
    for names in words:
        assert len({sampled[emb.row(w)] for w in names}) == 1


def test_movie_clusters_named_by_genre_and_most_rated():
    genres = ["Horror|Thriller"] * 5 + ["Comedy|Romance"] * 5
    ratings = [5, 50, 7, 9, 1, 3, 4, 80, 2, 6]
    titles = [f"movie {i}" for i in range(10)]
    emb = EmbeddingSet(titles, np.eye(10, dtype=np.float32),
                       {"genres": MetadataColumn.categorical("genres", genres),
                        "ratings": MetadataColumn.numeric("ratings", ratings)}, kind="item")
    names = name_clusters(emb, np.array([0] * 5 + [1] * 5))
    assert names[0].startswith(("Horror, Thriller", "Thriller, Horror")) and "movie 1; movie 3" in names[0]
    assert "Comedy" in names[1] and names[1].endswith("movie 7; movie 9")


def test_histogram_brushing_selects_the_right_rows():
    values = np.array([0.5, 2.0, np.nan, 3.5, 1.0, 9.0])
    num = MetadataColumn.numeric("x", values)
    np.testing.assert_array_equal(range_mask(num, 3.6, 0.9), [False, True, False, True, True, False])
    b = bars(num, bins=4)
    assert b.counts.sum() == 5 and len(b.edges) == 5
    cat = MetadataColumn.categorical("g", ["a", "b", "", "a", "c", "a"])
    np.testing.assert_array_equal(category_mask(cat, "a"), [True, False, False, True, False, True])
    assert not category_mask(cat, "zzz").any()
    cb = bars(cat)
    assert cb.labels[0] == "a" and cb.counts[0] == 3


def test_finite_rows_flags_nan_and_infinity_but_not_a_sum_that_overflows():
    from embexplorer.core.analysis.clusters import finite_rows

    x = np.ones((5, 3), dtype=np.float32)
    x[1, 2], x[2, 0], x[3, 1] = np.nan, np.inf, -np.inf
    x[4] = 3e38  # finite values whose float32 sum overflows
    assert finite_rows(x).tolist() == [True, False, False, False, True]
