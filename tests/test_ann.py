"""The optional approximate index: recall measured against exact search, cached, validated and evicted."""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest

from embexplorer.core.analysis import ann
from embexplorer.core.analysis.neighbours import nearest
from embexplorer.core.data.embeddings import EmbeddingSet

INSTALLED = [b for b in ann.BACKENDS if ann.available(b)]
pytestmark = pytest.mark.skipif(not INSTALLED, reason="no approximate backend installed (hnswlib, faiss-cpu)")


@pytest.fixture(autouse=True)
def fewer_queries(monkeypatch):
    """Calibration and recall on fewer rows than the app's 500 + 1,000 (the bench measures those)."""
    monkeypatch.setattr(ann, "CALIBRATION_QUERIES", 150)
    monkeypatch.setattr(ann, "RECALL_QUERIES", 300)


@pytest.fixture()
def emb(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEXPLORER_CACHE_DIR", str(tmp_path / "cache"))
    rng = np.random.default_rng(2)
    X = rng.standard_normal((1500, 12)).astype(np.float32)
    return EmbeddingSet([f"w{i}" for i in range(len(X))], X)


def _small(seed: int, n: int = 400) -> EmbeddingSet:
    X = np.random.default_rng(seed).standard_normal((n, 8)).astype(np.float32)
    return EmbeddingSet([f"w{i}" for i in range(n)], X)


@pytest.mark.parametrize("backend", INSTALLED)
def test_recall_is_measured_against_exact_and_meets_the_target(emb, backend):
    index = ann.build(emb, threads=1, backend=backend)
    assert index.backend == backend
    assert index.recall_queries == ann.RECALL_QUERIES and index.recall >= ann.TARGET_RECALL
    rows = np.arange(0, 1500, 53)
    truth = ann.exact_top(emb, rows, 10)
    for row, t in zip(rows[:5], truth):  # the exact reference is nearest()'s answer
        assert [nb.row for nb in nearest(emb, int(row), k=10)] == t.tolist()
    assert ann.recall_at(index, emb, rows, truth, index.ef) >= 0.95
    index.set_breadth(index.ef)
    got = index.nearest(emb, 5, k=10)
    assert 5 not in [nb.row for nb in got] and len(got) == 10
    exact = nearest(emb, 5, k=10)
    assert got[0].row == exact[0].row and got[0].score == pytest.approx(exact[0].score, abs=1e-5)
    assert "recall@10" in index.summary() and f"={index.ef}" in index.summary()


def test_index_is_cached_and_a_damaged_entry_is_rebuilt(emb):
    first = ann.build(emb, threads=1)
    again = ann.build(emb, threads=1)
    assert not first.from_cache and again.from_cache and again.backend == ann.default_backend()
    assert (again.ef, again.recall) == (first.ef, first.recall)
    np.testing.assert_array_equal(again.search(emb.vectors[:20], 5)[0], first.search(emb.vectors[:20], 5)[0])
    entry = ann.ann_root() / ann.index_key(emb)
    with open(entry / "index.bin", "ab") as fh:
        fh.write(b"junk")  # size no longer matches entry.json
    rebuilt = ann.build(emb, threads=1)
    assert not rebuilt.from_cache
    other = EmbeddingSet(emb.labels, emb.vectors * 2)  # other values: another key
    assert ann.index_key(other) != ann.index_key(emb)
    if len(INSTALLED) > 1:  # another backend: another entry, never the first one's file
        assert ann.index_key(emb, INSTALLED[1]) != ann.index_key(emb, INSTALLED[0])


def test_index_cache_evicts_the_least_recently_used_beyond_its_cap(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEXPLORER_CACHE_DIR", str(tmp_path / "cache"))
    a, b, c = _small(1), _small(2), _small(3)
    ann.build(a, threads=1)
    size = sum(f.stat().st_size for f in (ann.ann_root() / ann.index_key(a)).iterdir())
    monkeypatch.setattr(ann, "CACHE_MAX_BYTES", int(2.5 * size))  # room for two such indexes
    ann.build(b, threads=1)
    entry_a = ann.ann_root() / ann.index_key(a) / "entry.json"
    os.utime(entry_a, (1, 1))  # a is the least recently used...
    assert ann.build(b, threads=1).from_cache  # ...b was just used again
    ann.build(c, threads=1)  # a third index: the least recently used (a) goes
    assert not entry_a.parent.exists()
    assert (ann.ann_root() / ann.index_key(b)).is_dir() and (ann.ann_root() / ann.index_key(c)).is_dir()
    assert not ann.build(a, threads=1).from_cache  # built again; now b is the least recently used
    assert not (ann.ann_root() / ann.index_key(b)).exists()
    monkeypatch.setattr(ann, "CACHE_MAX_BYTES", size // 2)  # one index alone over the cap: not kept
    assert ann.evict() == 2 and not any(ann.ann_root().iterdir())
    d = _small(4)
    ann.build(d, threads=1)
    assert not (ann.ann_root() / ann.index_key(d)).exists()


def test_unknown_or_missing_backend_is_a_clear_error(emb, monkeypatch):
    with pytest.raises(ValueError, match="unknown approximate backend"):
        ann.build(emb, backend="annoy")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert not ann.available() and ann.default_backend() is None
    with pytest.raises(ann.DataError, match="pip install"):
        ann.build(emb)


def test_cancel_stops_the_build_and_keeps_nothing(emb):
    from embexplorer.core.progress import Cancelled, TaskControl

    backend = ann.default_backend()  # faiss IVF when installed: cancelled inside its k-means

    control = TaskControl(lambda fraction, message: control.cancel(), min_interval=0.0)
    with pytest.raises(Cancelled):
        ann.build(emb, control, threads=1, backend=backend)
    assert not (ann.ann_root() / ann.index_key(emb, backend)).exists()


@pytest.mark.skipif(not {"faiss-ivf", "hnswlib"} <= set(INSTALLED), reason="needs faiss-cpu and hnswlib")
def test_a_set_too_hard_for_ivf_lists_gets_a_graph(emb, monkeypatch):
    monkeypatch.setattr(ann, "IVF_MAX_SCAN_BYTES", 0)  # one list a query at most: random rows need more
    messages = []
    index = ann.build(emb, ann.TaskControl(lambda f, m: messages.append(m), min_interval=0.0), threads=1)
    assert index.backend == "hnswlib" and index.recall >= ann.TARGET_RECALL
    assert any("building an HNSW graph instead" in m for m in messages)
    again = ann.build(emb, threads=1)
    assert again.from_cache and again.backend == "hnswlib"  # the graph is what the cache keeps
    assert ann.build(emb, threads=1, backend="faiss-ivf").ef > 1  # asked for by name: IVF, however wide
