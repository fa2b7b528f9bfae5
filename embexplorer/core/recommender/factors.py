"""Sizes of a pair of user and item factor matrices.

Shared by the trained model (:class:`~embexplorer.core.recommender.mf.MFModel`) and the
genres demo's planted truth (:class:`~embexplorer.core.teaching.demos.GenreRatings`): both hold
``user_factors`` (n_users, k) and ``item_factors`` (n_items, k).
"""

from __future__ import annotations

import numpy as np


class UserItemFactors:
    """Mixin: ``n_users``, ``n_items`` and ``n_factors`` read from ``user_factors`` and ``item_factors``."""

    user_factors: np.ndarray
    item_factors: np.ndarray

    @property
    def n_users(self) -> int:
        return self.user_factors.shape[0]

    @property
    def n_items(self) -> int:
        return self.item_factors.shape[0]

    @property
    def n_factors(self) -> int:
        return self.user_factors.shape[1]
