"""Label placement: where each point label goes so that labels never collide.

Everything is in screen pixels (y grows downwards).  Labels are placed greedily in
priority order: each tries :data:`CANDIDATES` (eight positions around its anchor),
then the same eight directions displaced further out (drawn with a leader line);
it takes the first position inside the bounds that overlaps no placed label and no
highlighted marker and -- at the anchor, where no leader line says whose label it is -- is
not nearer another labelled or highlighted point than its own (a label beside the wrong
marker misinforms the room; a displaced one has its leader line, so it may sit anywhere).
A label with no free position is dropped and counted, so the lowest-priority labels are
the ones dropped.

Overlap tests are grid-bucketed (a label only meets boxes in the cells it spans)
and numpy-vectorised over all candidate positions of a label at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Priorities of the kinds of label (higher placed first, dropped last).
PRIORITY_LAYER = 3      # search focus, query, answer, layer labels
PRIORITY_SELECTED = 2   # selected points
PRIORITY_IN_VIEW = 1    # "label points in view"

#: The eight directions tried around an anchor, best first: (side x, side y), +1 = right / below,
#: 0 = centred.  Upper right is the usual reading position; the corners before the sides.
CANDIDATES = ((1, -1), (1, 1), (-1, -1), (-1, 1), (1, 0), (-1, 0), (0, -1), (0, 1))
#: Gap between an anchor's marker and its label (pixels).
GAP_PX = 2.0
#: Displaced rings tried after the eight positions at the anchor: each one label height plus
#: :data:`RING_GAP_PX` further out, so a displaced label clears the one nearer the anchor.
DISPLACE_RINGS = 2
RING_GAP_PX = 4.0
#: Labels below this priority are not displaced: a leader line is worth it for a query or a
#: selected word, not for a background "label in view" (and the cheaper search keeps placement fast).
DISPLACE_MIN_PRIORITY = 2
#: Padding kept free around each placed label (pixels), so neighbouring labels stay readable.
PAD_PX = 1.0
#: Occupancy grid: column width and band height (pixels).  Each band is one Python integer used
#: as a bit set of columns, so testing a box is a few AND operations (one per band it spans).
CELL_X_PX = 1.0
BAND_PX = 2.0
#: A label at its anchor is ambiguous when another point is this much nearer to its box than its own.
AMBIGUITY_MARGIN_PX = 0.5
#: Most cells of the point-count grid of the ambiguity test: 1 pixel each up to this many, coarser on a
#: larger plot (a cell partly within reach counts, so coarser cells only make the test stricter).
#: Its summed-area table is most of what the test costs (~1 ms at this size on a busy machine).
AMBIGUITY_MAX_CELLS = 1 << 16


@dataclass
class Placement:
    """Where the labels went.

    Attributes
    ----------
    kept : ndarray of int
        Indices (into the inputs) of the placed labels, in placing order.
    boxes : ndarray (k, 4)
        Their boxes ``(x0, y0, x1, y1)`` in pixels.
    leader : ndarray of bool (k,)
        Displaced from their anchor (draw a leader line from the anchor to the box).
    dropped : int
        Labels that found no free position (``max_labels`` caps are not counted).
    dropped_by_priority : dict of int -> int
        The same count per priority.
    """

    kept: np.ndarray
    boxes: np.ndarray
    leader: np.ndarray
    dropped: int
    dropped_by_priority: dict


def candidate_offsets(radius: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Top-left offsets ``(n, C, 2)`` of every candidate box from its anchor, and the leader flag ``(C,)``.

    Parameters
    ----------
    radius : ndarray (n,)
        Half size of each anchor's marker: the label keeps clear of it.
    sizes : ndarray (n, 2)
        Label widths and heights.
    """
    d = np.asarray(CANDIDATES, dtype=np.float64)                       # (8, 2)
    rings = np.arange(DISPLACE_RINGS + 1, dtype=np.float64)
    sx = np.tile(d[:, 0], len(rings))                                   # (C,)
    sy = np.tile(d[:, 1], len(rings))
    ring = np.repeat(rings, len(d))
    w, h = sizes[:, 0:1], sizes[:, 1:2]
    dist = radius[:, None] + GAP_PX + ring[None, :] * (h + RING_GAP_PX)  # (n, C)
    # Right of the anchor: box starts at +dist; left: ends at -dist; centred: straddles it.
    ox = np.where(sx > 0, dist, np.where(sx < 0, -dist - w, -w / 2))
    oy = np.where(sy > 0, dist, np.where(sy < 0, -dist - h, -h / 2))
    # A centred side (above/below, left/right) needs the clearance only on its own axis.
    return np.stack([ox, oy], axis=-1), ring > 0


