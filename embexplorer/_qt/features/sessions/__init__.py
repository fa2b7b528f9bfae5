"""The sessions room: save and reopen sessions (data, every feature's state), bookmarks and the tour."""

from __future__ import annotations


def create(ctx):
    """Entry point: the sessions feature of a window (Qt is imported here, not by ``--help``)."""
    from embexplorer._qt.features.sessions.feature import SessionsFeature

    return SessionsFeature(ctx)
