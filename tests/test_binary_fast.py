"""The word2vec binary fast path (core/data/_w2v_binary.py) equals the record-by-record reader and gensim.

The same bytes are read uncompressed (the fast path) and gzip-compressed (the streaming reader,
which walks records one by one), at several read steps so that records straddle every boundary;
gensim reads the uncompressed file too.  Labels, vectors, warnings and errors must match, with
both scans of the fast path: the regular expression's and the compiled one (numba, optional).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from embexplorer.core.data import _stream_readers, _w2v_binary, formats
from embexplorer.core.errors import DataError
from embexplorer.core.progress import TaskControl

LABELS = [b"caf\xc3\xa9", b"\xe6\x97\xa5\xe6\x9c\xac", b"x\ty", b"a", b"", b"\xff\xfe", b"last"]


def write(path: Path, labels: list[bytes], X: np.ndarray, sep: bytes | list[bytes] = b"\n",
          header: bytes | None = None) -> Path:
    seps = sep if isinstance(sep, list) else [sep] * len(labels)
    with open(path, "wb") as fh:
        fh.write(header if header is not None else f"{len(labels)} {X.shape[1]}\n".encode())
        for lab, row, s in zip(labels, X.astype("<f4"), seps):
            fh.write(lab + b" " + row.tobytes() + s)
    return path


_CHOOSE = _w2v_binary.choose_scan
#: The fast path's two scans; the compiled one only where numba is installed.
SCANS = ["regex", pytest.param("compiled", marks=pytest.mark.skipif(
    _w2v_binary.compiled_scan(8) is None, reason="numba is not installed (the compiled scan is optional)"))]


@pytest.fixture(params=SCANS)
def scan(request, monkeypatch) -> str:
    """Each test runs with each scan, on every file size; staging buffers as small as allowed (so
    that records straddle buffers), the labels decoded buffer by buffer in a thread and the matrix's
    pages allocated in another (as for a large file; small files elsewhere in the suite take the
    one-piece decode and ``np.empty``)."""
    monkeypatch.setattr(_w2v_binary, "USE_COMPILED_SCAN", request.param == "compiled")
    monkeypatch.setattr(_w2v_binary, "COMPILED_SCAN_MIN_BYTES", 0)
    monkeypatch.setattr(_w2v_binary, "STAGE_BYTES", 1)
    monkeypatch.setattr(_w2v_binary, "LABEL_THREAD_MIN_BYTES", 0)
    monkeypatch.setattr(_w2v_binary, "PLAIN_PAGES_MIN_BYTES", 0)  # the matrix's pages allocated in a thread
    return request.param


def both(path: Path, monkeypatch, step: int, **kw):
    """(fast, streaming) loads of the same bytes; an error is returned as its message."""
    gz = path.with_suffix(path.suffix + ".gz")
    gz.write_bytes(gzip.compress(path.read_bytes()))
    monkeypatch.setattr(formats, "READ_CHUNK_BYTES", step)
    taken = []

    def spy(*args, **kw):
        result = _w2v_binary.read_fast(*args, **kw)
        taken.append(result is not None)
        return result

    monkeypatch.setattr(_stream_readers, "read_fast", spy)
    both.scans = []
    monkeypatch.setattr(_w2v_binary, "choose_scan", lambda *a: both.scans.append(_CHOOSE(*a)) or both.scans[-1])
    out = []
    for p in (path, gz):
        try:
            out.append(formats.load(p, "word2vec-binary", use_cache=False, **kw))
        except DataError as err:
            out.append(str(err).replace(gz.name, path.name))
    assert len(taken) <= 1  # the compressed file never takes the fast path
    both.fast_path_taken = taken == [True]
    return out


def same(a, b) -> None:
    if isinstance(a, str) or isinstance(b, str):
        assert a == b
        return
    assert a.labels == b.labels
    np.testing.assert_array_equal(a.vectors, b.vectors)
    assert a.warnings == b.warnings


@pytest.mark.parametrize("step", [64, 1000, 1 << 20])
@pytest.mark.parametrize("sep", [b"\n", b"", b"\r\n", [b"", b"\n", b"\n\n", b"", b"\r\n", b"\n", b""]],
                         ids=["c-tool", "gensim", "crlf", "mixed"])
def test_fast_path_equals_streaming_reader(tmp_path, monkeypatch, step, sep, scan):
    rng = np.random.default_rng(7)
    X = rng.standard_normal((len(LABELS), 5)).astype(np.float32)
    path = write(tmp_path / "v.bin", LABELS, X, sep)
    fast, slow = both(path, monkeypatch, step)
    assert both.fast_path_taken
    same(fast, slow)
    assert fast.labels[:3] == ["café", "日本", "x\ty"] and fast.labels[5] == "\ufffd\ufffd"
    np.testing.assert_array_equal(fast.vectors, X)
    assert fast.vectors.dtype == np.float32 and fast.vectors.flags.c_contiguous
    limited, limited_slow = both(path, monkeypatch, step, limit=3)
    same(limited, limited_slow)
    assert limited.n == 3


def test_fast_path_equals_gensim(tmp_path, monkeypatch, scan):
    from gensim.models import KeyedVectors

    rng = np.random.default_rng(3)
    words = [f"w{i}".encode() if i % 5 else f"ü{i}".encode() for i in range(1000)]
    X = rng.standard_normal((len(words), 7)).astype(np.float32)
    for sep in (b"\n", b""):
        path = write(tmp_path / f"g{len(sep)}.bin", words, X, sep)
        ours, slow = both(path, monkeypatch, 4096)
        assert both.fast_path_taken and len(both.scans) == 1
        assert both.scans[0].__qualname__.startswith(f"{scan}_scan")  # the scan under test ran
        same(ours, slow)
        kv = KeyedVectors.load_word2vec_format(str(path), binary=True)
        assert ours.labels == list(kv.index_to_key)
        np.testing.assert_array_equal(ours.vectors, kv.vectors)


@pytest.mark.parametrize("case", ["truncated", "trailing data", "nan", "long label", "control byte",
                                  "fewer records"])
def test_irregular_files_give_the_streaming_readers_error(tmp_path, monkeypatch, case, scan):
    rng = np.random.default_rng(5)
    labels = [b"a", b"b", b"c", b"d"]
    X = rng.standard_normal((4, 6)).astype(np.float32)
    if case == "nan":
        X[2, 3] = np.nan
    if case == "long label":
        labels[1] = b"z" * 5000
    if case == "control byte":
        labels[2] = b"c\x01"
    path = write(tmp_path / "e.bin", labels, X, header=b"5 6\n" if case == "fewer records" else None)
    data = path.read_bytes()
    if case == "truncated":
        path.write_bytes(data[:-9])
    if case == "trailing data":
        path.write_bytes(data + b"extra")
    fast, slow = both(path, monkeypatch, 4096)
    assert isinstance(fast, str), case
    assert both.fast_path_taken == (case in ("nan", "control byte"))  # those it reports itself
    same(fast, slow)


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1", "shift_jis"])
def test_labels_decoded_in_the_thread_unless_a_buffer_is_not_plain(tmp_path, monkeypatch, scan, encoding):
    """Plain labels come from the label thread; one invalid byte sequence sends all of them through the
    one-piece decoder (its warning and replacement characters); a codec not known to decode alike chunk by
    chunk never threads."""
    from embexplorer.core.data._stream_readers import _LabelDecoder

    rng = np.random.default_rng(11)
    words = [f"w{i}".encode() if i % 3 else f"é{i}".encode() for i in range(600)]
    X = rng.standard_normal((len(words), 4)).astype(np.float32)
    dec = _LabelDecoder(tmp_path / "x", "", encoding)
    for bad in (False, True):
        labels = [*words[:450], b"\xff\xfe", *words[451:]] if bad else words
        path = write(tmp_path / f"t{bad}.bin", labels, X)
        header_end = path.read_bytes().index(b"\n") + 1
        fast = _w2v_binary.read_fast(path, header_end, len(words), 4, len(words), TaskControl(), 4096,
                                     decode=dec.decode_plain if dec.chunks_decode_alike else None)
        if encoding == "shift_jis":
            assert fast.labels is None
        elif encoding == "latin-1":
            assert fast.labels == [lab.decode("latin-1") for lab in labels]
        else:
            assert fast.labels is None if bad else fast.labels == [lab.decode() for lab in words]
        ours, slow = both(path, monkeypatch, 4096, encoding=encoding)
        assert both.fast_path_taken
        same(ours, slow)
        if encoding != "shift_jis":
            assert (ours.warnings != []) == (bad and encoding == "utf-8")


def test_strip_joined_removes_only_leading_newlines():
    raw = [b"\r\nab", b"\ncd", b"e\nf", b"\n\n\ng", b"h"]
    assert _w2v_binary.strip_joined(raw) == b"ab cd e\nf g h"


@pytest.fixture(scope="module")
def glove(glove_path):
    emb = formats.load(glove_path, "glove", use_cache=False)
    return [w.encode() for w in emb.labels], emb.vectors


def test_real_glove_as_binary_both_scans_equal_gensim(tmp_path, monkeypatch, glove, scan):
    """The real GloVe 5k file converted to binary: C-tool (a newline after each vector) and gensim
    (none) layouts; then damaged copies."""
    from gensim.models import KeyedVectors

    words, X = glove
    for layout, sep in (("c-tool", b"\n"), ("gensim", b"")):
        path = write(tmp_path / f"glove.{layout}.bin", words, X, sep)
        ours, slow = both(path, monkeypatch, 1 << 16)
        assert both.fast_path_taken
        same(ours, slow)
        gk = KeyedVectors.load_word2vec_format(str(path), binary=True)
        assert ours.labels == list(gk.index_to_key) == [w.decode() for w in words]
        np.testing.assert_array_equal(ours.vectors, gk.vectors)
    limited, limited_slow = both(path, monkeypatch, 1 << 16, limit=1234)
    same(limited, limited_slow)
    np.testing.assert_array_equal(limited.vectors, X[:1234])
    # Damaged copies: cut inside the last record, cut in half, one record fewer than the header says.
    data = path.read_bytes()
    more = f"{len(words) + 1}".encode() + data[data.index(b" "):]
    for damaged in (data[:-7], data[:len(data) // 2], more):
        path.write_bytes(damaged)
        fast, slow = both(path, monkeypatch, 1 << 16)
        assert isinstance(fast, str) and "truncated" in fast
        same(fast, slow)


@pytest.mark.parametrize("which", SCANS)
def test_scan_copies_checks_and_hashes(glove, which):
    """Each scan copies every vector to its row (from the row asked for on, never past the matrix) and
    gives the values' range and the first record holding an infinity or a NaN; the compiled scan's hash
    of each label is FNV-1a of its bytes (newlines before it left out)."""
    from embexplorer.core.data._compiled import fnv1a

    scan = _w2v_binary.compiled_scan(4 * 3) if which == "compiled" else _w2v_binary.regex_scan(4 * 3)
    words = [w for w in glove[0][:300]]
    X = np.random.default_rng(5).standard_normal((len(words), 3)).astype("<f4") * np.float32(3)
    X[17, 1] = -0.0

    def data(X):
        recs = (b"\n" * (i % 3) + w + b" " + x.tobytes() for i, (w, x) in enumerate(zip(words, X)))
        return np.frombuffer(b"".join(recs), dtype=np.uint8)

    buf = data(X)
    matrix = np.zeros((len(words) + 2) * 12, dtype=np.uint8)
    found = scan(buf, 0, len(buf), 12, len(words), matrix, 2)
    assert (found.count, found.end, found.labels) == (len(words), len(buf), b" ".join(words))
    got = matrix.view("<f4").reshape(-1, 3)
    assert not got[:2].any() and np.array_equal(got[2:], X)
    assert (found.lo, found.hi, found.first_bad) == (X.min(), X.max(), None)
    if which == "compiled":
        assert found.hashes.tolist() == [fnv1a(w) for w in words]
    else:
        assert found.hashes is None
    # Room for 7 more rows: 7 records copied, the scan stops after the 7th.
    found = scan(buf, 0, len(buf), 12, len(words), matrix, len(words) - 5)
    assert found.count == 7 and found.labels == b" ".join(words[:7]) and np.array_equal(got[-7:], X[:7])
    assert (found.lo, found.hi) == (X[:7].min(), X[:7].max())
    for bad in (np.inf, -np.inf, np.nan):
        Y = X.copy()
        Y[250, 2], Y[260, 0] = bad, np.nan
        found = scan(data(Y), 0, len(buf), 12, len(words), matrix, 2)
        assert found.count == len(words) and found.first_bad == 250


def test_hashes_repeat_finds_equal_hashes_in_either_half():
    rng = np.random.default_rng(9)
    h = rng.integers(0, np.iinfo(np.int64).max, 10_000, dtype=np.int64).view(np.uint64) * np.uint64(2)
    h[::2] += np.uint64(1 << 63) - np.uint64(h[::2] >= np.uint64(1 << 63)) * np.uint64(1 << 63)
    assert len(np.unique(h)) == len(h) and not _w2v_binary.hashes_repeat(h.copy())
    top = np.flatnonzero(h >= np.uint64(1 << 63))
    low = np.flatnonzero(h < np.uint64(1 << 63))
    for a, b in ((top[3], top[-1]), (low[0], low[7])):
        dup = h.copy()
        dup[b] = dup[a]
        assert _w2v_binary.hashes_repeat(dup)


def test_duplicate_check_trusts_label_bytes_only_when_they_decode_one_to_one(tmp_path, monkeypatch, scan):
    """Distinct label bytes skip the duplicate check (the compiled scan hashes them); repeated ones, and
    labels whose broken bytes all become U+FFFD (two byte strings, one text), are settled by it, as by
    the streaming reader; so is a hash collision."""
    rng = np.random.default_rng(13)
    checked = []
    real_check = formats.labels_repeat
    monkeypatch.setattr(formats, "labels_repeat", lambda labels: checked.append(1) or real_check(labels))
    cases = {"distinct": [b"w%d" % i for i in range(40)],
             "repeat": [b"w%d" % (i % 30) for i in range(40)],
             "broken": [b"w%d" % i for i in range(38)] + [b"x\xff", b"x\xfe"]}
    for name, words in cases.items():
        X = rng.standard_normal((len(words), 3)).astype(np.float32)
        path = write(tmp_path / f"{name}.bin", words, X)
        checked.clear()
        fast, slow = both(path, monkeypatch, 64)
        assert both.fast_path_taken
        same(fast, slow)
        assert fast.duplicates_dropped == {"distinct": 0, "repeat": 10, "broken": 1}[name]
        # Only the compiled scan's distinct bytes skip the check (the streaming reader's load always runs it).
        assert len(checked) == (1 if scan == "compiled" and name == "distinct" else 2), name
    monkeypatch.setattr(_stream_readers, "hashes_repeat", lambda h: True)  # as two labels' hashes colliding
    checked.clear()
    fast, slow = both(tmp_path / "distinct.bin", monkeypatch, 64)
    same(fast, slow)
    assert fast.duplicates_dropped == 0 and len(checked) == 2


def test_populator_stops_touching_before_the_parse_writes():
    """The populator writes zeros to the matrix's pages only until the parse starts: ``parse_starts``
    returns once the chunk in hand is done, and no zero is written after it."""
    import threading
    import time

    arr = _w2v_binary._fresh_bytes(64 * 1024 * 1024, populate=False)
    log: list[str] = []
    touching = threading.Event()

    class SlowPages:  # the matrix, each chunk's touch slowed down so that the parse starts mid-chunk
        ctypes, nbytes = arr.ctypes, arr.nbytes

        def __setitem__(self, key, value):
            log.append("touch")
            touching.set()
            time.sleep(0.05)
            arr[key] = value
            log.append("touched")

    pages = _w2v_binary._Populator(SlowPages())
    assert touching.wait(5)
    pages.parse_starts()
    log.append("parse")
    arr[:] = 7  # the parser's rows
    pages.finish()
    assert log[-3:] == ["touch", "touched", "parse"] and log.count("touch") == log.count("touched")
    assert (arr == 7).all()


def test_compiled_kernels_build_wherever_numba_is_installed():
    """A kernel that fails to compile falls back to the numpy path without a word (the loads stay
    right, only slower): here, where numba is installed, both must build."""
    pytest.importorskip("numba", reason="numba is not installed (the compiled kernels are optional)")
    from embexplorer.core.data._textparse import compiled_parser

    assert _w2v_binary.compiled_scan(8) is not None
    assert compiled_parser(1 << 40) is not None


def test_compiled_copy_is_typed_for_bytes_only():
    """The scan's inlined memcpy counts its offsets in bytes: it refuses to compile for a matrix of wider
    items (whose offsets would count items, and run past its end)."""
    numba = pytest.importorskip("numba", reason="numba is not installed (the compiled kernels are optional)")
    from embexplorer.core.data._compiled import scan_records

    buf = np.frombuffer(b"a " + np.ones(3, "<f4").tobytes(), dtype=np.uint8)
    args = (buf, 0, len(buf), 12, 1, 100)
    scratch = (np.empty(len(buf), np.uint8), np.empty(1, np.uint64))
    assert scan_records(*args, np.zeros(12, np.uint8), 0, *scratch)[0] == 1
    with pytest.raises(numba.core.errors.TypingError):
        scan_records(*args, np.zeros(3, np.float32), 0, *scratch)


def test_a_kernel_that_fails_is_said_in_the_log_once(monkeypatch, caplog):
    """numba installed but failing sends the load down the numpy path with a warning in the log (once);
    numba missing is only noted."""
    import logging

    from embexplorer.core.data import _kernels

    pytest.importorskip("numba", reason="numba is not installed (the compiled kernels are optional)")
    from embexplorer.core.data import _compiled

    def broken(*args):
        raise RuntimeError("LLVM ERROR: out of registers")

    monkeypatch.setattr(_kernels, "_SAID", set())
    monkeypatch.setattr(_compiled, "scan_records", broken)
    with caplog.at_level(logging.INFO, logger="embexplorer.core.data._kernels"):
        assert _w2v_binary.compiled_scan(8) is None and _w2v_binary.compiled_scan(8) is None
        _kernels.kernel_unavailable("text number parser", ModuleNotFoundError("no numba", name="numba"))
    said = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert said[0][0] == "WARNING" and "word2vec binary scan" in said[0][1] and "out of registers" in said[0][1]
    assert said[1:] == [("INFO", "numba is not installed: the text number parser runs without it "
                                 "(slower, same results)")]
