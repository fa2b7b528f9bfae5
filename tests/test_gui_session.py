"""Sessions and bookmarks in the real main window, on the real GloVe vectors."""

from __future__ import annotations

import dataclasses
import json
import shutil

import numpy as np
import pytest
from PySide6 import QtCore

from embexplorer._qt.main_window import MainWindow
from embexplorer._qt.session import (
    BOOKMARKS_DOCK_NAME,
    is_session_file,
    open_session_blocking,
)
from embexplorer.core.data.embeddings import EmbeddingSet, MetadataColumn
from embexplorer.core.errors import DataError
from embexplorer.core.session import SESSION_SUFFIX, load_session

#: Milliseconds to wait for a load + PCA (or a session restore).
LOAD_TIMEOUT_MS = 30_000
#: Rows of the GloVe file written as a projector TSV with metadata (enough for clear clusters).
TSV_ROWS = 2000
#: Epochs of the "Genres, learned" demo in the demo-session test (the demo's own ten take too long).
DEMO_EPOCHS = 3


@pytest.fixture(scope="module")
def glove_tsv(glove_path, tmp_path_factory):
    """The first GloVe rows as a projector vectors.tsv + metadata.tsv, with two metadata columns
    taken from the words themselves (so there is something to colour by)."""
    from embexplorer.core.data.formats import load, save_projector_tsv

    emb = load(glove_path, limit=TSV_ROWS)
    initial = [w[0] if w[0].isalpha() else "other" for w in emb.labels]
    length = [float(len(w)) for w in emb.labels]
    meta = {"initial": MetadataColumn.from_values("initial", initial),
            "length": MetadataColumn.from_values("length", length)}
    folder = tmp_path_factory.mktemp("tsv")
    save_projector_tsv(EmbeddingSet(emb.labels, emb.vectors, meta), folder / "vectors.tsv")
    return folder / "vectors.tsv"


def make_window(qtbot, tmp_path, name: str = "w") -> MainWindow:
    settings = QtCore.QSettings(str(tmp_path / f"{name}.ini"), QtCore.QSettings.Format.IniFormat)
    w = MainWindow(settings=settings, interactive=False)
    qtbot.addWidget(w)  # sessions are built into the window
    w.show()
    qtbot.waitExposed(w)
    return w


def open_and_wait(qtbot, w: MainWindow, path) -> None:
    with qtbot.waitSignal(w.embeddings_changed, timeout=LOAD_TIMEOUT_MS):
        w.open_file(path)
    w.finish_setup()


def view(w: MainWindow):
    return tuple(tuple(r) for r in w.scatter.view_box.viewRange())


def neighbour_labels(w: MainWindow) -> list[str]:
    return [n.label for n in w.neighbours_panel.results]


def test_session_round_trips_exactly_into_a_new_window(qtbot, tmp_path, glove_tsv):
    w1 = make_window(qtbot, tmp_path, "w1")
    open_and_wait(qtbot, w1, glove_tsv)
    emb = w1.embeddings
    assert "initial" in emb.metadata
    w1.set_axes(2, 3)
    w1.explorer.set_color_by("initial")
    w1.show_dock("neighbours")
    nb = w1.neighbours_panel
    nb.metric_combo.setCurrentText("euclidean")
    nb.k_spin.setValue(7)
    assert nb.query_label("king")
    w1.analogy_panel.solve("man", "king", "woman")
    sel = np.r_[10:60, 100, 1500]
    w1.selection.replace(sel)
    w1.explorer.focus_row(emb.index["paris"])
    w1.explorer.labels_action.setChecked(True)
    w1.scatter.view_box.setRange(xRange=(-1.25, 2.5), yRange=(-0.75, 1.5), padding=0)
    w1.training_panel.factors.setValue(12)
    before = w1.sessions.capture()
    path = w1.sessions.save_session(tmp_path / "talk")
    assert path.name == "talk" + SESSION_SUFFIX and is_session_file(path)
    assert load_session(path).source.sha256 == before.source.sha256

    w2 = make_window(qtbot, tmp_path, "w2")
    with qtbot.waitSignal(w2.sessions.restored, timeout=LOAD_TIMEOUT_MS):
        assert w2.sessions.open_session(path) is not None
    assert w2.current_path == str(glove_tsv)
    assert w2.axes == (2, 3)
    assert w2.explorer.color_combo.currentText() == "initial"
    np.testing.assert_array_equal(w2.selection.rows, sel)
    assert w2.scatter.focus_row == w2.embeddings.index["paris"]
    assert w2.explorer.labels_action.isChecked()
    assert view(w2) == view(w1) == ((-1.25, 2.5), (-0.75, 1.5))
    assert w2.neighbours_panel.metric == "euclidean" and w2.neighbours_panel.k_spin.value() == 7
    assert neighbour_labels(w2) == neighbour_labels(w1) and len(neighbour_labels(w2)) == 7
    assert w2.analogy_panel.status_label.text() == w1.analogy_panel.status_label.text() != ""
    assert w2.training_panel.factors.value() == 12
    assert w2.sessions.warnings == []
    after = w2.sessions.capture()
    for field in ("source", "projection", "view", "colour_by", "selection", "focus_row", "focus_label",
                  "labels_shown", "panels", "training"):
        assert getattr(after, field) == getattr(before, field), field
    for w in (w1, w2):
        w.runner.shutdown(5.0)


