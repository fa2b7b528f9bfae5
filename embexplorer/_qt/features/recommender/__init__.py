"""The recommender room: MovieLens ratings, matrix factorisation trained live, a user's view."""

from embexplorer._qt.features.recommender.feature import RecommenderFeature


def create(ctx) -> RecommenderFeature:
    """Entry point: the recommender feature of a window."""
    return RecommenderFeature(ctx)
