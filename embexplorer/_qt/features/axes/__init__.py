"""The axes room: X and Y made of words ("woman − man"), the analogy's own plane, projecting away."""

from __future__ import annotations

#: Measures offered by ``--axes-measure`` (those of :mod:`embexplorer.core.analysis.axes`; not imported
#: here so that ``--help`` stays light).
MEASURE_CHOICES = ("cosine", "dot")


def create(ctx):
    """Entry point: the axes feature of a window (Qt is imported here, not by ``--help``)."""
    from embexplorer._qt.features.axes.feature import AxesFeature

    return AxesFeature(ctx)


def add_arguments(parser, show) -> None:
    """``--axes X Y``, ``--axes-measure``, ``--axes-orthogonal``, ``--analogy-plane``."""
    show.add_argument("--axes", nargs=2, metavar=("X", "Y"),
                      help="place the points by their cosine with two directions made of words, "
                           "e.g. --axes \"woman - man\" \"king - queen\"")
    show.add_argument("--axes-measure", choices=MEASURE_CHOICES, default="cosine",
                      help="with --axes: place by cosine (default) or dot product")
    show.add_argument("--axes-orthogonal", action="store_true",
                      help="with --axes: remove the X direction from Y first")
    show.add_argument("--analogy-plane", action="store_true",
                      help="with --analogy A,B,C: place the words on the analogy's own plane "
                           "(spanned by B − A and C − A), where the parallelogram is a parallelogram")
