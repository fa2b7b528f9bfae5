"""Hand-off to Embedding Atlas (Parquet read back with pyarrow, checked against its documented
schema) and to the TF Projector (configs parsed back, bookmarks round-tripped); labels export."""

from __future__ import annotations

import json

import numpy as np
import pytest

from embexplorer.core.analysis.neighbours import nearest
from embexplorer.core.analysis.pca import fit_pca
from embexplorer.core.data.embeddings import MetadataColumn
from embexplorer.core.data.formats import load
from embexplorer.core.data.handoff import (
    HandoffBookmark,
    export_atlas,
    export_labels,
    export_projector,
    import_projector,
    nearest_neighbours,
    read_projector_config,
)
from embexplorer.core.errors import DataError

#: Rows of the GloVe file exported.
ROWS = 400
#: Neighbours per point in the Atlas file.
K = 10


@pytest.fixture(scope="module")
def glove(glove_path):
    emb = load(glove_path, limit=ROWS, use_cache=False)
    emb.metadata["initial"] = MetadataColumn.from_values("initial", [w[0] for w in emb.labels])
    emb.metadata["length"] = MetadataColumn.numeric("length", [len(w) for w in emb.labels])
    return emb


@pytest.fixture(scope="module")
def pca(glove):
    return fit_pca(glove.vectors, n_components=4)


def test_atlas_parquet_has_the_documented_columns_and_true_neighbours(glove, pca, tmp_path):
    pa = pytest.importorskip("pyarrow", reason="the 'arrow' extra (in the test extra)")
    import pyarrow.parquet as pq

    xy = pca.coords[:, :2]
    path = export_atlas(glove, xy, tmp_path / "atlas.parquet", k=K)
    table = pq.read_table(path)
    schema = table.schema
    # Embedding Atlas: --x/--y float columns; --neighbors {"ids": [...], "distances": [...]}, zero-based ids.
    assert pa.types.is_floating(schema.field("projection_x").type)
    assert pa.types.is_floating(schema.field("projection_y").type)
    neighbours_type = schema.field("neighbors").type
    assert pa.types.is_struct(neighbours_type)
    assert [neighbours_type.field(i).name for i in range(neighbours_type.num_fields)] == ["ids", "distances"]
    assert pa.types.is_integer(neighbours_type.field("ids").type.value_type)
    assert pa.types.is_floating(neighbours_type.field("distances").type.value_type)
    assert table.column("label").to_pylist() == glove.labels
    assert table.column("id").to_pylist() == list(range(glove.n))
    np.testing.assert_allclose(table.column("projection_x").to_numpy(), xy[:, 0])
    np.testing.assert_array_equal(table.column("length").to_numpy(), [len(w) for w in glove.labels])
    rows = table.column("neighbors").to_pylist()
    for word in ("the", "king", "city"):
        if word not in glove.index:
            continue
        i = glove.index[word]
        ours = nearest(glove, word, k=K)
        assert rows[i]["ids"] == [glove.index[n.label] for n in ours]
        np.testing.assert_allclose(rows[i]["distances"], [1 - n.score for n in ours], atol=1e-5)
    assert all(i not in r["ids"] and len(r["ids"]) == K for i, r in enumerate(rows))
    # ... and our own loader opens it again (vector column "vector", labels "label").
    again = load(path)
    assert again.labels == glove.labels and "projection_x" in again.metadata
    np.testing.assert_array_equal(again.vectors, glove.vectors)
    assert any("neighbors" in w for w in again.warnings)


