"""Settings of the matrix-factorisation model and its training, and the per-epoch report.

:class:`MFConfig` (with the lecture's preset :meth:`MFConfig.lecture`) and :class:`EpochStats`.
Import them from :mod:`embexplorer.core.recommender.mf`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

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
