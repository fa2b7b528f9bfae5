"""The Neighbours dock's Approximate toggle: built in the background, recall shown, exact one click away."""

from __future__ import annotations

import pytest

pytest.importorskip("hnswlib")


def test_toggle_builds_the_index_shows_recall_and_unticking_is_exact(qtbot, make_main_window, glove_path,
                                                                     tmp_path, monkeypatch):
    from embexplorer._qt.features.neighbours import approximate

    monkeypatch.setenv("EMBEXPLORER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(approximate, "MIN_ROWS_FOR_INDEX", 1000)  # the real GloVe file has 5,050 rows
    w = make_main_window()
    with qtbot.waitSignal(w.workspace.dataset_changed, timeout=30_000):
        w.commands.run("loading.open_file", glove_path)
    feature = w.features["neighbours"]
    approx, panel = feature.approximate, feature.panel
    w.commands.run("neighbours.query_label", "king")
    exact = [nb.label for nb in panel.results]
    assert approx.info.text() == "exact search" and not approx.check.isChecked()
    approx.check.setChecked(True)
    qtbot.waitUntil(lambda: approx.index is not None, timeout=60_000)
    assert "recall@10" in approx.info.text() and approx.index.recall >= 0.99
    fast = [nb.label for nb in panel.results]  # the query was redone through the index
    assert len(fast) == len(exact) and len(set(fast) & set(exact)) >= len(exact) - 1
    approx.check.setChecked(False)  # one click back to exact
    assert [nb.label for nb in panel.results] == exact and approx.info.text() == "exact search"


def test_each_set_opened_gets_its_norms_and_label_index_built_in_the_background(qtbot, make_main_window,
                                                                                 glove_path):
    """The cosine axes' first placement of a set must not pay for the set's norms, nor the first query by
    label for its label indexes (2.2 s and 3 s at 3M labels, on the UI thread): see ``warm_up``."""
    import numpy as np

    w = make_main_window()
    with qtbot.waitSignal(w.workspace.dataset_changed, timeout=30_000):
        w.commands.run("loading.open_file", glove_path)
    emb = w.workspace.dataset
    qtbot.waitUntil(lambda: emb._norms is not None and "_index" in emb.__dict__
                    and emb._lower_index is not None, timeout=30_000)
    np.testing.assert_array_equal(emb._norms, np.linalg.norm(emb.vectors, axis=1))  # gensim's, to the bit
    assert emb.__dict__["_index"] == {label: i for i, label in enumerate(emb.labels)}
    first = {}
    for i, label in enumerate(emb.labels):
        first.setdefault(label.lower(), i)
    assert emb._lower_index == first
