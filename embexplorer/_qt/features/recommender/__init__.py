"""The recommender room: MovieLens ratings, matrix factorisation trained live, a user's view."""

from __future__ import annotations


def create(ctx):
    """Entry point: the recommender feature of a window (Qt is imported here, not by ``--help``)."""
    from embexplorer._qt.features.recommender.feature import RecommenderFeature

    return RecommenderFeature(ctx)


def add_arguments(parser, show) -> None:
    """``--movielens DATA`` and ``--train EPOCHS``."""
    show.add_argument("--movielens", metavar="DATA",
                      help="open MovieLens ratings (folder, zip or ratings CSV) in the Recommender panel")
    show.add_argument("--train", metavar="EPOCHS", type=int,
                      help="with --movielens: train for EPOCHS epochs (a screenshot waits for it)")
