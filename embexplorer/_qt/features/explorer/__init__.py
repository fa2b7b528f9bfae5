"""The plot room: the scatter of the Workspace's data set, its axes, layers, search and selection."""

from __future__ import annotations


def create(ctx):
    """Entry point: the explorer feature of a window (Qt is imported here, not by ``--help``)."""
    from embexplorer._qt.features.explorer.feature import ExplorerFeature

    return ExplorerFeature(ctx)


def add_arguments(parser, show) -> None:
    """``--search``, ``--select``, ``--color-by`` (applied by :meth:`ExplorerFeature.apply_arguments`)."""
    show.add_argument("--search", metavar="LABEL", help="centre on LABEL and highlight it")
    show.add_argument("--select", metavar="LABEL[,LABEL...]", help="select these points")
    show.add_argument("--color-by", metavar="COLUMN", help="colour the points by a metadata column")
