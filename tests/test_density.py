"""Density contours (core/view/density.py): named levels hold their share of the points, marching squares
draws closed lines where the field crosses the level, planted clusters get their own contours."""

from __future__ import annotations

import numpy as np
import pytest

from embexplorer.core.view.density import LEVELS, contours, density_grid, iso_segments, level_thresholds


def blobs(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two planted clusters (3,000 and 1,000 points) far apart, and their centres."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [8.0, 5.0]])
    xy = np.vstack([rng.normal(centres[0], 1.0, (3000, 2)), rng.normal(centres[1], 0.5, (1000, 2))])
    return xy.astype(np.float32), centres


def band_of_points(c, xy: np.ndarray) -> np.ndarray:
    """The band of the filled image under each point (the image, not the thresholds, is read)."""
    x0, x1, y0, y1 = c.extent
    h, w = c.bands.shape
    j = np.floor((xy[:, 0] - x0) / (x1 - x0) * w).astype(int)
    i = np.floor((xy[:, 1] - y0) / (y1 - y0) * h).astype(int)
    ok = (j >= 0) & (j < w) & (i >= 0) & (i < h)
    out = np.zeros(len(xy), dtype=int)
    out[ok] = c.bands[i[ok], j[ok]]
    return out


def endpoints_closed(seg: np.ndarray) -> bool:
    """Every end of a segment is the end of exactly one other (the lines are closed loops)."""
    ends = np.round(seg.reshape(-1, 2), 9)
    _, counts = np.unique(ends, axis=0, return_counts=True)
    return bool((counts == 2).all())


def test_named_levels_hold_their_share_of_the_points():
    xy, _ = blobs()
    c = contours(xy)
    assert c.levels == LEVELS and 0.995 * len(xy) <= c.n <= len(xy)  # far outliers are off the grid
    assert np.all(np.diff(c.thresholds) < 0)  # densest first
    band = band_of_points(c, xy)
    for k, share in enumerate(c.levels):
        inside = (band >= len(c.levels) - k).mean()
        assert abs(inside - share) < 0.02, (share, inside)
    assert "3 levels" in c.legend() and "50 / 80 / 95 %" in c.legend()


def test_planted_clusters_get_their_own_closed_contours():
    xy, centres = blobs(1)
    c = contours(xy)
    for seg in c.segments:
        assert len(seg) and endpoints_closed(seg)
    # The densest contour: loops around both planted centres and none in the empty space between them.
    dense = c.segments[0].reshape(-1, 2)
    near = np.linalg.norm(dense[:, None, :] - centres[None], axis=2).min(axis=1)
    assert near.max() < 2.5
    assert (np.linalg.norm(dense - centres[0], axis=1) < 2.5).any()
    assert (np.linalg.norm(dense - centres[1], axis=1) < 2.5).any()
    mid = band_of_points(c, np.array([[4.0, 2.5]]))
    assert mid[0] == 0  # between the clusters: outside every contour


def test_marching_squares_on_a_known_field():
    # f = -(x^2 + y^2) on a lattice: the level -R^2 is the circle of radius R.
    g = np.arange(-20, 21, dtype=np.float64)
    x, y = np.meshgrid(g, g)
    seg = iso_segments(-(x ** 2 + y ** 2), -(12.0 ** 2))
    pts = seg.reshape(-1, 2) - 20.0  # lattice (column, row) back to the field's coordinates
    r = np.hypot(pts[:, 0], pts[:, 1])
    assert endpoints_closed(seg) and np.abs(r - 12.0).max() < 0.05
    # Saddles: a 2x2 checkerboard gives two separate segments either way, never a crossing.
    for f, want in ((np.array([[1.0, 0.0], [0.0, 1.0]]), 2), (np.array([[0.0, 1.0], [1.0, 0.0]]), 2)):
        s = iso_segments(f, 0.5)
        assert len(s) == want and not np.allclose(s[0], s[1])
    assert len(iso_segments(np.ones((5, 5)), 2.0)) == 0


def test_unplaced_rows_and_outliers_are_left_out():
    xy, _ = blobs(2)
    with_nan = np.vstack([xy, np.full((50, 2), np.nan, np.float32), [[1e6, -1e6]]]).astype(np.float32)
    a, b = contours(xy), contours(with_nan)
    assert abs(b.n - a.n) <= 2  # the far outlier is off the grid, the NaN rows are not placed
    assert abs(a.extent[1] - b.extent[1]) < 0.5  # the grid is not stretched to the outlier
    field, box, bw, n = density_grid(xy)
    assert field.shape == (160, 160) and bw[0] > 0 and n == a.n
    assert np.all(np.isinf(level_thresholds(np.zeros(0))))
    with pytest.raises(ValueError):
        contours(np.zeros((1, 2), np.float32))
    with pytest.raises(ValueError):
        contours(xy, levels=(0.5, 1.0))
