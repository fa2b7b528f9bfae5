"""ScatterView driven like a user: hover, click, box, lasso, LOD switch (real GloVe data)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.widgets.scatter import PICK_RADIUS_PX, ScatterView
from embexplorer.core.analysis.pca import fit_pca
from tests.gui_helpers import shown_scatter

VIEW_W, VIEW_H = 900, 650


def _read_glove(path):
    labels, rows = [], []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split(" ")
            labels.append(parts[0])
            rows.append([float(v) for v in parts[1:]])
    return labels, np.asarray(rows, dtype=np.float32)


@pytest.fixture(scope="module")
def glove_xy(glove_path):
    labels, vecs = _read_glove(glove_path)
    pca = fit_pca(vecs, n_components=2)
    return labels, pca.xy(0, 1), pca


@pytest.fixture
def view(qtbot, glove_xy, monkeypatch):
    import pyqtgraph as pg

    # Synthetic events arrive faster than pyqtgraph's 100/s move rate limit.
    monkeypatch.setitem(pg.CONFIG_OPTIONS, "mouseRateLimit", -1)
    labels, xy, pca = glove_xy
    v = shown_scatter(qtbot, VIEW_W, VIEW_H)
    v.set_points(xy, labels)
    v.set_axis_labels(pca.axis_label(0), pca.axis_label(1))
    QtWidgets.QApplication.processEvents()
    return v


def _pixels(view: ScatterView) -> np.ndarray:
    """Viewport pixel coordinates of every point (independent of the hit-test code)."""
    view.view_box.updateMatrix()
    tr = view.view_box.childGroup.sceneTransform() * view.plot_widget.viewportTransform()
    x, y = view.xy[:, 0].astype(float), view.xy[:, 1].astype(float)
    return np.column_stack([tr.m11() * x + tr.m21() * y + tr.m31(), tr.m12() * x + tr.m22() * y + tr.m32()])


def _send(view, etype, pos, button=QtCore.Qt.MouseButton.NoButton,
          buttons=QtCore.Qt.MouseButton.NoButton, mods=QtCore.Qt.KeyboardModifier.NoModifier):
    vp = view.plot_widget.viewport()
    p = QtCore.QPointF(float(pos[0]), float(pos[1]))
    ev = QtGui.QMouseEvent(etype, p, vp.mapToGlobal(p), button, buttons, mods)
    QtWidgets.QApplication.sendEvent(vp, ev)


def _move(view, pos, buttons=QtCore.Qt.MouseButton.NoButton, mods=QtCore.Qt.KeyboardModifier.NoModifier):
    _send(view, QtCore.QEvent.Type.MouseMove, pos, buttons=buttons, mods=mods)


def _click(view, pos, mods=QtCore.Qt.KeyboardModifier.NoModifier):
    left = QtCore.Qt.MouseButton.LeftButton
    _move(view, pos, mods=mods)
    _send(view, QtCore.QEvent.Type.MouseButtonPress, pos, left, left, mods)
    _send(view, QtCore.QEvent.Type.MouseButtonRelease, pos, left, QtCore.Qt.MouseButton.NoButton, mods)
    QtWidgets.QApplication.processEvents()


def _drag(view, path, mods=QtCore.Qt.KeyboardModifier.NoModifier):
    left = QtCore.Qt.MouseButton.LeftButton
    _move(view, path[0], mods=mods)
    _send(view, QtCore.QEvent.Type.MouseButtonPress, path[0], left, left, mods)
    for p in path[1:]:
        _move(view, p, buttons=left, mods=mods)
    _send(view, QtCore.QEvent.Type.MouseButtonRelease, path[-1], left, QtCore.Qt.MouseButton.NoButton, mods)
    QtWidgets.QApplication.processEvents()


def _nearest_pixel(pix, pos, radius=PICK_RADIUS_PX):
    d = np.hypot(pix[:, 0] - pos[0], pix[:, 1] - pos[1])
    k = int(np.argmin(d))
    return k if d[k] <= radius else -1


def _isolated_rows(pix, count, rng, min_gap=6.0):
    """Rows whose nearest other point is at least ``min_gap`` pixels away (unambiguous to hit)."""
    vp = np.array([VIEW_W * 0.15, VIEW_H * 0.15, VIEW_W * 0.8, VIEW_H * 0.8])
    inside = np.flatnonzero((pix[:, 0] > vp[0]) & (pix[:, 0] < vp[2])
                            & (pix[:, 1] > vp[1]) & (pix[:, 1] < vp[3]))
    out = []
    for r in rng.permutation(inside):
        d = np.hypot(pix[:, 0] - pix[r, 0], pix[:, 1] - pix[r, 1])
        d[r] = np.inf
        if d.min() >= min_gap:
            out.append(int(r))
            if len(out) == count:
                break
    assert len(out) == count
    return out


def test_hover_shows_the_label_under_the_cursor(view, qtbot, glove_xy):
    labels = glove_xy[0]
    pix = _pixels(view)
    rng = np.random.default_rng(0)
    seen = []
    view.point_hovered.connect(seen.append)
    for r in _isolated_rows(pix, 5, rng):
        pos = pix[r] + (1.5, -1.0)
        _move(view, pos)
        expect = _nearest_pixel(pix, pos)
        assert expect == r
        assert view.hovered_row == r
        assert view.tooltip_text.splitlines()[0] == labels[r]
        assert seen[-1] == r
    # Far from every point: nothing hovered, tooltip hidden.
    empty = np.array([VIEW_W - 30, 30])
    if _nearest_pixel(pix, empty) < 0:
        _move(view, empty)
        assert view.hovered_row == -1 and view.tooltip_text == ""


def test_hover_matches_brute_force_pixel_search(view):
    pix = _pixels(view)
    rng = np.random.default_rng(1)
    vpr = view.view_box.sceneBoundingRect()
    checked = 0
    for _ in range(80):
        pos = np.array([rng.uniform(vpr.left() + 5, vpr.right() - 5),
                        rng.uniform(vpr.top() + 5, vpr.bottom() - 5)])
        d = np.sort(np.hypot(pix[:, 0] - pos[0], pix[:, 1] - pos[1]))
        if abs(d[0] - PICK_RADIUS_PX) < 0.05 or (d[1] - d[0]) < 0.05:
            continue  # ties and the radius edge are float-ambiguous
        _move(view, pos)
        assert view.hovered_row == _nearest_pixel(pix, pos)
        checked += 1
    assert checked > 60


def test_click_shift_ctrl_and_escape(view, qtbot):
    pix = _pixels(view)
    a, b = _isolated_rows(pix, 2, np.random.default_rng(2))
    clicked = []
    view.point_clicked.connect(clicked.append)
    _click(view, pix[a])
    assert view.selection.rows.tolist() == [a] and clicked == [a]
    _click(view, pix[b], QtCore.Qt.KeyboardModifier.ShiftModifier)
    assert view.selection.rows.tolist() == sorted([a, b])
    _click(view, pix[a], QtCore.Qt.KeyboardModifier.ControlModifier)
    assert view.selection.rows.tolist() == [b]
    _click(view, pix[a], QtCore.Qt.KeyboardModifier.ControlModifier)
    assert view.selection.rows.tolist() == sorted([a, b])
    view.plot_widget.setFocus()
    qtbot.keyClick(view.plot_widget, QtCore.Qt.Key.Key_Escape)
    assert view.selection.count == 0


def _edge_band_ok(mask_got, mask_expect, ambiguous):
    clear = ~ambiguous
    np.testing.assert_array_equal(mask_got[clear], mask_expect[clear])


def test_box_select_matches_numpy_mask(view):
    pix = _pixels(view)
    view.set_drag_mode("box")
    p0 = np.array([VIEW_W * 0.35, VIEW_H * 0.3])
    p1 = np.array([VIEW_W * 0.6, VIEW_H * 0.65])
    _drag(view, [p0, (p0 + p1) / 2, p1])
    lo, hi = np.minimum(p0, p1), np.maximum(p0, p1)
    expect = np.all((pix >= lo) & (pix <= hi), axis=1)
    ambiguous = np.any((np.abs(pix - lo) < 0.5) | (np.abs(pix - hi) < 0.5), axis=1)
    assert 20 < expect.sum() < len(pix) - 20
    _edge_band_ok(view.selection.mask, expect, ambiguous)
    # Shift + box adds a second region; Ctrl + the same box toggles it off again.
    first = view.selection.mask.copy()
    q0, q1 = np.array([VIEW_W * 0.62, VIEW_H * 0.2]), np.array([VIEW_W * 0.8, VIEW_H * 0.5])
    _drag(view, [q0, q1], QtCore.Qt.KeyboardModifier.ShiftModifier)
    second = np.all((pix >= q0) & (pix <= q1), axis=1)
    amb2 = ambiguous | np.any((np.abs(pix - q0) < 0.5) | (np.abs(pix - q1) < 0.5), axis=1)
    _edge_band_ok(view.selection.mask, first | second, amb2)
    _drag(view, [q0, q1], QtCore.Qt.KeyboardModifier.ControlModifier)
    _edge_band_ok(view.selection.mask, first & ~second, amb2)


def _point_in_poly(pts, poly):
    inside = np.zeros(len(pts), dtype=bool)
    for (xa, ya), (xb, yb) in zip(poly, np.roll(poly, -1, axis=0)):
        crosses = (ya > pts[:, 1]) != (yb > pts[:, 1])
        with np.errstate(divide="ignore", invalid="ignore"):
            xc = xa + (pts[:, 1] - ya) * (xb - xa) / (yb - ya)
        inside ^= crosses & (pts[:, 0] < xc)
    return inside


def _dist_to_edges(pts, poly):
    d = np.full(len(pts), np.inf)
    for a, b in zip(poly, np.roll(poly, -1, axis=0)):
        ab = b - a
        t = np.clip(((pts - a) @ ab) / max(ab @ ab, 1e-12), 0, 1)
        d = np.minimum(d, np.hypot(*(pts - (a + t[:, None] * ab)).T))
    return d


def test_lasso_select_matches_numpy_mask(view):
    pix = _pixels(view)
    view.set_drag_mode("lasso")
    c = np.array([VIEW_W * 0.5, VIEW_H * 0.45])
    ang = np.linspace(0, 2 * np.pi, 25)[:-1]
    rad = np.where(np.arange(24) % 2 == 0, 170, 80)  # a star: concave on purpose
    poly = c + np.column_stack([np.cos(ang) * rad, np.sin(ang) * rad])
    _drag(view, list(poly))
    expect = _point_in_poly(pix, poly)
    assert 20 < expect.sum() < len(pix) - 20
    _edge_band_ok(view.selection.mask, expect, _dist_to_edges(pix, poly) < 0.5)


def test_hidden_points_are_not_hovered_or_selected(view, glove_xy):
    from embexplorer.core.data.embeddings import MetadataColumn

    labels = glove_xy[0]
    col = MetadataColumn.categorical("initial", [lab[0] if lab[0].isalpha() else "" for lab in labels])
    mapping = view.set_color_by(col)
    pix = _pixels(view)
    r = _isolated_rows(pix, 1, np.random.default_rng(5))[0]
    entry = int(mapping.index[r])
    view.set_entry_visible(entry, False)
    _move(view, pix[r])
    assert view.hovered_row != r
    view.select_rect(-1e9, -1e9, 1e9, 1e9)
    assert not np.any(view.selection.mask & (mapping.index == entry))
    assert view.selection.count == int((mapping.index != entry).sum())


def _render(view) -> np.ndarray:
    img = view.plot_widget.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    arr = np.frombuffer(img.constBits(), dtype=np.uint32, count=img.width() * img.height())
    return arr.reshape(img.height(), img.width()).copy()


def _dilate(mask, r):
    out = mask.copy()
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            out |= np.roll(np.roll(mask, dy, axis=0), dx, axis=1)
    return out


@pytest.mark.parametrize("size", [3, 6])
def test_lod_raster_and_vector_show_the_same_points(view, size):
    view.set_point_size(size)
    layer = view.base_layer
    layer.setVisible(False)
    empty = _render(view)
    layer.setVisible(True)
    layer.force_mode("raster")
    raster = _render(view)
    assert layer.last_mode == "raster"
    layer.force_mode("vector")
    vector = _render(view)
    assert layer.last_mode == "vector"
    layer.force_mode(None)
    m_r = raster != empty
    m_v = vector != empty
    assert m_r.sum() > 1000 and m_v.sum() > 1000
    # Same points in the same places: each mask lies within 2 px of the other.
    tol = max(2, size // 2)
    assert (m_r & ~_dilate(m_v, tol)).sum() <= 0.002 * m_r.sum()
    assert (m_v & ~_dilate(m_r, tol)).sum() <= 0.002 * m_v.sum()
    # A deliberately shifted raster would fail this comparison.
    shifted = np.roll(m_r, 8, axis=1)
    assert (shifted & ~_dilate(m_v, tol)).sum() > 0.05 * m_r.sum()


def test_lod_switches_with_zoom_and_hysteresis(view):
    layer = view.base_layer
    layer.lod.enter, layer.lod.exit = 1000, 2000  # scaled to the 5k-point set
    layer.lod.reset()
    layer.force_mode(None)  # invalidates the cached image: the next paint decides afresh
    view.zoom_to_fit()
    view.plot_widget.viewport().repaint()
    assert layer.last_mode == "raster" and layer.last_in_view == view.n
    vb = view.view_box
    vb.scaleBy((0.1, 0.1))
    view.plot_widget.viewport().repaint()
    assert layer.last_in_view <= 1000 and layer.last_mode == "vector"
    # Zoom out step by step: vector holds through the hysteresis band, raster beyond it.
    in_band = 0
    for _ in range(60):
        vb.scaleBy((1.08, 1.08))
        view.plot_widget.viewport().repaint()
        if layer.last_in_view > 2000:
            assert layer.last_mode == "raster"
            break
        assert layer.last_mode == "vector"
        in_band += layer.last_in_view > 1000
    else:
        pytest.fail("never zoomed out past the exit threshold")
    assert in_band > 0
    # Zoom back in a little: still raster until at most 1000 points are in view.
    vb.scaleBy((0.9, 0.9))
    view.plot_widget.viewport().repaint()
    assert layer.last_in_view > 1000 and layer.last_mode == "raster"


def test_hover_while_the_index_builds_in_the_background(view, glove_xy, monkeypatch):
    import embexplorer._qt.widgets.scatter_hover as hover_mod

    labels, xy, _ = glove_xy
    monkeypatch.setattr(hover_mod, "INDEX_THREAD_MIN", 0)  # force the threaded path at 5k points
    view.set_points(xy, labels)
    pix = _pixels(view)
    rows = _isolated_rows(pix, 3, np.random.default_rng(7))
    for r in rows:  # answered by the brute-force scan or the index, whichever is there
        _move(view, pix[r])
        assert view.hovered_row == r
    assert view.wait_for_index(10)
    for r in rows:
        _move(view, pix[r] + (0.5, 0.5))
        assert view.hovered_row == r


def test_hover_index_builds_on_the_views_task_runner_after_a_delay_and_drops_stale_builds(
        view, glove_xy, monkeypatch, qtbot):
    import embexplorer._qt.widgets.scatter_hover as hover_mod
    from embexplorer._qt.workers import TaskRunner

    labels, xy, _ = glove_xy
    monkeypatch.setattr(hover_mod, "INDEX_THREAD_MIN", 0)  # the background path at 5k points
    hover = view.findChild(hover_mod.HoverIndex)
    runner = hover.findChild(TaskRunner)
    assert runner in view.findChildren(TaskRunner)  # what the window's shutdown_tasks ends
    view.set_points(xy, labels)
    assert not hover.ready and not runner.is_running(hover_mod.INDEX_TASK_KIND)  # after the first paint
    qtbot.waitUntil(lambda: hover.ready, timeout=5000)  # built by the runner after INDEX_DELAY_MS

    real = hover_mod.GridIndex.from_columns
    release = QtCore.QSemaphore()

    def held_build(x, y):  # the first build waits until released: a newer set arrives meanwhile
        if x[0] == xy[0, 0]:
            release.tryAcquire(1, 5000)
        return real(x, y)

    monkeypatch.setattr(hover_mod.GridIndex, "from_columns", held_build)
    view.set_points(xy, labels)
    assert view.wait_for_index(0) is False  # started now, still held
    moved = xy + np.float32(1000.0)  # no point where the old index has one
    view.set_points(moved, labels, keep_view=True)
    assert view.wait_for_index(10)
    release.release()
    qtbot.waitUntil(lambda: runner.active_threads() == 0, timeout=5000)
    QtWidgets.QApplication.processEvents()  # the stale index arrives now, and is dropped
    rows = [0, 17, 1234]
    assert [view.row_at(*moved[r]) for r in rows] == rows
    assert hover.ready


def test_hover_and_overlays_do_not_re_rasterise_and_pan_paints_once(view):
    layer = view.base_layer
    vp = view.plot_widget.viewport()
    vp.repaint()
    renders = layer.render_count
    pix = _pixels(view)
    for r in _isolated_rows(pix, 4, np.random.default_rng(8)):
        _move(view, pix[r])
        vp.repaint()
    view.set_overlay("neighbours", [1, 2, 3])
    view.set_focus_row(5, center=False)
    vp.repaint()
    assert layer.render_count == renders  # only the cached image was drawn again
    # One pan step = one paint and one rasterisation: the matrix is updated on
    # sigRangeChanged, so pyqtgraph does not paint once with the stale matrix first.
    view.clear_overlays()
    view.set_focus_row(-1)
    for _ in range(5):
        QtWidgets.QApplication.processEvents()
        QtCore.QThread.msleep(20)
    renders, paints = layer.render_count, layer.paint_count
    view.view_box.translateBy(x=0.01)
    for _ in range(5):  # let any second (stale-matrix) paint happen too
        QtWidgets.QApplication.processEvents()
        QtCore.QThread.msleep(20)
    assert layer.render_count == renders + 1
    assert layer.paint_count == paints + 1


def test_non_finite_points_are_skipped(view, glove_xy):
    labels, xy, _ = glove_xy
    bad = xy.copy()
    bad[::7] = np.nan
    bad[3] = (np.inf, 0)
    view.set_points(bad, labels)
    ok = np.isfinite(bad).all(axis=1)
    layer = view.base_layer
    for mode in ("raster", "vector"):
        layer.force_mode(mode)
        view.plot_widget.viewport().repaint()
        assert layer.last_in_view == int(ok.sum())
    layer.force_mode(None)
    view.select_rect(-1e30, -1e30, 1e30, 1e30)
    np.testing.assert_array_equal(view.selection.mask, ok)
    pix = _pixels(view)
    r = _isolated_rows(np.where(ok[:, None], pix, -1e9), 1, np.random.default_rng(9))[0]
    _move(view, pix[r])
    assert view.hovered_row == r


@pytest.mark.parametrize("mode", ["replace", "add", "toggle", "remove"])
def test_selection_model_big_and_small_paths_agree(qtbot, mode):
    from embexplorer._qt.widgets.selection import MASK_COMBINE_MIN, SelectionModel
    from embexplorer.core.view.scatter_math import combine_selection

    n = 3 * MASK_COMBINE_MIN
    rng = np.random.default_rng(10)
    start = np.unique(rng.integers(0, n, MASK_COMBINE_MIN))
    for size in (10, 2 * MASK_COMBINE_MIN):  # small: sorted set ops; big: boolean masks
        rows = rng.integers(0, n, size)
        model = SelectionModel(n)
        model.replace(start)
        with qtbot.waitSignal(model.changed):
            model.apply(rows, mode)
        expect = combine_selection(start, rows, mode)
        assert model.rows.tolist() == expect.tolist()
        np.testing.assert_array_equal(np.flatnonzero(model.mask), expect)
    with pytest.raises(IndexError):
        model.apply([n], "add")
