"""Collaborative filtering: MovieLens ratings and matrix factorisation."""
