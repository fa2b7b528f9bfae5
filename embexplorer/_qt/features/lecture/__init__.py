"""The lecture room: the Lecture menu's one-click demonstrations, their caption and dock."""

from __future__ import annotations


def create(ctx):
    """Entry point: the lecture feature of a window (Qt is imported here, not by ``--help``)."""
    from embexplorer._qt.features.lecture.feature import LectureFeature

    return LectureFeature(ctx)


def add_arguments(parser, show) -> None:
    """``--lecture NAME``."""
    from embexplorer.core.teaching.lecture import LECTURES

    show.add_argument("--lecture", metavar="NAME", choices=list(LECTURES),
                      help="run a Lecture-menu demonstration (a screenshot waits for it): "
                           + ", ".join(LECTURES))
