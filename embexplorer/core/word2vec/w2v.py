"""Word2vec training in the background: corpus readers, settings, a cancellable trainer.

Corpora are restartable iterables of token lists (gensim iterates them once
for the vocabulary and once per epoch).  :func:`train_word2vec` wraps gensim's
``Word2Vec`` so that

* progress is reported in words processed (a counter in the corpus stream,
  no per-batch Python work in gensim's workers);
* after every epoch an :class:`EpochReport` carries the epoch's loss (gensim's
  running loss is cumulative; we report the per-epoch difference), its
  throughput, the analogy accuracy (optional) and a float32 copy of the
  vectors of the most frequent words for a live scatter;
* Stop (``control.cancel()``) ends the corpus stream at once, so the current
  epoch finishes within one batch; the partial epoch is then discarded by
  restoring the weights saved at the end of the last complete epoch, and the
  run returns that consistent model.

The corpora (:class:`LineCorpus`, :class:`WikiDumpCorpus`, :class:`ConcatCorpus`,
:func:`open_corpus`) live in the private module ``_corpus`` beside this one; import them from here.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from embexplorer.core.data.embeddings import EmbeddingSet, MetadataColumn
from embexplorer.core.errors import DataError
from embexplorer.core.progress import Cancelled, TaskControl
from embexplorer.core.word2vec._corpus import (
    COMPRESSED_OPENERS,
    MAX_SENTENCE_WORDS,
    SNIFF_BYTES,
    WIKI_ARTICLE_MIN_TOKENS,
    ConcatCorpus,
    LineCorpus,
    WikiDumpCorpus,
    is_wiki_dump,
    open_corpus,
)

log = logging.getLogger(__name__)

#: Words between two progress reports / cancellation checks in the corpus stream.
PROGRESS_EVERY_WORDS = 10_000
#: Default number of most frequent words whose vectors are sent after every epoch.
FRAME_WORDS = 1000
#: Analogy questions use only this many most frequent words (gensim's default is 300,000;
#: a smaller one keeps a per-epoch evaluation to seconds).
ANALOGY_RESTRICT_VOCAB = 30_000
#: Below this many running words (one pass) a corpus is too small for meaningful vectors: a typical
#: word then occurs only a handful of times, its vector barely moves from its random start, and all
#: vectors drift together in the direction of the frequent words, so every word's neighbours come out
#: at cosine ~1 (gensim's 60,000-word Lee corpus gives neighbours at ~0.999 after 5 epochs).
#: Mikolov et al. trained on hundreds of millions of words; ~1 million gives usable neighbours.
MIN_CORPUS_WORDS = 100_000
#: Mean cosine between random pairs of trained vectors above which they have not separated
#: (well-trained vectors average ~0.1-0.3).
UNDERTRAINED_MEAN_COSINE = 0.8
#: Random vector pairs whose mean cosine is measured after training.
UNDERTRAINED_SAMPLE_PAIRS = 2000
#: Default worker threads: gensim's default, capped by the machine.
DEFAULT_WORKERS = max(1, min(3, os.cpu_count() or 1))


# ---------------------------------------------------------------------------
# settings and reports
# ---------------------------------------------------------------------------

@dataclass
class W2VSettings:
    """Word2vec hyperparameters (gensim's names and defaults unless noted).

    ``sg`` selects skip-gram (``True``) or CBOW (``False``); ``hs`` hierarchical
    softmax (then ``negative`` may be 0).
    """

    sg: bool = False
    vector_size: int = 100
    window: int = 5
    min_count: int = 5
    negative: int = 5
    hs: bool = False
    epochs: int = 5
    workers: int = DEFAULT_WORKERS
    seed: int = 1
    sample: float = 1e-3
    alpha: float = 0.025
    min_alpha: float = 0.0001
    max_final_vocab: int | None = None

    def validate(self) -> None:
        """Raise ``ValueError`` for settings gensim cannot train with."""
        for name in ("vector_size", "window", "epochs", "workers"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.min_count < 0 or self.negative < 0 or self.sample < 0:
            raise ValueError("min_count, negative and sample must not be negative")
        if self.negative == 0 and not self.hs:
            raise ValueError("negative must be at least 1 unless hierarchical softmax (hs) is on")
        if not 0 < self.min_alpha <= self.alpha:
            raise ValueError("learning rates must satisfy 0 < min_alpha <= alpha")

    def gensim_kwargs(self) -> dict:
        """Keyword arguments for :class:`gensim.models.Word2Vec`."""
        kw = asdict(self)
        kw["sg"] = int(self.sg)
        kw["hs"] = int(self.hs)
        return kw


@dataclass
class EpochReport:
    """What one finished epoch reports.

    Attributes
    ----------
    epoch : int
        1-based number of the epoch just finished.
    epochs : int
        Epochs planned.
    loss : float
        gensim's training loss accumulated during this epoch alone.
    trained_words : int
        Effective words trained (after down-sampling and unknown words).
    raw_words : int
        Words read from the corpus.
    seconds : float
        Wall time of the epoch's training pass.
    words_per_s : float
        ``trained_words / seconds`` (gensim's "effective words/s").
    analogy_accuracy : float or None
        Share of answerable analogy questions solved (None without a question file).
    analogy_questions : int
        Questions whose four words are in the vocabulary.
    frame : numpy.ndarray
        float32 copy of the vectors of the ``len(frame_labels)`` most frequent words.
    frame_labels : list of str
        Those words, most frequent first (the same list object every epoch).
    """

    epoch: int
    epochs: int
    loss: float
    trained_words: int
    raw_words: int
    seconds: float
    words_per_s: float
    analogy_accuracy: float | None
    analogy_questions: int
    frame: np.ndarray = field(repr=False)
    frame_labels: list[str] = field(repr=False)

    def as_dict(self) -> dict:
        """JSON-ready figures (without the frame)."""
        return {"epoch": self.epoch, "epochs": self.epochs, "loss": self.loss,
                "trained_words": self.trained_words, "raw_words": self.raw_words,
                "seconds": round(self.seconds, 4), "words_per_s": round(self.words_per_s, 1),
                "analogy_accuracy": self.analogy_accuracy, "analogy_questions": self.analogy_questions}


@dataclass
class W2VResult:
    """Everything a training run produced.

    Attributes
    ----------
    embedding : EmbeddingSet
        The vectors of the last complete epoch (kind "word", metadata "count", "rank").
    model : gensim.models.Word2Vec
        The gensim model, consistent with ``embedding`` (a stopped run's partial
        epoch is rolled back); can be trained further.
    history : list of EpochReport
        One report per complete epoch.
    stopped : bool
        Whether Stop ended the run before all epochs.
    corpus_words : int
        Raw words in one pass over the corpus.
    warnings : list of str
        A corpus too small for meaningful vectors, vectors that did not separate (undertrained).
    """

    embedding: EmbeddingSet
    model: object
    history: list[EpochReport]
    stopped: bool
    corpus_words: int
    warnings: list[str] = field(default_factory=list)

    @property
    def epochs_completed(self) -> int:
        return len(self.history)


def corpus_size_warning(corpus_words: int) -> str | None:
    """The warning for a corpus below :data:`MIN_CORPUS_WORDS` running words, else None."""
    if corpus_words >= MIN_CORPUS_WORDS:
        return None
    return (f"the corpus has only {corpus_words:,} words; word2vec needs at least {MIN_CORPUS_WORDS:,} "
            "for meaningful vectors (rarer words barely move from their random start and all vectors "
            "drift together, so neighbours come out at cosine ~1): use a larger corpus, or read the "
            "results as a demonstration only")


def undertrained_warning(vectors: np.ndarray, seed: int = 0) -> str | None:
    """The warning for vectors that have not separated (mean cosine of random pairs too high), else None."""
    n = len(vectors)
    if n < 2:
        return None
    rng = np.random.default_rng(seed)
    i = rng.integers(0, n, UNDERTRAINED_SAMPLE_PAIRS)
    j = (i + rng.integers(1, n, UNDERTRAINED_SAMPLE_PAIRS)) % n  # never the same row
    a, b = vectors[i].astype(np.float64), vectors[j].astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        cos = np.einsum("ij,ij->i", a, b) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    mean = float(np.nanmean(cos)) if np.isfinite(cos).any() else 0.0
    if mean <= UNDERTRAINED_MEAN_COSINE:
        return None
    return (f"undertrained: random pairs of words have a mean cosine of {mean:.3f} (above "
            f"{UNDERTRAINED_MEAN_COSINE}), so neighbours say little; train on more text or for more epochs")


# ---------------------------------------------------------------------------
# analogy evaluation (vectorised 3CosAdd, gensim's rules)
# ---------------------------------------------------------------------------

class AnalogyQuestions:
    """Analogy questions ``a b c d`` in word2vec's format, parsed once, scored after every epoch.

    Scoring is :func:`embexplorer.core.analysis.evaluation.evaluate_analogies` (3CosAdd,
    gensim's ``evaluate_word_analogies`` answers, batched), restricted to the
    :data:`ANALOGY_RESTRICT_VOCAB` most frequent words.
    """

    def __init__(self, sections: list, path: str = "") -> None:
        self.sections = sections
        self.path = path

    @classmethod
    def load(cls, path: str | os.PathLike, encoding: str = "utf-8") -> AnalogyQuestions:
        """Read a question file (``questions-words.txt`` layout, in ``encoding``); DataError when unusable."""
        from embexplorer.core.analysis.evaluation import read_analogy_questions

        path = Path(path)
        try:
            sections = read_analogy_questions(path, encoding)
        except OSError as err:
            raise DataError(f"cannot read analogy questions: {err.strerror or err}", path) from err
        if not any(sec.questions for sec in sections):
            raise DataError("no analogy questions (lines 'a b c d') found", path)
        return cls(sections, str(path))

    def evaluate(self, labels: Sequence[str], vectors: np.ndarray,
                 restrict_vocab: int = ANALOGY_RESTRICT_VOCAB) -> tuple[float, int]:
        """Accuracy over the answerable questions and how many there were.

        Parameters
        ----------
        labels : sequence of str
            Words, most frequent first.
        vectors : numpy.ndarray, shape (n, d)
            Their vectors.
        restrict_vocab : int
            Only the first ``restrict_vocab`` words are candidates and answerable.

        Returns
        -------
        (accuracy, n_questions)
            ``accuracy`` is 0.0 when no question is answerable.
        """
        from embexplorer.core.analysis.evaluation import evaluate_analogies

        report = evaluate_analogies(EmbeddingSet(labels, vectors), self.sections, restrict=restrict_vocab)
        return report.accuracy, report.evaluated


# ---------------------------------------------------------------------------
# training
# ---------------------------------------------------------------------------

class _Stop(Exception):
    """Raised from the epoch callback (main thread, workers finished) to end a stopped run."""


class _GuardedStream:
    """The corpus as gensim sees it: counts words, honours Stop, never raises.

    gensim iterates the corpus in its producer thread; an exception there
    would leave the worker threads waiting forever, so errors are kept and
    re-raised from the epoch callback in the calling thread.
    """

    def __init__(self, corpus: Iterable[list[str]], control: TaskControl | None) -> None:
        self.corpus = corpus
        self.control = control
        self.words = 0            # raw words yielded in the current pass
        self.truncated = False    # the current pass ended early because of Stop
        self.error: BaseException | None = None
        self.total_words = 0      # words of a full pass (known after the vocabulary scan)
        self.done_words = 0       # words of finished epochs
        self.total_planned = 0
        self.label = "Reading corpus"

    def start_pass(self, label: str) -> None:
        self.words = 0
        self.truncated = False
        self.label = label

    def __iter__(self) -> Iterator[list[str]]:
        control = self.control
        next_check = PROGRESS_EVERY_WORDS
        words = 0
        try:
            if control is not None and control.cancelled:
                self.truncated = True
                return
            for sentence in self.corpus:
                yield sentence
                words += len(sentence)
                if words >= next_check:
                    next_check = words + PROGRESS_EVERY_WORDS
                    self.words = words
                    if control is not None and not self._report(control, words):
                        self.truncated = True
                        return
        except GeneratorExit:
            raise
        except BaseException as err:  # noqa: BLE001 - handed to the calling thread
            self.error = err
            self.truncated = True
        finally:
            self.words = words

    def _report(self, control: TaskControl, words: int) -> bool:
        """Report progress; False once Stop was asked for."""
        try:
            if self.total_planned:
                done = self.done_words + words
                control.progress(min(1.0, done / self.total_planned), f"{self.label}: {done:,} words")
            else:
                control.progress(None, f"{self.label}: {words:,} words")
        except Cancelled:
            return False
        return True


def _make_model_class():
    from gensim.models import Word2Vec

    class _Word2Vec(Word2Vec):
        """gensim's Word2Vec that remembers each epoch's effective word count and time."""

        def _log_epoch_end(self, cur_epoch, example_count, total_examples, raw_word_count, total_words,
                           trained_word_count, elapsed, is_corpus_file_mode):
            self._epoch_stats = (trained_word_count, raw_word_count, elapsed)
            super()._log_epoch_end(cur_epoch, example_count, total_examples, raw_word_count, total_words,
                                   trained_word_count, elapsed, is_corpus_file_mode)

    return _Word2Vec


def _weights(model) -> dict[str, np.ndarray]:
    """The arrays training changes (copied)."""
    out = {"vectors": model.wv.vectors.copy()}
    for name in ("syn1neg", "syn1"):
        arr = getattr(model, name, None)
        if isinstance(arr, np.ndarray) and arr.size:
            out[name] = arr.copy()
    return out


def _restore(model, weights: dict[str, np.ndarray]) -> None:
    model.wv.vectors[...] = weights["vectors"]
    for name in ("syn1neg", "syn1"):
        if name in weights:
            getattr(model, name)[...] = weights[name]
    model.wv.norms = None  # cached unit norms are stale


def model_to_embedding_set(model, source: str = "") -> EmbeddingSet:
    """A trained gensim model's word vectors as an :class:`EmbeddingSet` (copied).

    Metadata: ``count`` (corpus frequency) and ``rank`` (1 = most frequent).
    """
    wv = model.wv
    n = len(wv.index_to_key)
    counts = np.asarray(wv.expandos["count"], dtype=np.float64) if "count" in wv.expandos \
        else np.full(n, np.nan)
    meta = {"count": MetadataColumn.numeric("count", counts),
            "rank": MetadataColumn.numeric("rank", np.arange(1, n + 1, dtype=np.float64))}
    return EmbeddingSet(list(wv.index_to_key), wv.vectors.copy(), meta, kind="word", source=source)


def train_word2vec_run(corpus: Iterable[list[str]], settings: W2VSettings | None = None,
                       control: TaskControl | None = None,
                       on_epoch: Callable[[EpochReport], None] | None = None,
                       analogy_path: str | os.PathLike | None = None,
                       top_n_frames: int = FRAME_WORDS, source: str = "",
                       on_warning: Callable[[str], None] | None = None,
                       analogy_encoding: str = "utf-8") -> W2VResult:
    """Train word2vec on ``corpus``; see :func:`train_word2vec`.  Returns a :class:`W2VResult`.

    A corpus below :data:`MIN_CORPUS_WORDS` words is reported to ``on_warning`` as soon as it has been
    read, and vectors that did not separate (:func:`undertrained_warning`) after training; both end up
    in the result's ``warnings``.
    """
    settings = settings or W2VSettings()
    settings.validate()
    if iter(corpus) is corpus:  # an iterator or generator: gensim would see an empty corpus after one pass
        raise TypeError("corpus must be restartable (an iterable such as a list or LineCorpus, "
                        "not an iterator or generator)")
    analogies = AnalogyQuestions.load(analogy_path, analogy_encoding) if analogy_path else None
    stream = _GuardedStream(corpus, control)
    model = _make_model_class()(**settings.gensim_kwargs())
    if not source:  # repr() of an in-memory corpus would spell out every token
        source = repr(corpus) if isinstance(corpus, (LineCorpus, WikiDumpCorpus, ConcatCorpus)) \
            else f"in-memory corpus ({type(corpus).__name__})"

    stream.start_pass("Reading corpus")
    model.build_vocab(stream)
    if stream.error is not None:
        raise stream.error
    if control is not None:
        control.check()  # a vocabulary from part of the corpus is not worth training
    if len(model.wv) == 0:
        raise DataError(f"no word occurs at least {settings.min_count} times (min count)",
                        getattr(corpus, "path", None))
    stream.total_words = model.corpus_total_words
    warnings = [w for w in (corpus_size_warning(int(model.corpus_total_words)),) if w]
    for w in warnings:
        log.warning("word2vec: %s", w)
        if on_warning is not None:
            on_warning(w)
    stream.total_planned = stream.total_words * settings.epochs
    frame_labels = list(model.wv.index_to_key[:top_n_frames])
    history: list[EpochReport] = []
    state = {"saved": None, "loss": 0.0, "epoch": 0, "stopped": False}
    keep_snapshots = control is not None

    from gensim.models.callbacks import CallbackAny2Vec

    class _Callback(CallbackAny2Vec):
        def on_epoch_begin(self, m):
            stream.start_pass(f"Epoch {state['epoch'] + 1}/{settings.epochs}")

        def on_epoch_end(self, m):
            state["epoch"] += 1
            if stream.error is not None:
                raise stream.error
            if stream.truncated:  # stopped mid-epoch: roll back to the last complete one
                if state["saved"] is None:
                    raise Cancelled()
                _restore(m, state["saved"])
                state["stopped"] = True
                raise _Stop()
            stream.done_words += stream.words
            cumulative = float(m.get_latest_training_loss())
            loss, state["loss"] = cumulative - state["loss"], cumulative
            trained, raw, elapsed = getattr(m, "_epoch_stats", (0, stream.words, 0.0))
            acc, n_q = None, 0
            if analogies is not None:
                acc, n_q = analogies.evaluate(m.wv.index_to_key, m.wv.vectors)
            report = EpochReport(state["epoch"], settings.epochs, loss, int(trained), int(raw),
                                 float(elapsed), trained / elapsed if elapsed > 0 else 0.0, acc, n_q,
                                 np.array(m.wv.vectors[:len(frame_labels)], dtype=np.float32),
                                 frame_labels)
            history.append(report)
            if keep_snapshots and state["epoch"] < settings.epochs:
                state["saved"] = _weights(m)
            if on_epoch is not None:
                on_epoch(report)
            if control is not None and control.cancelled and state["epoch"] < settings.epochs:
                state["stopped"] = True  # this epoch is complete: keep it, skip the rest
                raise _Stop()

    t0 = time.perf_counter()
    try:
        model.train(stream, total_examples=model.corpus_count, total_words=model.corpus_total_words,
                    epochs=settings.epochs, compute_loss=True, callbacks=[_Callback()])
    except _Stop:
        pass
    model.wv.norms = None
    model.__class__ = model.__class__.__mro__[1]  # plain gensim Word2Vec again: picklable, saveable
    model.__dict__.pop("_epoch_stats", None)
    log.info("word2vec: %d epochs in %.2f s (%s)", len(history), time.perf_counter() - t0,
             "stopped" if state["stopped"] else "complete")
    emb = model_to_embedding_set(model, source=source)
    if history:
        late = undertrained_warning(emb.vectors, settings.seed)
        if late:
            log.warning("word2vec: %s", late)
            if on_warning is not None:
                on_warning(late)
            warnings.append(late)
    if state["stopped"]:
        emb.warnings.append(f"training stopped after epoch {len(history)} of {settings.epochs}")
    return W2VResult(emb, model, history, state["stopped"], int(model.corpus_total_words), warnings)


def train_word2vec(corpus: Iterable[list[str]], settings: W2VSettings | None = None,
                   control: TaskControl | None = None,
                   on_epoch: Callable[[EpochReport], None] | None = None,
                   analogy_path: str | os.PathLike | None = None,
                   top_n_frames: int = FRAME_WORDS, source: str = "") -> EmbeddingSet:
    """Train word2vec in the calling thread (run it off the UI thread) and return the vectors.

    Parameters
    ----------
    corpus : iterable of list of str
        A restartable corpus (:class:`LineCorpus`, :class:`WikiDumpCorpus`, a list...).
    settings : W2VSettings, optional
        Hyperparameters (defaults: gensim's).
    control : TaskControl, optional
        Progress in words processed (reported from gensim's producer thread);
        ``cancel()`` ends the current epoch at once and keeps the last complete
        one (``Cancelled`` is raised only if no epoch completed).
    on_epoch : callable, optional
        ``on_epoch(EpochReport)`` after every complete epoch, in the training thread.
    analogy_path : path, optional
        Analogy questions scored after every epoch (e.g. gensim's ``questions-words.txt``).
    top_n_frames : int
        How many most frequent words each report's ``frame`` holds.
    source : str
        Description stored in the result (default: the corpus's repr).

    Returns
    -------
    EmbeddingSet
        kind "word", rows by decreasing frequency, metadata ``count`` and ``rank``;
        a stopped run carries a warning naming the epochs kept.
    """
    return train_word2vec_run(corpus, settings, control, on_epoch, analogy_path, top_n_frames,
                              source).embedding


# ---------------------------------------------------------------------------
# saving
# ---------------------------------------------------------------------------

def save_word2vec(emb: EmbeddingSet, path: str | os.PathLike, binary: bool = False) -> None:
    """Write ``emb`` in word2vec format, text or binary, atomically (via :func:`formats.save`)."""
    from embexplorer.core.data import formats

    formats.save(emb, path, "word2vec-binary" if binary else "word2vec")


__all__ = ["ANALOGY_RESTRICT_VOCAB", "COMPRESSED_OPENERS", "DEFAULT_WORKERS", "FRAME_WORDS",
           "MAX_SENTENCE_WORDS", "PROGRESS_EVERY_WORDS", "SNIFF_BYTES", "WIKI_ARTICLE_MIN_TOKENS",
           "AnalogyQuestions", "ConcatCorpus", "EpochReport", "LineCorpus", "W2VResult", "W2VSettings",
           "WikiDumpCorpus", "is_wiki_dump", "model_to_embedding_set", "open_corpus", "save_word2vec",
           "train_word2vec", "train_word2vec_run"]
