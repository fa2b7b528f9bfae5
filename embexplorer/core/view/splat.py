"""Qt-free numpy rasteriser of many 2-D points ("splat"): the engine of the scatter's raster layer.

Every point lands on one pixel, ``trunc(x * sx + ox)``, ``trunc(y * sy + oy)`` (float32
maths). A pixel keeps the number of its points (the density that drives the alpha) and the
colour entry of the last point drawn on it (draw order = row order). Dilation then grows the
one-pixel points into discs.

Speed at millions of points (what :class:`Splatter` does):

- the rows are walked in chunks of :data:`SPLAT_CHUNK`, so the temporaries of one step stay
  in the CPU cache, and every scratch buffer is kept between renders (at 3M points fresh
  multi-megabyte temporaries, i.e. page faults, zeroing and the kernel's huge-page
  compaction, cost more than the arithmetic);
- from :data:`SPLIT_MIN` points, with spare cores (:data:`SPLIT_THREADS`), the rows are split
  in two halves, one per thread (numpy releases the GIL in each step), each counting into its
  own pixel buffers; the halves are merged at the pixel scale, the later point winning where
  both hit (so "the last point drawn wins" still holds);
- big sets are also sorted spatially once (:func:`spatial_order`, on a worker thread): walking
  them in that order keeps the pixel writes local, and a zoomed-in view walks only its columns;
- no per-point bounds check when the caller knows every point falls inside the buffer.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from embexplorer.core.view.scatter_math import cell_keys

#: Rows per step of the splat (float32 + two int64 temporaries of this length stay in cache).
SPLAT_CHUNK = 1 << 16
#: From this many points the splat is split over two threads...
SPLIT_MIN = 400_000
#: ...on machines with at least this many cores. Measured on the shared 2-core machine (load 12): a
#: second thread made a 3M-point raster slower (103 ms against 84 ms on one), the other jobs already
#: taking both cores; with spare cores the halves run side by side.
SPLIT_MIN_CORES = 4
#: Threads the splat uses for big sets (1 or 2; benchmarks set it to compare).
SPLIT_THREADS = 2 if (os.cpu_count() or 1) >= SPLIT_MIN_CORES else 1
#: Alpha levels of the density shading (counts per pixel are bucketed).
DENSITY_LEVELS = 16
#: Opacity of a pixel hit by a single point (0-255); denser pixels go to 255.
SINGLE_POINT_ALPHA = 150
#: Count per pixel at which the density shading saturates.
DENSITY_SATURATION = 24

_ONE = np.int32(1)
_POOLS: dict[str, ThreadPoolExecutor] = {}
_POOL_LOCK = threading.Lock()


def _one_thread(name: str) -> ThreadPoolExecutor:
    """The single-thread pool called ``name`` (created on first use)."""
    with _POOL_LOCK:
        if name not in _POOLS:
            _POOLS[name] = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        return _POOLS[name]


def _pool() -> ThreadPoolExecutor:
    """The one helper thread of every splat."""
    return _one_thread("splat")


def order_pool() -> ThreadPoolExecutor:
    """The thread that sorts big sets spatially (not the splat's helper: a render never waits on it)."""
    return _one_thread("splat-order")


def line_sums(counts: np.ndarray, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column sums of a flat ``(h, w)`` count buffer."""
    grid = counts.reshape(-1, w)
    return grid.sum(axis=1), grid.sum(axis=0)


def count_within(rows: np.ndarray, cols: np.ndarray, r0: int, r1: int, c0: int, c1: int) -> int:
    """Points in rows ``r0:r1`` and columns ``c0:c1`` of a buffer with these row and column sums, at
    least: all minus those in the rows or columns outside (exact when none are outside)."""
    r0, c0 = int(np.clip(r0, 0, len(rows))), int(np.clip(c0, 0, len(cols)))
    r1, c1 = int(np.clip(r1, r0, len(rows))), int(np.clip(c1, c0, len(cols)))
    out = rows[:r0].sum() + rows[r1:].sum() + cols[:c0].sum() + cols[c1:].sum()
    return max(0, int(rows.sum()) - int(out))


def density_levels() -> np.ndarray:
    """Alpha level (0 .. DENSITY_LEVELS - 1) of every count 0 .. DENSITY_SATURATION, log-scaled
    so single points stay visible (index with ``min(count, DENSITY_SATURATION)``)."""
    lvl = np.log1p(np.arange(DENSITY_SATURATION + 1, dtype=np.float32))
    lvl *= np.float32((DENSITY_LEVELS - 1) / np.log1p(DENSITY_SATURATION))
    return lvl.astype(np.int32)


_LEVELS = density_levels()


def premultiply(lut: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Table [entry, level] of premultiplied ARGB values for colours ``lut`` and ``alpha`` levels."""
    lut = lut.astype(np.uint32)
    r = ((lut >> 16) & 0xFF).astype(np.float64)
    g = ((lut >> 8) & 0xFF).astype(np.float64)
    b = (lut & 0xFF).astype(np.float64)
    a = alpha.astype(np.float64)[None, :]
    f = a / 255.0
    out = ((a.astype(np.uint32) << 24)
           | (np.round(r[:, None] * f).astype(np.uint32) << 16)
           | (np.round(g[:, None] * f).astype(np.uint32) << 8)
           | np.round(b[:, None] * f).astype(np.uint32))
    return out.astype(np.uint32)


def shade_table(lut: np.ndarray) -> np.ndarray:
    """Flat premultiplied ARGB table indexed by ``entry * DENSITY_LEVELS + level``."""
    return premultiply(lut, np.linspace(SINGLE_POINT_ALPHA, 255, DENSITY_LEVELS)).reshape(-1)


def _max_window(img: np.ndarray, size: int, axis: int) -> np.ndarray:
    """Forward running maximum: ``out[i] = max(img[i .. i + size - 1])`` along ``axis``.

    Doubling passes (window 2, 4, ... then one overlapping pass) need only
    ceil(log2(size)) ``np.maximum`` calls into fresh buffers, no copies. The
    last ``size - 1`` entries along the axis are not fully windowed; callers
    keep them in the padding they crop away.

    Empty pixels are 0 and premultiplied ARGB puts alpha in the top byte, so
    the maximum lets the densest neighbour win -- deterministic, and the right
    look for overlapping points.
    """
    def step(a: np.ndarray, k: int) -> np.ndarray:
        out = np.empty_like(a)
        if axis == 1:
            np.maximum(a[:, :-k], a[:, k:], out=out[:, :-k])
            out[:, -k:] = a[:, -k:]
        else:
            np.maximum(a[:-k], a[k:], out=out[:-k])
            out[-k:] = a[-k:]
        return out

    if size <= 1 or img.shape[axis] <= size:
        return img
    cover = 1
    while cover * 2 <= size:
        img = step(img, cover)
        cover *= 2
    if cover < size:
        img = step(img, size - cover)
    return img


def dilate_points(img: np.ndarray, size: int) -> np.ndarray:
    """Grow single-pixel points into blobs of ``size`` pixels (forward windows).

    A point at pixel ``j`` covers ``j - size + 1 .. j`` on each axis, so callers
    splat at ``j + size // 2`` to centre it. Sizes up to 4 are squares (two or
    four passes); larger sizes are the union of a wide and a tall rectangle (an
    octagon), which reads as a disc.
    """
    if size <= 1:
        return img
    if size <= 4:
        return _max_window(_max_window(img, size, 1), size, 0)
    cut = 2 * max(1, size // 6)  # even, so both rectangles share one centre
    half = cut // 2
    wide = _max_window(_max_window(img, size, 1), size - cut, 0)
    tall = _max_window(_max_window(img, size - cut, 1), size, 0)
    out = np.zeros_like(img)
    np.maximum(wide[half:, :-half], tall[:-half, half:], out=out[:-half, :-half])
    return out


def pixel_xy(x: np.ndarray, y: np.ndarray, affine: tuple, w: int, h: int,
             *per_point: np.ndarray) -> tuple[np.ndarray, ...]:
    """Integer pixel ``(ix, iy)`` (int32) of each point in a ``w`` x ``h`` buffer, points outside it
    dropped (and dropped from each array of ``per_point`` too): ``(ix, iy, *per_point)``.

    ``affine`` is ``(sx, sy, ox, oy)``; float32 maths that truncates, as :class:`Splatter`.
    """
    sx, sy, ox, oy = affine
    # In-place float32 maths: one temporary per axis, no extra passes.
    t = np.multiply(x, np.float32(sx))
    t += np.float32(ox)
    ix = t.astype(np.int32)
    np.multiply(y, np.float32(sy), out=t)
    t += np.float32(oy)
    iy = t.astype(np.int32)
    del t
    if len(ix) and (ix.min() < 0 or ix.max() >= w or iy.min() < 0 or iy.max() >= h):
        inside = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
        return (ix[inside], iy[inside], *(a[inside] for a in per_point))
    return (ix, iy, *per_point)


def corner_pixels(x_lo: float, x_hi: float, y_lo: float, y_hi: float, affine: tuple
                  ) -> tuple[int, int, int, int]:
    """``(ix_min, ix_max, iy_min, iy_max)`` of any point inside the data box, with the same float32
    maths as the splat (rounding is monotonic, so the corners bound every point exactly)."""
    sx, sy, ox, oy = (np.float32(v) for v in affine)
    xs = np.array([x_lo, x_hi], dtype=np.float32) * sx + ox
    ys = np.array([y_lo, y_hi], dtype=np.float32) * sy + oy
    ix, iy = np.trunc(xs), np.trunc(ys)
    return int(ix.min()), int(ix.max()), int(iy.min()), int(iy.max())


#: Cells per axis of the spatial order (a column of cells is one contiguous run of sorted points).
ORDER_CELLS = 256


@dataclass
class SpatialOrder:
    """The points of a set sorted by a fixed grid of cells over their extent, column by column.

    Drawing in this order touches the pixel buffers almost sequentially (about twice as fast as
    draw order at 3M points: the counting and the winner are random writes otherwise), and the
    points of a range of columns are one slice (a zoomed-in view skips the others). The
    winner of a pixel is then the largest draw index on it, which is the last point drawn.

    Attributes
    ----------
    perm : int32 array
        Draw index (row of the set) of each sorted point.
    x, y : float32 arrays
        The sorted coordinates.
    col_starts : int64 array (cells + 1,)
        First sorted point of each column of cells.
    x0, step : float
        Column ``i`` holds the points with ``x0 + i * step <= x < x0 + (i + 1) * step`` (give or
        take float32 rounding at the edges; non-finite points are in the last column).
    """

    perm: np.ndarray
    x: np.ndarray
    y: np.ndarray
    col_starts: np.ndarray
    x0: float
    step: float

    def rows_between(self, xa: float, xb: float) -> tuple[int, int]:
        """Slice ``[lo, hi)`` of sorted points that holds every point with ``xa <= x <= xb``."""
        cells = len(self.col_starts) - 1
        # One column of slack each side covers float32 rounding at the cell edges.
        i0 = int(np.clip(np.floor((xa - self.x0) / self.step) - 1, 0, cells - 1))
        i1 = int(np.clip(np.floor((xb - self.x0) / self.step) + 1, 0, cells - 1))
        return int(self.col_starts[i0]), int(self.col_starts[i1 + 1])


def spatial_order(x: np.ndarray, y: np.ndarray, cells: int = ORDER_CELLS) -> SpatialOrder:
    """Sort points by a ``cells`` x ``cells`` grid over their finite extent (stable: draw order within
    a cell). Numpy releases the GIL in each step, so it can run on a worker thread."""
    finite = np.isfinite(x) & np.isfinite(y)
    all_finite = bool(finite.all())
    fx, fy = (x, y) if all_finite else (x[finite], y[finite])
    if len(fx):
        x0, x1, y0, y1 = float(fx.min()), float(fx.max()), float(fy.min()), float(fy.max())
    else:
        x0 = x1 = y0 = y1 = 0.0
    step_x = max((x1 - x0) / cells, 1e-12)
    step_y = max((y1 - y0) / cells, 1e-12)
    key = cell_keys(x, y, (x0, y0), (step_x, step_y), cells)
    if not all_finite:
        key[~finite] = cells * cells - 1
    perm = np.argsort(key, kind="stable").astype(np.int32)  # 16-bit keys: a radix sort
    col_starts = np.zeros(cells + 1, dtype=np.int64)
    np.cumsum(np.bincount(key // cells, minlength=cells), out=col_starts[1:])
    return SpatialOrder(perm, x[perm], y[perm], col_starts, x0, step_x)


class Splatter:
    """Count points per pixel and find each pixel's last point, reusing its buffers.

    One instance per raster layer (renders of one layer never overlap: they run on the UI thread).
    After :meth:`splat`, :meth:`entries` gives the colour entries of hit pixels.
    """

    def __init__(self) -> None:
        self._scratch: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._pixels: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._last: tuple | None = None  # (winner buffer, is a draw index, colour entries)

    def _buffers(self, part: int, npix: int, order: bool) -> tuple[np.ndarray, np.ndarray]:
        """Zeroed counts and a winner buffer (colour entries, or -1 filled draw indices) of one half."""
        while len(self._scratch) <= part:
            self._scratch.append((np.empty(SPLAT_CHUNK, np.float32), np.empty(SPLAT_CHUNK, np.intp),
                                  np.empty(SPLAT_CHUNK, np.intp)))
            self._pixels.append((np.zeros(0, np.int32), np.zeros(0, np.uint16), np.zeros(0, np.int32)))
        counts, code, win = self._pixels[part]
        if len(counts) != npix:
            counts, code, win = np.zeros(npix, np.int32), np.zeros(npix, np.uint16), np.zeros(0, np.int32)
        else:
            counts.fill(0)
        if order:
            if len(win) != npix:
                win = np.empty(npix, np.int32)
            win.fill(-1)
        self._pixels[part] = (counts, code, win)
        return counts, (win if order else code)

    def splat(self, x: np.ndarray, y: np.ndarray, cidx: np.ndarray, affine: tuple, w: int, h: int,
              box: tuple | None = None, visible: np.ndarray | None = None, inside: bool = False,
              order: SpatialOrder | None = None) -> np.ndarray:
        """Per-pixel counts (int32, flat ``w * h``) of the points; then :meth:`entries` for colours.

        Parameters
        ----------
        x, y : float32 arrays
            Point coordinates in draw order; ``cidx`` the colour entry of each point (uint16).
        affine : tuple
            ``(sx, sy, ox, oy)``: pixel = ``trunc(x * sx + ox)``, ``trunc(y * sy + oy)``.
        box : tuple, optional
            ``(x0, x1, y0, y1)``: only points inside it (inclusive) are drawn; drops NaN too.
        visible : bool array, optional
            Only points where it is True are drawn (draw order).
        inside : bool
            The caller guarantees every drawn point lands inside the buffer (no check).
        order : SpatialOrder, optional
            The same points sorted spatially (:func:`spatial_order`): walked instead of ``x``, ``y``.

        Returns
        -------
        counts : ndarray (w * h,)
            Points per pixel, a buffer of this splatter (overwritten by its next call).
        """
        lo, hi = 0, len(x)
        if order is not None and box is not None:
            lo, hi = order.rows_between(box[0], box[1])
        npix = w * h
        job = (x, y, cidx, affine, w, h, box, visible, inside, order)
        if hi - lo < SPLIT_MIN or SPLIT_THREADS < 2:
            counts, win = self._buffers(0, npix, order is not None)
            self._run(0, lo, hi, counts, win, job)
        else:
            mid = (lo + hi) // 2
            counts, win = self._buffers(0, npix, order is not None)
            counts1, win1 = self._buffers(1, npix, order is not None)
            later = _pool().submit(self._run, 1, mid, hi, counts1, win1, job)
            self._run(0, lo, mid, counts, win, job)
            later.result()
            if order is not None:
                np.maximum(win, win1, out=win)  # the larger draw index was drawn later
            else:
                # The second half was drawn after the first: its colour wins where it hit.
                np.copyto(win, win1, where=counts1 > 0)
            counts += counts1
        self._last = (win, order is not None, cidx)
        return counts

    def shade(self, counts: np.ndarray, lut: np.ndarray, w: int, h: int) -> np.ndarray:
        """Premultiplied ARGB ``(h, w)`` image of the last :meth:`splat` (``counts`` is what it returned):
        each hit pixel in the colour of ``lut`` of its last point, the alpha by its density."""
        buf = np.zeros((h, w), dtype=np.uint32)
        hit = np.flatnonzero(counts > 0)  # a bool pass: much faster than nonzero on the counts
        if len(hit):
            lvl = _LEVELS[np.minimum(counts[hit], DENSITY_SATURATION)]
            idx = self.entries(hit).astype(np.int32)
            idx *= DENSITY_LEVELS
            idx += lvl
            np.minimum(idx, len(lut) * DENSITY_LEVELS - 1, out=idx)
            buf.reshape(-1)[hit] = shade_table(lut)[idx]
        return buf

    def entries(self, hit: np.ndarray) -> np.ndarray:
        """Colour entry (uint16) of the last point drawn on each pixel of ``hit`` (flat indices of
        pixels the last :meth:`splat` counted points on)."""
        win, is_index, cidx = self._last
        return cidx[win[hit]] if is_index else win[hit]

    def _run(self, part: int, lo: int, hi: int, counts: np.ndarray, win: np.ndarray, job: tuple) -> None:
        x, y, cidx, affine, w, h, box, visible, inside, order = job
        f32, ia, ib = self._scratch[part]
        sx, sy, ox, oy = (np.float32(v) for v in affine)
        if order is not None:
            x, y, cidx = order.x, order.y, order.perm  # the "colour" written is the draw index
        for s in range(lo, hi, SPLAT_CHUNK):
            e = min(s + SPLAT_CHUNK, hi)
            xs, ys, cs = x[s:e], y[s:e], cidx[s:e]
            if box is not None or visible is not None:
                keep = np.ones(e - s, dtype=bool) if box is None else (
                    (xs >= box[0]) & (xs <= box[1]) & (ys >= box[2]) & (ys <= box[3]))
                if visible is not None:
                    keep &= visible[cs] if order is not None else visible[s:e]
                if not keep.all():
                    xs, ys, cs = xs[keep], ys[keep], cs[keep]
            m = len(xs)
            if m == 0:
                continue
            t, a, b = f32[:m], ia[:m], ib[:m]
            np.multiply(xs, sx, out=t)
            t += ox
            np.copyto(a, t, casting="unsafe")  # truncates, like astype
            np.multiply(ys, sy, out=t)
            t += oy
            np.copyto(b, t, casting="unsafe")
            if not inside and (a.min() < 0 or a.max() >= w or b.min() < 0 or b.max() >= h):
                ok = (a >= 0) & (a < w) & (b >= 0) & (b < h)
                a, b, cs = a[ok], b[ok], cs[ok]
            b *= w
            b += a
            np.add.at(counts, b, _ONE)  # a typed scalar: the fast path (a Python int is ~30x slower)
            if order is not None:
                np.maximum.at(win, b, cs)
            else:
                win[b] = cs
