"""``embexplorer download NAME``: fetch a MovieLens dataset into the cache, verified."""

from __future__ import annotations

import argparse
import json
import sys

NAME = "download"
HELP = ("Download a MovieLens dataset from GroupLens (or the mirror in $EMBEXPLORER_MOVIELENS_URL), "
        "check its SHA-256 and keep it in the cache folder; a valid cached copy is reused offline.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from embexplorer.core.download import DATASETS

    parser.add_argument("name", choices=sorted(DATASETS), metavar="NAME",
                        help="dataset: " + ", ".join(sorted(DATASETS)))
    parser.add_argument("--dir", metavar="D", help="folder to keep it in (default: the cache folder)")
    parser.add_argument("--base-url", metavar="URL", help="mirror folder URL (overrides the env variable)")
    parser.add_argument("--force", action="store_true", help="download again even if a valid copy exists")


def run(args) -> int:
    from embexplorer.core.download import fetch, resolve
    from embexplorer.core.progress import TaskControl

    spec = resolve(args.name)
    show = not args.json and sys.stderr.isatty()

    def on_progress(fraction, message) -> None:
        if show:
            pct = "" if fraction is None else f"{100 * fraction:5.1f} %  "
            print(f"\r{pct}{message}   ", end="", file=sys.stderr, flush=True)

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

