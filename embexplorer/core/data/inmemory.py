"""Data already in memory as an :class:`EmbeddingSet`: numpy arrays, gensim KeyedVectors, pandas
DataFrames and Arrow tables.

This is what ``embexplorer.show(data)`` converts with (Qt-free, so plain pytest tests it).  The
rules are those of the file loaders: every vector finite and of one length, labels unique (later
duplicates are dropped with a warning, keeping the first), and bad input raises an
:class:`InputError` naming the column, the row and the reason.

A table (DataFrame or Arrow) gives its vectors either as one **vector column** (lists or arrays
of numbers per row) or as **numeric columns** (one dimension each); one column gives the labels and
every other column becomes metadata.  Without ``vector_column``/``label_column`` they are chosen as
:func:`choose_columns` says.  pandas and pyarrow are never imported here: a table is recognised by
the module its type comes from.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from embexplorer.core.data.embeddings import KINDS, EmbeddingSet, MetadataColumn
from embexplorer.core.errors import DataError

#: Column names taken for the labels (case ignored) when the caller names none, best first.
LABEL_COLUMN_NAMES = ("label", "labels", "word", "words", "token", "key", "name", "title", "item", "id",
                      "text")
#: Column names taken for the vector column (case ignored) when the caller names none, best first.
VECTOR_COLUMN_NAMES = ("vector", "vectors", "embedding", "embeddings", "emb", "values")
#: Name pandas gives the index columns it writes to Arrow (``__index_level_0__``...).
PANDAS_INDEX_PREFIX = "__index_level_"
#: Rows checked at a time for NaN / infinity (bounds the temporary boolean mask).
FINITE_CHECK_ROWS = 65_536
#: Longest cell value quoted in an error message (characters).
MAX_QUOTED_CHARS = 40
#: dtype kinds that hold numbers a vector may be made of (bool, unsigned, signed, float).
NUMERIC_KINDS = "buif"


class InputError(DataError, ValueError):
    """In-memory data that cannot be shown: the reason names the column and row concerned.

    A :class:`DataError` (the project's one error for bad input) and a ``ValueError`` (what Python
    callers catch).  ``path`` is the kind of input (``"array"``, ``"DataFrame"``...).
    """


# -- the public conversions ------------------------------------------------------------------------

def as_embedding_set(data: Any, labels: Sequence | None = None, metadata: Any = None, *,
                     label_column: str | None = None, vector_column: str | Sequence[str] | None = None,
                     kind: str = "word", source: str | None = None) -> EmbeddingSet:
    """Convert ``data`` held in memory to an :class:`EmbeddingSet`.

    Parameters
    ----------
    data : EmbeddingSet, numpy array (n, d), gensim KeyedVectors (or a model with ``.wv``),
           pandas DataFrame or pyarrow Table / RecordBatch
        Anything else numpy can make a 2-D array of (nested lists, tensors) is taken as an array.
    labels : sequence, optional
        One label per row (converted to ``str``); row numbers ``"0"``, ``"1"``... when absent.
    metadata : mapping of str to sequence, or DataFrame, optional
        Extra columns aligned with the rows (for colouring, the tables).
    label_column, vector_column : optional
        Tables only: the column of labels, and the vector column (or a list of numeric columns).
    kind : {"word", "item", "user"}
        What the rows are.
    source : str, optional
        What the set is called (window title, ``EmbeddingSet.source``); a description by default.

    Raises
    ------
    InputError
        Bad content (ragged or non-finite vectors, null labels, unknown columns...).
    TypeError
        ``data`` is of no kind understood here (a path is opened by the loaders, not here).
    """
    if isinstance(data, EmbeddingSet):
        return _with_extras(data, labels, metadata, label_column, vector_column, source)
    if _is_table(data, "pandas", "DataFrame"):
        return from_dataframe(data, labels, metadata, label_column=label_column, vector_column=vector_column,
                              kind=kind, source=source)
    if _is_table(data, "pyarrow", "Table") or _is_table(data, "pyarrow", "RecordBatch"):
        return from_arrow(data, labels, metadata, label_column=label_column, vector_column=vector_column,
                          kind=kind, source=source)
    if label_column is not None or vector_column is not None:
        raise TypeError("label_column / vector_column name columns of a table, "
                        f"not of a {type(data).__name__}")
    if _is_keyed_vectors(data):
        return from_keyed_vectors(data, labels, metadata, kind=kind, source=source)
    if isinstance(data, (str, bytes)) or hasattr(data, "__fspath__"):
        raise TypeError("a path is opened by embexplorer.show() or embexplorer.core.data.formats.load(), "
                        "not converted here")
    try:
        return from_array(data, labels, metadata, kind=kind, source=source)
    except TypeError:
        raise TypeError(f"cannot show a {type(data).__module__}.{type(data).__name__}: expected a numpy "
                        "array, gensim KeyedVectors, a pandas DataFrame, a pyarrow Table, an EmbeddingSet "
                        "or a path") from None


def from_array(vectors: Any, labels: Sequence | None = None, metadata: Any = None, *, kind: str = "word",
               source: str | None = None) -> EmbeddingSet:
    """An :class:`EmbeddingSet` of a 2-D array (rows × dimensions); see :func:`as_embedding_set`."""
    where = "array"
    try:
        arr = np.asarray(vectors)
    except ValueError:  # numpy refuses ragged nested lists outright: find the row
        arr = stack_vectors(list(vectors), None, where)
    if arr.ndim == 0:
        raise TypeError(f"expected rows of numbers, got a {type(vectors).__name__}")
    if arr.dtype == object and arr.ndim == 1:  # one array per row
        arr = stack_vectors(list(arr), None, where)
    if arr.dtype.kind not in NUMERIC_KINDS:
        if arr.dtype == object or arr.dtype.kind in "USV":
            raise InputError(f"holds non-numeric values (dtype {arr.dtype})", where)
        raise TypeError(f"expected numbers, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise InputError(f"expected a 2-D array (rows × dimensions), got shape {arr.shape}", where)
    check_finite(arr, where)
    source = source or f"array {arr.shape[0]:,}×{arr.shape[1]}"
    return _build(arr, _labels(labels, arr.shape[0], where), metadata, where, kind, source)


def from_keyed_vectors(kv: Any, labels: Sequence | None = None, metadata: Any = None, *, kind: str = "word",
                       source: str | None = None) -> EmbeddingSet:
    """An :class:`EmbeddingSet` of gensim ``KeyedVectors`` already in memory (or a model's ``.wv``).

    Its keys are the labels (unless ``labels`` is given); its numeric per-key attributes (e.g. a
    word2vec model's ``count``) become metadata.
    """
    kv = getattr(kv, "wv", kv)
    where = "KeyedVectors"
    vectors = np.asarray(kv.vectors)
    n = min(len(kv.index_to_key), len(vectors))
    vectors = vectors[:n]
    if vectors.ndim != 2 or vectors.dtype.kind not in NUMERIC_KINDS:
        raise InputError(f"expected numeric vectors, got shape {vectors.shape} of {vectors.dtype}", where)
    check_finite(vectors, where)
    extras: dict[str, Any] = {}
    for name, values in (getattr(kv, "expandos", None) or {}).items():
        values = np.asarray(values)
        if values.ndim == 1 and len(values) >= n and values.dtype.kind in "iuf":
            extras[name] = values[:n]
    extras.update(_metadata_mapping(metadata, where))
    keys = kv.index_to_key[:n] if labels is None else labels
    source = source or f"KeyedVectors {n:,}×{vectors.shape[1]}"
    return _build(vectors, _labels(keys, n, where), extras, where, kind, source)


def from_dataframe(df: Any, labels: Sequence | None = None, metadata: Any = None, *,
                   label_column: str | None = None, vector_column: str | Sequence[str] | None = None,
                   kind: str = "word", source: str | None = None) -> EmbeddingSet:
    """An :class:`EmbeddingSet` of a pandas DataFrame; columns chosen as :func:`choose_columns` says.

    A string index (``pd.DataFrame(vectors, index=words)``) gives the labels when no column is
    named for them.
    """
    where = "DataFrame"
    names = [str(c) for c in df.columns]
    if len(set(names)) != len(names):
        raise InputError("column names repeat; give each column its own name", where)
    by_name = dict(zip(names, df.columns))
    kinds = {name: _pandas_kind(df[col]) for name, col in by_name.items()}
    index_labels = None
    if not _is_default_index(df.index):
        index_labels = [None if _is_missing(v) else v for v in df.index.tolist()]
    vec_cols, label_col, meta_cols = choose_columns(kinds, label_column, vector_column, where,
                                                    index_has_labels=index_labels is not None,
                                                    is_unique=lambda name: df[by_name[name]].is_unique)
    if len(vec_cols) == 1 and kinds[vec_cols[0]] == "vector":
        vectors = stack_vectors(df[by_name[vec_cols[0]]].tolist(), vec_cols[0], where)
    else:
        vectors = _numeric_columns([(name, _pandas_numbers(df[by_name[name]])) for name in vec_cols], where)
    check_finite(vectors, where, vec_cols if len(vec_cols) > 1 else None)
    if labels is None:
        labels = (df[by_name[label_col]].tolist() if label_col is not None else index_labels)
    meta = {name: _pandas_numbers(df[by_name[name]]) if kinds[name] == "numeric"
            else df[by_name[name]].tolist() for name in meta_cols}
    meta.update(_metadata_mapping(metadata, where))
    source = source or f"DataFrame {vectors.shape[0]:,}×{vectors.shape[1]}"
    return _build(vectors, _labels(labels, len(vectors), where, label_col), meta, where, kind, source)


def from_arrow(table: Any, labels: Sequence | None = None, metadata: Any = None, *,
               label_column: str | None = None, vector_column: str | Sequence[str] | None = None,
               kind: str = "word", source: str | None = None) -> EmbeddingSet:
    """An :class:`EmbeddingSet` of a pyarrow Table or RecordBatch (list, large-list and fixed-size-list
    vector columns, or numeric columns); columns chosen as :func:`choose_columns` says."""
    import pyarrow as pa  # only reached with an Arrow table in hand, so pyarrow is there

    where = "Arrow table"
    names = list(table.schema.names)
    if len(set(names)) != len(names):
        raise InputError("column names repeat; give each column its own name", where)
    # A DataFrame's index written by pandas (pa.Table.from_pandas): labels, like the index itself.
    index_col = next((n for n in names if n.startswith(PANDAS_INDEX_PREFIX)), None)
    kinds = {name: arrow_column_kind(pa, table.schema.field(name).type) for name in names
             if not name.startswith(PANDAS_INDEX_PREFIX)}
    vec_cols, label_col, meta_cols = choose_columns(
        kinds, label_column, vector_column, where, index_has_labels=index_col is not None,
        is_unique=lambda name: len(set(table.column(name).to_pylist())) == table.num_rows)
    if len(vec_cols) == 1 and kinds[vec_cols[0]] == "vector":
        vectors = _arrow_vectors(pa, table.column(vec_cols[0]), vec_cols[0], where)
    else:
        columns = []
        for name in vec_cols:
            col = table.column(name)
            if col.null_count:
                row = col.to_pylist().index(None)
                raise InputError(f"column {name!r}, row {row}: null where a number was expected", where)
            columns.append((name, col.to_numpy()))
        vectors = _numeric_columns(columns, where)
    check_finite(vectors, where, vec_cols if len(vec_cols) > 1 else None)
    if labels is None and (label_col or index_col) is not None:
        labels = table.column(label_col or index_col).to_pylist()
    meta = {name: table.column(name).to_pylist() for name in meta_cols}
    meta.update(_metadata_mapping(metadata, where))
    source = source or f"Arrow table {vectors.shape[0]:,}×{vectors.shape[1]}"
    return _build(vectors, _labels(labels, len(vectors), where, label_col), meta, where, kind, source)


# -- choosing a table's columns --------------------------------------------------------------------

def choose_columns(kinds: Mapping[str, str], label_column: str | None,
                   vector_column: str | Sequence[str] | None, where: str,
                   index_has_labels: bool = False, is_unique: Callable[[str], bool] | None = None
                   ) -> tuple[list[str], str | None, list[str]]:
    """Decide which columns are the vectors, the labels and the metadata.

    Parameters
    ----------
    kinds : mapping
        Column name -> ``"vector"`` (a list per row), ``"numeric"``, ``"text"`` or ``"other"``.
    label_column, vector_column : optional
        What the caller named (``vector_column`` may be a list of numeric columns).
    where : str
        The kind of input, for error messages.
    index_has_labels : bool
        The table's index holds labels (pandas): a label column is then taken only by name.
    is_unique : callable, optional
        ``is_unique(name)``: the column's values do not repeat (a text column that repeats, such as a
        genre, is metadata rather than labels).

    Returns
    -------
    (vector columns, label column or None, metadata columns)

    Rules, when the caller names nothing: the vector column is the one named like
    :data:`VECTOR_COLUMN_NAMES`, else the first column holding lists; without one, every numeric
    column is a dimension.  The label column is the one named like :data:`LABEL_COLUMN_NAMES`, else
    (no labelled index) the first text column whose values do not repeat; else row numbers.  Every
    other column is metadata (list columns other than the vectors are left out).
    """
    for named in ([label_column] if label_column is not None else []) + _as_list(vector_column):
        if named not in kinds:
            raise InputError(f"no column {named!r} (columns: {', '.join(map(repr, kinds)) or 'none'})", where)
    lowered = {name.lower(): name for name in reversed(list(kinds))}  # first of equal lower-case names
    if label_column is None:
        label_column = next((lowered[n] for n in LABEL_COLUMN_NAMES if n in lowered
                             and kinds[lowered[n]] != "vector" and lowered[n] not in _as_list(vector_column)),
                            None)
    if label_column is None and not index_has_labels:
        label_column = next((n for n, k in kinds.items() if k == "text" and n not in _as_list(vector_column)
                             and (is_unique is None or is_unique(n))), None)
    vectors = _as_list(vector_column)
    if not vectors:
        by_name = next((lowered[n] for n in VECTOR_COLUMN_NAMES
                        if n in lowered and kinds[lowered[n]] == "vector"), None)
        first_list = next((n for n, k in kinds.items() if k == "vector"), None)
        found = by_name or first_list
        vectors = [found] if found else [n for n, k in kinds.items() if k == "numeric" and n != label_column]
    if not vectors:
        raise InputError("no vectors found: give a column of lists or arrays (vector_column=...) "
                         "or numeric columns, one per dimension", where)
    if len(vectors) > 1 or kinds[vectors[0]] != "vector":
        for name in vectors:
            if kinds[name] != "numeric":
                raise InputError(f"column {name!r} is not numeric: it cannot be a dimension "
                                 f"(a vector column holds a list per row)", where)
    if label_column in vectors:
        raise InputError(f"column {label_column!r} cannot be both the labels and the vectors", where)
    meta = [n for n, k in kinds.items() if n not in vectors and n != label_column and k != "vector"]
    return vectors, label_column, meta


# -- checks and conversions shared by every input -------------------------------------------------

def stack_vectors(cells: Sequence, column: str | None, where: str) -> np.ndarray:
    """Stack one vector per row (lists, tuples, arrays) into a float32 matrix.

    Raises :class:`InputError` naming the first row (of ``column``, if given) that is null, holds a
    null or non-numeric value, is not flat, or has another length than row 0.
    """
    at = f"column {column!r}, " if column else ""
    if not len(cells):
        raise InputError(f"{at}no rows", where)
    out: np.ndarray | None = None
    for i, cell in enumerate(cells):
        if _is_missing(cell):
            raise InputError(f"{at}row {i}: null where a vector was expected", where)
        try:
            vec = np.asarray(cell)
        except ValueError as err:
            raise InputError(f"{at}row {i}: not a flat list of numbers ({err})", where) from None
        if vec.dtype.kind not in NUMERIC_KINDS:
            nulls = vec.dtype == object and any(_is_missing(v) for v in vec.reshape(-1))
            reason = "a null value inside the vector" if nulls else "non-numeric value(s)"
            raise InputError(f"{at}row {i}: {reason} in {_quote(cell)}", where)
        if vec.ndim != 1:
            raise InputError(f"{at}row {i}: expected a flat list of numbers, got shape {vec.shape}", where)
        if out is None:
            if not len(vec):
                raise InputError(f"{at}row {i}: empty vector", where)
            out = np.empty((len(cells), len(vec)), dtype=np.float32)
        elif len(vec) != out.shape[1]:
            raise InputError(f"{at}row {i}: {len(vec)} values where row 0 has {out.shape[1]} "
                             "(ragged vectors)", where)
        out[i] = vec
    return out


def check_finite(matrix: np.ndarray, where: str, columns: Sequence[str] | None = None) -> None:
    """Raise :class:`InputError` naming the first row (and column or dimension) holding NaN or
    infinity; ``columns`` names the dimensions when they came from table columns."""
    n, d = matrix.shape if matrix.ndim == 2 else (0, 0)
    if n == 0 or d == 0:
        raise InputError(f"no data: {n} rows × {d} dimensions", where)
    for start in range(0, n, FINITE_CHECK_ROWS):
        block = matrix[start:start + FINITE_CHECK_ROWS]
        bad = ~np.isfinite(block)
        if bad.any():
            i, j = np.argwhere(bad)[0]
            value = block[i, j]
            what = "null or NaN" if np.isnan(value) else f"{value}"
            dim = f"column {columns[j]!r}" if columns else f"dimension {j}"
            raise InputError(f"row {start + i}, {dim}: {what} (vectors must be finite)", where)


def drop_duplicate_labels(emb: EmbeddingSet) -> EmbeddingSet:
    """``emb`` without the rows whose label repeats an earlier one, with a warning naming the first,
    as every file loader does; ``emb`` itself when its labels are unique."""
    first_row: dict[str, int] = {}
    for i, label in enumerate(emb.labels):
        first_row.setdefault(label, i)
    if len(first_row) == emb.n:
        return emb
    keep = np.fromiter(first_row.values(), dtype=np.intp, count=len(first_row))
    dup = next(i for i, label in enumerate(emb.labels) if first_row[label] != i)
    dropped = emb.n - len(keep)
    out = emb.subset(keep)
    out.duplicates_dropped = emb.duplicates_dropped + dropped
    out.warnings = list(emb.warnings) + [f"{dropped:,} duplicate label(s) dropped, keeping the first of each "
                                         f"(first: {emb.labels[dup]!r}, row {dup})"]
    return out


# -- internals ---------------------------------------------------------------------------------------

def _build(vectors: np.ndarray, labels: list[str], metadata: Mapping[str, Any] | None, where: str, kind: str,
           source: str) -> EmbeddingSet:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    columns = {name: _metadata_column(name, values, len(labels), where)
               for name, values in (metadata or {}).items()}
    return drop_duplicate_labels(EmbeddingSet(labels, vectors, columns, kind=kind, source=source))


def _labels(labels: Sequence | None, n: int, where: str, column: str | None = None) -> list[str]:
    """``labels`` as strings, one per row (row numbers when None); nulls are refused by row."""
    if labels is None:
        return [str(i) for i in range(n)]
    labels = list(labels)
    what = f"label column {column!r}" if column else "labels"
    if len(labels) != n:
        raise InputError(f"{len(labels):,} {what} for {n:,} rows", where)
    out = []
    for i, label in enumerate(labels):
        if _is_missing(label):
            raise InputError(f"{what}, row {i}: null where a label was expected", where)
        out.append(label if isinstance(label, str) else str(label))
    return out


def _metadata_mapping(metadata: Any, where: str) -> dict[str, Any]:
    """``metadata`` (mapping, DataFrame or None) as ``{name: values}``."""
    if metadata is None:
        return {}
    if _is_table(metadata, "pandas", "DataFrame"):
        return {str(c): metadata[c].tolist() for c in metadata.columns}
    if isinstance(metadata, Mapping):
        return {str(k): v for k, v in metadata.items()}
    raise TypeError(f"metadata must be a mapping of column name to values or a DataFrame, "
                    f"got {type(metadata).__name__}")


def _metadata_column(name: str, values: Any, n: int, where: str) -> MetadataColumn:
    if isinstance(values, MetadataColumn):
        column = values
    else:
        arr = values if isinstance(values, np.ndarray) else None
        if arr is not None and arr.ndim == 1 and arr.dtype.kind in "iuf":
            column = MetadataColumn.numeric(name, arr.astype(np.float64))
        else:
            column = MetadataColumn.from_values(name, [None if _is_missing(v) else v for v in list(values)])
    if len(column) != n:
        raise InputError(f"metadata column {name!r} has {len(column):,} rows, the vectors {n:,}", where)
    column.name = name
    return column


def _numeric_columns(columns: list[tuple[str, np.ndarray]], where: str) -> np.ndarray:
    """Numeric columns side by side as a float32 matrix (a column that is not numbers is named)."""
    out = np.empty((len(columns[0][1]), len(columns)), dtype=np.float32)
    for j, (name, values) in enumerate(columns):
        try:
            out[:, j] = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError(f"column {name!r} holds non-numeric values", where) from None
    return out


def _arrow_vectors(pa, column, name: str, where: str) -> np.ndarray:
    """An Arrow list / large-list / fixed-size-list column as a float32 matrix (no Python loop unless a
    row is bad: then the row-by-row check names it)."""
    import pyarrow.compute as pc

    if hasattr(column, "num_chunks"):  # one chunk (a memory-mapped file's) is used as it is: no copy
        column = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    value_type = column.type.value_type
    if not (pa.types.is_floating(value_type) or pa.types.is_integer(value_type)):
        raise InputError(f"column {name!r} holds lists of {value_type}, not lists of numbers", where)
    if not len(column):
        raise InputError(f"column {name!r} has no rows", where)
    if column.null_count or column.flatten().null_count:
        return stack_vectors(column.to_pylist(), name, where)
    if not pa.types.is_fixed_size_list(column.type):
        lengths = pc.list_value_length(column).to_numpy()
        if (lengths != lengths[0]).any():
            return stack_vectors(column.to_pylist(), name, where)
    flat = column.flatten()  # respects a sliced column's offsets
    return np.asarray(flat.to_numpy(zero_copy_only=False), dtype=np.float32).reshape(len(column), -1)


def _pandas_kind(series) -> str:
    """``"vector"``, ``"numeric"``, ``"text"`` or ``"other"`` for a pandas column."""
    dtype = series.dtype
    if getattr(dtype, "kind", "O") in "iuf":
        return "numeric"
    if str(dtype) in ("string", "str", "category") or getattr(dtype, "kind", "") == "O":
        sample = next((v for v in series.head(100).tolist() if not _is_missing(v)), None)
        if isinstance(sample, (list, tuple, np.ndarray)):
            return "vector"
        if str(dtype) == "category" or isinstance(sample, str) or sample is None:
            return "text"
        return "other"
    pyarrow_type = getattr(dtype, "pyarrow_dtype", None)  # pd.ArrowDtype
    if pyarrow_type is not None:
        import pyarrow as pa

        return arrow_column_kind(pa, pyarrow_type)
    return "other"


def _pandas_numbers(series) -> np.ndarray:
    """A numeric pandas column as float64, its missing values (NaN, pd.NA of nullable ints) as NaN."""
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def arrow_column_kind(pa, dtype) -> str:
    """An Arrow column's type as ``"vector"``, ``"numeric"``, ``"text"`` or ``"other"`` (``pa``: pyarrow)."""
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype) or pa.types.is_fixed_size_list(dtype):
        return "vector"
    if pa.types.is_integer(dtype) or pa.types.is_floating(dtype):
        return "numeric"
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype) or pa.types.is_dictionary(dtype):
        return "text"
    return "other"


