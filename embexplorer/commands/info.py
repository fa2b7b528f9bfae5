"""``embexplorer info PATH``: load a file and describe it (format, size, norms, labels, load time)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from embexplorer.core.data._table_readers import add_column_arguments, column_options
from embexplorer.core.data.formats import DEFAULT_ENCODING, FORMAT_NAMES, find_sidecar, load

NAME = "info"
HELP = ("Load an embedding file and print its format, rows, dimensions, vector norms, the labels file "
        "used, labels with broken UTF-8, duplicates and load time.")
#: Formats whose labels come from a file beside the vectors.
SIDECAR_FORMATS = ("tsv", "npy")


def add_arguments(parser) -> None:
    parser.add_argument("path", help="embedding file")
    parser.add_argument("--format", choices=FORMAT_NAMES, help="file format (default: detect)")
    parser.add_argument("--limit", type=int, metavar="N", help="load only the first N rows")
    parser.add_argument("--allow-pickle", action="store_true",
                        help="allow gensim .kv/.model files, which are Python pickles and can run code: "
                             "only for files you trust")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor fill the load cache")
    parser.add_argument("--metadata", metavar="FILE", help="labels/metadata file for tsv or npy vectors")
    parser.add_argument("--encoding", default=DEFAULT_ENCODING, metavar="CODEC",
                        help="encoding of the labels (default: UTF-8, as gensim; bytes that do not decode "
                             "become U+FFFD and are counted), e.g. cp1252 or latin-1")
    add_column_arguments(parser)


def run(args) -> int:
    from embexplorer.commands._filekind import EXPECT_EMBEDDING, expect, reading
    from embexplorer.commands.neighbours import EMBEDDING_KINDS

    t0 = time.perf_counter()
    if args.format is None:  # a ratings table would load as a table of numbers: say what it is
        expect(args.path, EXPECT_EMBEDDING, (*EMBEDDING_KINDS, "text"))
    with reading(args.path, EXPECT_EMBEDDING, EMBEDDING_KINDS):
        emb = load(args.path, format=args.format, limit=args.limit, use_cache=not args.no_cache,
                   allow_pickle=args.allow_pickle, metadata_path=args.metadata, encoding=args.encoding,
                   **column_options(args))
    seconds = time.perf_counter() - t0
    labels_file = args.metadata
    if labels_file is None and emb.format in SIDECAR_FORMATS:
        labels_file = find_sidecar(Path(args.path), emb.format)
    norms = emb.norms
    info = {
        "path": str(args.path),
        "format": emb.format,
        "rows": emb.n,
        "dims": emb.dims,
        "norms": {"min": float(norms.min()), "mean": float(norms.mean(dtype=np.float64)),
                  "max": float(norms.max())} if emb.n else None,
        "labels_file": str(labels_file) if labels_file is not None else None,
        # Broken UTF-8 bytes are replaced by U+FFFD when loading (as gensim does).
        "labels_replaced": sum("\ufffd" in lab for lab in emb.labels),
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
    if info["norms"]:
        n = info["norms"]
        print(f"norms:              min {n['min']:.4g}, mean {n['mean']:.4g}, max {n['max']:.4g}")
    if info["format"] in SIDECAR_FORMATS:
        print(f"labels file:        {info['labels_file'] or 'none (rows are numbered)'}")
    if info["labels_replaced"]:
        print(f"labels replaced:    {info['labels_replaced']:,} (broken UTF-8 bytes shown as U+FFFD)")
    print(f"duplicates dropped: {info['duplicates_dropped']:,}")
    if info["metadata_columns"]:
        print(f"metadata columns:   {', '.join(info['metadata_columns'])}")
    print(f"loaded in:          {seconds:.3f} s ({'from the cache' if info['cached'] else 'parsed'})")
    for w in info["warnings"]:
        print(f"warning: {w}")
    return 0
