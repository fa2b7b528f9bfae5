"""Word2vec training core: corpus readers, epoch reports, Stop keeping the last epoch, analogies."""

from __future__ import annotations

import bz2
import gzip
import threading
from pathlib import Path

import numpy as np
import pytest

from embexplorer.core.errors import DataError
from embexplorer.core.progress import Cancelled, TaskControl
from embexplorer.core.word2vec.w2v import (
    MAX_SENTENCE_WORDS,
    AnalogyQuestions,
    LineCorpus,
    W2VSettings,
    WikiDumpCorpus,
    is_wiki_dump,
    open_corpus,
    save_word2vec,
    train_word2vec,
    train_word2vec_run,
)

ENWIKI = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
#: Word classes of the synthetic language the tests write.
CLASSES = {
    "animal": ["cat", "dog", "horse", "cow", "sheep", "goat", "mouse", "rabbit"],
    "colour": ["red", "green", "blue", "yellow", "purple", "orange", "black", "white"],
    "number": ["one", "two", "three", "four", "five", "six", "seven", "eight"],
}
TEMPLATES = [
    "the {animal} is {colour} and the {animal} is {colour}",
    "i saw {number} {animal} near {number} {colour} houses",
    "a {colour} {animal} eats {number} apples",
    "{number} plus {number} makes {number}",
    "paint it {colour} or {colour} , said the {animal} .",
]
TINY = dict(vector_size=12, window=3, min_count=2, negative=3, epochs=4, workers=1, seed=7, sample=0)


def write_corpus(path: Path, n_sentences: int = 1500, seed: int = 0) -> Path:
    """A small synthetic corpus: one sentence per line, words from three classes."""
    rng = np.random.default_rng(seed)
    lines = []
    for _ in range(n_sentences):
        t = TEMPLATES[rng.integers(len(TEMPLATES))]
        while "{" in t:
            start = t.index("{")
            key = t[start + 1:t.index("}")]
            t = t[:start] + CLASSES[key][rng.integers(8)] + t[t.index("}") + 1:]
        lines.append(t)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def corpus_file(tmp_path) -> Path:
    return write_corpus(tmp_path / "corpus.txt")


@pytest.fixture(scope="session")
def lee(gensim_test_data) -> Path:
    return gensim_test_data / "lee_background.cor"


# -- readers ------------------------------------------------------------------
def test_tokenisation_options(tmp_path):
    p = tmp_path / "t.txt"
    p.write_text("Hello, World! Don't stop -- U.S. state-of-the-art (1990)...\n\n   \nSecond LINE\n",
                 encoding="utf-8")
    assert list(LineCorpus(p, lowercase=False)) == [
        ["Hello,", "World!", "Don't", "stop", "--", "U.S.", "state-of-the-art", "(1990)..."],
        ["Second", "LINE"]]
    assert list(LineCorpus(p, lowercase=True, strip_punct=True)) == [
        ["hello", "world", "don't", "stop", "u.s", "state-of-the-art", "1990"], ["second", "line"]]


def test_long_lines_are_split_not_truncated(tmp_path):
    p = tmp_path / "long.txt"
    words = [f"w{i % 50}" for i in range(MAX_SENTENCE_WORDS * 2 + 7)]
    p.write_text(" ".join(words) + "\n", encoding="utf-8")
    chunks = list(LineCorpus(p))
    assert [len(c) for c in chunks] == [MAX_SENTENCE_WORDS, MAX_SENTENCE_WORDS, 7]
    assert sum(chunks, []) == words


def test_compressed_files_and_folders_read_alike(tmp_path, corpus_file):
    text = corpus_file.read_bytes()
    (tmp_path / "c.txt.gz").write_bytes(gzip.compress(text))
    (tmp_path / "c.txt.bz2").write_bytes(bz2.compress(text))
    expected = list(LineCorpus(corpus_file))
    assert list(LineCorpus(tmp_path / "c.txt.gz")) == expected
    assert list(LineCorpus(tmp_path / "c.txt.bz2")) == expected

    folder = tmp_path / "folder"
    (folder / "sub").mkdir(parents=True)
    lines = text.decode().splitlines(keepends=True)
    half = len(lines) // 2
    (folder / "a.txt").write_text("".join(lines[:half]), encoding="utf-8")
    (folder / "sub" / "b.txt.gz").write_bytes(gzip.compress("".join(lines[half:]).encode()))
    (folder / ".hidden.txt").write_text("never read\n", encoding="utf-8")
    corpus = LineCorpus(folder)
    assert list(corpus) == expected
    assert list(corpus) == expected  # restartable


