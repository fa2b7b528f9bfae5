"""The presentation room: the window made for a projector (F11) and numbered 2x slides (F12)."""

from __future__ import annotations


def create(ctx):
    """Entry point: the presentation feature of a window (Qt is imported here, not by ``--help``)."""
    from embexplorer._qt.features.presentation.feature import PresentationFeature

    return PresentationFeature(ctx)
