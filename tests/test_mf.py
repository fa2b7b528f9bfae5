"""The lecture's matrix-factorisation model: gradients, training, explanations, fold-in, persistence."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from embexplorer.core.errors import DataError
from embexplorer.core.progress import Cancelled, TaskControl
from embexplorer.core.recommender.mf import MFConfig, MFModel, loss_and_grads, train
from embexplorer.core.recommender.movielens import Ratings, load_movielens, split_ratings

#: Epochs of the quick training runs in these tests (the benchmark runs the full schedule).
QUICK_EPOCHS = 3


@pytest.fixture(scope="module")
def ml100k(shared_data):
    path = shared_data / "ml-100k"
    if not (path / "u.data").is_file():
        pytest.skip("ml-100k not in the shared data folder")
    return load_movielens(path)


@pytest.fixture(scope="module")
def u1(ml100k):
    return split_ratings(ml100k, "u1")


@pytest.fixture(scope="module")
def trained(ml100k, u1):
    """A model trained briefly on u1 (shared by the inspection tests)."""
    return train(ml100k, MFConfig(epochs=QUICK_EPOCHS), u1.train, u1.test)


def _tiny_problem(seed=0, n_users=6, n_items=7, k=3, n=25):
    rng = np.random.default_rng(seed)
    params = {"U": rng.normal(0, 0.5, (n_users, k)), "M": rng.normal(0, 0.5, (n_items, k)),
              "bu": rng.normal(0, 0.3, n_users), "bm": rng.normal(0, 0.3, n_items)}
    users = rng.integers(0, n_users, n)
    items = rng.integers(0, n_items, n)
    ratings = rng.integers(1, 6, n).astype(np.float64)
    return params, users, items, ratings


@pytest.mark.parametrize("y_range", [(0.0, 5.5), None])
@pytest.mark.parametrize("with_bias", [True, False])
def test_gradients_match_finite_differences(y_range, with_bias):
    params, users, items, ratings = _tiny_problem()
    if not with_bias:
        params = {k: params[k] for k in ("U", "M")}
    _, grads = loss_and_grads(params, users, items, ratings, y_range)
    eps = 1e-6
    for name, p in params.items():
        num = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            plus, _ = loss_and_grads(params, users, items, ratings, y_range)
            p[idx] = old - eps
            minus, _ = loss_and_grads(params, users, items, ratings, y_range)
            p[idx] = old
            num[idx] = (plus - minus) / (2 * eps)
        np.testing.assert_allclose(grads[name], num, rtol=1e-5, atol=1e-8, err_msg=name)
        assert np.abs(num).max() > 0  # every parameter group actually matters here


def test_training_beats_global_mean_baseline(ml100k, u1, trained):
    train_r = ml100k.ratings[u1.train].astype(np.float64)
    test_r = ml100k.ratings[u1.test].astype(np.float64)
    baseline = float(np.sqrt(np.mean((test_r - train_r.mean()) ** 2)))
    rmse = trained.history[-1].valid_rmse
    assert rmse < 0.85 * baseline, (rmse, baseline)
    assert len(trained.history) == QUICK_EPOCHS
    assert trained.history[-1].train_loss < trained.history[0].train_loss
    mse, rmse2 = trained.evaluate(ml100k.users[u1.test], ml100k.items[u1.test], ml100k.ratings[u1.test])
    assert rmse2 == pytest.approx(rmse) and mse == pytest.approx(rmse ** 2)
    preds = trained.predict(ml100k.users[u1.test], ml100k.items[u1.test])
    assert preds.min() > 0.0 and preds.max() < 5.5  # the sigmoid range holds


def test_training_is_reproducible_and_reports_every_epoch(ml100k, u1):
    small = MFConfig(n_factors=8, epochs=2, seed=7)
    seen = []
    a = train(ml100k, small, u1.train, u1.test, on_epoch=lambda s, m: seen.append((s, m)))
    b = train(ml100k, small, u1.train, u1.test)
    np.testing.assert_array_equal(a.item_factors, b.item_factors)
    np.testing.assert_array_equal(a.user_bias, b.user_bias)
    assert [s.epoch for s, _ in seen] == [1, 2]
    assert all(np.isfinite(s.valid_rmse) and s.valid_mse == pytest.approx(s.valid_rmse ** 2) for s, _ in seen)
    # snapshots are copies: the first epoch's factors differ from the final ones
    assert not np.array_equal(seen[0][1].item_factors, a.item_factors)
    c = train(ml100k, MFConfig(n_factors=8, epochs=2, seed=8), u1.train)
    assert not np.array_equal(a.item_factors, c.item_factors)


@pytest.mark.parametrize("kwargs", [dict(y_range=None), dict(use_bias=False)])
def test_switching_off_sigmoid_or_biases_still_learns(ml100k, u1, kwargs):
    m = train(ml100k, MFConfig(epochs=2, **kwargs), u1.train, u1.test)
    base = float(np.sqrt(np.mean((ml100k.ratings[u1.test] - ml100k.ratings[u1.train].mean()) ** 2)))
    assert m.history[-1].valid_rmse < base
    if not kwargs.get("use_bias", True):
        assert not m.user_bias.any() and not m.item_bias.any()


def test_cancel_keeps_last_completed_epoch(ml100k, u1):
    control = TaskControl()

    def stop_after_first(stats, _model):
        control.cancel()

    m = train(ml100k, MFConfig(n_factors=8, epochs=4), u1.train, u1.test, control=control,
              on_epoch=stop_after_first)
    assert len(m.history) == 1 and m.info["cancelled"]
    # cancelled inside the first epoch (from another thread's point of view): nothing to keep
    early = TaskControl(on_progress=lambda f, msg: early.cancel(), min_interval=0)
    with pytest.raises(Cancelled):
        train(ml100k, MFConfig(n_factors=8, epochs=4), u1.train, control=early)


def test_cancel_from_another_thread(ml100k, u1):
    control = TaskControl()
    result = {}

    def work():
        try:
            result["model"] = train(ml100k, MFConfig.lecture(epochs=50), u1.train, control=control,
                                    on_epoch=lambda s, m: control.cancel())
        except Cancelled:
            result["cancelled"] = True

    t = threading.Thread(target=work)
    t.start()
    t.join(timeout=60)
    assert not t.is_alive()
    assert len(result["model"].history) == 1


def test_bad_settings_rejected(ml100k):
    with pytest.raises(ValueError):
        train(ml100k, MFConfig(n_factors=0))
    with pytest.raises(ValueError):
        train(ml100k, MFConfig(y_range=(5.0, 1.0)))


def test_decomposition_sums_to_prediction(trained):
    rng = np.random.default_rng(0)
    users = rng.integers(0, trained.n_users, 20)
    items = rng.integers(0, trained.n_items, 20)
    preds = trained.predict(users, items)
    for u, i, p in zip(users, items, preds):
        d = trained.decompose(int(u), int(i), top=3)
        assert d.prediction == pytest.approx(float(p), abs=1e-5)
        assert d.baseline + sum(d.rating_terms.values()) == pytest.approx(d.prediction, abs=1e-9)
        assert sum(d.logit_terms.values()) == pytest.approx(d.logit, abs=1e-9)
        contrib = trained.user_factors[u].astype(np.float64) * trained.item_factors[i]
        assert d.logit_terms["dot"] == pytest.approx(contrib.sum(), abs=1e-6)
        assert [f for f, _ in d.top_factors] == list(np.argsort(-np.abs(contrib))[:3])
    json.dumps(d.to_json())


def test_decomposition_without_sigmoid():
    rng = np.random.default_rng(1)
    m = MFModel(rng.normal(size=(3, 4)).astype(np.float32), rng.normal(size=(5, 4)).astype(np.float32),
                np.array([0.1, -0.2, 0.3], np.float32), rng.normal(size=5).astype(np.float32), 3.5,
                MFConfig(y_range=None), ["a", "b", "c"], [str(i) for i in range(5)])
    d = m.decompose(1, 2)
    assert d.baseline == pytest.approx(3.5)
    assert d.prediction == pytest.approx(float(m.predict([1], [2])[0]), abs=1e-5)
    assert d.baseline + sum(d.rating_terms.values()) == pytest.approx(d.prediction)
    assert d.rating_terms["user_bias"] == pytest.approx(-0.2)


def test_recommendations_exclude_seen_items(trained):
    user = 0
    seen, _ = trained.seen(user)
    assert len(seen) > 0
    recs = trained.recommend(user, n=20)
    assert len(recs) == 20
    assert not set(i for i, _ in recs) & set(seen.tolist())
    scores = [s for _, s in recs]
    assert scores == sorted(scores, reverse=True)
    all_scores = trained.user_scores(user).astype(np.float64)
    unseen = np.setdiff1d(np.arange(trained.n_items), seen)
    assert recs[0][1] == pytest.approx(all_scores[unseen].max())
    with_seen = trained.recommend(user, n=20, exclude_seen=False)
    assert with_seen[0][1] == pytest.approx(all_scores.max())
    top_all = set(np.argsort(-all_scores)[:20].tolist())
    assert set(i for i, _ in with_seen) == top_all


def test_similar_items_and_users_by_cosine(trained):
    item = int(np.argmax(trained.item_meta["counts"]))
    sims = trained.similar_items(item, 5)
    assert item not in [i for i, _ in sims] and len(sims) == 5
    unit = trained.item_factors / np.linalg.norm(trained.item_factors, axis=1, keepdims=True)
    cos = unit @ unit[item]
    cos[item] = -np.inf
    assert sims[0][0] == int(np.argmax(cos)) and sims[0][1] == pytest.approx(cos.max(), abs=1e-5)
    users = trained.similar_users(0, 3)
    assert len(users) == 3 and all(u != 0 for u, _ in users)


@pytest.mark.parametrize("y_range", [(0.0, 5.5), None])
def test_fold_in_recovers_known_user(y_range):
    rng = np.random.default_rng(5)
    k, n_items = 6, 120
    M = rng.normal(0, 0.6, (n_items, k)).astype(np.float32)
    bm = rng.normal(0, 0.3, n_items).astype(np.float32)
    true_u = rng.normal(0, 0.5, k)
    true_b = 0.4
    model = MFModel(np.zeros((1, k), np.float32), M, np.zeros(1, np.float32), bm, 0.0,
                    MFConfig(n_factors=k, y_range=y_range), ["0"], [str(i) for i in range(n_items)])
    rated = rng.choice(n_items, 40, replace=False)
    ratings = model.scores_for_vector(true_u.astype(np.float32), true_b)[rated].astype(np.float64)
    vec, bias = model.fold_in(rated, ratings, reg=1e-6)
    np.testing.assert_allclose(vec, true_u, atol=1e-3)
    assert bias == pytest.approx(true_b, abs=1e-3)
    # with a real penalty the vector shrinks but predictions stay close
    vec2, _ = model.fold_in(rated, ratings, reg=1.0)
    assert np.linalg.norm(vec2) < np.linalg.norm(vec)
    recs = model.recommend_for_vector(vec, bias, n=5, exclude=rated)
    assert not set(i for i, _ in recs) & set(rated.tolist())


def test_fold_in_on_trained_model_predicts_the_users_taste(ml100k, trained):
    # re-fit an existing user from their own training ratings: the fitted user scores
    # items much like the trained vector does
    user = 5
    items, ratings = trained.seen(user)
    vec, bias = trained.fold_in(items, ratings)
    a = trained.user_scores(user)
    b = trained.scores_for_vector(vec, bias)
    assert np.corrcoef(a, b)[0, 1] > 0.9


def test_save_load_round_trip(trained, tmp_path):
    path = tmp_path / "model.npz"
    trained.save(path)
    with np.load(path, allow_pickle=False) as z:  # no pickled objects inside
        assert "meta_json" in z.files
    m = MFModel.load(path)
    np.testing.assert_array_equal(m.item_factors, trained.item_factors)
    np.testing.assert_array_equal(m.user_bias, trained.user_bias)
    assert m.user_ids == trained.user_ids and m.titles == trained.titles
    assert m.config == trained.config
    assert [h.valid_rmse for h in m.history] == [h.valid_rmse for h in trained.history]
    assert m.user_meta["occupation"] == trained.user_meta["occupation"]
    np.testing.assert_array_equal(m.item_meta["counts"], trained.item_meta["counts"])
    assert m.recommend(3, 10) == trained.recommend(3, 10)
    np.testing.assert_array_equal(m.seen(3)[0], trained.seen(3)[0])
    assert list(tmp_path.iterdir()) == [path]  # atomic write leaves no temporary file


def test_load_rejects_other_files(tmp_path):
    bad = tmp_path / "x.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(DataError):
        MFModel.load(bad)
    np.savez(tmp_path / "y.npz", a=np.zeros(3))
    with pytest.raises(DataError):
        MFModel.load(tmp_path / "y.npz")


def test_embedding_sets(ml100k, trained):
    items = trained.item_embeddings()
    assert items.kind == "item" and items.n == ml100k.n_items and items.dims == 50
    assert len(set(items.labels)) == items.n
    star_wars = ml100k.item_index["50"]
    assert items.labels[star_wars] == ml100k.titles[star_wars]
    genre = items.metadata["genre"]
    assert genre.kind == "categorical"
    assert genre.value(star_wars) == ml100k.main_genres()[star_wars]
    counts = items.metadata["ratings"]
    assert counts.kind == "numeric" and counts.values.sum() == 80_000
    assert items.metadata["year"].values[star_wars] == 1977
    assert items.metadata["mean rating"].kind == "numeric"
    users = trained.user_embeddings()
    assert users.kind == "user" and users.n == 943
    assert users.metadata["occupation"].value(0) == ml100k.user_meta["occupation"][0]
    assert users.metadata["ratings"].values.sum() == 80_000


def test_ratings_without_metadata_train(tmp_path):
    rng = np.random.default_rng(0)
    n = 400
    r = Ratings(rng.integers(0, 20, n).astype(np.int32), rng.integers(0, 30, n).astype(np.int32),
                rng.integers(1, 6, n).astype(np.float32), None, [str(i) for i in range(20)],
                [str(i) for i in range(30)])
    m = train(r, MFConfig(n_factors=4, epochs=2))
    assert np.isfinite(m.item_factors).all()
    emb = m.item_embeddings()
    assert emb.labels[0] == "item 0"
    m.save(tmp_path / "m.npz")
    assert MFModel.load(tmp_path / "m.npz").n_items == 30


def test_extreme_biases_and_most_rated(trained):
    low, high = trained.extreme_biases(5, min_ratings=20)
    counts = trained.item_meta["counts"]
    assert all(counts[i] >= 20 for i, _ in low + high)
    assert [b for _, b in low] == sorted(b for _, b in low)
    eligible = trained.item_bias[counts >= 20]
    assert low[0][1] == pytest.approx(eligible.min()) and high[0][1] == pytest.approx(eligible.max())
    top = trained.most_rated(10)
    assert counts[top[0]] == counts.max() and list(counts[top]) == sorted(counts[top], reverse=True)
    emb = trained.item_embeddings(top_n=10)
    assert emb.n == 10 and emb.metadata["ratings"].values[0] == counts.max()


def test_spark_als_factors(tmp_path, ml100k):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    rng = np.random.default_rng(0)
    k = 4
    users = [3, 1, 2]
    items = [50, 1, 181, 99999]
    U = rng.normal(size=(3, k)).astype(np.float32)
    M = rng.normal(size=(4, k)).astype(np.float32)
    for name, ids, mat in (("userFactors", users, U), ("itemFactors", items, M)):
        folder = tmp_path / "als" / name
        folder.mkdir(parents=True)
        (folder / "_SUCCESS").write_bytes(b"")
        table = pa.table({"id": pa.array(ids, pa.int32()),
                          "features": pa.array(mat.tolist(), pa.list_(pa.float32()))})
        pq.write_table(table, folder / "part-00000.parquet")
    from embexplorer.core.recommender.mf import load_spark_als

    m = load_spark_als(tmp_path / "als", data=ml100k)
    assert m.user_ids == ["1", "2", "3"] and m.item_ids == ["1", "50", "181", "99999"]
    np.testing.assert_allclose(m.user_factors[m.user_row("3")], U[0])
    np.testing.assert_allclose(m.item_factors[m.item_row("181")], M[2])
    # plain dot product, as Spark predicts
    assert m.predict([0], [1])[0] == pytest.approx(float(U[1] @ M[0]), rel=1e-5)
    assert m.titles[m.item_row("50")] == "Star Wars (1977)" and m.titles[3] == ""
    rated = set(m.seen(m.user_row("1"))[0].tolist())
    assert m.item_row("1") in rated  # user 1 rated movie 1 in u.data
    assert not rated & {i for i, _ in m.recommend(m.user_row("1"), 4)}
    with pytest.raises(DataError, match="not a Spark ALS"):
        load_spark_als(tmp_path)


def test_sparse_updates_touch_only_batch_rows_and_learn(ml100k, u1):
    from embexplorer.core.recommender.mf import _Params, _sparse_step

    rng = np.random.default_rng(0)
    params = _Params(10, 12, 3, True)
    params.flat[:] = rng.normal(0, 0.1, params.flat.shape)
    before = params.flat.copy()
    _, m1 = params.zeros_like()
    _, m2 = params.zeros_like()
    users, items = np.array([1, 1, 4]), np.array([2, 7, 7])
    _sparse_step(params.views, m1, m2, users, items, np.array([5.0, 1.0, 3.0]), MFConfig(), 1e-2, 1)
    changed_u = np.flatnonzero((params.views["U"] != before[:30].reshape(10, 3)).any(axis=1))
    assert changed_u.tolist() == [1, 4]
    base = float(np.sqrt(np.mean((ml100k.ratings[u1.test] - ml100k.ratings[u1.train].mean()) ** 2)))
    m = train(ml100k, MFConfig(sparse=True, epochs=QUICK_EPOCHS), u1.train, u1.test)
    assert m.history[-1].valid_rmse < 0.85 * base


def test_user_ratings_table(ml100k, u1, trained):
    items, ratings, preds = trained.user_ratings(0)
    mask = ml100k.users[u1.train] == 0
    assert sorted(items.tolist()) == sorted(ml100k.items[u1.train][mask].tolist())
    lookup = dict(zip(ml100k.items[u1.train][mask].tolist(), ml100k.ratings[u1.train][mask].tolist()))
    assert all(lookup[i] == r for i, r in zip(items.tolist(), ratings.tolist()))
    np.testing.assert_allclose(preds, trained.user_scores(0)[items], rtol=1e-5)


def test_movie_frames_align_epoch_to_epoch(ml100k, u1):
    from embexplorer.core.recommender.mf import MovieFrames

    snaps = []
    train(ml100k, MFConfig(n_factors=16, epochs=3), u1.train, on_epoch=lambda s, m: snaps.append(m))
    frames = MovieFrames(top_n=300)
    emb1, xy1 = frames.update(snaps[1])
    emb2, xy2 = frames.update(snaps[2])
    assert emb2.n == 300 and xy2.shape == (300, 2) and emb1.labels == emb2.labels
    raw = frames.pca.coords[:, :2]
    # aligned is at least as close to the previous frame as the raw PCA output (same spread)
    assert np.linalg.norm(xy2 - xy1) <= np.linalg.norm(raw - xy1) + 1e-4
    np.testing.assert_allclose(np.linalg.norm(xy2, axis=1), np.linalg.norm(raw, axis=1), rtol=1e-4, atol=1e-5)
    d = frames.direction(snaps[2].user_factors[0])
    assert d.shape == (2,) and np.linalg.norm(d) == pytest.approx(1.0, abs=1e-5)
    # the direction turns with the points: projecting the movie vectors the same way gives xy2 (centred)
    centred = frames.pca.components[:2] @ (emb2.vectors[0] - frames.pca.mean)
    np.testing.assert_allclose(centred @ frames._turn, xy2[0], atol=1e-3)
