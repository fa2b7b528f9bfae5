"""The word2vec room: train word vectors on a corpus, watch the most frequent words move."""

from __future__ import annotations


def create(ctx):
    """Entry point: the word2vec feature of a window (Qt is imported here, not by ``--help``)."""
    from embexplorer._qt.features.word2vec.feature import Word2vecFeature

    return Word2vecFeature(ctx)
