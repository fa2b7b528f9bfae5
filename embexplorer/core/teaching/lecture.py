"""The numbers behind the Lecture menu: one-click demonstrations of a recommender-systems lecture.

Each demonstration of issue 8 has its numeric part here (no Qt):

* ``ratings``: :func:`ratings_summary` -- counts, sparsity, the long tail of ratings per user and
  per movie (:func:`long_tail_histogram`, :meth:`RatingsSummary.head_share`), the star distribution;
* ``genres``: :func:`genre_embeddings` -- MovieLens's genre flags as an embedding set of their own
  (the dot product of two movies is the number of genres they share, cosine normalises it:
  :func:`shared_genres`, :func:`genre_cosine`), and :func:`compare_neighbours` -- a movie's
  neighbours under genre vectors and under learned vectors side by side;
* ``users``: the recommender's cold-start fold-in (:meth:`embexplorer.core.recommender.mf.MFModel.fold_in`);
  :func:`what_if_example` picks two contrasting movies to rate as a worked example;
* ``gradient-descent``: :func:`compare_runs` trains the same model twice on the same split and
  seed, with and without weight decay (or the sigmoid range), for overlaid curves, and
  :func:`norm_histograms` shows how weight decay shrinks the embedding norms;
* ``pca-axes``: :func:`pca_extremes` -- the movies at both ends of a principal component among the
  N most-rated (fastai's reading of the movie factors);
* ``analogies``: :data:`CLASSIC_ANALOGIES` to step through, filtered by
  :func:`available_analogies` to those whose words the loaded set has.

Data: :func:`lecture_ratings` takes the ratings already open, else MovieLens from the download
cache, else the synthetic "Genres, learned" ratings (planted genres; works offline) and says which.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from embexplorer.core.analysis.neighbours import DEFAULT_K, Neighbour, nearest
from embexplorer.core.data.embeddings import EmbeddingSet, MetadataColumn
from embexplorer.core.errors import DataError
from embexplorer.core.progress import ScaledControl, TaskControl, ensure_control

#: Lecture names (``embexplorer --lecture NAME``) -> (menu title, one-line caption).
LECTURES: dict[str, tuple[str, str]] = {
    "ratings": ("The Ratings Table and High Cardinality",
                "Each rating is one row (user, movie, stars, time): most of the user × movie table is "
                "empty, and a few movies get most of the ratings (the long tail)."),
    "genres": ("Genre Vectors Are Embeddings (but Not Great Ones)",
               "Genre flags are vectors too: the dot product of two movies counts the genres they "
               "share, cosine normalises it — compare a movie's neighbours by genre and by learned "
               "vectors."),
    "users": ("User Vectors",
              "Every user is a taste vector: rate a few movies in the User dock (New user) and your "
              "vector is fitted at once against the fixed movie vectors (the arrow)."),
    "gradient-descent": ("Learn Everything by Gradient Descent",
                         "Vectors start random and organise by gradient descent; the same run without "
                         "weight decay fits the training set better and the validation set worse, with "
                         "larger vectors."),
    "pca-axes": ("Reading PCA Axes",
                 "Each principal component of the movie vectors is a direction of taste: read it from "
                 "the movies at its two ends (among the most-rated)."),
    "analogies": ("Word Embeddings and Analogies",
                  "a is to b as c is to ?: the answer is the word nearest to c + (b − a), the fourth "
                  "corner of the parallelogram."),
}

#: Where the lecture's ratings came from (:attr:`LectureData.source`).
SOURCE_OPEN, SOURCE_CACHE, SOURCE_SYNTHETIC = "open", "cache", "synthetic"
#: Cached downloads tried, in this order (small ones: the demonstrations train in seconds).
CACHED_DATASETS = ("movielens-100k", "movielens-latest-small")
#: Bins of the long-tail histograms.
LONG_TAIL_BINS = 40
#: Share of the most-rated movies (or most active users) whose share of all ratings is quoted.
HEAD_FRACTION = 0.1
#: Movies kept for learned neighbours and PCA axes: the most-rated (fastai plots 1,000).
TOP_RATED = 1000
#: Movies listed at each end of a principal component.
EXTREMES_N = 10
#: Training of the demonstrations: few epochs of the default (fast) settings, seconds on ml-100k.
LECTURE_EPOCHS = 5
LECTURE_SEED = 0
#: Settings switched off in the second run of :func:`compare_runs`.
SWITCHES = {"weight-decay": "weight decay", "sigmoid": "sigmoid range"}
#: Bins of :func:`norm_histograms`.
NORM_BINS = 40
#: Movies preferred as the default query of the genre demonstration (first one present wins).
DEFAULT_MOVIES = ("Star Wars (1977)", "Toy Story (1995)", "Star Wars: Episode IV - A New Hope (1977)",
                  "Quantum Drift")


@dataclass
class LectureData:
    """Ratings for a demonstration and where they came from."""

    ratings: object  # embexplorer.core.recommender.movielens.Ratings
    source: str      # SOURCE_OPEN, SOURCE_CACHE or SOURCE_SYNTHETIC
    note: str        # one line for the caption

    @property
    def synthetic(self) -> bool:
        return self.source == SOURCE_SYNTHETIC


def lecture_ratings(current=None, control: TaskControl | None = None, directory=None) -> LectureData:
    """The ratings a demonstration uses: ``current`` (already open), a cached MovieLens download,
    or the synthetic "Genres, learned" ratings (always available, offline).

    Parameters
    ----------
    current : Ratings, optional
        Ratings the user has open.
    control : TaskControl, optional
    directory : path, optional
        Cache folder of the MovieLens downloads (default: the app's cache).
    """
    from embexplorer.core.data import download
    from embexplorer.core.recommender.movielens import load_movielens
    from embexplorer.core.teaching.demos import genres_learned_ratings

    control = ensure_control(control)
    if current is not None:
        return LectureData(current, SOURCE_OPEN, f"{_source_name(current)} (open)")
    for name in CACHED_DATASETS:
        hit = download.cached(name, directory, control)
        if hit is not None:
            try:
                ratings = load_movielens(hit.path, control=control)
            except DataError:  # a damaged cache entry: try the next one, then the synthetic set
                continue
            return LectureData(ratings, SOURCE_CACHE, f"{hit.path.name} (downloaded)")
    return LectureData(genres_learned_ratings(), SOURCE_SYNTHETIC,
                       "synthetic “Genres, learned” ratings (MovieLens not downloaded: offline demo)")


def _source_name(ratings) -> str:
    from pathlib import Path

    src = getattr(ratings, "source", "") or "ratings"
    return src if src.startswith("demo:") else Path(src).name


# ---------------------------------------------------------------------------
# 1. The ratings table
# ---------------------------------------------------------------------------
@dataclass
class RatingsSummary:
    """Counts and distributions of a ratings table.

    Attributes
    ----------
    n_ratings, n_users, n_items : int
    sparsity : float
        Share of the user × item table with no rating.
    per_user, per_item : ndarray of int64
        Ratings per user / per item (the long tails).
    rating_values : ndarray of float64
        Distinct ratings, ascending.
    rating_counts : ndarray of int64
        How often each of them occurs.
    mean_rating : float
    """

    n_ratings: int
    n_users: int
    n_items: int
    sparsity: float
    per_user: np.ndarray
    per_item: np.ndarray
    rating_values: np.ndarray
    rating_counts: np.ndarray
    mean_rating: float

    def head_share(self, which: str = "item", fraction: float = HEAD_FRACTION) -> float:
        """Share of all ratings given to the top ``fraction`` of items (or by the most active users)."""
        counts = self.per_item if which == "item" else self.per_user
        if not len(counts) or self.n_ratings == 0:
            return 0.0
        top = max(1, int(round(fraction * len(counts))))
        return float(np.sort(counts)[::-1][:top].sum() / self.n_ratings)

    def text(self) -> str:
        """One line of figures."""
        return (f"{self.n_ratings:,} ratings · {self.n_users:,} users · {self.n_items:,} movies · "
                f"{self.sparsity:.1%} of the table empty · the top {HEAD_FRACTION:.0%} of movies get "
                f"{self.head_share('item'):.0%} of the ratings")


def ratings_summary(ratings) -> RatingsSummary:
    """Counts, sparsity, per-user / per-item counts and the rating distribution of ``ratings``."""
    per_user = np.bincount(ratings.users, minlength=ratings.n_users).astype(np.int64)
    per_item = np.bincount(ratings.items, minlength=ratings.n_items).astype(np.int64)
    n = len(ratings.ratings)
    cells = float(ratings.n_users) * float(ratings.n_items)
    values, counts = np.unique(ratings.ratings.astype(np.float64), return_counts=True)
    return RatingsSummary(n, ratings.n_users, ratings.n_items, 1.0 - n / cells if cells else 0.0,
                          per_user, per_item, values, counts.astype(np.int64),
                          float(ratings.ratings.astype(np.float64).mean()) if n else float("nan"))


def long_tail_histogram(counts, bins: int = LONG_TAIL_BINS) -> tuple[np.ndarray, np.ndarray]:
    """Histogram of per-user or per-item rating counts: (edges (bins + 1,), number in each bin)."""
    counts = np.asarray(counts, dtype=np.float64)
    if not len(counts):
        return np.array([0.0, 1.0]), np.zeros(1, dtype=np.int64)
    hist, edges = np.histogram(counts, bins=bins, range=(0.0, max(1.0, float(counts.max()))))
    return edges, hist.astype(np.int64)


# ---------------------------------------------------------------------------
# 2. Genre vectors
# ---------------------------------------------------------------------------
def item_labels(titles, item_ids) -> list[str]:
    """Unique movie labels: the title (``item ID`` when unknown), ``title [ID]`` when titles repeat.

    The same scheme as :meth:`embexplorer.core.recommender.mf.MFModel.item_embeddings`, so a movie has the
    same label in the genre set and in a model's set.
    """
    names = [t or f"item {i}" for t, i in zip(titles, item_ids)]
    seen: dict[str, int] = {}
    for t in names:
        seen[t] = seen.get(t, 0) + 1
    return [t if seen[t] == 1 else f"{t} [{i}]" for t, i in zip(names, item_ids)]


def genre_embeddings(ratings) -> EmbeddingSet:
    """The movies of ``ratings`` with their genre flags as vectors (float32 0/1).

    Metadata: ``genre`` (first listed genre), ``genres`` (all, ``a|b``), ``year``, ``ratings``
    (number of ratings) and ``id``.  Raises DataError when the ratings carry no genres.
    """
    flags = np.asarray(ratings.genres, dtype=bool)
    if flags.ndim != 2 or flags.shape[1] == 0 or not flags.any():
        raise DataError("these ratings have no genre flags (MovieLens movie files have them)",
                        getattr(ratings, "source", None) or None)
    genre_text = ["|".join(ratings.genre_names[g] for g in np.flatnonzero(row)) for row in flags]
    meta = {"genre": MetadataColumn.categorical("genre", ratings.main_genres()),
            "genres": MetadataColumn.categorical("genres", genre_text),
            "year": MetadataColumn.numeric("year", np.asarray(ratings.years, dtype=np.float64)),
            "ratings": MetadataColumn.numeric("ratings", ratings.item_counts().astype(np.float64)),
            "id": MetadataColumn.categorical("id", list(ratings.item_ids))}
    return EmbeddingSet(item_labels(ratings.titles, ratings.item_ids), flags.astype(np.float32), meta,
                        kind="item", source=f"genre flags of {_source_name(ratings)}", format="genres")


def shared_genres(genre_emb: EmbeddingSet, a: int, b: int) -> int:
    """Number of genres movies ``a`` and ``b`` (rows) share: the dot product of their 0/1 vectors."""
    return int(round(float(np.dot(genre_emb.vectors[a].astype(np.float64),
                                  genre_emb.vectors[b].astype(np.float64)))))


def genre_cosine(genre_emb: EmbeddingSet, a: int, b: int) -> float:
    """Cosine of two genre vectors: shared genres / sqrt(genres of a × genres of b) (0 if either has none)."""
    va = genre_emb.vectors[a].astype(np.float64)
    vb = genre_emb.vectors[b].astype(np.float64)
    denom = float(np.sqrt(va.dot(va) * vb.dot(vb)))
    return float(va.dot(vb) / denom) if denom > 0 else 0.0


@dataclass
class NeighbourComparison:
    """A movie's neighbours under genre vectors and under learned vectors.

    Attributes
    ----------
    label : str
    genre, learned : list of Neighbour
        Best first; scores are cosines.  Both searched among the same movies (those of the
        learned set, e.g. the most-rated).
    genre_shared, learned_shared : list of int
        Genres each neighbour shares with the movie.
    tied : int
        Candidates whose genre cosine equals the best one: genre vectors cannot tell them apart
        (ties are listed most-rated first).
    overlap : int
        Movies in both lists.
    """

    label: str
    genre: list[Neighbour]
    learned: list[Neighbour]
    genre_shared: list[int]
    learned_shared: list[int]
    tied: int
    overlap: int

    def text(self) -> str:
        ties = "1 movie has" if self.tied == 1 else f"{self.tied:,} movies tie for"
        return (f"{self.label}: {ties} the best genre match; "
                f"{self.overlap} of {len(self.learned)} learned neighbours are also genre neighbours")


def compare_neighbours(genre_emb: EmbeddingSet, learned_emb: EmbeddingSet, label: str,
                       k: int = DEFAULT_K) -> NeighbourComparison:
    """Neighbours of movie ``label`` by cosine of genre vectors and of learned vectors.

    The candidates are the movies of ``learned_emb`` (present in both sets); genre ties are broken
    by number of ratings (most-rated first) when ``genre_emb`` has a ``ratings`` column.
    Raises KeyError when ``label`` is in neither set.
    """
    g_row = genre_emb.row(label)
    learned = nearest(learned_emb, label, k=k, metric="cosine")
    g_index = genre_emb.index
    cand = np.array([g_index[lab] for lab in learned_emb.labels if lab in g_index and lab != label],
                    dtype=np.int64)
    V = genre_emb.vectors.astype(np.float64)
    q = V[g_row]
    norms = np.sqrt(np.einsum("ij,ij->i", V[cand], V[cand]))
    qn = float(np.sqrt(q.dot(q)))
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.where(norms * qn > 0, (V[cand] @ q) / (norms * qn), 0.0)
    col = genre_emb.metadata.get("ratings")
    pop = (col.values[cand] if col is not None and col.kind == "numeric" else np.zeros(len(cand)))
    pop = np.nan_to_num(pop, nan=0.0)
    order = np.lexsort((cand, -pop, -np.round(cos, 12)))[:k]
    best = float(np.round(cos.max(), 12)) if len(cos) else 0.0
    tied = int(np.sum(np.round(cos, 12) == best)) if len(cos) else 0
    genre = [Neighbour(int(cand[i]), genre_emb.labels[cand[i]], float(cos[i])) for i in order]
    genre_shared = [shared_genres(genre_emb, g_row, nb.row) for nb in genre]
    learned_shared = [shared_genres(genre_emb, g_row, g_index[nb.label]) if nb.label in g_index else 0
                      for nb in learned]
    overlap = len({n.label for n in genre} & {n.label for n in learned})
    return NeighbourComparison(label, genre, learned, genre_shared, learned_shared, tied, overlap)


def default_movie(emb: EmbeddingSet) -> str:
    """The movie a demonstration starts with: a well-known one if present, else the most-rated."""
    for title in DEFAULT_MOVIES:
        if title in emb.index:
            return title
    col = emb.metadata.get("ratings")
    if col is not None and col.kind == "numeric" and emb.n:
        return emb.labels[int(np.argmax(np.nan_to_num(col.values, nan=-1.0)))]
    return emb.labels[0]


# ---------------------------------------------------------------------------
# 3. User vectors
# ---------------------------------------------------------------------------
#: Genres of the worked "what if" example: loves the first, dislikes the second.
WHAT_IF_GENRES = ("Sci-Fi", "Romance")
#: Ratings given in the worked example (stars) and movies rated per genre.
WHAT_IF_STARS = (5.0, 1.0)
WHAT_IF_PER_GENRE = 2


def what_if_example(model) -> list[tuple[int, float]]:
    """A worked cold-start example: (item index, stars) -- the most-rated movies of one genre loved,
    of a contrasting genre disliked (:data:`WHAT_IF_GENRES`), falling back to the most-rated movies."""
    genres = list(model.item_meta.get("genres", [""] * model.n_items))
    order = model.most_rated(model.n_items)
    out: list[tuple[int, float]] = []
    for genre, stars in zip(WHAT_IF_GENRES, WHAT_IF_STARS):
        other = [g for g in WHAT_IF_GENRES if g != genre]
        picked = [int(i) for i in order if genre in genres[i].split("|")
                  and not any(o in genres[i].split("|") for o in other)][:WHAT_IF_PER_GENRE]
        out += [(i, stars) for i in picked]
    if not out:
        out = [(int(order[0]), WHAT_IF_STARS[0])] + ([(int(order[1]), WHAT_IF_STARS[1])]
                                                   if len(order) > 1 else [])
    return out


# ---------------------------------------------------------------------------
# 4. Gradient descent: two runs, curves and norms
# ---------------------------------------------------------------------------
@dataclass
class Run:
    """One training run of :func:`compare_runs`."""

    name: str
    config: object  # MFConfig
    model: object   # MFModel

    @property
    def history(self) -> list:
        return list(self.model.history)

    @property
    def item_norms(self) -> np.ndarray:
        return np.linalg.norm(self.model.item_factors.astype(np.float64), axis=1)

    @property
    def user_norms(self) -> np.ndarray:
        return np.linalg.norm(self.model.user_factors.astype(np.float64), axis=1)


@dataclass
class RunComparison:
    """Two runs on the same split and seed, differing in one switch."""

    switch: str
    runs: list[Run] = field(default_factory=list)

    def text(self) -> str:
        parts = []
        for r in self.runs:
            last = r.history[-1]
            parts.append(f"{r.name}: train {last.train_loss:.3f}, validation {last.valid_mse:.3f}, "
                         f"mean movie-vector norm {r.item_norms.mean():.2f}")
        return " · ".join(parts)


def run_configs(switch: str = "weight-decay", epochs: int = LECTURE_EPOCHS, seed: int = LECTURE_SEED,
                base=None) -> list[tuple[str, object]]:
    """The two (name, MFConfig) of :func:`compare_runs`: ``base`` and ``base`` with ``switch`` off."""
    from embexplorer.core.recommender.mf import MFConfig

    if switch not in SWITCHES:
        raise ValueError(f"switch must be one of {tuple(SWITCHES)}, got {switch!r}")
    base = base if base is not None else MFConfig(epochs=epochs, seed=seed)
    if switch == "weight-decay":
        off = dataclasses.replace(base, weight_decay=0.0)
        return [(f"weight decay {base.weight_decay:g}", base), ("no weight decay", off)]
    off = dataclasses.replace(base, y_range=None)
    return [("sigmoid range", base), ("no sigmoid range", off)]


def compare_runs(ratings, switch: str = "weight-decay", epochs: int = LECTURE_EPOCHS,
                 seed: int = LECTURE_SEED, base=None, control: TaskControl | None = None,
                 on_epoch=None) -> RunComparison:
    """Train twice on the same random split with the same seed: as configured, and with ``switch``
    (``"weight-decay"`` or ``"sigmoid"``) off.

    Parameters
    ----------
    ratings : Ratings
    switch : str
        One of :data:`SWITCHES`.
    epochs, seed : int
        Of both runs (ignored when ``base`` is given).
    base : MFConfig, optional
        The first run's settings (default: ``MFConfig(epochs=epochs, seed=seed)``).
    control : TaskControl, optional
    on_epoch : callable, optional
        ``on_epoch(run_index, stats, snapshot)`` after every epoch of each run (training thread).
    """
    from embexplorer.core.recommender.mf import train
    from embexplorer.core.recommender.movielens import split_ratings

    control = ensure_control(control)
    configs = run_configs(switch, epochs, seed, base)
    split = split_ratings(ratings, "random", seed=configs[0][1].seed)
    out = RunComparison(switch)
    for i, (name, config) in enumerate(configs):
        part = ScaledControl(control, i / len(configs), (i + 1) / len(configs), f"{name}: ")
        callback = None if on_epoch is None else (lambda s, m, i=i: on_epoch(i, s, m))
        model = train(ratings, config, split.train, split.test, control=part, on_epoch=callback)
        out.runs.append(Run(name, config, model))
    return out


@dataclass
class NormHistograms:
    """Histograms of vector norms per run, on shared bins."""

    edges: np.ndarray
    counts: dict[str, np.ndarray]
    means: dict[str, float]


def norm_histograms(vectors: dict, bins: int = NORM_BINS) -> NormHistograms:
    """Norm histograms of several sets of vectors (name -> (n, d) array, or a :class:`Run`: its
    movie vectors, or an MFModel: its item factors), on shared bins from 0 to the largest norm."""
    norms = {}
    for name, v in vectors.items():
        if isinstance(v, Run):
            norms[name] = v.item_norms
        elif hasattr(v, "item_factors"):
            norms[name] = np.linalg.norm(np.asarray(v.item_factors, dtype=np.float64), axis=1)
        else:
            norms[name] = np.linalg.norm(np.asarray(v, dtype=np.float64), axis=1)
    top = max((float(n.max()) for n in norms.values() if len(n)), default=1.0)
    edges = np.linspace(0.0, top if top > 0 else 1.0, bins + 1)
    counts = {k: np.histogram(n, bins=edges)[0].astype(np.int64) for k, n in norms.items()}
    means = {k: float(n.mean()) if len(n) else float("nan") for k, n in norms.items()}
    return NormHistograms(edges, counts, means)


# ---------------------------------------------------------------------------
# 5. PCA axes
# ---------------------------------------------------------------------------
@dataclass
class AxisEnds:
    """The items at both ends of one principal component: (row, label, coordinate) lists."""

    component: int
    title: str
    low: list[tuple[int, str, float]]
    high: list[tuple[int, str, float]]
    candidates: int


def candidate_rows(emb: EmbeddingSet, top_rated: int | None = TOP_RATED) -> np.ndarray:
    """Rows among which extremes are read: the ``top_rated`` most-rated (``ratings`` column), else all."""
    col = emb.metadata.get("ratings")
    if top_rated is None or col is None or col.kind != "numeric":
        return np.arange(emb.n, dtype=np.int64)
    counts = np.nan_to_num(col.values, nan=-1.0)
    return np.argsort(-counts, kind="stable")[:top_rated].astype(np.int64)


def pca_extremes(emb: EmbeddingSet, pca, component: int, n: int = EXTREMES_N,
                 top_rated: int | None = TOP_RATED) -> AxisEnds:
    """The ``n`` items with the lowest and the highest coordinate on ``component`` (0-based).

    Restricted to the ``top_rated`` most-rated items when the set has a ``ratings`` column
    (fastai's reading of the movie factors); ``top_rated=None`` reads all rows.  ``low`` is
    ascending (most negative first), ``high`` descending.
    """
    if not 0 <= component < pca.n_components:
        raise IndexError(f"component {component} out of range 0..{pca.n_components - 1}")
    rows = candidate_rows(emb, top_rated)
    coords = pca.coords[rows, component].astype(np.float64)
    order = np.argsort(coords, kind="stable")
    low = [(int(rows[i]), emb.labels[rows[i]], float(coords[i])) for i in order[:n]]
    high = [(int(rows[i]), emb.labels[rows[i]], float(coords[i])) for i in order[::-1][:n]]
    return AxisEnds(component, pca.axis_label(component), low, high, len(rows))


def all_pca_extremes(emb: EmbeddingSet, pca, n: int = EXTREMES_N,
                     top_rated: int | None = TOP_RATED) -> list[AxisEnds]:
    """:func:`pca_extremes` of every component."""
    return [pca_extremes(emb, pca, c, n, top_rated) for c in range(pca.n_components)]


# ---------------------------------------------------------------------------
# 6. Analogies
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ClassicAnalogy:
    """a is to b as c is to ``expected`` (a ``relation`` like "capital")."""

    relation: str
    a: str
    b: str
    c: str
    expected: str

    def text(self) -> str:
        return f"{self.a} : {self.b} :: {self.c} : ?"


#: Classic analogies to step through (Mikolov et al. 2013 and the usual lecture examples).
CLASSIC_ANALOGIES: tuple[ClassicAnalogy, ...] = tuple(ClassicAnalogy(*t) for t in (
    ("gender", "man", "king", "woman", "queen"),
    ("capital", "france", "paris", "italy", "rome"),
    ("capital", "germany", "berlin", "japan", "tokyo"),
    ("capital", "russia", "moscow", "china", "beijing"),
    ("capital", "england", "london", "spain", "madrid"),
    ("gender", "brother", "sister", "son", "daughter"),
    ("gender", "husband", "wife", "uncle", "aunt"),
    ("gender", "actor", "actress", "prince", "princess"),
    ("comparative", "good", "better", "bad", "worse"),
    ("comparative", "big", "bigger", "small", "smaller"),
    ("past tense", "go", "went", "see", "saw"),
    ("plural", "car", "cars", "child", "children"),
    ("adverb", "quick", "quickly", "slow", "slowly"),
    ("capital", "canada", "ottawa", "egypt", "cairo"),
))


def available_analogies(emb: EmbeddingSet | None, case_insensitive: bool = True) -> list[ClassicAnalogy]:
    """The classic analogies all of whose four words are labels of ``emb``."""
    if emb is None:
        return []

    def has(word: str) -> bool:
        try:
            emb.row(word, case_insensitive=case_insensitive)
            return True
        except KeyError:
            return False

    return [q for q in CLASSIC_ANALOGIES if all(has(w) for w in (q.a, q.b, q.c, q.expected))]
