"""The neighbours room: the k nearest points of a point, a label or a vector, drawn on the plot."""

from __future__ import annotations


def create(ctx):
    """Entry point: the neighbours feature of a window (Qt is imported here, not by ``--help``)."""
    from embexplorer._qt.features.neighbours.feature import NeighboursFeature

    return NeighboursFeature(ctx)


def add_arguments(parser, show) -> None:
    """``--neighbours LABEL``."""
    show.add_argument("--neighbours", metavar="LABEL", help="list LABEL's neighbours (Neighbours panel)")
