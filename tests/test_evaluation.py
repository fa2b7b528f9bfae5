"""Analogy and word-pair evaluation reproduce gensim exactly, on the real GloVe vectors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embexplorer.core.analysis.evaluation import (
    evaluate_analogies,
    evaluate_word_pairs,
    read_analogy_questions,
    read_word_pairs,
)
from embexplorer.core.data.embeddings import EmbeddingSet
from embexplorer.core.errors import DataError
from embexplorer.core.progress import Cancelled, TaskControl

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")

#: gensim 4.4's accuracy on this file (../shared/data README), and the questions it covers.
GENSIM_REFERENCE_ACCURACY = 0.6460
GENSIM_REFERENCE_COVERED = 3006
#: Seed of the generated case-variant rows.
SEED = 20141


@pytest.fixture(scope="module")
def kv(glove_path):
    from gensim.models import KeyedVectors

    return KeyedVectors.load_word2vec_format(str(glove_path), no_header=True)


@pytest.fixture(scope="module")
def emb(kv):
    return EmbeddingSet(kv.index_to_key, kv.vectors)


@pytest.fixture(scope="module")
def questions(gensim_test_data):
    return gensim_test_data / "questions-words.txt"


def _kv_of(labels, vectors):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(list(labels), vectors)
    return kv


def gensim_predictions(kv, path, restrict=300000, case_insensitive=True, cosmul=False):
    """What gensim predicts per question: its own most_similar(_cosmul) inside its own loop."""
    fold = str.upper if case_insensitive else str
    ok_vocab = {fold(k): kv.get_index(k) for k in reversed(kv.index_to_key[:restrict])}
    preds = {}
    original = kv.key_to_index
    for sec in read_analogy_questions(path):
        for q in sec.questions:
            a, b, c, expected = (fold(w) for w in q.words)
            if not all(w in ok_vocab for w in (a, b, c, expected)):
                continue
            kv.key_to_index = ok_vocab
            try:
                if cosmul:
                    sims = kv.most_similar_cosmul(positive=[b, c], negative=[a], topn=5)
                else:
                    sims = kv.most_similar(positive=[b, c], negative=[a], topn=5, restrict_vocab=restrict)
            finally:
                kv.key_to_index = original
            predicted = None
            for label, _score in sims:
                predicted = fold(label)
                if predicted not in {a, b, c}:
                    break
            preds[q.line] = predicted
    return preds


def _assert_same_as_gensim(report, gensim_sections, fold=str.upper):
    gensim_sections = list(gensim_sections)
    total = gensim_sections.pop()
    assert total["section"] == "Total accuracy"
    assert [s["section"] for s in gensim_sections] == [s.name for s in report.sections]
    for gs, ours in zip(gensim_sections, report.sections):
        assert gs["correct"] == [tuple(fold(w) for w in o.question.words) for o in ours.correct]
        assert gs["incorrect"] == [tuple(fold(w) for w in o.question.words) for o in ours.incorrect]


def test_reproduces_gensim_accuracy_and_per_question_answers(kv, emb, questions):
    score, sections = kv.evaluate_word_analogies(str(questions))
    report = evaluate_analogies(emb, questions)
    assert report.evaluated == GENSIM_REFERENCE_COVERED
    assert round(report.accuracy, 4) == GENSIM_REFERENCE_ACCURACY
    assert report.accuracy == score
    assert report.skipped == sum(len(s.questions) for s in read_analogy_questions(questions)) - 3006
    _assert_same_as_gensim(report, sections)
    preds = gensim_predictions(kv, questions)
    ours = {o.question.line: o.predicted.upper() for s in report.sections for o in s.correct + s.incorrect}
    assert ours == preds
    assert report.seconds > 0 and report.method == "3cosadd"


def test_block_size_does_not_change_answers(emb, questions):
    qs = read_analogy_questions(questions)[:3]
    ref = evaluate_analogies(emb, qs)
    for block in (8, 37):
        rep = evaluate_analogies(emb, qs, block=block)
        assert [[o.predicted_row for o in s.correct + s.incorrect] for s in rep.sections] == \
            [[o.predicted_row for o in s.correct + s.incorrect] for s in ref.sections]


def test_restrict_and_case_sensitive_match_gensim(kv, emb, questions):
    score, sections = kv.evaluate_word_analogies(str(questions), restrict_vocab=1500)
    report = evaluate_analogies(emb, questions, restrict=1500)
    assert report.accuracy == score and report.restrict == 1500
    _assert_same_as_gensim(report, sections)
    score, sections = kv.evaluate_word_analogies(str(questions), case_insensitive=False)
    report = evaluate_analogies(emb, questions, case_insensitive=False)
    assert report.accuracy == score
    _assert_same_as_gensim(report, sections, fold=str)


def test_exact_ties_resolved_as_gensim_does(kv, emb, questions):
    """Rows duplicated under new labels tie exactly with the originals: gensim's tie-break must win."""
    rng = np.random.default_rng(SEED)
    dup = rng.choice(2000, size=600, replace=False)
    labels = list(emb.labels) + [f"{emb.labels[i]}_dup" for i in dup]
    vectors = np.vstack([emb.vectors, emb.vectors[dup]])
    kv2, emb2 = _kv_of(labels, vectors), EmbeddingSet(labels, vectors)
    score, sections = kv2.evaluate_word_analogies(str(questions))
    report = evaluate_analogies(emb2, questions)
    assert report.exact_rescored > 0
    assert report.accuracy == score
    _assert_same_as_gensim(report, sections)
    preds = gensim_predictions(kv2, questions)
    assert {o.question.line: o.predicted.upper() for s in report.sections
            for o in s.correct + s.incorrect} == preds


