"""The core data model: EmbeddingSet, MetadataColumn, DataError, TaskControl, atomic writes."""

from __future__ import annotations

import numpy as np
import pytest

from embexplorer.core import Cancelled, DataError, EmbeddingSet, MetadataColumn, TaskControl
from embexplorer.core.atomic import atomic_write


def _small_set():
    vecs = np.array([[3, 4], [0, 0], [1, 0]], dtype=np.float64)
    meta = {"pos": MetadataColumn.categorical("pos", ["noun", "", "verb"]),
            "freq": MetadataColumn.numeric("freq", [10.0, np.nan, 2.5])}
    return EmbeddingSet(["a", "b", "C"], vecs, meta, kind="word", source="mem")


def test_vectors_become_float32_c_contiguous():
    emb = EmbeddingSet(["x", "y"], np.asfortranarray(np.ones((2, 3))))
    assert emb.vectors.dtype == np.float32 and emb.vectors.flags.c_contiguous
    assert (emb.n, emb.dims, len(emb)) == (2, 3, 2)


def test_label_lookup_and_case_insensitive_row():
    emb = _small_set()
    assert emb.index == {"a": 0, "b": 1, "C": 2}
    assert "C" in emb and "c" not in emb
    assert emb.row("c", case_insensitive=True) == 2
    with pytest.raises(KeyError):
        emb.row("c")


def test_unit_vectors_cached_and_zero_rows_stay_zero():
    emb = _small_set()
    unit = emb.unit_vectors
    assert unit is emb.unit_vectors
    np.testing.assert_allclose(unit[0], [0.6, 0.8], rtol=1e-6)
    np.testing.assert_array_equal(unit[1], [0, 0])
    np.testing.assert_allclose(emb.norms, [5, 0, 1])


def test_metadata_text_and_subset():
    emb = _small_set()
    assert emb.metadata_text(0) == {"pos": "noun", "freq": "10"}
    assert emb.metadata_text(1) == {"pos": "", "freq": ""}
    sub = emb.subset([2, 0])
    assert sub.labels == ["C", "a"]
    np.testing.assert_array_equal(sub.vectors, [[1, 0], [3, 4]])
    assert sub.metadata_text(0) == {"pos": "verb", "freq": "2.5"}


def test_from_values_detects_numeric_and_categorical():
    assert MetadataColumn.from_values("n", ["1", "2.5", ""]).kind == "numeric"
    col = MetadataColumn.from_values("g", ["x", "y", "x"])
    assert col.kind == "categorical" and col.categories == ["x", "y"]
    np.testing.assert_array_equal(col.codes, [0, 1, 0])


def test_mismatched_shapes_are_rejected():
    with pytest.raises(ValueError):
        EmbeddingSet(["a"], np.zeros((2, 2)))
    with pytest.raises(ValueError):
        EmbeddingSet(["a", "b"], np.zeros((2, 2)), {"m": MetadataColumn.numeric("m", [1.0])})


def test_data_error_names_file_line_and_reason():
    err = DataError("3 values, expected 50", path="/tmp/v.txt", line=7)
    assert str(err) == "/tmp/v.txt:7: 3 values, expected 50"
    assert str(DataError("empty file", path="e.txt")) == "e.txt: empty file"


def test_task_control_cancel_raises_at_next_progress():
    seen = []
    control = TaskControl(on_progress=lambda f, m: seen.append(f), min_interval=0)
    control.progress(0.5, "half")
    control.cancel()
    with pytest.raises(Cancelled):
        control.progress(0.6)
    assert seen == [0.5]


def test_atomic_write_keeps_old_file_on_error(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("good")
    with pytest.raises(RuntimeError), atomic_write(target, "w", encoding="utf-8") as fh:
        fh.write("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "good"
    assert list(tmp_path.iterdir()) == [target]
    with atomic_write(target, "w", encoding="utf-8") as fh:
        fh.write("new")
    assert target.read_text() == "new"
