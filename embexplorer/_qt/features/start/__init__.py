"""The start room: the page shown while nothing is open -- recent files, datasets, demos."""

from __future__ import annotations


def create(ctx):
    """Entry point: the start feature of a window (Qt is imported here, not by ``--help``)."""
    from embexplorer._qt.features.start.feature import StartFeature

    return StartFeature(ctx)


#: Offline demos of ``--demo`` (the start page's; kept here so ``--help`` needs no Qt).
DEMO_NAMES = ("genres", "wiki")


def add_arguments(parser, show) -> None:
    """``--demo NAME``."""
    show.add_argument("--demo", choices=DEMO_NAMES,
                      help="run an offline demo: 'genres' (matrix factorisation learns hidden genres "
                           "from synthetic ratings) or 'wiki' (word2vec on gensim's Wikipedia sample); "
                           "a screenshot waits for it to finish")
