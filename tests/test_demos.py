"""Offline demos: the "Genres, learned" ratings generator, the linear probe, gensim's sample corpora."""

from __future__ import annotations

import numpy as np
import pytest

from embexplorer.core.teaching.demos import (
    DEMO_GENRES,
    DEMO_MAX_RATINGS_PER_USER,
    DEMO_MIN_RATINGS_PER_USER,
    LECTURE_MOVIES,
    RATING_MAX,
    RATING_MIN,
    analogy_questions_path,
    chance_level,
    generate_genre_ratings,
    genres_demo_config,
    genres_learned_ratings,
    linear_probe_score,
    wiki_sample_corpus,
    wiki_sample_corpus_paths,
)


@pytest.fixture(scope="module")
def demo():
    return generate_genre_ratings(seed=0)


def test_generator_is_deterministic_per_seed(demo):
    again = generate_genre_ratings(seed=0)
    other = generate_genre_ratings(seed=1)
    for name in ("users", "items", "ratings", "genres", "true_genre", "user_factors"):
        np.testing.assert_array_equal(getattr(demo, name), getattr(again, name))
    assert demo.titles == again.titles
    assert not np.array_equal(demo.ratings[:1000], other.ratings[:1000]) or \
        not np.array_equal(demo.items[:1000], other.items[:1000])
    assert demo.titles != other.titles


def test_ratings_are_sparse_whole_stars(demo):
    assert demo.ratings.dtype == np.float32
    assert set(np.unique(demo.ratings)) <= set(range(RATING_MIN, RATING_MAX + 1))
    assert len(np.unique(demo.ratings)) == RATING_MAX - RATING_MIN + 1
    pairs = demo.users.astype(np.int64) * demo.n_items + demo.items
    assert len(np.unique(pairs)) == len(pairs)  # each movie rated at most once per user
    per_user = np.bincount(demo.users, minlength=demo.n_users)
    assert per_user.min() >= DEMO_MIN_RATINGS_PER_USER and per_user.max() <= DEMO_MAX_RATINGS_PER_USER
    density = len(demo.ratings) / (demo.n_users * demo.n_items)
    assert 0.05 < density < 0.5
    assert np.bincount(demo.items, minlength=demo.n_items).min() > 0  # every movie has ratings
    assert 3.0 < demo.ratings.mean() < 4.0  # MovieLens-like average


def test_genres_are_the_lecture_table_and_balanced(demo):
    for row, (title, genres) in enumerate(LECTURE_MOVIES):
        assert demo.titles[row] == title
        assert [DEMO_GENRES[g] for g in np.flatnonzero(demo.genres[row])] == list(genres)
    assert len(set(demo.titles)) == demo.n_items
    counts = np.bincount(demo.true_genre, minlength=len(DEMO_GENRES))
    assert counts.max() - counts.min() <= 2
    # The hidden genre is the first flag.
    np.testing.assert_array_equal(demo.true_genre, np.argmax(demo.genres, axis=1))


def test_ratings_follow_the_planted_tastes(demo):
    """Users rate movies of the genres they like higher: the planted signal is in the stars."""
    taste = np.einsum("ij,ij->i", demo.user_factors[demo.users], demo.item_factors[demo.items])
    assert np.corrcoef(taste, demo.ratings)[0, 1] > 0.5


def test_as_movielens_ratings(demo):
    r = genres_learned_ratings(seed=0)
    assert (r.n_users, r.n_items, len(r)) == (demo.n_users, demo.n_items, len(demo.ratings))
    np.testing.assert_array_equal(r.ratings, demo.ratings)
    assert r.genre_names == list(DEMO_GENRES)
    assert r.main_genres() == demo.true_genre_names
    assert r.titles[0] == LECTURE_MOVIES[0][0] and r.rating_range == (1.0, 5.0)


def test_linear_probe_separates_planted_from_random(demo):
    labels = demo.true_genre_names
    chance = chance_level(labels)
    assert chance == pytest.approx(np.bincount(demo.true_genre).max() / demo.n_items)
    assert linear_probe_score(demo.item_factors, labels) > 0.95
    noise = np.random.default_rng(0).normal(size=(demo.n_items, 16))
    assert abs(linear_probe_score(noise, labels) - chance) < 0.1
    assert linear_probe_score(noise, labels, seed=3) == linear_probe_score(noise, labels, seed=3)


def test_ratings_alone_reveal_the_genre(demo):
    """The lecture's point, with the simplest factorisation: the top right singular vectors
    of the centred rating matrix (no genre given) predict the hidden genre far above chance."""
    m = np.zeros((demo.n_users, demo.n_items))
    m[demo.users, demo.items] = demo.ratings - demo.ratings.mean()
    _, _, vt = np.linalg.svd(m, full_matrices=False)
    assert linear_probe_score(vt[:len(DEMO_GENRES)].T, demo.true_genre) > 0.8
    assert chance_level(demo.true_genre) < 0.2


def test_wiki_sample_corpus():
    lee, wiki = wiki_sample_corpus_paths()
    assert analogy_questions_path().is_file()
    assert lee.name == "lee_background.cor" and wiki.name.endswith("-shortened.bz2")
    corpus = wiki_sample_corpus(max_articles=2)
    sentences = list(corpus)
    lee_lines = sum(1 for line in lee.read_text(encoding="utf-8").splitlines() if line.strip())
    assert len(sentences) > lee_lines
    words = {w for s in sentences for w in s}
    assert {"january", "australia", "anarchism"} <= words
    assert not any(w != w.lower() for w in words)


def test_matrix_factorisation_learns_the_hidden_genre(demo):
    """The lecture's model, never told a genre, learns movie vectors that predict it;
    its random initial vectors do not."""
    from embexplorer.core.recommender import mf

    ratings = genres_learned_ratings(seed=0)
    config = mf.MFConfig(n_factors=8, epochs=3, seed=0)
    init = np.random.default_rng(config.seed).normal(0.0, config.init_std, (ratings.n_items, 8))
    chance = chance_level(demo.true_genre)
    assert linear_probe_score(init, demo.true_genre) < chance + 0.1
    probes = []
    model = mf.train(ratings, config,
                     on_epoch=lambda s, snap: probes.append(linear_probe_score(snap.item_factors,
                                                                               demo.true_genre)))
    assert len(probes) == 3 and probes[-1] > 0.9
    items = model.item_embeddings()
    genre = items.metadata["genre"]
    assert [genre.value(i) for i in range(items.n)] == demo.true_genre_names


def test_demo_config_shows_the_genres_emerging(demo):
    """With the demo's own settings the probe climbs from near chance to near perfect."""
    from embexplorer.core.recommender import mf

    frames = []
    mf.train(genres_learned_ratings(seed=0), genres_demo_config(),
             on_epoch=lambda s, snap: frames.append(snap.item_factors))
    first, last = (linear_probe_score(f, demo.true_genre) for f in (frames[0], frames[-1]))
    assert first < 0.5 and last > 0.95
