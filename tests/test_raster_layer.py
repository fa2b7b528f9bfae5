"""The raster engine behind the scatter: the chunked, two-thread splat against a plain numpy splat, and a
pan that moves the last raster by whole pixels (no new raster) while a zoom draws anew (real GloVe data)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtGui, QtWidgets

import embexplorer.core.view.splat as splat_mod
from embexplorer.core.analysis.pca import fit_pca
from embexplorer.core.data.formats import load
from embexplorer.core.view.splat import Splatter, corner_pixels, spatial_order
from tests.gui_helpers import shown_scatter

VIEW_W, VIEW_H = 700, 500
#: Copies of the GloVe map (jittered) so pixels collect several points and colours compete.
COPIES = 8
SEED = 11


@pytest.fixture(scope="module")
def glove_map(glove_path):
    emb = load(glove_path)
    xy = fit_pca(emb.vectors, n_components=2).xy(0, 1)
    return list(emb.labels), np.ascontiguousarray(xy, dtype=np.float32)


def _raster_view(qtbot, labels, xy):
    """A shown scatter of ``xy`` forced to draw rasters: (view, its base layer, the viewport), after one
    repaint."""
    view = shown_scatter(qtbot, VIEW_W, VIEW_H)
    view.set_points(xy, labels)
    QtWidgets.QApplication.processEvents()
    layer = view.base_layer
    layer.force_mode("raster")
    vp = view.plot_widget.viewport()
    vp.repaint()
    return view, layer, vp


def _plain_splat(x, y, cidx, affine, w, h, box=None, visible=None):
    """The splat written the obvious way: cull, truncate, count, last write wins."""
    keep = np.ones(len(x), dtype=bool)
    if box is not None:
        keep = (x >= box[0]) & (x <= box[1]) & (y >= box[2]) & (y <= box[3])
    if visible is not None:
        keep &= visible
    x, y, cidx = x[keep], y[keep], cidx[keep]
    sx, sy, ox, oy = (np.float32(v) for v in affine)
    ix = (x * sx + ox).astype(np.int64)
    iy = (y * sy + oy).astype(np.int64)
    ok = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
    lin = iy[ok] * w + ix[ok]
    code = np.zeros(w * h, dtype=np.uint16)
    code[lin] = cidx[ok]
    return np.bincount(lin, minlength=w * h), code


@pytest.mark.parametrize("threads", [False, True])
def test_chunked_threaded_splat_equals_the_plain_splat(glove_map, monkeypatch, threads):
    _, xy = glove_map
    rng = np.random.default_rng(SEED)
    pts = np.vstack([xy + rng.normal(0, 0.02, xy.shape).astype(np.float32) for _ in range(COPIES)])
    pts[::97] = np.nan  # a failed projection's rows: never drawn
    x, y = np.ascontiguousarray(pts[:, 0]), np.ascontiguousarray(pts[:, 1])
    cidx = rng.integers(0, 20, len(x)).astype(np.uint16)
    visible = rng.random(len(x)) > 0.1
    monkeypatch.setattr(splat_mod, "SPLAT_CHUNK", 1000)  # many chunks, and a partial last one
    monkeypatch.setattr(splat_mod, "SPLIT_MIN", 0 if threads else 10 ** 9)
    monkeypatch.setattr(splat_mod, "SPLIT_THREADS", 2)
    w, h = 301, 203
    finite = np.isfinite(x)
    x0, x1, y0, y1 = x[finite].min(), x[finite].max(), y[finite].min(), y[finite].max()
    affine = (0.6 * w / (x1 - x0), -0.6 * h / (y1 - y0), 0.5 * w + 0.37, 0.5 * h + 0.61)  # zoomed in
    box = ((0 - affine[2]) / affine[0], (w - affine[2]) / affine[0],
           (h - affine[3]) / affine[1], (0 - affine[3]) / affine[1])
    sp = Splatter()
    order = spatial_order(x, y, cells=64)
    for kwargs in (dict(box=box), dict(box=box, visible=visible), dict(box=box, order=order),
                   dict(box=box, visible=visible, order=order)):
        counts = sp.splat(x, y, cidx, affine, w, h, **kwargs)
        kwargs.pop("order", None)
        ref_counts, ref_code = _plain_splat(x, y, cidx, affine, w, h, **kwargs)
        np.testing.assert_array_equal(counts, ref_counts)
        hit = np.flatnonzero(ref_counts)
        assert len(hit) > 1000 and ref_counts.max() > 3  # crowded: the winner colour matters
        np.testing.assert_array_equal(sp.entries(hit), ref_code[hit])
    # Everything inside the buffer: the corner test says so and the unchecked splat is the same.
    ok = np.isfinite(x)
    xs, ys, cs = x[ok], y[ok], cidx[ok]
    fit = (0.9 * w / (x1 - x0), -0.9 * h / (y1 - y0), 0.05 * w - 0.9 * w * x0 / (x1 - x0),
           0.05 * h + 0.9 * h * y1 / (y1 - y0))
    ix0, ix1, iy0, iy1 = corner_pixels(x0, x1, y0, y1, fit)
    assert 0 <= ix0 <= ix1 < w and 0 <= iy0 <= iy1 < h
    ref_counts, ref_code = _plain_splat(xs, ys, cs, fit, w, h)
    hit = np.flatnonzero(ref_counts)
    for order in (None, spatial_order(xs, ys)):
        counts = sp.splat(xs, ys, cs, fit, w, h, inside=True, order=order)
        np.testing.assert_array_equal(counts, ref_counts)
        np.testing.assert_array_equal(sp.entries(hit), ref_code[hit])
    # The spatial order: every point once, column by column, draw order within a cell.
    order = spatial_order(x, y, cells=64)
    assert np.array_equal(np.sort(order.perm), np.arange(len(x)))
    lo, hi = order.rows_between(float(np.nanmedian(x)), float(np.nanmedian(x)))
    inside_cols = (x >= np.nanmedian(x)) & (x <= np.nanmedian(x))
    assert set(np.flatnonzero(inside_cols)) <= set(order.perm[lo:hi].tolist()) and hi - lo < len(x) / 8


def _grab(view) -> np.ndarray:
    img = view.plot_widget.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    arr = np.frombuffer(img.constBits(), dtype=np.uint32, count=img.width() * img.height())
    return arr.reshape(img.height(), img.width()).copy()


def _points_mask(view) -> np.ndarray:
    """Pixels the point layer paints (the same view grabbed without it is the background)."""
    with_points = _grab(view)
    view.base_layer.setVisible(False)
    empty = _grab(view)
    view.base_layer.setVisible(True)
    return with_points != empty


def _near(a: np.ndarray, b: np.ndarray, r: int) -> np.ndarray:
    """``a`` pixels within ``r`` pixels of a ``b`` pixel."""
    grown = b.copy()
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            grown |= np.roll(np.roll(b, dy, axis=0), dx, axis=1)
    return a & grown


def test_pan_moves_the_raster_by_whole_pixels_and_zoom_draws_anew(qtbot, glove_map):
    view, layer, vp = _raster_view(qtbot, *glove_map)
    renders = layer.render_count
    assert renders > 0 and layer.last_mode == "raster"
    vb = view.view_box
    (x0, x1), (y0, y1) = vb.viewRange()
    px = (x1 - x0) / vb.width()  # data units per pixel
    for step in (3.4, -7.7, 12.5):  # sub-pixel parts: the raster moves by the rounded offset
        vb.translateBy(x=step * px, y=0.6 * step * px)
        vp.repaint()
    assert layer.render_count == renders and layer.last_mode == "raster"
    assert layer.last_in_view == view.n  # every point still in view
    moved = _points_mask(view)
    layer.force_mode("raster")  # a fresh raster at this very view
    vp.repaint()
    assert layer.render_count == renders + 1
    fresh = _points_mask(view)
    assert fresh.sum() > 2000
    # Within a pixel of the fresh raster everywhere; a raster placed 3 px off is not.
    assert _near(moved, fresh, 1).sum() >= 0.999 * moved.sum()
    assert _near(fresh, moved, 1).sum() >= 0.999 * fresh.sum()
    off = np.roll(moved, 3, axis=1)
    assert _near(off, fresh, 1).sum() < 0.9 * off.sum()
    # A zoom is a new scale: a new raster. Panning the data half out of view: a new raster too.
    renders = layer.render_count
    vb.scaleBy((0.8, 0.8))
    vp.repaint()
    assert layer.render_count == renders + 1
    vb.translateBy(x=0.5 * (x1 - x0))
    vp.repaint()
    assert layer.render_count == renders + 2 and layer.last_in_view < view.n
    # Automatic level of detail: panning away from the points ends in crisp discs, not a moved raster.
    layer.force_mode(None)
    layer.lod.enter, layer.lod.exit = 1000, 2000
    layer.lod.reset()
    vp.repaint()
    assert layer.last_mode == "raster"
    for _ in range(6):
        vb.translateBy(x=0.25 * (x1 - x0))
        vp.repaint()
        QtWidgets.QApplication.processEvents()
    assert layer.last_in_view <= 1000 and layer.last_mode == "vector"


def test_spatially_sorted_set_paints_the_same_pixels(qtbot, glove_map, monkeypatch):
    import embexplorer._qt.widgets.raster_layer as raster_mod

    labels, xy = glove_map
    rng = np.random.default_rng(SEED)
    pts = np.vstack([xy + rng.normal(0, 0.02, xy.shape).astype(np.float32) for _ in range(COPIES)])
    codes = rng.integers(0, 12, len(pts)).astype(np.uint16)
    lut = (0xFF000000 | rng.integers(0, 0xFFFFFF, 12)).astype(np.uint32)
    shots = []
    for order_min in (10 ** 9, 0):
        monkeypatch.setattr(raster_mod, "ORDER_MIN", order_min)
        view = shown_scatter(qtbot, VIEW_W, VIEW_H)
        view.set_points(pts, labels * COPIES)
        layer = view.base_layer
        layer.set_colors(codes, lut)
        layer.force_mode("raster")
        assert layer.wait_spatial(10) == (order_min == 0)
        view.view_box.scaleBy((0.6, 0.6))  # zoomed in: the sorted columns are culled too
        QtWidgets.QApplication.processEvents()
        shots.append(_grab(view))
        view.close()
    assert (shots[0] != shots[0][0, 0]).sum() > 5000
    np.testing.assert_array_equal(shots[0], shots[1])


def test_zoom_of_a_big_set_previews_the_last_raster_then_draws_it_exactly(qtbot, glove_map, monkeypatch):
    import embexplorer._qt.widgets.raster_layer as raster_mod

    monkeypatch.setattr(raster_mod, "ZOOM_PREVIEW_MIN", 0)  # GloVe's 5k points count as "big"
    monkeypatch.setattr(raster_mod, "ZOOM_SETTLE_MS", 700)  # longer than any step below on a busy machine
    view, layer, vp = _raster_view(qtbot, *glove_map)
    renders = layer.render_count
    vb = view.view_box
    vb.scaleBy((0.97, 0.97))  # a zoom by the program (fit, resize, a screenshot): the exact raster
    vp.repaint()
    assert layer.render_count == renders + 1 and not layer.previewing
    renders = layer.render_count
    for f in (0.95, 0.9, 0.93):  # zoom steps of the wheel
        vb.scaleBy((f, f))
        vb.sigRangeChangedManually.emit(vb.state["mouseEnabled"])
        vp.repaint()
    QtWidgets.QApplication.processEvents()  # the axes take their new width (well before the settle timer)
    assert layer.render_count == renders and layer.previewing  # the last raster, scaled
    preview = _points_mask(view)
    qtbot.waitUntil(lambda: layer.render_count == renders + 1, timeout=5000)  # still: the exact raster
    assert not layer.previewing
    exact = _points_mask(view)
    assert exact.sum() > 2000
    # The preview puts the points where the exact raster does, within the scaling's 2 px.
    assert _near(preview, exact, 2).sum() >= 0.98 * preview.sum()
    assert _near(exact, preview, 2).sum() >= 0.95 * exact.sum()
    off = np.roll(preview, 6, axis=0)
    assert _near(off, exact, 2).sum() < 0.9 * off.sum()
    # Nothing is drawn outside the view while previewing a zoom in.
    vb.scaleBy((0.5, 0.5))
    vb.sigRangeChangedManually.emit(vb.state["mouseEnabled"])
    vp.repaint()
    assert layer.previewing
    outside = _points_mask(view)
    plot = view.plot_widget.getPlotItem().vb.sceneBoundingRect().toAlignedRect()
    inner = np.zeros_like(outside)
    inner[plot.top():plot.bottom() + 1, plot.left():plot.right() + 1] = True
    assert outside.any() and not (outside & ~inner).any()
