"""What the two benchmark commands share: ``evaluate`` (analogies) and ``similarity`` (word pairs).

Both load a set, score it against a benchmark file over its first ``--restrict`` rows (case-insensitively
unless ``--case-sensitive``, as gensim) and print the report, or its ``--json`` form.  The benchmark file
is checked to be of the kind expected (analogy questions, word pairs) and read with its own encoding
option.  Private (leading underscore): not a subcommand.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from embexplorer.commands.neighbours import (
    CASE_SENSITIVE_HELP,
    add_load_arguments,
    load_embeddings,
    positive_int,
)
from embexplorer.core.analysis.evaluation import DEFAULT_RESTRICT


def add_benchmark_arguments(parser: argparse.ArgumentParser, file_arg: str, file_help: str,
                            restrict_note: str = "") -> None:
    """PATH and the loading options, the benchmark file ``file_arg`` and ``--restrict``.

    ``restrict_note`` is appended to the default in ``--restrict``'s help (", as gensim").
    """
    add_load_arguments(parser)
    parser.add_argument(file_arg, metavar=file_arg.upper(), help=file_help)
    parser.add_argument("--restrict", type=positive_int, default=DEFAULT_RESTRICT, metavar="N",
                        help=f"only the first N rows count (default {DEFAULT_RESTRICT:,}{restrict_note})")
    parser.add_argument("--case-sensitive", action="store_true",
                        help=CASE_SENSITIVE_HELP + "; as gensim's evaluate_word_analogies / "
                             "evaluate_word_pairs, words are compared upper-cased and the first (most "
                             "frequent) row of a spelling wins")
    parser.add_argument(f"--{file_arg}-encoding", dest="file_encoding", default="utf-8", metavar="CODEC",
                        help=f"encoding of {file_arg.upper()} (default UTF-8)")


def run_benchmark(args, score: Callable, benchmark: str, print_report: Callable, expected: str,
                  kinds: tuple[str, ...], **options) -> int:
    """Load ``args.path``, score it and print the report; returns the exit status (0).

    Parameters
    ----------
    args : argparse.Namespace
        With the options of :func:`add_benchmark_arguments`, ``case_sensitive`` and ``json``.
    score : callable
        ``score(emb, benchmark, restrict=..., case_insensitive=..., **options)`` returning a report
        with ``to_dict()``.
    benchmark : str
        The benchmark file.
    print_report : callable
        ``print_report(args, report)`` prints the report as text (without ``--json``).
    expected, kinds : str, tuple of str
        What the benchmark file should be (for the error) and the file kinds that are it
        (:mod:`embexplorer.commands._filekind`).
    """
    from embexplorer.commands._filekind import expect, reading

    expect(benchmark, expected, (*kinds, "text", "empty"))  # refused early: a ratings table, vectors, ...
    emb = load_embeddings(args)
    with reading(benchmark, expected, kinds):
        report = score(emb, benchmark, restrict=args.restrict, case_insensitive=not args.case_sensitive,
                       encoding=args.file_encoding, **options)
    if args.json:
        print(json.dumps({"path": str(args.path), **report.to_dict()}, ensure_ascii=False))
    else:
        print_report(args, report)
    return 0
