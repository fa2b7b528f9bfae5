"""Sessions and bookmarks in the real window, on the real GloVe vectors (and MovieLens, the demo)."""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil

import numpy as np
import pytest
from PySide6 import QtCore, QtGui

from embexplorer.core.data.embeddings import EmbeddingSet, MetadataColumn
from embexplorer.core.errors import DataError
from embexplorer.core.session import SESSION_SUFFIX, DataSource, is_session_file, load_session
from tests.test_session import V1_SESSION

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


@pytest.fixture
def window(make_main_window):
    """``window(name)``: a new window with its own settings file."""
    return lambda name="w": make_main_window(name, size=None)


def open_and_wait(qtbot, w, path) -> None:
    with qtbot.waitSignal(w.workspace.dataset_changed, timeout=LOAD_TIMEOUT_MS):
        w.commands.run("loading.open_file", path)
    w.commands.run("explorer.finish_setup")


def restore(qtbot, w, path, timeout: int = LOAD_TIMEOUT_MS) -> None:
    sessions = w.features["sessions"]
    with qtbot.waitSignal(sessions.restored, timeout=timeout):
        assert sessions.open(path) is not None


def sessions(w):
    return w.features["sessions"]


def plot(w):
    """The explorer's widget (scatter, colour box, labels action)."""
    return w.features["explorer"].widget


def view(w):
    return tuple(tuple(r) for r in plot(w).scatter.view_box.viewRange())


def set_view(w, x, y) -> None:
    plot(w).scatter.view_box.setRange(xRange=x, yRange=y, padding=0)


def nb_panel(w):
    return w.features["neighbours"].panel


def neighbour_labels(w) -> list[str]:
    return [n.label for n in nb_panel(w).results]


def analogy_text(w) -> str:
    return w.features["analogy"].panel.status_label.text()


def open_a_copy(qtbot, tmp_path, window, glove_path, name: str):
    """A copy of the GloVe file (``tmp_path/name``) opened in a new window: (window, the copy)."""
    copy_path = tmp_path / name
    shutil.copy(glove_path, copy_path)
    w = window("w1")
    open_and_wait(qtbot, w, copy_path)
    return w, copy_path


def file_json(path) -> dict:
    """A saved session as JSON, without its time stamp."""
    data = json.loads(path.read_text(encoding="utf-8"))
    data.pop("created")
    return data


