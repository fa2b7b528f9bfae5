"""Benchmark evaluation: analogy test sets and word-similarity test sets.

:func:`evaluate_analogies` gives the same answers as gensim
``KeyedVectors.evaluate_word_analogies`` question by question (same
out-of-vocabulary rule, same case folding, same exclusion of the inputs),
but scores questions in blocks: one matrix product per block, inputs masked,
argmax.  A block product rounds differently from gensim's per-question
matrix-vector product in the last bits, so any question whose best and
second-best scores lie within a rounding-error bound (:data:`TIE_SAFETY`) is re-scored exactly the
way gensim does it; the answers are therefore identical, ties included.

:func:`evaluate_word_pairs` mirrors gensim ``evaluate_word_pairs`` (Pearson,
Spearman, out-of-vocabulary ratio).
"""

from __future__ import annotations

import math
import os
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from itertools import chain
from typing import NamedTuple

import numpy as np

from embexplorer.core.analysis.analogy_questions import (  # noqa: F401 -- the evaluation's API, read here
    AnalogyQuestion,
    AnalogySection,
    codec_name,
    question_words,
    read_analogy_questions,
    read_analogy_questions_kept,
)
from embexplorer.core.analysis.batch_neighbours import BLAS_LIMIT_LOCK, worker_count
from embexplorer.core.analysis.neighbours import (
    most_similar,
    most_similar_cosmul,
    unitvec,
)
from embexplorer.core.data.embeddings import EmbeddingSet
from embexplorer.core.errors import DataError
from embexplorer.core.progress import TaskControl, ensure_control

