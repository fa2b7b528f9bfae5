"""The neighbours room: the k nearest points of a point, a label or a vector, drawn on the plot."""

from embexplorer._qt.features.neighbours.feature import NeighboursFeature


def create(ctx) -> NeighboursFeature:
    """Entry point: the neighbours feature of a window."""
    return NeighboursFeature(ctx)
