"""Parquet, Arrow (IPC file and stream), Feather and CSV with vectors: round trips through pyarrow
and pandas, column choice (and asking when it is a guess), bad input named by file and row."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from embexplorer.core.data.formats import ColumnChoiceNeeded, detect_format, load
from embexplorer.core.errors import DataError

pa = pytest.importorskip("pyarrow", reason="pyarrow is the 'arrow' extra (in the test extra): "
                                           "pip install -e '.[test]'")
pq = pytest.importorskip("pyarrow.parquet")
feather = pytest.importorskip("pyarrow.feather")

#: Rows of the GloVe file put in the tables.
ROWS = 300


@pytest.fixture(scope="module")
def glove(glove_path):
    """The first rows of the shared GloVe file, read by our own loader."""
    return load(glove_path, limit=ROWS, use_cache=False)


def _table(emb, list_type: str = "fixed"):
    flat = pa.array(emb.vectors.ravel(), type=pa.float32())
    if list_type == "fixed":
        vectors = pa.FixedSizeListArray.from_arrays(flat, emb.dims)
    else:
        offsets = pa.array(np.arange(0, emb.n * emb.dims + 1, emb.dims, dtype=np.int32))
        vectors = pa.ListArray.from_arrays(offsets, flat)
    first = [label[0] for label in emb.labels]  # a metadata column that repeats
    return pa.table({"word": emb.labels, "embedding": vectors, "initial": first,
                     "length": [len(label) for label in emb.labels]})


def _write_ipc(table, path, stream=False):
    with pa.OSFile(str(path), "wb") as sink:
        writer = pa.ipc.new_stream(sink, table.schema) if stream else pa.ipc.new_file(sink, table.schema)
        with writer:
            writer.write_table(table)


#: (format, file name) of the round trips; "arrow-stream" is the IPC stream format.
ROUND_TRIPS = (("parquet", "v.parquet"), ("arrow", "v.arrow"), ("arrow-stream", "v.arrows"),
               ("feather", "v.feather"))


def test_ours_to_pyarrow_to_ours(glove, tmp_path):
    """Every format, with a list and a fixed-size-list vector column (one test: fewer teardowns)."""
    for list_type in ("fixed", "list"):
        table = _table(glove, list_type)
        for fmt, name in ROUND_TRIPS:
            path = tmp_path / f"{list_type}-{name}"
            if fmt == "parquet":
                pq.write_table(table, path)
            elif fmt == "feather":
                feather.write_feather(table, path)
            else:
                _write_ipc(table, path, stream=fmt == "arrow-stream")
            case = f"{fmt} with a {list_type} vector column"
            assert detect_format(path) == fmt.split("-")[0], case
            emb = load(path)
            assert emb.labels == glove.labels and emb.format == fmt.split("-")[0], case
            np.testing.assert_array_equal(emb.vectors, glove.vectors, err_msg=case)
            assert set(emb.metadata) == {"initial", "length"}, case
            assert emb.metadata["initial"].kind == "categorical" and emb.metadata["length"].kind == "numeric"
            np.testing.assert_array_equal(emb.metadata["length"].values, [len(w) for w in glove.labels])
            assert load(path, limit=7).labels == glove.labels[:7], case


def test_an_arrow_file_is_memory_mapped_not_copied(glove, tmp_path):
    path = tmp_path / "v.arrow"
    _write_ipc(_table(glove), path)
    before = pa.total_allocated_bytes()
    emb = load(path)
    # The matrix points into the mapped file: pyarrow allocated nothing for it and numpy owns nothing.
    assert pa.total_allocated_bytes() - before < glove.vectors.nbytes // 10
    assert not emb.vectors.flags.owndata and not emb.vectors.flags.writeable
    np.testing.assert_array_equal(emb.vectors, glove.vectors)


def test_pandas_to_parquet_and_feather_then_ours(glove, tmp_path):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"token": glove.labels, "vector": list(glove.vectors.astype(np.float64)),
                       "rank": np.arange(glove.n)})
    df.to_parquet(tmp_path / "df.parquet")
    emb = load(tmp_path / "df.parquet")
    assert emb.labels == glove.labels and list(emb.metadata) == ["rank"]
    np.testing.assert_allclose(emb.vectors, glove.vectors, rtol=1e-6)
    # Labels in an unnamed string index (pandas writes it as __index_level_0__), two other text columns.
    indexed = pd.DataFrame({"vec": list(glove.vectors), "slug": [w + "!" for w in glove.labels],
                            "other": [w + "?" for w in glove.labels]}, index=glove.labels)
    indexed.to_parquet(tmp_path / "indexed.parquet")
    emb = load(tmp_path / "indexed.parquet")
    assert emb.labels == glove.labels and set(emb.metadata) == {"slug", "other"}
    # Numeric columns (one per dimension), the labels in the index.
    wide = pd.DataFrame(glove.vectors, index=pd.Index(glove.labels, name="word"),
                        columns=[f"d{i}" for i in range(glove.dims)])
    wide.reset_index().to_feather(tmp_path / "w.feather")
    emb = load(tmp_path / "w.feather")
    assert emb.labels == glove.labels and emb.dims == glove.dims and not emb.metadata
    np.testing.assert_array_equal(emb.vectors, glove.vectors)


def test_csv_with_numeric_columns_or_a_vector_cell(glove, tmp_path):
    import csv

    with open(tmp_path / "wide.csv", "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)  # GloVe's labels include "," and '"': quoted as CSV quotes them
        out.writerow(["word", "group", *(f"d{i}" for i in range(glove.dims))])
        out.writerows([w, w[0], *map(repr, map(float, v))] for w, v in zip(glove.labels, glove.vectors))
    emb = load(tmp_path / "wide.csv")
    assert emb.format == "csv" and emb.labels == glove.labels and list(emb.metadata) == ["group"]
    np.testing.assert_array_equal(emb.vectors, glove.vectors)
    with open(tmp_path / "cells.csv", "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["word", "vec"])
        out.writerows([w, "[" + ", ".join(map(repr, map(float, v))) + "]"] for w, v in zip(glove.labels,
                                                                                        glove.vectors))
    np.testing.assert_array_equal(load(tmp_path / "cells.csv").vectors, glove.vectors)


def test_csv_reads_the_same_without_pyarrow(glove, tmp_path, monkeypatch):
    import csv

    with open(tmp_path / "v.csv", "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["word", "vector", "n"])
        out.writerows([w, " ".join(map(repr, map(float, v))), i] for i, (w, v) in
                      enumerate(zip(glove.labels, glove.vectors)))
    fast = load(tmp_path / "v.csv")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.csv", None)
    slow = load(tmp_path / "v.csv")
    assert fast.labels == slow.labels == glove.labels and list(fast.metadata) == list(slow.metadata) == ["n"]
    np.testing.assert_array_equal(fast.vectors, slow.vectors)
    np.testing.assert_array_equal(fast.vectors, glove.vectors)
    np.testing.assert_array_equal(fast.metadata["n"].values, slow.metadata["n"].values)


BAD_CSV_CELLS = (
    (["[1, 2, 3]", "[4, 5]"], r"2 values where the first row has 3 \(ragged vectors\)"),
    (["[1, 2, 3]", ""], r"empty where a vector was expected \(null\)"),
    (["[1, 2, 3]", "[1, two, 3]"], r"non-numeric value 'two'"),
)


def test_bad_csv_names_the_line(tmp_path):
    for cells, reason in BAD_CSV_CELLS:
        text = "word,vec\n" + "".join(f'w{i},"{c}"\n' for i, c in enumerate(cells))
        path = tmp_path / "bad.csv"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(DataError, match=reason) as err:
            load(path, format="csv")
        assert err.value.line == 3 and err.value.path == str(path)


def test_bad_numeric_csv_cells_and_empty_labels_name_the_line(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("word,d0,d1\na,1,2\nb,x,3\n", encoding="utf-8")
    with pytest.raises(DataError, match="column 'd0': non-numeric value 'x'") as err:
        load(path)
    assert err.value.line == 3
    path.write_text("word,d0,d1\na,1,2\nb,,3\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"column 'd0': empty where a number was expected \(null\)") as err:
        load(path)
    assert err.value.line == 3
    path.write_text("word,d0,d1\na,1,2\n,2,3\n", encoding="utf-8")
    with pytest.raises(DataError, match="column 'word': empty label") as err:
        load(path)
    assert err.value.line == 3


BAD_VECTORS = (
    ([[1.0, 2.0], [3.0]], r"row 1: 1 values where row 0 has 2 \(ragged"),
    ([[1.0, 2.0], None], r"row 1: null where a vector was expected"),
    ([[1.0, 2.0], [3.0, None]], r"row 1: a null value inside the vector"),
    ([[1.0, 2.0], [3.0, float("nan")]], r"row 1, dimension 1: null or NaN"),
)


def test_bad_parquet_names_the_file_and_row(tmp_path):
    for values, reason in BAD_VECTORS:
        path = tmp_path / "bad.parquet"
        pq.write_table(pa.table({"word": ["a", "b"], "vector": pa.array(values, type=pa.list_(pa.float32()))}),
                       path)
        with pytest.raises(DataError, match=reason) as err:
            load(path)
        assert err.value.path == str(path) and str(err.value).startswith(str(path))


def test_non_numeric_columns_and_no_vectors(tmp_path):
    path = tmp_path / "text.parquet"
    pq.write_table(pa.table({"word": ["a", "b"], "vector": [["x", "y"], ["z", "w"]]}), path)
    with pytest.raises(DataError, match="no vectors found.*--vector-column"):
        load(path)
    with pytest.raises(DataError, match="column 'vector' holds lists of string, not lists of numbers"):
        load(path, vector_column="vector")
    with pytest.raises(DataError, match="column 'word' is not numeric"):
        load(path, vector_column=["word"])
    with pytest.raises(DataError, match=r"no column 'emb'.*--vector-column"):
        load(path, vector_column="emb")
    with pytest.raises(DataError, match="--vector-column / --label-column are for tables"):
        load(path, format="glove", vector_column="x")


def test_two_candidate_columns_ask_and_naming_one_answers(glove, tmp_path):
    flat = pa.FixedSizeListArray.from_arrays(pa.array(glove.vectors.ravel()), glove.dims)
    table = pa.table({"a": flat, "b": flat, "english": glove.labels, "slug": [w + "!" for w in glove.labels]})
    path = tmp_path / "two.parquet"
    pq.write_table(table, path)
    with pytest.raises(ColumnChoiceNeeded, match="which column holds the vectors: 'a', 'b'.*--vector-column") as err:
        load(path)
    assert err.value.role == "vector" and err.value.candidates == ["a", "b"]
    with pytest.raises(ColumnChoiceNeeded, match="labels: 'english', 'slug'.*--label-column") as err:
        load(path, vector_column="b")
    assert err.value.role == "label"
    emb = load(path, vector_column="b", label_column="slug")
    assert emb.labels[0] == glove.labels[0] + "!" and list(emb.metadata) == ["english"]


def test_the_cli_takes_the_column_flags(glove, tmp_path, capsys):
    from embexplorer.cli import main
    from embexplorer.core.analysis.neighbours import nearest

    flat = pa.FixedSizeListArray.from_arrays(pa.array(glove.vectors.ravel()), glove.dims)
    path = tmp_path / "two.arrow"
    _write_ipc(pa.table({"a": flat, "b": flat, "word": glove.labels}), path)
    word = glove.labels[20]
    argv = ["neighbours", str(path), word, "-k", "3"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--vector-column" in err and str(path) in err and len(err.strip().splitlines()) == 1
    assert main(argv + ["--vector-column", "a"]) == 0
    best = nearest(glove, word, k=1)[0].label
    assert capsys.readouterr().out.splitlines()[2].split()[:2] == ["1", best]


def test_without_pyarrow_the_message_says_what_to_install(tmp_path, monkeypatch):
    path = tmp_path / "v.parquet"
    pq.write_table(pa.table({"word": ["a"], "vector": [[1.0, 2.0]]}), path)
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now raises ImportError
    with pytest.raises(DataError, match=r"needs pyarrow: pip install 'embexplorer\[arrow\]'"):
        load(path)


#: Corrupted copies of each table file tried (seeded).
CORRUPTIONS = 40


def test_corrupted_tables_raise_only_data_errors(glove, tmp_path):
    """Truncated files and flipped bytes: a DataError (file, reason) or OSError, never anything else."""
    for suffix in (".parquet", ".arrow", ".arrows", ".feather", ".csv"):
        _check_corruptions(glove, tmp_path, suffix)


def _check_corruptions(glove, tmp_path, suffix: str) -> None:
    small = glove.subset(np.arange(40))
    good = tmp_path / f"good{suffix}"
    table = _table(small)
    if suffix == ".parquet":
        pq.write_table(table, good)
    elif suffix == ".feather":
        feather.write_feather(table, good, compression="uncompressed")
    elif suffix == ".csv":
        import csv

        with open(good, "w", encoding="utf-8", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(["word", "vector"])
            out.writerows([w, " ".join(map(str, v))] for w, v in zip(small.labels, small.vectors))
    else:
        _write_ipc(table, good, stream=suffix == ".arrows")
    data = good.read_bytes()
    rng = np.random.default_rng(16)
    for case in range(CORRUPTIONS):
        raw = bytearray(data)
        if case % 2:
            raw = raw[:int(rng.integers(1, len(raw)))]
        else:
            for pos in rng.integers(0, len(raw), size=int(rng.integers(1, 8))):
                raw[pos] = int(rng.integers(0, 256))
        bad = tmp_path / f"bad{case}{suffix}"
        bad.write_bytes(bytes(raw))
        try:
            emb = load(bad, use_cache=False)
        except (DataError, OSError):
            continue
        assert emb.n >= 1 and np.isfinite(emb.vectors).all() and len(emb.labels) == emb.n
