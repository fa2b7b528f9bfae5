"""Qt-free maths behind the scatter explorer.

Hit-testing (a sorted-cell grid index), box and lasso containment, the
level-of-detail decision with hysteresis, colour mapping and label
de-overlap. Everything is vectorised numpy so it stays fast at a million
points; nothing here imports Qt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embexplorer.core.view.palette import CATEGORICAL

#: Cells per axis of the hover grid index; 256 x 256 cells fit a uint16 key,
#: which numpy sorts with a radix sort (about 10 ms for a million points).
GRID_CELLS = 256
#: Above this many candidate points a query scans all points instead of cells.
GRID_SCAN_FALLBACK = 400_000
#: Switch to crisp vector points when at most this many points are in view (antialiased
#: sprites cost ~0.3 us each: 60k stay under 20 ms, 90k under 30 ms per frame)...
LOD_VECTOR_ENTER = 60_000
#: ...and back to the raster layer only when more than this many are in view
#: (the gap between the two is the hysteresis that prevents flicker).
LOD_VECTOR_EXIT = 90_000
#: Colour of missing values / categories beyond the palette (ARGB).
MISSING_ARGB = 0xFFB0B0B0
#: Most categories that get their own colour; the rest share "other".
PALETTE_MAX = 20
#: Entries in a numeric colour map lookup table.
NUMERIC_LUT_SIZE = 256

#: The categorical palette as (r, g, b) tuples (Tableau-20, strong hues first: see palette).
CATEGORICAL_PALETTE: list[tuple[int, int, int]] = list(CATEGORICAL)
# The numeric colour map: the middle of matplotlib's "plasma" (0.2 to 0.8), purple through red to amber.
# Every step is readable on white and on the dark theme: no pale yellow end that vanishes on white
# (viridis) and no near-black end that vanishes on dark.
_SEQUENTIAL = np.array([
    [106, 0, 168], [143, 13, 164], [177, 42, 144], [204, 71, 120], [225, 100, 98], [242, 132, 75],
    [252, 166, 54],
], dtype=np.float64)
#: Percentiles a numeric column's colours are clipped to when its tails are long (one outlier does not
#: wash out the map); the legend says so, with the full range.
ROBUST_CLIP = (2.0, 98.0)


# ---------------------------------------------------------------------------
# colours
# ---------------------------------------------------------------------------
def argb(r: int, g: int, b: int, a: int = 255) -> int:
    """Pack a colour into a 32-bit ARGB integer (QImage.Format_ARGB32 order)."""
    return (a << 24) | (r << 16) | (g << 8) | b


def numeric_lut(size: int = NUMERIC_LUT_SIZE) -> np.ndarray:
    """The numeric colour map (see ``_SEQUENTIAL``) as ``size`` x 3 uint8 RGB rows."""
    t = np.linspace(0, len(_SEQUENTIAL) - 1, size)
    lo = np.floor(t).astype(int).clip(0, len(_SEQUENTIAL) - 2)
    frac = (t - lo)[:, None]
    rgb = _SEQUENTIAL[lo] * (1 - frac) + _SEQUENTIAL[lo + 1] * frac
    return np.round(rgb).astype(np.uint8)


@dataclass
class ColorMapping:
    """Per-point colour indices into a small ARGB lookup table.

    Attributes
    ----------
    index : ndarray of uint16, shape (n,)
        Entry of ``lut`` for every point.
    lut : ndarray of uint32
        ARGB colours; the last entry is the "missing / other" grey.
    kind : str
        ``"single"``, ``"categorical"`` or ``"numeric"``.
    names : list of str
        Categorical: the legend text of each LUT entry (same length as ``lut``).
    category_entry : ndarray of int
        Categorical: LUT entry of each original category code.
    counts : ndarray of int
        Categorical: points per LUT entry.
    vmin, vmax : float
        Numeric: the range mapped onto the colour bar.
    data_min, data_max : float
        Numeric: the full range of the finite values.
    clipped : bool
        Numeric: ``vmin``/``vmax`` are the :data:`ROBUST_CLIP` percentiles, not the full range.
    """

    index: np.ndarray
    lut: np.ndarray
    kind: str = "single"
    names: list | None = None
    category_entry: np.ndarray | None = None
    counts: np.ndarray | None = None
    vmin: float = 0.0
    vmax: float = 1.0
    data_min: float = 0.0
    data_max: float = 1.0
    clipped: bool = False


def single_color(n: int, rgb: tuple[int, int, int]) -> ColorMapping:
    """Every point in one colour."""
    return ColorMapping(np.zeros(n, dtype=np.uint16), np.array([argb(*rgb)], dtype=np.uint32))


def categorical_colors(codes: np.ndarray, categories: list[str],
                       palette: list[tuple[int, int, int]] | None = None,
                       max_colors: int = PALETTE_MAX) -> ColorMapping:
    """Colour a categorical column: the most frequent categories get palette colours.

    Categories beyond ``max_colors`` and missing values (code -1) share a grey
    "(other)" entry, so the legend stays readable with thousands of categories.
    """
    palette = palette or CATEGORICAL_PALETTE
    codes = np.asarray(codes)
    ncat = len(categories)
    # One pass: shift codes so "missing" (-1) lands in bin 0.
    counts_all = np.bincount(codes + 1, minlength=ncat + 1) if len(codes) else np.zeros(ncat + 1, int)
    counts = counts_all[1:ncat + 1]
    # Stable sort by decreasing count keeps file order among equal counts.
    order = np.argsort(-counts, kind="stable")[:max_colors]
    order = order[counts[order] > 0] if ncat else order
    k = len(order)
    entry = np.full(ncat + 1, k, dtype=np.uint16)  # last slot = code -1
    entry[order] = np.arange(k, dtype=np.uint16)
    index = np.take(entry, codes)  # code -1 indexes the last slot; take: ~5x faster than [] at 3M rows
    lut = np.array([argb(*palette[i % len(palette)]) for i in range(k)] + [MISSING_ARGB], dtype=np.uint32)
    names = [categories[c] for c in order] + ["(other)" if k < ncat else "(missing)"]
    # Points per LUT entry from the category counts (no second pass over the points).
    entry_counts = np.zeros(k + 1, dtype=np.int64)
    entry_counts[:k] = counts[order]
    entry_counts[k] = len(codes) - int(entry_counts[:k].sum())
    return ColorMapping(index, lut, "categorical", names, entry[:ncat].astype(np.int64), entry_counts)


#: The robust clip is used only when it narrows the full range by more than this share.
CLIP_MIN_GAIN = 0.05


def numeric_colors(values: np.ndarray, lut_size: int = NUMERIC_LUT_SIZE) -> ColorMapping:
    """Colour a numeric column: its full range, or the :data:`ROBUST_CLIP` percentiles when long tails
    would wash out the map (``clipped`` says which, for the legend); NaN gets the grey last entry."""
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    clipped = False
    if finite.any():
        lo, hi = float(values[finite].min()), float(values[finite].max())
        vmin, vmax = (float(v) for v in np.percentile(values[finite], ROBUST_CLIP))
        if vmax <= vmin or (vmax - vmin) >= (1 - CLIP_MIN_GAIN) * (hi - lo):
            vmin, vmax = lo, hi  # the tails are short: the full range, nothing clipped
        else:
            clipped = True
    else:
        vmin, vmax = lo, hi = 0.0, 1.0
    span = (vmax - vmin) or 1.0
    t = np.where(finite, (values - vmin) / span, 0.0).clip(0, 1)
    index = np.round(t * (lut_size - 1)).astype(np.uint16)
    index[~finite] = lut_size
    rgb = numeric_lut(lut_size)
    lut = np.empty(lut_size + 1, dtype=np.uint32)
    lut[:lut_size] = ((0xFF << 24) | (rgb[:, 0].astype(np.uint32) << 16)
                      | (rgb[:, 1].astype(np.uint32) << 8) | rgb[:, 2])
    lut[lut_size] = MISSING_ARGB
    return ColorMapping(index, lut, "numeric", vmin=float(vmin), vmax=float(vmax), data_min=lo, data_max=hi,
                        clipped=clipped)


def draw_order(mapping: ColorMapping | None) -> np.ndarray | None:
    """Rows in drawing order for a categorical ``mapping``: the largest category first, the grey
    "(other)" / "(missing)" entry before all, the smallest last (on top); None for other mappings."""
    if mapping is None or mapping.kind != "categorical" or mapping.counts is None or len(mapping.lut) < 2:
        return None
    counts = np.asarray(mapping.counts, dtype=np.float64).copy()
    if mapping.names and str(mapping.names[-1]).startswith(("(other)", "(missing)", "not ")):
        counts[-1] = np.inf  # the grey rest goes underneath everything
    # 8/16-bit ranks: numpy's stable argsort is then a radix sort (~20x faster than on int64 at 3M rows).
    rank = np.empty(len(counts), dtype=np.uint8 if len(counts) <= 256 else np.uint16)
    rank[np.argsort(-counts, kind="stable")] = np.arange(len(counts))
    return np.argsort(np.take(rank, mapping.index), kind="stable")


# ---------------------------------------------------------------------------
# hit testing
# ---------------------------------------------------------------------------
class GridIndex:
    """A uniform-grid index of 2-D points for nearest-point queries.

    The points are sorted by cell once (radix sort of a uint16 key), so the
    points of a cell are one contiguous slice of ``order``; a query visits
    only the cells its search rectangle overlaps.

    Parameters
    ----------
    xy : ndarray, shape (n, 2)
        Point coordinates (float32).
    cells : int
        Cells per axis (at most 256 so the key fits a uint16).
    """

    def __init__(self, xy: np.ndarray | None, cells: int = GRID_CELLS,
                 _columns: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        if _columns is not None:
            self.x = np.ascontiguousarray(_columns[0], dtype=np.float32)
            self.y = np.ascontiguousarray(_columns[1], dtype=np.float32)
        else:
            xy = np.asarray(xy, dtype=np.float32).reshape(-1, 2)
            self.x = np.ascontiguousarray(xy[:, 0])
            self.y = np.ascontiguousarray(xy[:, 1])
        self.n = len(self.x)
        self.cells = int(min(cells, 256))
        if self.n == 0:
            self.lo = np.zeros(2)
            self.step = np.ones(2)
            self.order = np.zeros(0, dtype=np.intp)
            self.starts = np.zeros(self.cells * self.cells + 1, dtype=np.intp)
            return
        x, y = self.x, self.y
        raw = (float(x.min()), float(x.max()), float(y.min()), float(y.max()))
        all_finite = bool(np.isfinite(raw).all())
        b = raw if all_finite else finite_bounds(x, y)
        finite = None if all_finite else (np.isfinite(x) & np.isfinite(y))
        if b is None:
            b = (0.0, 1.0, 0.0, 1.0)
        self.lo = np.array([b[0], b[2]], dtype=np.float64)
        hi = np.array([b[1], b[3]], dtype=np.float64)
        self.step = np.maximum((hi - self.lo) / self.cells, 1e-12)
        c = self.cells
        key = cell_keys(x, y, self.lo, self.step, c)
        if not all_finite:
            # Non-finite points never match: park them out of every cell range.
            key[~finite] = 0
        self.order = np.argsort(key, kind="stable")
        counts = np.bincount(key, minlength=c * c)
        if not all_finite:
            counts[0] -= int((~finite).sum())
            bad = ~finite[self.order]
            self.order = np.concatenate([self.order[~bad], self.order[bad]])
        self.starts = np.zeros(c * c + 1, dtype=np.intp)
        np.cumsum(counts, out=self.starts[1:])

    @classmethod
    def from_columns(cls, x: np.ndarray, y: np.ndarray, cells: int = GRID_CELLS) -> GridIndex:
        """Build from separate x and y arrays (no (n, 2) copy)."""
        return cls(None, cells, _columns=(x, y))

    def candidates(self, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        """Rows whose cells overlap the rectangle (a superset of the points inside)."""
        if self.n == 0:
            return np.zeros(0, dtype=np.intp)
        c = self.cells
        i0 = int(np.clip((x0 - self.lo[0]) // self.step[0], 0, c - 1))
        i1 = int(np.clip((x1 - self.lo[0]) // self.step[0], 0, c - 1))
        j0 = int(np.clip((y0 - self.lo[1]) // self.step[1], 0, c - 1))
        j1 = int(np.clip((y1 - self.lo[1]) // self.step[1], 0, c - 1))
        if i1 < i0 or j1 < j0:
            return np.zeros(0, dtype=np.intp)
        # Cells (i, j0..j1) are contiguous in key order: one slice per column.
        cols = np.arange(i0, i1 + 1) * c
        begins = self.starts[cols + j0]
        ends = self.starts[cols + j1 + 1]
        total = int((ends - begins).sum())
        if total == 0:
            return np.zeros(0, dtype=np.intp)
        if total > GRID_SCAN_FALLBACK:
            return np.arange(self.n)
        return np.concatenate([self.order[b:e] for b, e in zip(begins, ends) if e > b])

    def nearest(self, x: float, y: float, rx: float, ry: float,
                visible: np.ndarray | None = None) -> int:
        """Nearest point to ``(x, y)`` inside the ellipse of radii ``rx``, ``ry``.

        Distances are measured after scaling by the radii, i.e. in screen
        pixels when the radii are one hover radius in data units per axis.
        Returns -1 when no (visible) point is that close.
        """
        if rx <= 0 or ry <= 0:
            return -1
        cand = self.candidates(x - rx, y - ry, x + rx, y + ry)
        if len(cand) == 0:
            return -1
        if visible is not None:
            cand = cand[visible[cand]]
            if len(cand) == 0:
                return -1
        d2 = ((self.x[cand] - x) / rx) ** 2 + ((self.y[cand] - y) / ry) ** 2
        k = int(np.argmin(d2))
        return int(cand[k]) if d2[k] <= 1.0 else -1


def brute_nearest(x: np.ndarray, y: np.ndarray, px: float, py: float, rx: float, ry: float,
                  visible: np.ndarray | None = None) -> int:
    """Nearest point within the ellipse of radii ``rx``, ``ry`` by a scan of all points (-1 if none).

    A box prefilter keeps the distance maths to the few candidates; about
    2 ms at a million points. Used until a :class:`GridIndex` is ready.
    """
    if rx <= 0 or ry <= 0 or len(x) == 0:
        return -1
    m = np.abs(x - np.float32(px)) <= rx
    m &= np.abs(y - np.float32(py)) <= ry
    if visible is not None:
        m &= visible
    cand = np.flatnonzero(m)
    if len(cand) == 0:
        return -1
    d2 = ((x[cand] - px) / rx) ** 2 + ((y[cand] - py) / ry) ** 2
    k = int(np.argmin(d2))
    return int(cand[k]) if d2[k] <= 1.0 else -1


def rect_mask(xy: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """Boolean mask of points inside the axis-aligned rectangle (corners in any order)."""
    x0, x1 = min(x0, x1), max(x0, x1)
    y0, y1 = min(y0, y1), max(y0, y1)
    x = xy[:, 0]
    y = xy[:, 1]
    return (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)


def polygon_mask(xy: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Boolean mask of points inside a closed polygon (even-odd rule).

    Points outside the polygon's bounding box are rejected first; the rest are
    sorted by y once, so each edge tests only the contiguous run of points in
    its y span. The cost is about (points in the box) x (edges crossed per
    horizontal line), not points x edges.
    """
    poly = np.asarray(poly, dtype=np.float64)
    n = len(xy)
    mask = np.zeros(n, dtype=bool)
    if len(poly) < 3 or n == 0:
        return mask
    box = rect_mask(xy, poly[:, 0].min(), poly[:, 1].min(), poly[:, 0].max(), poly[:, 1].max())
    rows = np.flatnonzero(box)
    if len(rows) == 0:
        return mask
    px = xy[rows, 0].astype(np.float64)
    py = xy[rows, 1].astype(np.float64)
    srt = np.argsort(py, kind="stable")
    px, py = px[srt], py[srt]
    inside = np.zeros(len(rows), dtype=bool)
    a = poly
    b = np.roll(poly, -1, axis=0)
    for (xa, ya), (xb, yb) in zip(a, b):
        if ya == yb:
            continue  # horizontal edges never cross a horizontal ray
        lo_y, hi_y = (ya, yb) if ya < yb else (yb, ya)
        # Half-open span [lo, hi) so a vertex shared by two edges counts once.
        i0 = np.searchsorted(py, lo_y, side="left")
        i1 = np.searchsorted(py, hi_y, side="left")
        if i1 <= i0:
            continue
        t = (py[i0:i1] - ya) / (yb - ya)
        xc = xa + t * (xb - xa)
        inside[i0:i1] ^= px[i0:i1] < xc
    mask[rows[srt[inside]]] = True
    return mask


