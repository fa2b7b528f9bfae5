"""The word2vec room: train word vectors on a corpus, watch the most frequent words move."""

from embexplorer._qt.features.word2vec.feature import Word2vecFeature


def create(ctx) -> Word2vecFeature:
    """Entry point: the word2vec feature of a window."""
    return Word2vecFeature(ctx)
