"""The load cache: hits, misses, invalidation, damaged entries, eviction."""

from __future__ import annotations

import os

import numpy as np
import pytest

from embexplorer.core.data import cache, formats
from embexplorer.core.data.embeddings import MetadataColumn


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEXPLORER_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def w2v_file(tmp_path, glove_path):
    """A word2vec copy of the real GloVe file (the tests modify it)."""
    emb = formats.load(glove_path, use_cache=False)
    out = tmp_path / "glove.w2v.txt"
    formats.save(emb.subset(np.arange(1000)), out, "word2vec")
    return out


def _entries(root):
    return sorted(p for p in (root / cache.CACHE_SUBDIR).iterdir() if p.is_dir())


def test_hit_returns_identical_memory_mapped_set(fresh_cache, w2v_file):
    first = formats.load(w2v_file)
    assert first.from_cache is False
    second = formats.load(w2v_file)
    assert second.from_cache is True
    assert second.labels == first.labels
    assert np.array_equal(second.vectors, first.vectors)
    assert second.vectors.dtype == np.float32 and second.vectors.flags.c_contiguous
    assert isinstance(second.vectors, np.memmap) or isinstance(second.vectors.base, np.memmap)
    assert (second.format, second.source) == (first.format, first.source)
    assert len(_entries(fresh_cache)) == 1


def test_keyed_by_limit_and_format(fresh_cache, w2v_file):
    formats.load(w2v_file)
    limited = formats.load(w2v_file, limit=10)
    assert limited.from_cache is False and limited.n == 10
    assert formats.load(w2v_file, limit=10).from_cache is True
    assert len(_entries(fresh_cache)) == 2


def test_no_cache_neither_reads_nor_writes(fresh_cache, w2v_file):
    assert formats.load(w2v_file, use_cache=False).from_cache is False
    assert not (fresh_cache / cache.CACHE_SUBDIR).exists()


def test_changed_file_is_parsed_again(fresh_cache, w2v_file):
    formats.load(w2v_file)
    text = w2v_file.read_text(encoding="utf-8").splitlines()
    text[1] = text[1].split(" ", 1)[0] + " " + " ".join(["0.5"] * 50)
    w2v_file.write_text("\n".join(text) + "\n", encoding="utf-8")
    st = w2v_file.stat()
    os.utime(w2v_file, ns=(st.st_atime_ns, st.st_mtime_ns + 10 ** 9))  # a new mtime even on coarse clocks
    again = formats.load(w2v_file)
    assert again.from_cache is False
    assert np.all(again.vectors[0] == 0.5)
    assert formats.load(w2v_file).from_cache is True


def test_touched_file_is_parsed_again(fresh_cache, w2v_file):
    formats.load(w2v_file)
    st = w2v_file.stat()
    os.utime(w2v_file, ns=(st.st_atime_ns, st.st_mtime_ns + 10 ** 9))
    assert formats.load(w2v_file).from_cache is False


@pytest.mark.parametrize("damage", ["truncate vectors", "garble labels", "garble entry", "delete labels",
                                    "reshape vectors"])
