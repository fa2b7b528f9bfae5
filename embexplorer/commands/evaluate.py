"""``embexplorer evaluate PATH QUESTIONS``: analogy accuracy as gensim evaluate_word_analogies."""

from __future__ import annotations

import argparse

from embexplorer.commands._benchmark import add_benchmark_arguments, run_benchmark
from embexplorer.core.analysis.evaluation import EVAL_METHODS

NAME = "evaluate"
HELP = ("Evaluate analogies in the questions-words.txt format: per-section and total accuracy, "
        "questions used and skipped (same conventions and answers as gensim "
        "evaluate_word_analogies, in blocks). Case: words are compared ignoring case (an exact label "
        "is found as well), as gensim; --case-sensitive compares them as written.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_benchmark_arguments(parser, "questions", "analogy file (': section' headers)", ", as gensim")
    parser.add_argument("--method", choices=EVAL_METHODS, default="3cosadd", help="default 3cosadd")


def format_report(report) -> str:
    """Plain-text table of an AnalogyReport."""
    rows = [["section", "accuracy", "correct", "evaluated", "skipped (OOV)"]]
    for s in report.sections:
        rows.append([s.name, f"{100 * s.accuracy:.1f} %", str(len(s.correct)), str(s.evaluated),
                     str(s.skipped)])
    rows.append(["total", f"{100 * report.accuracy:.2f} %", str(report.correct), str(report.evaluated),
                 str(report.skipped)])
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if c == 0 else cell.rjust(w) for c, (cell, w) in
                       enumerate(zip(r, widths))) for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines.insert(len(lines) - 1, "-" * len(lines[0]))
    return "\n".join(lines)


def print_report(args, report) -> None:
    """The analogy report as text: settings, the per-section table, the totals."""
    print(f"{args.questions}: {report.method}, first {report.restrict:,} rows, "
          f"{'case-sensitive' if args.case_sensitive else 'case-insensitive'}")
    print(format_report(report))
    print(f"{report.evaluated:,} questions evaluated, {report.skipped:,} skipped as out of vocabulary, "
          f"{report.seconds:.2f} s")


def run(args) -> int:
    from embexplorer.commands._filekind import ANALOGIES, EXPECT_ANALOGIES
    from embexplorer.core.analysis.evaluation import evaluate_analogies

    return run_benchmark(args, evaluate_analogies, args.questions, print_report, EXPECT_ANALOGIES,
                         (ANALOGIES,), method=args.method)
