"""Points sized by a numeric column: core binning, raster and vector drawing, hover, export, real counts."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.widgets.export import render_image
from embexplorer._qt.widgets.raster_layer import KEY_CODES, MAX_POINT_SIZE
from embexplorer._qt.widgets.scatter import PICK_RADIUS_PX, ScatterView
from embexplorer.core.view.scatter_math import SIZE_CLASSES, SIZE_MAX_PX, SIZE_MAX_SCALE, size_classes
from tests.gui_helpers import shown_scatter

VIEW_W, VIEW_H = 700, 500
#: Background points (many: the raster case really rasterises a crowd).
N_CROWD = 100_000
#: Half-width (pixels) of the window around a probe point whose painted pixels are counted.
PROBE_WINDOW = 20
SEED = 3


# ---------------------------------------------------------------------------
# core
# ---------------------------------------------------------------------------
def test_size_classes_are_monotonic_in_the_value_with_sqrt_sizes():
    rng = np.random.default_rng(SEED)
    values = rng.lognormal(2.0, 1.5, 5000)  # long tail, like rating counts
    classes, sizes = size_classes(values, 4)
    assert classes.dtype == np.uint8 and classes.shape == values.shape
    assert len(sizes) == SIZE_CLASSES
    order = np.argsort(values, kind="stable")
    assert np.all(np.diff(classes[order].astype(int)) >= 0)
    # Quantile bins: every class is used, with roughly equal counts despite the tail.
    counts = np.bincount(classes, minlength=SIZE_CLASSES)
    assert counts.min() > 0.8 * len(values) / SIZE_CLASSES
    assert sizes[0] == 4 and list(sizes) == sorted(sizes)
    assert sizes[-1] == round(4 * SIZE_MAX_SCALE)
    # Area (diameter squared) grows about linearly with the class.
    areas = np.asarray(sizes, float) ** 2
    steps = np.diff(areas)
    assert steps.max() < 2.0 * steps.min()


def test_size_classes_ties_nan_and_caps():
    values = np.array([5.0, np.nan, 1.0, 1.0, 1.0, 1.0, 9.0, 3.0, np.inf, 5.0])
    classes, sizes = size_classes(values, 10)
    assert classes[1] == 0 and classes[8] == 0  # NaN / inf: smallest
    assert set(classes[[2, 3, 4, 5]]) == {0}  # the (tied) minimum is class 0
    assert classes[0] == classes[9]  # equal values share a class
    assert classes[6] == classes.max() == SIZE_CLASSES - 1
    assert max(sizes) == SIZE_MAX_PX == MAX_POINT_SIZE  # 10 * 3 capped at the raster limit
    big, big_sizes = size_classes(values, 100)
    assert set(big_sizes) == {SIZE_MAX_PX}
    none, none_sizes = size_classes(np.full(6, np.nan), 4)
    assert not none.any() and none_sizes[0] == 4
    same, _ = size_classes(np.full(6, 7.0), 4)
    assert not same.any()
    one, one_sizes = size_classes(values, 4, n_classes=1)
    assert not one.any() and one_sizes == (4,)


# ---------------------------------------------------------------------------
# GUI
# ---------------------------------------------------------------------------
def _probe_data(n_crowd: int):
    """A crowd in the unit square, plus three isolated probes right of it: big value, min value, NaN."""
    rng = np.random.default_rng(SEED)
    crowd = rng.uniform(0, 1, (n_crowd, 2))
    probes = np.array([[2.0, 0.2], [2.0, 0.5], [2.0, 0.8]])
    xy = np.vstack([crowd, probes]).astype(np.float32)
    values = np.concatenate([rng.uniform(1, 100, n_crowd), [1e6, 0.0, np.nan]])
    labels = [f"p{i}" for i in range(len(xy))]
    rows = {"big": n_crowd, "small": n_crowd + 1, "nan": n_crowd + 2}
    return xy, values, labels, rows


def _make_view(qtbot, n_crowd: int, point_size: int = 4):
    xy, values, labels, rows = _probe_data(n_crowd)
    v = shown_scatter(qtbot, VIEW_W, VIEW_H)
    v.set_point_size(point_size)
    v.set_points(xy, labels)
    QtWidgets.QApplication.processEvents()
    return v, values, rows


def _render(view) -> np.ndarray:
    img = view.plot_widget.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    arr = np.frombuffer(img.constBits(), dtype=np.uint32, count=img.width() * img.height())
    return arr.reshape(img.height(), img.width()).copy()


def _pixel(view, row: int) -> tuple[int, int]:
    """Viewport pixel of a point (independent of the drawing code)."""
    view.view_box.updateMatrix()
    tr = view.view_box.childGroup.sceneTransform() * view.plot_widget.viewportTransform()
    p = tr.map(QtCore.QPointF(float(view.xy[row, 0]), float(view.xy[row, 1])))
    return int(round(p.x())), int(round(p.y()))


def _covered(img: np.ndarray, empty: np.ndarray, view, row: int, scale: float = 1.0) -> int:
    """Painted pixels in a window around ``row``'s point."""
    px, py = _pixel(view, row)
    px, py, r = int(round(px * scale)), int(round(py * scale)), int(PROBE_WINDOW * scale)
    win = (slice(py - r, py + r + 1), slice(px - r, px + r + 1))
    return int((img[win] != empty[win]).sum())


