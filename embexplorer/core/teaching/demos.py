"""Offline demos: a synthetic ratings set with planted genres, and gensim's bundled text samples.

"Genres, learned" shows the lecture's point about collaborative filtering:
ratings are generated from hidden genre vectors (users' tastes dotted with
movies' genre flags, plus biases and noise, rescaled to 1-5 stars), and a
matrix-factorisation model that never sees a genre learns movie vectors that
separate by genre.  :func:`linear_probe_score` measures how well vectors
predict the hidden genre; :func:`chance_level` is the score to beat.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embexplorer.core.recommender.factors import UserItemFactors

#: Genres of the demo, in flag-column order.  A movie's true (hidden) genre is its first flag.
DEMO_GENRES = ("Action", "Sci-Fi", "Horror", "Comedy", "Romance", "Drama")

#: The lecture's hand-made genre table: fictional movies and their genre flags.
LECTURE_MOVIES = (
    ("The Last Starfighter Returns", ("Action", "Sci-Fi")),
    ("Quantum Drift", ("Sci-Fi",)),
    ("Orbit of Silence", ("Sci-Fi", "Drama")),
    ("Steel Thunder", ("Action",)),
    ("Midnight Chase", ("Action", "Comedy")),
    ("The Hollow House", ("Horror",)),
    ("Teeth in the Dark", ("Horror",)),
    ("Don't Open the Attic", ("Horror", "Comedy")),
    ("My Cousin's Wedding", ("Comedy", "Romance")),
    ("Office Chaos", ("Comedy",)),
    ("Paris in the Rain", ("Romance",)),
    ("Letters to Juliet's Sister", ("Romance", "Drama")),
    ("The Quiet Harvest", ("Drama",)),
    ("A Long Winter", ("Drama",)),
)

#: Title words per genre for the generated movies (fictional, combined with a seed).
_TITLE_WORDS = {
    "Action": (("Steel", "Iron", "Rogue", "Final", "Deadly", "Silent", "Red", "Burning"),
               ("Strike", "Vengeance", "Protocol", "Fury", "Justice", "Target", "Run", "Force")),
    "Sci-Fi": (("Star", "Quantum", "Galactic", "Neon", "Android", "Lunar", "Cosmic", "Binary"),
               ("Horizon", "Colony", "Paradox", "Frontier", "Signal", "Odyssey", "Nebula", "Machine")),
    "Horror": (("Hollow", "Cursed", "Bleeding", "Whispering", "Haunted", "Rotten", "Nameless", "Grim"),
               ("House", "Woods", "Doll", "Cellar", "Asylum", "Ritual", "Shadow", "Lake")),
    "Comedy": (("Crazy", "Awkward", "Big", "Lucky", "Clumsy", "Wild", "Goofy", "Accidental"),
               ("Vacation", "Roommates", "Wedding", "Weekend", "Neighbours", "Road Trip", "Party",
                "Interns")),
    "Romance": (("Summer", "Sweet", "Moonlit", "Forever", "Secret", "Tender", "Spring", "Golden"),
                ("Kiss", "Promise", "Letters", "Heart", "Serenade", "Waltz", "Sunset", "Affair")),
    "Drama": (("Quiet", "Broken", "Distant", "Long", "Bitter", "Silent", "Fading", "Honest"),
              ("Winter", "Harvest", "Inheritance", "Testament", "River", "Years", "Homecoming",
               "Verdict")),
}

#: Sizes of the generated set (small enough to train live in seconds).
DEMO_N_USERS = 600
DEMO_N_ITEMS = 300
#: Ratings per user: drawn between these bounds (log-uniform), like MovieLens's heavy tail.
DEMO_MIN_RATINGS_PER_USER = 20
DEMO_MAX_RATINGS_PER_USER = 150
#: Share of generated movies that carry a second genre flag.
DEMO_SECOND_GENRE_SHARE = 0.3
#: Weight of a second genre in a movie's planted vector (the first has 1).
DEMO_SECOND_GENRE_WEIGHT = 0.5
#: Spread of the planted parts of a rating (in the score's units).
DEMO_TASTE_SCALE = 1.0
DEMO_USER_BIAS_SD = 0.4
DEMO_ITEM_BIAS_SD = 0.4
DEMO_NOISE_SD = 0.5
#: Popularity skew: item sampling weight ~ rank^-DEMO_POPULARITY_EXPONENT.
DEMO_POPULARITY_EXPONENT = 0.8
#: Star mapping: stars = clip(round(DEMO_STAR_CENTRE + DEMO_STAR_SPREAD * z), 1, 5), z standardised.
DEMO_STAR_CENTRE = 3.5
DEMO_STAR_SPREAD = 1.1
RATING_MIN, RATING_MAX = 1, 5

#: Training of the demo: slow enough that the genres visibly emerge epoch by epoch
#: (probe ~chance after epoch 1, ~0.95 by epoch 4, ~0.99 at the end), a few seconds in all.
GENRES_DEMO_FACTORS = 20
GENRES_DEMO_EPOCHS = 10
GENRES_DEMO_LR = 1e-3
#: One-line captions for the start page / status bar.
GENRES_DEMO_NOTE = ("Synthetic ratings generated from hidden genres: the model is never told a genre, "
                    "yet its movie vectors come to separate by genre (colour = hidden genre).")
WIKI_DEMO_NOTE = ("Word2vec on gensim's small Wikipedia and news sample: months, numbers and countries "
                  "gather, but analogies stay near zero — they need far more text (try GloVe).")

#: Cross-validation folds of the linear probe.
PROBE_FOLDS = 5
#: Iteration cap of the probe's logistic regression.
PROBE_MAX_ITER = 2000
#: BLAS threads for the probe's small fits (300 x 20): more threads only add hand-over overhead (ten times
#: the CPU time of one thread, measured on 2 cores) and slow the UI thread beside them.
PROBE_BLAS_THREADS = 1
#: threadpoolctl changes a process-wide setting: probes running at once (two windows' demos) take turns, so
#: one cannot restore another's limit.
_PROBE_LOCK = threading.Lock()

#: gensim's bundled corpora used by the "Word2vec on a Wikipedia sample" demo.
LEE_CORPUS_NAME = "lee_background.cor"
ENWIKI_SAMPLE_NAME = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"


@dataclass
class GenreRatings(UserItemFactors):
    """The generated demo ratings and the truth behind them.

    Attributes
    ----------
    users, items : ndarray of int32
        Indices, one per rating (each (user, item) pair at most once).
    ratings : ndarray of float32
        Whole stars 1-5.
    titles : list of str
        One per item.
    genre_names : list of str
        :data:`DEMO_GENRES`.
    genres : ndarray of bool, shape (n_items, n_genres)
        Genre flags.
    true_genre : ndarray of int32
        Index of each item's hidden genre (its first flag).
    item_factors, user_factors : ndarray of float64
        The planted vectors (genre space) the ratings came from.
    seed : int
    """

    users: np.ndarray
    items: np.ndarray
    ratings: np.ndarray
    titles: list[str]
    genre_names: list[str]
    genres: np.ndarray
    true_genre: np.ndarray
    item_factors: np.ndarray
    user_factors: np.ndarray
    seed: int

    @property
    def true_genre_names(self) -> list[str]:
        """The hidden genre of each item, by name."""
        return [self.genre_names[g] for g in self.true_genre]


def _demo_movies(rng: np.random.Generator, n_items: int) -> tuple[list[str], np.ndarray]:
    """Titles and genre flags: the lecture table first, then generated movies, genres balanced."""
    g_index = {g: i for i, g in enumerate(DEMO_GENRES)}
    titles: list[str] = []
    flags = np.zeros((n_items, len(DEMO_GENRES)), dtype=bool)
    for row, (title, genres) in enumerate(LECTURE_MOVIES[:n_items]):
        titles.append(title)
        flags[row, [g_index[g] for g in genres]] = True
    used = set(titles)
    row = len(titles)
    while row < n_items:
        first = row % len(DEMO_GENRES)  # round robin keeps the genres balanced
        adjectives, nouns = _TITLE_WORDS[DEMO_GENRES[first]]
        title = f"{adjectives[rng.integers(len(adjectives))]} {nouns[rng.integers(len(nouns))]}"
        if title in used:  # the same two words again: number the sequel
            k = 2
            while f"{title} {k}" in used:
                k += 1
            title = f"{title} {k}"
        used.add(title)
        titles.append(title)
        flags[row, first] = True
        # A second genre comes after the first in DEMO_GENRES, so the first flag stays the true genre.
        if first + 1 < len(DEMO_GENRES) and rng.random() < DEMO_SECOND_GENRE_SHARE:
            flags[row, rng.integers(first + 1, len(DEMO_GENRES))] = True
        row += 1
    return titles, flags


def generate_genre_ratings(seed: int = 0, n_users: int = DEMO_N_USERS,
                           n_items: int = DEMO_N_ITEMS) -> GenreRatings:
    """Generate the "Genres, learned" ratings from planted genre vectors.

    A movie's planted vector is its genre flags (first genre 1, second
    :data:`DEMO_SECOND_GENRE_WEIGHT`); a user's is a random taste per genre.
    score = taste . genres + user bias + movie bias + noise, standardised and
    rounded to 1-5 stars.  Each user rates a random subset (sizes and movie
    popularity skewed as in real data).  Deterministic for a given ``seed``.
    """
    rng = np.random.default_rng(seed)
    titles, flags = _demo_movies(rng, n_items)
    first = np.argmax(flags, axis=1).astype(np.int32)
    item_factors = flags.astype(np.float64) * DEMO_SECOND_GENRE_WEIGHT
    item_factors[np.arange(n_items), first] = 1.0
    user_factors = rng.normal(0.0, DEMO_TASTE_SCALE, size=(n_users, len(DEMO_GENRES)))
    user_bias = rng.normal(0.0, DEMO_USER_BIAS_SD, size=n_users)
    item_bias = rng.normal(0.0, DEMO_ITEM_BIAS_SD, size=n_items)

    # Popularity: a random order of movies with Zipf-like weights.
    popularity = np.empty(n_items)
    popularity[rng.permutation(n_items)] = np.arange(1, n_items + 1) ** -DEMO_POPULARITY_EXPONENT
    popularity /= popularity.sum()
    lo, hi = np.log(DEMO_MIN_RATINGS_PER_USER), np.log(min(DEMO_MAX_RATINGS_PER_USER, n_items))
    per_user = np.exp(rng.uniform(lo, hi, size=n_users)).astype(int)
    users_list, items_list = [], []
    for u, k in enumerate(per_user):
        chosen = rng.choice(n_items, size=k, replace=False, p=popularity)
        users_list.append(np.full(k, u, dtype=np.int32))
        items_list.append(np.sort(chosen).astype(np.int32))
    users = np.concatenate(users_list)
    items = np.concatenate(items_list)
    score = (np.einsum("ij,ij->i", user_factors[users], item_factors[items])
             + user_bias[users] + item_bias[items] + rng.normal(0.0, DEMO_NOISE_SD, size=len(users)))
    z = (score - score.mean()) / score.std()
    stars = np.clip(np.rint(DEMO_STAR_CENTRE + DEMO_STAR_SPREAD * z), RATING_MIN, RATING_MAX)
    return GenreRatings(users, items, stars.astype(np.float32), titles, list(DEMO_GENRES), flags, first,
                        item_factors, user_factors, seed)


def genres_learned_ratings(seed: int = 0):
    """The demo set as a :class:`embexplorer.core.recommender.movielens.Ratings` (layout "csv").

    User ids are ``"1"``.. and item ids ``"1"``..; ``Ratings.main_genres()``
    gives each movie's hidden true genre.
    """
    from embexplorer.core.recommender.movielens import Ratings

    demo = generate_genre_ratings(seed)
    return Ratings(demo.users, demo.items, demo.ratings, None,
                   [str(i + 1) for i in range(demo.n_users)], [str(i + 1) for i in range(demo.n_items)],
                   titles=list(demo.titles), genre_names=list(demo.genre_names), genres=demo.genres.copy(),
                   layout="csv", source=f"demo: Genres, learned (seed {seed})")


def genres_demo_config():
    """:class:`embexplorer.core.recommender.mf.MFConfig` for training the demo live
    (see :data:`GENRES_DEMO_EPOCHS`)."""
    from embexplorer.core.recommender.mf import MFConfig

    return MFConfig(n_factors=GENRES_DEMO_FACTORS, epochs=GENRES_DEMO_EPOCHS, lr=GENRES_DEMO_LR, seed=0)


def chance_level(labels) -> float:
    """Accuracy of always guessing the most frequent label (the score a probe must beat)."""
    _, counts = np.unique(np.asarray(labels), return_counts=True)
    return float(counts.max() / counts.sum()) if counts.size else 0.0


def linear_probe_score(vectors, labels, seed: int = 0) -> float:
    """Cross-validated accuracy of a logistic regression predicting ``labels`` from ``vectors``.

    Stratified :data:`PROBE_FOLDS`-fold (fewer if a class is rarer), features
    standardised; compare with :func:`chance_level`.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits  # a scikit-learn dependency

    X = np.asarray(vectors, dtype=np.float64)
    y = np.asarray(labels)
    _, counts = np.unique(y, return_counts=True)
    folds = int(min(PROBE_FOLDS, counts.min()))
    if folds < 2 or len(counts) < 2:
        raise ValueError("the probe needs at least two labels with two examples each")
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=PROBE_MAX_ITER))
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    with _PROBE_LOCK, threadpool_limits(limits=PROBE_BLAS_THREADS, user_api="blas"):
        return float(np.mean(cross_val_score(model, X, y, cv=cv)))