def _is_default_index(index) -> bool:
    """True for pandas' 0, 1, 2... index (it holds no labels)."""
    return type(index).__name__ == "RangeIndex" and index.start == 0 and index.step == 1


def _with_extras(emb: EmbeddingSet, labels, metadata, label_column, vector_column, source) -> EmbeddingSet:
    if labels is not None or label_column is not None or vector_column is not None:
        raise TypeError("an EmbeddingSet brings its own labels and vectors: give only metadata=...")
    if metadata is None and source is None:
        return emb
    extra = {name: _metadata_column(name, values, emb.n, "EmbeddingSet")
             for name, values in _metadata_mapping(metadata, "EmbeddingSet").items()}
    return EmbeddingSet(emb.labels, emb.vectors, {**emb.metadata, **extra}, kind=emb.kind,
                        source=source or emb.source, format=emb.format,
                        duplicates_dropped=emb.duplicates_dropped, warnings=emb.warnings)


def _is_table(obj: Any, module: str, name: str) -> bool:
    """``obj`` is ``module.name`` (never importing ``module``: if it is not loaded, obj is not one)."""
    mod = sys.modules.get(module)
    cls = getattr(mod, name, None) if mod is not None else None
    return isinstance(cls, type) and isinstance(obj, cls)


def _is_keyed_vectors(obj: Any) -> bool:
    kv = getattr(obj, "wv", obj)
    return hasattr(kv, "index_to_key") and hasattr(kv, "vectors")


def _is_missing(value: Any) -> bool:
    """None, NaN, pandas' NA / NaT (recognised without importing pandas)."""
    if value is None:
        return True
    if isinstance(value, float):
        return value != value
    return type(value).__name__ in ("NAType", "NaTType")


def _as_list(columns: str | Sequence[str] | None) -> list[str]:
    if columns is None:
        return []
    return [columns] if isinstance(columns, str) else [str(c) for c in columns]


def _quote(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= MAX_QUOTED_CHARS else text[:MAX_QUOTED_CHARS - 1] + "…"


__all__ = ["FINITE_CHECK_ROWS", "LABEL_COLUMN_NAMES", "MAX_QUOTED_CHARS", "NUMERIC_KINDS",
           "PANDAS_INDEX_PREFIX", "VECTOR_COLUMN_NAMES", "InputError", "as_embedding_set", "check_finite",
           "choose_columns", "drop_duplicate_labels", "from_array", "from_arrow", "from_dataframe",
           "from_keyed_vectors", "stack_vectors"]
