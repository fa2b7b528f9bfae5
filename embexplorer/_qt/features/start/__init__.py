"""The start room: the page shown while nothing is open -- recent files, datasets, demos."""

from embexplorer._qt.features.start.feature import StartFeature


def create(ctx) -> StartFeature:
    """Entry point: the start feature of a window."""
    return StartFeature(ctx)