def combine_selection(current: np.ndarray, rows: np.ndarray, mode: str) -> np.ndarray:
    """Combine sorted unique ``current`` rows with ``rows`` by ``mode``.

    ``mode`` is ``"replace"``, ``"add"``, ``"toggle"`` (symmetric difference)
    or ``"remove"``. Returns sorted unique int64 rows.
    """
    rows = np.asarray(rows, dtype=np.int64)
    # Rows from a mask (np.flatnonzero) are already sorted and unique: skip the sort.
    if len(rows) > 1 and not bool(np.all(rows[1:] > rows[:-1])):
        rows = np.unique(rows)
    current = np.asarray(current, dtype=np.int64)
    if mode == "replace":
        return rows
    if mode == "add":
        return np.union1d(current, rows)
    if mode == "toggle":
        return np.setxor1d(current, rows, assume_unique=True)
    if mode == "remove":
        return np.setdiff1d(current, rows, assume_unique=True)
    raise ValueError(f"unknown selection mode {mode!r}")


# ---------------------------------------------------------------------------
# level of detail
# ---------------------------------------------------------------------------
class LodDecider:
    """Raster vs vector decision with hysteresis.

    Vector mode is entered when at most ``enter`` points are in view and left
    only when more than ``exit`` are, so panning around the threshold never
    flips the mode back and forth.
    """

    def __init__(self, enter: int = LOD_VECTOR_ENTER, exit: int = LOD_VECTOR_EXIT) -> None:
        if exit < enter:
            raise ValueError("exit threshold must not be below the enter threshold")
        self.enter = enter
        self.exit = exit
        self.vector = False

    def update(self, n_in_view: int) -> bool:
        """Feed the current in-view count; returns True for vector mode."""
        if self.vector:
            if n_in_view > self.exit:
                self.vector = False
        elif n_in_view <= self.enter:
            self.vector = True
        return self.vector

    def reset(self) -> None:
        """Forget the state (new data)."""
        self.vector = False