def test_session_round_trips_exactly_into_a_new_window(qtbot, tmp_path, window, glove_tsv):
    w1 = window("w1")
    open_and_wait(qtbot, w1, glove_tsv)
    emb = w1.workspace.dataset
    assert "initial" in emb.metadata
    w1.workspace.set_axes(2, 3)
    w1.commands.run("explorer.color_by", "initial")
    w1.show_dock("neighbours")
    nb_panel(w1).metric_combo.setCurrentText("euclidean")
    nb_panel(w1).k_spin.setValue(7)
    assert w1.commands.run("neighbours.query_label", "king")
    w1.commands.run("analogy.solve", "man", "king", "woman")
    sel = np.r_[10:60, 100, 1500]
    w1.workspace.selection.replace(sel)
    plot(w1).focus_row(emb.index["paris"])
    plot(w1).labels_action.setChecked(True)
    set_view(w1, (-1.25, 2.5), (-0.75, 1.5))
    w1.features["recommender"].training_panel.factors.setValue(12)
    table = plot(w1).table  # the Points table: filtered, sorted by a metadata column, descending
    table.filter_edit.setText("a")
    table.apply_filter()
    table.view.sortByColumn(table.model.column_of("initial"), QtCore.Qt.SortOrder.DescendingOrder)
    listed = table.model.view_rows.copy()
    before = sessions(w1).capture()
    assert set(before.features) >= {"explorer", "neighbours", "analogy", "recommender", "word2vec"}
    path = sessions(w1).save(tmp_path / "talk")
    assert path.name == "talk" + SESSION_SUFFIX and is_session_file(path)
    assert load_session(path).source.sha256 == before.source.sha256 is not None

    w2 = window("w2")
    restore(qtbot, w2, path)
    assert w2.workspace.source.kind == "file" and w2.workspace.source.path == str(glove_tsv)
    assert w2.workspace.axes == (2, 3)
    assert plot(w2).color_combo.currentText() == "initial"
    np.testing.assert_array_equal(w2.workspace.selection.rows, sel)
    assert plot(w2).scatter.focus_row == w2.workspace.dataset.index["paris"]
    assert plot(w2).labels_action.isChecked()
    assert view(w2) == view(w1) == ((-1.25, 2.5), (-0.75, 1.5))
    assert nb_panel(w2).metric_name == "euclidean" and nb_panel(w2).k_spin.value() == 7
    assert neighbour_labels(w2) == neighbour_labels(w1) and len(neighbour_labels(w2)) == 7
    assert analogy_text(w2) == analogy_text(w1) != ""
    assert w2.features["recommender"].training_panel.factors.value() == 12
    assert plot(w2).table.table_state() == {"filter": "a", "selected_only": False,
                                            "sort": ["initial", "descending"]}
    np.testing.assert_array_equal(plot(w2).table.model.view_rows, listed)
    assert sessions(w2).warnings == []
    after = sessions(w2).capture()
    assert (after.source, after.title, after.features) == (before.source, before.title, before.features)
    # save -> open -> save: the same file (but for its time stamp).
    again = sessions(w2).save(tmp_path / f"again{SESSION_SUFFIX}")
    assert file_json(again) == file_json(path)


def test_changed_data_file_warns_but_still_opens(qtbot, tmp_path, window, glove_path):
    w1, copy_path = open_a_copy(qtbot, tmp_path, window, glove_path, "glove.txt")
    plot(w1).focus_row(w1.workspace.dataset.index["king"])
    path = sessions(w1).save(tmp_path / f"s{SESSION_SUFFIX}")
    lines = copy_path.read_text(encoding="utf-8").splitlines(keepends=True)
    copy_path.write_text("".join(lines[:-1]), encoding="utf-8")  # the last word dropped

    w2 = window("w2")
    restore(qtbot, w2, path)
    warnings = sessions(w2).warnings
    assert len(warnings) == 1 and str(copy_path) in warnings[0] and "changed" in warnings[0]
    assert "changed" in w2.statusBar().currentMessage()
    assert w2.workspace.dataset.n == w1.workspace.dataset.n - 1
    assert plot(w2).scatter.focus_row == w2.workspace.dataset.index["king"]  # found again by its label


def test_bad_session_json_is_a_data_error_naming_the_file(qtbot, tmp_path, window):
    w = window()
    bad = tmp_path / f"bad{SESSION_SUFFIX}"
    bad.write_text('{"format": "embexplorer-session", "version": 2, "features": ', encoding="utf-8")
    with qtbot.waitSignal(sessions(w).restore_failed) as blocker:
        assert sessions(w).open(bad) is None
    err = blocker.args[0]
    assert isinstance(err, DataError) and err.path == str(bad) and "JSON" in err.reason
    assert w.workspace.dataset is None
    with pytest.raises(DataError, match="bad"):
        w.commands.run("sessions.open_blocking", bad)


def test_missing_data_file_fails_the_restore(qtbot, tmp_path, window, glove_path):
    w1, copy_path = open_a_copy(qtbot, tmp_path, window, glove_path, "gone.txt")
    set_view(w1, (-1.0, 1.0), (0.0, 2.0))
    path = sessions(w1).save(tmp_path / f"s{SESSION_SUFFIX}")
    # The blocking form (--screenshot, scripts) waits for the data and the states.
    w2 = window("w2")
    session = w2.commands.run("sessions.open_blocking", path)
    assert session.features["explorer"]["view"] == [[-1.0, 1.0], [0.0, 2.0]]
    assert view(w2) == view(w1) and w2.workspace.source.path == str(copy_path)

    copy_path.unlink()
    w3 = window("w3")
    with qtbot.waitSignal(sessions(w3).restore_failed) as blocker:
        sessions(w3).open(path)
    assert isinstance(blocker.args[0], DataError) and blocker.args[0].path == str(copy_path)
    assert "not found" in sessions(w3).warnings[0]
    with pytest.raises(DataError, match="missing"):
        w3.commands.run("sessions.open_blocking", path)