def test_damaged_entry_is_rebuilt(fresh_cache, w2v_file, damage):
    good = formats.load(w2v_file)
    (entry,) = _entries(fresh_cache)
    if damage == "truncate vectors":
        with open(entry / "vectors.npy", "r+b") as fh:
            fh.truncate(1000)
    elif damage == "garble labels":
        raw = bytearray((entry / "labels.txt").read_bytes())
        raw[5] ^= 0x01
        (entry / "labels.txt").write_bytes(bytes(raw))
    elif damage == "garble entry":
        (entry / "entry.json").write_text("{not json")
    elif damage == "delete labels":
        (entry / "labels.txt").unlink()
    else:
        np.save(entry / "vectors.npy", np.zeros((good.n * 2, good.dims // 2), dtype=np.float32))
    rebuilt = formats.load(w2v_file)
    assert rebuilt.from_cache is False
    assert rebuilt.labels == good.labels and np.array_equal(rebuilt.vectors, good.vectors)
    assert formats.load(w2v_file).from_cache is True


def test_metadata_columns_cached(fresh_cache, tmp_path, glove_path):
    emb = formats.load(glove_path, limit=50, use_cache=False)
    emb.metadata["kind"] = MetadataColumn.categorical("kind", ["a" if i % 2 else "" for i in range(50)])
    emb.metadata["rank"] = MetadataColumn.numeric("rank", np.arange(50.0))
    formats.save_projector_tsv(emb, tmp_path / "vectors.tsv")
    first = formats.load(tmp_path / "vectors.tsv")
    second = formats.load(tmp_path / "vectors.tsv")
    assert second.from_cache
    assert second.metadata["kind"].value(1) == "a" and second.metadata["kind"].value(0) == ""
    assert np.array_equal(second.metadata["rank"].values, first.metadata["rank"].values)


def test_eviction_keeps_total_under_cap(fresh_cache, tmp_path, glove_path, monkeypatch):
    emb = formats.load(glove_path, use_cache=False)
    paths = []
    for i in range(3):
        p = tmp_path / f"g{i}.txt"
        formats.save(emb.subset(np.arange(500 * (i + 1))), p, "glove")
        paths.append(p)
    formats.load(paths[0])
    one_entry = sum(f.stat().st_size for f in _entries(fresh_cache)[0].iterdir())
    monkeypatch.setattr(cache, "CACHE_MAX_BYTES", one_entry * 4)
    monkeypatch.setattr(cache.evict, "__defaults__", (one_entry * 4,))
    for p in paths[1:]:
        formats.load(p)
    total = sum(f.stat().st_size for e in _entries(fresh_cache) for f in e.iterdir())
    assert total <= one_entry * 4
    assert formats.load(paths[2]).from_cache is True  # the newest stays
    assert formats.load(paths[0]).from_cache is False  # the oldest went


def test_a_deferred_entry_is_written_later_with_np_saves_bytes(fresh_cache, w2v_file):
    """``defer_cache`` leaves the entry to ``store_cache`` (the app writes it once the set is shown); the
    matrix, written a step at a time, is byte for byte what ``np.save`` writes."""
    first = formats.load(w2v_file, defer_cache=True)
    assert first.cache_key is not None and not (fresh_cache / cache.CACHE_SUBDIR).exists()
    assert formats.load(w2v_file, defer_cache=True).from_cache is False  # not written yet
    assert formats.store_cache(first) is True
    assert first.cache_key is None and formats.store_cache(first) is False  # written once
    again = formats.load(w2v_file)
    assert again.from_cache is True and again.labels == first.labels
    np.testing.assert_array_equal(again.vectors, first.vectors)
    (entry,) = _entries(fresh_cache)
    expected = fresh_cache / "expected.npy"
    np.save(expected, first.vectors)
    assert (entry / "vectors.npy").read_bytes() == expected.read_bytes()
    assert again.cache_key is None  # a hit has nothing left to write


def test_a_cancelled_store_leaves_no_entry_nor_partial_file(fresh_cache, w2v_file, monkeypatch):
    from embexplorer.core.progress import Cancelled, TaskControl

    monkeypatch.setattr(cache, "WRITE_STEP_BYTES", 4096)  # the 1000 x 50 matrix in 49 steps
    steps = []

    class StopAfterThree(TaskControl):
        def check(self) -> None:
            steps.append(1)
            if len(steps) > 3:
                raise Cancelled()

    emb = formats.load(w2v_file, defer_cache=True)
    with pytest.raises(Cancelled):
        formats.store_cache(emb, StopAfterThree())
    assert len(steps) == 4
    leftovers = [p for p in (fresh_cache / cache.CACHE_SUBDIR).rglob("*") if p.is_file()]
    assert leftovers == []
    assert formats.load(w2v_file).from_cache is False  # parsed again, and kept this time
    assert formats.load(w2v_file).from_cache is True