# ---------------------------------------------------------------------------
# view bounds (label placement itself is core.view.labels)
# ---------------------------------------------------------------------------
def finite_bounds(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float] | None:
    """``(x0, x1, y0, y1)`` of the finite points, or None when there are none.

    Plain min/max first (fast); the NaN-filtering pass only runs when that
    result is not finite.
    """
    if len(x) == 0:
        return None
    b = (float(x.min()), float(x.max()), float(y.min()), float(y.max()))
    if np.all(np.isfinite(b)):
        return b
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return None
    fx, fy = x[ok], y[ok]
    return (float(fx.min()), float(fx.max()), float(fy.min()), float(fy.max()))


def fit_range(x: np.ndarray, y: np.ndarray, padding: float = 0.05) -> tuple[float, float, float, float]:
    """``(x0, x1, y0, y1)`` covering the finite points with relative ``padding``."""
    b = finite_bounds(x, y)
    if b is None:
        return (-1.0, 1.0, -1.0, 1.0)
    # Python floats: numpy float32 bounds handed to pyqtgraph's setRange overflow when it compares them
    # with its float64 limits (a RuntimeWarning "overflow encountered in cast" per call).
    x0, x1, y0, y1 = (float(v) for v in b)
    wx = max(x1 - x0, 1e-9) * padding
    wy = max(y1 - y0, 1e-9) * padding
    return (x0 - wx, x1 + wx, y0 - wy, y1 + wy)


