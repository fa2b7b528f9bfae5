"""Tables with vectors: Parquet, Arrow (IPC file and stream), Feather and CSV.

A table gives its vectors as one **vector column** (a list or fixed-size list of numbers per row) or
as **numeric columns** (one dimension each); one column gives the labels and every other column is
metadata.  Columns are chosen as :func:`embexplorer.core.data.inmemory.choose_columns` says; when
that would be a guess between equals (two list columns, two text columns whose values do not
repeat), :class:`ColumnChoiceNeeded` names the candidates and the CLI asks for ``--vector-column``
/ ``--label-column`` (the GUI, in a small dialog).

Parquet, Arrow and Feather need pyarrow (``pip install 'embexplorer[arrow]'``); an Arrow or Feather
file is memory-mapped, so a fixed-size-list float32 vector column without nulls becomes the
set's matrix without a copy.  CSV is read with the standard library: a vector column there holds
numbers in one cell (``"[0.1, 0.2]"``, ``"0.1 0.2"`` or ``"0.1;0.2"``).  Errors name the file and the
row (0-based, as pandas and pyarrow count) or, for CSV, the line.  Use the public entry points in
:mod:`embexplorer.core.data.formats`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from embexplorer.core.data.embeddings import EmbeddingSet
from embexplorer.core.data.inmemory import (
    LABEL_COLUMN_NAMES,
    PANDAS_INDEX_PREFIX,
    VECTOR_COLUMN_NAMES,
    InputError,
    arrow_column_kind,
    choose_columns,
    from_arrow,
)
from embexplorer.core.errors import DataError

#: The table formats (``--format`` names).
TABLE_FORMATS = ("parquet", "arrow", "feather", "csv")
#: Table formats read by pyarrow.
ARROW_FORMATS = ("parquet", "arrow", "feather")
#: What to install for them.
ARROW_INSTALL = "pip install 'embexplorer[arrow]'"
#: First bytes of a Parquet file.
PARQUET_MAGIC = b"PAR1"
#: First bytes of an Arrow IPC file (Feather v2 is one).
ARROW_FILE_MAGIC = b"ARROW1"
#: First bytes of a Feather v1 file.
FEATHER_V1_MAGIC = b"FEA1"
#: First bytes of an Arrow IPC stream (the continuation marker before the first message).
ARROW_STREAM_MARKER = b"\xff\xff\xff\xff"
#: Extensions that name a table format.
TABLE_EXTENSIONS = {".parquet": "parquet", ".pq": "parquet", ".arrow": "arrow", ".arrows": "arrow",
                    ".ipc": "arrow", ".feather": "feather", ".csv": "csv"}
#: Separators of the numbers inside one CSV vector cell (brackets around them are ignored).
CSV_CELL_SPLIT = re.compile(r"[\s,;]+")
#: Rows a CSV column is sampled on to decide whether it holds vectors, numbers or text.
CSV_KIND_SAMPLE_ROWS = 100
#: Rows of a Parquet file read per batch when only the first ``limit`` rows are wanted.
PARQUET_BATCH_ROWS = 65_536


class ColumnChoiceNeeded(DataError):
    """The table's vector or label column cannot be told apart from another: the user must choose.

    ``role`` is ``"vector"`` or ``"label"``; ``candidates`` the columns that could be it;
    ``columns`` every column of the table (name -> kind: vector, numeric, text, other).
    """

    def __init__(self, reason: str, path=None, line=None, role: str = "vector",
                 candidates: Sequence[str] = (), columns: dict[str, str] | None = None) -> None:
        super().__init__(reason, path, line)
        self.role = role
        self.candidates = list(candidates)
        self.columns = dict(columns or {})

    def __reduce__(self):
        return (_rebuild_choice,
                (self.reason, self.path, self.line, self.role, self.candidates, self.columns))


def _rebuild_choice(reason, path, line, role, candidates, columns):
    return ColumnChoiceNeeded(reason, path, line, role=role, candidates=candidates, columns=columns)


# -- detection ---------------------------------------------------------------------------------------

def sniff_table(head: bytes, ext: str) -> str | None:
    """The table format of a file from its first bytes and extension (None: not a table)."""
    if head.startswith(PARQUET_MAGIC):
        return "parquet"
    if head.startswith(ARROW_FILE_MAGIC):
        return "feather" if ext == ".feather" else "arrow"
    if head.startswith(FEATHER_V1_MAGIC):
        return "feather"
    if head.startswith(ARROW_STREAM_MARKER) and TABLE_EXTENSIONS.get(ext) in ("arrow", "feather"):
        return "arrow"
    if ext == ".csv":
        first = head.split(b"\n", 1)[0]
        return "csv" if b"," in first else None
    return None


def require_pyarrow(path=None):
    """pyarrow, or a DataError saying how to install it."""
    try:
        import pyarrow as pa
    except ImportError:
        raise DataError(f"reading Parquet, Arrow and Feather files needs pyarrow: {ARROW_INSTALL}",
                        path) from None
    return pa


# -- command-line options (shared by the GUI and the headless commands) ----------------------------
def add_column_arguments(parser) -> None:
    """``--vector-column`` and ``--label-column``: which columns of a table file (Parquet, Arrow,
    Feather, CSV) hold the vectors and the labels, when the file leaves it open."""
    parser.add_argument("--vector-column", metavar="NAME",
                        help="tables (Parquet, Arrow, Feather, CSV): the column of vectors (a list per row), "
                             "or numeric columns, one per dimension, separated by commas")
    parser.add_argument("--label-column", metavar="NAME", help="tables: the column of labels")


def column_options(args) -> dict:
    """``vector_column`` / ``label_column`` keyword arguments of the loaders from parsed ``args``."""
    vector = getattr(args, "vector_column", None)
    if vector and "," in vector:
        vector = [name.strip() for name in vector.split(",") if name.strip()]
    return {"vector_column": vector or None, "label_column": getattr(args, "label_column", None) or None}


# -- reading -----------------------------------------------------------------------------------------

def load_table(path: Path, fmt: str, limit: int | None, control, _allow_pickle, _metadata_path,
               _read_bytes: int, vector_column: str | Sequence[str] | None = None,
               label_column: str | None = None) -> EmbeddingSet:
    """Read a table file as an :class:`EmbeddingSet` (the loader of every :data:`TABLE_FORMATS`).

    Raises
    ------
    ColumnChoiceNeeded
        Two columns could be the vectors (or the labels) and none is named.
    DataError
        Anything else wrong: the file, the row (or line) and the reason.
    """
    control.progress(None, f"Reading {path.name}", force=True)
    if fmt == "csv":
        return _load_csv(path, limit, vector_column, label_column)
    pa = require_pyarrow(path)
    table = _read_arrow_table(pa, path, fmt, limit)
    if table.num_rows == 0:
        raise DataError("the table has no rows", path)
    named = [label_column, *([vector_column] if isinstance(vector_column, str) else vector_column or [])]
    try:
        table, left_out = _drop_unusable(pa, table, keep=named)
        kinds = {n: arrow_column_kind(pa, table.schema.field(n).type) for n in table.schema.names}
        _check_choice(path, kinds, vector_column, label_column,
                      lambda name: len(set(table.column(name).to_pylist())) == table.num_rows)
        emb = from_arrow(table, label_column=label_column, vector_column=vector_column, source=str(path))
    except InputError as err:
        raise DataError(_with_hint(err.reason), path) from None
    except (pa.ArrowException, ValueError, TypeError) as err:  # damaged content (e.g. text that is not UTF-8)
        raise DataError(f"damaged {fmt} data: {type(err).__name__}: {err}", path) from None
    if left_out:
        emb.warnings.append(f"columns left out (nested values): {', '.join(map(repr, left_out))}")
    return emb


def _read_arrow_table(pa, path: Path, fmt: str, limit: int | None):
    """The file as a pyarrow Table: Arrow and Feather memory-mapped (zero-copy), Parquet decoded."""
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            pfile = pq.ParquetFile(path, memory_map=True)
            if limit is None:
                return pfile.read()
            batches, rows = [], 0
            for batch in pfile.iter_batches(batch_size=min(limit, PARQUET_BATCH_ROWS)):
                batches.append(batch)
                rows += batch.num_rows
                if rows >= limit:
                    break
            return pa.Table.from_batches(batches, schema=pfile.schema_arrow).slice(0, limit)
        source = pa.memory_map(str(path))  # kept open by the buffers that point into it
        head = source.read(len(ARROW_FILE_MAGIC))
        source.seek(0)
        if head.startswith(FEATHER_V1_MAGIC):
            import pyarrow.feather as feather

            table = feather.read_table(str(path), memory_map=True)
        elif head.startswith(ARROW_FILE_MAGIC):
            table = pa.ipc.open_file(source).read_all()
        else:
            table = pa.ipc.open_stream(source).read_all()
        # An IPC file is used as it lies on disk: damaged offsets or text would otherwise be read
        # out of bounds later.  Full validation reads the file once, copies nothing.
        table.validate(full=True)
    except (pa.ArrowException, OSError, ValueError) as err:
        raise DataError(f"cannot read it as {fmt}: {err}", path) from None
    return table if limit is None else table.slice(0, limit)


def _drop_unusable(pa, table, keep=()):
    """The table without nested columns that can be neither vectors nor metadata (structs, maps,
    lists of text), and their names; columns in ``keep`` (named by the user) stay, to be refused
    with their reason."""
    drop = []
    for field in table.schema:
        t = field.type
        if field.name in keep:
            continue
        nested_list = arrow_column_kind(pa, t) == "vector" and not (pa.types.is_floating(t.value_type)
                                                        or pa.types.is_integer(t.value_type))
        if nested_list or pa.types.is_struct(t) or pa.types.is_map(t) or pa.types.is_union(t):
            drop.append(field.name)
    return (table.drop_columns(drop) if drop else table), drop


def _check_choice(path, kinds: dict[str, str], vector_column, label_column, is_unique) -> None:
    """Raise :class:`ColumnChoiceNeeded` when choosing a column would be a guess between equals.

    A pandas index written to the file (``__index_level_0__``) holds the labels: no guess then."""
    index_labels = any(n.startswith(PANDAS_INDEX_PREFIX) for n in kinds)
    kinds = {n: k for n, k in kinds.items() if not n.startswith(PANDAS_INDEX_PREFIX)}
    lowered = {n.lower() for n in kinds}
    if vector_column is None and not any(n in lowered for n in VECTOR_COLUMN_NAMES):
        lists = [n for n, k in kinds.items() if k == "vector"]
        if len(lists) > 1:
            raise ColumnChoiceNeeded(
                f"cannot tell which column holds the vectors: {', '.join(map(repr, lists))}; choose one with "
                "--vector-column NAME", path, role="vector", candidates=lists, columns=kinds)
    if label_column is None and not index_labels and not any(n in lowered for n in LABEL_COLUMN_NAMES):
        texts = [n for n, k in kinds.items() if k == "text" and n != vector_column and is_unique(n)]
        if len(texts) > 1:
            raise ColumnChoiceNeeded(
                f"cannot tell which column holds the labels: {', '.join(map(repr, texts))}; choose one with "
                "--label-column NAME", path, role="label", candidates=texts, columns=kinds)


def _with_hint(reason: str) -> str:
    if reason.startswith("no vectors found"):
        return reason.replace("(vector_column=...)", "(--vector-column NAME)")
    if reason.startswith("no column "):
        return reason + " (--vector-column / --label-column name the table's columns)"
    return reason


# -- CSV ------------------------------------------------------------------------------------------------

def _load_csv(path: Path, limit: int | None, vector_column, label_column) -> EmbeddingSet:
    """A CSV file with a header row: numeric columns or a vector column of numbers in one cell.

    pyarrow's CSV reader (when installed) reads a good file some 20 times faster; a file it cannot
    take as it is (a bad cell, an empty label...) is read again here, line by line, so that the
    error names the line.
    """
    fast = _load_csv_arrow(path, limit, vector_column, label_column)
    if fast is not None:
        return fast
    from embexplorer.core.data._sniff import _open_bytes

    with _open_bytes(path) as (stream, _raw, _comp):
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
        reader = csv.reader(text)
        try:
            header = next(reader)
        except StopIteration:
            raise DataError("file is empty", path) from None
        rows: list[list[str]] = []
        lines: list[int] = []
        for row in reader:
            if not "".join(row).strip():  # a blank line
                continue
            if len(row) != len(header):
                raise DataError(f"{len(row)} fields where the header has {len(header)}", path,
                                reader.line_num)
            rows.append(row)
            lines.append(reader.line_num)
            if limit is not None and len(rows) >= limit:
                break
    if not rows:
        raise DataError("no rows after the header", path)
    names = [h.strip() for h in header]
    if len(set(names)) != len(names):
        raise DataError("column names repeat in the header; give each column its own name", path, 1)
    columns = dict(zip(names, map(list, zip(*rows))))  # transposed in C
    kinds = {name: _csv_kind(values) for name, values in columns.items()}
    _check_choice(path, kinds, vector_column, label_column,
                  lambda name: len(set(columns[name])) == len(rows))
    try:
        vec_cols, label_col, meta_cols = choose_columns(kinds, label_column, vector_column, "CSV")
    except InputError as err:
        raise DataError(_with_hint(err.reason), path) from None
    if len(vec_cols) == 1 and kinds[vec_cols[0]] == "vector":
        vectors = _csv_vectors(columns[vec_cols[0]], vec_cols[0], lines, path)
    else:
        vectors = np.empty((len(rows), len(vec_cols)), dtype=np.float32)
        for j, name in enumerate(vec_cols):
            vectors[:, j] = _csv_numbers(columns[name], name, lines, path)
    labels = columns[label_col] if label_col is not None else [str(i) for i in range(len(rows))]
    for i, label in enumerate(labels):
        if not label.strip():
            raise DataError(f"column {label_col!r}: empty label", path, lines[i])
    from embexplorer.core.data.embeddings import MetadataColumn

    meta = {name: MetadataColumn.from_values(name, columns[name]) for name in meta_cols}
    return EmbeddingSet(labels, vectors, meta, source=str(path))


def _load_csv_arrow(path: Path, limit: int | None, vector_column, label_column) -> EmbeddingSet | None:
    """The fast path of :func:`_load_csv` (pyarrow); None when pyarrow is absent or the file has a
    problem the line-by-line reader should name."""
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:
        return None
    from embexplorer.core.data._sniff import _open_bytes

    try:
        with _open_bytes(path) as (stream, _raw, _comp):
            table = pacsv.read_csv(stream, convert_options=pacsv.ConvertOptions(strings_can_be_null=False))
    except (pa.ArrowException, OSError, ValueError, DataError):
        return None
    if limit is not None:
        table = table.slice(0, limit)
    if table.num_rows == 0 or len(set(table.schema.names)) != len(table.schema.names):
        return None
    columns, kinds = {}, {}
    for name in table.schema.names:
        col = table.column(name)
        kind = arrow_column_kind(pa, col.type)
        if kind == "text" and pa.types.is_string(col.type):
            cells = col.to_pylist()
            kind = _csv_kind(cells)
            if kind == "numeric":
                return None  # numbers with a bad cell: the line-by-line reader names it
            if kind == "vector":
                try:
                    vectors = _csv_vectors_fast(cells)
                except ValueError:
                    return None
                col = pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), vectors.shape[1])
            elif "" in cells:
                return None  # empty cells in a text column (e.g. an empty label)
        elif kind == "numeric" and col.null_count:
            return None
        columns[name], kinds[name] = col, kind
    table = pa.table(columns)
    _check_choice(path, kinds, vector_column, label_column,
                  lambda name: len(set(table.column(name).to_pylist())) == table.num_rows)
    try:
        return from_arrow(table, label_column=label_column, vector_column=vector_column, source=str(path))
    except InputError:
        return None


def _csv_vectors_fast(cells: list[str]) -> np.ndarray:
    """Vector cells parsed in one numpy call; ValueError for a ragged, empty, non-numeric or
    non-finite one."""
    parts = [CSV_CELL_SPLIT.split(cell.strip().strip("[]() ")) for cell in cells]
    width = len(parts[0])
    if parts[0] == [""] or any(len(p) != width for p in parts):
        raise ValueError("ragged or empty")
    flat = np.array([x for p in parts for x in p], dtype=np.float32)
    if not np.isfinite(flat).all():
        raise ValueError("not finite")
    return flat.reshape(len(cells), width)


def _csv_kind(values: list[str]) -> str:
    """vector / numeric / text, from the first non-empty cell (as pandas judges an object column by
    its first value): a bad cell further down is then reported by its line, not taken for text."""
    first = next((v.strip() for v in values[:CSV_KIND_SAMPLE_ROWS] if v.strip()), None)
    if first is None:
        return "other"
    if _is_float(first):
        return "numeric"
    parts = CSV_CELL_SPLIT.split(first.strip("[]() "))
    if len(parts) > 1 and all(_is_float(x) for x in parts):
        return "vector"
    return "text"


def _csv_numbers(cells: list[str], name: str, lines: list[int], path: Path) -> np.ndarray:
    """A numeric column: numpy parses it in one go; a cell it refuses is found row by row."""
    try:
        values = np.fromiter(map(float, cells), dtype=np.float64, count=len(cells))
    except ValueError:
        values = None
    if values is None or not np.isfinite(values).all():
        for i, cell in enumerate(cells):
            _csv_number(cell, name, lines[i], path)  # raises for the first bad cell
    return values


def _csv_vectors(cells: list[str], name: str, lines: list[int], path: Path) -> np.ndarray:
    """A vector column (numbers in one cell): split per row, parsed by numpy in one go; a bad or
    ragged row is found by the row-by-row check."""
    try:
        return _csv_vectors_fast(cells)
    except ValueError:
        return _csv_vectors_checked(cells, name, lines, path)


def _csv_vectors_checked(cells: list[str], name: str, lines: list[int], path: Path) -> np.ndarray:
    out: np.ndarray | None = None
    for i, cell in enumerate(cells):
        body = cell.strip().strip("[]() ")
        if not body:
            raise DataError(f"column {name!r}: empty where a vector was expected (null)", path, lines[i])
        parts = CSV_CELL_SPLIT.split(body)
        try:
            vec = np.array([float(p) for p in parts], dtype=np.float32)
        except ValueError:
            bad = next(p for p in parts if not _is_float(p))
            raise DataError(f"column {name!r}: non-numeric value {bad[:40]!r} in the vector", path,
                            lines[i]) from None
        if out is None:
            out = np.empty((len(cells), len(vec)), dtype=np.float32)
        elif len(vec) != out.shape[1]:
            raise DataError(f"column {name!r}: {len(vec)} values where the first row has {out.shape[1]} "
                            "(ragged vectors)", path, lines[i])
        if not np.isfinite(vec).all():
            raise DataError(f"column {name!r}: NaN or infinite value (vectors must be finite)", path,
                            lines[i])
        out[i] = vec
    return out


def _csv_number(cell: str, name: str, line: int, path: Path) -> float:
    text = cell.strip()
    if not text:
        raise DataError(f"column {name!r}: empty where a number was expected (null)", path, line)
    try:
        value = float(text)
    except ValueError:
        raise DataError(f"column {name!r}: non-numeric value {text[:40]!r}", path, line) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise DataError(f"column {name!r}: {text} (vectors must be finite)", path, line)
    return value


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


__all__ = ["ARROW_FORMATS", "ARROW_INSTALL", "TABLE_EXTENSIONS", "TABLE_FORMATS", "ColumnChoiceNeeded",
           "add_column_arguments", "column_options", "load_table", "require_pyarrow", "sniff_table"]
