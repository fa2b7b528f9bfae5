"""The start page, the offline demos and word2vec training wired into the main window.

Driven through the window's real widgets and signals: the start page is what an empty window
shows, its live preview is the "Genres, learned" demo, a demo card or ``run_demo`` puts the demo on
the plot, the word2vec dock's frames and result reach the scatter, and a one-click download opens
what it fetched.
"""

from __future__ import annotations

import dataclasses
import hashlib
import zipfile

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from embexplorer._qt.features.start.genres_demo import TRUE_GENRE_COLUMN
from embexplorer._qt.features.start.page import MOVIELENS_NAME
from embexplorer._qt.shell.main_window import MainWindow
from embexplorer.core.data import download, gensim_data

TIMEOUT_MS = 60_000
LEFT = QtCore.Qt.MouseButton.LeftButton


@pytest.fixture
def settings(tmp_path):
    return QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, settings):
    w = MainWindow(settings=settings, interactive=False)
    w.features["start"].genres_demo.min_epoch_seconds = 0.0  # the tests need not watch
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.shutdown_tasks(5.0)


def visible_docks(w: MainWindow) -> set[str]:
    return {k for k, d in w.docks.items() if d.isVisible()}


def test_empty_window_shows_the_start_page_without_panels(qtbot, window):
    assert window.centralWidget().currentWidget() is window.features["start"].page
    assert window.features["start"].page_action.isChecked()
    assert visible_docks(window) == set()  # empty tables beside the start page are clutter
    # No stray top-level widget (a parentless label shown once stole the window's activation).
    shown = [t for t in QtWidgets.QApplication.topLevelWidgets() if t.isVisible() and t is not window]
    assert shown == []


def test_preview_trains_on_the_start_page_then_opens_on_the_plot(qtbot, window):
    frames = []
    window.features["start"].genres_demo.frame_ready.connect(lambda *a: frames.append(a[3]))
    with qtbot.waitSignal(window.features["start"].genres_demo.finished, timeout=TIMEOUT_MS):
        window.commands.run("start.preview")
    assert frames == list(range(1, len(frames) + 1)) and len(frames) >= 2
    page = window.features["start"].page
    assert page.preview_box.isVisible() and "hidden genre" in page.preview_box.caption_label.text()
    assert window.workspace.dataset is None and window.centralWidget().currentWidget() is page  # the preview stays put
    # Clicking the preview runs the demo on the plot: frames, then the projected result.
    with qtbot.waitSignal(window.features["start"].trained_shown, timeout=TIMEOUT_MS) as shown:
        qtbot.mouseClick(page.preview_box, LEFT)
    emb = shown.args[0]
    assert window.centralWidget().currentWidget() is window.features["explorer"].widget and window.workspace.dataset is emb
    assert window.workspace.pca is not None and window.workspace.pca.n_components == min(10, emb.dims)
    assert window.features["explorer"].widget.color_combo.currentText() == TRUE_GENRE_COLUMN
    assert {"points", "neighbours"} <= visible_docks(window)  # the panels are back with the data
    # The finished demo model is inspectable like a trained MovieLens one.
    qtbot.waitUntil(lambda: window.features["recommender"].user_panel.model is window.features["recommender"].model is not None, timeout=TIMEOUT_MS)
    assert window.features["recommender"].model.n_items == emb.n
    # After training the learned vectors predict the hidden genre far above chance.
    assert window.features["start"].genres_demo.probe_scores[-1] > window.features["start"].genres_demo.chance + 0.3


