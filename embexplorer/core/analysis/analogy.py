"""Analogies ("a is to b as c is to ?") and vector-arithmetic expressions.

3CosAdd is gensim ``most_similar(positive=[b, c], negative=[a])``, 3CosMul is
gensim ``most_similar_cosmul`` (Levy & Goldberg 2014).  Expressions such as
``king - man + woman`` or ``0.5*paris + 0.5*berlin`` are read by a small
recursive-descent parser (never Python ``eval``) into weighted labels.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from embexplorer.core.analysis.neighbours import (
    DEFAULT_K,
    Neighbour,
    check_k,
    gensim_mean,
    most_similar,
    most_similar_cosmul,
    resolve_row,
)
from embexplorer.core.data.embeddings import EmbeddingSet
from embexplorer.core.errors import DataError

#: Analogy methods: additive (gensim most_similar) and multiplicative (most_similar_cosmul).
METHODS = ("3cosadd", "3cosmul")
#: Default number of analogy answers listed.
DEFAULT_ANALOGY_K = 5
#: Longest expression accepted (characters).
MAX_EXPRESSION_LENGTH = 2000
#: Deepest parenthesis nesting accepted (keeps the recursive parser far from Python's limit).
MAX_EXPRESSION_DEPTH = 50

_OPERATORS = "+-*/()"
_QUOTES = "'\""
_NUMBER_RE = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


class ExpressionError(DataError):
    """An expression could not be read; ``column`` is 1-based."""

    def __init__(self, reason: str, column: int | None = None) -> None:
        self.column = column
        where = f"column {column}: " if column is not None else ""
        super().__init__(f"{where}{reason}", path="expression")

    def __reduce__(self):
        return (DataError, (self.reason, self.path, self.line))


@dataclass(frozen=True)
class Term:
    """One weighted label of an expression."""

    label: str
    weight: float


@dataclass
class AnalogyResult:
    """The answer to "a is to b as c is to ?".

    Attributes
    ----------
    a, b, c : str
        The labels as found in the set.
    rows : tuple of int
        Rows of a, b and c.
    method : str
        "3cosadd" or "3cosmul".
    neighbours : list of Neighbour
        Best answers with the input words excluded (gensim's convention).
    neighbours_with_inputs : list of Neighbour
        Best answers without exclusion -- often one of the inputs.
    expected : numpy.ndarray
        The raw point c + (b - a), for drawing the parallelogram.
    """

    a: str
    b: str
    c: str
    rows: tuple[int, int, int]
    method: str
    neighbours: list[Neighbour]
    neighbours_with_inputs: list[Neighbour]
    expected: np.ndarray

    @property
    def answer(self) -> Neighbour | None:
        """Best answer with the inputs excluded."""
        return self.neighbours[0] if self.neighbours else None

    @property
    def answer_with_inputs(self) -> Neighbour | None:
        """Best answer without exclusion."""
        return self.neighbours_with_inputs[0] if self.neighbours_with_inputs else None

    @property
    def parallelogram_rows(self) -> tuple[int, int, int, int | None]:
        """Rows (a, b, c, answer) for the plot overlay."""
        ans = self.answer
        return (*self.rows, ans.row if ans is not None else None)


@dataclass
class ExpressionResult:
    """A vector expression evaluated over the labels of a set.

    ``vector`` is the weighted sum of the raw vectors (what the expression
    says literally); ``neighbours`` are ranked by cosine to gensim's unit mean
    of the weighted unit vectors -- the same query gensim
    ``most_similar(positive=[(label, weight), ...])`` makes.
    """

    text: str
    terms: list[Term]
    rows: list[int]
    vector: np.ndarray
    mean: np.ndarray
    neighbours: list[Neighbour]
    neighbours_with_inputs: list[Neighbour] = field(default_factory=list)


def solve_analogy(emb: EmbeddingSet, a: str, b: str, c: str, k: int = DEFAULT_ANALOGY_K,
                  method: str = "3cosadd", restrict: int | None = None,
                  case_insensitive: bool = False) -> AnalogyResult:
    """Solve "a is to b as c is to ?" with 3CosAdd or 3CosMul.

    Parameters
    ----------
    emb : EmbeddingSet
    a, b, c : str
        Labels (or row numbers).
    k : int
        Number of answers in each list.
    method : {"3cosadd", "3cosmul"}
    restrict : int, optional
        Search only the first ``restrict`` rows.
    case_insensitive : bool
        Resolve labels ignoring case (exact match first).
    """
    k = check_k(k)
    method = method.lower()
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    rows = tuple(resolve_row(emb, x, case_insensitive) for x in (a, b, c))
    ra, rb, rc = rows
    search = most_similar if method == "3cosadd" else most_similar_cosmul
    kw = dict(positive=[rb, rc], negative=[ra], topn=k, restrict=restrict)
    excluded = search(emb, **kw)
    included = search(emb, exclude_inputs=False, **kw)
    v = emb.vectors
    expected = (v[rc].astype(np.float64) + v[rb] - v[ra]).astype(np.float32)
    return AnalogyResult(emb.labels[ra], emb.labels[rb], emb.labels[rc], rows, method,
                         excluded, included, expected)


# -- expressions ---------------------------------------------------------------

@dataclass
class _Tok:
    kind: str  # "op", "num", "word"
    text: str
    col: int


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in _OPERATORS:
            toks.append(_Tok("op", ch, i + 1))
            i += 1
        elif ch in _QUOTES:
            end = text.find(ch, i + 1)
            if end < 0:
                raise ExpressionError(f"unterminated quote {ch}", i + 1)
            if end == i + 1:
                raise ExpressionError("empty quoted label", i + 1)
            toks.append(_Tok("word", text[i + 1:end], i + 1))
            i = end + 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in _OPERATORS and text[j] not in _QUOTES:
                j += 1
            word = text[i:j]
            # "1e-3": the sign belongs to the exponent, not to a subtraction
            if re.fullmatch(r"(?:\d+\.?\d*|\.\d+)[eE]", word) and j + 1 < n and text[j] in "+-" \
                    and text[j + 1].isdigit():
                j += 1
                while j < n and text[j].isdigit():
                    j += 1
                word = text[i:j]
            kind = "num" if _NUMBER_RE.fullmatch(word) else "word"
            toks.append(_Tok(kind, word, i + 1))
            i = j
    return toks


class _Lin(dict):
    """A linear combination of labels: label -> weight (insertion-ordered)."""


@dataclass
class _Num:
    value: float
    text: str | None  # the literal, when the number could also be read as a label
    sign: float = 1.0


def _finite(x: float, col: int) -> float:
    if not math.isfinite(x):
        raise ExpressionError("a weight is too large", col)
    return x


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokenize(text)
        self.pos = 0
        self.depth = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def col(self) -> int:
        tok = self.peek()
        return tok.col if tok is not None else len(self.text) + 1

    def take(self) -> _Tok:
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def parse(self) -> _Lin:
        if not self.toks:
            raise ExpressionError("the expression is empty", 1)
        value = self.expr()
        if self.peek() is not None:
            raise ExpressionError(f"unexpected {self.peek().text!r}", self.col())
        return value

    def expr(self) -> _Lin:
        total = _Lin()
        sign = 1.0
        while True:
            col = self.col()
            term = self.as_linear(self.term(), col)
            for lab, w in term.items():
                total[lab] = _finite(total.get(lab, 0.0) + sign * w, col)
            tok = self.peek()
            if tok is not None and tok.kind == "op" and tok.text in "+-":
                self.take()
                sign = 1.0 if tok.text == "+" else -1.0
            else:
                return total

    def as_linear(self, value, col: int) -> _Lin:
        if isinstance(value, _Lin):
            return value
        if value.text is not None:  # a lone number is a label ("1990")
            return _Lin({value.text: value.sign})
        raise ExpressionError("a number cannot be added to a vector; write e.g. 0.5*paris", col)

    def term(self):
        value = self.factor()
        scaled = False
        while True:
            tok = self.peek()
            if tok is None or tok.kind != "op" or tok.text not in "*/":
                break
            self.take()
            rcol = self.col()
            right = self.factor()
            value = self.combine(value, right, tok.text, rcol)
            scaled = True
        if scaled and isinstance(value, _Num):
            value = _Num(value.value, None)
        return value

    def combine(self, left, right, op: str, col: int):
        if isinstance(left, _Lin) and isinstance(right, _Lin):
            raise ExpressionError("two vectors cannot be multiplied or divided", col)
        if op == "/":
            if isinstance(right, _Lin):
                raise ExpressionError("cannot divide by a vector", col)
            if right.value == 0:
                raise ExpressionError("division by zero", col)
            factor = 1.0 / right.value
        else:
            factor = right.value if isinstance(right, _Num) else None
        if isinstance(left, _Num) and isinstance(right, _Lin):
            return _Lin({k: _finite(left.value * w, col) for k, w in right.items()})
        if isinstance(left, _Lin):
            return _Lin({k: _finite(w * factor, col) for k, w in left.items()})
        value = left.value * right.value if op == "*" else left.value * factor
        return _Num(_finite(value, col), None)

    def enter(self, col: int) -> None:
        self.depth += 1
        if self.depth > MAX_EXPRESSION_DEPTH:
            raise ExpressionError("the expression is nested too deeply", col)

    def factor(self):
        tok = self.peek()
        if tok is None:
            raise ExpressionError("expected a label, a number or '('", self.col())
        if tok.kind == "op":
            if tok.text in "+-":
                self.take()
                self.enter(tok.col)
                inner = self.factor()
                self.depth -= 1
                s = -1.0 if tok.text == "-" else 1.0
                if isinstance(inner, _Lin):
                    return _Lin({k: s * w for k, w in inner.items()})
                return _Num(s * inner.value, inner.text, s * inner.sign)
            if tok.text == "(":
                self.take()
                self.enter(tok.col)
                inner = self.expr()
                self.depth -= 1
                close = self.peek()
                if close is None or close.text != ")" or close.kind != "op":
                    raise ExpressionError("missing ')'", self.col())
                self.take()
                return inner
            raise ExpressionError(f"unexpected {tok.text!r}", tok.col)
        self.take()
        if tok.kind == "num":
            return _Num(_finite(float(tok.text), tok.col), tok.text)
        return _Lin({tok.text: 1.0})


def parse_expression(text: str) -> list[Term]:
    """Read ``king - man + woman`` or ``0.5*paris + 0.5*berlin`` into weighted labels.

    Grammar: sums and differences of terms; a term is a product/quotient of
    labels, numbers and parenthesised sub-expressions, with at most one vector
    factor.  A number standing alone as a term is a label (``1990``).  Labels
    containing spaces or operator characters are written in quotes
    (``'x-ray'``).  Repeated labels are merged.

    Raises
    ------
    ExpressionError
        (a :class:`DataError`) with the 1-based column of the problem.
    """
    if not isinstance(text, str):
        raise ExpressionError("the expression must be text")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_EXPRESSION_LENGTH} characters")
    lin = _Parser(text).parse()
    if not lin:
        raise ExpressionError("the expression names no label", 1)
    return [Term(label, float(w)) for label, w in lin.items()]


def evaluate_expression(emb: EmbeddingSet, text: str, k: int = DEFAULT_K, restrict: int | None = None,
                        case_insensitive: bool = False) -> ExpressionResult:
    """Evaluate an expression over the labels of ``emb`` and list its nearest rows.

    Neighbours are ranked as gensim ``most_similar(positive=[(label, weight), ...])``
    ranks them; the labels of the expression are excluded from ``neighbours``
    and kept in ``neighbours_with_inputs``.
    """
    k = check_k(k)
    terms = parse_expression(text)
    rows = [resolve_row(emb, t.label, case_insensitive) for t in terms]
    items = [(r, t.weight) for r, t in zip(rows, terms)]
    vector = np.zeros(emb.dims, np.float64)
    for r, t in zip(rows, terms):
        vector += t.weight * emb.vectors[r].astype(np.float64)
    if not any(t.weight for t in terms):
        raise ExpressionError("all weights cancel out: the expression is the zero vector")
    # positive weights first, then negative ones: the order gensim adds them up in
    # most_similar(positive=[...], negative=[...]), so the float32 mean is bit-identical
    positive = [it for it in items if it[1] >= 0] + [it for it in items if it[1] < 0]
    excluded = most_similar(emb, positive=positive, topn=k, restrict=restrict)
    included = most_similar(emb, positive=positive, topn=k, restrict=restrict, exclude_inputs=False)
    return ExpressionResult(text, terms, rows, vector.astype(np.float32), gensim_mean(emb, items),
                            excluded, included)
