"""``embexplorer compare A B``: how two embedding spaces differ, label by label."""

from __future__ import annotations

import json

from embexplorer.commands.neighbours import k_type, positive_int

NAME = "compare"
HELP = ("Compare two embedding files over their shared labels: neighbourhood overlap (Jaccard@k), "
        "Procrustes-aligned displacement and the biggest movers.")


def add_arguments(parser) -> None:
    from embexplorer.core.analysis.compare import DEFAULT_K, DEFAULT_TOP

    parser.add_argument("a", metavar="A", help="first embedding file")
    parser.add_argument("b", metavar="B", help="second embedding file (aligned onto A)")
    parser.add_argument("-k", "--k", type=k_type, default=DEFAULT_K,
                        help=f"neighbours compared per label (default {DEFAULT_K})")
    parser.add_argument("--top", type=positive_int, default=DEFAULT_TOP,
                        help=f"biggest movers listed (default {DEFAULT_TOP})")
    parser.add_argument("--limit", type=positive_int, metavar="N", help="load only the first N rows of each")
    parser.add_argument("--format", metavar="NAME", help="file format of both (default: detect)")


def run(args) -> int:
    from embexplorer.core.analysis.compare import compare
    from embexplorer.core.data.formats import load
    from embexplorer.core.errors import DataError

    a = load(args.a, format=args.format, limit=args.limit)
    b = load(args.b, format=args.format, limit=args.limit)
    try:
        result = compare(a, b, k=args.k)
    except DataError as err:
        raise DataError(err.reason, f"{args.a} vs {args.b}") from None
    movers = result.movers(args.top)
    if args.json:
        print(json.dumps({"a": str(args.a), "b": str(args.b), **result.summary(),
                          "movers": [m.to_json() for m in movers]}, ensure_ascii=False))
        return 0
    s = result.summary()
    print(f"{s['shared']:,} shared labels ({s['rows_a']:,} in A, {s['rows_b']:,} in B); "
          f"mean overlap of {s['k']} neighbours {s['mean_overlap']:.3f}"
          + (f"; mean displacement after alignment {s['mean_displacement']:.4g}" if s["aligned"] else ""))
    for note in s["notes"]:
        print(f"note: {note}")
    rows = [["label", "overlap", "displacement", "only in A", "only in B"]]
    for m in movers:
        rows.append([m.label, f"{m.overlap:.2f}", "" if m.displacement is None else f"{m.displacement:.4g}",
                     ", ".join(m.only_in_a[:5]), ", ".join(m.only_in_b[:5])])
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    print("\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows))
    return 0
