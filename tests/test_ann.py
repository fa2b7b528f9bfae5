"""The optional approximate index: recall measured against exact search, cached and validated."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("hnswlib")

from embexplorer.core.analysis import ann  # noqa: E402
from embexplorer.core.analysis.neighbours import nearest  # noqa: E402
from embexplorer.core.data.embeddings import EmbeddingSet  # noqa: E402


@pytest.fixture()
def emb(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEXPLORER_CACHE_DIR", str(tmp_path / "cache"))
    rng = np.random.default_rng(2)
    X = rng.standard_normal((3000, 12)).astype(np.float32)
    return EmbeddingSet([f"w{i}" for i in range(len(X))], X)


def test_recall_is_measured_against_exact_and_meets_the_target(emb):
    index = ann.build(emb, threads=1)
    assert index.recall_queries == ann.RECALL_QUERIES and index.recall >= ann.TARGET_RECALL
    rows = np.arange(0, 3000, 97)
    truth = ann.exact_top(emb, rows, 10)
    for row, t in zip(rows[:5], truth):  # the exact reference is nearest()'s answer
        assert [nb.row for nb in nearest(emb, int(row), k=10)] == t.tolist()
    assert ann.recall_at(index, emb, rows, truth, index.ef) >= 0.95
    got = index.nearest(emb, 5, k=10)
    assert 5 not in [nb.row for nb in got] and len(got) == 10
    assert "recall@10" in index.summary()


def test_index_is_cached_and_a_damaged_entry_is_rebuilt(emb):
    first = ann.build(emb, threads=1)
    again = ann.build(emb, threads=1)
    assert not first.from_cache and again.from_cache
    assert (again.ef, again.recall) == (first.ef, first.recall)
    np.testing.assert_array_equal(again.search(emb.vectors[:20], 5)[0], first.search(emb.vectors[:20], 5)[0])
    entry = ann.ann_root() / ann.index_key(emb)
    with open(entry / "index.bin", "ab") as fh:
        fh.write(b"junk")  # size no longer matches entry.json
    rebuilt = ann.build(emb, threads=1)
    assert not rebuilt.from_cache
    other = EmbeddingSet(emb.labels, emb.vectors * 2)  # other values: another key
    assert ann.index_key(other) != ann.index_key(emb)