def test_atlas_export_of_a_selection_counts_ids_within_it(glove, pca, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    rows = [5, 50, 7, 300, 12]
    path = export_atlas(glove, pca.coords[:, :2], tmp_path / "sel.parquet", rows=rows, k=3)
    table = pq.read_table(path)
    assert table.column("label").to_pylist() == [glove.labels[r] for r in rows]
    ids, _ = nearest_neighbours(glove.vectors[rows], 3)
    assert [r["ids"] for r in table.column("neighbors").to_pylist()] == ids.tolist()
    with pytest.raises(DataError, match="selection is empty"):
        export_atlas(glove, pca.coords[:, :2], tmp_path / "none.parquet", rows=[])


def test_projector_folder_configs_and_bookmarks_round_trip(glove, pca, tmp_path):
    marks = [HandoffBookmark("royals", [3, 10, 42], (0, 1), "initial"), HandoffBookmark("third axis", [7], (1, 2))]
    written = export_projector(glove, tmp_path / "proj", coords=pca.coords, bookmarks=marks, tensor_name="glove")
    assert {p.name for p in written} == {"vectors.tsv", "metadata.tsv", "bookmarks.json",
                                         "projector_config.json", "projector_config.pbtxt"}
    as_json = read_projector_config(tmp_path / "proj" / "projector_config.json")
    as_pbtxt = read_projector_config(tmp_path / "proj" / "projector_config.pbtxt")
    expected = {"tensorName": "glove", "tensorShape": [glove.n, glove.dims], "tensorPath": "vectors.tsv",
                "metadataPath": "metadata.tsv", "bookmarksPath": "bookmarks.json"}
    assert as_json == [expected] and as_pbtxt == [expected]
    states = json.loads((tmp_path / "proj" / "bookmarks.json").read_text(encoding="utf-8"))
    assert states[0]["label"] == "royals" and states[0]["selectedPoints"] == [3, 10, 42]
    assert states[0]["selectedProjection"] == "pca" and states[1]["pcaComponentDimensions"] == [1, 2]
    assert len(states[0]["projections"]) == glove.n
    assert states[0]["projections"][3]["pca-1"] == pytest.approx(float(pca.coords[3, 1]))
    for config in ("projector_config.json", "projector_config.pbtxt"):
        got = import_projector(tmp_path / "proj" / config)
        assert got.tensor_name == "glove" and got.embeddings.labels == glove.labels
        np.testing.assert_allclose(got.embeddings.vectors, glove.vectors, rtol=1e-6)
        assert set(got.embeddings.metadata) == {"initial", "length"}
        assert [(b.name, b.rows, b.axes, b.colour_by) for b in got.bookmarks] == [
            ("royals", [3, 10, 42], (0, 1), "initial"), ("third axis", [7], (1, 2), None)]


def test_projector_export_of_a_selection_keeps_the_bookmarked_points_in_it(glove, tmp_path):
    rows = [42, 3, 99]
    export_projector(glove, tmp_path / "sel", rows=rows, bookmarks=[HandoffBookmark("b", [3, 10, 42])])
    got = import_projector(tmp_path / "sel" / "projector_config.json")
    assert got.embeddings.labels == [glove.labels[r] for r in rows]
    assert got.bookmarks[0].rows == [1, 0]  # 10 was not exported; 3 and 42 are rows 1 and 0 now


def test_bad_projector_configs_say_why(tmp_path):
    (tmp_path / "c.json").write_text('{"embeddings": [{"tensorName": "x"}]}', encoding="utf-8")
    with pytest.raises(DataError, match="no tensorPath"):
        import_projector(tmp_path / "c.json")
    (tmp_path / "w.json").write_text('{"embeddings": [{"tensorPath": "https://x.org/v.tsv"}]}', encoding="utf-8")
    with pytest.raises(DataError, match="on the web"):
        import_projector(tmp_path / "w.json")
    (tmp_path / "n.json").write_text('{"other": 1}', encoding="utf-8")
    with pytest.raises(DataError, match="not a projector config"):
        read_projector_config(tmp_path / "n.json")
    (tmp_path / "v.tsv").write_text("1\t2\n3\t4\n", encoding="utf-8")
    (tmp_path / "b.json").write_text('[{"label": "far", "selectedPoints": [5]}]', encoding="utf-8")
    (tmp_path / "p.json").write_text('{"embeddings": [{"tensorPath": "v.tsv", "bookmarksPath": "b.json"}]}',
                                     encoding="utf-8")
    with pytest.raises(DataError, match="bookmark 1 selects points outside the 2 rows"):
        import_projector(tmp_path / "p.json")


def test_selected_labels_one_per_line(tmp_path):
    out = export_labels(["king", "queen", "new\nline", "ü"], tmp_path / "sel.txt")
    assert out.read_text(encoding="utf-8") == "king\nqueen\nnew line\nü\n"


def test_pbtxt_names_with_quotes_backslashes_and_accents_round_trip(glove, tmp_path):
    name = 'vecteurs "ü" \\ é'
    export_projector(glove.subset([0, 1]), tmp_path / "q", tensor_name=name)
    assert read_projector_config(tmp_path / "q" / "projector_config.pbtxt")[0]["tensorName"] == name
    assert read_projector_config(tmp_path / "q" / "projector_config.json")[0]["tensorName"] == name