def test_a_failed_or_cancelled_load_fails_the_restore(qtbot, tmp_path, window, glove_path):
    w1, data = open_a_copy(qtbot, tmp_path, window, glove_path, "glove.txt")
    path = sessions(w1).save(tmp_path / f"s{SESSION_SUFFIX}")
    data.write_text("not\tvectors\n" * 3, encoding="utf-8")  # still there, no longer readable
    w2 = window("w2")
    with pytest.raises(DataError):
        w2.commands.run("sessions.open_blocking", path)
    assert w2.workspace.dataset is None
    shutil.copy(glove_path, data)
    w3 = window("w3")
    with qtbot.waitSignal(sessions(w3).restore_failed) as blocker:
        sessions(w3).open(path)
        w3.features["loading"].cancel_load()  # the user's Cancel in the status bar
    assert "cancelled" in str(blocker.args[0])


def test_bookmarks_restore_view_and_panels_and_page_keys_step_through_them(qtbot, tmp_path, window,
                                                                          glove_path):
    w = window()
    open_and_wait(qtbot, w, glove_path)
    emb = w.workspace.dataset
    c = sessions(w)
    dock = w.dock("bookmarks")
    assert dock is not None and dock.isHidden()
    # Bookmark A: paris's neighbours, zoomed in, PC1/PC2.
    w.show_dock("neighbours")
    w.commands.run("neighbours.query_label", "paris")
    set_view(w, (0.5, 1.5), (-1.0, 0.25))
    view_a, nb_a = view(w), neighbour_labels(w)
    c.add_bookmark("A")
    assert not dock.isHidden() and dock.widget().list.count() == 1
    assert set(c.bookmarks[0].features) == {"explorer", "projection", "neighbours", "analogy", "recommender"}
    # Bookmark B: PC2/PC3, a selection, the focus on "king", labels, an analogy.
    w.workspace.set_axes(1, 2)
    w.commands.run("neighbours.query_label", "king")
    w.commands.run("analogy.solve", "france", "paris", "japan")
    w.workspace.selection.replace([1, 2, 3, 50])
    plot(w).focus_row(emb.index["king"])
    plot(w).labels_action.setChecked(True)
    set_view(w, (-2.0, 2.0), (-1.5, 1.5))
    view_b = view(w)
    c.add_bookmark("B")
    assert [b.name for b in c.bookmarks] == ["A", "B"] and c.current_bookmark == 1
    # Wander off.
    w.workspace.set_axes(0, 3)
    w.workspace.selection.clear()
    plot(w).scatter.zoom_to_fit()

    w.activateWindow()
    qtbot.waitActive(w)
    qtbot.keyClick(w, QtCore.Qt.Key.Key_PageUp)
    assert c.current_bookmark == 0
    assert w.workspace.axes == (0, 1) and view(w) == view_a
    assert neighbour_labels(w) == nb_a and nb_panel(w).query_edit.text() == "paris"
    assert w.workspace.selection.count == 0 and plot(w).scatter.focus_row == -1
    assert not plot(w).labels_action.isChecked()
    assert not w.features["analogy"].panel.results  # A had no analogy: cleared
    assert dock.widget().list.currentRow() == 0

    qtbot.keyClick(w, QtCore.Qt.Key.Key_PageDown)
    assert c.current_bookmark == 1
    assert w.workspace.axes == (1, 2) and view(w) == view_b
    np.testing.assert_array_equal(w.workspace.selection.rows, [1, 2, 3, 50])
    assert plot(w).scatter.focus_row == emb.index["king"] and plot(w).labels_action.isChecked()
    assert nb_panel(w).query_edit.text() == "king"
    assert analogy_text(w).startswith("france is to paris as japan is to")
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
    path = c.save(tmp_path / f"tour{SESSION_SUFFIX}")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [b["name"] for b in data["bookmarks"]] == ["B", "Paris"]
    w2 = window("w2")
    restore(qtbot, w2, path)
    assert sessions(w2).bookmarks == c.bookmarks
    sessions(w2).apply_bookmark(1)
    assert view(w2) == view_a and neighbour_labels(w2) == nb_a
    qtbot.mouseClick(sessions(w2).panel.delete_button, QtCore.Qt.MouseButton.LeftButton)
    assert [b.name for b in sessions(w2).bookmarks] == ["B"]


