"""The sessions room: save and reopen sessions (data, every feature's state), bookmarks and the tour."""

from embexplorer._qt.features.sessions.feature import SessionsFeature


def create(ctx) -> SessionsFeature:
    """Entry point: the sessions feature of a window."""
    return SessionsFeature(ctx)
