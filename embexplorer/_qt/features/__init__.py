"""The features of the window, one folder ("room") each, with one entry point: ``create(ctx)``.

Only the shell imports this package; features never import one another (the import-linter
contracts in ``pyproject.toml`` check both).  Their order here is the order of their docks,
menu entries and toolbar items.
"""

from __future__ import annotations

import importlib

#: The rooms, in the order they are built and placed.
ROOMS = ("explorer", "projection", "loading", "neighbours", "analogy", "axes", "recommender", "word2vec",
         "start", "sessions", "handoff", "presentation", "lecture", "compare", "regions")


def add_arguments(parser, show) -> None:
    """Every room's command-line options (rooms define ``add_arguments(parser, show)`` where they have
    some; ``show`` is the group of "what to show" options).  No Qt is imported."""
    for room in ROOMS:
        add = getattr(importlib.import_module(f"{__name__}.{room}"), "add_arguments", None)
        if add is not None:
            add(parser, show)


def create_all(ctx) -> list:
    """Build every feature for one window (``ctx``: :class:`embexplorer._qt.feature.Context`)."""
    return [importlib.import_module(f"{__name__}.{room}").create(ctx) for room in ROOMS]