#: Margin around matches the view is moved to (share of their extent on each side).
MATCH_MARGIN = 0.15
#: Smallest extent shown around matches (share of the whole set's): one match is not blown up.
MATCH_MIN_SHARE = 0.08


def range_containing(xy: np.ndarray, view: tuple[tuple[float, float], tuple[float, float]],
                     full: tuple[float, float, float, float], margin: float = MATCH_MARGIN,
                     min_share: float = MATCH_MIN_SHARE) -> tuple[float, float, float, float] | None:
    """The view range ``(x0, x1, y0, y1)`` that shows every point of ``xy`` with a margin, or None when
    the current ``view`` ((x0, x1), (y0, y1)) already does.

    The current view is kept when it contains the points (inset by the margin); otherwise the range is
    the points' bounding box grown by ``margin`` of its extent on each side, at least ``min_share`` of
    the whole set's extent ``full`` (x0, x1, y0, y1) wide and tall.
    """
    p = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    p = p[np.isfinite(p).all(axis=1)]
    if not len(p):
        return None
    lo, hi = p.min(axis=0), p.max(axis=0)
    (vx0, vx1), (vy0, vy1) = view
    inset = margin * 0.5 * np.array([vx1 - vx0, vy1 - vy0])
    if (lo[0] >= vx0 + inset[0] and hi[0] <= vx1 - inset[0] and lo[1] >= vy0 + inset[1]
            and hi[1] <= vy1 - inset[1]):
        return None
    whole = np.array([full[1] - full[0], full[3] - full[2]], dtype=np.float64)
    span = np.maximum(hi - lo, min_share * np.maximum(whole, 1e-12))
    mid, half = (lo + hi) / 2, span * (0.5 + margin)
    x0, y0 = mid - half
    x1, y1 = mid + half
    return float(x0), float(x1), float(y0), float(y1)


