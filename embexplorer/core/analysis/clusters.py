"""Regions that name themselves: clustering (scikit-learn's k-means and HDBSCAN) and cluster names.

Clusters are found on the vectors or on the 2-D layout shown, seeded, and named from their
content: for words, their most central members (closest by cosine to the cluster's mean
vector); for movies (a set with ``genres`` and ``ratings`` metadata, as MovieLens models give),
their most over-represented genres and their most-rated titles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embexplorer.core.data.embeddings import EmbeddingSet, MetadataColumn
from embexplorer.core.errors import DataError
from embexplorer.core.progress import TaskControl
from embexplorer.core.view.multilabel import label_flags

#: Clustering methods offered.
METHODS = ("kmeans", "hdbscan")
#: What is clustered: the vectors, or the 2-D layout shown.
SPACES = ("vectors", "layout")
#: Default number of k-means clusters, and the range offered.
DEFAULT_CLUSTERS = 10
MIN_CLUSTERS, MAX_CLUSTERS = 2, 200
#: HDBSCAN's smallest cluster, as a share of the rows (with a floor), when not given.
HDBSCAN_MIN_SHARE, HDBSCAN_MIN_FLOOR = 0.01, 5
#: HDBSCAN on vectors builds pairwise structures: above this many rows, cluster the layout instead.
HDBSCAN_MAX_VECTOR_ROWS = 20_000
#: HDBSCAN on a layout of more rows clusters a seeded sample of this many (scikit-learn's fit cannot be
#: cancelled and grows worse than linearly: 34 s at 50,000 points, 9 minutes at 200,000, here) and gives
#: every other row the cluster of its nearest sampled row.
HDBSCAN_SAMPLE_ROWS = 20_000
#: Central members named per word cluster; genres and titles per movie cluster.
NAME_MEMBERS = 3
NAME_GENRES = 2
NAME_TITLES = 2
#: A genre names a movie cluster only if at least this share of its movies have it.
GENRE_MIN_SHARE = 0.2
#: Label of HDBSCAN's noise (rows in no cluster).
NOISE_NAME = "(noise)"


@dataclass
class Clustering:
    """One clustering of a set's rows.

    Attributes
    ----------
    labels : ndarray (n,) of int
        Cluster of each row (``-1``: noise, HDBSCAN only).
    names : list of str
        Name of cluster ``i`` at ``names[i]``.
    method, space : str
    seed : int
    """

    labels: np.ndarray
    names: list[str]
    method: str
    space: str
    seed: int

    @property
    def n_clusters(self) -> int:
        return len(self.names)

    def rows(self, cluster: int) -> np.ndarray:
        """Rows of cluster ``cluster``."""
        return np.flatnonzero(self.labels == cluster)

    def column(self, name: str = "cluster") -> MetadataColumn:
        """The clusters as a categorical column (categories: the names; noise is missing)."""
        names = unique_names(self.names)
        return MetadataColumn(name, "categorical", codes=self.labels.astype(np.int32), categories=names)


def unique_names(names: list[str]) -> list[str]:
    """``names`` made unique by numbering repeats (a legend needs distinct entries)."""
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(names):
        text = name or f"cluster {i + 1}"
        seen[text] = seen.get(text, 0) + 1
        out.append(text if seen[text] == 1 else f"{text} ({seen[text]})")
    return out


def finite_rows(x: np.ndarray) -> np.ndarray:
    """Which rows of ``x`` hold only finite values.  A row sum is NaN or infinite whenever the row
    has such a value, so only rows with a non-finite sum (or one that overflowed) are looked at
    value by value: no (n, d) boolean temporary."""
    with np.errstate(over="ignore", invalid="ignore"):
        finite = np.isfinite(x.sum(axis=1))
    suspect = np.flatnonzero(~finite)
    if len(suspect):
        finite[suspect] = np.isfinite(x[suspect]).all(axis=1)
    return finite


def cluster_labels(data: np.ndarray, method: str = "kmeans", n_clusters: int = DEFAULT_CLUSTERS,
                   seed: int = 0, min_cluster_size: int | None = None,
                   control: TaskControl | None = None, sample_rows: int = HDBSCAN_SAMPLE_ROWS) -> np.ndarray:
    """Cluster the rows of ``data`` with scikit-learn; the label of each row (``-1``: noise).

    Parameters
    ----------
    data : ndarray (n, d)
        Vectors or 2-D positions.
    method : {"kmeans", "hdbscan"}
        ``KMeans(n_clusters, random_state=seed, n_init="auto")`` or
        ``HDBSCAN(min_cluster_size)`` (on 2-D data of more than ``sample_rows`` rows: a sample drawn
        with ``seed``, the other rows taking their nearest sampled row's cluster).
    control : TaskControl, optional
        Checked before and after (scikit-learn's fit cannot be interrupted).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    x = np.ascontiguousarray(data, dtype=np.float32)
    finite = finite_rows(x)
    n = int(finite.sum())
    # The finite rows; all of them (the usual case) without a copy of the matrix.
    good = x if n == len(x) else x[finite]
    if control is not None:
        control.progress(None, f"{method} on {n:,} rows")
    labels = np.full(len(x), -1, dtype=np.int64)
    if method == "kmeans":
        from sklearn.cluster import KMeans

        k = int(n_clusters)
        if not MIN_CLUSTERS <= k <= MAX_CLUSTERS:
            raise ValueError(f"clusters must be from {MIN_CLUSTERS} to {MAX_CLUSTERS}, got {k}")
        if n < k:
            raise DataError(f"{n} rows cannot make {k} clusters")
        fit = KMeans(n_clusters=k, random_state=int(seed), n_init="auto").fit(good)
    else:
        from sklearn.cluster import HDBSCAN

        if x.shape[1] > 2 and n > HDBSCAN_MAX_VECTOR_ROWS:
            raise DataError(f"HDBSCAN on {n:,} vectors would take too long (at most "
                            f"{HDBSCAN_MAX_VECTOR_ROWS:,}): cluster the layout instead, or use k-means")
        pts = good
        sample = None
        if n > sample_rows:
            sample = np.sort(np.random.default_rng(int(seed)).choice(n, int(sample_rows), replace=False))
            pts = pts[sample]
        size = int(min_cluster_size or max(HDBSCAN_MIN_FLOOR, round(HDBSCAN_MIN_SHARE * len(pts))))
        fit = HDBSCAN(min_cluster_size=max(2, size), copy=True).fit(pts)
        if sample is not None:
            from sklearn.neighbors import NearestNeighbors

            if control is not None:
                control.check()
            nearest = NearestNeighbors(n_neighbors=1).fit(pts).kneighbors(good, return_distance=False)
            labels[finite] = fit.labels_[nearest[:, 0]]
            return labels
    if control is not None:
        control.check()
    labels[finite] = fit.labels_
    return labels


def _central_names(vectors: np.ndarray, row_labels: list[str], labels: np.ndarray, n: int) -> list[str]:
    """Each cluster's ``NAME_MEMBERS`` members closest by cosine to its mean direction."""
    names = []
    order = np.argsort(labels, kind="stable")  # rows grouped by cluster, each group in row order
    starts = np.searchsorted(labels[order], np.arange(n + 1))
    for c in range(n):
        rows = order[starts[c]:starts[c + 1]]
        if not len(rows):
            names.append("")
            continue
        # One gather of the cluster's rows, normalised in place (no unit copy of the whole matrix).
        unit = vectors[rows].astype(np.result_type(vectors.dtype, np.float32), copy=False)
        norms = np.linalg.norm(unit, axis=1)
        unit /= np.where(norms > 0, norms, 1)[:, None]
        score = unit @ unit.mean(axis=0)
        best = rows[np.lexsort((rows, -score))[:NAME_MEMBERS]]
        names.append(" · ".join(row_labels[r] for r in best))
    return names


def _movie_names(emb: EmbeddingSet, labels: np.ndarray, n: int) -> list[str]:
    """Each movie cluster's most over-represented genres and most-rated titles."""
    by_count, flags = label_flags(emb.metadata["genres"])
    alphabetical = sorted(range(len(by_count)), key=by_count.__getitem__)  # ties resolve by name
    genres = [by_count[i] for i in alphabetical]
    has = flags[:, alphabetical]
    overall = has.mean(axis=0)
    counts = np.nan_to_num(emb.metadata["ratings"].values) if "ratings" in emb.metadata \
        else np.zeros(emb.n)
    names = []
    for c in range(n):
        rows = np.flatnonzero(labels == c)
        if not len(rows):
            names.append("")
            continue
        share = has[rows].mean(axis=0)
        lift = np.where(overall > 0, share / np.where(overall > 0, overall, 1), 0)
        ok = np.flatnonzero(share >= GENRE_MIN_SHARE)
        top_g = ok[np.lexsort((ok, -lift[ok]))][:NAME_GENRES]
        titles = rows[np.lexsort((rows, -counts[rows]))][:NAME_TITLES]
        head = ", ".join(genres[g] for g in top_g)
        tail = "; ".join(emb.labels[r] for r in titles)
        names.append(f"{head}: {tail}" if head else tail)
    return names


def is_movie_set(emb: EmbeddingSet) -> bool:
    """Whether ``emb`` carries MovieLens-style ``genres`` metadata (then clusters are named by genre)."""
    col = emb.metadata.get("genres")
    return col is not None and col.kind == "categorical"


def name_clusters(emb: EmbeddingSet, labels: np.ndarray) -> list[str]:
    """Names of clusters ``0..max(labels)`` of ``emb``'s rows, from their content."""
    labels = np.asarray(labels)
    n = int(labels.max()) + 1 if len(labels) and labels.max() >= 0 else 0
    if is_movie_set(emb):
        return _movie_names(emb, labels, n)
    return _central_names(emb.vectors, emb.labels, labels, n)


def find_regions(emb: EmbeddingSet, method: str = "kmeans", space: str = "vectors",
                 layout: np.ndarray | None = None, n_clusters: int = DEFAULT_CLUSTERS, seed: int = 0,
                 min_cluster_size: int | None = None, control: TaskControl | None = None) -> Clustering:
    """Cluster ``emb`` (its vectors, or ``layout``: the (n, 2) positions shown) and name the clusters."""
    if space not in SPACES:
        raise ValueError(f"space must be one of {SPACES}, got {space!r}")
    if space == "layout":
        if layout is None or len(layout) != emb.n:
            raise DataError("no layout of this set to cluster")
        data = layout
    else:
        data = emb.vectors
    labels = cluster_labels(data, method, n_clusters, seed, min_cluster_size, control)
    return Clustering(labels, name_clusters(emb, labels), method, space, int(seed))
