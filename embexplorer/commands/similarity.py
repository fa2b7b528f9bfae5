"""``embexplorer similarity PATH PAIRS``: correlation with human similarity judgements."""

from __future__ import annotations

import argparse

from embexplorer.commands._benchmark import add_benchmark_arguments, run_benchmark
from embexplorer.core.analysis.evaluation import PAIRS_DELIMITER

NAME = "similarity"
HELP = ("Evaluate word-pair similarity (wordsim353.tsv / simlex999.txt format): Pearson, Spearman "
        "and out-of-vocabulary ratio, as gensim evaluate_word_pairs. Case: words are compared ignoring "
        "case (an exact label is found as well), as gensim; --case-sensitive compares them as written.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_benchmark_arguments(parser, "pairs", "word-pair file: word, word, score per line")
    parser.add_argument("--delimiter", default=PAIRS_DELIMITER, help="field separator (default: tab)")


def print_report(args, rep) -> None:
    """The word-pair report as text: pairs used, Pearson, Spearman, OOV ratio."""
    print(f"{args.pairs}: {rep.pairs_used:,} pairs used, {rep.pairs_oov:,} out of vocabulary")
    print(f"Pearson   {rep.pearson:.4f}  (p = {rep.pearson_p:.3g})")
    print(f"Spearman  {rep.spearman:.4f}  (p = {rep.spearman_p:.3g})")
    print(f"OOV ratio {rep.oov_ratio:.1f} %")


def run(args) -> int:
    from embexplorer.commands._filekind import EXPECT_PAIRS, PAIRS
    from embexplorer.core.analysis.evaluation import evaluate_word_pairs

    return run_benchmark(args, evaluate_word_pairs, args.pairs, print_report, EXPECT_PAIRS, (PAIRS,),
                         delimiter=args.delimiter)
