"""The compare room: the set shown (A) against another (B), label by label: overlap, movers, two plots."""

from __future__ import annotations


def create(ctx):
    """Entry point: the compare feature of a window (Qt is imported here, not by ``--help``)."""
    from embexplorer._qt.features.compare.feature import CompareFeature

    return CompareFeature(ctx)