def test_a_version_1_session_written_by_the_old_code_still_opens(qtbot, tmp_path, window, glove_tsv):
    old = copy.deepcopy(V1_SESSION)
    old["source"].update(path=str(glove_tsv), format=None, sha256=None, size=None, hash_mode=None)
    path = tmp_path / f"old{SESSION_SUFFIX}"
    path.write_text(json.dumps(old), encoding="utf-8")
    w = window()
    restore(qtbot, w, path)
    emb = w.workspace.dataset
    assert w.workspace.source.path == str(glove_tsv) and sessions(w).warnings == []
    assert w.workspace.axes == (2, 3) and plot(w).color_combo.currentText() == "initial"
    np.testing.assert_array_equal(w.workspace.selection.rows, np.r_[10:60, 100, 1500])
    assert plot(w).scatter.focus_row == emb.index["paris"] and plot(w).labels_action.isChecked()
    assert view(w) == ((-1.25, 2.5), (-0.75, 1.5))
    assert nb_panel(w).metric_name == "euclidean" and len(neighbour_labels(w)) == 7
    assert analogy_text(w).startswith("man is to king as woman is to")
    assert w.features["recommender"].training_panel.factors.value() == 12
    assert w.features["word2vec"].panel.vector_size.value() == 50
    assert [b.name for b in sessions(w).bookmarks] == ["A", "B"]
    sessions(w).apply_bookmark(1)
    assert w.workspace.axes == (1, 2) and plot(w).scatter.focus_row == emb.index["king"]
    np.testing.assert_array_equal(w.workspace.selection.rows, [1, 2, 3, 50])
    assert analogy_text(w).startswith("france is to paris as japan is to")
    # Saved again, it is a version-2 file that reopens to the same states.
    sessions(w).apply_bookmark(0)
    before = sessions(w).capture()
    new = sessions(w).save(tmp_path / f"new{SESSION_SUFFIX}")
    assert json.loads(new.read_text(encoding="utf-8"))["version"] == 2
    w2 = window("w2")
    restore(qtbot, w2, new)
    assert sessions(w2).capture().features == before.features