def _box_distance(px: np.ndarray, py: np.ndarray, tl: np.ndarray, br: np.ndarray) -> np.ndarray:
    """Distance from points ``(px, py)`` to boxes ``tl``-``br`` (0 inside), broadcasting."""
    dx = np.maximum(np.maximum(tl[..., 0] - px, px - br[..., 0]), 0.0)
    dy = np.maximum(np.maximum(tl[..., 1] - py, py - br[..., 1]), 0.0)
    return np.hypot(dx, dy)


def ambiguous_candidates(anchors: np.ndarray, tl: np.ndarray, br: np.ndarray,
                         points: np.ndarray) -> np.ndarray:
    """Which candidate boxes ``(n, C)`` have another point nearer than their own anchor.

    Such a box would be read as that point's label.  "Nearer" is measured along each axis (a point
    within ``d - AMBIGUITY_MARGIN_PX`` of the box in x and in y, ``d`` the anchor's distance to the
    box): points are counted into a pixel grid once and every box is one look-up in its summed-area
    table, whatever the density; points in the anchor's own cell (the anchor, its duplicates) are not
    counted.  The grid's cells grow past :data:`AMBIGUITY_MAX_CELLS` (a huge spread of boxes).
    """
    n, c = tl.shape[:2]
    out = np.zeros((n, c), dtype=bool)
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    pts = pts[np.isfinite(pts).all(axis=1)]
    finite = (np.isfinite(tl).all(axis=-1) & np.isfinite(br).all(axis=-1)
              & np.isfinite(anchors).all(axis=1)[:, None])
    if n == 0 or len(pts) == 0 or not finite.any():
        return out
    own = _box_distance(anchors[:, None, 0], anchors[:, None, 1], tl, br)          # (n, C)
    reach = np.where(finite, own - AMBIGUITY_MARGIN_PX, 0.0)
    lo = np.where(finite[..., None], tl - reach[..., None], np.nan)
    hi = np.where(finite[..., None], br + reach[..., None], np.nan)
    origin = np.nanmin(lo.reshape(-1, 2), axis=0)
    extent = np.nanmax(hi.reshape(-1, 2), axis=0) - origin
    cell = max(1.0, float(np.sqrt(max(extent[0], 1.0) * max(extent[1], 1.0) / AMBIGUITY_MAX_CELLS)))
    w, h = (np.ceil(extent / cell).astype(np.int64) + 2).tolist()
    pc = np.floor((pts - origin) / cell).astype(np.int64)
    inside = (pc[:, 0] >= 0) & (pc[:, 0] < w) & (pc[:, 1] >= 0) & (pc[:, 1] < h)
    counts = np.bincount(pc[inside, 1] * w + pc[inside, 0], minlength=w * h).reshape(h, w)
    sat = np.zeros((h + 1, w + 1), dtype=np.int32)
    np.cumsum(np.cumsum(counts.astype(np.int32), axis=0), axis=1, out=sat[1:, 1:])
    # Cells wholly or partly within reach of each box (inclusive), clipped to the grid.
    safe_lo = np.where(finite[..., None], lo, origin)
    safe_hi = np.where(finite[..., None], hi, origin)
    x0 = np.clip(np.floor((safe_lo[..., 0] - origin[0]) / cell).astype(np.int64), 0, w)
    y0 = np.clip(np.floor((safe_lo[..., 1] - origin[1]) / cell).astype(np.int64), 0, h)
    x1 = np.clip(np.floor((safe_hi[..., 0] - origin[0]) / cell).astype(np.int64) + 1, 0, w)
    y1 = np.clip(np.floor((safe_hi[..., 1] - origin[1]) / cell).astype(np.int64) + 1, 0, h)
    total = sat[y1, x1] - sat[y0, x1] - sat[y1, x0] + sat[y0, x0]
    # Not the anchor's own cell (the anchor itself, or points on top of it).
    ac = np.floor((np.where(np.isfinite(anchors), anchors, origin) - origin) / cell).astype(np.int64)
    ax, ay = ac[:, 0:1], ac[:, 1:2]
    own_in = (ax >= x0) & (ax < x1) & (ay >= y0) & (ay < y1)
    own_count = np.where((ax >= 0) & (ax < w) & (ay >= 0) & (ay < h),
                         counts[np.clip(ay, 0, h - 1), np.clip(ax, 0, w - 1)], 0)
    out = finite & ((total - np.where(own_in, own_count, 0)) > 0)
    return out


