"""``embexplorer analogy PATH A B C``: a is to b as c is to ?"""

from __future__ import annotations

import argparse
import json

from embexplorer.commands.neighbours import (
    add_case_arguments,
    add_load_arguments,
    case_insensitive,
    format_table,
    k_type,
    labels_of,
    load_embeddings,
    neighbour_dicts,
    positive_int,
)
from embexplorer.core.analysis.analogy import DEFAULT_ANALOGY_K, METHODS
from embexplorer.core.analysis.neighbours import CASE_RULE, MAX_K, MIN_K
from embexplorer.core.errors import DataError

NAME = "analogy"
HELP = ("Solve 'A is to B as C is to ?' with 3CosAdd (gensim most_similar) or 3CosMul "
        "(most_similar_cosmul), or evaluate a vector expression such as 'king - man + woman'. "
        f"Case: {CASE_RULE}; --case-sensitive for exact matches only.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_load_arguments(parser)
    parser.add_argument("words", nargs="*", metavar="A B C", help="the three labels a, b, c")
    parser.add_argument("-e", "--expression", metavar="TEXT",
                        help="instead of A B C: an expression, e.g. 'king - man + woman' or "
                             "'0.5*paris + 0.5*berlin' (quote labels with spaces or operators)")
    parser.add_argument("-k", type=k_type, default=DEFAULT_ANALOGY_K,
                        help=f"number of answers, {MIN_K}..{MAX_K} (default {DEFAULT_ANALOGY_K})")
    parser.add_argument("--method", choices=METHODS, default="3cosadd", help="default 3cosadd")
    parser.add_argument("--keep-inputs", action="store_true",
                        help="do not exclude the input words from the answers")
    parser.add_argument("--restrict", type=positive_int, metavar="N", help="search only the first N rows")
    add_case_arguments(parser)


def run(args) -> int:
    from embexplorer.core.analysis.analogy import evaluate_expression, solve_analogy

    if args.expression is not None and args.words:
        raise DataError("give either A B C or --expression, not both")
    if args.expression is None and len(args.words) != 3:
        raise DataError(f"expected three labels A B C, got {len(args.words)}")
    if args.expression is not None and args.method != "3cosadd":
        raise DataError("--expression ranks by cosine (3CosAdd); --method 3cosmul needs A B C")
    emb = load_embeddings(args)
    if args.expression is not None:
        with labels_of(args.path):
            res = evaluate_expression(emb, args.expression, k=args.k, restrict=args.restrict,
                                      case_insensitive=case_insensitive(args))
        title = f"{args.expression} (cosine, {'inputs kept' if args.keep_inputs else 'inputs excluded'})"
        query = {"expression": args.expression,
                 "terms": [{"label": t.label, "weight": t.weight} for t in res.terms]}
    else:
        a, b, c = args.words
        with labels_of(args.path):
            res = solve = solve_analogy(emb, a, b, c, k=args.k, method=args.method, restrict=args.restrict,
                                        case_insensitive=case_insensitive(args))
        title = (f"{solve.a} is to {solve.b} as {solve.c} is to ? ({args.method}, "
                 f"{'inputs kept' if args.keep_inputs else 'inputs excluded'})")
        query = {"a": solve.a, "b": solve.b, "c": solve.c, "method": args.method}
    shown = res.neighbours_with_inputs if args.keep_inputs else res.neighbours
    other = res.neighbours if args.keep_inputs else res.neighbours_with_inputs
    if args.json:
        print(json.dumps({"path": str(args.path), **query, "keep_inputs": args.keep_inputs,
                          "answers": neighbour_dicts(emb, shown),
                          "excluded": neighbour_dicts(emb, res.neighbours),
                          "with_inputs": neighbour_dicts(emb, res.neighbours_with_inputs)},
                         ensure_ascii=False))
        return 0
    print(title)
    print(format_table(emb, shown, "score"))
    if other:
        which = "with the inputs excluded" if args.keep_inputs else "without excluding the inputs"
        print(f"best answer {which}: {other[0].label} ({other[0].score:.6f})")
    return 0
