"""Data in memory as an EmbeddingSet (embexplorer.core.data.inmemory): arrays, KeyedVectors, pandas,
Arrow.  Plain pytest, no Qt.  Bad input names the column, the row and the reason."""

from __future__ import annotations

import numpy as np
import pytest

from embexplorer.core.data.embeddings import EmbeddingSet, MetadataColumn
from embexplorer.core.data.inmemory import (
    InputError,
    as_embedding_set,
    choose_columns,
    from_array,
    from_keyed_vectors,
)
from embexplorer.core.errors import DataError

ROWS, DIMS = 6, 4


def _vectors(n: int = ROWS, d: int = DIMS) -> np.ndarray:
    return np.arange(n * d, dtype=np.float64).reshape(n, d) / 7.0


# -- arrays --------------------------------------------------------------------------------------------

def test_an_array_with_labels_and_metadata():
    emb = as_embedding_set(_vectors(), labels=list("abcdef"),
                           metadata={"genre": ["x", "y", None, "x", "y", "x"], "year": np.arange(ROWS)})
    assert emb.labels == list("abcdef") and emb.vectors.dtype == np.float32
    np.testing.assert_allclose(emb.vectors, _vectors(), rtol=1e-6)
    assert emb.metadata["genre"].kind == "categorical" and emb.metadata["genre"].value(2) == ""
    assert emb.metadata["year"].kind == "numeric" and emb.metadata["year"].value(5) == "5"
    assert emb.format == "" and "array 6×4" in emb.source


def test_an_array_without_labels_is_labelled_by_row_number():
    assert from_array([[1, 2], [3, 4]]).labels == ["0", "1"]


@pytest.mark.parametrize("data, reason", [
    ([[1, 2], [3, 4], [5, 6, 7]], "row 2: 3 values where row 0 has 2 (ragged vectors)"),
    (np.array([[1.0, 2.0], [3.0, np.inf]]), "row 1, dimension 1: inf"),
    (np.array([[1.0, 2.0], [np.nan, 4.0]]), "row 1, dimension 0: null or NaN"),
    ([["a", "b"]], "non-numeric values"),
    (np.zeros(5), "expected a 2-D array"),
    (np.zeros((0, 3)), "no data: 0 rows"),
    ([np.zeros(3), None], "row 1: null where a vector was expected"),
])
def test_bad_arrays_name_the_row_and_reason(data, reason):
    with pytest.raises(InputError) as info:
        as_embedding_set(data)
    assert reason in str(info.value)
    assert isinstance(info.value, ValueError) and isinstance(info.value, DataError)


def test_labels_are_checked_by_row():
    with pytest.raises(InputError, match="5 labels for 6 rows"):
        from_array(_vectors(), labels=list("abcde"))
    with pytest.raises(InputError, match="labels, row 3: null"):
        from_array(_vectors(), labels=["a", "b", "c", None, "e", "f"])
    with pytest.raises(InputError, match="metadata column 'genre' has 2 rows, the vectors 6"):
        from_array(_vectors(), metadata={"genre": ["x", "y"]})


def test_duplicate_labels_are_dropped_as_the_file_loaders_do():
    emb = from_array(_vectors(), labels=["a", "b", "a", "c", "b", "d"], metadata={"n": np.arange(ROWS)})
    assert emb.labels == ["a", "b", "c", "d"]
    assert emb.duplicates_dropped == 2
    assert list(emb.metadata["n"].values) == [0, 1, 3, 5]
    assert emb.warnings == ["2 duplicate label(s) dropped, keeping the first of each (first: 'a', row 2)"]


def test_unknown_kinds_of_data_are_a_type_error():
    with pytest.raises(TypeError, match="cannot show a builtins.object"):
        as_embedding_set(object())
    with pytest.raises(TypeError, match="a path is opened"):
        as_embedding_set("vectors.txt")
    with pytest.raises(TypeError, match="name columns of a table"):
        as_embedding_set(_vectors(), label_column="word")