# ---------------------------------------------------------------------------
# "Word2vec on a Wikipedia sample"
# ---------------------------------------------------------------------------

def gensim_test_data_dir() -> Path:
    """gensim's bundled ``test/test_data`` folder."""
    import gensim

    return Path(gensim.__file__).resolve().parent / "test" / "test_data"


def wiki_sample_corpus_paths() -> tuple[Path, Path]:
    """Paths of gensim's Lee news corpus and its shortened English Wikipedia dump.

    Raises
    ------
    DataError
        When the gensim installation lacks them.
    """
    from embexplorer.core.errors import DataError

    folder = gensim_test_data_dir()
    lee, wiki = folder / LEE_CORPUS_NAME, folder / ENWIKI_SAMPLE_NAME
    for p in (lee, wiki):
        if not p.is_file():
            raise DataError("gensim's sample corpus is missing from this installation", p)
    return lee, wiki


def wiki_sample_corpus(max_articles: int | None = None):
    """The demo corpus: the Lee corpus followed by the Wikipedia sample (restartable, lower-cased)."""
    from embexplorer.core.word2vec.w2v import ConcatCorpus, LineCorpus, WikiDumpCorpus

    lee, wiki = wiki_sample_corpus_paths()
    return ConcatCorpus([LineCorpus(lee, lowercase=True, strip_punct=True),
                         WikiDumpCorpus(wiki, lowercase=True, max_articles=max_articles)])


def analogy_questions_path() -> Path:
    """gensim's copy of the Google analogy test set (``questions-words.txt``)."""
    return gensim_test_data_dir() / "questions-words.txt"


def wiki_demo_settings():
    """Hyperparameters for the Wikipedia-sample demo (a few seconds on 2 cores)."""
    from embexplorer.core.word2vec.w2v import W2VSettings

    return W2VSettings(sg=False, vector_size=50, window=5, min_count=5, negative=5, epochs=10, seed=1)
