"""The embedding set: labels, a float32 matrix and optional metadata."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

#: Kinds of embedding set; they decide defaults in the GUI (e.g. colouring).
KINDS = ("word", "item", "user")
#: Sets with at least this many rows get their norms from two threads.
NORMS_PARALLEL_MIN_ROWS = 200_000
#: Rows per block of :func:`row_norms`: the block's squares (1.2 MB at 300 dims) stay in the core's
#: cache between the two passes (measured at 1M x 300: 66 ms on two threads; 70 ms with 8,192 rows,
#: 123 ms with 256).
NORMS_BLOCK_ROWS = 2048
NORMS_WORKERS = 2


def row_norms(vectors: np.ndarray) -> np.ndarray:
    """L2 norm of each row, float32, bit for bit as gensim computes them (``np.linalg.norm(vectors,
    axis=1)``: the squares summed along each row by the same ``add.reduce``).

    In blocks of rows (numpy's one call holds a full-size float32 copy of the squares: 3.6 GB beside a
    3,000,000 x 300 matrix), on two threads for large arrays (each block's result is the same
    whichever thread sums it).  Not ``einsum``, 1.7x faster but summing in another order: the set's
    norms and unit vectors must be gensim's, whose answers ours are compared with.
    """
    X = np.asarray(vectors)
    if X.dtype != np.float32 or X.ndim != 2:
        return np.linalg.norm(X, axis=1)
    n = X.shape[0]
    out = np.empty(n, np.float32)
    workers = min(NORMS_WORKERS, os.cpu_count() or 1) if n >= NORMS_PARALLEL_MIN_ROWS else 1

    def rows(lo: int, hi: int) -> None:
        squares = np.empty((min(NORMS_BLOCK_ROWS, max(hi - lo, 1)), X.shape[1]), np.float32)
        for start in range(lo, hi, NORMS_BLOCK_ROWS):
            block = X[start:min(hi, start + NORMS_BLOCK_ROWS)]
            sq = squares[:len(block)]
            np.multiply(block, block, out=sq)
            np.add.reduce(sq, axis=1, out=out[start:start + len(block)])
        np.sqrt(out[lo:hi], out=out[lo:hi])

    if workers == 1:
        rows(0, n)
        return out
    cuts = np.linspace(0, n, workers + 1).astype(np.int64)
    with ThreadPoolExecutor(workers) as pool:  # the ufuncs release the GIL
        for f in [pool.submit(rows, int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:])]:
            f.result()
    return out


class cached_row_index:  # lower case: written like property / functools.cached_property
    """A ``{label: row}`` dict of one of an object's label lists, built on first use and kept.

    ``index = cached_row_index("labels")`` in a class body makes ``obj.index`` the dict
    ``{label: i for i, label in enumerate(obj.labels)}``.  It serves the embedding set's labels and
    the user and item ids of ratings and models, which never change once built; the dict is kept in
    ``obj.__dict__`` under ``"_" + name`` (no lock: two threads at worst build equal dicts).

    Parameters
    ----------
    labels_attr : str
        Name of the attribute holding the labels.
    doc : str, optional
        Docstring of the attribute.
    """

    def __init__(self, labels_attr: str, doc: str | None = None) -> None:
        self.labels_attr = labels_attr
        self.cache_attr = ""  # set by __set_name__ when the class body is made
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.cache_attr = f"_{name}"

    def __get__(self, obj, objtype: type | None = None):
        if obj is None:
            return self
        index = obj.__dict__.get(self.cache_attr)
        if index is None:
            index = {lab: i for i, lab in enumerate(getattr(obj, self.labels_attr))}
            obj.__dict__[self.cache_attr] = index
        return index


@dataclass
class MetadataColumn:
    """One metadata column, aligned with the rows of an :class:`EmbeddingSet`.

    A categorical column stores integer ``codes`` (``-1`` = missing) into
    ``categories``; a numeric column stores float64 ``values`` (NaN = missing).
    Codes keep colouring a million points by category a single numpy take.
    """

    name: str
    kind: str  # "categorical" or "numeric"
    codes: np.ndarray | None = None
    categories: list[str] = field(default_factory=list)
    values: np.ndarray | None = None

    @classmethod
    def from_values(cls, name: str, values: Sequence, max_categories: int | None = None
                    ) -> MetadataColumn:
        """Build a column from raw values: numeric if every non-empty value parses.

        Parameters
        ----------
        name : str
            Column name.
        values : sequence
            One value per row (strings, numbers, ``None`` or ``""`` for missing).
        max_categories : int, optional
            Unused here; kept for callers that cap palette sizes.
        """
        raw = ["" if v is None else str(v).strip() for v in values]
        present = [v for v in raw if v != ""]
        numeric = bool(present)
        if numeric:
            try:
                nums = np.array([float(v) if v != "" else np.nan for v in raw], dtype=np.float64)
            except ValueError:
                numeric = False
        if numeric:
            return cls(name=name, kind="numeric", values=nums)
        return cls.categorical(name, raw)

    @classmethod
    def categorical(cls, name: str, values: Sequence[str]) -> MetadataColumn:
        """Build a categorical column; empty strings become missing (code -1)."""
        cats: dict[str, int] = {}
        codes = np.empty(len(values), dtype=np.int32)
        for i, v in enumerate(values):
            if v == "" or v is None:
                codes[i] = -1
            else:
                codes[i] = cats.setdefault(v, len(cats))
        return cls(name=name, kind="categorical", codes=codes, categories=list(cats))

    @classmethod
    def numeric(cls, name: str, values: Iterable[float]) -> MetadataColumn:
        """Build a numeric column."""
        return cls(name=name, kind="numeric",
                   values=np.asarray(list(values) if not isinstance(values, np.ndarray)
                                     else values, dtype=np.float64))

    def __len__(self) -> int:
        arr = self.codes if self.kind == "categorical" else self.values
        return 0 if arr is None else len(arr)

    def value(self, row: int) -> str:
        """The value at ``row`` as display text ("" when missing)."""
        if self.kind == "categorical":
            code = int(self.codes[row])
            return self.categories[code] if code >= 0 else ""
        v = float(self.values[row])
        if np.isnan(v):
            return ""
        return f"{v:g}"

    def take(self, rows: np.ndarray) -> MetadataColumn:
        """The column restricted to ``rows`` (categories are kept as they are)."""
        if self.kind == "categorical":
            return MetadataColumn(self.name, self.kind, codes=self.codes[rows].copy(),
                                  categories=list(self.categories))
        return MetadataColumn(self.name, self.kind, values=self.values[rows].copy())


class EmbeddingSet:
    """Labelled vectors: the object every panel works on.

    Parameters
    ----------
    labels : sequence of str
        One unique label per row.
    vectors : array_like, shape (n, d)
        Converted to a C-contiguous float32 array (memory maps are kept as
        they are when already float32 and C-contiguous).  ``vectors`` may
        therefore be a read-only memory map (a cache hit): copy before
        editing in place.
    metadata : dict of str to MetadataColumn, optional
        Columns aligned with the rows.
    kind : {"word", "item", "user"}
        What the rows are.
    source : str
        Where the set came from (a path or a description).
    format : str
        The format name it was read from (``""`` when built in memory).
    duplicates_dropped : int
        How many rows a loader dropped because their label repeated an earlier one.
    warnings : list of str
        Non-fatal problems met while loading (e.g. latin-1 fallback).
    """

    def __init__(self, labels: Sequence[str], vectors, metadata: dict[str, MetadataColumn] | None = None,
                 kind: str = "word", source: str = "", format: str = "",
                 duplicates_dropped: int = 0, warnings: list[str] | None = None) -> None:
        vectors = np.asarray(vectors)
        if vectors.dtype != np.float32 or not vectors.flags.c_contiguous:
            vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2:
            raise ValueError(f"vectors must be 2-D, got shape {vectors.shape}")
        labels = list(labels)
        if len(labels) != vectors.shape[0]:
            raise ValueError(f"{len(labels)} labels for {vectors.shape[0]} vectors")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        self.labels: list[str] = labels
        self.vectors: np.ndarray = vectors
        self.metadata: dict[str, MetadataColumn] = dict(metadata or {})
        for name, col in self.metadata.items():
            if len(col) != len(labels):
                raise ValueError(f"metadata column {name!r} has {len(col)} rows, expected {len(labels)}")
        self.kind = kind
        self.source = source
        self.format = format
        self.duplicates_dropped = duplicates_dropped
        self.warnings: list[str] = list(warnings or [])
        #: True when a loader served the set from its parsed-array cache.
        self.from_cache = False
        #: True when a loader has proved that no label repeats (the loaders' duplicate check is
        #: then skipped).
        self.labels_known_distinct = False
        #: The load cache's key of the file this set was parsed from, while its entry is still to be
        #: written (``formats.load(..., defer_cache=True)``; ``formats.store_cache`` writes it).
        self.cache_key: str | None = None
        self._lower_index: dict[str, int] | None = None
        self._unit: np.ndarray | None = None
        self._norms: np.ndarray | None = None

    # -- size ---------------------------------------------------------------
    def __len__(self) -> int:
        return self.vectors.shape[0]

    @property
    def n(self) -> int:
        """Number of rows."""
        return self.vectors.shape[0]

    @property
    def dims(self) -> int:
        """Vector dimensionality."""
        return self.vectors.shape[1]

    def __repr__(self) -> str:
        return (f"EmbeddingSet({self.n} x {self.dims}, kind={self.kind!r}, "
                f"format={self.format!r}, source={self.source!r})")

    # -- lookup -------------------------------------------------------------
    index = cached_row_index("labels", "Mapping label -> row (built once, on first use).")

    def __contains__(self, label: str) -> bool:
        return label in self.index

    def row(self, label: str, case_insensitive: bool = False) -> int:
        """Row of ``label``; raises ``KeyError`` when absent.

        With ``case_insensitive``, an exact match wins, otherwise the first
        row (lowest index, i.e. most frequent in sorted files) whose
        lower-cased label matches -- gensim's convention.
        """
        i = self.index.get(label)
        if i is not None:
            return i
        if case_insensitive:
            i = self.lower_index.get(label.lower())
            if i is not None:
                return i
        raise KeyError(label)

    @property
    def lower_index(self) -> dict[str, int]:
        """Mapping lower-cased label -> first row bearing it (built once, on first use: 3 s at
        3,000,000 labels, so the neighbours' warm-up builds it off the UI thread)."""
        if self._lower_index is None:
            lower: dict[str, int] = {}
            for j, lab in enumerate(self.labels):
                low = lab.lower()
                lower.setdefault(lab if low == lab else low, j)  # (a label already lower case: no copy)
            self._lower_index = lower
        return self._lower_index

    # -- derived arrays -----------------------------------------------------
    @property
    def norms(self) -> np.ndarray:
        """L2 norm of each row (float32, gensim's to the bit: :func:`row_norms`; computed once)."""
        if self._norms is None:
            self._norms = row_norms(self.vectors)
        return self._norms

    @property
    def unit_vectors(self) -> np.ndarray:
        """Rows scaled to unit length (zero rows stay zero); computed once, float32."""
        if self._unit is None:
            norms = self.norms
            safe = np.where(norms > 0, norms, 1).astype(np.float32)
            self._unit = np.ascontiguousarray(self.vectors / safe[:, None], dtype=np.float32)
        return self._unit

    # -- derived sets ---------------------------------------------------------
    def subset(self, rows: Sequence[int] | np.ndarray) -> EmbeddingSet:
        """A new set holding ``rows`` (in that order), with their metadata."""
        rows = np.asarray(rows, dtype=np.intp)
        return EmbeddingSet([self.labels[i] for i in rows], self.vectors[rows],
                            {k: c.take(rows) for k, c in self.metadata.items()},
                            kind=self.kind, source=self.source, format=self.format)

    def metadata_text(self, row: int) -> dict[str, str]:
        """All metadata of ``row`` as display strings."""
        return {name: col.value(row) for name, col in self.metadata.items()}