def test_an_embedding_set_passes_through_and_takes_more_metadata():
    emb = EmbeddingSet(list("abcdef"), _vectors())
    assert as_embedding_set(emb) is emb
    more = as_embedding_set(emb, metadata={"genre": list("xyxyxy")})
    assert more.labels == emb.labels and list(more.metadata) == ["genre"]
    with pytest.raises(TypeError, match="brings its own labels"):
        as_embedding_set(emb, labels=list("uvwxyz"))


# -- gensim --------------------------------------------------------------------------------------------

def test_keyed_vectors_in_memory_with_their_counts_as_metadata():
    from gensim.models import KeyedVectors

    kv = KeyedVectors(DIMS)
    kv.add_vectors(list("abcdef"), _vectors().astype(np.float32))
    kv.set_vecattr("a", "count", 10)
    emb = as_embedding_set(kv)
    assert emb.labels == list("abcdef")
    np.testing.assert_array_equal(emb.vectors, kv.vectors)
    assert emb.metadata["count"].kind == "numeric" and emb.metadata["count"].value(0) == "10"
    assert from_keyed_vectors(kv, labels=list("uvwxyz")).labels == list("uvwxyz")


# -- pandas --------------------------------------------------------------------------------------------

@pytest.fixture
def pd():
    return pytest.importorskip("pandas", reason="pandas is part of the test extra: pip install -e '.[test]'")


def _frame(pd):
    return pd.DataFrame({"word": list("abcdef"), "embedding": list(_vectors()),
                         "genre": ["x", "y", "x", None, "y", "x"], "year": [1990, 1991, None, 1993, 1994, 1995]})


def test_a_dataframe_with_a_vector_column(pd):
    emb = as_embedding_set(_frame(pd))
    assert emb.labels == list("abcdef")
    np.testing.assert_allclose(emb.vectors, _vectors(), rtol=1e-6)
    assert list(emb.metadata) == ["genre", "year"]
    assert emb.metadata["genre"].categories == ["x", "y"] and emb.metadata["genre"].value(3) == ""
    assert emb.metadata["year"].kind == "numeric" and np.isnan(emb.metadata["year"].values[2])


def test_a_dataframe_of_numeric_columns_labelled_by_its_index_or_a_unique_text_column(pd):
    df = pd.DataFrame(_vectors(), columns=[f"d{i}" for i in range(DIMS)], index=list("abcdef"))
    df["genre"] = list("xyxyxy")  # repeats: metadata, not labels
    emb = as_embedding_set(df)
    assert emb.labels == list("abcdef") and emb.dims == DIMS and list(emb.metadata) == ["genre"]
    flat = df.reset_index(names="key_text")
    assert as_embedding_set(flat).labels == list("abcdef")
    assert as_embedding_set(df.reset_index(drop=True)).labels == [str(i) for i in range(ROWS)]


def test_the_caller_names_the_columns(pd):
    df = _frame(pd)
    df["year"], df["genre"] = df["year"].fillna(2000), df["genre"].fillna("z")
    emb = as_embedding_set(df, label_column="genre", vector_column=["year"])
    assert emb.dims == 1 and emb.labels == ["x", "y", "z"] and emb.duplicates_dropped == 3
    assert list(emb.metadata) == ["word"]  # the other vector-like column is not metadata
    with pytest.raises(InputError, match=r"no column 'vec' \(columns: 'word', 'embedding', 'genre', 'year'\)"):
        as_embedding_set(df, vector_column="vec")
    with pytest.raises(InputError, match="column 'word' is not numeric"):
        as_embedding_set(df, vector_column=["year", "word"])


def test_bad_dataframes_name_column_and_row(pd):
    df = _frame(pd)
    df.at[2, "embedding"] = [1.0, 2.0]
    with pytest.raises(InputError, match="column 'embedding', row 2: 2 values where row 0 has 4 "):
        as_embedding_set(df)
    df.at[2, "embedding"] = None
    with pytest.raises(InputError, match="column 'embedding', row 2: null where a vector"):
        as_embedding_set(df)
    df.at[2, "embedding"] = ["1", "x", "3", "4"]
    with pytest.raises(InputError, match="column 'embedding', row 2: non-numeric value"):
        as_embedding_set(df)
    numeric = pd.DataFrame({"word": list("ab"), "d0": [1.0, 2.0], "d1": [3.0, None]})
    with pytest.raises(InputError, match="row 1, column 'd1': null or NaN"):
        as_embedding_set(numeric)
    labels = pd.DataFrame({"word": ["a", None], "d0": [1.0, 2.0]})
    with pytest.raises(InputError, match="label column 'word', row 1: null"):
        as_embedding_set(labels)