def test_bad_corpus_paths(tmp_path, gensim_test_data):
    with pytest.raises(DataError, match="no such file"):
        LineCorpus(tmp_path / "missing.txt")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no files"):
        LineCorpus(tmp_path / "empty")
    with pytest.raises(DataError, match="binary") as err:
        open_corpus(gensim_test_data / "lee_fasttext.bin")
    assert err.value.path.endswith("lee_fasttext.bin")
    (tmp_path / "bad.gz").write_bytes(b"not gzip at all")
    with pytest.raises(DataError, match="cannot read"):
        LineCorpus(tmp_path / "bad.gz")


def test_wikipedia_dump_reader_with_cache(tmp_path, gensim_test_data):
    dump = gensim_test_data / ENWIKI
    assert is_wiki_dump(dump) and not is_wiki_dump(gensim_test_data / "lee_background.cor")
    corpus = open_corpus(dump, max_articles=4)
    assert isinstance(corpus, WikiDumpCorpus)
    corpus = WikiDumpCorpus(dump, max_articles=4, cache_dir=tmp_path / "cache")
    first = list(corpus)
    assert corpus.cache_path.is_file()
    assert first == list(corpus)  # second pass from the cache, same tokens
    assert len(first) >= 4 and all(len(s) <= MAX_SENTENCE_WORDS for s in first)
    words = [w for s in first for w in s]
    assert all(w == w.lower() for w in words) and "anarchism" in words  # first article of the dump
    # An abandoned pass leaves no (partial) cache behind.
    other = WikiDumpCorpus(dump, max_articles=3, cache_dir=tmp_path / "cache2")
    it = iter(other)
    next(it)
    it.close()
    assert not other.cache_path.exists() and not list((tmp_path / "cache2").iterdir())


