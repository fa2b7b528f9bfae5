"""Neighbours and Analogy panels take new vectors for the same labels (MF training epochs) without losing
the query: update_vectors() redoes the search on the new vectors."""

from __future__ import annotations

import numpy as np
import pytest

from embexplorer._qt.features.analogy.panel import AnalogyPanel
from embexplorer._qt.features.neighbours.panel import NeighboursPanel
from embexplorer.core.analysis.analogy import solve_analogy
from embexplorer.core.analysis.neighbours import nearest
from embexplorer.core.data.embeddings import EmbeddingSet
from embexplorer.core.data.formats import load
from embexplorer.core.recommender.mf import MFConfig, MovieFrames, train
from embexplorer.core.recommender.movielens import load_movielens, split_ratings

#: Seed of the perturbation standing in for "one more epoch".
SEED = 11
#: Noise added to the GloVe vectors (their entries are ~0.5 in size).
NOISE = 0.15


@pytest.fixture(scope="module")
def frames(shared_data):
    """Two consecutive training frames of the 300 most-rated ml-100k movies, as the window gets them."""
    path = shared_data / "ml-100k"
    if not (path / "u.data").is_file():
        pytest.skip("ml-100k not in the shared data folder")
    data = load_movielens(path)
    split = split_ratings(data, "u1")
    movie_frames = MovieFrames(top_n=300)
    sets = []
    train(data, MFConfig(n_factors=8, epochs=2), split.train, split.test,
          on_epoch=lambda stats, snap: sets.append(movie_frames.update(snap)[0]))
    return sets


@pytest.fixture(scope="module")
def glove(glove_path):
    emb = load(glove_path)
    rng = np.random.default_rng(SEED)
    noisy = emb.vectors + rng.normal(0, NOISE, emb.vectors.shape).astype(np.float32)
    return emb, EmbeddingSet(list(emb.labels), noisy, kind="word")


def test_neighbours_follow_training_frames(qtbot, frames):
    first, second = frames
    assert first.labels == second.labels and not np.array_equal(first.vectors, second.vectors)
    panel = NeighboursPanel()
    qtbot.addWidget(panel)
    panel.set_embeddings(first)
    panel.k_spin.setValue(7)
    panel.query_row(4)
    before = [n.row for n in panel.results]
    assert before == [n.row for n in nearest(first, 4, k=7, metric=panel.metric_name)]
    with qtbot.waitSignal(panel.rows_highlighted) as sig:
        assert panel.update_vectors(second)
    want = [n.row for n in nearest(second, 4, k=7, metric=panel.metric_name)]
    assert [n.row for n in panel.results] == want and want != before
    assert sig.args[0].tolist() == [4] + want
    assert panel.emb is second and panel.query_edit.text() == second.labels[4] and panel.k_spin.value() == 7


def test_neighbours_other_labels_reset(qtbot, frames, glove):
    panel = NeighboursPanel()
    qtbot.addWidget(panel)
    panel.set_embeddings(frames[0])
    panel.query_row(3)
    assert not panel.update_vectors(glove[0])  # another set: a fresh start
    assert panel.results == [] and panel.emb is glove[0]


def test_analogy_resolved_on_new_vectors(qtbot, glove):
    emb, moved = glove
    panel = AnalogyPanel()
    qtbot.addWidget(panel)
    panel.set_embeddings(emb)
    assert panel.solve("man", "king", "woman")
    assert panel.results["3cosadd"].answer.label == "queen"
    panel.evaluate_expression("paris - france + germany")
    with qtbot.waitSignal(panel.parallelogram_requested):
        assert panel.update_vectors(moved)
    want = solve_analogy(moved, "man", "king", "woman", k=panel.k_spin.value(), method="3cosadd")
    got = panel.results["3cosadd"]
    assert [n.row for n in got.neighbours] == [n.row for n in want.neighbours]
    np.testing.assert_allclose(got.expected, want.expected, rtol=1e-5)
    assert panel.a_edit.text() == "man" and panel.emb is moved
    assert panel.expression_result is not None
    # nothing shown: just take the vectors
    panel.set_embeddings(emb)
    assert panel.update_vectors(moved) and panel.results == {}
