"""t-SNE / UMAP layouts, their cache and their faithfulness, on real GloVe rows (Qt-free).

The layouts of the app must be exactly what openTSNE / umap-learn give when called directly with the
same inputs and seed (our live frames and cancellation checks must not perturb them); neighbour
preservation is checked against a brute-force computation.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from embexplorer.core.analysis import faithfulness as F
from embexplorer.core.analysis import layout_cache
from embexplorer.core.analysis.nonlinear import (
    UMAP_INSTALL,
    LayoutParams,
    fit_layout,
    reduce_for_layout,
    tsne_init,
    tsne_options,
    umap_options,
)
from embexplorer.core.errors import DataError
from embexplorer.core.progress import Cancelled, TaskControl

#: Rows of GloVe the layouts are computed on (small: the whole file is for the GUI test).
ROWS = 400
#: Rows of the (compiled, numba) UMAP test: as few as give a real neighbour graph.
UMAP_ROWS = 150


@pytest.fixture(scope="module")
def glove(glove_path):
    from embexplorer.core.analysis.pca import fit_pca
    from embexplorer.core.data.formats import load

    emb = load(glove_path, limit=ROWS)
    pca = fit_pca(emb.vectors, n_components=2)
    return emb, pca.xy(0, 1)


def test_tsne_equals_opentsne_called_directly(glove):
    from openTSNE import TSNE

    emb, init = glove
    params = LayoutParams("tsne", perplexity=12, seed=3)
    frames = []
    ours = fit_layout(emb.vectors, params, init=init, on_frame=lambda xy, f: frames.append((xy.copy(), f)))
    opts = tsne_options(params, emb.n)
    assert opts["random_state"] == 3 and opts["perplexity"] == 12 and opts["n_iter"] + opts[
        "early_exaggeration_iter"] < 750  # the tuned schedule, shorter than openTSNE's 250 + 500
    direct = TSNE(**opts).fit(reduce_for_layout(emb.vectors, "cosine"), initialization=tsne_init(init))
    assert np.array_equal(ours.xy, np.asarray(direct, dtype=np.float32))
    assert ours.n_fitted == emb.n and ours.n_placed == 0 and ours.fitted_rows is None
    # Live frames: every TSNE_FRAME_EVERY iterations, growing fractions, the last one near the result.
    assert len(frames) >= 10
    fractions = [f for _xy, f in frames]
    assert fractions == sorted(fractions) and 0 < fractions[0] < fractions[-1] <= 1
    assert frames[0][0].shape == (emb.n, 2) and np.isfinite(frames[-1][0]).all()
    assert np.std(frames[0][0]) < np.std(frames[-1][0])  # it unfolds from the tiny PCA start
    # (Equal to an independent run: reproducible, our frames and Cancel checks change nothing.)


def test_cancel_stops_a_layout_at_the_next_frame(glove):
    emb, init = glove
    control = TaskControl()
    seen = []

    def on_frame(xy, fraction):
        seen.append(fraction)
        control.cancel()

    with pytest.raises(Cancelled):
        fit_layout(emb.vectors, LayoutParams("tsne", perplexity=12), init=init, control=control,
                   on_frame=on_frame)
    assert len(seen) == 1


def test_above_the_cap_a_seeded_sample_is_fitted_and_every_other_point_placed(glove):
    emb, init = glove
    params = LayoutParams("tsne", perplexity=10, seed=1)
    frames = []
    lay = fit_layout(emb.vectors, params, init=init, max_fit=150, on_frame=lambda xy, f: frames.append(xy))
    assert (lay.n_fitted, lay.n_placed) == (150, emb.n - 150)
    assert lay.xy.shape == (emb.n, 2) and np.isfinite(lay.xy).all()  # nobody dropped
    assert np.array_equal(lay.fitted_rows, np.sort(lay.fitted_rows)) and len(set(lay.fitted_rows)) == 150
    assert "150" in lay.describe() and f"{emb.n - 150}" in lay.describe()
    # While the sample is fitted, the rows still to be placed are not drawn (NaN), the sample is.
    assert np.isnan(frames[0][np.setdiff1d(np.arange(emb.n), lay.fitted_rows)]).all()
    assert np.isfinite(frames[0][lay.fitted_rows]).all()
    # Placed points land near their true neighbours: far better than chance.
    keep = F.neighbour_preservation(emb.vectors, lay.xy)[np.setdiff1d(np.arange(emb.n), lay.fitted_rows)]
    assert keep.mean() > 0.15


def test_umap_equals_umap_learn_called_directly(glove):
    umap = pytest.importorskip("umap")
    emb, init = glove
    vectors, start = emb.vectors[:UMAP_ROWS], init[:UMAP_ROWS]
    params = LayoutParams("umap", n_neighbors=8, min_dist=0.2, metric="euclidean", seed=5)
    frames = []
    ours = fit_layout(vectors, params, init=start, on_frame=lambda xy, f: frames.append(f))
    model = umap.UMAP(**umap_options(params, UMAP_ROWS), init=np.array(start, dtype=np.float64))
    direct = model.fit_transform(reduce_for_layout(vectors, "euclidean"))
    assert np.array_equal(ours.xy, np.asarray(direct, dtype=np.float32))
    assert frames and frames == sorted(frames)  # live frames from umap-learn's epochs
    # Cancelled at its first frame, the run ends with Cancelled -- and leaves tqdm's process-wide lock
    # free (raising inside tqdm's write would keep it held: the next UMAP would wait forever).
    control = TaskControl()
    with pytest.raises(Cancelled):
        fit_layout(vectors, params, init=start, control=control, on_frame=lambda xy, f: control.cancel())
    import threading

    from tqdm import tqdm

    free = []

    def try_locks():  # from another thread: tqdm's locks are re-entrant for the thread holding them
        for lock in tqdm.get_lock().locks:
            got = lock.acquire(timeout=2)
            free.append(got)
            if got:
                lock.release()

    t = threading.Thread(target=try_locks)
    t.start()
    t.join()
    assert free and all(free)
    again = fit_layout(vectors, params, init=start)
    assert np.array_equal(again.xy, ours.xy)


def test_umap_missing_names_the_extra(glove, monkeypatch):
    emb, init = glove
    monkeypatch.setitem(sys.modules, "umap", None)  # import umap -> ImportError
    with pytest.raises(DataError, match=r"pip install 'embexplorer\[umap\]'"):
        fit_layout(emb.vectors, LayoutParams("umap"), init=init)
    assert "embexplorer[umap]" in UMAP_INSTALL


def test_bad_parameters_are_refused():
    with pytest.raises(DataError, match="perplexity"):
        LayoutParams("tsne", perplexity=0)
    with pytest.raises(DataError, match="metric"):
        LayoutParams("tsne", metric="manhattan")
    with pytest.raises(DataError, match="method"):
        LayoutParams("mds")


# -- faithfulness ----------------------------------------------------------------------------------------
def brute_knn(X: np.ndarray, k: int, metric: str) -> list[set]:
    X = X.astype(np.float64)
    if metric == "cosine":
        U = X / np.linalg.norm(X, axis=1, keepdims=True)
        D = 1.0 - U @ U.T
    else:
        D = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(D, np.inf)
    return [set(np.argsort(row, kind="stable")[:k]) for row in D]


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_neighbour_preservation_against_brute_force(glove, metric, monkeypatch):
    emb, init = glove
    X = emb.vectors[:300]
    xy = init[:300] + np.random.default_rng(0).normal(scale=0.05, size=(300, 2))
    monkeypatch.setattr(F, "BLOCK_BYTES", 64 * 300 * 4)  # 64 rows a block: the batching is exercised
    high, exact = F.high_neighbours(X, 10, metric)
    assert exact
    truth = brute_knn(X, 10, metric)
    assert [set(r) for r in high] == truth
    low = brute_knn(xy, 10, "euclidean")
    expected = np.array([len(h & lo) / 10 for h, lo in zip(truth, low)])
    got = F.neighbour_preservation(X, xy, metric=metric)
    np.testing.assert_allclose(got, expected)
    assert 0 < got.mean() < 1


def test_preservation_of_identical_tables_is_one_and_of_disjoint_zero():
    a = np.array([[1, 2, 3], [0, 2, 3], [0, 1, 3], [0, 1, 2]])
    np.testing.assert_array_equal(F.preservation(a, a[:, ::-1]), np.ones(4))
    b = np.array([[4, 5, 6], [4, 5, 6], [4, 5, 6], [4, 5, 6]])
    np.testing.assert_array_equal(F.preservation(a, b), np.zeros(4))


def test_trustworthiness_is_scikit_learns_on_the_sample(glove):
    from sklearn.manifold import trustworthiness

    emb, init = glove
    X = emb.vectors[:200]
    value, rows = F.trustworthiness_sample(X, init[:200], metric="euclidean", sample=500)
    assert rows == 200
    assert value == pytest.approx(trustworthiness(X, init[:200], n_neighbors=10))
    fa = F.assess(X, init[:200], metric="euclidean")
    assert fa.trustworthiness == pytest.approx(value) and "trustworthiness" in fa.describe()


def test_nearest_rows_and_placing_a_vector(glove):
    emb, init = glove
    X = emb.vectors[:300]
    truth = brute_knn(X, 5, "cosine")
    got = F.nearest_rows(X, X[[7, 42]], 5, "cosine", exclude=[7, 42])
    assert [set(r) for r in got] == [truth[7], truth[42]]
    at = F.place_by_neighbours(X, init[:300], X[7] * 1.0001, k=1)  # a copy of row 7: placed on it
    np.testing.assert_allclose(at[0], init[7], rtol=1e-6)


# -- the layout cache ------------------------------------------------------------------------------------
def test_layout_cache_round_trip_and_invalidation(glove):
    emb, init = glove
    layout_cache.clear()
    params = LayoutParams("tsne", perplexity=10)
    lay = fit_layout(emb.vectors[:120], params, init=init[:120], max_fit=100)
    fp = layout_cache.data_fingerprint(emb.vectors[:120], emb.labels[:120])
    key = layout_cache.cache_key(fp, params)
    assert layout_cache.lookup(key) is None
    assert layout_cache.store(key, lay)
    hit = layout_cache.lookup(key, 120)
    assert hit.from_cache and np.array_equal(hit.xy, lay.xy) and hit.params == params
    assert (hit.n_fitted, hit.n_placed) == (100, 20) and np.array_equal(hit.fitted_rows, lay.fitted_rows)
    assert layout_cache.lookup(key, 121) is None  # another row count: not this layout
    # Any change of data or of a parameter the method uses is another key; UMAP's own do not move t-SNE's.
    changed = emb.vectors[:120].copy()
    changed[5, 3] += 1e-3
    assert layout_cache.data_fingerprint(changed, emb.labels[:120]) != fp
    assert layout_cache.data_fingerprint(emb.vectors[:120], ["x", *emb.labels[1:120]]) != fp
    for other in (LayoutParams("tsne", perplexity=11), LayoutParams("tsne", perplexity=10, seed=1),
                  LayoutParams("tsne", perplexity=10, metric="euclidean"), LayoutParams("umap")):
        assert layout_cache.cache_key(fp, other) != key
    assert layout_cache.cache_key(fp, LayoutParams("tsne", perplexity=10, n_neighbors=40)) == key
    assert layout_cache.cache_key(fp, params, max_fit=50) != key
    # A damaged entry is dropped, never trusted.
    xy_file = layout_cache.cache_root() / key / "xy.npy"
    raw = bytearray(xy_file.read_bytes())
    raw[-1] ^= 0xFF
    xy_file.write_bytes(bytes(raw))
    assert layout_cache.lookup(key, 120) is None and not (layout_cache.cache_root() / key).exists()