def test_case_variants_follow_gensim(emb, questions):
    """Mixed-case vocabulary: first spelling wins, variants of the inputs are not answers."""
    rng = np.random.default_rng(SEED)
    words = sorted({w.lower() for s in read_analogy_questions(questions)[:5] for q in s.questions
                    for w in q.words} & set(emb.labels))
    labels = list(emb.labels)
    extra_labels, extra_vecs = [], []
    assert len(words) > 50
    for w in words[::2]:
        extra_labels.append(w.capitalize())
        extra_vecs.append(emb.vectors[emb.row(w)] + rng.normal(0, 0.05, emb.dims).astype(np.float32))
    # the first capitalised spelling goes to row 0, *before* its lower-case row: it then wins
    # gensim's case-folded vocabulary; the others come after theirs (variants only)
    n = len(labels)
    order = [n] + list(range(n)) + list(range(n + 1, n + len(extra_labels)))
    labels = [(labels + extra_labels)[i] for i in order]
    vectors = np.vstack([emb.vectors, np.array(extra_vecs, dtype=np.float32)])[order]
    kv2, emb2 = _kv_of(labels, vectors), EmbeddingSet(labels, vectors)
    score, sections = kv2.evaluate_word_analogies(str(questions))
    report = evaluate_analogies(emb2, questions)
    assert report.accuracy == score
    _assert_same_as_gensim(report, sections)
    assert {o.question.line: o.predicted.upper() for s in report.sections
            for o in s.correct + s.incorrect} == gensim_predictions(kv2, questions)


def test_cosmul_evaluation_agrees_with_gensim_cosmul(kv, emb, questions):
    qs = read_analogy_questions(questions)[:4]
    report = evaluate_analogies(emb, qs, method="3cosmul")
    assert report.method == "3cosmul" and report.evaluated > 300
    path = questions.parent / "questions-words.txt"
    preds = gensim_predictions(kv, path, cosmul=True)
    ours = {o.question.line: o.predicted.upper() for s in report.sections for o in s.correct + s.incorrect}
    assert ours == {line: p for line, p in preds.items() if line in ours}


def test_progress_and_cancel(emb, questions):
    seen = []
    control = TaskControl(on_progress=lambda f, m: seen.append(f), min_interval=0)
    evaluate_analogies(emb, questions, control=control, block=256)
    assert seen[0] == 0 and seen[-1] == 1.0 and len(seen) > 5
    control = TaskControl()

    def stop_after_first(fraction, message):
        if fraction and fraction > 0:
            control.cancel()

    control._on_progress = stop_after_first
    control._min_interval = 0
    with pytest.raises(Cancelled):
        evaluate_analogies(emb, questions, control=control, block=64)


