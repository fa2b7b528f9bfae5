"""The trained matrix-factorisation model: predictions, explanations, recommendations, persistence.

:class:`MFModel` explains scores (:meth:`MFModel.decompose`), recommends, finds similar users and
items, folds in a new user from a few ratings (:meth:`MFModel.fold_in`), saves to ``.npz`` with
JSON metadata (no pickle) and turns into :class:`~embexplorer.core.data.embeddings.EmbeddingSet`
objects.  Import it from :mod:`embexplorer.core.recommender.mf`.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field

import numpy as np

from embexplorer.core.atomic import atomic_write
from embexplorer.core.data.embeddings import EmbeddingSet, MetadataColumn, cached_row_index
from embexplorer.core.errors import DataError
from embexplorer.core.recommender._mf_config import (
    FOLD_IN_ITERATIONS,
    FOLD_IN_REG,
    LOGIT_CLIP,
    MODEL_FORMAT_VERSION,
    PREDICT_CHUNK,
    EpochStats,
    MFConfig,
)
from embexplorer.core.recommender._mf_math import _sigmoid, forward
from embexplorer.core.recommender.factors import UserItemFactors


@dataclass
class Decomposition:
    """A predicted score split into its parts.

    ``logit_terms`` (global, user bias, movie bias, dot product) sum to
    ``logit``; ``rating_terms`` attribute the prediction in rating units,
    adding user bias, movie bias, then the dot product one by one through the
    squashing function, starting from ``baseline`` (the prediction at logit =
    global offset: the middle of the range for sigmoid models trained here), so
    ``baseline + sum(rating_terms.values()) == prediction`` exactly.
    ``top_factors`` are the (factor index, ``u_f * m_f``) with the largest
    absolute contribution to the dot product.
    """

    user: int
    item: int
    prediction: float
    logit: float
    baseline: float
    logit_terms: dict[str, float]
    rating_terms: dict[str, float]
    top_factors: list[tuple[int, float]]

    def to_json(self) -> dict:
        d = asdict(self)
        d["top_factors"] = [[int(f), float(c)] for f, c in self.top_factors]
        return d


@dataclass
class MFModel(UserItemFactors):
    """A trained (or being-trained) dot-product-plus-biases model.

    Attributes
    ----------
    user_factors, item_factors : float32 arrays (n_users, k), (n_items, k)
    user_bias, item_bias : float32 arrays (zeros when biases are off)
    global_bias : float
    config : MFConfig
    user_ids, item_ids : list of str
    titles : list of str
    item_meta : dict
        ``years`` (float), ``genres`` (list of "a|b" strings), ``main_genre``,
        ``counts`` / ``means`` (ratings seen in training).
    user_meta : dict
        ``age``, ``gender``, ``occupation`` where known; ``counts``, ``means``.
    seen_indptr, seen_items, seen_ratings : arrays
        Training ratings per user (CSR), used to exclude already-rated items.
    history : list of EpochStats
    info : dict
        Dataset name, split, timings and anything else worth keeping.
    """

    user_factors: np.ndarray
    item_factors: np.ndarray
    user_bias: np.ndarray
    item_bias: np.ndarray
    global_bias: float
    config: MFConfig
    user_ids: list[str]
    item_ids: list[str]
    titles: list[str] = field(default_factory=list)
    item_meta: dict = field(default_factory=dict)
    user_meta: dict = field(default_factory=dict)
    seen_indptr: np.ndarray | None = None
    seen_items: np.ndarray | None = None
    seen_ratings: np.ndarray | None = None
    history: list[EpochStats] = field(default_factory=list)
    info: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.titles:
            self.titles = [""] * len(self.item_ids)
        if self.seen_indptr is None:
            self.seen_indptr = np.zeros(len(self.user_ids) + 1, dtype=np.int64)
            self.seen_items = np.zeros(0, dtype=np.int32)
            self.seen_ratings = np.zeros(0, dtype=np.float32)

    # -- sizes and lookup (n_users, n_items, n_factors: UserItemFactors) --------
    @property
    def y_range(self) -> tuple[float, float] | None:
        return self.config.y_range

    user_index = cached_row_index("user_ids", "Raw user id -> index.")
    item_index = cached_row_index("item_ids", "Raw item id -> index.")

    def user_row(self, user_id: str) -> int:
        """Index of a raw user id; raises KeyError."""
        return self.user_index[str(user_id)]

    def item_row(self, item_id: str) -> int:
        """Index of a raw item id; raises KeyError."""
        return self.item_index[str(item_id)]

    def seen(self, user: int) -> tuple[np.ndarray, np.ndarray]:
        """Items the user rated in training and their ratings."""
        a, b = self.seen_indptr[user], self.seen_indptr[user + 1]
        return self.seen_items[a:b], self.seen_ratings[a:b]

    def user_ratings(self, user: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The user's training ratings with the model's predictions: (items, ratings, predictions).

        The per-user panel's table (error = prediction - rating).
        """
        items, ratings = self.seen(user)
        preds = self.predict(np.full(len(items), user), items)
        return items, ratings, preds

    # -- prediction --------------------------------------------------------------
    def _squash(self, z):
        if self.y_range is None:
            return z
        lo, hi = self.y_range
        return lo + (hi - lo) * _sigmoid(np.asarray(z, dtype=np.float64))

    def predict(self, users, items) -> np.ndarray:
        """Predicted ratings for (user index, item index) pairs (float32)."""
        users = np.asarray(users, dtype=np.int64)
        items = np.asarray(items, dtype=np.int64)
        out = np.empty(len(users), dtype=np.float32)
        for a in range(0, len(users), PREDICT_CHUNK):
            u, i = users[a:a + PREDICT_CHUNK], items[a:a + PREDICT_CHUNK]
            _, p = forward(self.user_factors, self.item_factors, self.user_bias, self.item_bias,
                           self.global_bias, u, i, self.y_range)
            out[a:a + len(u)] = p
        return out

    def scores_for_vector(self, vector: np.ndarray, bias: float = 0.0) -> np.ndarray:
        """Predicted rating of every item for a user given by ``vector`` and ``bias``."""
        z = self.item_factors @ np.asarray(vector, dtype=np.float32)
        z = z + self.item_bias + (bias + self.global_bias)
        return np.asarray(self._squash(z), dtype=np.float32)

    def user_scores(self, user: int) -> np.ndarray:
        """Predicted rating of every item for user index ``user``."""
        return self.scores_for_vector(self.user_factors[user], float(self.user_bias[user]))

    def evaluate(self, users, items, ratings) -> tuple[float, float]:
        """(MSE, RMSE) on the given ratings."""
        if len(ratings) == 0:
            return float("nan"), float("nan")
        err = self.predict(users, items).astype(np.float64) - np.asarray(ratings, dtype=np.float64)
        mse = float(np.mean(err ** 2))
        return mse, math.sqrt(mse)

    # -- explanations ------------------------------------------------------------
    def decompose(self, user: int, item: int, top: int = 3,
                  vector: np.ndarray | None = None, bias: float | None = None) -> Decomposition:
        """Split the score of ``item`` for ``user`` into its parts.

        ``vector`` / ``bias`` override the user's (for a folded-in user; pass ``user=-1``).
        """
        u = self.user_factors[user] if vector is None else np.asarray(vector, dtype=np.float32)
        bu = (float(self.user_bias[user]) if user >= 0 else 0.0) if bias is None else float(bias)
        contrib = u.astype(np.float64) * self.item_factors[item].astype(np.float64)
        terms = {"global": float(self.global_bias), "user_bias": bu,
                 "item_bias": float(self.item_bias[item]), "dot": float(contrib.sum())}
        logit = float(sum(terms.values()))
        acc = terms["global"]
        baseline = float(self._squash(acc)) if self.y_range is not None else acc
        rating_terms, prev = {}, baseline
        for name in ("user_bias", "item_bias", "dot"):
            acc += terms[name]
            cur = float(self._squash(acc)) if self.y_range is not None else acc
            rating_terms[name] = cur - prev
            prev = cur
        order = np.argsort(-np.abs(contrib))[:top]
        return Decomposition(int(user), int(item), prev, logit, baseline, terms, rating_terms,
                             [(int(f), float(contrib[f])) for f in order])

    def recommend(self, user: int, n: int = 10, exclude_seen: bool = True) -> list[tuple[int, float]]:
        """Top-``n`` (item index, predicted rating) for user index ``user``."""
        scores = self.user_scores(user)
        exclude = self.seen(user)[0] if exclude_seen else None
        return self._top(scores, n, exclude)

    def recommend_for_vector(self, vector, bias: float = 0.0, n: int = 10,
                             exclude=None) -> list[tuple[int, float]]:
        """Top-``n`` items for a user given by a vector (e.g. from :meth:`fold_in`)."""
        return self._top(self.scores_for_vector(vector, bias), n, exclude)

    @staticmethod
    def _top(scores: np.ndarray, n: int, exclude) -> list[tuple[int, float]]:
        scores = scores.astype(np.float64, copy=True)
        if exclude is not None and len(exclude):
            scores[np.asarray(exclude, dtype=np.int64)] = -np.inf
        n = max(0, min(n, int(np.isfinite(scores).sum())))
        if n == 0:
            return []
        part = np.argpartition(-scores, n - 1)[:n]
        part = part[np.lexsort((part, -scores[part]))]  # by score, ties by index (stable output)
        return [(int(i), float(scores[i])) for i in part]

    @staticmethod
    def _cosine_top(matrix: np.ndarray, row: int, n: int) -> list[tuple[int, float]]:
        norms = np.linalg.norm(matrix, axis=1)
        q = matrix[row]
        qn = norms[row]
        with np.errstate(invalid="ignore", divide="ignore"):
            sims = (matrix @ q) / (norms * qn)
        sims = np.where(np.isfinite(sims), sims, -np.inf).astype(np.float64)
        sims[row] = -np.inf
        return MFModel._top(sims, n, None)

    def similar_items(self, item: int, n: int = 10) -> list[tuple[int, float]]:
        """Items closest to ``item`` by cosine of their factor vectors."""
        return self._cosine_top(self.item_factors, item, n)

    def similar_users(self, user: int, n: int = 10) -> list[tuple[int, float]]:
        """Users closest to ``user`` by cosine of their factor vectors."""
        return self._cosine_top(self.user_factors, user, n)

    # -- cold start ------------------------------------------------------------
    def fold_in(self, items, ratings, reg: float = FOLD_IN_REG) -> tuple[np.ndarray, float]:
        """Fit a new user's vector and bias to a few ratings, movies fixed.

        Regularised least squares: for the linear model the ridge solution; for
        the sigmoid model a ridge fit of the logits of the ratings, refined by
        Gauss-Newton steps on the squared error in rating units.

        Parameters
        ----------
        items : int array
            Item indices rated.
        ratings : float array
        reg : float
            Ridge penalty on the vector (and the bias).

        Returns
        -------
        vector : float32 array (k,)
        bias : float (0 when the model has no biases)
        """
        items = np.asarray(items, dtype=np.int64)
        r = np.asarray(ratings, dtype=np.float64)
        if len(items) != len(r):
            raise ValueError("items and ratings differ in length")
        k = self.n_factors
        use_bias = self.config.use_bias
        if len(items) == 0:
            return np.zeros(k, dtype=np.float32), 0.0
        A = self.item_factors[items].astype(np.float64)
        if use_bias:
            A = np.hstack([A, np.ones((len(items), 1))])
        offset = self.item_bias[items].astype(np.float64) + self.global_bias
        eye = reg * np.eye(A.shape[1])
        if self.y_range is None:
            x = np.linalg.solve(A.T @ A + eye, A.T @ (r - offset))
        else:
            lo, hi = self.y_range
            s = np.clip((r - lo) / (hi - lo), LOGIT_CLIP, 1 - LOGIT_CLIP)
            x = np.linalg.solve(A.T @ A + eye, A.T @ (np.log(s / (1 - s)) - offset))
            # Gauss-Newton on sum (pred - r)^2 + reg |x|^2 (reg scaled to rating units)
            span = hi - lo
            for _ in range(FOLD_IN_ITERATIONS):
                z = A @ x + offset
                sg = _sigmoid(z)
                pred = lo + span * sg
                J = A * (span * sg * (1 - sg))[:, None]
                grad = J.T @ (pred - r) + reg * x
                H = J.T @ J + reg * np.eye(A.shape[1])
                step = np.linalg.solve(H, grad)
                x = x - step
                if np.max(np.abs(step)) < 1e-9:
                    break
        vector = x[:k].astype(np.float32)
        bias = float(x[k]) if use_bias else 0.0
        return vector, bias

    def extreme_biases(self, n: int = 10, min_ratings: int = 0
                       ) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        """The ``n`` lowest and ``n`` highest movie biases (fastai's "liked regardless of taste").

        ``min_ratings`` skips movies with fewer training ratings (their biases are mostly noise).
        Returns (lowest ascending, highest descending) lists of (item index, bias).
        """
        counts = np.asarray(self.item_meta.get("counts", np.full(self.n_items, np.inf)))
        rows = np.flatnonzero(counts >= min_ratings)
        order = rows[np.argsort(self.item_bias[rows], kind="stable")]
        low = [(int(i), float(self.item_bias[i])) for i in order[:n]]
        high = [(int(i), float(self.item_bias[i])) for i in order[::-1][:n]]
        return low, high

    def most_rated(self, n: int) -> np.ndarray:
        """Indices of the ``n`` items with most training ratings (fastai shows 1,000), most first."""
        counts = np.asarray(self.item_meta.get("counts", np.zeros(self.n_items)))
        return np.argsort(-counts, kind="stable")[:n]

    # -- embedding sets -------------------------------------------------------
    def _item_labels(self) -> list[str]:
        titles = [t or f"item {i}" for t, i in zip(self.titles, self.item_ids)]
        seen: dict[str, int] = {}
        for t in titles:
            seen[t] = seen.get(t, 0) + 1
        return [t if seen[t] == 1 else f"{t} [{i}]" for t, i in zip(titles, self.item_ids)]

    def item_embeddings(self, top_n: int | None = None) -> EmbeddingSet:
        """Movie vectors as an item :class:`EmbeddingSet` (labels: titles, made unique with the id).

        Metadata: ``genre`` (first listed genre), ``genres``, ``year``, ``ratings`` (count
        in training), ``mean rating``, ``bias`` and ``id``.  With ``top_n``, only the
        ``top_n`` most-rated movies, most rated first.
        """
        meta = {"genre": MetadataColumn.categorical("genre", list(self.item_meta.get(
                    "main_genre", [""] * self.n_items))),
                "genres": MetadataColumn.categorical("genres", list(self.item_meta.get(
                    "genres", [""] * self.n_items))),
                "year": MetadataColumn.numeric("year", np.asarray(self.item_meta.get(
                    "years", np.full(self.n_items, np.nan)), dtype=np.float64)),
                "ratings": MetadataColumn.numeric("ratings", np.asarray(self.item_meta.get(
                    "counts", np.zeros(self.n_items)), dtype=np.float64)),
                "mean rating": MetadataColumn.numeric("mean rating", np.asarray(self.item_meta.get(
                    "means", np.full(self.n_items, np.nan)), dtype=np.float64)),
                "bias": MetadataColumn.numeric("bias", self.item_bias.astype(np.float64)),
                "id": MetadataColumn.categorical("id", list(self.item_ids))}
        emb = EmbeddingSet(self._item_labels(), self.item_factors, meta, kind="item",
                           source=self.info.get("source", ""), format="mf")
        return emb if top_n is None else emb.subset(self.most_rated(top_n))

    def user_embeddings(self) -> EmbeddingSet:
        """User vectors as a user :class:`EmbeddingSet` (labels ``user ID``)."""
        meta: dict[str, MetadataColumn] = {}
        if "age" in self.user_meta:
            meta["age"] = MetadataColumn.numeric("age", np.asarray(self.user_meta["age"], dtype=np.float64))
        for key in ("gender", "occupation"):
            if key in self.user_meta:
                meta[key] = MetadataColumn.categorical(key, [str(v) for v in self.user_meta[key]])
        meta["ratings"] = MetadataColumn.numeric("ratings", np.asarray(self.user_meta.get(
            "counts", np.diff(self.seen_indptr)), dtype=np.float64))
        meta["mean rating"] = MetadataColumn.numeric("mean rating", np.asarray(self.user_meta.get(
            "means", np.full(self.n_users, np.nan)), dtype=np.float64))
        meta["bias"] = MetadataColumn.numeric("bias", self.user_bias.astype(np.float64))
        return EmbeddingSet([f"user {u}" for u in self.user_ids], self.user_factors, meta, kind="user",
                            source=self.info.get("source", ""), format="mf")

    # -- persistence -----------------------------------------------------------
    def copy(self) -> MFModel:
        """A snapshot whose arrays the trainer will not touch any more."""
        return MFModel(self.user_factors.copy(), self.item_factors.copy(), self.user_bias.copy(),
                       self.item_bias.copy(), float(self.global_bias), self.config, self.user_ids,
                       self.item_ids, self.titles, self.item_meta, self.user_meta, self.seen_indptr,
                       self.seen_items, self.seen_ratings, list(self.history), dict(self.info))

    def save(self, path: str | os.PathLike) -> None:
        """Write the model to one ``.npz`` (arrays + a JSON document), atomically, without pickle."""
        meta = {"format": "embexplorer-mf", "version": MODEL_FORMAT_VERSION,
                "config": self.config.to_json(), "global_bias": float(self.global_bias),
                "user_ids": self.user_ids, "item_ids": self.item_ids, "titles": self.titles,
                "item_meta": {k: v for k, v in self.item_meta.items() if k in ("genres", "main_genre")},
                "user_meta": {k: list(v) for k, v in self.user_meta.items()
                              if k in ("gender", "occupation")},
                "history": [h.to_json() for h in self.history], "info": self.info}
        arrays = {"user_factors": self.user_factors, "item_factors": self.item_factors,
                  "user_bias": self.user_bias, "item_bias": self.item_bias,
                  "seen_indptr": self.seen_indptr, "seen_items": self.seen_items,
                  "seen_ratings": self.seen_ratings,
                  "meta_json": np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)}
        for key in ("years", "counts", "means"):
            if key in self.item_meta:
                arrays[f"item_{key}"] = np.asarray(self.item_meta[key], dtype=np.float64)
        for key in ("age", "counts", "means"):
            if key in self.user_meta:
                arrays[f"user_{key}"] = np.asarray(self.user_meta[key], dtype=np.float64)
        with atomic_write(path, "wb") as fh:
            np.savez_compressed(fh, **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> MFModel:
        """Read a model written by :meth:`save`; DataError when it is not one."""
        if os.path.isdir(path):
            raise DataError("is a folder, not an embexplorer model file (.npz written by train-mf --out)",
                            path)
        with open(path, "rb") as fh:  # FileNotFoundError as it is
            magic = fh.read(4)
        if magic != b"PK\x03\x04":  # not an .npz: numpy would suggest unpickling it, which we never do
            raise DataError("not an embexplorer model file (.npz written by train-mf --out): "
                            "not a zip archive", path)
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        except Exception as err:  # noqa: BLE001 -- a damaged zip raises BadZipFile, zlib.error, ...
            reason = "an object array that would need unpickling" if "pickle" in str(err) else str(err)
            raise DataError(f"not an embexplorer model file: {reason}", path) from None
        try:
            meta = json.loads(arrays.pop("meta_json").tobytes().decode("utf-8"))
        except (KeyError, ValueError, AttributeError):
            raise DataError("not an embexplorer model file (no metadata)", path) from None
        if not isinstance(meta, dict) or meta.get("format") != "embexplorer-mf":
            raise DataError("not an embexplorer model file", path)
        version = meta.get("version", 0)
        if not isinstance(version, int) or version > MODEL_FORMAT_VERSION:
            raise DataError(f"model file version {version!r} is newer than this program", path)
        try:
            model = cls._from_saved(arrays, meta)
            model.config.validate()
        except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError) as err:
            raise DataError(f"damaged model file: {type(err).__name__}: {err}", path) from None
        problem = model._inconsistency()
        if problem:
            raise DataError(f"model file is inconsistent: {problem}", path)
        return model

    @classmethod
    def _from_saved(cls, arrays: dict, meta: dict) -> MFModel:
        item_meta = dict(meta.get("item_meta", {}))
        user_meta = dict(meta.get("user_meta", {}))
        for key in list(arrays):
            if key.startswith("item_") and key[5:] in ("years", "counts", "means"):
                item_meta[key[5:]] = arrays.pop(key)
            elif key.startswith("user_") and key[5:] in ("age", "counts", "means"):
                user_meta[key[5:]] = arrays.pop(key)
        history = [EpochStats(**{k: (float("nan") if v is None else v) for k, v in h.items()})
                   for h in meta.get("history", [])]
        model = cls(arrays["user_factors"], arrays["item_factors"], arrays["user_bias"],
                    arrays["item_bias"], float(meta["global_bias"]), MFConfig.from_json(meta["config"]),
                    [str(u) for u in meta["user_ids"]], [str(i) for i in meta["item_ids"]],
                    list(meta.get("titles", [])), item_meta, user_meta, arrays["seen_indptr"],
                    arrays["seen_items"], arrays["seen_ratings"], history, dict(meta.get("info", {})))
        return model

    def _inconsistency(self) -> str | None:
        """What makes a loaded model unusable (shapes, dtypes, NaN, the seen-ratings CSR), or None."""
        nu, ni = len(self.user_ids), len(self.item_ids)
        U, M = self.user_factors, self.item_factors
        if U.ndim != 2 or M.ndim != 2 or U.shape[0] != nu or M.shape[0] != ni or U.shape[1] != M.shape[1]:
            return f"factors {U.shape} / {M.shape} for {nu} users and {ni} items"
        if self.user_bias.shape != (nu,) or self.item_bias.shape != (ni,):
            return "bias lengths do not match the ids"
        for name, a in (("factors", U), ("factors", M), ("biases", self.user_bias),
                        ("biases", self.item_bias)):
            if a.dtype.kind != "f" or not np.isfinite(a).all():
                return f"{name} are not finite real numbers"
        if not abs(self.global_bias) <= float(np.finfo(np.float32).max):  # NaN fails too
            return "global bias is not a finite float32"
        ptr, items, ratings = self.seen_indptr, self.seen_items, self.seen_ratings
        if (ptr.ndim != 1 or ptr.shape[0] != nu + 1 or ptr.dtype.kind not in "iu"
                or items.dtype.kind not in "iu"):
            return "seen-ratings index has the wrong shape"
        if ptr[0] != 0 or (np.diff(ptr) < 0).any() or ptr[-1] != len(items) or len(ratings) != len(items):
            return "seen-ratings index is not monotone or does not match the ratings"
        if len(items) and (items.min() < 0 or items.max() >= ni):
            return "seen ratings refer to unknown items"
        if len(self.titles) not in (0, ni):
            return "titles do not match the items"
        for what, meta, n in (("item", self.item_meta, ni), ("user", self.user_meta, nu)):
            for key, col in meta.items():
                if not hasattr(col, "__len__") or isinstance(col, (str, dict)) or len(col) != n:
                    return f"{what} column {key!r} does not have one value per {what}"
        return None


def _seen_csr(users: np.ndarray, items: np.ndarray, ratings: np.ndarray, n_users: int):
    order = np.lexsort((items, users))
    counts = np.bincount(users, minlength=n_users)
    indptr = np.zeros(n_users + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return indptr, items[order].astype(np.int32), ratings[order].astype(np.float32)
