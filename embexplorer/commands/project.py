"""``embexplorer project PATH --method tsne|umap|pca --out coords.tsv``: 2-D coordinates of every row."""

from __future__ import annotations

import argparse
import json
import sys

from embexplorer.commands.neighbours import add_load_arguments, load_embeddings

NAME = "project"
HELP = ("Write 2-D coordinates of every row (label, x, y) by PCA, t-SNE or UMAP: seeded, cached, "
        "every point placed (above the fit cap a sample is fitted and the rest placed into it).")

#: Methods offered.  Methods beyond the fitted maps register a function ``(emb, args) -> (xy, description)``
#: in :data:`EXTRA_METHODS` and their options in :func:`add_arguments`.
METHODS = ("pca", "tsne", "umap")


def _axes(emb, args):
    """Meaning-bearing axes: each row's cosine (or dot product) with two word directions."""
    from embexplorer.core.analysis.axes import axes_coordinates
    from embexplorer.core.errors import DataError

    if not args.axes:
        raise DataError("--method axes needs --axes X Y, e.g. --axes 'woman - man' 'king - queen'", args.path)
    xy, titles = axes_coordinates(emb, args.axes[0], args.axes[1], measure=args.axes_measure,
                                  orthogonalise=args.axes_orthogonal, case_insensitive=True)
    return xy, f"axes {titles[0]} | {titles[1]}"


EXTRA_METHODS: dict = {"axes": _axes}


def _float_in(lo: float, hi: float, what: str):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{what} must be from {lo:g} to {hi:g}, got {text}")
        return value
    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from embexplorer.core.analysis.nonlinear import METRICS, LayoutParams

    d = LayoutParams()
    add_load_arguments(parser)
    parser.add_argument("--method", choices=METHODS + tuple(EXTRA_METHODS), default="tsne",
                        help="pca, tsne (default), umap (needs: pip install 'embexplorer[umap]') or axes "
                             "(two word directions, see --axes)")
    parser.add_argument("--out", metavar="FILE",
                        help="write label<TAB>x<TAB>y here (default: standard output)")
    parser.add_argument("--perplexity", type=_float_in(1, 500, "perplexity"), default=d.perplexity,
                        help=f"t-SNE perplexity (default {d.perplexity:g})")
    parser.add_argument("--exaggeration", type=_float_in(0.5, 50, "exaggeration"), default=d.exaggeration,
                        help="t-SNE exaggeration after the early phase (default 1: standard t-SNE)")
    parser.add_argument("--n-neighbors", type=int, default=d.n_neighbors, metavar="N",
                        help=f"UMAP neighbourhood size (default {d.n_neighbors})")
    parser.add_argument("--min-dist", type=_float_in(0, 1, "min-dist"), default=d.min_dist,
                        help=f"UMAP minimum distance (default {d.min_dist:g})")
    parser.add_argument("--metric", choices=METRICS, default=d.metric, help="distance (default cosine)")
    parser.add_argument("--seed", type=int, default=d.seed, help="random seed (default 0)")
    parser.add_argument("--no-cache", action="store_true", help="compute again even if a layout is cached")
    parser.add_argument("--axes", nargs=2, metavar=("X", "Y"),
                        help="with --method axes: the two directions, e.g. 'woman - man' 'king - queen' "
                             "(labels match exactly first, then ignoring case)")
    parser.add_argument("--axes-measure", choices=("cosine", "dot"), default="cosine",
                        help="with --method axes: place rows by cosine (default) or dot product")
    parser.add_argument("--axes-orthogonal", action="store_true",
                        help="with --method axes: remove the X direction from Y first")


def run(args) -> int:
    from embexplorer.core.errors import DataError

    emb = load_embeddings(args)
    if emb.n < 2:
        raise DataError(f"a projection needs at least 2 rows, the file has {emb.n}", args.path)
    if args.method in EXTRA_METHODS:
        xy, description = EXTRA_METHODS[args.method](emb, args)
        summary = {"method": args.method, "description": description}
    elif args.method == "pca":
        from embexplorer.core.analysis.pca import fit_pca

        pca = fit_pca(emb.vectors, n_components=2)
        xy = pca.xy(0, min(1, pca.n_components - 1))
        summary = {"method": "pca", "axes": [pca.axis_label(i) for i in range(pca.n_components)],
                   "description": "PCA, " + " and ".join(pca.axis_label(i) for i in range(pca.n_components))}
    else:
        layout = _layout(emb, args)
        xy = layout.xy
        summary = {"method": args.method, "params": layout.params.relevant(), "fitted": layout.n_fitted,
                   "placed": layout.n_placed, "seconds": round(layout.seconds, 3),
                   "from_cache": layout.from_cache, "description": layout.describe()}
    _write(emb, xy, args.out)
    summary.update(path=str(args.path), rows=emb.n, out=args.out)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    elif args.out:
        print(f"{summary['description']}: {emb.n:,} rows written to {args.out}")
    return 0


def _layout(emb, args):
    from embexplorer.core.analysis import layout_cache
    from embexplorer.core.analysis.nonlinear import LayoutParams, fit_layout
    from embexplorer.core.analysis.pca import fit_pca

    if args.n_neighbors < 2:
        from embexplorer.core.errors import DataError

        raise DataError(f"must be at least 2, got {args.n_neighbors}", "--n-neighbors")
    params = LayoutParams(args.method, perplexity=args.perplexity, exaggeration=args.exaggeration,
                          n_neighbors=args.n_neighbors, min_dist=args.min_dist, metric=args.metric,
                          seed=args.seed)
    pca = fit_pca(emb.vectors, n_components=2)  # the same start as the GUI's: the PCA layout on screen
    init = pca.xy(0, min(1, pca.n_components - 1))
    key = layout_cache.cache_key(layout_cache.data_fingerprint(emb.vectors, emb.labels), params, "pca")
    layout = None if args.no_cache else layout_cache.lookup(key, emb.n)
    if layout is None:
        layout = fit_layout(emb.vectors, params, init=init)
        layout_cache.store(key, layout)
    return layout


def _write(emb, xy, out) -> None:
    """label, x, y as TSV (a header line first); labels with tabs or newlines get them replaced by spaces."""
    lines = ["label\tx\ty"]
    for label, (x, y) in zip(emb.labels, xy.tolist()):
        clean = label.replace("\t", " ").replace("\n", " ").replace("\r", " ")
        lines.append(f"{clean}\t{x:.6g}\t{y:.6g}")
    text = "\n".join(lines) + "\n"
    if out:
        from embexplorer.core.atomic import atomic_write

        with atomic_write(out, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
