"""``embexplorer evaluate PATH QUESTIONS``: analogy accuracy as gensim evaluate_word_analogies."""

from __future__ import annotations

import argparse
import json

from embexplorer.commands.neighbours import add_load_arguments, load_embeddings, positive_int
from embexplorer.core.analysis.evaluation import DEFAULT_RESTRICT, EVAL_METHODS

NAME = "evaluate"
HELP = ("Evaluate analogies in the questions-words.txt format: per-section and total accuracy, "
        "questions used and skipped (same conventions and answers as gensim "
        "evaluate_word_analogies, in blocks).")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_load_arguments(parser)
    parser.add_argument("questions", metavar="QUESTIONS", help="analogy file (': section' headers)")
    parser.add_argument("--restrict", type=positive_int, default=DEFAULT_RESTRICT, metavar="N",
                        help=f"only the first N rows count (default {DEFAULT_RESTRICT:,}, as gensim)")
    parser.add_argument("--method", choices=EVAL_METHODS, default="3cosadd", help="default 3cosadd")
    parser.add_argument("--case-sensitive", action="store_true",
                        help="compare words as written (default: case-insensitive, as gensim)")


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


def run(args) -> int:
    from embexplorer.core.analysis.evaluation import evaluate_analogies

    emb = load_embeddings(args)
    report = evaluate_analogies(emb, args.questions, restrict=args.restrict,
                                case_insensitive=not args.case_sensitive, method=args.method)
    if args.json:
        print(json.dumps({"path": str(args.path), **report.to_dict()}, ensure_ascii=False))
        return 0
    print(f"{args.questions}: {report.method}, first {report.restrict:,} rows, "
          f"{'case-sensitive' if args.case_sensitive else 'case-insensitive'}")
    print(format_report(report))
    print(f"{report.evaluated:,} questions evaluated, {report.skipped:,} skipped as out of vocabulary, "
          f"{report.seconds:.2f} s")
    return 0
