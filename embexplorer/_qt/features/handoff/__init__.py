"""The hand-off room: File › Export to Embedding Atlas (Parquet) and the TF Projector (a folder with
its bookmarks), the selected labels as text, and File › Import TF Projector Config."""

from __future__ import annotations


def create(ctx):
    """Entry point: the hand-off feature of a window (Qt is imported here, not by ``--help``)."""
    from embexplorer._qt.features.handoff.feature import HandoffFeature

    return HandoffFeature(ctx)
