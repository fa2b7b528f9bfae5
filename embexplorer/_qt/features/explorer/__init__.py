"""The plot room: the scatter of the Workspace's data set, its axes, layers, search and selection."""

from embexplorer._qt.features.explorer.feature import ExplorerFeature


def create(ctx) -> ExplorerFeature:
    """Entry point: the explorer feature of a window."""
    return ExplorerFeature(ctx)
