"""CI soak: a seeded walk of pan, zoom, hover, select, search and panel queries in one main window.

The short version of ``tests/bench/bench_soak.py`` (1,000 steps on 100,000
points): no exception reaches ``sys.excepthook``, every kind of step did what
it should (a pan moved the view, a hover showed a tooltip, a search focused
the label, ...), and memory after warm-up grows by less than a generous bound.
"""

from __future__ import annotations

import gc

import numpy as np
import pytest
import shiboken6

from tests.bench.bench_soak import STEP_WEIGHTS, open_window, rss_bytes, run_soak, write_set

#: Walk length and set size in CI.
CI_STEPS, CI_POINTS = 150, 20_000
#: RSS growth allowed after warm-up (generous: the 1,000-step benchmark grows by a few MB).
MAX_RSS_GROWTH_BYTES = 200 * 1024 ** 2
#: Seed of the CI walk (not the benchmark's: a second walk).
CI_SEED = 7


@pytest.fixture
def soak_window(qtbot, tmp_path):
    window = open_window(write_set(tmp_path, CI_POINTS), tmp_path / "s.ini")
    yield window
    assert window.shutdown_tasks()
    window.close()
    # Deleted here, on the UI thread: a Python-owned window left to the garbage collector may be
    # collected on a worker thread of a later test (see test_gui_task_lifecycle.py).
    shiboken6.delete(window)
    gc.collect()


def test_mixed_soak_runs_clean_with_bounded_memory(soak_window):
    res = run_soak(soak_window, CI_STEPS, seed=CI_SEED)
    assert res["exceptions"] == []
    assert res["steps"] == CI_STEPS
    assert set(res["done"]) == set(STEP_WEIGHTS) and all(res["done"][k] > 0 for k in STEP_WEIGHTS)
    # Every step had its visible effect (the walk really drove the app, it did not just run).
    assert res["effective"] == res["done"]
    if rss_bytes() is not None:
        assert res["rss_end"] - res["rss_warm"] < MAX_RSS_GROWTH_BYTES
    # The window still holds the set it loaded, and the panels answer.
    assert soak_window.workspace.dataset.n == CI_POINTS
    assert np.isfinite(soak_window.features["explorer"].scatter.view_box.viewRange()).all()
    assert soak_window.features["neighbours"].panel.query_row(0) is None and soak_window.features["neighbours"].panel.results


def test_enter_before_the_label_index_is_ready_does_not_reopen_the_popup(soak_window, qtbot):
    """Found by the soak: a completion retry pending at Enter reopened the popup afterwards,
    and the open popup then swallowed the next wheel or click on the plot."""
    from PySide6 import QtCore

    box = soak_window.features["explorer"].widget.search
    assert not box.index_ready  # built on first focus/keystroke: not yet
    label = soak_window.workspace.dataset.labels[123]
    qtbot.keyClicks(box.edit, label)
    qtbot.keyClick(box.edit, QtCore.Qt.Key.Key_Return)
    assert soak_window.features["explorer"].scatter.focus_row == 123
    qtbot.wait(4 * 40)  # several completion retry intervals (search.INDEX_POLL_MS)
    assert not box.completer.popup().isVisible()
