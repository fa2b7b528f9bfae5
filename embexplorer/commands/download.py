"""``embexplorer download NAME``: fetch a MovieLens dataset or gensim-data word vectors, verified.

MovieLens zips go to the app's cache folder (SHA-256 checked); word vectors by their gensim-data
names go to gensim's own data folder (``$GENSIM_DATA_DIR``, shared with ``gensim.downloader``),
checked against gensim-data's published MD5.
"""

from __future__ import annotations

import argparse
import json
import sys

NAME = "download"
HELP = ("Download a MovieLens dataset from GroupLens (or the mirror in $EMBEXPLORER_MOVIELENS_URL) into "
        "the cache folder, or pretrained word vectors by their gensim-data name (mirror: "
        "$EMBEXPLORER_GENSIM_DATA_URL) into gensim's data folder; verified, and reused offline.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from embexplorer.core.data.download import DATASETS
    from embexplorer.core.data.gensim_data import MODELS

    parser.add_argument("name", choices=sorted(DATASETS) + sorted(MODELS), metavar="NAME",
                        help="dataset: " + ", ".join(sorted(DATASETS)) + "; word vectors: "
                             + ", ".join(sorted(MODELS)))
    parser.add_argument("--dir", metavar="D", help="folder to keep it in (default: the cache folder; "
                                                   "gensim's data folder for word vectors)")
    parser.add_argument("--base-url", metavar="URL", help="mirror folder URL (overrides the env variable)")
    parser.add_argument("--force", action="store_true", help="download again even if a valid copy exists")


def _progress_printer(show: bool):
    def on_progress(fraction, message) -> None:
        if show:
            pct = "" if fraction is None else f"{100 * fraction:5.1f} %  "
            print(f"\r{pct}{message}   ", end="", file=sys.stderr, flush=True)
    return on_progress


def run(args) -> int:
    from embexplorer.core.data.download import DATASETS, fetch, resolve
    from embexplorer.core.progress import TaskControl

    if args.name not in DATASETS:
        return _run_gensim(args)
    spec = resolve(args.name)
    show = not args.json and sys.stderr.isatty()
    on_progress = _progress_printer(show)

    if not args.json:
        size = spec.display_size
        print(f"{spec.name}: {spec.description}" + (f" ({size / 1e6:.1f} MB)" if size else ""))
    try:
        result = fetch(spec, args.dir, base_url=args.base_url, control=TaskControl(on_progress),
                       force=args.force)
    finally:
        if show:
            print(file=sys.stderr)
    if args.json:
        print(json.dumps({"name": spec.name, **result.to_json()}))
        return 0
    how = "already downloaded" if result.from_cache else "downloaded"
    check = ("SHA-256 verified" if result.verified
             else "SHA-256 recorded (this dataset changes between releases)")
    print(f"{how}: {result.path} ({result.size:,} bytes)\n{check}: {result.sha256}")
    return 0



def _run_gensim(args) -> int:
    from embexplorer.core.data import gensim_data
    from embexplorer.core.progress import TaskControl

    spec = gensim_data.resolve(args.name)
    show = not args.json and sys.stderr.isatty()
    if not args.json:
        print(f"{spec.name}: {spec.description}" + (f" ({spec.size / 1e6:.0f} MB)" if spec.size else ""))
    try:
        result = gensim_data.download(spec, args.dir, base_url=args.base_url,
                                      control=TaskControl(_progress_printer(show)), force=args.force)
    finally:
        if show:
            print(file=sys.stderr)
    if args.json:
        print(json.dumps({"name": spec.name, "path": str(result.path), "size": result.size,
                          "from_cache": result.from_cache, "verified": result.verified,
                          "format": spec.format, "warnings": result.warnings}))
        return 0
    how = "already downloaded" if result.from_cache else "downloaded"
    check = "MD5 verified against gensim-data" if result.verified else "size checked (no MD5 published)"
    print(f"{how}: {result.path} ({result.size:,} bytes), {check}")
    for w in result.warnings:
        print(f"warning: {w}")
    print(f"open it with: embexplorer {result.path} --format {spec.format}")
    return 0
