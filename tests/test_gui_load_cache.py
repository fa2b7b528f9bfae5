"""A file opened in the window is shown first and kept in the load cache afterwards, in the background:
writing a 3.6 GB entry took 5-15 s, which the first picture used to wait for."""

from __future__ import annotations

import shutil
import threading

import pytest

from embexplorer.core.data import cache, formats

TIMEOUT_MS = 30_000


@pytest.fixture
def slow_store(monkeypatch):
    """The cache's store held at its start until ``gate`` is set (cancellation still honoured)."""
    gate = threading.Event()
    real = cache.store

    def held(key, emb, control=None):
        while not gate.wait(0.01):
            control.check()
        return real(key, emb, control)

    monkeypatch.setattr(cache, "store", held)
    return gate


@pytest.fixture
def glove_copy(tmp_path, glove_path):
    """The real GloVe file under a path of its own (its cache key is this test's alone)."""
    return shutil.copy(glove_path, tmp_path / "glove.txt")


def test_the_set_is_shown_before_its_cache_entry_is_written(qtbot, make_main_window, slow_store, glove_copy,
                                                            monkeypatch):
    from embexplorer._qt.features.loading import feature

    monkeypatch.setattr(feature, "CACHE_STATUS_MIN_BYTES", 0)  # the progress shown, as for a large file
    w = make_main_window()
    with qtbot.waitSignal(w.workspace.dataset_changed, timeout=TIMEOUT_MS):
        w.commands.run("loading.open_file", glove_copy)
    assert w.workspace.dataset.n == 5050
    assert w.commands.run("loading.is_caching") and w.status.is_busy("loading-cache")
    assert "Keeping glove.txt for a quick reopen" in w.status.label.text()
    assert formats.load(glove_copy, defer_cache=True).from_cache is False  # not kept yet
    slow_store.set()
    qtbot.waitUntil(lambda: not w.commands.run("loading.is_caching"), timeout=TIMEOUT_MS)
    assert not w.status.is_busy("loading-cache")
    kept = formats.load(glove_copy)
    assert kept.from_cache is True and kept.labels == w.workspace.dataset.labels


def test_closing_the_window_while_caching_leaves_no_entry(qtbot, make_main_window, slow_store, glove_copy):
    w = make_main_window()
    with qtbot.waitSignal(w.workspace.dataset_changed, timeout=TIMEOUT_MS):
        w.commands.run("loading.open_file", glove_copy)
    assert w.commands.run("loading.is_caching") and not w.status.is_busy()  # a small file: no progress bar
    assert w.shutdown_tasks(5.0)  # what closing the window does: the write is cancelled, not waited for
    assert not w.commands.run("loading.is_caching")
    assert formats.load(glove_copy, defer_cache=True).from_cache is False
