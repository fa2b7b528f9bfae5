"""Linked histograms: the bars of a metadata column, and the rows a brush or a click selects."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Bars of a numeric histogram.
DEFAULT_BINS = 30
#: Categories drawn as bars (the most frequent; the rest are summed into "other").
MAX_CATEGORY_BARS = 30


@dataclass
class Bars:
    """A histogram: ``counts`` of ``len(labels)`` bars; numeric bars have ``edges`` (len + 1),
    categorical ones ``codes`` (the category code of each bar)."""

    counts: np.ndarray
    labels: list[str]
    edges: np.ndarray | None = None
    codes: np.ndarray | None = None


def bars(column, bins: int = DEFAULT_BINS) -> Bars:
    """The histogram of a :class:`~embexplorer.core.data.embeddings.MetadataColumn` (missing left out)."""
    if column.kind == "numeric":
        v = column.values[np.isfinite(column.values)]
        if not len(v):
            return Bars(np.zeros(0, np.int64), [], edges=np.zeros(1))
        lo, hi = float(v.min()), float(v.max())
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        counts, edges = np.histogram(v, bins=int(bins), range=(lo, hi))
        return Bars(counts, [f"{a:g}–{b:g}" for a, b in zip(edges[:-1], edges[1:])], edges=edges)
    codes = column.codes[column.codes >= 0]
    counts = np.bincount(codes, minlength=len(column.categories))
    order = np.lexsort((np.arange(len(counts)), -counts))[:MAX_CATEGORY_BARS]
    return Bars(counts[order], [column.categories[c] for c in order], codes=order)


def range_mask(column, lo: float, hi: float) -> np.ndarray:
    """Rows of a numeric column with ``lo <= value <= hi`` (missing values never)."""
    lo, hi = min(lo, hi), max(lo, hi)
    v = column.values
    with np.errstate(invalid="ignore"):
        return np.isfinite(v) & (v >= lo) & (v <= hi)


def category_mask(column, category: str) -> np.ndarray:
    """Rows of a categorical column whose value is ``category``."""
    try:
        code = column.categories.index(category)
    except ValueError:
        return np.zeros(len(column), dtype=bool)
    return column.codes == code
