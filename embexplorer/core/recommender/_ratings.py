"""The ratings table every reader returns: user/item indices, ratings, id maps and metadata.

:class:`Ratings` is what :func:`~embexplorer.core.recommender.movielens.load_movielens` and
:func:`~embexplorer.core.recommender.movielens.load_ratings_csv` build, what the splits index and
what :func:`embexplorer.core.recommender.mf.train` trains on.  Import it from
:mod:`embexplorer.core.recommender.movielens`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from embexplorer.core.data.embeddings import cached_row_index


@dataclass
class Ratings:
    """A ratings table with its id maps and metadata.

    Attributes
    ----------
    users, items : ndarray of int32
        Row indices into :attr:`user_ids` / :attr:`item_ids`, one per rating.
    ratings : ndarray of float32
    timestamps : ndarray of int64 or None
    user_ids, item_ids : list of str
        Raw ids in index order.
    titles : list of str
        One per item ("" when unknown).
    years : ndarray of float64
        Release year per item (NaN when unknown).
    genre_names : list of str
    genres : ndarray of bool, shape (n_items, n_genres)
        Genre flags.
    user_meta : dict of str to list
        Per-user columns where the data has them (``age``, ``gender``, ``occupation``).
    layout : str
        One of :data:`LAYOUTS`.
    source : str
        Folder, zip or file it was read from.
    warnings : list of str
        Non-fatal problems (e.g. ratings of movies missing from the movie list, dropped).
    """

    users: np.ndarray
    items: np.ndarray
    ratings: np.ndarray
    timestamps: np.ndarray | None
    user_ids: list[str]
    item_ids: list[str]
    titles: list[str] = field(default_factory=list)
    years: np.ndarray | None = None
    genre_names: list[str] = field(default_factory=list)
    genres: np.ndarray | None = None
    user_meta: dict[str, list] = field(default_factory=dict)
    layout: str = "csv"
    source: str = ""
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        n_items = len(self.item_ids)
        if not self.titles:
            self.titles = [""] * n_items
        if self.years is None:
            self.years = np.full(n_items, np.nan)
        if self.genres is None:
            self.genres = np.zeros((n_items, len(self.genre_names)), dtype=bool)

    # -- sizes ----------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.ratings)

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def __repr__(self) -> str:
        return (f"Ratings({len(self)} ratings, {self.n_users} users, {self.n_items} items, "
                f"layout={self.layout!r}, source={self.source!r})")

    # -- id maps ------------------------------------------------------------
    user_index = cached_row_index("user_ids", "Raw user id -> index.")
    item_index = cached_row_index("item_ids", "Raw item id -> index.")

    # -- derived metadata -----------------------------------------------------
    def item_counts(self) -> np.ndarray:
        """Number of ratings per item (int64)."""
        return np.bincount(self.items, minlength=self.n_items)

    def item_means(self) -> np.ndarray:
        """Mean rating per item (NaN for unrated items)."""
        counts = self.item_counts()
        sums = np.bincount(self.items, weights=self.ratings.astype(np.float64), minlength=self.n_items)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)

    def user_counts(self) -> np.ndarray:
        """Number of ratings per user (int64)."""
        return np.bincount(self.users, minlength=self.n_users)

    def main_genres(self) -> list[str]:
        """First flagged genre of each item, in :attr:`genre_names` order ("" when none)."""
        if self.genres.shape[1] == 0:
            return [""] * self.n_items
        first = np.argmax(self.genres, axis=1)
        has = self.genres.any(axis=1)
        return [self.genre_names[g] if h else "" for g, h in zip(first, has)]

    def item_genre_text(self, item: int) -> str:
        """All genres of ``item`` joined by ``|``."""
        return "|".join(self.genre_names[g] for g in np.flatnonzero(self.genres[item]))

    @property
    def rating_range(self) -> tuple[float, float]:
        """Smallest and largest rating present."""
        if len(self.ratings) == 0:
            return (0.0, 0.0)
        return float(self.ratings.min()), float(self.ratings.max())

    def take(self, rows) -> Ratings:
        """The ratings at ``rows``, sharing ids and metadata (indices keep their meaning)."""
        rows = np.asarray(rows, dtype=np.intp)
        return Ratings(self.users[rows], self.items[rows], self.ratings[rows],
                       None if self.timestamps is None else self.timestamps[rows],
                       self.user_ids, self.item_ids, self.titles, self.years, self.genre_names,
                       self.genres, self.user_meta, self.layout, self.source, list(self.warnings))
