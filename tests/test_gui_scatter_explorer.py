"""ExplorerWidget on real GloVe data: search, legend, linked table, export, themes, overlays."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.widgets.explorer import ExplorerWidget
from embexplorer._qt.widgets.search import LabelIndex
from embexplorer.core.analysis.pca import fit_pca
from embexplorer.core.data.embeddings import EmbeddingSet, MetadataColumn
from tests.test_gui_scatter import _read_glove


def _kind(word: str) -> str:
    if not any(c.isalnum() for c in word):
        return "punctuation"
    if any(c.isdigit() for c in word):
        return "number"
    return "word"


@pytest.fixture(scope="module")
def glove_set(glove_path):
    labels, vecs = _read_glove(glove_path)
    meta = {"kind": MetadataColumn.categorical("kind", [_kind(w) for w in labels]),
            "length": MetadataColumn.numeric("length", np.array([len(w) for w in labels], dtype=float))}
    emb = EmbeddingSet(labels, vecs, meta, source=str(glove_path))
    return emb, fit_pca(emb.vectors, 4)


@pytest.fixture
def explorer(qtbot, glove_set):
    emb, pca = glove_set
    ex = ExplorerWidget()
    qtbot.addWidget(ex)
    ex.resize(1200, 750)
    ex.show()
    qtbot.waitExposed(ex)
    ex.set_data(emb, pca.xy(0, 1), pca.axis_label(0), pca.axis_label(1), components=pca.coords,
                component_labels=[pca.axis_label(i) for i in range(pca.n_components)])
    QtWidgets.QApplication.processEvents()
    return ex


def test_label_index_prefix_completion_matches_python(glove_set):
    emb, _ = glove_set
    idx = LabelIndex(emb.labels)
    for prefix in ("th", "Pre", "19", "qu", "zzzz", "kin"):
        got = idx.complete(prefix, limit=10)
        expect = [i for i, s in enumerate(emb.labels) if s.lower().startswith(prefix.lower())]
        exact = idx.row(prefix)
        if exact is not None:
            expect = [exact] + [i for i in expect if i != exact]
        assert got == expect[:10]
    assert idx.row("KING") == emb.row("king")
    assert idx.regex(r"^kin").tolist() == [i for i, s in enumerate(emb.labels) if s.startswith("kin")]


def test_ctrl_f_search_completes_centres_and_highlights(explorer, qtbot, glove_set):
    emb, _ = glove_set
    qtbot.keyClick(explorer.scatter.plot_widget, QtCore.Qt.Key.Key_F,
                   QtCore.Qt.KeyboardModifier.ControlModifier)
    assert explorer.search.edit.hasFocus()
    qtbot.keyClicks(explorer.search.edit, "quee")
    # The label index is built in the background once the box has focus.
    qtbot.waitUntil(lambda: explorer.search.completions()[:1] == ["queen"], timeout=5000)
    with qtbot.waitSignal(explorer.focus_changed) as sig:
        qtbot.keyClicks(explorer.search.edit, "n")
        qtbot.keyClick(explorer.search.edit, QtCore.Qt.Key.Key_Return)
    row = emb.row("queen")
    assert sig.args == [row]
    assert explorer.scatter.focus_row == row
    (x0, x1), (y0, y1) = explorer.scatter.view_box.viewRange()
    x, y = explorer.scatter.xy[row]
    assert abs((x0 + x1) / 2 - x) < 1e-3 * (x1 - x0) and abs((y0 + y1) / 2 - y) < 1e-3 * (y1 - y0)
    explorer.scatter.relayout_labels()
    assert "queen" in explorer.scatter.shown_labels


def test_label_index_builds_on_the_search_box_runner_and_a_new_set_drops_a_stale_build(qtbot, monkeypatch):
    from embexplorer._qt.widgets import search
    from embexplorer._qt.widgets.search import INDEX_TASK_KIND, SearchBox
    from embexplorer._qt.workers import TaskRunner

    built = []
    real = search.LabelIndex

    def slow_index(labels):  # the old set's build is slow: the new set arrives meanwhile
        if labels[0] == "old":
            QtCore.QThread.msleep(200)
        built.append(list(labels))
        return real(labels)

    monkeypatch.setattr(search, "LabelIndex", slow_index)
    holder = QtWidgets.QWidget()
    qtbot.addWidget(holder)
    box = SearchBox(holder)
    runner = box.findChild(TaskRunner)
    assert runner in holder.findChildren(TaskRunner)  # what the window's shutdown_tasks looks for
    box.set_labels(["old", "older"])
    box.start_index()
    assert runner.is_running(INDEX_TASK_KIND) and not box.index_ready
    box.set_labels(["new", "newer"])  # supersedes the build still running
    assert box.index.labels == ["new", "newer"]  # waits for the new build, delivered at once
    assert box.index_ready
    qtbot.wait(300)  # the old build ends now: its index must not replace the new one
    assert box.index.labels == ["new", "newer"] and box.index.complete("ne") == [0, 1]
    assert built == [["new", "newer"], ["old", "older"]]  # the old one did finish, late


def test_regex_search_selects_all_matches(explorer, qtbot, glove_set):
    emb, _ = glove_set
    explorer.search.regex_button.setChecked(True)
    explorer.search.edit.setText(r"^19\d\d$")
    qtbot.keyClick(explorer.search.edit, QtCore.Qt.Key.Key_Return)
    expect = [i for i, s in enumerate(emb.labels) if len(s) == 4 and s.startswith("19") and s.isdigit()]
    assert len(expect) > 20
    assert explorer.selection.rows.tolist() == expect
    # A broken pattern leaves the selection alone and says why.
    explorer.search.edit.setText("([")
    with qtbot.waitSignal(explorer.search.message) as sig:
        qtbot.keyClick(explorer.search.edit, QtCore.Qt.Key.Key_Return)
    assert "Bad regular expression" in sig.args[0]
    assert explorer.selection.rows.tolist() == expect


def test_legend_click_hides_a_category(explorer, qtbot, glove_set):
    emb, _ = glove_set
    assert explorer.color_combo.currentText() == "kind"  # the categorical column is the default
    mapping = explorer.scatter.color_mapping
    entry = mapping.names.index("number")
    item = explorer.legend.item_for_entry(entry)
    rect = explorer.legend.list.visualItemRect(item)
    qtbot.mouseClick(explorer.legend.list.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=rect.center())
    numbers = np.array([_kind(w) == "number" for w in emb.labels])
    assert explorer.scatter.hidden_entries == {entry}
    np.testing.assert_array_equal(explorer.scatter.visible_mask, ~numbers)
    # Hidden points are not drawn: render with only the numbers' colour and compare.
    explorer._on_select_all()
    assert not np.any(explorer.selection.mask & numbers)
    qtbot.mouseClick(explorer.legend.list.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=rect.center())
    assert explorer.scatter.hidden_entries == set()
    assert explorer.scatter.visible_mask is None


def test_hidden_category_disappears_from_the_picture(explorer, glove_set):
    sv = explorer.scatter
    mapping = sv.color_mapping
    entry = mapping.names.index("word")
    sv.zoom_to_fit()

    def grab():
        img = sv.plot_widget.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
        return np.frombuffer(img.constBits(), np.uint32, img.width() * img.height()).copy()

    before = grab()
    sv.set_entry_visible(entry, False)
    after = grab()
    assert np.sum(before != after) > 1000  # the most common category is gone...
    for e in range(len(mapping.lut)):
        sv.set_entry_visible(e, False)
    all_hidden = grab()
    sv.base_layer.setVisible(False)
    no_layer = grab()
    sv.base_layer.setVisible(True)
    np.testing.assert_array_equal(all_hidden, no_layer)  # ...and with every category hidden, nothing is drawn
    sv.set_entry_visible(entry, True)
    assert np.sum(grab() != no_layer) > 1000


def test_numeric_colour_shows_colour_bar(explorer):
    explorer.set_color_by("length")
    m = explorer.scatter.color_mapping
    assert m.kind == "numeric" and m.vmax > m.vmin
    assert explorer.legend._numeric.isVisible() and not explorer.legend.list.isVisible()


def test_table_and_scatter_selection_are_linked(explorer, qtbot, glove_set):
    emb, _ = glove_set
    table = explorer.table
    # Scatter -> table: a box selection shows up as selected table rows.
    explorer.scatter.select_rect(-0.2, -0.2, 0.2, 0.2)
    sel = explorer.selection.rows.tolist()
    assert 0 < len(sel) < 2000
    got = sorted(int(table.model.view_rows[i.row()]) for i in table.view.selectionModel().selectedRows())
    assert got == sel
    # Table -> scatter: clicking a row replaces the shared selection.
    r = emb.row("paris")
    pos = int(table.model.position_of([r])[0])
    table.view.scrollTo(table.model.index(pos, 0))
    rect = table.view.visualRect(table.model.index(pos, 0))
    qtbot.mouseClick(table.view.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=rect.center())
    assert explorer.selection.rows.tolist() == [r]
    assert explorer.scatter.focus_row == r  # the current row is centred in the plot
    # Filter + sort: numpy-backed, like Python's own.
    table.filter_edit.setText("ing")
    table.apply_filter()
    expect = [i for i, s in enumerate(emb.labels) if "ing" in s.lower()]
    assert sorted(table.model.view_rows.tolist()) == expect
    length_col = 2
    table.view.sortByColumn(length_col, QtCore.Qt.SortOrder.DescendingOrder)
    lengths = [len(emb.labels[int(i)]) for i in table.model.view_rows]
    assert lengths == sorted(lengths, reverse=True)
    table.view.sortByColumn(0, QtCore.Qt.SortOrder.AscendingOrder)  # label order from the search index
    shown = [emb.labels[int(i)].lower() for i in table.model.view_rows]
    assert shown == sorted(shown)
    # Selected-only view lists exactly the selection.
    explorer.selection.replace([1, 5, 9])
    table.filter_edit.setText("")
    table.apply_filter()
    table.selected_only.setChecked(True)
    assert sorted(table.model.view_rows.tolist()) == [1, 5, 9]


def test_escape_clears_selection(explorer, qtbot):
    explorer.selection.replace([3, 4])
    explorer.scatter.plot_widget.setFocus()
    qtbot.keyClick(explorer.scatter.plot_widget, QtCore.Qt.Key.Key_Escape)
    assert explorer.selection.count == 0


def test_axis_pickers_switch_components(explorer, glove_set):
    emb, pca = glove_set
    explorer.set_axes(2, 3)
    np.testing.assert_allclose(explorer.scatter.xy, pca.coords[:, [2, 3]], rtol=0, atol=0)
    assert explorer.scatter.plot_widget.getPlotItem().getAxis("bottom").labelText == pca.axis_label(2)
    assert "PC3" in explorer.status_text()


def test_exports_reload_and_match(explorer, tmp_path, glove_set):
    emb, pca = glove_set
    sel = [emb.row(w) for w in ("king", "queen", "paris", "1990", ",")]
    explorer.selection.replace(sel)
    # CSV of the selection.
    (csv_path,) = explorer.export("csv", tmp_path / "sel.csv", selection_only=True)
    with open(csv_path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["label", pca.axis_label(0), pca.axis_label(1), "kind", "length"]
    assert [r[0] for r in rows[1:]] == [emb.labels[i] for i in sorted(sel)]
    got_xy = np.array([[float(r[1]), float(r[2])] for r in rows[1:]], dtype=np.float32)
    np.testing.assert_array_equal(got_xy, pca.xy(0, 1)[sorted(sel)])
    assert [r[3] for r in rows[1:]] == [_kind(emb.labels[i]) for i in sorted(sel)]
    # TF Projector pair of all points.
    vec_path, meta_path = explorer.export("tsv", tmp_path / "glove.tsv")
    vecs = np.loadtxt(vec_path, delimiter="\t", dtype=np.float32)
    np.testing.assert_array_equal(vecs, emb.vectors)
    meta_lines = meta_path.read_text(encoding="utf-8").splitlines()
    assert meta_lines[0] == "label\tkind\tlength"
    assert [ln.split("\t")[0] for ln in meta_lines[1:]] == emb.labels
    try:
        from embexplorer.core.data import formats
    except ImportError:
        formats = None
    if formats is not None and hasattr(formats, "load"):
        try:
            back = formats.load(vec_path, metadata_path=meta_path)
        except Exception as exc:  # a loader without TSV-pair support is reported, not hidden
            pytest.fail(f"formats.load could not read the exported TSV pair: {exc}")
        assert back.n == emb.n
        np.testing.assert_allclose(back.vectors, emb.vectors)
        assert list(back.labels) == emb.labels
        assert set(back.metadata) == {"kind", "length"}
        for r in (0, 7, 4000):
            assert back.metadata_text(r) == emb.metadata_text(r)
    # PNG 1x and 2x: the 2x one has twice the pixels and is rendered, not scaled (sharper text).
    (p1,) = explorer.export("png1", tmp_path / "v1.png")
    (p2,) = explorer.export("png2", tmp_path / "v2.png")
    i1, i2 = QtGui.QImage(str(p1)), QtGui.QImage(str(p2))
    vp = explorer.scatter.plot_widget.viewport()
    assert (i1.width(), i1.height()) == (vp.width(), vp.height())
    assert (i2.width(), i2.height()) == (2 * vp.width(), 2 * vp.height())
    # Points are drawn twice as large in the 2x image (so it looks like the view): inside
    # the plot area, about four times as many non-background pixels.
    def ink(img, scale):
        img = img.convertToFormat(QtGui.QImage.Format.Format_RGB32)
        a = np.frombuffer(img.constBits(), np.uint32, img.width() * img.height()).reshape(img.height(), -1)
        r = explorer.scatter.view_box.sceneBoundingRect()
        top, bottom = int(r.top() * scale) + 4, int(r.bottom() * scale) - 4
        a = a[top:bottom, int(r.left() * scale) + 4:int(r.right() * scale) - 4]
        return int(np.sum(a != a[0, -1]))
    ratio = ink(i2, 2) / ink(i1, 1)
    assert 3.0 < ratio < 5.0
    # SVG: a valid document holding the axis titles as text.
    (ps,) = explorer.export("svg", tmp_path / "v.svg")
    svg = ps.read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "PC1" in svg
    # Few points in view: every point (and each selected one on top) is a real SVG circle.
    assert svg.count("<circle") == emb.n + len(sel)
    assert not list(tmp_path.glob(".*.part"))  # atomic writes left no temporaries


def test_overlays_and_labels(explorer, glove_set):
    emb, _ = glove_set
    sv = explorer.scatter
    rows = [emb.row(w) for w in ("queen", "prince", "daughter")]
    sv.set_overlay("neighbours", rows, color=(44, 160, 44))
    sv.set_overlay("analogy", arrows=np.array([[emb.row("man"), emb.row("king")]]), labels=False)
    sv.relayout_labels()
    assert {"queen", "prince", "daughter"} <= set(sv.shown_labels)
    assert set(sv.overlay_names) == {"neighbours", "analogy"}
    sv.remove_overlay("neighbours")
    sv.relayout_labels()
    assert "prince" not in sv.shown_labels
    # Labels for all points in view never overlap and stay under the cap.
    sv.set_labels_in_view(True)
    sv.relayout_labels()
    boxes = sv.label_boxes()
    assert 10 < len(boxes) <= 150 + 5
    assert len(boxes) == len(sv.shown_labels)
    # Two label boxes never overlap.
    overlaps = sum(a.intersects(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert overlaps == 0


def test_dark_theme_changes_background(explorer):
    explorer.set_theme("dark")
    assert explorer.scatter.theme == "dark"
    img = explorer.scatter.plot_widget.grab().toImage()
    c = img.pixelColor(img.width() - 5, 5)
    assert c.lightness() < 60
    explorer.set_theme("light")
    img = explorer.scatter.plot_widget.grab().toImage()
    assert img.pixelColor(img.width() - 5, 5).lightness() > 200


def test_toolbar_controls_drive_the_view(explorer, qtbot):
    sv = explorer.scatter
    explorer.lasso_action.trigger()
    assert sv.drag_mode == "lasso"
    explorer.box_action.trigger()
    assert sv.drag_mode == "box"
    explorer.pan_action.trigger()
    assert sv.drag_mode == "pan"
    explorer.size_spin.setValue(9)
    assert sv.point_size == 9
    explorer.aspect_action.setChecked(True)
    assert sv.view_box.state["aspectLocked"] == 1.0
    explorer.labels_action.setChecked(True)
    assert sv.labels_in_view
    explorer.dark_action.setChecked(True)
    assert sv.theme == "dark"
    explorer.set_color_by(None)
    assert sv.color_mapping is None and not explorer.legend.isVisible()


def test_big_set_path_fills_everything_in_later_slices(qtbot, glove_set, monkeypatch):
    import embexplorer._qt.widgets.explorer as explorer_mod

    monkeypatch.setattr(explorer_mod, "DEFER_SETUP_MIN", 0)  # take the >= 200k-point path at 5k
    emb, pca = glove_set
    ex = ExplorerWidget()
    qtbot.addWidget(ex)
    ex.resize(900, 600)
    ex.show()
    ex.set_data(emb, pca.xy(0, 1), pca.axis_label(0), pca.axis_label(1))
    assert ex.scatter.n == emb.n  # the points are there at once...
    assert ex.table.model.rowCount() == 0  # ...the table follows in a later slice
    qtbot.waitUntil(lambda: ex.table.model.rowCount() == emb.n, timeout=3000)
    assert ex.scatter.color_mapping is not None and ex.color_combo.currentText() == "kind"
    assert "5,050 points" in ex.status_text()


def test_big_set_colours_wait_for_the_first_paint_of_the_points(qtbot, glove_set, monkeypatch):
    """The one-colour picture is painted in a slice of its own and the colours come after it (a timer
    alone fired before the first paint at 3M points and put both in one 266 ms slice)."""
    import embexplorer._qt.widgets.explorer as explorer_mod

    monkeypatch.setattr(explorer_mod, "DEFER_SETUP_MIN", 0)
    monkeypatch.setattr(explorer_mod, "FIRST_PAINT_WAIT_MS", 60_000)  # only the paint may start them
    emb, pca = glove_set
    ex = ExplorerWidget()
    qtbot.addWidget(ex)
    ex.resize(900, 600)
    ex.set_data(emb, pca.xy(0, 1), pca.axis_label(0), pca.axis_label(1))  # not on screen: no paint yet
    qtbot.wait(10 * explorer_mod.DEFER_SETUP_MS)
    assert ex.scatter.color_mapping is None and ex.table.model.rowCount() == 0
    painted = []

    class Watch(QtCore.QObject):
        def eventFilter(self, obj, event):  # noqa: N802 (Qt API)
            if event.type() == QtCore.QEvent.Type.Paint:
                painted.append(ex.scatter.color_mapping)  # the colouring when the plot paints
            return False

    watch = Watch()
    ex.scatter.plot_widget.viewport().installEventFilter(watch)
    ex.show()
    qtbot.waitUntil(lambda: ex.table.model.rowCount() == emb.n, timeout=3000)
    assert painted and painted[0] is None  # the first paint showed the points in one colour...
    assert ex.scatter.color_mapping is not None and ex.color_combo.currentText() == "kind"  # ...then colours