# -- Arrow ---------------------------------------------------------------------------------------------

@pytest.fixture
def pa():
    return pytest.importorskip("pyarrow", reason="pyarrow is the 'spark' extra: pip install -e '.[spark]'")


@pytest.mark.parametrize("list_type", ["list", "large_list", "fixed_size_list"])
def test_an_arrow_table_with_a_vector_column(pa, list_type):
    value = pa.float32()
    kind = {"list": pa.list_(value), "large_list": pa.large_list(value),
            "fixed_size_list": pa.list_(value, DIMS)}[list_type]
    table = pa.table({"label": list("abcdef"), "vector": pa.array(_vectors().tolist(), type=kind),
                      "genre": list("xyxyxy")})
    emb = as_embedding_set(table)
    assert emb.labels == list("abcdef") and list(emb.metadata) == ["genre"]
    np.testing.assert_allclose(emb.vectors, _vectors(), rtol=1e-6)
    emb = as_embedding_set(table.slice(2, 3))  # offsets of a slice are respected
    assert emb.labels == list("cde")
    np.testing.assert_allclose(emb.vectors, _vectors()[2:5], rtol=1e-6)


def test_bad_arrow_tables_name_column_and_row(pa):
    rows = _vectors().tolist()
    ragged = pa.table({"label": list("abcdef"), "vector": rows[:3] + [rows[3][:2]] + rows[4:]})
    with pytest.raises(InputError, match="column 'vector', row 3: 2 values where row 0 has 4"):
        as_embedding_set(ragged)
    rows[4][1] = None
    with pytest.raises(InputError, match="column 'vector', row 4: a null value inside the vector"):
        as_embedding_set(pa.table({"label": list("abcdef"), "vector": rows}))
    text = pa.table({"label": ["a"], "vector": [["x", "y"]]})
    with pytest.raises(InputError, match="column 'vector' holds lists of string, not lists of numbers"):
        as_embedding_set(text)
    numeric = pa.table({"label": ["a", "b"], "d0": [1.0, None], "d1": [1.0, 2.0]})
    with pytest.raises(InputError, match="column 'd0', row 1: null where a number"):
        as_embedding_set(numeric)


def test_a_dataframe_written_to_arrow_keeps_its_index_as_labels(pa, pd):
    df = pd.DataFrame(_vectors(), columns=[f"d{i}" for i in range(DIMS)], index=list("abcdef"))
    emb = as_embedding_set(pa.Table.from_pandas(df))
    assert emb.labels == list("abcdef") and emb.dims == DIMS and not emb.metadata


# -- the column rules ----------------------------------------------------------------------------------

def test_column_choice_by_name_then_type():
    kinds = {"id": "numeric", "emb": "vector", "other": "vector", "genre": "text", "x": "numeric"}
    assert choose_columns(kinds, None, None, "t") == (["emb"], "id", ["genre", "x"])
    kinds = {"a": "numeric", "b": "numeric", "name": "text", "flag": "other"}
    assert choose_columns(kinds, None, None, "t") == (["a", "b"], "name", ["flag"])
    with pytest.raises(InputError, match="no vectors found"):
        choose_columns({"name": "text"}, None, None, "t")
    with pytest.raises(InputError, match="cannot be both the labels and the vectors"):
        choose_columns({"a": "numeric", "b": "numeric"}, "a", ["a", "b"], "t")


def test_metadata_columns_may_be_given_ready_made():
    col = MetadataColumn.categorical("g", list("xyxyxy"))
    emb = from_array(_vectors(), metadata={"genre": col})
    assert emb.metadata["genre"].name == "genre" and emb.metadata["genre"].categories == ["x", "y"]
