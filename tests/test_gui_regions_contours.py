"""Density contours behind the points of the main plot (regions room), on real GloVe vectors: drawn under
the points without dimming them, explained in the legend, following the axes, hidden and removed from
the legend, kept in a session."""

from __future__ import annotations

import numpy as np

from embexplorer._qt.features.regions.contours import LEGEND_LAYER
from embexplorer._qt.widgets.density_items import FILL_Z, LINES_Z

TIMEOUT_MS = 60_000
#: GloVe rows read (a quick test).
ROWS = 1500


def test_density_contours_follow_the_plot_and_the_legend(qtbot, make_main_window, glove_path):
    import pyqtgraph as pg

    w = make_main_window()
    ws = w.workspace
    with qtbot.waitSignal(ws.dataset_changed, timeout=TIMEOUT_MS):
        w.commands.run("loading.open_file", glove_path, limit=ROWS)
    feature = w.features["regions"]
    scatter = w.features["explorer"].scatter
    with qtbot.waitSignal(feature.contours.drawn, timeout=TIMEOUT_MS) as got:
        feature.contours_check.setChecked(True)
    c = got.args[0]
    assert c.n > 0.99 * ws.dataset.n and len(c.segments) == 3 and all(len(s) for s in c.segments)
    items = scatter.plot_widget.getPlotItem().items
    fills = [i for i in items if isinstance(i, pg.ImageItem) and i.zValue() == FILL_Z]
    lines = [i for i in items if isinstance(i, pg.PlotCurveItem) and i.zValue() == LINES_Z]
    assert len(fills) == 1 and len(lines) == 3
    assert max(FILL_Z, LINES_Z) < scatter.base_layer.zValue()  # behind every point
    assert scatter.base_layer.opacity() == 1.0  # a legend entry, not a highlight: the points stay bright
    legend = w.features["explorer"].legend
    assert legend.texts() == [c.legend()] and "densest 50 / 80 / 95 %" in c.legend()
    # They follow the projection: other axes, other contours (throttled, drawn once more).
    with qtbot.waitSignal(feature.contours.drawn, timeout=TIMEOUT_MS) as again:
        ws.set_axes(2, 3)
    box = again.args[0].extent
    xy = ws.projection.xy
    assert box[0] <= np.quantile(xy[:, 0], 0.01) and box[1] >= np.quantile(xy[:, 0], 0.99)
    assert again.args[0].extent != c.extent
    # The legend's toggle hides them; its × removes them and unticks the box.
    legend.set_visible(LEGEND_LAYER, False)
    assert not any(i.isVisible() for i in feature.contours.items)
    assert feature.state()["contours"] is True
    legend.remove(LEGEND_LAYER)
    qtbot.waitUntil(lambda: not feature.contours_check.isChecked(), timeout=2000)
    assert not feature.contours.items
    assert not [i for i in scatter.plot_widget.getPlotItem().items if isinstance(i, pg.ImageItem)]
    # A session brings them back.
    with qtbot.waitSignal(feature.contours.drawn, timeout=TIMEOUT_MS):
        feature.restore({"contours": True})
    assert feature.contours_check.isChecked() and ws.layer(LEGEND_LAYER) is not None


def test_region_groups_are_the_clusters_rows_and_a_capped_sample():
    from embexplorer._qt.features.regions.feature import CAPTION_SAMPLE, region_groups

    rng = np.random.default_rng(4)
    labels = rng.integers(-1, 3, 3 * CAPTION_SAMPLE + 500)
    labels[:10] = 3  # a small fourth cluster
    counts, samples = region_groups(labels, 4)
    np.testing.assert_array_equal(counts, np.bincount(labels[labels >= 0], minlength=4))
    for i, rows in enumerate(samples):
        assert len(rows) == min(counts[i], CAPTION_SAMPLE) and (labels[rows] == i).all()
        assert np.all(np.diff(rows) > 0)
    np.testing.assert_array_equal(samples[3], np.arange(10))
    again = region_groups(labels, 4)[1]
    assert all(np.array_equal(a, b) for a, b in zip(samples, again))  # seeded