def test_truncated_wikipedia_dump_is_a_data_error(tmp_path, gensim_test_data):
    xml = bz2.decompress((gensim_test_data / ENWIKI).read_bytes())
    cut = tmp_path / "cut.xml.gz"
    cut.write_bytes(gzip.compress(xml[:len(xml) // 3]))
    corpus = open_corpus(cut)
    assert isinstance(corpus, WikiDumpCorpus)
    with pytest.raises(DataError, match="broken Wikipedia dump after [1-9]"):
        list(corpus)
    assert not corpus.cache_path.exists()  # no partial cache from the broken pass


def test_training_on_wikipedia_dump(tmp_path, gensim_test_data):
    corpus = WikiDumpCorpus(gensim_test_data / ENWIKI, max_articles=6, cache_dir=tmp_path)
    result = train_word2vec_run(corpus, W2VSettings(**{**TINY, "epochs": 2}))
    assert result.epochs_completed == 2 and result.embedding.n > 500
    assert result.corpus_words == sum(len(s) for s in corpus)


# -- training -------------------------------------------------------------------
def test_epoch_reports_in_order_with_progress(corpus_file):
    reports, progress = [], []
    control = TaskControl(on_progress=lambda f, m: progress.append((f, m)), min_interval=0)
    result = train_word2vec_run(LineCorpus(corpus_file), W2VSettings(**TINY), control=control,
                                on_epoch=reports.append, top_n_frames=10)
    assert [r.epoch for r in reports] == [1, 2, 3, 4] and all(r.epochs == 4 for r in reports)
    assert result.history == reports and not result.stopped
    losses = [r.loss for r in reports]
    assert all(np.isfinite(losses)) and all(v > 0 for v in losses)
    assert losses[-1] < losses[0]  # per-epoch loss, not gensim's cumulative figure
    for r in reports:
        assert r.frame.dtype == np.float32 and r.frame.shape == (10, 12)
        assert r.frame_labels == result.embedding.labels[:10]
        assert r.raw_words == result.corpus_words and 0 < r.trained_words <= r.raw_words
    assert not np.array_equal(reports[0].frame, reports[-1].frame)
    np.testing.assert_array_equal(reports[-1].frame, result.embedding.vectors[:10])
    fractions = [f for f, _ in progress if f is not None]
    assert fractions == sorted(fractions) and fractions[-1] > 0.7
    assert any(m.startswith("Epoch 4/4") for _, m in progress)


def test_vectors_learn_the_word_classes(corpus_file):
    emb = train_word2vec(LineCorpus(corpus_file), W2VSettings(**{**TINY, "epochs": 10}))
    unit = emb.unit_vectors
    within, across = [], []
    for name, words in CLASSES.items():
        rows = [emb.row(w) for w in words]
        others = [emb.row(w) for n, ws in CLASSES.items() if n != name for w in ws]
        sims = unit[rows] @ unit[rows].T
        within.append(sims[~np.eye(len(rows), dtype=bool)].mean())
        across.append((unit[rows] @ unit[others].T).mean())
    assert min(within) > max(across) + 0.2


def test_result_is_a_word_embedding_set(lee, tmp_path):
    result = train_word2vec_run(LineCorpus(lee), W2VSettings(**{**TINY, "epochs": 1, "min_count": 5}))
    emb, wv = result.embedding, result.model.wv
    assert emb.kind == "word" and emb.labels == list(wv.index_to_key) and emb.dims == 12
    np.testing.assert_array_equal(emb.vectors, wv.vectors)
    counts = emb.metadata["count"].values
    assert counts[0] == wv.get_vecattr("the", "count") and np.all(np.diff(counts) <= 0)
    assert counts.min() >= 5
    # The model is a plain gensim Word2Vec that gensim can save and load.
    from gensim.models import Word2Vec

    assert type(result.model) is Word2Vec
    result.model.save(str(tmp_path / "m.model"))
    np.testing.assert_array_equal(Word2Vec.load(str(tmp_path / "m.model")).wv.vectors, wv.vectors)
    assert emb.metadata["rank"].value(0) == "1" and emb.labels[0] == "the"
    assert result.corpus_words == sum(len(line.split()) for line in lee.read_text().splitlines())


def test_reproducible_with_one_worker_and_seed(corpus_file):
    corpus = LineCorpus(corpus_file)
    a = train_word2vec(corpus, W2VSettings(**TINY))
    b = train_word2vec(corpus, W2VSettings(**TINY))
    c = train_word2vec(corpus, W2VSettings(**{**TINY, "seed": 8}))
    assert a.labels == b.labels
    np.testing.assert_array_equal(a.vectors, b.vectors)
    assert not np.allclose(a.vectors, c.vectors)


def _stop_at_epoch_end(corpus, settings, epoch):
    control = TaskControl()

    def on_epoch(r):
        if r.epoch == epoch:
            control.cancel()

    return train_word2vec_run(corpus, settings, control=control, on_epoch=on_epoch, top_n_frames=0)


def test_stop_at_epoch_boundary_keeps_that_epoch(lee):
    settings = W2VSettings(**{**TINY, "epochs": 5, "sample": 1e-3})
    full_frames = []
    full = train_word2vec_run(LineCorpus(lee), settings,
                              on_epoch=lambda r: full_frames.append(r.frame), top_n_frames=10 ** 6)
    assert len(full_frames) == 5
    stopped = _stop_at_epoch_end(LineCorpus(lee), settings, 2)
    assert stopped.stopped and stopped.epochs_completed == 2
    assert stopped.embedding.warnings == ["training stopped after epoch 2 of 5"]
    # Same seed, one worker: the first two epochs are those of the full run.
    np.testing.assert_array_equal(stopped.embedding.vectors, full_frames[1])
    assert not np.array_equal(full.embedding.vectors, full_frames[1])


def test_stop_mid_epoch_rolls_back_to_last_complete_epoch(lee):
    """Stop during epoch 3 ends it early; the model equals the one stopped cleanly after epoch 2."""
    settings = W2VSettings(**{**TINY, "epochs": 5, "sample": 1e-3})
    reference = _stop_at_epoch_end(LineCorpus(lee), settings, 2)

    control = TaskControl(min_interval=0)
    seen = []

    def on_progress(fraction, message):
        seen.append(message)
        if message.startswith("Epoch 3/5"):
            control.cancel()

    control._on_progress = on_progress
    frames = []
    result = train_word2vec_run(LineCorpus(lee), settings, control=control,
                                on_epoch=lambda r: frames.append(r.frame), top_n_frames=50)
    assert any(m.startswith("Epoch 3/5") for m in seen)
    assert result.stopped and result.epochs_completed == 2 and len(frames) == 2
    model, ref = result.model, reference.model
    np.testing.assert_array_equal(model.wv.vectors, ref.wv.vectors)
    np.testing.assert_array_equal(model.syn1neg, ref.syn1neg)
    np.testing.assert_array_equal(result.embedding.vectors, model.wv.vectors)
    np.testing.assert_array_equal(result.embedding.vectors[:50], frames[-1])
    # The rolled-back model is usable: it trains on and answers queries.
    model.train(LineCorpus(lee), total_examples=model.corpus_count, epochs=1)
    assert len(model.wv.most_similar("the", topn=3)) == 3


def test_stop_before_any_epoch_completes_raises(tmp_path, corpus_file):
    big = write_corpus(tmp_path / "big.txt", n_sentences=6000)  # several progress checks per epoch
    control = TaskControl(min_interval=0)
    control._on_progress = lambda f, m: control.cancel() if m.startswith("Epoch 1") else None
    with pytest.raises(Cancelled):
        train_word2vec_run(LineCorpus(big), W2VSettings(**TINY), control=control)
    control = TaskControl()
    control.cancel()
    with pytest.raises(Cancelled):
        train_word2vec(LineCorpus(corpus_file), W2VSettings(**TINY), control=control)


class _FailingCorpus:
    """Reads fine for the vocabulary, then fails inside gensim's producer thread."""

    def __init__(self, corpus):
        self.corpus, self.passes = corpus, 0

    def __iter__(self):
        self.passes += 1
        for i, s in enumerate(self.corpus):
            if self.passes == 2 and i == 100:
                raise OSError("disk went away")
            yield s


def test_reader_error_during_training_is_raised_not_hung(corpus_file):
    box = {}

    def target():
        try:
            train_word2vec(_FailingCorpus(LineCorpus(corpus_file)), W2VSettings(**TINY))
        except BaseException as err:  # noqa: BLE001 - inspected below
            box["err"] = err

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(60)
    assert not t.is_alive(), "training hung after a reader error"
    assert isinstance(box.get("err"), OSError) and "disk went away" in str(box["err"])


@pytest.mark.parametrize("bad", [dict(vector_size=0), dict(epochs=0), dict(negative=0),
                                 dict(min_alpha=0.5, alpha=0.1)])
def test_invalid_settings_are_refused(corpus_file, bad):
    with pytest.raises(ValueError):
        train_word2vec(LineCorpus(corpus_file), W2VSettings(**{**TINY, **bad}))


def test_one_shot_iterators_are_refused(corpus_file):
    sentences = list(LineCorpus(corpus_file))
    with pytest.raises(TypeError, match="restartable"):
        train_word2vec(iter(sentences), W2VSettings(**TINY))
    with pytest.raises(TypeError, match="restartable"):
        train_word2vec((s for s in sentences), W2VSettings(**TINY))
    emb = train_word2vec(sentences, W2VSettings(**TINY))  # a list is fine
    assert emb.n > 20 and emb.source == "in-memory corpus (list)"  # not a repr of every token
    assert "corpus.txt" in train_word2vec(LineCorpus(corpus_file), W2VSettings(**TINY)).source


def test_vocabulary_too_small_is_a_data_error(corpus_file):
    with pytest.raises(DataError, match="min count"):
        train_word2vec(LineCorpus(corpus_file), W2VSettings(**{**TINY, "min_count": 10 ** 6}))


# -- analogies and saving -----------------------------------------------------------
def test_analogy_accuracy_matches_gensim(glove_path, gensim_test_data):
    from gensim.models import KeyedVectors

    kv = KeyedVectors.load_word2vec_format(str(glove_path), no_header=True)
    questions = gensim_test_data / "questions-words.txt"
    for restrict in (1000, len(kv)):
        ours, n = AnalogyQuestions.load(questions).evaluate(kv.index_to_key, kv.vectors, restrict)
        score, sections = kv.evaluate_word_analogies(str(questions), restrict_vocab=restrict)
        total = sections[-1]
        assert n == len(total["correct"]) + len(total["incorrect"]) > 0
        assert ours == pytest.approx(score)
    assert ours > 0.5  # real GloVe vectors do solve analogies


def test_analogy_accuracy_reported_per_epoch(lee, gensim_test_data, tmp_path):
    qfile = tmp_path / "q.txt"
    qfile.write_text(": family\nhe she his her\nhis her he she\ngnorble queen man woman\n", encoding="utf-8")
    reports = []
    train_word2vec(LineCorpus(lee), W2VSettings(**{**TINY, "epochs": 2}), on_epoch=reports.append,
                   analogy_path=qfile)
    assert [r.analogy_questions for r in reports] == [2, 2]  # "gnorble" is not in the vocabulary
    assert all(0.0 <= r.analogy_accuracy <= 1.0 for r in reports)
    with pytest.raises(DataError) as err:
        AnalogyQuestions.load(lee)  # not a question file: the first line is not four words
    assert err.value.line == 1 and err.value.path == str(lee)
    with pytest.raises(DataError, match="no such file|No such file"):
        AnalogyQuestions.load(tmp_path / "missing.txt")


@pytest.mark.parametrize("binary", [False, True])
def test_save_word2vec_round_trip(corpus_file, tmp_path, binary):
    from gensim.models import KeyedVectors

    emb = train_word2vec(LineCorpus(corpus_file), W2VSettings(**{**TINY, "epochs": 1}))
    out = tmp_path / ("v.bin" if binary else "v.txt")
    save_word2vec(emb, out, binary=binary)
    kv = KeyedVectors.load_word2vec_format(str(out), binary=binary)
    assert list(kv.index_to_key) == emb.labels
    np.testing.assert_allclose(kv.vectors, emb.vectors, rtol=1e-6)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    from embexplorer.core.data.formats import load

    again = load(out, use_cache=False)
    assert again.labels == emb.labels and again.format == ("word2vec-binary" if binary else "word2vec")
    np.testing.assert_allclose(again.vectors, emb.vectors, rtol=1e-6)
