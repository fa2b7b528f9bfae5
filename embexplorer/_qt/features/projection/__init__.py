"""The projection room: PCA, t-SNE or UMAP on the plot, computed live; how faithful it is; isolate."""

from __future__ import annotations

#: What ``--projection`` accepts.
PROJECTION_CHOICES = ("pca", "tsne", "umap")


def create(ctx):
    """Entry point: the projection feature of a window (Qt is imported here, not by ``--help``)."""
    from embexplorer._qt.features.projection.feature import ProjectionFeature

    return ProjectionFeature(ctx)


def add_arguments(parser, show) -> None:
    """``--projection pca|tsne|umap`` (applied by :meth:`ProjectionFeature.apply_arguments`)."""
    show.add_argument("--projection", choices=PROJECTION_CHOICES, metavar="METHOD",
                      help="place the points by pca (default), tsne or umap (computed, then cached)")
