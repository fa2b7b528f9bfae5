"""The lecture's collaborative-filtering model, trained in numpy.

Every user ``u`` and movie ``m`` gets a vector and a bias; a rating is predicted
as (fastai's ``EmbeddingDotBias`` with ``y_range``)::

    z = b_u + b_m + u . m
    prediction = low + (high - low) * sigmoid(z)         # y_range = (low, high)

(with ``y_range=None`` the prediction is ``z`` itself).  Like the lecture's
model it has no global offset: the biases absorb the mean.  (Measured: adding
a trained global offset makes ml-100k u1-u5 *worse*, 0.915 vs 0.907 mean RMSE,
because weight decay then no longer pulls every bias towards the middle of
the range.)  :class:`MFModel` keeps a ``global_bias`` field (0 for models
trained here) for factors trained elsewhere.
It is learned by mini-batch gradient descent on the mean squared error with
Adam and decoupled weight decay (AdamW) under a one-cycle learning-rate
schedule -- what ``learn.fit_one_cycle(5, 5e-3, wd=0.1)`` does in the lecture.

Two presets:

* :meth:`MFConfig.lecture` -- the lecture's exact settings (batch 64,
  lr 5e-3, wd 0.1, 5 epochs): about 5 s per ml-100k fold here.
* the default :class:`MFConfig` -- the same model and optimiser with batch 256,
  lr 1e-2 and wd 0.3 (weight decay per step scales with the number of steps,
  so fewer, larger batches need a larger ``wd`` for the same total decay):
  about 4x faster and as accurate (see ``tests/bench/bench_mf.py``).

For large datasets (ml-1m and up) ``MFConfig(sparse=True)`` switches to lazy
AdamW that touches only the rows of each batch (3x faster per epoch on ml-1m's
shape; on ml-100k u1 0.922 RMSE instead of 0.917).

Everything is vectorised: per batch, gradients are scattered with
``np.bincount`` on flattened (row, factor) indices, and the Adam update runs on
one flat float32 buffer holding all parameters.

The trained :class:`MFModel` explains scores (:meth:`MFModel.decompose`),
recommends (:meth:`MFModel.recommend`), finds similar users/items, folds in a
new user from a few ratings (:meth:`MFModel.fold_in`), saves to ``.npz`` with
JSON metadata (no pickle) and turns into :class:`EmbeddingSet` objects.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from embexplorer.core.atomic import atomic_write
from embexplorer.core.data.embeddings import EmbeddingSet, MetadataColumn
from embexplorer.core.errors import DataError
from embexplorer.core.progress import Cancelled, TaskControl, ensure_control

#: fastai's rating range for MovieLens: a little above 5 so that 5 stars is reachable.
DEFAULT_Y_RANGE = (0.0, 5.5)
#: Default number of latent factors (the lecture's).
DEFAULT_FACTORS = 50
#: Standard deviation of the initial factors (fastai's trunc_normal_(std=0.01)).
INIT_STD = 0.01
#: Adam's decay rates and epsilon (fastai's defaults: mom=0.9, sqr_mom=0.99, eps=1e-5).
ADAM_BETAS = (0.9, 0.99)
ADAM_EPS = 1e-5
#: One-cycle schedule (fastai): warm-up share, start lr = lr/DIV, end lr = lr/DIV_FINAL.
ONE_CYCLE_PCT_START = 0.25
ONE_CYCLE_DIV = 25.0
ONE_CYCLE_DIV_FINAL = 1e5
#: Batches between two progress/cancellation checks inside an epoch.
CHECK_EVERY_BATCHES = 32
#: Ratings predicted per chunk when evaluating (bounds temporary memory).
PREDICT_CHUNK = 1 << 18
#: Ridge strength of :meth:`MFModel.fold_in` (in logit units, per factor).
FOLD_IN_REG = 0.1
#: Gauss-Newton refinements of the fold-in in rating space (sigmoid models).
FOLD_IN_ITERATIONS = 20
#: Clipping of normalised ratings before the logit (keeps 0 and 1 finite).
LOGIT_CLIP = 1e-3
#: File format version written by :meth:`MFModel.save`.
MODEL_FORMAT_VERSION = 1
#: Optimisers the trainer knows.
OPTIMIZERS = ("adamw",)
#: Learning-rate schedules the trainer knows.
SCHEDULES = ("one_cycle", "constant")


@dataclass
class MFConfig:
    """Hyperparameters of the model and its training.

    Attributes
    ----------
    n_factors : int
    epochs : int
    lr : float
        Peak learning rate.
    weight_decay : float
        Decoupled weight decay on factors and biases.
    batch_size : int
    y_range : tuple of float or None
        Sigmoid output range; ``None`` turns the sigmoid off (plain dot product).
    use_bias : bool
        Learn per-user and per-item biases (and the global offset).
    seed : int
    init_std : float
    schedule : {"one_cycle", "constant"}
    optimizer : {"adamw"}
    sparse : bool
        Lazy updates: each batch updates (and decays) only the rows of the users and
        movies it contains, like PyTorch's ``SparseAdam``.  Per-batch cost no longer grows
        with the number of users and movies, which large datasets (ml-1m and up) need;
        not the lecture's dense AdamW, so it wants its own ``weight_decay``.
    """

    n_factors: int = DEFAULT_FACTORS
    epochs: int = 5
    lr: float = 1e-2
    weight_decay: float = 0.3
    batch_size: int = 256
    y_range: tuple[float, float] | None = DEFAULT_Y_RANGE
    use_bias: bool = True
    seed: int = 0
    init_std: float = INIT_STD
    schedule: str = "one_cycle"
    optimizer: str = "adamw"
    sparse: bool = False

    @classmethod
    def lecture(cls, **overrides) -> MFConfig:
        """The lecture's exact settings: ``fit_one_cycle(5, 5e-3, wd=0.1)``, batch 64."""
        return cls(**{**dict(lr=5e-3, weight_decay=0.1, batch_size=64), **overrides})

    def validate(self) -> None:
        """Raise ``ValueError`` for settings that cannot train."""
        if self.n_factors < 1:
            raise ValueError("n_factors must be at least 1")
        if self.epochs < 1:
            raise ValueError("epochs must be at least 1")
        if self.batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError("lr must be positive")
        if not (self.weight_decay >= 0 and math.isfinite(self.weight_decay)):
            raise ValueError("weight_decay must be >= 0")
        if self.y_range is not None and not self.y_range[0] < self.y_range[1]:
            raise ValueError("y_range must be (low, high) with low < high")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}")

    def to_json(self) -> dict:
        d = asdict(self)
        d["y_range"] = None if self.y_range is None else list(self.y_range)
        return d

    @classmethod
    def from_json(cls, d: dict) -> MFConfig:
        d = dict(d)
        if d.get("y_range") is not None:
            d["y_range"] = tuple(float(x) for x in d["y_range"])
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in d.items() if k in known})