def test_demo_frames_glide_on_the_plot_then_neighbours_work(qtbot, window):
    epochs = []
    window.workspace.frame_changed.connect(epochs.append)
    with qtbot.waitSignal(window.features["start"].trained_shown, timeout=TIMEOUT_MS):
        window.commands.run("start.run_demo", "genres")
    assert epochs == list(range(1, len(epochs) + 1))
    assert "movies" in window.features["explorer"].stats.text() or "points" in window.features["explorer"].stats.text()
    emb = window.workspace.dataset
    with qtbot.waitSignal(window.features["neighbours"].panel.rows_highlighted, timeout=TIMEOUT_MS) as hit:
        window.features["neighbours"].panel.query_row(0)
    rows = np.asarray(hit.args[0])
    assert rows[0] == 0 and len(rows) > 5
    genre = emb.metadata[TRUE_GENRE_COLUMN]
    same = np.mean([genre.value(r) == genre.value(0) for r in rows[1:]])
    assert same > 0.5  # learned neighbours share the hidden genre


def test_opening_a_file_during_the_demo_keeps_the_file(qtbot, window, glove_path):
    window.features["start"].genres_demo.min_epoch_seconds = 0.2  # slow enough for the file to arrive mid-run
    with qtbot.waitSignal(window.workspace.frame_changed, timeout=TIMEOUT_MS):
        window.commands.run("start.run_demo", "genres")
    with qtbot.waitSignal(window.workspace.dataset_changed, timeout=TIMEOUT_MS):
        window.commands.run("loading.open_file", glove_path)
    glove = window.workspace.dataset
    assert glove.n == 5050
    with qtbot.waitSignal(window.features["start"].genres_demo.finished, timeout=TIMEOUT_MS):
        pass
    qtbot.wait(50)
    assert window.workspace.dataset is glove and window.features["explorer"].scatter.n == 5050  # late demo frames were dropped


def test_start_page_toggle_and_recent_file_card(qtbot, window, glove_path):
    with qtbot.waitSignal(window.workspace.dataset_changed, timeout=TIMEOUT_MS):
        window.commands.run("loading.open_file", glove_path)
    window.features["start"].page_action.trigger()
    assert window.centralWidget().currentWidget() is window.features["start"].page and visible_docks(window) == set()
    cards = window.features["start"].page.recent_buttons
    assert len(cards) == 1 and cards[0].toolTip() == str(glove_path)
    window.features["start"].page_action.trigger()  # back to the plot, panels with it
    assert window.centralWidget().currentWidget() is window.features["explorer"].widget and "points" in visible_docks(window)
    window.commands.run("start.show")
    with qtbot.waitSignal(window.workspace.dataset_changed, timeout=TIMEOUT_MS):
        qtbot.mouseClick(cards[0], LEFT)
    assert window.centralWidget().currentWidget() is window.features["explorer"].widget


def test_layout_saved_on_the_start_page_keeps_the_panels(qtbot, settings, window):
    window.save_layout()
    assert visible_docks(window) == set()  # still put away on screen
    w2 = MainWindow(settings=settings, interactive=False)
    qtbot.addWidget(w2)
    w2.restore_layout()
    w2.show()
    assert visible_docks(w2) == set()  # the start page again...
    w2.show_central("plot")
    assert {"points", "neighbours"} <= visible_docks(w2)  # ...with the user's panels behind it


def test_wiki_demo_trains_word2vec_live_and_gathers_months(qtbot, window):
    epochs = []
    window.workspace.frame_changed.connect(epochs.append)
    with qtbot.waitSignal(window.features["word2vec"].trained_shown, timeout=TIMEOUT_MS) as shown:
        window.commands.run("start.run_demo", "wiki")
    emb = shown.args[0]
    assert epochs and epochs == list(range(1, len(epochs) + 1))  # frames of the frequent words
    assert window.workspace.dataset is emb and emb.n > 5000 and window.workspace.pca is not None
    assert window.dock("word2vec").isVisible() or window.dock("neighbours").isVisible()
    panel = window.features["neighbours"].panel
    qtbot.waitUntil(lambda: panel.current_row == emb.index["july"], timeout=TIMEOUT_MS)
    months = {"january", "february", "march", "april", "may", "june", "august", "september", "october",
              "november", "december"}
    # On the plot: july as the query, its neighbours around it.
    qtbot.waitUntil(lambda: window.workspace.layer("neighbours.results") is not None, timeout=TIMEOUT_MS)
    assert window.workspace.layer("neighbours.query").rows.tolist() == [emb.index["july"]]
    found = {emb.labels[r] for r in window.workspace.layer("neighbours.results").rows}
    assert len(found & months) >= 5, found
    assert "neighbours.results" in window.features["explorer"].scatter.overlay_names


