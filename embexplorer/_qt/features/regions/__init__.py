"""The regions room: clusters that name themselves, their names on the plot, linked histograms."""

from __future__ import annotations


def create(ctx):
    """Entry point: the regions feature of a window (Qt is imported here, not by ``--help``)."""
    from embexplorer._qt.features.regions.feature import RegionsFeature

    return RegionsFeature(ctx)
