"""The loading room: open embedding files (dialog, recent files, drops, the CLI) off the UI thread."""

from embexplorer._qt.features.loading.feature import LoadingFeature


def create(ctx) -> LoadingFeature:
    """Entry point: the loading feature of a window."""
    return LoadingFeature(ctx)
