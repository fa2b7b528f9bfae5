"""``embexplorer neighbours PATH LABEL``: the nearest rows to a label."""

from __future__ import annotations

import argparse
import json
from contextlib import contextmanager

from embexplorer.core.analysis.neighbours import CASE_RULE, DEFAULT_K, MAX_K, METRICS, MIN_K
from embexplorer.core.data._table_readers import add_column_arguments, column_options

NAME = "neighbours"
HELP = ("List the nearest neighbours of a label by cosine similarity (identical to gensim "
        f"most_similar), dot product or Euclidean distance. Case: {CASE_RULE}; --case-sensitive for "
        "exact matches only. An unknown label gets the closest labels as suggestions.")
#: Text of --case-sensitive in the label-matching commands (neighbours, analogy, evaluate, similarity).
CASE_SENSITIVE_HELP = f"match labels exactly as written (default: {CASE_RULE})"
#: Kinds whose read errors stay as they are (anything else is "not an embedding file: it looks like ...").
EMBEDDING_KINDS = ("embedding", "binary", "array", "pickle", "empty")


def k_type(text: str) -> int:
    """argparse type: a neighbour count in MIN_K..MAX_K."""
    try:
        k = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if not MIN_K <= k <= MAX_K:
        raise argparse.ArgumentTypeError(f"must be from {MIN_K} to {MAX_K}, got {k}")
    return k


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def add_load_arguments(parser: argparse.ArgumentParser) -> None:
    """PATH and the loading options shared by the analysis commands."""
    parser.add_argument("path", metavar="PATH", help="embedding file")
    parser.add_argument("--format", metavar="NAME", help="file format (default: detect)")
    parser.add_argument("--limit", type=positive_int, metavar="N", help="load only the first N rows")
    parser.add_argument("--allow-pickle", action="store_true",
                        help="allow gensim .kv/.model files (Python pickles: only files you trust)")
    parser.add_argument("--encoding", default="utf-8", metavar="CODEC",
                        help="encoding of the labels (default UTF-8, as gensim: broken bytes become U+FFFD)")
    add_column_arguments(parser)  # --vector-column / --label-column of table files, as the GUI has them


def add_case_arguments(parser: argparse.ArgumentParser) -> None:
    """``--case-sensitive`` (and the old ``-i/--case-insensitive``, now the default, kept for scripts)."""
    parser.add_argument("--case-sensitive", action="store_true", help=CASE_SENSITIVE_HELP)
    parser.add_argument("-i", "--case-insensitive", action="store_true", help=argparse.SUPPRESS)


def case_insensitive(args) -> bool:
    """Whether labels fall back to a case-insensitive match (the default, :data:`CASE_RULE`)."""
    return not args.case_sensitive


def load_embeddings(args):
    """Load ``args.path`` with the shared loader (``embexplorer.core.data.formats.load``).

    A file of another kind (a ratings table, analogy questions, a model...) is refused naming what it
    looks like; without ``--format`` that is checked first, since a ratings table would load as numbers.
    """
    from embexplorer.commands._filekind import EXPECT_EMBEDDING, expect, reading
    from embexplorer.core.data.formats import load

    if args.format is None:  # a ratings table would load as a table of numbers: say what it is
        expect(args.path, EXPECT_EMBEDDING, (*EMBEDDING_KINDS, "text"))
    with reading(args.path, EXPECT_EMBEDDING, EMBEDDING_KINDS):
        return load(args.path, format=args.format, limit=args.limit, allow_pickle=args.allow_pickle,
                    encoding=getattr(args, "encoding", "utf-8"), **column_options(args))


@contextmanager
def labels_of(path):
    """Report an unknown label against the embedding file it is missing from."""
    from embexplorer.core.analysis.neighbours import UnknownLabel
    from embexplorer.core.errors import DataError

    try:
        yield
    except UnknownLabel as err:
        raise DataError(err.reason, path) from None


def neighbour_dicts(emb, neighbours) -> list[dict]:
    """Neighbours as plain dicts (rank from 1, with metadata) for ``--json``."""
    return [{"rank": i, "row": n.row, "label": n.label, "score": n.score,
             "metadata": emb.metadata_text(n.row)} for i, n in enumerate(neighbours, start=1)]


def format_table(emb, neighbours, score_name: str) -> str:
    """A plain-text table: rank, label, score and the metadata columns."""
    meta = list(emb.metadata)
    rows = [["rank", "label", score_name, *meta]]
    for i, n in enumerate(neighbours, start=1):
        text = emb.metadata_text(n.row)
        rows.append([str(i), n.label, f"{n.score:.6f}", *(text[m] for m in meta)])
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows)


SCORE_NAMES = {"cosine": "cosine", "dot": "dot", "euclidean": "distance"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_load_arguments(parser)
    parser.add_argument("label", metavar="LABEL", help="the query label")
    parser.add_argument("-k", type=k_type, default=DEFAULT_K,
                        help=f"number of neighbours, {MIN_K}..{MAX_K} (default {DEFAULT_K})")
    parser.add_argument("--metric", choices=METRICS, default="cosine", help="similarity (default cosine)")
    parser.add_argument("--restrict", type=positive_int, metavar="N",
                        help="search only the first N rows (gensim restrict_vocab)")
    add_case_arguments(parser)


def run(args) -> int:
    from embexplorer.core.analysis.neighbours import nearest

    emb = load_embeddings(args)
    with labels_of(args.path):
        result = nearest(emb, args.label, k=args.k, metric=args.metric, restrict=args.restrict,
                         case_insensitive=case_insensitive(args))
    if args.json:
        print(json.dumps({"path": str(args.path), "query": args.label, "metric": args.metric, "k": args.k,
                          "restrict": args.restrict, "neighbours": neighbour_dicts(emb, result)},
                         ensure_ascii=False))
        return 0
    print(f"{args.k} nearest to {args.label!r} by {args.metric} ({emb.n:,} rows"
          + (f", first {args.restrict:,} searched" if args.restrict else "") + ")")
    print(format_table(emb, result, SCORE_NAMES[args.metric]))
    return 0
