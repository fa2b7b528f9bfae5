"""The training loop: mini-batch AdamW under a one-cycle schedule, a model snapshot after every epoch.

:func:`train` runs in the calling thread (run it off the UI thread); progress and cancellation
between batches, ``on_epoch`` callbacks with a copy of the model.  Import it from
:mod:`embexplorer.core.recommender.mf`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from embexplorer.core.errors import DataError
from embexplorer.core.progress import Cancelled, TaskControl, ensure_control
from embexplorer.core.recommender._mf_config import (
    ADAM_BETAS,
    ADAM_EPS,
    CHECK_EVERY_BATCHES,
    EpochStats,
    MFConfig,
)
from embexplorer.core.recommender._mf_math import _lr_at, _Params, _sparse_step, loss_and_grads
from embexplorer.core.recommender._mf_model import MFModel, _seen_csr


def _metadata_from(data, users: np.ndarray, items: np.ndarray, ratings: np.ndarray):
    """Item and user metadata dicts from a Ratings (counts/means from the training ratings)."""
    n_users, n_items = data.n_users, data.n_items
    r64 = ratings.astype(np.float64)
    ic = np.bincount(items, minlength=n_items)
    uc = np.bincount(users, minlength=n_users)
    with np.errstate(invalid="ignore", divide="ignore"):
        im = np.where(ic > 0, np.bincount(items, r64, n_items) / np.maximum(ic, 1), np.nan)
        um = np.where(uc > 0, np.bincount(users, r64, n_users) / np.maximum(uc, 1), np.nan)
    item_meta = {"years": np.asarray(data.years, dtype=np.float64),
                 "genres": [data.item_genre_text(i) for i in range(n_items)]
                 if data.genres.shape[1] else [""] * n_items,
                 "main_genre": data.main_genres(), "counts": ic.astype(np.float64), "means": im}
    user_meta = {k: list(v) for k, v in data.user_meta.items()}
    user_meta["counts"] = uc.astype(np.float64)
    user_meta["means"] = um
    return item_meta, user_meta


def train(data, config: MFConfig | None = None, train_rows=None, valid_rows=None,
          control: TaskControl | None = None,
          on_epoch: Callable[[EpochStats, MFModel], None] | None = None) -> MFModel:
    """Train the model on a :class:`~embexplorer.core.recommender.movielens.Ratings`.

    Parameters
    ----------
    data : Ratings
    config : MFConfig, optional
    train_rows, valid_rows : int arrays, optional
        Rows of ``data`` to train on / to report validation error on
        (default: all rows, no validation), e.g. from ``split_ratings``.
    control : TaskControl, optional
        Progress within epochs; cancellation is honoured between batches.
    on_epoch : callable, optional
        ``on_epoch(stats, snapshot)`` after every epoch, from the training thread;
        ``snapshot`` is a copy of the model at that point.

    Returns
    -------
    MFModel
        When cancelled after at least one epoch, the model of the last
        completed epoch with ``info["cancelled"] = True``; when cancelled
        before that, :class:`~embexplorer.core.progress.Cancelled` propagates.
    """
    config = config or MFConfig()
    config.validate()
    control = ensure_control(control)
    rows = np.arange(len(data)) if train_rows is None else np.asarray(train_rows, dtype=np.int64)
    if len(rows) == 0:
        raise DataError("no training ratings", data.source or None)
    users = data.users[rows].astype(np.int64)
    items = data.items[rows].astype(np.int64)
    ratings = data.ratings[rows].astype(np.float32)
    if valid_rows is not None and len(valid_rows):
        vrows = np.asarray(valid_rows, dtype=np.int64)
        vu, vi, vr = data.users[vrows], data.items[vrows], data.ratings[vrows]
    else:
        vu = vi = vr = None
    n_users, n_items, k = data.n_users, data.n_items, config.n_factors
    rng = np.random.default_rng(config.seed)
    params = _Params(n_users, n_items, k, config.use_bias)
    V = params.views
    V["U"][:] = rng.normal(0.0, config.init_std, (n_users, k))
    V["M"][:] = rng.normal(0.0, config.init_std, (n_items, k))
    m1, M1 = params.zeros_like()
    m2, M2 = params.zeros_like()
    gflat, G = params.zeros_like()
    tmp = np.empty_like(params.flat)
    b1, b2 = ADAM_BETAS
    bs = config.batch_size
    n = len(ratings)
    n_batches = (n + bs - 1) // bs
    total = config.epochs * n_batches
    item_meta, user_meta = _metadata_from(data, users, items, ratings)
    indptr, seen_items, seen_ratings = _seen_csr(users, items, ratings, n_users)

    def snapshot(history) -> MFModel:
        zeros_u = np.zeros(n_users, dtype=np.float32)
        zeros_i = np.zeros(n_items, dtype=np.float32)
        return MFModel(V["U"].copy(), V["M"].copy(),
                       V["bu"].copy() if config.use_bias else zeros_u,
                       V["bm"].copy() if config.use_bias else zeros_i,
                       0.0, config,
                       data.user_ids, data.item_ids, data.titles, item_meta, user_meta,
                       indptr, seen_items, seen_ratings, list(history),
                       {"source": data.source, "layout": data.layout, "n_train": int(n),
                        "n_valid": 0 if vr is None else int(len(vr)),
                        "warnings": list(getattr(data, "warnings", []))})

    history: list[EpochStats] = []
    last_good: MFModel | None = None
    step = 0
    try:
        for epoch in range(1, config.epochs + 1):
            t0 = time.perf_counter()
            perm = rng.permutation(n)
            loss_sum = 0.0
            for b in range(n_batches):
                idx = perm[b * bs:(b + 1) * bs]
                step += 1
                lr = _lr_at(config, step, total)
                if config.sparse:
                    loss_sum += _sparse_step(V, M1, M2, users[idx], items[idx], ratings[idx], config,
                                             lr, step) * len(idx)
                    if b % CHECK_EVERY_BATCHES == 0:
                        control.progress(step / total, f"epoch {epoch}/{config.epochs}")
                    continue
                loss, grads = loss_and_grads(V, users[idx], items[idx], ratings[idx], config.y_range)
                loss_sum += loss * len(idx)
                for name, gval in grads.items():
                    G[name][...] = gval
                # AdamW (fastai flavour): decoupled decay, bias-corrected moments
                if config.weight_decay:
                    params.flat *= 1.0 - lr * config.weight_decay
                m1 *= b1
                m1 += (1 - b1) * gflat
                np.multiply(gflat, gflat, out=tmp)
                tmp *= 1 - b2
                m2 *= b2
                m2 += tmp
                debias1 = 1 - b1 ** step
                debias2 = 1 - b2 ** step
                np.divide(m2, debias2, out=tmp)
                np.sqrt(tmp, out=tmp)
                tmp += ADAM_EPS
                np.divide(m1, tmp, out=tmp)
                tmp *= lr / debias1
                params.flat -= tmp
                if b % CHECK_EVERY_BATCHES == 0:
                    control.progress(step / total, f"epoch {epoch}/{config.epochs}")
            seconds = time.perf_counter() - t0
            if not np.isfinite(params.flat).all():
                raise DataError(f"training diverged in epoch {epoch} (try a smaller learning rate)")
            model = snapshot(history)
            mse, rmse = (model.evaluate(vu, vi, vr) if vr is not None else (float("nan"), float("nan")))
            stats = EpochStats(epoch, config.epochs, loss_sum / n, mse, rmse, seconds)
            history.append(stats)
            model.history = list(history)
            model.info["train_seconds"] = float(sum(h.seconds for h in history))
            last_good = model
            if on_epoch is not None:
                on_epoch(stats, model.copy())
            control.progress(step / total, f"epoch {epoch}/{config.epochs} done")
    except Cancelled:
        if last_good is None:
            raise
        last_good.info["cancelled"] = True
        return last_good
    return last_good
