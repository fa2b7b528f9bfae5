"""Meaning-bearing axes: directions from words, the analogy's own plane, projecting a direction away.

A **direction** is any expression the analogy panel accepts (``woman - man``, ``king - queen``,
``rich``, ``0.5*paris + 0.5*berlin``), read by the same parser
(:func:`~embexplorer.core.analysis.analogy.parse_expression`) and summed over the raw vectors.

* :class:`AxesProjection` places every row by its cosine (or dot product) with an X and a Y
  direction -- optionally with X projected out of Y first, so the two axes are orthogonal -- and
  titles the axes after the words ("man ← → woman").
* :class:`AnalogyPlaneProjection` places every row on the plane through ``a`` spanned by
  ``b − a`` and ``c − a`` (orthonormalised).  The plane holds ``a``, ``b``, ``c`` and the expected
  point ``c + (b − a)`` exactly, with their true distances, so the analogy's parallelogram *is* a
  parallelogram (on PCA axes the answer often makes it a bow-tie).
* :func:`project_away` removes a direction from every vector (a gender direction, say), so its
  component is zero and the neighbours and analogies can be asked again without it.

Both projections are one pass over the matrix: a product with a ``(d, 2)`` basis (what two
``X @ v`` products cost), the cosine's row norms being the set's cached ones.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from embexplorer.core.analysis.analogy import ExpressionError, Term, parse_expression
from embexplorer.core.analysis.neighbours import UnknownLabel, resolve_row
from embexplorer.core.data.embeddings import EmbeddingSet
from embexplorer.core.errors import DataError
from embexplorer.core.progress import TaskControl, ensure_control
from embexplorer.core.view.projection import Projection

#: How rows are placed against a direction: cosine (angle only) or dot product (length counts).
MEASURES = ("cosine", "dot")
#: A direction (or the part of Y left after removing X) shorter than this share of the vectors it
#: was made from is treated as zero: rounding, not meaning.
DEGENERATE_RATIO = 1e-6
#: Rows per block of :func:`place` and :func:`project_away`: a block (~600 KB at 300 dimensions) stays
#: in cache while its product and its norms are taken, and products this small stay on one thread.
#: OpenBLAS threads a product from about 2,048 rows on, and on 2 busy cores each threaded call then
#: waits for the other thread: measured, 2,048-row blocks made a GEMV 60x slower than 512-row ones,
#: and 512-row blocks place 1,000,000 x 300 faster than one (n, d) @ (d, 2) product.
PLACE_BLOCK_ROWS = 512
#: :func:`place` splits sets of at least this many rows between :data:`PLACE_WORKERS` threads, each
#: taking two one-thread GEMVs per block (a block's second product reads it from cache): reading the
#: matrix is what placing costs, and two cores read memory faster than one (1,000,000 x 300 on the
#: quiet 2-core machine: 60 ms against 107 ms for one thread's blocked (n, d) @ (d, 2) products and
#: 97 ms for the floor, a GEMV pair over the whole matrix).
PLACE_PARALLEL_MIN_ROWS = 65_536
PLACE_WORKERS = 2
#: Rows per block of :func:`project_away` (see :data:`PLACE_BLOCK_ROWS`; the block and its temporary
#: stay in cache between the two passes).
PROJECT_AWAY_BLOCK_ROWS = PLACE_BLOCK_ROWS
#: :func:`project_away` checks for Cancel and reports progress every this many blocks.
PROJECT_AWAY_CHECK_EVERY = 128
#: Arrows in axis titles: the negative terms on the left, the positive ones on the right.
AXIS_ARROWS = "←  →"
#: Suffix of an orthogonalised Y axis title.
ORTHOGONAL_MARK = "⊥ X"


@dataclass(frozen=True, eq=False)
class Direction:
    """A direction in the embedding space, made from an expression over the set's labels.

    Attributes
    ----------
    text : str
        The expression as typed.
    terms : tuple of Term
        Its weighted labels (as found in the set).
    rows : tuple of int
        Their rows.
    vector : numpy.ndarray
        The weighted sum of the raw vectors, float64 ``(d,)``; never zero.
    """

    text: str
    terms: tuple[Term, ...]
    rows: tuple[int, ...]
    vector: np.ndarray

    @property
    def unit(self) -> np.ndarray:
        """The direction scaled to length 1 (float64)."""
        return self.vector / np.linalg.norm(self.vector)

    @property
    def title(self) -> str:
        """What the axis shows: ``"man ← → woman"`` for ``woman - man``; ``"rich"`` for ``rich``."""
        neg = _side([t for t in self.terms if t.weight < 0])
        pos = _side([t for t in self.terms if t.weight > 0])
        if neg and pos:
            return f"{neg}  {AXIS_ARROWS}  {pos}"
        return pos or f"−({neg})"


def _side(terms: list[Term]) -> str:
    return " + ".join(t.label if abs(t.weight) == 1 else f"{abs(t.weight):g}·{t.label}" for t in terms)


def parse_direction(emb: EmbeddingSet, text: str, *, case_insensitive: bool = False,
                    name: str = "direction") -> Direction:
    """Read an expression (``"woman - man"``, ``"rich"``, ...) into a :class:`Direction` of ``emb``.

    Parameters
    ----------
    emb : EmbeddingSet
    text : str
        Any expression the analogy panel accepts.
    case_insensitive : bool
        Resolve labels ignoring case (exact match first).
    name : str
        What the expression is for (``"X axis"``): errors name it.

    Raises
    ------
    DataError
        Naming ``name`` and the reason: a syntax error (with its column), a label not in the set,
        or an expression that is the zero vector.
    """
    try:
        terms = parse_expression(text)
    except ExpressionError as exc:
        raise DataError(f"{exc.reason} in “{text}”", name) from None
    rows = []
    for t in terms:
        try:
            rows.append(resolve_row(emb, t.label, case_insensitive))
        except UnknownLabel:
            raise DataError(f"“{t.label}” is not in the embeddings (in “{text}”)", name) from None
    vectors = emb.vectors[rows].astype(np.float64)
    weights = np.array([t.weight for t in terms], dtype=np.float64)
    vector = weights @ vectors
    scale = float(np.abs(weights) @ np.linalg.norm(vectors, axis=1))
    if not np.isfinite(vector).all() or np.linalg.norm(vector) <= DEGENERATE_RATIO * max(scale, 1e-300):
        raise DataError(f"“{text}” is the zero vector: it points nowhere", name)
    found = tuple(Term(emb.labels[r], t.weight) for r, t in zip(rows, terms))
    return Direction(str(text), found, tuple(int(r) for r in rows), vector)


def _check_measure(measure: str) -> str:
    measure = str(measure).lower()
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}, got {measure!r}")
    return measure


def axes_basis(x: np.ndarray, y: np.ndarray, orthogonalise: bool = False) -> np.ndarray:
    """The two unit directions of the axes, ``(2, d)`` float64 (Y without its X part if asked).

    Raises DataError when Y is parallel to X and ``orthogonalise`` leaves nothing of it.
    """
    ux = np.asarray(x, dtype=np.float64) / np.linalg.norm(x)
    uy = np.asarray(y, dtype=np.float64) / np.linalg.norm(y)
    if orthogonalise:
        rest = uy - (uy @ ux) * ux
        rest -= (rest @ ux) * ux  # twice is enough (Gram-Schmidt loses orthogonality once)
        size = float(np.linalg.norm(rest))
        if size <= DEGENERATE_RATIO:
            raise DataError("Y points the same way as X: nothing is left of it once X is removed",
                            "Y axis")
        uy = rest / size
    return np.stack([ux, uy])


def place(vectors: np.ndarray, basis: np.ndarray, measure: str = "cosine",
          norms: np.ndarray | None = None) -> np.ndarray:
    """Coordinates of ``vectors`` ``(n, d)`` against the unit rows of ``basis`` ``(2, d)``.

    ``measure="dot"`` gives the dot products (the length of each row's component along each
    direction); ``"cosine"`` divides them by the row norms (``norms`` if given, else computed from
    the block in cache; a zero row lands on 0).  One float32 pass over ``vectors``, in blocks of
    :data:`PLACE_BLOCK_ROWS`; returns ``(n, 2)`` float32.
    """
    measure = _check_measure(measure)
    X = np.asarray(vectors)
    if X.dtype != np.float32:
        X = X.astype(np.float32)
    b32 = np.asarray(basis, dtype=np.float32)
    b0, b1 = np.ascontiguousarray(b32[0]), np.ascontiguousarray(b32[1])
    n = X.shape[0]
    xy = np.empty((n, 2), np.float32)
    cosine = measure == "cosine"

    def rows(lo: int, hi: int) -> None:
        inv = np.empty(PLACE_BLOCK_ROWS, np.float32)
        for start in range(lo, hi, PLACE_BLOCK_ROWS):
            stop = min(hi, start + PLACE_BLOCK_ROWS)
            block, out = X[start:stop], xy[start:stop]
            # Two GEMVs into fresh vectors (a GEMV with out= a strided column takes numpy's slow loop).
            out[:, 0] = block @ b0
            out[:, 1] = block @ b1
            if cosine:
                nrm = norms[start:stop] if norms is not None else \
                    np.sqrt(np.einsum("ij,ij->i", block, block, dtype=np.float32))
                w = inv[:stop - start]
                w.fill(0.0)
                np.divide(np.float32(1.0), nrm, out=w, where=nrm > 0)
                out *= w[:, None]

    workers = min(PLACE_WORKERS, os.cpu_count() or 1) if n >= PLACE_PARALLEL_MIN_ROWS else 1
    if workers == 1:
        rows(0, n)
        return xy
    cuts = np.linspace(0, n, workers + 1).astype(np.int64) // PLACE_BLOCK_ROWS * PLACE_BLOCK_ROWS
    cuts[-1] = n
    with ThreadPoolExecutor(workers) as pool:  # numpy and BLAS release the GIL
        for f in [pool.submit(rows, int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:])]:
            f.result()
    return xy


class AxesProjection(Projection):
    """Rows placed by their cosine (or dot product) with two directions.

    Parameters
    ----------
    vectors : ndarray (n, d)
        The set's vectors.
    x, y : Direction
        The directions of the X and Y axes.
    measure : {"cosine", "dot"}
    orthogonalise : bool
        Remove X's part from Y first (the axes are then orthogonal in the embedding space).
    norms : ndarray (n,), optional
        Row norms of ``vectors`` (e.g. the set's cached ``norms``), for the cosine.
    """

    kind = "axes"

    def __init__(self, vectors: np.ndarray, x: Direction, y: Direction, *, measure: str = "cosine",
                 orthogonalise: bool = False, norms: np.ndarray | None = None) -> None:
        self.measure = _check_measure(measure)
        self.orthogonalise = bool(orthogonalise)
        self.x, self.y = x, y
        self.basis = axes_basis(x.vector, y.vector, self.orthogonalise)
        suffix = f"  ({self.measure})"
        y_title = f"{y.title}  ({self.measure}, {ORTHOGONAL_MARK})" if self.orthogonalise \
            else y.title + suffix
        super().__init__(place(vectors, self.basis, self.measure, norms), (x.title + suffix, y_title))

    @property
    def expressions(self) -> tuple[str, str]:
        """The X and Y expressions as typed."""
        return (self.x.text, self.y.text)

    def project(self, vectors: np.ndarray) -> np.ndarray | None:
        v = np.asarray(vectors, dtype=np.float64).reshape(-1, self.basis.shape[1])
        xy = v @ self.basis.T
        if self.measure == "cosine":
            norms = np.linalg.norm(v, axis=1)
            xy = np.divide(xy, norms[:, None], out=np.zeros_like(xy), where=norms[:, None] > 0)
        return xy

    def direction(self, vector: np.ndarray) -> np.ndarray | None:
        # the cosine only rescales each point, so a direction maps as under the dot product
        return _unit(self.basis @ np.asarray(vector, dtype=np.float64).reshape(-1))


class AnalogyPlaneProjection(Projection):
    """Rows placed on the plane of the analogy ``a : b :: c : ?``.

    The plane goes through ``a`` and is spanned by ``b − a`` (the X axis) and the part of ``c − a``
    orthogonal to it (the Y axis); coordinates are lengths in the embedding space.  ``a``, ``b``,
    ``c`` and ``c + (b − a)`` lie in it, so the four form an exact parallelogram; every other row
    (the answer too) is its orthogonal projection.

    Parameters
    ----------
    vectors : ndarray (n, d)
    rows : (int, int, int)
        Rows of a, b and c.
    labels : (str, str, str)
        Their labels, for the axis titles.
    exact_rows : sequence of int, optional
        Rows to place in float64 (the words of the analogy: their corners are then exact to the
        float32 of the plot, not to the float32 product's rounding).
    """

    kind = "analogy-plane"

    def __init__(self, vectors: np.ndarray, rows: tuple[int, int, int], labels: tuple[str, str, str],
                 exact_rows=()) -> None:
        a, b, c = (int(r) for r in rows)
        V = np.asarray(vectors)
        va, vb, vc = (V[r].astype(np.float64) for r in (a, b, c))
        ab, ac = vb - va, vc - va
        scale = max(float(np.linalg.norm(va)), float(np.linalg.norm(vb)), float(np.linalg.norm(vc)), 1e-300)
        if np.linalg.norm(ab) <= DEGENERATE_RATIO * scale:
            raise DataError(f"“{labels[0]}” and “{labels[1]}” are the same vector: no plane to show",
                            "analogy plane")
        e1 = ab / np.linalg.norm(ab)
        rest = ac - (ac @ e1) * e1
        rest -= (rest @ e1) * e1
        if np.linalg.norm(rest) <= DEGENERATE_RATIO * scale:
            raise DataError(f"{labels[2]} − {labels[0]} points along {labels[1]} − {labels[0]}: "
                            "the three words are on one line, not a plane", "analogy plane")
        self.rows = (a, b, c)
        self.labels = tuple(str(s) for s in labels)
        self.origin = va
        self.basis = np.stack([e1, rest / np.linalg.norm(rest)])
        xy = place(V, self.basis, "dot")
        xy -= (va @ self.basis.T).astype(np.float32)
        exact = np.unique(np.asarray([a, b, c, *exact_rows], dtype=np.int64))
        exact = exact[(exact >= 0) & (exact < len(xy))]
        xy[exact] = self.project(V[exact])
        la, lb, lc = self.labels
        super().__init__(xy, (f"{la}  →  {lb}", f"{la}  →  {lc}  ({ORTHOGONAL_MARK})"))

    def project(self, vectors: np.ndarray) -> np.ndarray | None:
        v = np.asarray(vectors, dtype=np.float64).reshape(-1, self.basis.shape[1])
        return (v - self.origin) @ self.basis.T

    def direction(self, vector: np.ndarray) -> np.ndarray | None:
        return _unit(self.basis @ np.asarray(vector, dtype=np.float64).reshape(-1))

    def off_plane(self, vector: np.ndarray) -> float:
        """How far ``vector`` is from the plane (the length the picture cannot show)."""
        v = np.asarray(vector, dtype=np.float64).reshape(-1) - self.origin
        return float(np.linalg.norm(v - (v @ self.basis.T) @ self.basis))


def _unit(d: np.ndarray) -> np.ndarray | None:
    norm = float(np.linalg.norm(d))
    if norm == 0.0 or not np.isfinite(norm):
        return None
    return d / norm


def axes_coordinates(emb: EmbeddingSet, x_expr: str, y_expr: str, *, measure: str = "cosine",
                     orthogonalise: bool = False, case_insensitive: bool = False
                     ) -> tuple[np.ndarray, tuple[str, str]]:
    """Every row of ``emb`` against two expressions: ``(xy float32 (n, 2), (x_title, y_title))``.

    Parameters
    ----------
    emb : EmbeddingSet
    x_expr, y_expr : str
        Directions, e.g. ``"woman - man"`` and ``"king - queen"``.
    measure : {"cosine", "dot"}
    orthogonalise : bool
        Remove the X direction from Y first.
    case_insensitive : bool

    Raises
    ------
    DataError
        Naming the axis ("X axis", "Y axis") and what is wrong with its expression.
    """
    proj = axes_projection(emb, x_expr, y_expr, measure=measure, orthogonalise=orthogonalise,
                           case_insensitive=case_insensitive)
    return proj.xy, proj.axis_titles


def axes_projection(emb: EmbeddingSet, x_expr: str, y_expr: str, *, measure: str = "cosine",
                    orthogonalise: bool = False, case_insensitive: bool = False) -> AxesProjection:
    """The :class:`AxesProjection` of ``emb`` on two expressions (see :func:`axes_coordinates`)."""
    measure = _check_measure(measure)
    x = parse_direction(emb, x_expr, case_insensitive=case_insensitive, name="X axis")
    y = parse_direction(emb, y_expr, case_insensitive=case_insensitive, name="Y axis")
    norms = emb.norms if measure == "cosine" else None
    return AxesProjection(emb.vectors, x, y, measure=measure, orthogonalise=orthogonalise, norms=norms)


def analogy_plane(emb: EmbeddingSet, a: str | int, b: str | int, c: str | int, *,
                  exact_rows=(), case_insensitive: bool = False) -> AnalogyPlaneProjection:
    """The plane of ``a : b :: c : ?`` in ``emb`` (labels or rows); see :class:`AnalogyPlaneProjection`."""
    rows = []
    for key in (a, b, c):
        try:
            rows.append(resolve_row(emb, key, case_insensitive))
        except UnknownLabel as exc:
            raise DataError(f"“{exc.label}” is not in the embeddings", "analogy plane") from None
    return AnalogyPlaneProjection(emb.vectors, tuple(rows), tuple(emb.labels[r] for r in rows),
                                  exact_rows=exact_rows)


def project_away(emb: EmbeddingSet, direction, *, source: str | None = None,
                 control: TaskControl | None = None) -> EmbeddingSet:
    """A new set whose vectors have no component along ``direction``: ``x − (x·u) u`` for unit ``u``.

    Parameters
    ----------
    emb : EmbeddingSet
        Left unchanged.
    direction : Direction or array_like (d,)
    source : str, optional
        The new set's ``source`` (its title); ``emb.source`` by default.
    control : TaskControl, optional
        Progress and Cancel (blocks of :data:`PROJECT_AWAY_BLOCK_ROWS` rows).

    Returns
    -------
    EmbeddingSet
        Same labels, metadata and kind; float32 vectors.
    """
    control = ensure_control(control)
    vec = direction.vector if isinstance(direction, Direction) else np.asarray(direction, dtype=np.float64)
    vec = np.asarray(vec, dtype=np.float64).reshape(-1)
    if vec.shape[0] != emb.dims:
        raise ValueError(f"the direction has {vec.shape[0]} dimensions, the set {emb.dims}")
    u = _unit(vec)
    if u is None:
        raise DataError("the direction is the zero vector: nothing to remove", "project away")
    u32 = u.astype(np.float32)
    X = emb.vectors
    out = np.empty_like(X, dtype=np.float32)
    n = X.shape[0]
    rows = PROJECT_AWAY_BLOCK_ROWS
    tmp = np.empty((min(n, rows), X.shape[1]), np.float32)
    for start in range(0, n, rows):
        if (start // rows) % PROJECT_AWAY_CHECK_EVERY == 0:
            control.check()
            control.progress(start / max(n, 1), "removing the direction")
        stop = min(n, start + rows)
        part, t = out[start:stop], tmp[:stop - start]
        # (matrix @ vector with out= takes numpy's slow loop, not BLAS: 200x slower, measured)
        np.multiply((X[start:stop] @ u32)[:, None], u32, out=t)
        np.subtract(X[start:stop], t, out=part)
        # a second pass removes what float32 rounding left of the component (~1e-7 of the norms)
        np.multiply((part @ u32)[:, None], u32, out=t)
        part -= t
    control.progress(1.0, "removing the direction", force=True)
    return EmbeddingSet(list(emb.labels), out, dict(emb.metadata), kind=emb.kind,
                        source=emb.source if source is None else source, format=emb.format)
