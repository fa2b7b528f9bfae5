"""The loading room: open embedding files (dialog, recent files, drops, the CLI) off the UI thread."""

from __future__ import annotations


def create(ctx):
    """Entry point: the loading feature of a window (Qt is imported here, not by ``--help``)."""
    from embexplorer._qt.features.loading.feature import LoadingFeature

    return LoadingFeature(ctx)


def add_arguments(parser, show) -> None:
    """``PATH``, ``--format``, ``--limit``, ``--allow-pickle``, ``--vector-column``, ``--label-column``."""
    from embexplorer.core.data._table_readers import add_column_arguments
    from embexplorer.core.data.formats import FORMAT_NAMES

    parser.add_argument("path", nargs="?", help="embedding file (or saved session) to open")
    parser.add_argument("--format", choices=FORMAT_NAMES, help="file format (default: detect)")
    parser.add_argument("--limit", type=int, metavar="N", help="load only the first N rows")
    parser.add_argument("--allow-pickle", action="store_true",
                        help="allow loading gensim .kv/.model files, which are Python pickles "
                             "and can run code: only for files you trust")
    add_column_arguments(parser)

