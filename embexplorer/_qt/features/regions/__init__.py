"""The regions room: clusters that name themselves, their names on the plot, linked histograms."""

from __future__ import annotations


def create(ctx):
    """Entry point: the regions feature of a window (Qt is imported here, not by ``--help``)."""
    from embexplorer._qt.features.regions.feature import RegionsFeature

    return RegionsFeature(ctx)


def add_arguments(parser, show) -> None:
    """``--regions K`` and ``--contours`` (applied by :meth:`RegionsFeature.apply_arguments`)."""
    show.add_argument("--regions", type=int, metavar="K",
                      help="find K regions (k-means on the vectors) and name them on the plot")
    show.add_argument("--contours", action="store_true",
                      help="density contours behind the points (the densest 50/80/95 %% of the points)")
