"""The analogy room: king − man + woman, its parallelogram on the plot, benchmark evaluation."""

from __future__ import annotations


def create(ctx):
    """Entry point: the analogy feature of a window (Qt is imported here, not by ``--help``)."""
    from embexplorer._qt.features.analogy.feature import AnalogyFeature

    return AnalogyFeature(ctx)


def add_arguments(parser, show) -> None:
    """``--analogy A,B,C``."""
    show.add_argument("--analogy", metavar="A,B,C",
                      help="solve 'A is to B as C is to ?' in the Analogy panel and draw the parallelogram")