@pytest.mark.parametrize(("mode", "n_crowd"), [("raster", N_CROWD), ("vector", 2000)])
def test_large_values_cover_more_pixels_and_none_restores_uniform(qtbot, mode, n_crowd):
    view, values, rows = _make_view(qtbot, n_crowd)
    layer = view.base_layer
    layer.force_mode(mode)
    layer.setVisible(False)
    empty = _render(view)
    layer.setVisible(True)
    uniform = _render(view)
    assert layer.last_mode == mode and layer.last_in_view == view.n
    u_big = _covered(uniform, empty, view, rows["big"])
    u_small = _covered(uniform, empty, view, rows["small"])
    assert u_big > 0 and abs(u_big - u_small) <= 0.25 * u_small  # uniform: same size

    view.set_size_by(values)
    sized = _render(view)
    assert layer.last_mode == mode
    _, sizes = layer.size_classes
    big = _covered(sized, empty, view, rows["big"])
    small = _covered(sized, empty, view, rows["small"])
    nan = _covered(sized, empty, view, rows["nan"])
    assert view.point_sizes[rows["big"]] == sizes[-1] > sizes[0] == view.point_sizes[rows["small"]]
    # Diameter 12 vs 4 px: about nine times the area (the octagon / antialiased rim cost a little).
    assert big >= 5 * small, (big, small)
    assert big >= 0.6 * sizes[-1] ** 2
    # The small probe and the NaN probe are drawn at the plain point size, as before.
    assert abs(small - u_small) <= 0.25 * u_small
    assert abs(nan - small) <= 0.25 * small
    assert view.point_sizes[rows["nan"]] == view.point_size
    # Same colour and density shading as the uniform drawing at each probe's centre (a 4 px
    # vector sprite is mostly antialiased rim, so there only the unchanged sizes compare).
    for key in ("big", "small", "nan") if mode == "raster" else ("small", "nan"):
        px, py = _pixel(view, rows[key])
        assert sized[py, px] == uniform[py, px] != empty[py, px]

    view.set_size_by(None)
    assert view.size_values is None and layer.size_classes == (None, None)
    restored = _render(view)
    assert np.array_equal(restored, uniform)  # pixel-identical to never having sized the points


def test_raster_sizes_with_more_colours_than_16_bit_keys(qtbot):
    view, values, rows = _make_view(qtbot, 5000)
    layer = view.base_layer
    rng = np.random.default_rng(SEED)
    n_colors = KEY_CODES + 500
    lut = (0xFF000000 | rng.integers(0, 0xFFFFFF, n_colors)).astype(np.uint32)
    index = rng.integers(0, n_colors, view.n).astype(np.uint16)
    index[[rows["big"], rows["small"]]] = n_colors - 1  # beyond the key range: the ARGB fallback
    layer.force_mode("raster")
    layer.set_colors(index, lut)
    layer.setVisible(False)
    empty = _render(view)
    layer.setVisible(True)
    view.set_size_by(values)
    sized = _render(view)
    big = _covered(sized, empty, view, rows["big"])
    small = _covered(sized, empty, view, rows["small"])
    assert small > 0 and big >= 5 * small


def test_point_size_change_recomputes_classes_and_new_points_drop_them(qtbot):
    view, values, rows = _make_view(qtbot, 500)
    view.set_size_by(values)
    classes, sizes = view.base_layer.size_classes
    view.set_point_size(8)
    classes8, sizes8 = view.base_layer.size_classes
    assert np.array_equal(classes, classes8)
    assert sizes8[0] == 8 and sizes8[-1] == min(24, 8 * SIZE_MAX_SCALE) and sizes8[-1] > sizes[-1]
    assert view.point_sizes[rows["big"]] == sizes8[-1]
    # Same count (an updated projection): the sizes stay; another count: they go.
    view.set_points(view.xy * 2, view.labels, keep_view=True)
    assert view.base_layer.size_classes[0] is not None
    view.set_points(view.xy[:100], view.labels[:100])
    assert view.size_values is None and view.base_layer.size_classes == (None, None)
    with pytest.raises(ValueError):
        view.set_size_by(np.ones(7))


