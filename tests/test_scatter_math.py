"""Pure maths of the scatter explorer: hit-testing, box/lasso, LOD, colours, labels."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embexplorer.core.view import scatter_math as sm


def _glove_xy(glove_path) -> np.ndarray:
    """The real GloVe file projected on its first two principal axes (numpy SVD)."""
    vecs = _read_glove(glove_path)
    x = vecs - vecs.mean(axis=0)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    return np.ascontiguousarray(x @ vt[:2].T, dtype=np.float32)


def _read_glove(path) -> np.ndarray:
    rows = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split(" ")
            rows.append([float(v) for v in parts[1:]])
    return np.asarray(rows, dtype=np.float32)


def _brute_nearest(xy, x, y, rx, ry, visible=None):
    d2 = ((xy[:, 0] - x) / rx) ** 2 + ((xy[:, 1] - y) / ry) ** 2
    if visible is not None:
        d2 = np.where(visible, d2, np.inf)
    k = int(np.argmin(d2))
    return k if d2[k] <= 1 else -1


def test_grid_nearest_matches_brute_force_on_glove(glove_path):
    xy = _glove_xy(glove_path)
    index = sm.GridIndex(xy)
    rng = np.random.default_rng(1)
    span = xy.max(axis=0) - xy.min(axis=0)
    visible = rng.random(len(xy)) < 0.7
    for _ in range(300):
        x, y = xy[rng.integers(len(xy))] + rng.normal(0, 0.01, 2) * span
        rx, ry = span * rng.uniform(0.001, 0.05)
        assert index.nearest(x, y, rx, ry) == _brute_nearest(xy, x, y, rx, ry)
        assert index.nearest(x, y, rx, ry, visible) == _brute_nearest(xy, x, y, rx, ry, visible)


def test_grid_ignores_non_finite_points():
    xy = np.array([[0, 0], [np.nan, 1], [1, 1], [np.inf, 0]], dtype=np.float32)
    index = sm.GridIndex(xy)
    assert index.nearest(0.9, 0.9, 0.5, 0.5) == 2
    assert index.nearest(0.0, 0.05, 0.5, 0.5) == 0
    assert index.nearest(5, 5, 0.5, 0.5) == -1


def test_empty_index():
    index = sm.GridIndex(np.zeros((0, 2), np.float32))
    assert index.nearest(0, 0, 1, 1) == -1


def _ray_cast_reference(px, py, poly):
    """Textbook point-in-polygon, one point at a time (slow, independent)."""
    inside = False
    n = len(poly)
    for i in range(n):
        xa, ya = poly[i]
        xb, yb = poly[(i + 1) % n]
        if (ya > py) != (yb > py):
            xc = xa + (py - ya) * (xb - xa) / (yb - ya)
            if px < xc:
                inside = not inside
    return inside


def test_polygon_mask_matches_reference_on_glove(glove_path):
    xy = _glove_xy(glove_path)
    rng = np.random.default_rng(2)
    centre = np.median(xy, axis=0)
    ang = np.sort(rng.uniform(0, 2 * np.pi, 40))
    rad = rng.uniform(0.3, 1.5, (40, 1)) * xy.std(axis=0)
    poly = centre + np.c_[np.cos(ang) * rad[:, 0], np.sin(ang) * rad[:, 1]]  # a star-shaped lasso
    got = sm.polygon_mask(xy, poly)
    sample = rng.choice(len(xy), 1500, replace=False)
    expect = np.array([_ray_cast_reference(float(xy[i, 0]), float(xy[i, 1]), poly) for i in sample])
    assert 50 < got.sum() < len(xy)
    np.testing.assert_array_equal(got[sample], expect)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-5, 5), st.floats(-5, 5)), min_size=3, max_size=12),
       st.integers(0, 2**31 - 1))
def test_polygon_mask_property(vertices, seed):
    poly = np.asarray(vertices)
    pts = np.random.default_rng(seed).uniform(-6, 6, (200, 2)).astype(np.float32)
    got = sm.polygon_mask(pts, poly)
    # Points exactly on an edge may go either way in float arithmetic: skip them.
    expect = np.array([_ray_cast_reference(float(x), float(y), poly) for x, y in pts])
    np.testing.assert_array_equal(got, expect)


def test_rect_mask_any_corner_order():
    xy = np.array([[0, 0], [1, 1], [2, 2], [1, 3]], dtype=np.float32)
    a = sm.rect_mask(xy, 0.5, 0.5, 2.5, 2.5)
    b = sm.rect_mask(xy, 2.5, 2.5, 0.5, 0.5)
    np.testing.assert_array_equal(a, [False, True, True, False])
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("mode, expect", [
    ("replace", [2, 5]), ("add", [1, 2, 3, 5]), ("toggle", [1, 3, 5]), ("remove", [1, 3]),
])
def test_combine_selection(mode, expect):
    got = sm.combine_selection(np.array([1, 2, 3]), np.array([5, 2, 2]), mode)
    assert got.tolist() == expect


def test_combine_selection_rejects_unknown_mode():
    with pytest.raises(ValueError):
        sm.combine_selection(np.array([1]), np.array([2]), "xor")


def test_lod_hysteresis_never_flickers_around_threshold():
    lod = sm.LodDecider(enter=100, exit=150)
    assert lod.update(1000) is False
    assert lod.update(100) is True
    # Wobbling between the thresholds keeps vector mode.
    for n in (120, 149, 101, 150, 130):
        assert lod.update(n) is True
    assert lod.update(151) is False
    for n in (149, 101, 120):
        assert lod.update(n) is False
    assert lod.update(99) is True
    with pytest.raises(ValueError):
        sm.LodDecider(enter=10, exit=5)


def test_categorical_colors_top_categories_and_other():
    cats = [f"c{i}" for i in range(30)]
    rng = np.random.default_rng(3)
    codes = rng.integers(-1, 30, 5000).astype(np.int32)
    m = sm.categorical_colors(codes, cats, max_colors=5)
    assert len(m.lut) == 6 and len(m.names) == 6
    counts = np.bincount(codes[codes >= 0], minlength=30)
    top5 = set(np.argsort(-counts, kind="stable")[:5].tolist())
    # Every point of a top category gets that category's own entry; others share "(other)".
    for c in range(30):
        entries = set(m.index[codes == c].tolist())
        assert len(entries) == 1
        (e,) = entries
        assert (e < 5) == (c in top5)
        if e < 5:
            assert m.names[e] == cats[c]
    assert set(m.index[codes == -1].tolist()) == {5}
    assert m.names[-1] == "(other)"
    assert int(m.counts.sum()) == len(codes)


def test_numeric_colors_range_and_nan():
    v = np.r_[np.linspace(0, 1, 99), np.nan, 1000.0]
    m = sm.numeric_colors(v)
    assert m.kind == "numeric"
    assert m.vmax < 1000  # the outlier does not stretch the scale
    assert m.index[99] == sm.NUMERIC_LUT_SIZE  # NaN -> grey
    assert m.lut[m.index[99]] == sm.MISSING_ARGB
    assert m.index[0] == 0 and m.index[-1] == sm.NUMERIC_LUT_SIZE - 1
    assert np.all(np.diff(m.index[:99].astype(int)) >= 0)


def test_fit_range_ignores_nan():
    x = np.array([0, 1, np.nan], dtype=np.float32)
    y = np.array([0, 2, 5], dtype=np.float32)
    x0, x1, y0, y1 = sm.fit_range(x, y, padding=0)
    assert (x0, x1, y0, y1) == (0, 1, 0, 2)


def test_brute_nearest_matches_grid_and_reference(glove_path):
    xy = _glove_xy(glove_path)
    x, y = np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])
    index = sm.GridIndex.from_columns(x, y)
    rng = np.random.default_rng(6)
    visible = rng.random(len(xy)) < 0.5
    span = xy.max(axis=0) - xy.min(axis=0)
    for _ in range(100):
        px, py = xy[rng.integers(len(xy))] + rng.normal(0, 0.01, 2) * span
        rx, ry = span * rng.uniform(0.002, 0.03)
        ref = _brute_nearest(xy, px, py, rx, ry, visible)
        assert sm.brute_nearest(x, y, px, py, rx, ry, visible) == ref
        assert index.nearest(px, py, rx, ry, visible) == ref
