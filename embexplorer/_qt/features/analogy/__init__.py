"""The analogy room: king − man + woman, its parallelogram on the plot, benchmark evaluation."""

from embexplorer._qt.features.analogy.feature import AnalogyFeature


def create(ctx) -> AnalogyFeature:
    """Entry point: the analogy feature of a window."""
    return AnalogyFeature(ctx)
