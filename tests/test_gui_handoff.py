"""The hand-off room in a real window: File › Export To (Atlas, Projector with our bookmarks, selected
labels), Import TF Projector Config (its bookmarks become ours), and the loading room's column dialog."""

from __future__ import annotations

import json

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow", reason="the 'arrow' extra (in the test extra): pip install -e '.[test]'")
pq = pytest.importorskip("pyarrow.parquet")

#: Rows of the GloVe file put in the table.
ROWS = 300
LOAD_TIMEOUT_MS = 20_000


@pytest.fixture
def two_vector_columns(glove_path, tmp_path):
    """A Parquet file whose vectors could be in column 'a' or 'b' ('b' is GloVe, 'a' is noise)."""
    from embexplorer.core.data.formats import load

    emb = load(glove_path, limit=ROWS)
    noise = np.random.default_rng(0).normal(size=emb.vectors.shape).astype(np.float32)
    table = pa.table({"word": emb.labels,
                      "a": pa.FixedSizeListArray.from_arrays(pa.array(noise.ravel()), emb.dims),
                      "b": pa.FixedSizeListArray.from_arrays(pa.array(emb.vectors.ravel()), emb.dims)})
    path = tmp_path / "two.parquet"
    pq.write_table(table, path)
    return path, emb


def _answer_dialog(qtbot, name: str, value: str, seen: list):
    """Answer the modal dialog called ``name`` with ``value`` as soon as it opens."""
    from PySide6 import QtCore, QtWidgets

    timer = QtCore.QTimer()

    def poll():
        dialog = QtWidgets.QApplication.activeModalWidget()
        if dialog is not None and dialog.objectName() == name:
            seen.append(dialog.comboBoxItems())
            dialog.setTextValue(value)
            dialog.accept()
            timer.stop()

    timer.timeout.connect(poll)
    timer.start(20)
    return timer


def test_two_vector_columns_ask_in_a_dialog_then_export_and_import_hand_offs(qtbot, make_main_window, tmp_path,
                                                                              two_vector_columns):
    path, glove = two_vector_columns
    w = make_main_window(interactive=True)
    ws = w.workspace
    seen: list = []
    timer = _answer_dialog(qtbot, "columnChoiceDialog", "b", seen)
    with qtbot.waitSignal(ws.dataset_changed, timeout=LOAD_TIMEOUT_MS):
        w.commands.run("loading.open_file", path)
    timer.stop()
    assert seen == [["a", "b"]]
    np.testing.assert_array_equal(ws.dataset.vectors, glove.vectors)
    assert ws.dataset.labels == glove.labels
    # Reopened (a recent file, a session), the file is not asked about again: the choice is remembered.
    timer = _answer_dialog(qtbot, "columnChoiceDialog", "a", seen)  # would answer wrongly if asked
    with qtbot.waitSignal(ws.dataset_changed, timeout=LOAD_TIMEOUT_MS):
        w.commands.run("loading.open_file", path, format="parquet")
    timer.stop()
    assert len(seen) == 1
    np.testing.assert_array_equal(ws.dataset.vectors, glove.vectors)

    # The File menu offers the exports.
    handoff = w.features["handoff"]
    assert handoff.export_menu.title() == "E&xport To" and handoff.atlas_action.isEnabled()
    assert not handoff.labels_action.isEnabled()  # nothing selected yet

    # Two bookmarks, then a selection exported three ways.
    rows = [glove.index[x] for x in ("king", "queen", "prince") if x in glove.index] or [1, 2, 3]
    ws.selection.replace(rows)
    w.commands.run("explorer.color_by", None)
    w.commands.run("sessions.add_bookmark", "royals")
    ws.selection.replace([0, 1])
    w.commands.run("sessions.add_bookmark", "first two")
    ws.selection.replace(rows)
    assert handoff.labels_action.isEnabled()
    labels_file = w.commands.run("handoff.export_labels", tmp_path / "sel.txt")
    assert labels_file.read_text(encoding="utf-8").splitlines() == [glove.labels[r] for r in sorted(rows)]

    ws.selection.clear()
    w.commands.run("handoff.export_projector", tmp_path / "proj")
    states = json.loads((tmp_path / "proj" / "bookmarks.json").read_text(encoding="utf-8"))
    assert [(s["label"], s["selectedPoints"]) for s in states] == [("royals", sorted(rows)), ("first two", [0, 1])]

    atlas = tmp_path / "atlas.parquet"
    w.commands.run("handoff.export_atlas", atlas, k=5)
    qtbot.waitUntil(lambda: atlas.exists() and not w.is_busy("handoff"), timeout=LOAD_TIMEOUT_MS)
    table = pq.read_table(atlas)
    assert table.num_rows == ROWS and {"projection_x", "projection_y", "neighbors"} <= set(table.schema.names)
    np.testing.assert_allclose(table.column("projection_x").to_numpy(), ws.projection.xy[:, 0], rtol=1e-6)

    # A second window imports the projector folder: the set and the bookmarks come back.
    w2 = make_main_window("second")
    with qtbot.waitSignal(w2.workspace.dataset_changed, timeout=LOAD_TIMEOUT_MS):
        w2.commands.run("handoff.import_projector", tmp_path / "proj" / "projector_config.pbtxt")
    assert w2.workspace.dataset.labels == glove.labels
    marks = w2.commands.run("sessions.bookmarks")
    assert [b.name for b in marks] == ["royals", "first two"]
    assert marks[0].features["explorer"]["selection"] == sorted(rows)
