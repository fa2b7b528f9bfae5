"""The model's arithmetic: prediction, loss and gradients, the optimiser steps and the schedule.

Per batch, gradients are scattered with ``np.bincount`` on flattened (row, factor) indices
(:func:`_scatter_rows`); the dense AdamW update runs on one flat float32 buffer holding all
parameters (:class:`_Params`); :func:`_sparse_step` is the lazy AdamW of ``MFConfig(sparse=True)``.
Used by :mod:`embexplorer.core.recommender.mf`.
"""

from __future__ import annotations

import math

import numpy as np

from embexplorer.core.recommender._mf_config import (
    ADAM_BETAS,
    ADAM_EPS,
    ONE_CYCLE_DIV,
    ONE_CYCLE_DIV_FINAL,
    ONE_CYCLE_PCT_START,
    MFConfig,
)


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
