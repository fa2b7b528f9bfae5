"""Multi-label columns (a movie's genres ``"Action|Sci-Fi"``): one flag per label, coloured one label at a
time against the rest, or by the number of labels.

A categorical column whose values join several labels with ``|`` is multi-label.  Colouring by its
raw values gives hundreds of combinations, and colouring by the first listed label hides the others
("Romance (8)" while 247 movies are flagged Romance); here every flagged row counts.
"""

from __future__ import annotations

import numpy as np

from embexplorer.core.view.palette import CATEGORICAL
from embexplorer.core.view.scatter_math import MISSING_ARGB, ColorMapping, argb

#: Separator between the labels of one value.
SEPARATOR = "|"
#: Colour-by entries derived from a multi-label column: ``"genres: count"`` and ``"genres: Drama"``.
COUNT_SUFFIX = "count"
ENTRY_SEPARATOR = ": "
#: Counts from this many labels on share one colour ("4+").
COUNT_MAX = 4


def is_multilabel(column) -> bool:
    """True for a categorical column with at least one value joining labels with ``|``."""
    return (getattr(column, "kind", "") == "categorical"
            and any(SEPARATOR in str(c) for c in (column.categories or ())))


def label_flags(column) -> tuple[list[str], np.ndarray]:
    """The labels of a multi-label column (by decreasing count) and an ``(n, k)`` bool matrix of flags."""
    cats = [str(c) for c in column.categories]
    parts = [[p.strip() for p in c.split(SEPARATOR) if p.strip()] for c in cats]
    names = sorted({p for ps in parts for p in ps})
    pos = {name: i for i, name in enumerate(names)}
    per_cat = np.zeros((len(cats) + 1, len(names)), dtype=bool)  # last row: missing (code -1)
    for i, ps in enumerate(parts):
        per_cat[i, [pos[p] for p in ps]] = True
    codes = np.asarray(column.codes, dtype=np.int64)
    flags = per_cat[np.where(codes >= 0, codes, len(cats))]
    order = np.argsort(-flags.sum(axis=0), kind="stable")
    return [names[i] for i in order], flags[:, order]


def derived_entries(name: str, column) -> list[str]:
    """Colour-by entries of a multi-label column: its label count, then one per label."""
    labels, _ = label_flags(column)
    return [f"{name}{ENTRY_SEPARATOR}{COUNT_SUFFIX}"] + [f"{name}{ENTRY_SEPARATOR}{lab}" for lab in labels]


def one_label_colors(flags: np.ndarray, label: str, color=CATEGORICAL[0]) -> ColorMapping:
    """Rows flagged ``label`` in ``color``, every other row grey; the legend counts every flagged row."""
    flags = np.asarray(flags, dtype=bool).reshape(-1)
    index = np.where(flags, 0, 1).astype(np.uint16)
    lut = np.array([argb(*color), MISSING_ARGB], dtype=np.uint32)
    n_on = int(flags.sum())
    return ColorMapping(index, lut, "categorical", [label, f"not {label}"], np.arange(2, dtype=np.int64),
                        np.array([n_on, len(flags) - n_on], dtype=np.int64))


def count_colors(flags: np.ndarray, noun: str = "label") -> ColorMapping:
    """Rows coloured by how many labels they carry (0, 1, 2, 3, 4+)."""
    counts = np.minimum(np.asarray(flags, dtype=bool).sum(axis=1), COUNT_MAX)
    present = np.unique(counts)
    entry = np.zeros(COUNT_MAX + 1, dtype=np.uint16)
    entry[present] = np.arange(len(present), dtype=np.uint16)
    names = [f"{c}{'+' if c == COUNT_MAX else ''} {noun}{'' if c == 1 else 's'}" for c in present.tolist()]
    lut = np.array([argb(*CATEGORICAL[i % len(CATEGORICAL)]) for i in range(len(present))], dtype=np.uint32)
    return ColorMapping(entry[counts], lut, "categorical", names, np.arange(len(present), dtype=np.int64),
                        np.bincount(entry[counts], minlength=len(present)).astype(np.int64))


def derived_mapping(entry: str, columns: dict) -> ColorMapping | None:
    """The mapping of a derived entry (``"genres: Drama"``, ``"genres: count"``) of ``columns``, or None."""
    if ENTRY_SEPARATOR not in entry:
        return None
    name, _, label = entry.rpartition(ENTRY_SEPARATOR)
    column = columns.get(name)
    if column is None or not is_multilabel(column):
        return None
    labels, flags = label_flags(column)
    if label == COUNT_SUFFIX:
        return count_colors(flags, name[:-1] if name.endswith("s") else name)
    if label not in labels:
        return None
    return one_label_colors(flags[:, labels.index(label)], label)


def flagged_counts(categories, columns: dict) -> dict[str, int] | None:
    """Rows flagged with each of ``categories`` in a multi-label column of ``columns`` holding them all
    (a "genre" column of first listed genres beside "genres"), or None when there is none."""
    wanted = {str(c) for c in categories if str(c)}
    for column in columns.values():
        if not is_multilabel(column):
            continue
        labels, flags = label_flags(column)
        if wanted and wanted <= set(labels):
            sums = flags.sum(axis=0)
            return {lab: int(sums[i]) for i, lab in enumerate(labels) if lab in wanted}
    return None
