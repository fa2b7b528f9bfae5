"""The numbers behind the Lecture menu, on real ml-100k and GloVe data (and the synthetic fallback)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from embexplorer.core.analysis.pca import fit_pca
from embexplorer.core.recommender.mf import MFConfig, train
from embexplorer.core.recommender.movielens import load_movielens
from embexplorer.core.teaching.demos import DEMO_GENRES
from embexplorer.core.teaching.lecture import (
    CLASSIC_ANALOGIES,
    LECTURES,
    SOURCE_CACHE,
    SOURCE_OPEN,
    SOURCE_SYNTHETIC,
    SWITCHES,
    WHAT_IF_GENRES,
    all_pca_extremes,
    available_analogies,
    compare_neighbours,
    compare_runs,
    default_movie,
    genre_cosine,
    genre_embeddings,
    item_labels,
    lecture_ratings,
    long_tail_histogram,
    norm_histograms,
    pca_extremes,
    ratings_summary,
    run_configs,
    shared_genres,
    what_if_example,
)

#: ml-100k's published sizes (its README).
ML100K_RATINGS, ML100K_USERS, ML100K_ITEMS = 100_000, 943, 1682
#: ml-100k: every user rated at least this many movies (its README).
ML100K_MIN_PER_USER = 20
#: Random movie pairs checked for dot product = shared genres.
PAIRS = 5000
#: Short trainings keep the file fast (the point is the comparison, not the accuracy).
QUICK_EPOCHS = 2
TOP = 300


@pytest.fixture(scope="module")
def ml100k(ml100k_dir):
    return load_movielens(ml100k_dir)


@pytest.fixture(scope="module")
def item_genres(ml100k_dir):
    """Genre name sets per ml-100k movie id, read straight from u.item and u.genre (not via the loader)."""
    folder = ml100k_dir
    names = {}
    for line in (folder / "u.genre").read_text(encoding="latin-1").splitlines():
        if line.strip():
            name, idx = line.rsplit("|", 1)
            names[int(idx)] = name
    out = {}
    for line in (folder / "u.item").read_text(encoding="latin-1").splitlines():
        if not line.strip():
            continue
        fields = line.split("|")
        flags = fields[-19:]
        out[fields[0]] = {names[g] for g, f in enumerate(flags) if f == "1"}
    return out


@pytest.fixture(scope="module")
def quick_model(ml100k):
    return train(ml100k, MFConfig(epochs=QUICK_EPOCHS, seed=0))


def test_lecture_names_are_cli_names():
    assert list(LECTURES) == ["ratings", "genres", "users", "gradient-descent", "pca-axes", "analogies"]
    for name, (title, caption) in LECTURES.items():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", name)
        assert title and caption and "\n" not in caption


def test_ratings_summary_counts_ml100k(ml100k, ml100k_dir):
    s = ratings_summary(ml100k)
    assert (s.n_ratings, s.n_users, s.n_items) == (ML100K_RATINGS, ML100K_USERS, ML100K_ITEMS)
    assert s.sparsity == pytest.approx(1 - ML100K_RATINGS / (ML100K_USERS * ML100K_ITEMS))
    assert s.per_user.sum() == s.per_item.sum() == ML100K_RATINGS
    assert s.per_user.min() >= ML100K_MIN_PER_USER
    # against u.data read by hand
    raw = np.loadtxt(ml100k_dir / "u.data", dtype=np.int64)
    _, by_user = np.unique(raw[:, 0], return_counts=True)
    assert sorted(s.per_user.tolist()) == sorted(by_user.tolist())
    values, counts = np.unique(raw[:, 2], return_counts=True)
    assert s.rating_values.tolist() == values.astype(float).tolist()
    assert s.rating_counts.tolist() == counts.tolist()
    assert s.mean_rating == pytest.approx(raw[:, 2].mean())
    # the long tail: the 10 % most-rated movies get far more than 10 % of the ratings
    top = int(round(0.1 * ML100K_ITEMS))
    _, by_item = np.unique(raw[:, 1], return_counts=True)
    assert s.head_share("item") == pytest.approx(np.sort(by_item)[::-1][:top].sum() / ML100K_RATINGS)
    assert s.head_share("item") > 0.3
    edges, hist = long_tail_histogram(s.per_item)
    assert hist.sum() == ML100K_ITEMS and len(edges) == len(hist) + 1
    assert hist[0] == hist.max()  # most movies have few ratings
    assert "100,000 ratings" in s.text()


def test_genre_dot_product_is_shared_genres(ml100k, item_genres):
    g = genre_embeddings(ml100k)
    assert g.n == ML100K_ITEMS and g.dims == 19 and g.vectors.dtype == np.float32
    assert set(np.unique(g.vectors).tolist()) == {0.0, 1.0}
    assert {"genre", "genres", "year", "ratings", "id"} <= set(g.metadata)
    rng = np.random.default_rng(0)
    pairs = rng.integers(0, g.n, size=(PAIRS, 2))
    ids = g.metadata["id"]
    for a, b in pairs:
        truth = item_genres[ids.value(a)] & item_genres[ids.value(b)]
        assert float(g.vectors[a] @ g.vectors[b]) == len(truth)
        assert shared_genres(g, a, b) == len(truth)
        na, nb = len(item_genres[ids.value(a)]), len(item_genres[ids.value(b)])
        expected = len(truth) / np.sqrt(na * nb) if na and nb else 0.0
        assert genre_cosine(g, a, b) == pytest.approx(expected)
    # the whole Gram matrix counts shared genres too
    flags = g.vectors.astype(bool)
    gram = g.vectors @ g.vectors.T
    sub = flags[:200]
    counted = (sub[:, None, :] & sub[None, :, :]).sum(-1)
    np.testing.assert_array_equal(gram[:200, :200], counted)
    # labels are the model's labels (titles made unique with the id)
    assert len(set(g.labels)) == g.n
    assert g.labels == item_labels(ml100k.titles, ml100k.item_ids)


def test_compare_neighbours_genre_vs_learned(ml100k, quick_model):
    g = genre_embeddings(ml100k)
    learned = quick_model.item_embeddings(TOP)
    label = default_movie(learned)
    assert label == "Star Wars (1977)"
    cmp = compare_neighbours(g, learned, label, k=10)
    assert cmp.label == label and len(cmp.genre) == len(cmp.learned) == 10
    cand = [g.row(lab) for lab in learned.labels if lab != label]
    q = g.row(label)
    cos = np.array([genre_cosine(g, q, r) for r in cand])
    # the genre list is the true top 10 by cosine among the learned set's movies
    scores = [n.score for n in cmp.genre]
    assert scores == sorted(scores, reverse=True)
    assert scores[-1] >= np.sort(cos)[::-1][9] - 1e-9
    for n, shared in zip(cmp.genre, cmp.genre_shared):
        assert n.label in learned.index and n.label != label
        assert n.score == pytest.approx(genre_cosine(g, q, n.row))
        assert shared == shared_genres(g, q, n.row)
    assert cmp.tied == int(np.sum(np.isclose(cos, cos.max())))
    # ties are listed most-rated first
    counts = g.metadata["ratings"].values
    for a, b in zip(cmp.genre, cmp.genre[1:]):
        if np.isclose(a.score, b.score):
            assert counts[a.row] >= counts[b.row]
    # the learned list is the learned set's cosine neighbours
    U = learned.vectors.astype(np.float64)
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    sims = U @ U[learned.row(label)]
    sims[learned.row(label)] = -np.inf
    assert [n.label for n in cmp.learned] == [learned.labels[i] for i in np.argsort(-sims)[:10]]
    assert cmp.overlap == len({n.label for n in cmp.genre} & {n.label for n in cmp.learned})
    with pytest.raises(KeyError):
        compare_neighbours(g, learned, "No Such Movie (2099)")


def test_pca_extremes_are_the_true_extremes(ml100k, quick_model):
    movies = quick_model.item_embeddings()  # all 1,682 movies, with their rating counts
    pca = fit_pca(movies.vectors, n_components=5)
    counts = np.bincount(ml100k.items, minlength=ml100k.n_items)  # counted here, not by the model
    top_rows = np.argsort(-counts, kind="stable")[:TOP]
    for c in range(pca.n_components):
        ends = pca_extremes(movies, pca, c, n=7, top_rated=TOP)
        coords = pca.coords[top_rows, c]
        order = np.argsort(coords)
        assert [r for r, _, _ in ends.low] == top_rows[order[:7]].tolist()
        assert [r for r, _, _ in ends.high] == top_rows[order[::-1][:7]].tolist()
        assert [v for _, _, v in ends.low] == sorted(v for _, _, v in ends.low)
        assert ends.low[0][2] == pytest.approx(coords.min())
        assert ends.high[0][2] == pytest.approx(coords.max())
        assert all(lab == movies.labels[r] for r, lab, _ in ends.low + ends.high)
        assert ends.candidates == TOP and ends.title == pca.axis_label(c)
    everything = pca_extremes(movies, pca, 0, n=3, top_rated=None)
    assert everything.low[0][0] == int(np.argmin(pca.coords[:, 0]))
    assert everything.high[0][0] == int(np.argmax(pca.coords[:, 0]))
    assert len(all_pca_extremes(movies, pca, 3)) == pca.n_components
    with pytest.raises(IndexError):
        pca_extremes(movies, pca, pca.n_components)


def test_weight_decay_shrinks_norms(ml100k):
    seen = []
    runs = compare_runs(ml100k, "weight-decay", epochs=QUICK_EPOCHS, seed=0,
                        on_epoch=lambda i, stats, snap: seen.append((i, stats.epoch)))
    assert seen == [(0, 1), (0, 2), (1, 1), (1, 2)]
    with_wd, without = runs.runs
    assert with_wd.config.weight_decay > 0 and without.config.weight_decay == 0
    assert with_wd.config.seed == without.config.seed
    # same split: the same number of training and validation ratings
    assert with_wd.model.info["n_train"] == without.model.info["n_train"] == 80_000
    assert with_wd.model.info["n_valid"] == 20_000
    assert len(with_wd.history) == len(without.history) == QUICK_EPOCHS
    assert with_wd.item_norms.mean() < without.item_norms.mean()
    assert with_wd.user_norms.mean() < without.user_norms.mean()
    # without weight decay the model fits its training ratings more closely
    assert without.history[-1].train_loss < with_wd.history[-1].train_loss
    hists = norm_histograms({r.name: r for r in runs.runs})
    for r in runs.runs:
        assert hists.counts[r.name].sum() == ML100K_ITEMS
        assert hists.means[r.name] == pytest.approx(np.linalg.norm(r.model.item_factors, axis=1).mean(),
                                                    rel=1e-5)
    assert hists.edges[0] == 0 and hists.edges[-1] == pytest.approx(
        max(r.item_norms.max() for r in runs.runs))


def test_run_configs_switches():
    base = MFConfig(epochs=3, seed=7)
    (_, a), (_, b) = run_configs("sigmoid", base=base)
    assert a.y_range is not None and b.y_range is None and b.weight_decay == a.weight_decay
    (_, a), (_, b) = run_configs("weight-decay", base=base)
    assert a.y_range == b.y_range and b.weight_decay == 0 and a.weight_decay == base.weight_decay
    assert set(SWITCHES) == {"weight-decay", "sigmoid"}
    with pytest.raises(ValueError):
        run_configs("dropout")


def test_what_if_example_contrasts_two_genres(ml100k, quick_model):
    example = what_if_example(quick_model)
    loved = [i for i, s in example if s == 5.0]
    hated = [i for i, s in example if s == 1.0]
    assert loved and hated
    genres = quick_model.item_meta["genres"]
    assert all(WHAT_IF_GENRES[0] in genres[i].split("|") for i in loved)
    assert all(WHAT_IF_GENRES[1] in genres[i].split("|") for i in hated)
    vector, bias = quick_model.fold_in([i for i, _ in example], [s for _, s in example])
    scores = quick_model.scores_for_vector(vector, bias)
    assert min(scores[i] for i in loved) > max(scores[i] for i in hated)


def test_lecture_ratings_order_and_synthetic_fallback(ml100k, tmp_path):
    opened = lecture_ratings(ml100k, directory=tmp_path)
    assert opened.source == SOURCE_OPEN and opened.ratings is ml100k
    # an empty cache, then a damaged download in it: the synthetic set, said so
    for content in (None, b"not a zip"):
        if content is not None:
            (tmp_path / "ml-100k.zip").write_bytes(content)
        data = lecture_ratings(None, directory=tmp_path)
        assert data.source == SOURCE_SYNTHETIC and data.synthetic and "synthetic" in data.note
    assert SOURCE_CACHE not in (opened.source, data.source)
    r = data.ratings
    s = ratings_summary(r)
    assert s.n_ratings == len(r) and s.per_item.sum() == len(r)
    assert s.rating_values.tolist() == [1, 2, 3, 4, 5]
    g = genre_embeddings(r)
    assert g.dims == len(DEMO_GENRES) and g.n == r.n_items
    # the planted genres: each generated movie's first flag is its true genre
    assert [g.metadata["genre"].value(i) for i in range(g.n)] == r.main_genres()
    runs = compare_runs(r, epochs=QUICK_EPOCHS, seed=0)
    assert runs.runs[0].item_norms.mean() < runs.runs[1].item_norms.mean()
    model = runs.runs[0].model
    movies = model.item_embeddings()
    pca = fit_pca(movies.vectors, 3)
    ends = pca_extremes(movies, pca, 0, n=5)
    assert ends.candidates == r.n_items  # fewer movies than the default top-rated cut
    cmp = compare_neighbours(g, movies, default_movie(movies), k=5)
    assert cmp.label == "Quantum Drift" and len(cmp.genre) == 5
    assert what_if_example(model)


def test_genre_embeddings_needs_genres(tmp_path):
    from embexplorer.core.errors import DataError
    from embexplorer.core.recommender.movielens import load_ratings_csv

    path = tmp_path / "r.csv"
    path.write_text("u,i,r\n1,10,4\n2,10,3\n2,11,5\n")
    with pytest.raises(DataError, match="no genre"):
        genre_embeddings(load_ratings_csv(path))


def test_classic_analogies_in_glove(glove_path):
    from embexplorer.core.analysis.analogy import solve_analogy
    from embexplorer.core.data.formats import load

    emb = load(glove_path)
    found = available_analogies(emb)
    assert found and found[0] == CLASSIC_ANALOGIES[0]
    for q in found:
        for w in (q.a, q.b, q.c, q.expected):
            assert emb.row(w, case_insensitive=True) >= 0
    first = solve_analogy(emb, found[0].a, found[0].b, found[0].c)
    assert first.answer.label == found[0].expected == "queen"
    # a set without "queen" drops that analogy and keeps the others
    keep = [i for i, lab in enumerate(emb.labels) if lab != "queen"]
    fewer = available_analogies(emb.subset(keep))
    assert CLASSIC_ANALOGIES[0] not in fewer and len(fewer) == len(found) - 1
    assert available_analogies(None) == []