def place_labels(anchors: np.ndarray, sizes: np.ndarray, priority: np.ndarray | None = None, *,
                 markers: np.ndarray | None = None, radius: np.ndarray | float = 0.0,
                 bounds: tuple[float, float, float, float] | None = None,
                 max_labels: dict | None = None, points: np.ndarray | None = None) -> Placement:
    """Place labels without overlaps, highest priority first.

    Parameters
    ----------
    anchors : ndarray (n, 2)
        Anchor points (pixels).
    sizes : ndarray (n, 2)
        Label box widths and heights (pixels).
    priority : ndarray (n,), optional
        Higher is placed first; ties keep the input order.  Default: all :data:`PRIORITY_SELECTED`.
    markers : ndarray (m, 4), optional
        Rectangles ``(x0, y0, x1, y1)`` no label may cover (highlighted markers).
    radius : float or ndarray (n,)
        Half size of each anchor's marker (labels keep clear of it).
    bounds : (x0, y0, x1, y1), optional
        Labels stay inside.
    max_labels : dict of priority -> int, optional
        Most labels placed of a priority (the rest are skipped, not counted as dropped).
    points : ndarray (p, 2), optional
        Points a label at its anchor must not sit nearer to than to its own anchor (every labelled
        and highlighted point; the anchors themselves may be among them).

    Returns
    -------
    Placement
    """
    anchors = np.asarray(anchors, dtype=np.float64).reshape(-1, 2)
    sizes = np.asarray(sizes, dtype=np.float64).reshape(-1, 2)
    n = len(anchors)
    prio = (np.full(n, PRIORITY_SELECTED, dtype=np.int64) if priority is None
            else np.asarray(priority, dtype=np.int64))
    order = np.argsort(-prio, kind="stable")
    rad = np.broadcast_to(np.asarray(radius, dtype=np.float64), (n,))
    offsets, displaced = candidate_offsets(rad, sizes)
    # Top-left corners of every candidate box of every label at once: (n, C, 2).
    tl = anchors[:, None, :] + offsets
    br = tl + sizes[:, None, :]
    ok = np.isfinite(tl).all(axis=-1) & np.isfinite(br).all(axis=-1)
    if bounds is not None:
        ok &= ((tl[..., 0] >= bounds[0]) & (tl[..., 1] >= bounds[1]) & (br[..., 0] <= bounds[2])
               & (br[..., 1] <= bounds[3]))
    if points is not None:
        n_near = len(CANDIDATES)
        ok[:, :n_near] &= ~ambiguous_candidates(anchors, tl[:, :n_near], br[:, :n_near], points)
    mk = np.zeros((0, 4)) if markers is None else np.asarray(markers, dtype=np.float64).reshape(-1, 4)
    mk = mk[np.isfinite(mk).all(axis=1)]
    if not ok.any():
        return Placement(np.zeros(0, np.intp), np.zeros((0, 4)), np.zeros(0, bool), int(n),
                         {int(k): int(v) for k, v in zip(*np.unique(prio, return_counts=True))})
    # Occupancy: one bit set per band, origin below every box so all cells are >= 0.
    lo = np.minimum(tl[ok].min(axis=0), mk[:, :2].min(axis=0) if len(mk) else np.inf)
    hi = max(float(br[ok][:, 1].max()), float(mk[:, 3].max()) if len(mk) else -np.inf)
    origin = (float(lo[0]) - PAD_PX - CELL_X_PX, float(lo[1]) - PAD_PX - BAND_PX)
    res = np.array([CELL_X_PX, BAND_PX])
    # Each label is tested and kept with half the padding on each side: kept labels are PAD_PX apart.
    # Rounded outwards (start floored, extent one cell more than needed): the cells cover the box.
    safe = np.where(ok[..., None], tl, origin)  # no NaN cast to int
    cells = np.floor((safe - PAD_PX / 2 - np.array(origin)) / res).astype(np.int64)
    cells[~ok] = -1  # a candidate out of bounds: never taken (x0 < 0)
    ext = (np.ceil((sizes + PAD_PX) / res) + 1).astype(np.int64).tolist()   # (n, 2): columns, bands
    n_near = len(CANDIDATES)
    near_l = cells[:, :n_near].tolist()  # the displaced ones are listed only for labels that need them
    bands = [0] * (int(np.ceil((hi + PAD_PX - origin[1]) / BAND_PX)) + 2)
    for x0, y0, x1, y1 in np.column_stack([np.floor((mk[:, :2] - origin) / res),
                                           np.ceil((mk[:, 2:] - origin) / res)]).astype(np.int64).tolist():
        bits = ((1 << (x1 - x0)) - 1) << x0
        for y in range(y0, y1):
            bands[y] |= bits
    caps = dict(max_labels or {})
    kept: list[int] = []
    chosen: list[int] = []
    dropped: dict[int, int] = {}
    prios = prio.tolist()

    def first_free(cand, mask: int, hc: int) -> tuple[int, int, int]:
        for k, (x0, y0) in enumerate(cand):
            if x0 < 0:
                continue
            bits = mask << x0
            for y in range(y0, y0 + hc):
                if bands[y] & bits:
                    break
            else:
                return k, bits, y0
        return -1, 0, 0

    for i in order.tolist():
        p = prios[i]
        if caps.get(p, 1) <= 0:
            continue
        wc, hc = ext[i]
        mask = (1 << wc) - 1
        pick, bits, y0 = first_free(near_l[i], mask, hc)
        # Background labels try only the eight positions at their anchor (see DISPLACE_MIN_PRIORITY).
        if pick < 0 and p >= DISPLACE_MIN_PRIORITY:
            pick, bits, y0 = first_free(cells[i, n_near:].tolist(), mask, hc)
            pick = pick + n_near if pick >= 0 else -1
        if pick < 0:
            dropped[p] = dropped.get(p, 0) + 1
            continue
        for y in range(y0, y0 + hc):
            bands[y] |= bits
        kept.append(i)
        chosen.append(pick)
        if p in caps:
            caps[p] -= 1
    kept_a = np.asarray(kept, dtype=np.intp)
    chosen_a = np.asarray(chosen, dtype=np.intp)
    placed = (np.concatenate([tl[kept_a, chosen_a], br[kept_a, chosen_a]], axis=1) if len(kept_a)
              else np.zeros((0, 4)))
    return Placement(kept_a, placed, displaced[chosen_a] if len(chosen_a) else np.zeros(0, bool),
                     sum(dropped.values()), dropped)


