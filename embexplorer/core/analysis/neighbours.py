"""Nearest neighbours: top-k by cosine, dot product or Euclidean distance.

The cosine path mirrors gensim's ``KeyedVectors.most_similar`` operation by
operation (same float32/float64 mix, the same BLAS norm for the query mean,
``dot(vectors, mean) / norms`` and the same partial sort), so the labels *and*
the scores are identical to gensim's on the same vectors -- ties included.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from embexplorer.core.data.embeddings import EmbeddingSet
from embexplorer.core.errors import DataError

#: Metrics offered for neighbour queries.
METRICS = ("cosine", "dot", "euclidean")
#: Smallest and largest number of neighbours a query may ask for.
MIN_K = 1
MAX_K = 1000
#: Default number of neighbours.
DEFAULT_K = 10

#: Closest labels suggested for an unknown one.
SUGGESTIONS = 5
#: Rows compared when suggesting labels (the most frequent words of a sorted file; ~0.1 s).
SUGGEST_SCAN_ROWS = 20_000
#: Smallest difflib similarity ratio for a suggestion.
SUGGEST_CUTOFF = 0.6
#: The one rule for matching labels, used by neighbours, analogies, evaluate and similarity by default.
CASE_RULE = ("labels match exactly first, then ignoring case (the first, most frequent, matching row "
             "wins)")

# gensim normalises the mean query vector with float64 BLAS nrm2/scal (matutils.unitvec);
# using the very same routines keeps the mean bit-identical.  Fetched on first use: importing
# scipy.linalg takes ~0.4 s, which the window's start-up does not pay.
_BLAS: list = []
_BLAS_LOCK = threading.Lock()


def warm_up(emb: EmbeddingSet | None = None) -> None:
    """Import what the first query needs (scipy's BLAS, ~0.4 s), e.g. on a worker thread once the
    window is up, so that the first click does not wait for it; with ``emb``, compute its row norms
    too (the cosine axes', the neighbours' and the unit vectors': 0.24 s at 3,000,000 x 300, not paid
    by the first placement of the axes, which must stay under 100 ms) and its label indexes (the first
    query by label, 2.2 s at 3,000,000 labels, and the first label missing in that case, 3 s more,
    which the UI thread spent building them)."""
    _blas()
    if emb is not None:
        emb.norms  # noqa: B018 -- computed once, kept by the set
        emb.index  # noqa: B018 -- the same
        emb.lower_index  # noqa: B018 -- the same


def _blas():
    # The warm-up (a worker thread) and a first query (the UI thread) may get here together: the
    # list is filled whole under the lock, never twice.
    with _BLAS_LOCK:
        if not _BLAS:
            from scipy.linalg import get_blas_funcs

            _BLAS.extend(get_blas_funcs(("nrm2", "scal"), (np.array([], dtype=float),)))
        return _BLAS[0], _BLAS[1]

#: Below this many rows :func:`top_order` simply partitions everything.
TOP_SAMPLE_MIN_ROWS = 50_000
#: Scores sampled (strided) by :func:`top_order` to find its threshold.
TOP_SAMPLE_ROWS = 8_192


class UnknownLabel(DataError, KeyError):
    """A label asked for is not in the embedding set.

    Attributes
    ----------
    label : str
        The label asked for.
    case_hit : str or None
        The label that differs only in case, where one exists (found when matching exactly).
    suggestions : tuple of str
        The closest labels by spelling (:func:`close_labels`), best first.
    """

    def __init__(self, label: str, suggestions: Sequence[str] = (), case_hit: str | None = None) -> None:
        self.label = label
        self.suggestions = tuple(suggestions)
        self.case_hit = case_hit
        reason = f"label {label!r} is not in the embeddings"
        if case_hit is not None:
            reason += f"; {case_hit!r} differs only in case (match ignoring case to use it)"
        others = [s for s in self.suggestions if s != case_hit]
        if others:
            reason += "; closest: " + ", ".join(repr(s) for s in others)
        super().__init__(reason)

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return DataError.__str__(self)

    def __reduce__(self):
        return (type(self), (self.label, self.suggestions, self.case_hit))


def close_labels(emb: EmbeddingSet, label: str, n: int = SUGGESTIONS) -> list[str]:
    """The ``n`` labels spelt most like ``label`` (difflib ratio >= :data:`SUGGEST_CUTOFF`), best first.

    Case is ignored when comparing; only the first :data:`SUGGEST_SCAN_ROWS` rows (the most frequent
    words of a sorted file) are compared, so that a miss in a 3-million-row set answers at once.
    """
    if emb.n == 0 or not label:
        return []
    folded: dict[str, str] = {}
    for lab in emb.labels[:SUGGEST_SCAN_ROWS]:
        folded.setdefault(lab.lower(), lab)
    hits = difflib.get_close_matches(label.lower(), list(folded), n=n, cutoff=SUGGEST_CUTOFF)
    return [folded[h] for h in hits]


def unknown_label(emb: EmbeddingSet, label: str, case_insensitive: bool) -> UnknownLabel:
    """The :class:`UnknownLabel` for ``label``, with the case-insensitive hit and the closest labels."""
    case_hit = None
    if not case_insensitive:
        try:
            case_hit = emb.labels[emb.row(label, case_insensitive=True)]
        except KeyError:
            pass
    suggestions = close_labels(emb, label)
    if case_hit is not None:
        suggestions = [case_hit, *(s for s in suggestions if s != case_hit)][:SUGGESTIONS]
    return UnknownLabel(label, suggestions, case_hit)


@dataclass(frozen=True)
class Neighbour:
    """One result row: the row index, its label and its score.

    ``score`` is the cosine similarity, the dot product or the Euclidean
    distance, depending on the metric (3CosMul: the multiplicative objective).
    """

    row: int
    label: str
    score: float


def resolve_row(emb: EmbeddingSet, key: str | int, case_insensitive: bool = False) -> int:
    """The row of ``key`` (a label, or a row number); raises :class:`UnknownLabel`.

    With ``case_insensitive`` an exact match wins, then the first row matching ignoring case
    (:data:`CASE_RULE`).  The error names the label differing only in case, if any, and the closest
    labels by spelling.
    """
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        if not 0 <= int(key) < emb.n:
            raise DataError(f"row {int(key)} is out of range (0..{emb.n - 1})")
        return int(key)
    try:
        return emb.row(str(key), case_insensitive=case_insensitive)
    except KeyError:
        raise unknown_label(emb, str(key), case_insensitive) from None


def check_k(k: int) -> int:
    """Validate a neighbour count (``MIN_K``..``MAX_K``)."""
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not MIN_K <= k <= MAX_K:
        raise ValueError(f"k must be an integer from {MIN_K} to {MAX_K}, got {k!r}")
    return int(k)


def _stop(emb: EmbeddingSet, restrict: int | None) -> int:
    if restrict is None or restrict == 0:
        return emb.n
    if restrict < 0:
        raise ValueError(f"restrict must be positive, got {restrict}")
    return min(int(restrict), emb.n)


def unitvec(vec: np.ndarray) -> np.ndarray:
    """gensim ``matutils.unitvec`` for a dense float vector (float64 BLAS; zero stays zero)."""
    nrm2, scal = _blas()
    veclen = 0.0 if vec.size == 0 else nrm2(vec)
    if veclen > 0.0:
        return scal(1.0 / veclen, vec).astype(vec.dtype)
    return vec


def gensim_mean(emb: EmbeddingSet, items: Sequence[tuple[int | np.ndarray, float]]) -> np.ndarray:
    """The unit-length weighted mean gensim ``most_similar`` queries with.

    Parameters
    ----------
    emb : EmbeddingSet
    items : sequence of (row or vector, weight)
        Rows contribute their unit vector, raw vectors contribute as given
        (``get_mean_vector(pre_normalize=True, post_normalize=True)``).

    Returns
    -------
    numpy.ndarray, float32, shape (d,)
    """
    if len(items) == 0:
        raise ValueError("cannot compute mean with no input")
    norms = emb.norms
    mean = np.zeros(emb.dims, np.float32)
    total_weight = 0
    for key, weight in items:
        w = np.float64(weight)  # float64 scalar: the products are float64, as in gensim
        if isinstance(key, np.ndarray):
            mean += w * key
        else:
            mean += w * (emb.vectors[key] / norms[key])
        total_weight += abs(w)
    if total_weight > 0:
        mean = mean / total_weight
    return unitvec(mean).astype(np.float32)


def gensim_argsort_desc(x: np.ndarray, topn: int) -> np.ndarray:
    """Indices of the ``topn`` largest values, largest first (gensim ``matutils.argsort``)."""
    x = np.asarray(x)
    if topn <= 0:
        return np.empty(0, dtype=np.intp)
    x = -x
    if topn >= x.size:
        return np.argsort(x)[:topn]
    most_extreme = np.argpartition(x, topn)[:topn]
    return most_extreme.take(np.argsort(x.take(most_extreme)))


def top_order(scores: np.ndarray, topn: int) -> np.ndarray:
    """:func:`gensim_argsort_desc` for large score arrays, without a full partition.

    A strided sample's ``topn + 1``-th largest value is a threshold that at least ``topn + 1``
    scores reach; only those (a few hundred of millions) are ranked.  When two of the best
    ``topn + 1`` scores are equal (or a score is NaN) the order gensim gives depends on how its
    partition visits ties, so the full :func:`gensim_argsort_desc` decides instead: the result
    is always the same as gensim's.
    """
    n = scores.shape[0]
    if topn <= 0 or n < TOP_SAMPLE_MIN_ROWS:
        return gensim_argsort_desc(scores, topn)
    step = max(1, n // max(TOP_SAMPLE_ROWS, 4 * (topn + 1)))
    sample = scores[::step]
    if len(sample) <= topn + 1:
        return gensim_argsort_desc(scores, topn)
    thr = np.partition(sample, len(sample) - topn - 1)[len(sample) - topn - 1]
    if not np.isfinite(thr):
        return gensim_argsort_desc(scores, topn)
    cand = np.flatnonzero(scores >= thr)  # holds the sample's best topn + 1 at least
    vals = scores[cand]
    order = gensim_argsort_desc(vals, topn + 1)
    best = vals[order]
    if not np.all(best[:-1] > best[1:]) or np.isnan(vals).any():
        return gensim_argsort_desc(scores, topn)  # ties: gensim's partition decides their order
    return cand[order[:topn]]


def _as_items(emb: EmbeddingSet, keys: Iterable, sign: float, case_insensitive: bool
              ) -> tuple[list[tuple[int | np.ndarray, float]], list[int]]:
    items, rows = [], []
    for item in keys:
        if isinstance(item, tuple):
            key, weight = item
        else:
            key, weight = item, sign
        if isinstance(key, np.ndarray):
            if key.shape != (emb.dims,):
                raise ValueError(f"query vector must have shape ({emb.dims},), got {key.shape}")
            items.append((key, weight))
        else:
            row = resolve_row(emb, key, case_insensitive)
            items.append((row, weight))
            rows.append(row)
    return items, rows


def _ensure_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, (str, int, np.integer, np.ndarray)):
        return [value]
    return list(value)


def most_similar(emb: EmbeddingSet, positive=None, negative=None, topn: int = DEFAULT_K,
                 restrict: int | None = None, case_insensitive: bool = False,
                 exclude_inputs: bool = True) -> list[Neighbour]:
    """gensim ``most_similar``: cosine to the mean of unit vectors (3CosAdd for analogies).

    Parameters
    ----------
    emb : EmbeddingSet
    positive, negative : label, row, vector, (key, weight) or a list of them
        Keys pulling towards (weight +1) and away from (weight -1) the query.
    topn : int
        Number of results.
    restrict : int, optional
        Search only the first ``restrict`` rows (gensim ``restrict_vocab``).
    case_insensitive : bool
        Resolve labels ignoring case (exact match first).
    exclude_inputs : bool
        Leave the input rows out of the results, as gensim does.

    Returns
    -------
    list of Neighbour, best first; ``score`` is the cosine similarity.
    """
    if topn < 1:
        return []
    pos_items, pos_rows = _as_items(emb, _ensure_list(positive), 1.0, case_insensitive)
    neg_items, neg_rows = _as_items(emb, _ensure_list(negative), -1.0, case_insensitive)
    mean = gensim_mean(emb, pos_items + neg_items)
    stop = _stop(emb, restrict)
    with np.errstate(divide="ignore", invalid="ignore"):
        dists = np.dot(emb.vectors[:stop], mean) / emb.norms[:stop]
    inputs = pos_rows + neg_rows if exclude_inputs else []
    best = gensim_argsort_desc(dists, topn + len(inputs))
    out = [Neighbour(int(i), emb.labels[i], float(dists[i])) for i in best if i not in inputs]
    return out[:topn]


def most_similar_cosmul(emb: EmbeddingSet, positive=None, negative=None, topn: int = DEFAULT_K,
                        restrict: int | None = None, case_insensitive: bool = False,
                        exclude_inputs: bool = True) -> list[Neighbour]:
    """gensim ``most_similar_cosmul``: 3CosMul of Levy & Goldberg (2014).

    Cosines are shifted to [0, 1]; the score is the product over positive keys
    divided by the product over negative keys (+1e-6).  Unlike gensim (which
    ignores its ``restrict_vocab`` here), ``restrict`` is honoured; without it
    the results are identical to gensim's.
    """
    if topn < 1:
        return []
    pos_items, pos_rows = _as_items(emb, _ensure_list(positive), 1.0, case_insensitive)
    neg_items, neg_rows = _as_items(emb, _ensure_list(negative), -1.0, case_insensitive)
    if not pos_items:
        raise ValueError("cannot compute similarity with no input")
    norms = emb.norms
    stop = _stop(emb, restrict)
    vecs, nrm = emb.vectors[:stop], norms[:stop]

    def unit(key):
        return key if isinstance(key, np.ndarray) else emb.vectors[key] / norms[key]

    with np.errstate(divide="ignore", invalid="ignore"):
        pos_dists = [((1 + np.dot(vecs, unit(k)) / nrm) / 2) for k, _ in pos_items]
        neg_dists = [((1 + np.dot(vecs, unit(k)) / nrm) / 2) for k, _ in neg_items]
        dists = np.prod(pos_dists, axis=0) / (np.prod(neg_dists, axis=0) + 0.000001)
    inputs = set(pos_rows + neg_rows) if exclude_inputs else set()
    best = gensim_argsort_desc(dists, topn + len(inputs))
    out = [Neighbour(int(i), emb.labels[i], float(dists[i])) for i in best if i not in inputs]
    return out[:topn]


def nearest(emb: EmbeddingSet, query: str | int | np.ndarray, k: int = DEFAULT_K, metric: str = "cosine",
            restrict: int | None = None, case_insensitive: bool = False,
            exclude: Iterable[int] = (), exclude_query: bool = True) -> list[Neighbour]:
    """The ``k`` nearest rows to a label, a row or a vector.

    Parameters
    ----------
    emb : EmbeddingSet
    query : str, int or numpy.ndarray
        A label, a row number or a vector of length ``emb.dims``.
    k : int
        Number of neighbours, ``MIN_K``..``MAX_K``.
    metric : {"cosine", "dot", "euclidean"}
        Cosine and dot: largest first; Euclidean: smallest distance first.
        Cosine is gensim ``most_similar`` / ``similar_by_vector`` exactly.
    restrict : int, optional
        Search only the first ``restrict`` rows.
    case_insensitive : bool
        Resolve a label ignoring case (exact match first).
    exclude : iterable of int
        Further rows to leave out.
    exclude_query : bool
        Leave the query's own row out (when the query is a label or row).

    Returns
    -------
    list of Neighbour, best first.
    """
    k = check_k(k)
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    if isinstance(query, np.ndarray):
        if query.shape != (emb.dims,):
            raise ValueError(f"query vector must have shape ({emb.dims},), got {query.shape}")
        qrow = None
    else:
        qrow = resolve_row(emb, query, case_insensitive)
    skip = [int(r) for r in exclude]
    if qrow is not None and exclude_query:
        skip.append(qrow)
    stop = _stop(emb, restrict)
    if metric == "cosine":
        key = query if qrow is None else qrow
        mean = gensim_mean(emb, [(key, 1.0)])
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = np.dot(emb.vectors[:stop], mean) / emb.norms[:stop]
        order = top_order(scores, k + len(skip))
    else:
        q = np.asarray(query if qrow is None else emb.vectors[qrow], dtype=np.float32)
        dots = np.dot(emb.vectors[:stop], q)
        if metric == "dot":
            scores = dots
            order = top_order(scores, k + len(skip))
        else:
            sq = emb.norms[:stop] ** 2 - 2 * dots + np.float32(np.dot(q, q))
            scores = np.sqrt(np.maximum(sq, 0))
            order = top_order(-scores, k + len(skip))
    skipset = set(skip)
    out = [Neighbour(int(i), emb.labels[i], float(scores[i])) for i in order if int(i) not in skipset]
    return out[:k]
