"""Density contours of a 2-D layout: where the points crowd, drawn behind them.

The points are counted on a square grid (a 2-D histogram by ``bincount``), the counts smoothed by a
Gaussian kernel (separable: two small matrix products, no scipy), and the smoothed density cut at a
few *named* levels: the level whose region holds the densest 50 %, 80 % and 95 % of the points
("highest-density regions").  Each level gives

- iso-lines (marching squares, vectorised: one segment list per level), and
- a band of a filled image (the grid upsampled bilinearly, so the band edges meet the lines).

Everything is numpy and Qt-free; the GUI draws the lines and the image under the points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Cells of the density grid per side.
GRID = 160
#: The levels drawn: shares of the points inside each contour (densest first).
LEVELS = (0.5, 0.8, 0.95)
#: The Workspace layer that says density contours are shown on the main plot (its legend entry): the
#: Regions room sets it, other views (B's plot in a comparison) follow it.
CONTOURS_LAYER = "regions.contours"
#: Gaussian bandwidth as a factor of Scott's rule (n^(-1/6) * std per axis); below 1 follows the
#: clusters of a t-SNE or UMAP layout instead of blurring them into one hill.
BANDWIDTH_FACTOR = 0.6
#: Smallest bandwidth in grid cells (a few points must not give a field of single-cell spikes).
MIN_BANDWIDTH_CELLS = 1.2
#: The grid spans the points between these quantiles per axis, padded by this many bandwidths, so
#: far outliers do not squeeze the crowd into a few cells and the outer contours close.
RANGE_QUANTILES = (0.002, 0.998)
PAD_BANDWIDTHS = 3.0
#: Rows used to estimate the range and spread (a strided sample: O(1) work at a million points).
RANGE_SAMPLE = 50_000
#: Pixels of the filled image per grid cell (bilinear upsampling: smooth band edges).
FILL_UPSAMPLE = 4
#: The kernel is cut at this many bandwidths.
KERNEL_CUTOFF = 4.0

# Marching squares: the segments of each corner case as pairs of cell edges (0 bottom, 1 right,
# 2 top, 3 left); corners a (bottom-left) = 1, b (bottom-right) = 2, c (top-right) = 4, d (top-left) = 8.
# The saddles 5 and 10 have two readings, chosen per cell by the cell's mean (see below).
_EDGES = np.full((16, 2, 2), -1, dtype=np.int8)
for _case, _segs in {1: [(3, 0)], 2: [(0, 1)], 3: [(3, 1)], 4: [(1, 2)], 5: [(3, 0), (1, 2)],
                     6: [(0, 2)], 7: [(3, 2)], 8: [(2, 3)], 9: [(0, 2)], 10: [(0, 1), (2, 3)],
                     11: [(1, 2)], 12: [(1, 3)], 13: [(0, 1)], 14: [(3, 0)]}.items():
    for _k, _s in enumerate(_segs):
        _EDGES[_case, _k] = _s
# A saddle whose mean is above the level joins the two high corners: the other reading.
_SADDLE_JOINED = {5: [(0, 1), (2, 3)], 10: [(3, 0), (1, 2)]}


@dataclass
class Contours:
    """Density contours of a layout.

    Attributes
    ----------
    levels : tuple of float
        Shares of the points inside each contour, densest first (``LEVELS``).
    thresholds : ndarray (len(levels),)
        The smoothed density at each contour (decreasing).
    segments : list of ndarray (k, 2, 2)
        Per level, the iso-line as segments in data coordinates.
    bands : ndarray (h, w) of uint8
        The filled image, row 0 at the bottom: 0 outside every contour, ``i`` inside the ``i``
        outermost ones (``len(levels)`` in the densest region).
    extent : (x0, x1, y0, y1)
        Data rectangle the image covers.
    bandwidth : (float, float)
        The kernel's standard deviation per axis, in data units.
    n : int
        Points counted.
    """

    levels: tuple
    thresholds: np.ndarray
    segments: list
    bands: np.ndarray
    extent: tuple
    bandwidth: tuple
    n: int

    def legend(self) -> str:
        """What the contours show, for a legend or a status line."""
        shares = " / ".join(f"{round(p * 100):d}" for p in self.levels)
        return f"density contours: {len(self.levels)} levels (densest {shares} % of the points)"


def _gaussian_matrix(n: int, sigma: float) -> np.ndarray:
    """``(n, n)`` matrix smoothing a length-``n`` signal by a Gaussian of ``sigma`` cells (zero outside)."""
    d = np.arange(n, dtype=np.float64)
    diff = d[:, None] - d[None, :]
    k = np.exp(-0.5 * (diff / sigma) ** 2)
    k[np.abs(diff) > KERNEL_CUTOFF * sigma] = 0.0
    return k


def _sample(xy: np.ndarray) -> np.ndarray:
    step = max(1, len(xy) // RANGE_SAMPLE)
    s = np.asarray(xy[::step], dtype=np.float64)
    return s[np.isfinite(s).all(axis=1)]


def _cells(v: np.ndarray, lo: float, cell: float, grid: int) -> np.ndarray:
    """Cell of each value, 1..grid inside the box, 0 or grid + 1 outside it (and for NaN): float32 passes
    with ``out=``, no boolean compaction."""
    f = np.multiply(v, np.float32(1.0 / cell), dtype=np.float32)
    f += np.float32(1.0 - lo / cell)
    np.fmax(f, np.float32(0.0), out=f)  # fmax turns NaN into 0: outside
    np.fmin(f, np.float32(grid + 1), out=f)
    return f.astype(np.int32)


def _histogram(xy: np.ndarray, lo: np.ndarray, cell: np.ndarray, grid: int) -> np.ndarray:
    """Counts of ``xy`` on the ``grid`` x ``grid`` cells from ``lo`` (row = y), by one ``bincount`` over a
    grid padded by one cell on each side that collects the points outside (``np.histogram2d`` sorts:
    several times slower at a million points)."""
    side = grid + 2
    idx = _cells(xy[:, 1], float(lo[1]), float(cell[1]), grid)
    idx *= side
    idx += _cells(xy[:, 0], float(lo[0]), float(cell[0]), grid)
    padded = np.bincount(idx, minlength=side * side).reshape(side, side)
    return padded[1:-1, 1:-1].astype(np.float64)


def density_grid(xy: np.ndarray, grid: int = GRID, bandwidth_factor: float = BANDWIDTH_FACTOR,
                 sample: np.ndarray | None = None):
    """The smoothed density of ``xy`` on a ``grid`` x ``grid`` lattice.

    Parameters
    ----------
    xy : ndarray (n, 2)
        Point positions (non-finite rows are left out).
    grid : int
        Lattice points per side.
    bandwidth_factor : float
        The Gaussian's width as a factor of Scott's rule.
    sample : ndarray (m, 2), optional
        Finite rows of ``xy`` to read the range and spread from (a strided sample when not given).

    Returns
    -------
    field : ndarray (grid, grid) float64
        Smoothed counts; ``field[i, j]`` is at ``y0 + (i + 0.5) * cy``, ``x0 + (j + 0.5) * cx``.
    box : (x0, x1, y0, y1)
        The grid's rectangle (cells ``cx = (x1 - x0) / grid``, ``cy`` alike).
    bandwidth : (float, float)
        Kernel standard deviation per axis in data units.
    n : int
        Points counted (inside the box).
    """
    xy = np.asarray(xy)
    sample = _sample(xy) if sample is None else sample
    if len(sample) < 2:
        raise ValueError("density contours need at least two placed points")
    n_all = len(xy)
    lo, hi = np.quantile(sample, RANGE_QUANTILES, axis=0)
    inner = sample[((sample >= lo) & (sample <= hi)).all(axis=1)]
    std = inner.std(axis=0) if len(inner) > 1 else np.zeros(2)
    span = np.maximum(hi - lo, 1e-12)
    std = np.where(std > 0, std, span / 4)
    h = bandwidth_factor * std * float(n_all) ** (-1.0 / 6.0)
    # Pad by a few bandwidths, then widen h if it is under the smallest width in cells.
    box_lo, box_hi = lo - PAD_BANDWIDTHS * h, hi + PAD_BANDWIDTHS * h
    cell = (box_hi - box_lo) / grid
    h = np.maximum(h, MIN_BANDWIDTH_CELLS * cell)
    box_lo, box_hi = lo - PAD_BANDWIDTHS * h, hi + PAD_BANDWIDTHS * h
    cell = (box_hi - box_lo) / grid
    counts = _histogram(xy, box_lo, cell, grid)
    ky = _gaussian_matrix(grid, h[1] / cell[1])
    kx = _gaussian_matrix(grid, h[0] / cell[0])
    field = ky @ counts @ kx.T
    box = (float(box_lo[0]), float(box_hi[0]), float(box_lo[1]), float(box_hi[1]))
    return field, box, (float(h[0]), float(h[1])), int(counts.sum())


def level_thresholds(values: np.ndarray, levels=LEVELS) -> np.ndarray:
    """The density above which lie the shares ``levels`` of the points, given ``values``: the smoothed
    density at each (sampled) point, 0 for points off the grid."""
    v = np.asarray(values, dtype=np.float64)
    if not len(v):
        return np.full(len(levels), np.inf)
    return np.quantile(v, 1.0 - np.asarray(levels, dtype=np.float64))


def density_at(field: np.ndarray, box, xy: np.ndarray) -> np.ndarray:
    """``field`` (from :func:`density_grid`) interpolated bilinearly at the points ``xy`` (0 off the grid)."""
    g_y, g_x = field.shape
    x0, x1, y0, y1 = box
    u = (np.asarray(xy[:, 0], dtype=np.float64) - x0) * (g_x / (x1 - x0)) - 0.5
    v = (np.asarray(xy[:, 1], dtype=np.float64) - y0) * (g_y / (y1 - y0)) - 0.5
    with np.errstate(invalid="ignore"):
        ok = (u >= 0) & (u <= g_x - 1) & (v >= 0) & (v <= g_y - 1)
    out = np.zeros(len(u))
    u, v = u[ok], v[ok]
    j = np.minimum(u.astype(np.int64), g_x - 2)
    i = np.minimum(v.astype(np.int64), g_y - 2)
    tu, tv = u - j, v - i
    out[ok] = ((field[i, j] * (1 - tu) + field[i, j + 1] * tu) * (1 - tv)
               + (field[i + 1, j] * (1 - tu) + field[i + 1, j + 1] * tu) * tv)
    return out


def iso_segments(field: np.ndarray, level: float) -> np.ndarray:
    """Marching squares: the line where ``field`` crosses ``level``, as ``(k, 2, 2)`` segments in lattice
    coordinates (``x`` = column, ``y`` = row)."""
    f = np.asarray(field, dtype=np.float64)
    a, b = f[:-1, :-1], f[:-1, 1:]
    c, d = f[1:, 1:], f[1:, :-1]
    case = ((a > level).astype(np.uint8) | ((b > level) << 1).astype(np.uint8)
            | ((c > level) << 2).astype(np.uint8) | ((d > level) << 3).astype(np.uint8))
    ii, jj = np.nonzero((case != 0) & (case != 15))
    if not len(ii):
        return np.zeros((0, 2, 2))
    cs = case[ii, jj]
    av, bv, cv, dv = a[ii, jj], b[ii, jj], c[ii, jj], d[ii, jj]

    def frac(p, q):
        den = q - p
        return np.where(den != 0, (level - p) / np.where(den != 0, den, 1.0), 0.5)

    x0, y0 = jj.astype(np.float64), ii.astype(np.float64)
    # Crossing point on each of the four edges (only the crossed ones are used).
    ex = np.stack([x0 + frac(av, bv), x0 + 1.0, x0 + frac(dv, cv), x0], axis=1)
    ey = np.stack([y0, y0 + frac(bv, cv), y0 + 1.0, y0 + frac(av, dv)], axis=1)
    pairs = _EDGES[cs].astype(np.int64)  # (m, 2 segments, 2 edges)
    saddle_up = np.isin(cs, (5, 10)) & ((av + bv + cv + dv) / 4.0 > level)
    for s, segs in _SADDLE_JOINED.items():
        pick = saddle_up & (cs == s)
        pairs[pick] = np.asarray(segs, dtype=np.int64)
    rows = np.arange(len(cs))
    out = []
    for k in range(2):
        has = pairs[:, k, 0] >= 0
        r = rows[has]
        e0, e1 = pairs[has, k, 0], pairs[has, k, 1]
        out.append(np.stack([np.stack([ex[r, e0], ey[r, e0]], axis=1),
                             np.stack([ex[r, e1], ey[r, e1]], axis=1)], axis=1))
    return np.concatenate(out)


def _upsample(field: np.ndarray, factor: int) -> np.ndarray:
    """Bilinear samples of ``field`` (lattice points) at ``factor`` pixel centres per lattice step."""
    g_y, g_x = field.shape

    def weights(g: int):
        m = (g - 1) * factor
        u = (np.arange(m) + 0.5) / factor
        i0 = np.minimum(u.astype(np.int64), g - 2)
        return i0, u - i0

    iy, ty = weights(g_y)
    ix, tx = weights(g_x)
    rows = field[iy] * (1 - ty)[:, None] + field[iy + 1] * ty[:, None]
    return rows[:, ix] * (1 - tx) + rows[:, ix + 1] * tx


def contours(xy: np.ndarray, levels=LEVELS, grid: int = GRID, bandwidth_factor: float = BANDWIDTH_FACTOR,
             upsample: int = FILL_UPSAMPLE) -> Contours:
    """Density contours of the layout ``xy`` at the named ``levels`` (shares of the points inside).

    Parameters
    ----------
    xy : ndarray (n, 2)
        The projection's positions (rows that are not placed -- NaN -- are left out).
    levels : sequence of float
        Shares in (0, 1), e.g. ``(0.5, 0.8, 0.95)``: the contour around the densest half of the
        points, and so on.
    grid, bandwidth_factor, upsample
        See :func:`density_grid` and ``FILL_UPSAMPLE``.

    Returns
    -------
    Contours
    """
    levels = tuple(sorted(float(p) for p in levels))  # densest (smallest share) first
    if not levels or levels[0] <= 0 or levels[-1] >= 1:
        raise ValueError(f"levels are shares between 0 and 1, got {levels}")
    sample = _sample(np.asarray(xy))
    field, (x0, x1, y0, y1), bw, n = density_grid(xy, grid, bandwidth_factor, sample)
    t = level_thresholds(density_at(field, (x0, x1, y0, y1), sample), levels)  # decreasing
    cx, cy = (x1 - x0) / grid, (y1 - y0) / grid
    segments = []
    for level in t:
        s = iso_segments(field, level) if np.isfinite(level) else np.zeros((0, 2, 2))
        # Lattice point (j, i) is the centre of cell (i, j).
        s[..., 0] = x0 + (s[..., 0] + 0.5) * cx
        s[..., 1] = y0 + (s[..., 1] + 0.5) * cy
        segments.append(s)
    fine = _upsample(field, upsample)
    bands = np.zeros(fine.shape, dtype=np.uint8)
    for level in t:
        bands += fine > level
    extent = (x0 + 0.5 * cx, x1 - 0.5 * cx, y0 + 0.5 * cy, y1 - 0.5 * cy)
    return Contours(levels, t, segments, bands, extent, bw, n)