def test_gensim_dataset_card_downloads_then_opens(qtbot, window, monkeypatch):
    from tests.test_gensim_data import _Server, _w2v_gz

    server = _Server()
    try:
        data = _w2v_gz(0)
        name = "glove-wiki-gigaword-50"
        spec = gensim_data.GensimModel(name, "test vectors", len(data), hashlib.md5(data).hexdigest(),
                                       dims=20)
        monkeypatch.setitem(gensim_data.MODELS, name, spec)
        server.files[f"/mirror/{name}/{name}.gz"] = data
        monkeypatch.setenv(gensim_data.GENSIM_DATA_URL_ENV, server.base)
        with qtbot.waitSignal(window.workspace.dataset_changed, timeout=TIMEOUT_MS):
            qtbot.mouseClick(window.features["start"].page.dataset_cards[name], LEFT)
        assert window.workspace.dataset.dims == 20 and window.workspace.source.path.endswith(f"{name}.gz")
    finally:
        server.close()


def test_movielens_card_downloads_reads_and_trains(qtbot, window, monkeypatch, ml100k_dir, tmp_path):
    from tests.test_gensim_data import _Server

    # A real ml-100k zip, built in the test's temporary folder from the shared files (never committed).
    src = ml100k_dir
    archive = tmp_path / "ml-100k.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for f in ("u.data", "u.item", "u.user", "u.genre"):
            if (src / f).exists():
                z.write(src / f, f"ml-100k/{f}")
    data = archive.read_bytes()
    spec = dataclasses.replace(download.DATASETS[MOVIELENS_NAME], size=len(data),
                               sha256=hashlib.sha256(data).hexdigest())
    monkeypatch.setitem(download.DATASETS, MOVIELENS_NAME, spec)
    server = _Server()
    try:
        server.files[f"/mirror/{spec.filename}"] = data  # server.base ends in /mirror
        monkeypatch.setenv(spec.url_env, server.base)
        window.features["recommender"].training_panel.epochs.setValue(2)
        with qtbot.waitSignal(window.features["recommender"].ratings_loaded, timeout=TIMEOUT_MS) as loaded:
            qtbot.mouseClick(window.features["start"].page.dataset_cards[MOVIELENS_NAME], LEFT)
        assert len(loaded.args[0]) == 100_000
        with qtbot.waitSignal(window.features["recommender"].training_panel.training_finished, timeout=TIMEOUT_MS):
            pass  # a one-click dataset goes straight on to a trained model
        assert window.features["recommender"].model is not None or window.features["recommender"].training_panel.model is not None
    finally:
        server.close()


def test_no_arguments_start_the_preview_and_demo_option_runs_it(qtbot, window):
    from embexplorer._qt.app import _start_interactive
    from embexplorer.cli import build_gui_parser

    with qtbot.waitSignal(window.features["start"].genres_demo.finished, timeout=TIMEOUT_MS):
        _start_interactive(window, build_gui_parser().parse_args([]))  # `embexplorer` alone
        assert window.centralWidget().currentWidget() is window.features["start"].page
        qtbot.waitUntil(window.features["start"].genres_demo.is_running)  # once the page has painted
    assert window.features["start"].page.preview_box.isVisible()
    with qtbot.waitSignal(window.features["start"].trained_shown, timeout=TIMEOUT_MS):
        _start_interactive(window, build_gui_parser().parse_args(["--demo", "genres", "--dock", "user"]))
    assert window.centralWidget().currentWidget() is window.features["explorer"].widget
    qtbot.waitUntil(window.dock("user").isVisible)  # --dock is applied once the demo's model is shown
