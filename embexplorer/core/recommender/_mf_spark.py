"""Factors trained elsewhere: a Spark MLlib ALS model saved as Parquet (needs pyarrow).

Import :func:`load_spark_als` from :mod:`embexplorer.core.recommender.mf`.
"""

from __future__ import annotations

import os

import numpy as np

from embexplorer.core.errors import DataError
from embexplorer.core.recommender._mf_config import MFConfig
from embexplorer.core.recommender._mf_model import MFModel, _seen_csr


def _read_spark_factors(folder, path) -> tuple[list[str], np.ndarray]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(folder)
    except Exception as err:  # pyarrow raises several types for unreadable data
        raise DataError(f"cannot read Parquet factors: {err}", folder) from None
    if "id" not in table.column_names or "features" not in table.column_names:
        raise DataError("expected columns 'id' and 'features' (Spark ALS factors)", folder)
    ids = np.asarray(table.column("id").to_numpy(zero_copy_only=False))
    feats = table.column("features").combine_chunks()
    lengths = np.asarray(feats.value_lengths().to_numpy(zero_copy_only=False))
    if len(lengths) == 0:
        raise DataError("no factors", folder)
    if (lengths != lengths[0]).any():
        raise DataError("factor vectors differ in length", folder)
    vectors = np.asarray(feats.flatten().to_numpy(zero_copy_only=False), dtype=np.float32)
    vectors = vectors.reshape(len(ids), int(lengths[0]))
    order = np.argsort(ids, kind="stable")
    return [str(i) for i in ids[order].tolist()], np.ascontiguousarray(vectors[order])


def load_spark_als(path: str | os.PathLike, data=None) -> MFModel:
    """Read a Spark MLlib ALS model saved with ``model.save(path)`` (needs pyarrow).

    ALS predicts the plain dot product, so the model has no sigmoid range and
    no biases.  ``data`` (a :class:`~embexplorer.core.recommender.movielens.Ratings` with
    the same ids) adds titles, metadata and the already-rated items.
    """
    from pathlib import Path

    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise DataError("reading Spark ALS factors needs pyarrow (pip install pyarrow)", path) from None
    root = Path(path)
    for part in ("userFactors", "itemFactors"):
        if not (root / part).is_dir():
            raise DataError(f"not a Spark ALS model folder (no {part}/)", path)
    user_ids, U = _read_spark_factors(root / "userFactors", path)
    item_ids, M = _read_spark_factors(root / "itemFactors", path)
    if U.shape[1] != M.shape[1]:
        raise DataError(f"user factors have rank {U.shape[1]}, item factors {M.shape[1]}", path)
    config = MFConfig(n_factors=U.shape[1], y_range=None, use_bias=False)
    model = MFModel(U, M, np.zeros(len(user_ids), np.float32), np.zeros(len(item_ids), np.float32), 0.0,
                    config, user_ids, item_ids, info={"source": str(root), "layout": "spark-als"})
    if data is not None:
        pos = [data.item_index.get(i) for i in item_ids]
        model.titles = [data.titles[p] if p is not None else "" for p in pos]
        # data indices -> model rows (-1: not in the model)
        upos = {u: k for k, u in enumerate(user_ids)}
        ipos = {i: k for k, i in enumerate(item_ids)}
        umap = np.array([upos.get(u, -1) for u in data.user_ids], dtype=np.int64)
        imap = np.array([ipos.get(i, -1) for i in data.item_ids], dtype=np.int64)
        mu, mi = umap[data.users], imap[data.items]
        keep = (mu >= 0) & (mi >= 0)
        mu, mi, mr = mu[keep], mi[keep], data.ratings[keep]
        model.seen_indptr, model.seen_items, model.seen_ratings = _seen_csr(mu, mi, mr, len(user_ids))
        ic = np.bincount(mi, minlength=len(item_ids)).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            im = np.where(ic > 0, np.bincount(mi, mr.astype(np.float64), len(item_ids)) / np.maximum(ic, 1),
                          np.nan)
        genres_of = [data.item_genre_text(p) if p is not None and data.genres.shape[1] else "" for p in pos]
        main = data.main_genres()
        model.item_meta = {"counts": ic, "means": im, "genres": genres_of,
                           "main_genre": [main[p] if p is not None else "" for p in pos],
                           "years": np.array([data.years[p] if p is not None else np.nan for p in pos])}
    return model
