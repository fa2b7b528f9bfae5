"""The presentation room: the window made for a projector (F11) and numbered 2x slides (F12)."""

from embexplorer._qt.features.presentation.feature import PresentationFeature


def create(ctx) -> PresentationFeature:
    """Entry point: the presentation feature of a window."""
    return PresentationFeature(ctx)