def test_model_session_retrains_from_its_ratings_and_settings(qtbot, tmp_path, window, ml100k_dir):
    from embexplorer.core.recommender.mf import MFConfig

    w1 = window("w1")
    rec1 = w1.features["recommender"]
    with qtbot.waitSignal(rec1.ratings_loaded, timeout=LOAD_TIMEOUT_MS):
        w1.commands.run("recommender.open_ratings", ml100k_dir)
    rec1.training_panel.set_config(MFConfig(n_factors=6, epochs=2, batch_size=1024, seed=7))
    rec1.training_panel.start()
    qtbot.waitUntil(lambda: rec1.model is not None and w1.workspace.pca is not None
                    and rec1.user_panel.model is rec1.model, timeout=LOAD_TIMEOUT_MS)
    rec1.user_panel.select_user(4)
    movie = w1.workspace.dataset.labels[3]
    plot(w1).focus_row(3)
    set_view(w1, (-0.5, 0.75), (-0.25, 0.5))
    before = sessions(w1).capture()
    assert before.source.kind == "model" and before.source.path == str(ml100k_dir)
    assert before.source.hash_mode == "folder" and before.source.model == "recommender"
    assert before.features["recommender"]["user_id"] == str(rec1.model.user_ids[4])
    path = sessions(w1).save(tmp_path / f"model{SESSION_SUFFIX}")

    w2 = window("w2")
    rec2 = w2.features["recommender"]
    restore(qtbot, w2, path, timeout=2 * LOAD_TIMEOUT_MS)
    assert rec2.training_panel.config() == rec1.training_panel.config()
    # Same ratings, settings and seed: the same model, so rows, focus and view mean the same.
    np.testing.assert_allclose(rec2.model.item_factors, rec1.model.item_factors, rtol=1e-5, atol=1e-6)
    assert w2.workspace.dataset.labels == w1.workspace.dataset.labels
    assert plot(w2).scatter.focus_row == 3 and w2.workspace.dataset.labels[3] == movie
    assert view(w2) == view(w1)
    qtbot.waitUntil(lambda: rec2.user_panel.user == 4, timeout=5000)


def test_demo_session_runs_the_demo_again(qtbot, tmp_path, window):
    def demo_window(name: str):
        w = window(name)
        demo = w.features["start"].genres_demo
        demo.min_epoch_seconds = 0.0  # as fast as it trains ...
        demo.config = dataclasses.replace(demo.config, epochs=DEMO_EPOCHS)  # ... and short
        return w

    def finished(w) -> bool:
        return (w.workspace.pca is not None and w.workspace.source.kind == "demo"
                and w.features["recommender"].model is not None)

    w1 = demo_window("w1")
    w1.commands.run("start.run_demo", "genres")
    qtbot.waitUntil(lambda: finished(w1), timeout=LOAD_TIMEOUT_MS)
    w1.commands.run("explorer.color_by", "true genre")
    w1.workspace.selection.replace([0, 1, 2, 3, 4])
    before = sessions(w1).capture()
    assert before.source == DataSource("demo", "genres")
    path = sessions(w1).save(tmp_path / f"demo{SESSION_SUFFIX}")

    w2 = demo_window("w2")
    restore(qtbot, w2, path)
    assert finished(w2)
    assert plot(w2).color_combo.currentText() == "true genre"
    np.testing.assert_array_equal(w2.workspace.selection.rows, [0, 1, 2, 3, 4])
    assert view(w2) == view(w1)


def test_saved_session_is_a_recent_file_and_reopens_from_the_start_page_and_by_drop(qtbot, tmp_path, window,
                                                                                   glove_path):
    w = window()
    open_and_wait(qtbot, w, glove_path)
    w.workspace.set_axes(0, 2)
    path = sessions(w).save(tmp_path / f"tour{SESSION_SUFFIX}")
    assert w.recent.files()[0] == str(path)
    w2 = window("w2")
    w2.recent.remember(str(path))
    card = w2.features["start"].page.recent_buttons[0]
    assert card.toolTip() == str(path)
    with qtbot.waitSignal(sessions(w2).restored, timeout=LOAD_TIMEOUT_MS):
        qtbot.mouseClick(card, QtCore.Qt.MouseButton.LeftButton)
    assert w2.workspace.axes == (0, 2) and w2.workspace.dataset.n == 5050
    # Dropped on a window, a session file is a session too (not an embedding file to parse).
    w3 = window("w3")
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(path))])
    drop = QtGui.QDropEvent(QtCore.QPointF(10, 10), QtCore.Qt.DropAction.CopyAction, mime,
                            QtCore.Qt.MouseButton.NoButton, QtCore.Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(sessions(w3).restored, timeout=LOAD_TIMEOUT_MS):
        w3.dropEvent(drop)
    assert w3.workspace.axes == (0, 2)
