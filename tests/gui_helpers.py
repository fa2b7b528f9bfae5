"""Steps several GUI tests share, done as a user would through the window's features."""

from __future__ import annotations

#: A small quick model: factors and ratings per batch.
QUICK_MF_FACTORS, QUICK_MF_BATCH = 8, 2048
#: How long reading MovieLens may take (ms).
RATINGS_TIMEOUT_MS = 60_000


def shown_scatter(qtbot, width: int, height: int):
    """A ScatterView of ``width`` x ``height`` pixels, shown and exposed (no points yet)."""
    from embexplorer._qt.widgets.scatter import ScatterView

    view = ScatterView()
    qtbot.addWidget(view)
    view.resize(width, height)
    view.show()
    qtbot.waitExposed(view)
    return view


def quick_mf_panel(qtbot, window, ml100k_dir, epochs: int):
    """Read MovieLens 100K into ``window``'s Recommender dock and set it for a small quick model of
    ``epochs`` epochs; return the training panel (not started)."""
    recommender = window.features["recommender"]
    with qtbot.waitSignal(recommender.ratings_loaded, timeout=RATINGS_TIMEOUT_MS):
        window.commands.run("recommender.open_ratings", ml100k_dir)
    panel = recommender.training_panel
    panel.factors.setValue(QUICK_MF_FACTORS)
    panel.batch.setValue(QUICK_MF_BATCH)
    panel.epochs.setValue(epochs)
    return panel