@dataclass
class EpochStats:
    """What the trainer reports after each epoch."""

    epoch: int           # 1-based
    epochs: int
    train_loss: float    # mean of the batch MSEs during the epoch
    valid_mse: float     # NaN without validation data
    valid_rmse: float
    seconds: float       # training time of this epoch (evaluation excluded)

    def to_json(self) -> dict:
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in asdict(self).items()}


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # exp of -|z| never overflows
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


def _scatter_rows(rows: np.ndarray, values: np.ndarray, n_rows: int) -> np.ndarray:
    """Sum ``values[j]`` into row ``rows[j]`` of an (n_rows, k) array (bincount: ~4x np.add.at)."""
    k = values.shape[1]
    flat = (rows.astype(np.int64)[:, None] * k + np.arange(k)).ravel()
    return np.bincount(flat, weights=values.ravel(), minlength=n_rows * k).reshape(n_rows, k)


class _Params:
    """All trainable parameters as views into one flat float32 buffer."""

    def __init__(self, n_users: int, n_items: int, k: int, use_bias: bool) -> None:
        self.shapes = {"U": (n_users, k), "M": (n_items, k)}
        if use_bias:
            self.shapes.update({"bu": (n_users,), "bm": (n_items,)})
        sizes = [int(np.prod(s)) for s in self.shapes.values()]
        self.flat = np.zeros(sum(sizes), dtype=np.float32)
        self.views: dict[str, np.ndarray] = {}
        off = 0
        for (name, shape), size in zip(self.shapes.items(), sizes):
            self.views[name] = self.flat[off:off + size].reshape(shape)
            off += size

    def zeros_like(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        flat = np.zeros_like(self.flat)
        views, off = {}, 0
        for name, shape in self.shapes.items():
            size = int(np.prod(shape))
            views[name] = flat[off:off + size].reshape(shape)
            off += size
        return flat, views


def forward(U: np.ndarray, M: np.ndarray, bu: np.ndarray | None, bm: np.ndarray | None, g: float,
            users: np.ndarray, items: np.ndarray, y_range: tuple[float, float] | None
            ) -> tuple[np.ndarray, np.ndarray]:
    """Logits ``z`` and predictions for the (user, item) pairs."""
    z = np.einsum("ij,ij->i", U[users], M[items])
    if bu is not None:
        z = z + bu[users] + bm[items] + g
    if y_range is None:
        return z, z
    lo, hi = y_range
    return z, lo + (hi - lo) * _sigmoid(z)


def loss_and_grads(params: dict[str, np.ndarray], users: np.ndarray, items: np.ndarray,
                   ratings: np.ndarray, y_range: tuple[float, float] | None
                   ) -> tuple[float, dict[str, np.ndarray]]:
    """Mean squared error of a batch and its gradient for every parameter.

    Parameters
    ----------
    params : dict
        ``U`` (n_users, k), ``M`` (n_items, k) and, with biases, ``bu``, ``bm``
        (and optionally a global offset ``g`` of shape (1,)).
    users, items : int arrays
    ratings : float array
    y_range : (low, high) or None

    Returns
    -------
    loss : float
    grads : dict with the same keys and shapes as ``params`` (float64)
    """
    U, M = params["U"], params["M"]
    has_bias = "bu" in params
    bu, bm = (params["bu"], params["bm"]) if has_bias else (None, None)
    g = float(params["g"][0]) if "g" in params else 0.0
    Uu, Mi = U[users], M[items]
    z, pred = forward(U, M, bu, bm, g, users, items, y_range)
    err = pred - ratings
    n = len(ratings)
    loss = float(np.mean(err.astype(np.float64) ** 2))
    dz = (2.0 / n) * err
    if y_range is not None:
        lo, hi = y_range
        s = (pred - lo) / (hi - lo)
        dz = dz * (hi - lo) * s * (1.0 - s)
    grads = {"U": _scatter_rows(users, dz[:, None] * Mi, U.shape[0]),
             "M": _scatter_rows(items, dz[:, None] * Uu, M.shape[0])}
    if has_bias:
        grads["bu"] = np.bincount(users, weights=dz, minlength=U.shape[0])
        grads["bm"] = np.bincount(items, weights=dz, minlength=M.shape[0])
    if "g" in params:
        grads["g"] = np.array([dz.sum()])
    return loss, grads


def _sparse_step(V: dict, M1: dict, M2: dict, users: np.ndarray, items: np.ndarray, ratings: np.ndarray,
                 config: MFConfig, lr: float, step: int) -> float:
    """One lazy AdamW step touching only the batch's rows; returns the batch MSE."""
    ur, uinv = np.unique(users, return_inverse=True)
    ir, iinv = np.unique(items, return_inverse=True)
    U, M = V["U"], V["M"]
    Uu, Mi = U[users], M[items]
    z = np.einsum("ij,ij->i", Uu, Mi)
    if "bu" in V:
        z = z + V["bu"][users] + V["bm"][items]
    if config.y_range is None:
        pred = z
    else:
        lo, hi = config.y_range
        s = _sigmoid(z)
        pred = lo + (hi - lo) * s
    err = pred - ratings
    dz = (2.0 / len(ratings)) * err
    if config.y_range is not None:
        dz = dz * (hi - lo) * s * (1.0 - s)
    updates = [("U", ur, _scatter_rows(uinv, dz[:, None] * Mi, len(ur))),
               ("M", ir, _scatter_rows(iinv, dz[:, None] * Uu, len(ir)))]
    if "bu" in V:
        updates += [("bu", ur, np.bincount(uinv, weights=dz, minlength=len(ur))),
                    ("bm", ir, np.bincount(iinv, weights=dz, minlength=len(ir)))]
    b1, b2 = ADAM_BETAS
    debias1 = 1 - b1 ** step
    debias2 = 1 - b2 ** step
    decay = 1.0 - lr * config.weight_decay
    for name, rows, g in updates:
        m = M1[name][rows] * b1 + (1 - b1) * g
        v = M2[name][rows] * b2 + (1 - b2) * g * g
        M1[name][rows] = m
        M2[name][rows] = v
        V[name][rows] = V[name][rows] * decay - (lr / debias1) * m / (np.sqrt(v / debias2) + ADAM_EPS)
    return float(np.mean(err.astype(np.float64) ** 2))


def _lr_at(config: MFConfig, step: int, total: int) -> float:
    """Learning rate of ``step`` (1-based) of ``total`` under the configured schedule."""
    if config.schedule == "constant":
        return config.lr
    pct = step / total
    lr = config.lr
    if pct <= ONE_CYCLE_PCT_START:
        start = lr / ONE_CYCLE_DIV
        return start + (lr - start) * (1 - math.cos(math.pi * pct / ONE_CYCLE_PCT_START)) / 2
    end = lr / ONE_CYCLE_DIV_FINAL
    q = (pct - ONE_CYCLE_PCT_START) / (1 - ONE_CYCLE_PCT_START)
    return end + (lr - end) * (1 + math.cos(math.pi * q)) / 2


# ---------------------------------------------------------------------------
# The trained model
# ---------------------------------------------------------------------------
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
class MFModel:
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
        self._user_index: dict[str, int] | None = None
        self._item_index: dict[str, int] | None = None

    # -- sizes and lookup --------------------------------------------------------
    @property
    def n_users(self) -> int:
        return self.user_factors.shape[0]

    @property
    def n_items(self) -> int:
        return self.item_factors.shape[0]

    @property
    def n_factors(self) -> int:
        return self.user_factors.shape[1]

    @property
    def y_range(self) -> tuple[float, float] | None:
        return self.config.y_range

    def user_row(self, user_id: str) -> int:
        """Index of a raw user id; raises KeyError."""
        if self._user_index is None:
            self._user_index = {u: i for i, u in enumerate(self.user_ids)}
        return self._user_index[str(user_id)]

    def item_row(self, item_id: str) -> int:
        """Index of a raw item id; raises KeyError."""
        if self._item_index is None:
            self._item_index = {m: i for i, m in enumerate(self.item_ids)}
        return self._item_index[str(item_id)]

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
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        except FileNotFoundError:
            raise
        except Exception as err:  # noqa: BLE001 -- a damaged zip raises BadZipFile, zlib.error, ...
            raise DataError(f"not an embexplorer model file: {err}", path) from None
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


# ---------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------
def _seen_csr(users: np.ndarray, items: np.ndarray, ratings: np.ndarray, n_users: int):
    order = np.lexsort((items, users))
    counts = np.bincount(users, minlength=n_users)
    indptr = np.zeros(n_users + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return indptr, items[order].astype(np.int32), ratings[order].astype(np.float32)


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


# ---------------------------------------------------------------------------
# Factors trained elsewhere
# ---------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------
# Live frames for the movie scatter
# ---------------------------------------------------------------------------
from embexplorer.core.analysis.frames import FrameAligner  # noqa: E402 (this section's only import)


class MovieFrames(FrameAligner):
    """2-D PCA frames of the movie vectors, epoch after epoch, each aligned to the one before.

    Feed every training snapshot to :meth:`update`; the returned coordinates are
    turned (orthogonal Procrustes, :class:`~embexplorer.core.analysis.frames.FrameAligner`) to
    match the previous frame, so the points glide instead of flipping.  ``previous``,
    ``pca``, ``direction`` and ``reset`` are the aligner's.

    Parameters
    ----------
    top_n : int, optional
        Keep only the ``top_n`` most-rated movies (fastai plots 1,000).
    rotate : bool
        Full orthogonal alignment (True) or only axis sign flips (False, axis
        titles keep meaning "PC1", "PC2").
    scale : bool
        Scale every frame to unit RMS radius (the demo and the lecture).
    """

    def __init__(self, top_n: int | None = None, rotate: bool = True, scale: bool = False) -> None:
        super().__init__(rotate=rotate, scale=scale)
        self.top_n = top_n

    def update(self, model: MFModel, control: TaskControl | None = None
               ) -> tuple[EmbeddingSet, np.ndarray]:
        """The model's movie set and its (n, 2) float32 coordinates, aligned to the last frame."""
        emb = model.item_embeddings(self.top_n)
        return emb, self.fit(emb.vectors, control=control)
