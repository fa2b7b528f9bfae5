"""The compare room: the set shown (A) against another (B), label by label: overlap, movers, two plots."""

from __future__ import annotations

#: What ``--compare-mode`` accepts: B's plot beside the main one, or arrows A -> B on the main plot.
COMPARE_MODES = ("side", "arrows")


def create(ctx):
    """Entry point: the compare feature of a window (Qt is imported here, not by ``--help``)."""
    from embexplorer._qt.features.compare.feature import CompareFeature

    return CompareFeature(ctx)


def add_arguments(parser, show) -> None:
    """``--compare B`` and ``--compare-mode side|arrows`` (applied by
    :meth:`CompareFeature.apply_arguments`)."""
    show.add_argument("--compare", metavar="B",
                      help="compare the set shown (A) with the embedding file B: neighbour overlap, "
                           "biggest movers, B's plot beside A's")
    show.add_argument("--compare-mode", choices=COMPARE_MODES, default=None, metavar="MODE",
                      help="side: B's plot beside A's (default); arrows: one plot, an arrow from each of "
                           "the biggest movers' place in A to its place in B")