def test_changed_data_file_warns_but_still_opens(qtbot, tmp_path, glove_path):
    copy = tmp_path / "glove.txt"
    shutil.copy(glove_path, copy)
    w1 = make_window(qtbot, tmp_path, "w1")
    open_and_wait(qtbot, w1, copy)
    w1.explorer.focus_row(w1.embeddings.index["king"])
    path = w1.sessions.save_session(tmp_path / f"s{SESSION_SUFFIX}")
    lines = copy.read_text(encoding="utf-8").splitlines(keepends=True)
    copy.write_text("".join(lines[:-1]), encoding="utf-8")  # the last word dropped

    w2 = make_window(qtbot, tmp_path, "w2")
    with qtbot.waitSignal(w2.sessions.restored, timeout=LOAD_TIMEOUT_MS):
        w2.sessions.open_session(path)
    assert len(w2.sessions.warnings) == 1 and str(copy) in w2.sessions.warnings[0]
    assert "changed" in w2.sessions.warnings[0]
    assert "changed" in w2.statusBar().currentMessage()
    assert w2.embeddings.n == w1.embeddings.n - 1
    assert w2.scatter.focus_row == w2.embeddings.index["king"]  # found again by its label
    for w in (w1, w2):
        w.runner.shutdown(5.0)


def test_bad_session_json_is_a_data_error_naming_the_file(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    bad = tmp_path / f"bad{SESSION_SUFFIX}"
    bad.write_text('{"format": "embexplorer-session", "version": 1, "view": ', encoding="utf-8")
    with qtbot.waitSignal(w.sessions.restore_failed) as blocker:
        assert w.sessions.open_session(bad) is None
    err = blocker.args[0]
    assert isinstance(err, DataError) and err.path == str(bad) and "JSON" in err.reason
    assert w.embeddings is None
    with pytest.raises(DataError, match="bad"):
        load_session(bad)


def test_missing_data_file_fails_the_restore(qtbot, tmp_path, glove_path):
    copy = tmp_path / "gone.txt"
    shutil.copy(glove_path, copy)
    w1 = make_window(qtbot, tmp_path, "w1")
    open_and_wait(qtbot, w1, copy)
    path = w1.sessions.save_session(tmp_path / f"s{SESSION_SUFFIX}")
    w2 = make_window(qtbot, tmp_path, "w2")
    # The blocking form (--screenshot, scripts) waits for the data and the state.
    w1.scatter.view_box.setRange(xRange=(-1.0, 1.0), yRange=(0.0, 2.0), padding=0)
    w1.sessions.save_session(path)
    assert open_session_blocking(w2, path).view == w1.sessions.capture().view
    assert view(w2) == view(w1) and w2.current_path == str(copy)

    copy.unlink()
    w3 = make_window(qtbot, tmp_path, "w3")
    with qtbot.waitSignal(w3.sessions.restore_failed) as blocker:
        w3.sessions.open_session(path)
    assert isinstance(blocker.args[0], DataError) and blocker.args[0].path == str(copy)
    assert "not found" in w3.sessions.warnings[0]
    with pytest.raises(DataError, match="missing"):
        open_session_blocking(w3, path)
    for w in (w1, w2):
        w.runner.shutdown(5.0)


def test_bookmarks_restore_view_and_panels_and_page_keys_step_through_them(qtbot, tmp_path, glove_path):
    w = make_window(qtbot, tmp_path)
    open_and_wait(qtbot, w, glove_path)
    emb = w.embeddings
    c = w.sessions
    dock = w.findChild(QtCore.QObject, BOOKMARKS_DOCK_NAME)
    assert dock is not None and dock.isHidden()
    # Bookmark A: paris's neighbours, zoomed in, PC1/PC2.
    w.show_dock("neighbours")
    w.neighbours_panel.query_label("paris")
    w.scatter.view_box.setRange(xRange=(0.5, 1.5), yRange=(-1.0, 0.25), padding=0)
    view_a = view(w)
    nb_a = neighbour_labels(w)
    c.add_bookmark("A")
    assert not dock.isHidden() and dock.widget().list.count() == 1
    # Bookmark B: PC2/PC3, a selection, the focus on "king", labels, an analogy, no neighbour query change.
    w.set_axes(1, 2)
    w.neighbours_panel.query_label("king")
    w.analogy_panel.solve("france", "paris", "japan")
    w.selection.replace([1, 2, 3, 50])
    w.explorer.focus_row(emb.index["king"])
    w.explorer.labels_action.setChecked(True)
    w.scatter.view_box.setRange(xRange=(-2.0, 2.0), yRange=(-1.5, 1.5), padding=0)
    view_b = view(w)
    c.add_bookmark("B")
    assert [b.name for b in c.bookmarks] == ["A", "B"] and c.current_bookmark == 1
    # Wander off.
    w.set_axes(0, 3)
    w.selection.clear()
    w.scatter.zoom_to_fit()

    w.activateWindow()
    qtbot.waitActive(w)
    qtbot.keyClick(w, QtCore.Qt.Key.Key_PageUp)
    assert c.current_bookmark == 0
    assert w.axes == (0, 1) and view(w) == view_a
    assert neighbour_labels(w) == nb_a and w.neighbours_panel.query_edit.text() == "paris"
    assert w.selection.count == 0 and w.scatter.focus_row == -1
    assert not w.explorer.labels_action.isChecked()
    assert not w.analogy_panel.results  # A had no analogy: cleared
    assert dock.widget().list.currentRow() == 0

    qtbot.keyClick(w, QtCore.Qt.Key.Key_PageDown)
    assert c.current_bookmark == 1
    assert w.axes == (1, 2) and view(w) == view_b
    np.testing.assert_array_equal(w.selection.rows, [1, 2, 3, 50])
    assert w.scatter.focus_row == emb.index["king"] and w.explorer.labels_action.isChecked()
    assert w.neighbours_panel.query_edit.text() == "king"
    assert w.analogy_panel.status_label.text().startswith("france is to paris as japan is to")
    qtbot.keyClick(w, QtCore.Qt.Key.Key_PageDown)  # the last one stays
    assert c.current_bookmark == 1

    # The dock: double-click applies, rename by editing, Up reorders.
    panel = dock.widget()
    item = panel.list.item(0)
    rect = panel.list.visualItemRect(item)
    # A click first: QTest's lone double-click event is not a double click to an item view.
    qtbot.mouseClick(panel.list.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(panel.list.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=rect.center())
    assert c.current_bookmark == 0 and view(w) == view_a
    item.setText("Paris")
    assert c.bookmarks[0].name == "Paris"
    panel.list.setCurrentRow(1)
    qtbot.mouseClick(panel.up_button, QtCore.Qt.MouseButton.LeftButton)
    assert [b.name for b in c.bookmarks] == ["B", "Paris"]

    # Bookmarks travel with the session.
    path = c.save_session(tmp_path / f"tour{SESSION_SUFFIX}")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [b["name"] for b in data["bookmarks"]] == ["B", "Paris"]
    w2 = make_window(qtbot, tmp_path, "w2")
    with qtbot.waitSignal(w2.sessions.restored, timeout=LOAD_TIMEOUT_MS):
        w2.sessions.open_session(path)
    assert w2.sessions.bookmarks == c.bookmarks
    w2.sessions.apply_bookmark(1)
    assert view(w2) == view_a and neighbour_labels(w2) == nb_a
    qtbot.mouseClick(w2.sessions.panel.delete_button, QtCore.Qt.MouseButton.LeftButton)
    assert [b.name for b in w2.sessions.bookmarks] == ["B"]
    for win in (w, w2):
        win.runner.shutdown(5.0)


def test_model_session_retrains_from_its_ratings_and_settings(qtbot, tmp_path, shared_data):
    ratings = shared_data / "ml-100k"
    if not (ratings / "u.data").is_file():
        pytest.skip("ml-100k not in the shared data folder")
    from embexplorer.core.recommender.mf import MFConfig

    w1 = make_window(qtbot, tmp_path, "w1")
    with qtbot.waitSignal(w1.ratings_loaded, timeout=LOAD_TIMEOUT_MS):
        w1.open_movielens(ratings)
    w1.training_panel.set_config(MFConfig(n_factors=6, epochs=2, batch_size=1024, seed=7))
    w1.training_panel.start()
    qtbot.waitUntil(lambda: w1.mf_model is not None and w1.pca is not None
                    and w1.user_panel.model is w1.mf_model, timeout=LOAD_TIMEOUT_MS)
    w1.user_panel.select_user(4)
    movie = w1.embeddings.labels[3]
    w1.explorer.focus_row(3)
    w1.scatter.view_box.setRange(xRange=(-0.5, 0.75), yRange=(-0.25, 0.5), padding=0)
    before = w1.sessions.capture()
    assert before.source.kind == "model" and before.source.path == str(ratings)
    assert before.source.hash_mode == "folder"
    assert before.panels.user_id == str(w1.mf_model.user_ids[4])
    path = w1.sessions.save_session(tmp_path / f"model{SESSION_SUFFIX}")

    w2 = make_window(qtbot, tmp_path, "w2")
    with qtbot.waitSignal(w2.sessions.restored, timeout=2 * LOAD_TIMEOUT_MS):
        w2.sessions.open_session(path)
    assert w2.training_panel.config() == w1.training_panel.config()
    # Same ratings, settings and seed: the same model, so rows, focus and view mean the same.
    np.testing.assert_allclose(w2.mf_model.item_factors, w1.mf_model.item_factors, rtol=1e-5, atol=1e-6)
    assert w2.embeddings.labels == w1.embeddings.labels
    assert w2.scatter.focus_row == 3 and w2.embeddings.labels[3] == movie
    assert view(w2) == view(w1)
    qtbot.waitUntil(lambda: w2.user_panel.user == 4, timeout=5000)
    for w in (w1, w2):
        w.runner.shutdown(5.0)


def test_demo_session_runs_the_demo_again(qtbot, tmp_path):
    def demo_window(name: str) -> MainWindow:
        w = make_window(qtbot, tmp_path, name)
        w.genres_demo.min_epoch_seconds = 0.0  # as fast as it trains ...
        w.genres_demo.config = dataclasses.replace(w.genres_demo.config, epochs=DEMO_EPOCHS)  # ... and short
        return w

    def finished(w: MainWindow) -> bool:
        return w.pca is not None and w.windowTitle().startswith("Genres, learned") and w.mf_model is not None

    w1 = demo_window("w1")
    w1.run_demo("genres")
    qtbot.waitUntil(lambda: finished(w1), timeout=LOAD_TIMEOUT_MS)
    w1.finish_setup()
    w1.explorer.set_color_by("true genre")
    w1.selection.replace([0, 1, 2, 3, 4])
    before = w1.sessions.capture()
    assert before.source == before.source.__class__("demo", "genres")
    path = w1.sessions.save_session(tmp_path / f"demo{SESSION_SUFFIX}")

    w2 = demo_window("w2")
    with qtbot.waitSignal(w2.sessions.restored, timeout=LOAD_TIMEOUT_MS):
        w2.sessions.open_session(path)
    assert finished(w2)
    assert w2.explorer.color_combo.currentText() == "true genre"
    np.testing.assert_array_equal(w2.selection.rows, [0, 1, 2, 3, 4])
    assert view(w2) == view(w1)
    for w in (w1, w2):
        w.runner.shutdown(5.0)


def test_saved_session_is_a_recent_file_and_reopens_from_the_start_page_and_by_drop(qtbot, tmp_path,
                                                                                   glove_path):
    w = make_window(qtbot, tmp_path)
    open_and_wait(qtbot, w, glove_path)
    w.set_axes(0, 2)
    path = w.sessions.save_session(tmp_path / f"tour{SESSION_SUFFIX}")
    assert w.recent_files()[0] == str(path)
    w2 = make_window(qtbot, tmp_path, "w2")
    w2.settings.setValue("recent_files", w.recent_files())
    w2._rebuild_recent_menu()
    card = w2.start_page.recent_buttons[0]
    assert card.toolTip() == str(path)
    with qtbot.waitSignal(w2.sessions.restored, timeout=LOAD_TIMEOUT_MS):
        qtbot.mouseClick(card, QtCore.Qt.MouseButton.LeftButton)
    assert w2.axes == (0, 2) and w2.embeddings.n == 5050
    # Dropped on a window, a session file is a session too (not an embedding file to parse).
    w3 = make_window(qtbot, tmp_path, "w3")
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(path))])
    from PySide6 import QtGui

    drop = QtGui.QDropEvent(QtCore.QPointF(10, 10), QtCore.Qt.DropAction.CopyAction, mime,
                            QtCore.Qt.MouseButton.NoButton, QtCore.Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(w3.sessions.restored, timeout=LOAD_TIMEOUT_MS):
        w3.dropEvent(drop)
    assert w3.axes == (0, 2)
