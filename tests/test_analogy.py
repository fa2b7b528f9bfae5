"""Analogies and the expression parser, on the real GloVe vectors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embexplorer.core.analysis.analogy import (
    MAX_EXPRESSION_DEPTH,
    ExpressionError,
    Term,
    evaluate_expression,
    parse_expression,
    solve_analogy,
)
from embexplorer.core.analysis.neighbours import UnknownLabel
from embexplorer.core.data.embeddings import EmbeddingSet
from embexplorer.core.errors import DataError

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")


@pytest.fixture(scope="module")
def kv(glove_path):
    from gensim.models import KeyedVectors

    return KeyedVectors.load_word2vec_format(str(glove_path), no_header=True)


@pytest.fixture(scope="module")
def emb(kv):
    return EmbeddingSet(kv.index_to_key, kv.vectors)


def test_king_man_woman_queen(emb, kv):
    res = solve_analogy(emb, "man", "king", "woman")
    assert res.answer.label == "queen"
    assert [(n.label, n.score) for n in res.neighbours] == kv.most_similar(["king", "woman"], ["man"], topn=5)
    assert evaluate_expression(emb, "king - man + woman", k=1).neighbours[0].label == "queen"


def test_paris_france_germany_berlin(emb, kv):
    assert solve_analogy(emb, "france", "paris", "germany").answer.label == "berlin"
    assert evaluate_expression(emb, "paris - france + germany", k=3).neighbours[0].label == "berlin"


def test_answer_without_exclusion_is_gensims_unfiltered_argmax(emb, kv):
    for a, b, c in [("man", "king", "woman"), ("france", "paris", "germany"), ("good", "better", "bad")]:
        res = solve_analogy(emb, a, b, c)
        dists = kv.most_similar([b, c], [a], topn=None)  # gensim: every row's score, nothing excluded
        assert res.answer_with_inputs.row == int(np.argmax(dists))
        assert res.answer_with_inputs.score == float(dists.max())
    # the well-known pitfall: without exclusion the answer is an input word
    assert solve_analogy(emb, "man", "king", "woman").answer_with_inputs.label == "king"


def test_cosmul_agrees_with_gensim(emb, kv):
    for a, b, c in [("man", "king", "woman"), ("france", "paris", "germany"),
                    ("big", "bigger", "small"), ("england", "london", "japan"), ("walk", "walked", "go")]:
        res = solve_analogy(emb, a, b, c, k=8, method="3cosmul")
        assert [(n.label, n.score) for n in res.neighbours] == kv.most_similar_cosmul([b, c], [a], topn=8)


def test_parallelogram_data(emb):
    res = solve_analogy(emb, "man", "king", "woman")
    ra, rb, rc = res.rows
    v = emb.vectors.astype(np.float64)
    np.testing.assert_allclose(res.expected, v[rc] + v[rb] - v[ra], rtol=1e-6, atol=1e-6)
    assert res.parallelogram_rows == (ra, rb, rc, emb.row("queen"))


def test_analogy_case_insensitive_and_errors(emb):
    with pytest.raises(UnknownLabel):
        solve_analogy(emb, "Man", "King", "Woman")
    assert solve_analogy(emb, "Man", "King", "Woman", case_insensitive=True).answer.label == "queen"
    with pytest.raises(ValueError):
        solve_analogy(emb, "man", "king", "woman", method="3cosfoo")


def test_weighted_expression_identical_to_gensim(emb, kv):
    res = evaluate_expression(emb, "0.5*paris + 0.5*berlin", k=10)
    assert [(n.label, n.score) for n in res.neighbours] == \
        kv.most_similar(positive=[("paris", 0.5), ("berlin", 0.5)], topn=10)
    res = evaluate_expression(emb, "(tokyo + seoul)/2 - 0.25 * china", k=10)
    assert [(n.label, n.score) for n in res.neighbours] == \
        kv.most_similar(positive=[("tokyo", 0.5), ("seoul", 0.5)], negative=[("china", -0.25)], topn=10)
    np.testing.assert_allclose(res.vector, 0.5 * kv["tokyo"] + 0.5 * kv["seoul"] - 0.25 * kv["china"],
                               rtol=1e-5, atol=1e-6)
    assert {n.label for n in res.neighbours_with_inputs} & {"tokyo", "seoul"}


def test_expression_unknown_label(emb):
    with pytest.raises(DataError, match="zzzunknown"):
        evaluate_expression(emb, "king + zzzunknown")
    with pytest.raises(ExpressionError):
        evaluate_expression(emb, "king - king")


@pytest.mark.parametrize("text, expected", [
    ("king - man + woman", [("king", 1), ("man", -1), ("woman", 1)]),
    ("0.5*paris + 0.5*berlin", [("paris", 0.5), ("berlin", 0.5)]),
    ("(paris + berlin) / 4", [("paris", 0.25), ("berlin", 0.25)]),
    ("-man+woman", [("man", -1), ("woman", 1)]),
    ("king*2 - 3*(man - woman)", [("king", 2), ("man", -3), ("woman", 3)]),
    ("1990 + 2*'x-ray' + \"new york\"", [("1990", 1), ("x-ray", 2), ("new york", 1)]),
    ("1e-1*king", [("king", 0.1)]),
    ("king + king - 0.5*king", [("king", 1.5)]),
    ("über - straße", [("über", 1), ("straße", -1)]),
])
def test_parse_expression(text, expected):
    assert parse_expression(text) == [Term(lab, float(w)) for lab, w in expected]


@pytest.mark.parametrize("text, column", [
    ("", 1), ("king +", 7), ("king*man", 6), ("(king", 6), ("king)", 5), ("'king", 1),
    ("king / 0", 8), ("2*3", 1), ("king / man", 8), ("2 / king", 5), ("''", 1),
])
def test_parse_errors_name_the_column(text, column):
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    assert info.value.column == column
    assert isinstance(info.value, DataError)
    assert f"column {column}" in str(info.value)


def test_deep_nesting_is_a_clean_error():
    with pytest.raises(ExpressionError, match="nested"):
        parse_expression("(" * (MAX_EXPRESSION_DEPTH + 5) + "king" + ")" * (MAX_EXPRESSION_DEPTH + 5))
    with pytest.raises(ExpressionError, match="nested"):
        parse_expression("-" * 500 + "king")
    assert parse_expression("(" * 10 + "king" + ")" * 10) == [Term("king", 1.0)]


_PIECES = list("ab1.e+-*/() '\"\t") + ["king", "0", "é", "1e-3"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join))
def test_parser_never_raises_anything_but_expression_error(text):
    try:
        terms = parse_expression(text)
    except ExpressionError:
        return
    assert terms and all(isinstance(t, Term) and math.isfinite(t.weight) for t in terms)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_parser_on_arbitrary_unicode(text):
    try:
        parse_expression(text)
    except ExpressionError:
        pass


_LABEL = st.text(alphabet=st.characters(whitelist_categories=("Ll", "Lu")), min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(-99, 99).filter(bool), _LABEL), min_size=1, max_size=6,
                unique_by=lambda t: t[1]))
def test_rendered_linear_combinations_round_trip(terms):
    text = " + ".join(f"{w / 4}*{lab}" for w, lab in terms).replace("+ -", "- ")
    assert parse_expression(text) == [Term(lab, w / 4) for w, lab in terms]