def place_naive(anchors: np.ndarray, sizes: np.ndarray, priority: np.ndarray | None = None, *,
                markers: np.ndarray | None = None, radius: float = 0.0,
                bounds: tuple[float, float, float, float] | None = None) -> Placement:
    """The same placement with plain loops and an all-pairs test (the benchmark's reference)."""
    anchors = np.asarray(anchors, dtype=np.float64).reshape(-1, 2)
    sizes = np.asarray(sizes, dtype=np.float64).reshape(-1, 2)
    n = len(anchors)
    prio = np.zeros(n, dtype=np.int64) if priority is None else np.asarray(priority, dtype=np.int64)
    offsets, displaced = candidate_offsets(np.full(n, float(radius)), sizes)
    placed: list[tuple] = [tuple(m) for m in (markers if markers is not None else [])]
    kept, chosen, dropped = [], [], 0
    for i in sorted(range(n), key=lambda j: -prio[j]):
        for k in range(offsets.shape[1]):
            x0, y0 = anchors[i, 0] + offsets[i, k, 0], anchors[i, 1] + offsets[i, k, 1]
            b = (x0, y0, x0 + sizes[i, 0], y0 + sizes[i, 1])
            if bounds is not None and not (b[0] >= bounds[0] and b[1] >= bounds[1] and b[2] <= bounds[2]
                                           and b[3] <= bounds[3]):
                continue
            if all(not (b[0] < o[2] + PAD_PX and o[0] - PAD_PX < b[2] and b[1] < o[3] + PAD_PX
                        and o[1] - PAD_PX < b[3]) for o in placed):
                placed.append(b)
                kept.append(i)
                chosen.append(k)
                break
        else:
            dropped += 1
    boxes = np.asarray(placed[len(placed) - len(kept):], dtype=np.float64).reshape(-1, 4)
    return Placement(np.asarray(kept, dtype=np.intp), boxes, displaced[np.asarray(chosen, dtype=np.intp)],
                     dropped, {})


def overlaps(boxes: np.ndarray, others: np.ndarray | None = None) -> int:
    """Number of overlapping pairs among ``boxes`` (or between ``boxes`` and ``others``)."""
    a = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    b = a if others is None else np.asarray(others, dtype=np.float64).reshape(-1, 4)
    hit = ((a[:, None, 0] < b[None, :, 2]) & (b[None, :, 0] < a[:, None, 2])
           & (a[:, None, 1] < b[None, :, 3]) & (b[None, :, 1] < a[:, None, 3]))
    if others is None:
        return int(np.triu(hit, 1).sum())
    return int(hit.sum())