def test_analogy_file_errors(tmp_path):
    bad = tmp_path / "q.txt"
    bad.write_text(": capitals\nathens greece baghdad iraq\nparis france berlin\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_analogy_questions(bad)
    assert info.value.line == 3 and info.value.path == str(bad) and "4 words" in info.value.reason
    bad.write_text("athens greece baghdad iraq\n", encoding="utf-8")
    with pytest.raises(DataError, match="header") as info:
        read_analogy_questions(bad)
    assert info.value.line == 1
    bad.write_bytes(b": s\nab\xff cd ef gh\n")
    with pytest.raises(DataError, match="UTF-8") as info:
        read_analogy_questions(bad)
    assert info.value.line == 2
    with pytest.raises(DataError):
        read_analogy_questions(tmp_path / "missing.txt")


@pytest.mark.parametrize("name", ["wordsim353.tsv", "simlex999.txt"])
def test_word_pairs_match_gensim(kv, emb, gensim_test_data, name):
    path = gensim_test_data / name
    pearson, spearman, oov = kv.evaluate_word_pairs(str(path))
    rep = evaluate_word_pairs(emb, path)
    assert rep.pearson == pearson[0] and rep.pearson_p == pearson[1]
    assert rep.spearman == spearman[0] and rep.spearman_p == spearman[1]
    assert rep.oov_ratio == oov
    assert rep.pairs_used + rep.pairs_oov == len(read_word_pairs(path))
    pearson, spearman, oov = kv.evaluate_word_pairs(str(path), restrict_vocab=1000, case_insensitive=False)
    rep = evaluate_word_pairs(emb, path, restrict=1000, case_insensitive=False)
    assert (rep.pearson, rep.spearman, rep.oov_ratio) == (pearson[0], spearman[0], oov)


def test_word_pair_file_errors(tmp_path):
    f = tmp_path / "pairs.tsv"
    f.write_text("# comment\nword1\tword2\tscore\ncat\tdog\t7.5\n\ncar\tbus\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_word_pairs(f)
    assert info.value.line == 5 and "3 fields" in info.value.reason
    f.write_text("cat\tdog\t7.5\ncar\tbus\tmany\n", encoding="utf-8")
    with pytest.raises(DataError, match="not a number") as info:
        read_word_pairs(f)
    assert info.value.line == 2
    f.write_text("cat\tdog\t7.5\ncar\tbus\tnan\n", encoding="utf-8")
    with pytest.raises(DataError, match="finite") as info:
        read_word_pairs(f)
    assert info.value.line == 2
    f.write_text("word1\tword2\tscore\ncat\tdog\t7.5\n", encoding="utf-8")
    assert [(p.a, p.b, p.score, p.line) for p in read_word_pairs(f)] == [("cat", "dog", 7.5, 2)]


_JUNK = st.lists(st.sampled_from([": sec", "a b c d", "a b c", "\t", "x\ty\t1.5", "x\ty", "#c", "é ü ß ø",
                                  "\n", " ", "1 2 3 4 5", "x\ty\tz", ":", ": "]), max_size=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=_JUNK, raw=st.binary(max_size=40))
def test_parsers_raise_only_data_error_on_junk(tmp_path, lines, raw):
    f = tmp_path / "junk.txt"
    for content in ("\n".join(lines).encode("utf-8"), raw):
        f.write_bytes(content)
        for parse in (read_analogy_questions, read_word_pairs):
            try:
                parse(f)
            except DataError as err:
                assert err.path == str(f)


def _line_by_line(path):
    from embexplorer.core.analysis import analogy_questions

    sections = []
    analogy_questions._read_sections_line_by_line(path.read_text(encoding="utf-8"), path, sections)
    return sections


def test_questions_file_read_whole_equals_line_by_line(questions):
    """The real file takes the fast path (no loop per line) and reads exactly as line by line does."""
    from embexplorer.core.analysis import analogy_questions

    fast = []
    assert analogy_questions._read_regular_sections(questions.read_text(encoding="utf-8"), fast)
    assert fast == _line_by_line(questions) == read_analogy_questions(questions)
    assert sum(len(s.questions) for s in fast) == 19544 and fast[1].line == 508


_PIECES = [": capitals\n", ":  spaced  name \n", "a b c d\n", "a b c d", "x  y z w\n", "a\tb c d\n", "\n", "  \n",
           "a b c\n", "a b c d e\n", "a b c d\r\n", "a b\x1cc d\n", "é ü ß ø\n", ":x y z w\n", " : q\n"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(_PIECES), max_size=12))
def test_any_questions_file_reads_as_line_by_line(tmp_path, pieces):
    path = tmp_path / "q.txt"
    path.write_text("".join(pieces), encoding="utf-8", newline="")
    try:
        expected = _line_by_line(path)
        expected = expected if expected else DataError
    except DataError as err:
        expected = (err.line, str(err))
    try:
        got = read_analogy_questions(path)
    except DataError as err:
        got = (err.line, str(err)) if expected is not DataError else DataError
    assert got == expected


def test_a_questions_file_is_read_again_only_when_it_changed(tmp_path):
    import os

    from embexplorer.core.analysis.analogy_questions import read_analogy_questions_kept

    path = tmp_path / "q.txt"
    path.write_text(": capitals\nathens greece baghdad iraq\n", encoding="utf-8")
    first = read_analogy_questions_kept(path)
    assert read_analogy_questions_kept(path) is first  # kept: not read again
    path.write_text(": capitals\nathens greece paris france\n", encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))  # a later edit
    again = read_analogy_questions_kept(path)
    assert again is not first and again[0].questions[0].c == "paris"
    with pytest.raises(DataError):
        read_analogy_questions_kept(tmp_path / "missing.txt")  # named as the plain reader names it