# ---------------------------------------------------------------------------
# point sizes
# ---------------------------------------------------------------------------
#: Size classes a numeric column is binned into (each costs one extra raster pass).
SIZE_CLASSES = 4
#: Diameter of the largest class relative to the base point size.
SIZE_MAX_SCALE = 3.0
#: Largest point diameter (pixels); equals ``raster_layer.MAX_POINT_SIZE`` (core cannot import Qt code).
SIZE_MAX_PX = 24


def size_classes(values: np.ndarray, base_size: int, n_classes: int = SIZE_CLASSES,
                 max_scale: float = SIZE_MAX_SCALE, max_size: int = SIZE_MAX_PX
                 ) -> tuple[np.ndarray, tuple[int, ...]]:
    """Bin a numeric column into a few point-size classes, like a bubble chart.

    Classes are equal-count quantile bins of the finite values (rank, not
    value): robust to long tails such as rating counts, where a linear or
    even log scale would leave almost every point in the smallest class, and
    valid for negative values. Equal values always share a class, the
    smallest value is always class 0, and the classes are monotonic in the
    value. Diameters grow with the square root of the class so the disc
    *area* is proportional to the rank: ``base * sqrt(1 + (max_scale**2 - 1)
    * k / (n_classes - 1))``, i.e. from ``base_size`` to ``base_size *
    max_scale``, capped at ``max_size``.

    Parameters
    ----------
    values : ndarray (n,)
        Numeric column; NaN / inf get the smallest class.
    base_size : int
        Diameter (pixels) of the smallest class, the normal point size.
    n_classes : int
        Number of classes (at most 255).
    max_scale : float
        Diameter of the largest class over ``base_size``.
    max_size : int
        Cap of every diameter (pixels).

    Returns
    -------
    classes : ndarray of uint8, shape (n,)
        Class of every point (0 = smallest).
    sizes : tuple of int
        Diameter of each class, non-decreasing, length ``n_classes``.
    """
    n_classes = int(np.clip(n_classes, 1, 255))
    base = int(np.clip(base_size, 1, max_size))
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    frac = np.arange(n_classes, dtype=np.float64) / max(n_classes - 1, 1)
    diam = base * np.sqrt(1.0 + (max_scale ** 2 - 1.0) * frac)
    sizes = tuple(int(s) for s in np.clip(np.round(diam), base, max_size))
    classes = np.zeros(len(values), dtype=np.uint8)
    finite = np.isfinite(values)
    if n_classes == 1 or not finite.any():
        return classes, sizes
    v = values[finite]
    edges = np.quantile(v, np.arange(1, n_classes) / n_classes)
    # side="left": a value equal to an edge stays below it, so the (often tied) minimum
    # is always class 0 and ties never split across classes.
    classes[finite] = np.searchsorted(edges, v, side="left").astype(np.uint8)
    return classes, sizes


def cell_keys(x: np.ndarray, y: np.ndarray, lo, step, cells: int) -> np.ndarray:
    """Cell of every point in a ``cells`` x ``cells`` grid from ``lo`` in steps of ``step`` (x, y):
    ``column * cells + row``, clipped to the grid, as uint16 where it fits (a radix sort then)."""
    with np.errstate(invalid="ignore"):
        ix = ((x - np.float32(lo[0])) * np.float32(1 / step[0])).astype(np.int32)
        iy = ((y - np.float32(lo[1])) * np.float32(1 / step[1])).astype(np.int32)
    np.clip(ix, 0, cells - 1, out=ix)
    np.clip(iy, 0, cells - 1, out=iy)
    ix *= cells
    ix += iy
    return ix.astype(np.uint16 if cells * cells <= 65536 else np.uint32)