#: gensim's default: only the first 300,000 rows count (files are sorted by frequency).
DEFAULT_RESTRICT = 300_000
#: Analogy evaluation methods.
EVAL_METHODS = ("3cosadd", "3cosmul")
#: Bounds on questions per block.
EVAL_BLOCK_MIN = 8
EVAL_BLOCK_MAX = 1024
#: A block of questions is scored against the vocabulary in tiles of this many rows: a tile of
#: scores (this x EVAL_QUESTION_BLOCK x 4 bytes, 6 MiB) stays in the CPU cache between the product that
#: writes it and the pass that reads it, instead of a block of scores going out to memory and back
#: (what the "GEMM + argmax" floor does).  2,048 measured fastest of 1,024 to 32,768 at 50 dims.
EVAL_TILE_ROWS = 2048
#: 3CosMul's tiles: three cosines per score (a product three times as wide, then combined) fill the
#: CPU cache at a quarter of the rows (512 measured 15 % faster than 1,024 and 30 % than 2,048).
EVAL_COSMUL_TILE_ROWS = 512
#: Rows per chunk of a tile whose column maxima are taken together (a multiple of 8 for SIMD; 32 and
#: 64 measured fastest of 16 to 128).
EVAL_CHUNK_ROWS = 32
#: Questions per block, at most: the blocks are then evened out to a multiple of the worker
#: threads (3,006 questions on two: four blocks of 752).  A tile of 6 MiB per worker; 768 measured 5 %
#: faster than 512 and 384 at 50 dims (an uneven last round of blocks cost more than the size).
EVAL_QUESTION_BLOCK = 768
#: 3CosAdd: a question whose best and second-best block scores differ by less than
#: ``TIE_SAFETY * (dims + TIE_EXTRA_ROUNDINGS) * 2**-24`` is re-scored exactly.  A float32 dot
#: product of unit-bounded vectors is off by at most about dims * 2**-24 (summation), plus a few
#: roundings from normalising; both our block product and gensim's matrix-vector product carry
#: such an error, and the safety factor covers both with room to spare.
TIE_SAFETY = 4.0
TIE_EXTRA_ROUNDINGS = 8
#: 3CosMul: the same check, relative to the score (its ratio amplifies cosine rounding).
TIE_TOLERANCE_COSMUL = 1e-4
#: gensim considers the 5 best non-input candidates and takes the first that is not a case
#: variant of an input; more variants than this send the question down the exact path.
GENSIM_CANDIDATES = 5
#: Vocabularies built by :func:`_ok_vocab`, per embedding set.
_VOCABS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: Delimiter of word-pair files (gensim's default).
PAIRS_DELIMITER = "\t"


# -- analogy test sets ------------------------------------------------------------

class QuestionOutcome(NamedTuple):
    """One evaluated question and the label predicted for it (a named tuple: made by the thousand)."""

    question: AnalogyQuestion
    predicted: str
    predicted_row: int
    correct: bool
    rows: tuple[int, int, int] = (-1, -1, -1)  # rows of a, b, c as the evaluation resolved them


@dataclass
class SectionReport:
    """Correct and incorrect questions of one section; ``skipped`` were out of vocabulary."""

    name: str
    correct: list[QuestionOutcome] = field(default_factory=list)
    incorrect: list[QuestionOutcome] = field(default_factory=list)
    skipped: int = 0

    @property
    def evaluated(self) -> int:
        return len(self.correct) + len(self.incorrect)

    @property
    def accuracy(self) -> float:
        """Fraction correct (0.0 when nothing was evaluated, as gensim reports)."""
        n = self.evaluated
        return len(self.correct) / n if n else 0.0


@dataclass
class AnalogyReport:
    """Result of :func:`evaluate_analogies`."""

    sections: list[SectionReport]
    method: str
    restrict: int
    case_insensitive: bool
    seconds: float
    source: str = ""
    exact_rescored: int = 0  # questions re-scored exactly because of a near tie

    @property
    def correct(self) -> int:
        return sum(len(s.correct) for s in self.sections)

    @property
    def incorrect(self) -> int:
        return sum(len(s.incorrect) for s in self.sections)

    @property
    def evaluated(self) -> int:
        return self.correct + self.incorrect

    @property
    def skipped(self) -> int:
        """Questions skipped as out of vocabulary."""
        return sum(s.skipped for s in self.sections)

    @property
    def questions(self) -> int:
        return self.evaluated + self.skipped

    @property
    def accuracy(self) -> float:
        return self.correct / self.evaluated if self.evaluated else 0.0

    def to_dict(self) -> dict:
        """Plain data for ``--json``."""
        return {
            "source": self.source, "method": self.method, "restrict": self.restrict,
            "case_insensitive": self.case_insensitive, "accuracy": self.accuracy,
            "correct": self.correct, "incorrect": self.incorrect, "evaluated": self.evaluated,
            "skipped_oov": self.skipped, "questions": self.questions, "seconds": self.seconds,
            "sections": [{"name": s.name, "accuracy": s.accuracy, "correct": len(s.correct),
                          "incorrect": len(s.incorrect), "skipped_oov": s.skipped}
                         for s in self.sections],
        }


#: Fills a tile: (first row, row after the last, out: rows x questions) -> None.
TileScorer = Callable[[int, int, np.ndarray], None]


def _scorer_3cosadd(unit: np.ndarray, r: np.ndarray) -> TileScorer:
    """Scores of rows ``c0:c1`` for every question (rows ``r``: its a, b, c) into ``out`` (rows x
    questions): the cosine with ``b + c - a``, unit length (gensim's 3CosAdd)."""
    q = unit[r[:, 1]] + unit[r[:, 2]] - unit[r[:, 0]]
    qn = np.linalg.norm(q, axis=1, keepdims=True)
    q /= np.where(qn > 0, qn, 1)
    q_t = q.T

    def score(c0: int, c1: int, out: np.ndarray) -> None:
        np.matmul(unit[c0:c1], q_t, out=out)
    return score


def _scorer_3cosmul(unit: np.ndarray, r: np.ndarray, cos_buf: np.ndarray) -> TileScorer:
    """As :func:`_scorer_3cosadd`, 3CosMul's score (gensim's ``most_similar_cosmul``): the cosines with
    b, c and a from one product into ``cos_buf`` (rows x 3 questions), then combined."""
    k = len(r)
    q3 = unit[np.concatenate([r[:, 1], r[:, 2], r[:, 0]])]
    q3[2 * k:] *= 2  # the product then gives 2 cos a, exactly (a power of two scales without rounding)
    q3_t = q3.T
    flat = cos_buf.reshape(-1)

    def score(c0: int, c1: int, out: np.ndarray) -> None:
        cos = flat[:(c1 - c0) * 3 * k].reshape(c1 - c0, 3 * k)
        np.matmul(unit[c0:c1], q3_t, out=cos)
        cb, cc, ca2 = cos[:, :k], cos[:, k:2 * k], cos[:, 2 * k:]
        # ((1+cb)/2 * (1+cc)/2) / ((1+ca)/2 + 1e-6) == (1+cb)(1+cc) / (2 ca + 2 + 4e-6)
        np.add(cb, 1, out=out)
        cc += 1
        out *= cc
        ca2 += np.float32(2 + 4e-6)
        out /= ca2
    return score


def _best_two_tiled(score: TileScorer, n: int, r: np.ndarray, zero_rows: np.ndarray, var_rows: list,
                    tile_buf: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per question: the best of rows ``0:n`` (first of equal maxima), its score and the second best, with
    the inputs ``r``, ``zero_rows`` and each question's ``var_rows`` excluded, computed tile by tile of
    :data:`EVAL_TILE_ROWS` rows (see there) that ``score`` fills.

    Each tile is turned round, rows x questions: ``unit[tile] @ q.T`` runs as fast as one whole product
    where ``q @ unit[tile].T`` ran a quarter slower at 50 dims.  Down its columns, the maxima of
    :data:`EVAL_CHUNK_ROWS` rows at a time take one pass at memory speed (``argmax`` down columns
    copies the tile first: ten times slower); only the questions this tile takes the lead for look
    inside their best chunk for the row and the runner-up.

    Equal maxima go to the lower row, as ``argmax`` over the whole row does: a later tile takes the
    lead only with a strictly greater score, and within a tile ``argmax`` takes the first chunk and
    the first row of equal maxima."""
    k = len(r)
    # The (question, row) pairs excluded, sorted by row so each tile takes its slice.
    ex_q = [np.repeat(np.arange(k), 3)]
    ex_c = [r.reshape(-1)]
    for off, vr in enumerate(var_rows):
        if vr is not None and len(vr):
            ex_q.append(np.full(len(vr), off))
            ex_c.append(vr)
    ex_q, ex_c = np.concatenate(ex_q), np.concatenate(ex_c)
    order = np.argsort(ex_c, kind="stable")
    ex_q, ex_c = ex_q[order], ex_c[order]
    best = np.zeros(k, dtype=np.intp)
    s1 = np.full(k, -np.inf, dtype=np.float32)
    s2 = np.full(k, -np.inf, dtype=np.float32)
    flat = tile_buf.reshape(-1)
    width = len(flat) // max(k, 1) // EVAL_CHUNK_ROWS * EVAL_CHUNK_ROWS
    for c0 in range(0, n, width):
        c1 = min(n, c0 + width)
        h = c1 - c0
        chunks = -(-h // EVAL_CHUNK_ROWS)
        tile = flat[:chunks * EVAL_CHUNK_ROWS * k].reshape(-1, k)
        score(c0, c1, tile[:h])
        tile[h:] = -np.inf  # a last tile's short chunk: rows that never win
        lo, hi = np.searchsorted(ex_c, (c0, c1))
        tile[ex_c[lo:hi] - c0, ex_q[lo:hi]] = -np.inf
        z0, z1 = np.searchsorted(zero_rows, (c0, c1))
        if z1 > z0:
            tile[zero_rows[z0:z1] - c0] = -np.inf
        by_chunk = tile.reshape(chunks, EVAL_CHUNK_ROWS, k)
        chunk_max = by_chunk.max(axis=1)
        t1 = chunk_max.max(axis=0)
        np.maximum(s2, t1, out=s2)  # right for the questions this tile does not lead
        lead = np.flatnonzero(t1 > s1)  # strictly: an equal score in a later tile is a higher row
        if not len(lead):
            continue
        cm = chunk_max[:, lead]
        at = np.arange(len(lead))
        bc = cm.argmax(axis=0)
        inside = by_chunk[bc, :, lead]  # (leaders, EVAL_CHUNK_ROWS): a copy
        bi = inside.argmax(axis=1)
        inside[at, bi] = -np.inf
        cm[bc, at] = -np.inf
        t2 = np.maximum(inside.max(axis=1), cm.max(axis=0))
        s2[lead] = np.maximum(s1[lead], t2)
        s1[lead] = t1[lead]
        best[lead] = c0 + bc * EVAL_CHUNK_ROWS + bi
    return best, s1, s2


def _score_tiled(method: str, unit: np.ndarray, rows: np.ndarray, zero_rows: np.ndarray, var_rows: list,
                 block: int, tol: float, predicted_rows: np.ndarray, exact: np.ndarray,
                 control: TaskControl) -> None:
    """``method``'s best row for every question (``rows``: its a, b, c), into ``predicted_rows``; ``exact``
    set where the best two scores are a near tie.  Blocks of ``block`` questions are shared by one thread per
    core, each running one-thread BLAS products and its own selection (as the batched neighbours do: the
    selection no longer leaves a core idle between products); progress and Cancel from this thread."""
    m = len(rows)
    workers = worker_count()
    n_blocks = -(-m // block)
    if workers > 1:  # every worker ends with the others: as many blocks on each
        n_blocks = -(-n_blocks // workers) * workers
    block = -(-m // n_blocks)
    starts = range(0, m, block)
    workers = min(workers, len(starts))
    tile_rows = EVAL_COSMUL_TILE_ROWS if method == "3cosmul" else EVAL_TILE_ROWS
    width = -(-min(tile_rows, len(unit)) // EVAL_CHUNK_ROWS) * EVAL_CHUNK_ROWS
    local = threading.local()

    def one(start: int) -> None:
        if control.cancelled:
            return
        if not hasattr(local, "tile_buf"):  # a thread's buffers, reused for each of its blocks
            local.tile_buf = np.empty((width, block), np.float32)
            local.cos_buf = np.empty((width, 3 * block), np.float32) if method == "3cosmul" else None
        sl = slice(start, min(start + block, m))
        r = rows[sl]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            score = (_scorer_3cosmul(unit, r, local.cos_buf) if method == "3cosmul"
                     else _scorer_3cosadd(unit, r))
            best, s1, s2 = _best_two_tiled(score, len(unit), r, zero_rows, var_rows[sl], local.tile_buf)
        predicted_rows[sl] = best
        exact[sl] |= ~((s1 - s2) >= tol * np.maximum(1.0, np.abs(s1)))

    if workers == 1:
        for start in starts:
            control.progress(start / m, f"analogies {start:,} / {m:,}")
            one(start)
        return
    from threadpoolctl import threadpool_limits  # a scikit-learn dependency

    control.progress(0.0, f"analogies 0 / {m:,}")
    with BLAS_LIMIT_LOCK, threadpool_limits(limits=1, user_api="blas"), \
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="analogies") as pool:
        futures = [pool.submit(one, start) for start in starts]
        done = 0
        for f in as_completed(futures):
            f.result()  # a worker's exception, here
            done += 1
            control.progress(done / len(futures), f"analogies {min(done * block, m):,} / {m:,}")
    control.check()  # the workers skip their blocks once cancelled: never return part of the answers


def _ok_vocab(emb: EmbeddingSet, stop: int, case_insensitive: bool
              ) -> tuple[dict[str, int], dict[str, np.ndarray]]:
    """gensim's vocabulary of the first ``stop`` rows, and the case variants (kept per set: a
    second evaluation of the same set, another file or method, does not build them again).

    gensim iterates the labels in reverse, so the first (most frequent)
    spelling of a case-folded word wins.  The second dict maps each folded
    word spelt by more than one row to all those rows.
    """
    kept = _VOCABS.setdefault(emb, {})
    key = (stop, case_insensitive, len(emb.labels))
    if key not in kept:
        kept.clear()  # one vocabulary per set at a time
        kept[key] = _build_vocab(emb.labels[:stop], case_insensitive)
    return kept[key]


def _build_vocab(labels: Sequence[str], case_insensitive: bool
                 ) -> tuple[dict[str, int], dict[str, np.ndarray]]:
    keys = [lab.upper() for lab in labels] if case_insensitive else labels
    vocab = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1)))
    variants: dict[str, list[int]] = {}
    if len(vocab) < len(keys):
        for i, k in enumerate(keys):
            first = vocab[k]
            if first != i:
                variants.setdefault(k, [first]).append(i)
    return vocab, {k: np.array(v, dtype=np.intp) for k, v in variants.items()}


def _gensim_pick(emb: EmbeddingSet, candidates, ignore: set[str], case_insensitive: bool
                 ) -> tuple[str, int]:
    """gensim's loop over the (up to 5) candidates: first not spelling an input word."""
    predicted, prow = "", -1
    for nb in candidates:
        predicted, prow = nb.label, nb.row
        key = nb.label.upper() if case_insensitive else nb.label
        if key not in ignore:
            break
    return predicted, prow


def _exact_answer(emb: EmbeddingSet, rows: tuple[int, int, int], stop: int, method: str,
                  ignore: set[str], case_insensitive: bool) -> tuple[str, int]:
    ra, rb, rc = rows
    search = most_similar if method == "3cosadd" else most_similar_cosmul
    cands = search(emb, positive=[rb, rc], negative=[ra], topn=GENSIM_CANDIDATES, restrict=stop)
    return _gensim_pick(emb, cands, ignore, case_insensitive)


def evaluate_analogies(emb: EmbeddingSet, questions: str | os.PathLike | Sequence[AnalogySection],
                       restrict: int | None = DEFAULT_RESTRICT, case_insensitive: bool = True,
                       method: str = "3cosadd", control: TaskControl | None = None,
                       block: int | None = None, encoding: str = "utf-8") -> AnalogyReport:
    """Evaluate analogies as gensim ``evaluate_word_analogies`` does, in blocks.

    Parameters
    ----------
    emb : EmbeddingSet
    questions : path or list of AnalogySection
        A ``questions-words.txt``-style file or its parsed sections.
    restrict : int, optional
        Only the first ``restrict`` rows are vocabulary and candidates
        (default 300,000, gensim's; ``None`` = all rows).
    case_insensitive : bool
        Compare upper-cased words; the first row spelling a word wins (gensim).
    method : {"3cosadd", "3cosmul"}
        3CosAdd reproduces gensim; 3CosMul applies the same conventions to
        the multiplicative objective.
    control : TaskControl, optional
        Progress and cancellation, checked between blocks.
    block : int, optional
        Questions per block, at most (default :data:`EVAL_QUESTION_BLOCK`).
    encoding : str
        Of the questions file (default UTF-8).

    Returns
    -------
    AnalogyReport
    """
    t0 = time.perf_counter()
    control = ensure_control(control)
    method = method.lower()
    if method not in EVAL_METHODS:
        raise ValueError(f"method must be one of {EVAL_METHODS}, got {method!r}")
    source = ""
    if not isinstance(questions, (list, tuple)):
        source = os.fspath(questions)
        questions = read_analogy_questions_kept(questions, encoding)
    stop = emb.n if not restrict else min(int(restrict), emb.n)
    ok_vocab, variants = _ok_vocab(emb, stop, case_insensitive)

    def fold(w: str) -> str:
        return w.upper() if case_insensitive else w

    # Which questions are in the vocabulary, and their rows.  A test set repeats a few hundred words:
    # each is folded and looked up once, then every question's four rows are indexed from those
    # (-1: not in the vocabulary), not looked up in a Python loop per question.
    reports = [SectionReport(s.name) for s in questions]
    every = list(chain.from_iterable(s.questions for s in questions))
    table = question_words(questions)
    distinct_rows = np.fromiter((ok_vocab.get(fold(w), -1) for w in table.distinct), dtype=np.intp,
                                count=len(table.distinct))
    codes = distinct_rows[table.codes]
    known = np.flatnonzero((codes >= 0).all(axis=1))
    sizes = [len(s.questions) for s in questions]
    section_of = np.repeat(np.arange(len(questions)), sizes)
    for si, kept in enumerate(np.bincount(section_of[known], minlength=len(questions)).tolist()):
        reports[si].skipped = sizes[si] - kept
    todo: list[tuple[int, AnalogyQuestion]] = [(si, every[i]) for si, i in
                                               zip(section_of[known].tolist(), known.tolist())]
    rows = np.ascontiguousarray(codes[known, :3])
    m = len(todo)
    predicted_rows = np.full(m, -1, dtype=np.intp)
    exact = np.zeros(m, dtype=bool)

    if m:
        unit = emb.unit_vectors[:stop]
        zero_rows = np.flatnonzero(emb.norms[:stop] == 0)
        # case variants of the inputs are not acceptable answers in gensim's loop
        var_rows: list[np.ndarray | None] = [None] * m
        if variants:
            for qi, (_si, q) in enumerate(todo):
                found = [variants[w] for w in (fold(q.a), fold(q.b), fold(q.c)) if w in variants]
                if found:
                    vr = np.setdiff1d(np.concatenate(found), rows[qi])
                    if len(vr) >= GENSIM_CANDIDATES:
                        exact[qi] = True
                    var_rows[qi] = vr
        block = int(min(max(block or EVAL_QUESTION_BLOCK, EVAL_BLOCK_MIN), EVAL_BLOCK_MAX, m))
        if method == "3cosadd":
            tol = TIE_SAFETY * (emb.dims + TIE_EXTRA_ROUNDINGS) * 2.0 ** -24
        else:
            tol = TIE_TOLERANCE_COSMUL
        _score_tiled(method, unit, rows, zero_rows, var_rows, block, tol, predicted_rows, exact, control)
        control.progress(1.0, "analogies done", force=True)

    n_exact = 0
    labels = emb.labels
    for qi, ((si, q), qr, prow) in enumerate(zip(todo, rows.tolist(), predicted_rows.tolist())):
        if exact[qi]:
            control.check()
            ignore = {fold(q.a), fold(q.b), fold(q.c)}
            label, prow = _exact_answer(emb, tuple(qr), stop, method, ignore, case_insensitive)
            n_exact += 1
        else:
            label = labels[prow]
        ok = fold(label) == fold(q.expected)
        outcome = QuestionOutcome(q, label, prow, ok, tuple(qr))
        (reports[si].correct if ok else reports[si].incorrect).append(outcome)
    return AnalogyReport(reports, method, stop, case_insensitive, time.perf_counter() - t0, source, n_exact)


# -- word-pair similarity sets -----------------------------------------------------

@dataclass(frozen=True)
class WordPair:
    """One line "a<TAB>b<TAB>score" of a word-similarity file (``line`` is 1-based)."""

    a: str
    b: str
    score: float
    line: int


def read_word_pairs(path: str | os.PathLike, delimiter: str = PAIRS_DELIMITER,
                    encoding: str = "utf-8") -> list[WordPair]:
    """Read a ``wordsim353.tsv`` / ``simlex999.txt``-style file.

    Lines starting with ``#`` are comments; blank lines are ignored; a first
    non-comment line whose score is not a number is taken as a header.

    Raises
    ------
    DataError
        With file and line of a line without three fields or with a score
        that is not a finite number.
    """
    pairs: list[WordPair] = []
    try:
        with open(path, encoding=encoding) as fh:
            lines = fh.read().splitlines()
    except UnicodeDecodeError:
        raise DataError(f"not {codec_name(encoding)} text", path) from None
    except LookupError:
        raise DataError(f"unknown text encoding {encoding!r}", path) from None
    except OSError as err:
        raise DataError(err.strerror or str(err), path) from None
    first = True
    for no, line in enumerate(lines, start=1):
        if line.startswith("#") or not line.strip():
            continue
        parts = line.split(delimiter)
        if len(parts) != 3:
            raise DataError(f"expected 3 fields (word, word, score) separated by {delimiter!r}, "
                            f"found {len(parts)}", path, no)
        try:
            score = float(parts[2])
        except ValueError:
            if first:
                first = False
                continue
            raise DataError(f"score {parts[2].strip()!r} is not a number", path, no) from None
        if not math.isfinite(score):  # gensim would take it, and every correlation becomes nan
            raise DataError(f"score {parts[2].strip()!r} is not a finite number", path, no)
        first = False
        pairs.append(WordPair(parts[0], parts[1], score, no))
    if not pairs:
        raise DataError("no word pairs found", path)
    return pairs


@dataclass
class PairsReport:
    """Correlation of the set's cosine similarities with human judgements.

    ``oov_ratio`` is a percentage, as gensim returns it.
    """

    pearson: float
    pearson_p: float
    spearman: float
    spearman_p: float
    oov_ratio: float
    pairs_used: int
    pairs_oov: int
    seconds: float
    source: str = ""
    model_scores: list[float] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict:
        return {"source": self.source, "pearson": self.pearson, "pearson_p": self.pearson_p,
                "spearman": self.spearman, "spearman_p": self.spearman_p, "oov_ratio": self.oov_ratio,
                "pairs_used": self.pairs_used, "pairs_oov": self.pairs_oov, "seconds": self.seconds}


def evaluate_word_pairs(emb: EmbeddingSet, pairs: str | os.PathLike | Sequence[WordPair],
                        restrict: int | None = DEFAULT_RESTRICT, case_insensitive: bool = True,
                        delimiter: str = PAIRS_DELIMITER, encoding: str = "utf-8") -> PairsReport:
    """gensim ``evaluate_word_pairs``: Pearson and Spearman against human scores.

    Parameters
    ----------
    emb : EmbeddingSet
    pairs : path or list of WordPair
    restrict : int, optional
        Only the first ``restrict`` rows are vocabulary (default 300,000).
    case_insensitive : bool
        Compare upper-cased words; the first row spelling a word wins.
    delimiter : str
        Field separator of the file.
    encoding : str
        Of the pairs file (default UTF-8).

    Returns
    -------
    PairsReport
    """
    t0 = time.perf_counter()
    source = ""
    if not isinstance(pairs, (list, tuple)):
        source = os.fspath(pairs)
        pairs = read_word_pairs(pairs, delimiter, encoding)
    stop = emb.n if not restrict else min(int(restrict), emb.n)
    ok_vocab, _ = _ok_vocab(emb, stop, case_insensitive)
    gold, model = [], []
    oov = 0
    for p in pairs:
        a, b = (p.a.upper(), p.b.upper()) if case_insensitive else (p.a, p.b)
        if a not in ok_vocab or b not in ok_vocab:
            oov += 1
            continue
        gold.append(p.score)
        # gensim similarity(): dot(unitvec(v_a), unitvec(v_b)), float32
        model.append(np.dot(unitvec(emb.vectors[ok_vocab[a]]), unitvec(emb.vectors[ok_vocab[b]])))
    if len(gold) < 2:
        raise DataError(f"only {len(gold)} word pair(s) in vocabulary: too few for a correlation",
                        source or None)
    from scipy import stats  # here, not at import: scipy.stats alone takes ~0.5 s to import

    spearman = stats.spearmanr(gold, model)
    pearson = stats.pearsonr(gold, model)
    oov_ratio = float(oov) / (len(gold) + oov) * 100
    return PairsReport(float(pearson[0]), float(pearson[1]), float(spearman[0]), float(spearman[1]),
                       oov_ratio, len(gold), oov, time.perf_counter() - t0, source,
                       [float(x) for x in model])