def _best_two(scores):
    """Per row of a whole score matrix: the first argmax, the best score and the second best."""
    rows = np.arange(len(scores))
    best = scores.argmax(axis=1)
    s1 = scores[rows, best].copy()
    scores[rows, best] = -np.inf
    return best, s1, scores.max(axis=1)


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
@pytest.mark.parametrize("k, tile_rows", [(40, 64), (7, 96), (33, 2048)])
def test_tiled_selection_equals_the_whole_rows(emb, method, k, tile_rows):
    """Best row, best and second-best score, tile by tile, exactly as over each whole row of scores: with
    exact ties (duplicated rows, lowest row wins), all-zero rows, each question's excluded rows and a
    last tile shorter than the others."""
    from embexplorer.core.analysis.evaluation import (
        EVAL_CHUNK_ROWS,
        _best_two_tiled,
        _scorer_3cosadd,
        _scorer_3cosmul,
    )

    rng = np.random.default_rng(SEED + k)
    unit = emb.unit_vectors[:3000].copy()
    unit[2500:2600] = unit[rng.choice(2500, 100, replace=False)]  # exact ties with lower rows
    unit[[2600, 2700]] = unit[100]  # in two tiles (or two chunks of one)
    unit[[17, 1234, 2999]] = 0  # rows gensim never answers with
    zero_rows = np.array([17, 1234, 2999])
    r = rng.choice(3000, size=(k, 3))
    r[0] = (5, 100, 5)  # its best: rows 2600 and 2700, exactly equal
    var_rows = [rng.choice(3000, size=3, replace=False) if i % 3 == 0 else None for i in range(k)]
    ca, cb, cc = (unit[r[:, j]] @ unit.T for j in range(3))
    if method == "3cosadd":
        q = unit[r[:, 1]] + unit[r[:, 2]] - unit[r[:, 0]]
        scores = (q / np.linalg.norm(q, axis=1, keepdims=True)) @ unit.T
        score = _scorer_3cosadd(unit, r)
    else:
        scores = (1 + cb) * (1 + cc) / (2 * (1 + ca) + np.float32(4e-6))
        score = _scorer_3cosmul(unit, r, np.empty((tile_rows, 3 * k), np.float32))
    scores[np.arange(k)[:, None], r] = -np.inf
    scores[:, zero_rows] = -np.inf
    for i, vr in enumerate(var_rows):
        if vr is not None:
            scores[i, vr] = -np.inf
    want = _best_two(scores.copy())
    assert 3000 % tile_rows and tile_rows % EVAL_CHUNK_ROWS == 0  # a short last tile
    got = _best_two_tiled(score, len(unit), r, zero_rows, var_rows, np.empty((tile_rows, k), np.float32))
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_allclose(got[1], want[1], rtol=0, atol=1e-5)  # the product's summation order differs
    np.testing.assert_allclose(got[2], want[2], rtol=0, atol=1e-5)
    assert got[0][0] == 2600 and got[1][0] == got[2][0]  # the exact tie is seen: it goes down the exact path


def test_question_words_index_every_question_and_are_kept_with_the_file(questions):
    from embexplorer.core.analysis.analogy_questions import question_words, read_analogy_questions_kept

    sections = read_analogy_questions_kept(questions)
    table = question_words(sections)
    every = [q for s in sections for q in s.questions]
    assert table.codes.shape == (len(every), 4) and len(set(table.distinct)) == len(table.distinct)
    assert [tuple(table.distinct[i] for i in row) for row in table.codes.tolist()] == [q.words for q in every]
    assert question_words(sections) is table  # kept with the file
    fresh = read_analogy_questions(questions)  # sections not kept: computed again, equal
    again = question_words(fresh)
    assert again is not table and again.distinct == table.distinct
    np.testing.assert_array_equal(again.codes, table.codes)
