"""``embexplorer info PATH``: load a file and describe it (format, size, load time)."""

from __future__ import annotations

import json
import time

from embexplorer.core.data.formats import FORMAT_NAMES, load

NAME = "info"
HELP = "Load an embedding file and print its format, rows, dimensions, duplicates and load time."


def add_arguments(parser) -> None:
    parser.add_argument("path", help="embedding file")
    parser.add_argument("--format", choices=FORMAT_NAMES, help="file format (default: detect)")
    parser.add_argument("--limit", type=int, metavar="N", help="load only the first N rows")
    parser.add_argument("--allow-pickle", action="store_true",
                        help="allow gensim .kv/.model files, which are Python pickles and can run code: "
                             "only for files you trust")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor fill the load cache")
    parser.add_argument("--metadata", metavar="FILE", help="labels/metadata file for tsv or npy vectors")


def run(args) -> int:
    t0 = time.perf_counter()
    emb = load(args.path, format=args.format, limit=args.limit, use_cache=not args.no_cache,
               allow_pickle=args.allow_pickle, metadata_path=args.metadata)
    seconds = time.perf_counter() - t0
    info = {
        "path": str(args.path),
        "format": emb.format,
        "rows": emb.n,
        "dims": emb.dims,
        "duplicates_dropped": emb.duplicates_dropped,
        "warnings": list(emb.warnings),
        "metadata_columns": list(emb.metadata),
        "seconds": round(seconds, 4),
        "cached": bool(getattr(emb, "from_cache", False)),
    }
    if args.json:
        print(json.dumps(info))
        return 0
    print(f"file:               {info['path']}")
    print(f"format:             {info['format']}")
    print(f"rows:               {info['rows']:,}")
    print(f"dims:               {info['dims']}")
    print(f"duplicates dropped: {info['duplicates_dropped']:,}")
    if info["metadata_columns"]:
        print(f"metadata columns:   {', '.join(info['metadata_columns'])}")
    print(f"loaded in:          {seconds:.3f} s ({'from the cache' if info['cached'] else 'parsed'})")
    for w in info["warnings"]:
        print(f"warning: {w}")
    return 0