def test_hover_picks_the_rim_of_a_big_point_and_selection_follows_sizes(qtbot):
    view, values, rows = _make_view(qtbot, 500, point_size=8)
    big = rows["big"]
    x, y = _pixel(view, big)
    # Beyond the plain pick radius but inside the big disc (diameter 24 -> radius 12).
    rim = QtCore.QPointF(x + PICK_RADIUS_PX + 3, y)
    vp_to_view = (view.plot_widget.viewportTransform().inverted()[0])

    def row_at_pixel(pt):
        scene = vp_to_view.map(pt)
        p = view.view_box.mapSceneToView(scene)
        return view.row_at(p.x(), p.y())

    assert row_at_pixel(rim) == -1
    view.set_size_by(values)
    assert view.base_layer.max_point_size == 24
    assert row_at_pixel(rim) == big
    # Selected points get a rim around their own size.
    view.selection.apply([big, rows["small"]], "replace")
    sel_classes, sel_sizes = view.selection_layer.size_classes
    assert sel_sizes[int(sel_classes[0])] == 24  # capped at the raster limit
    assert sel_sizes[int(sel_classes[1])] == 8 + 3


def test_export_at_2x_scales_sized_points(qtbot, tmp_path):
    view, values, rows = _make_view(qtbot, 500)
    view.base_layer.force_mode("vector")
    view.set_size_by(values)
    view.base_layer.setVisible(False)
    empty1, empty2 = (_image_array(render_image(view.plot_widget, s)) for s in (1, 2))
    view.base_layer.setVisible(True)
    one, two = (_image_array(render_image(view.plot_widget, s)) for s in (1, 2))
    for key in ("big", "small"):
        c1 = _covered(one, empty1, view, rows[key])
        c2 = _covered(two, empty2, view, rows[key], scale=2)
        assert 2.5 * c1 <= c2 <= 6 * c1, (key, c1, c2)  # twice the diameter: ~4x the pixels
    assert _covered(two, empty2, view, rows["big"], 2) > 5 * _covered(two, empty2, view, rows["small"], 2)


def _image_array(img: QtGui.QImage) -> np.ndarray:
    img = img.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    arr = np.frombuffer(img.constBits(), dtype=np.uint32, count=img.width() * img.height())
    return arr.reshape(img.height(), img.width()).copy()


def test_movielens_rating_counts_map_to_monotonic_sizes(qtbot, ml100k_dir):
    from embexplorer.core.recommender.movielens import load_movielens

    ratings = load_movielens(ml100k_dir)
    counts = ratings.item_counts().astype(np.float64)
    rng = np.random.default_rng(SEED)
    view = ScatterView()
    qtbot.addWidget(view)
    view.resize(VIEW_W, VIEW_H)
    view.set_points(rng.standard_normal((len(counts), 2)).astype(np.float32), ratings.titles)
    view.set_size_by(counts)
    sizes = view.point_sizes
    order = np.argsort(counts, kind="stable")
    assert np.all(np.diff(sizes[order]) >= 0)  # more ratings, never a smaller point
    assert len(np.unique(sizes)) == SIZE_CLASSES
    top = int(np.argmax(counts))
    assert "Star Wars" in ratings.titles[top] and sizes[top] == sizes.max()
    once = counts == counts.min()
    assert np.all(sizes[once] == view.point_size)
    # The long tail does not squash the classes: each holds a real share of the movies.
    share = np.bincount(view.base_layer.size_classes[0]) / len(counts)
    assert share.min() > 0.15


def test_explorer_size_by_combo_and_the_trained_movies(qtbot, ml100k_dir):
    """The explorer's "by" combo lists numeric columns; a trained model's movies start sized by
    their number of ratings (fastai's plot), and "(uniform)" puts every point back to one size."""
    from embexplorer._qt.widgets.explorer import UNIFORM_SIZE, ExplorerWidget
    from embexplorer.core.recommender.mf import MFConfig, train
    from embexplorer.core.recommender.movielens import load_movielens

    ratings = load_movielens(ml100k_dir)
    model = train(ratings, MFConfig(n_factors=8, epochs=1, seed=0))
    emb = model.item_embeddings(300)
    ex = ExplorerWidget()
    qtbot.addWidget(ex)
    xy = np.ascontiguousarray(emb.vectors[:, :2])
    ex.set_data(emb, xy, "x", "y")
    ex.finish_setup()
    names = [ex.size_combo.itemText(i) for i in range(ex.size_combo.count())]
    numeric = [n for n, c in emb.metadata.items() if c.kind == "numeric"]
    assert names == [UNIFORM_SIZE, *numeric] and ex.size_combo.currentText() == "ratings"
    counts = emb.metadata["ratings"].values
    sizes = ex.scatter.point_sizes
    assert sizes[int(np.argmax(counts))] > sizes[int(np.argmin(counts))]
    ex.set_size_by(None)
    assert ex.scatter.size_values is None
    ex.set_size_by("year")
    np.testing.assert_array_equal(ex.scatter.size_values, emb.metadata["year"].values)
