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

The model lives in private modules beside this one (import everything from here):
``_mf_config`` (:class:`MFConfig`, :class:`EpochStats`, the constants), ``_mf_math``
(prediction, gradients, optimiser steps, schedule), ``_mf_model`` (:class:`MFModel`),
``_mf_train`` (:func:`train`) and ``_mf_spark`` (:func:`load_spark_als`).  This module adds
:class:`MovieFrames`, the live movie scatter of a training run.
"""

from __future__ import annotations

import numpy as np

from embexplorer.core.data.embeddings import EmbeddingSet
from embexplorer.core.progress import TaskControl
from embexplorer.core.recommender._mf_config import (
    ADAM_BETAS,
    ADAM_EPS,
    CHECK_EVERY_BATCHES,
    DEFAULT_FACTORS,
    DEFAULT_Y_RANGE,
    FOLD_IN_ITERATIONS,
    FOLD_IN_REG,
    INIT_STD,
    LOGIT_CLIP,
    MODEL_FORMAT_VERSION,
    ONE_CYCLE_DIV,
    ONE_CYCLE_DIV_FINAL,
    ONE_CYCLE_PCT_START,
    OPTIMIZERS,
    PREDICT_CHUNK,
    SCHEDULES,
    EpochStats,
    MFConfig,
)
from embexplorer.core.recommender._mf_math import _Params as _Params  # private; the tests check it here
from embexplorer.core.recommender._mf_math import _sparse_step as _sparse_step  # (likewise)
from embexplorer.core.recommender._mf_math import forward, loss_and_grads
from embexplorer.core.recommender._mf_model import Decomposition, MFModel
from embexplorer.core.recommender._mf_spark import load_spark_als
from embexplorer.core.recommender._mf_train import train

__all__ = ["ADAM_BETAS", "ADAM_EPS", "CHECK_EVERY_BATCHES", "DEFAULT_FACTORS", "DEFAULT_Y_RANGE",
           "FOLD_IN_ITERATIONS", "FOLD_IN_REG", "INIT_STD", "LOGIT_CLIP", "MODEL_FORMAT_VERSION",
           "ONE_CYCLE_DIV", "ONE_CYCLE_DIV_FINAL", "ONE_CYCLE_PCT_START", "OPTIMIZERS", "PREDICT_CHUNK",
           "SCHEDULES", "Decomposition", "EpochStats", "MFConfig", "MFModel", "MovieFrames", "forward",
           "load_spark_als", "loss_and_grads", "train"]


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
