"""``embexplorer similarity PATH PAIRS``: correlation with human similarity judgements."""

from __future__ import annotations

import argparse
import json

from embexplorer.commands.neighbours import add_load_arguments, load_embeddings, positive_int
from embexplorer.core.analysis.evaluation import DEFAULT_RESTRICT, PAIRS_DELIMITER

NAME = "similarity"
HELP = ("Evaluate word-pair similarity (wordsim353.tsv / simlex999.txt format): Pearson, Spearman "
        "and out-of-vocabulary ratio, as gensim evaluate_word_pairs.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_load_arguments(parser)
    parser.add_argument("pairs", metavar="PAIRS", help="word-pair file: word, word, score per line")
    parser.add_argument("--restrict", type=positive_int, default=DEFAULT_RESTRICT, metavar="N",
                        help=f"only the first N rows count (default {DEFAULT_RESTRICT:,})")
    parser.add_argument("--case-sensitive", action="store_true", help="compare words as written")
    parser.add_argument("--delimiter", default=PAIRS_DELIMITER, help="field separator (default: tab)")


def run(args) -> int:
    from embexplorer.core.analysis.evaluation import evaluate_word_pairs

    emb = load_embeddings(args)
    rep = evaluate_word_pairs(emb, args.pairs, restrict=args.restrict,
                              case_insensitive=not args.case_sensitive, delimiter=args.delimiter)
    if args.json:
        print(json.dumps({"path": str(args.path), **rep.to_dict()}, ensure_ascii=False))
        return 0
    print(f"{args.pairs}: {rep.pairs_used:,} pairs used, {rep.pairs_oov:,} out of vocabulary")
    print(f"Pearson   {rep.pearson:.4f}  (p = {rep.pearson_p:.3g})")
    print(f"Spearman  {rep.spearman:.4f}  (p = {rep.spearman_p:.3g})")
    print(f"OOV ratio {rep.oov_ratio:.1f} %")
    return 0
