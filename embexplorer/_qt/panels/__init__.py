"""Dockable analysis panels (plain QWidgets; the main window puts them in dock widgets).

- :class:`~embexplorer._qt.panels.neighbours.NeighboursPanel`: nearest neighbours of a label,
  a clicked point or a vector.
- :class:`~embexplorer._qt.panels.analogy.AnalogyPanel`: a : b :: c : ?, vector expressions and
  benchmark evaluation in the background.
"""

from __future__ import annotations

__all__ = ["NeighboursPanel", "AnalogyPanel"]


def __getattr__(name: str):  # import the panels on first use: each pulls in Qt widgets
    if name == "NeighboursPanel":
        from embexplorer._qt.panels.neighbours import NeighboursPanel

        return NeighboursPanel
    if name == "AnalogyPanel":
        from embexplorer._qt.panels.analogy import AnalogyPanel

        return AnalogyPanel
    raise AttributeError(name)
