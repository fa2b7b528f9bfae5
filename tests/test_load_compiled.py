"""The compiled (numba, optional) text parser equals the numpy one: same labels, bit-identical values.

The compiled parser (core/data/_compiled.py, used for large files when numba is installed) either
parses a block exactly as :func:`~embexplorer.core.data._textparse.parse_block` does or declines
it (None), and the block then goes to ``parse_block``, which words every error.  Checked on the
real GloVe file (uncompressed and gzip, with and without a header, with a limit) and on generated
lines of every number syntax, including ones it must decline.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embexplorer.core.data import _stream_readers, _textparse, formats
from embexplorer.core.errors import DataError

pytestmark = pytest.mark.skipif(_textparse.compiled_parser(1 << 40) is None,
                                reason="numba is not installed (the compiled parser is optional)")


def compiled(data: bytes, dims: int, has_label: bool = True, want: int | None = None):
    parse = _textparse.compiled_parser(1 << 40)
    want = data.count(b"\n") if want is None else want
    out = np.full((want, dims), np.nan, dtype=np.float32)
    done = parse(data, dims, has_label, want, out)
    if done is None:
        return None
    k, labels = done
    return (labels.split(b" ") if has_label and k else []), out[:k]


def reference(data: bytes, dims: int, has_label: bool = True, want: int | None = None):
    labels, rows, _lines = _textparse.parse_block(data, dims, has_label, 1, "x.txt", want)
    return labels, rows


def assert_same(got, ref) -> None:
    assert got[0] == ref[0]
    assert got[1].shape == ref[1].shape
    assert np.array_equal(got[1].view(np.uint32), ref[1].view(np.uint32))  # bit-identical (-0.0 too)


# Number spellings: those the compiled parser covers, and those it must decline (the general
# parser then reads or refuses them).
_COVERED = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False, width=32).map(repr),
    st.floats(-10, 10, allow_nan=False).map(lambda v: f"{v:.6f}"),
    st.floats(-10, 10, allow_nan=False).map(lambda v: f"{v:.4e}"),
    st.floats(-10, 10, allow_nan=False).map(lambda v: f"{v:+.3f}"),
    st.integers(-10 ** 6, 10 ** 6).map(str),
    st.sampled_from(["1.", ".5", "-.25", "007.5", "0", "-0", "-0.0", "1E3", "2e+05", "3e-022",
                     "9007199254740992", "0.00000000000000001"]),
)
_DECLINED = st.sampled_from(["nan", "inf", "-inf", "1e", "-", ".", "1.2.3", "0x10", "1_0", "1e400",
                             "3.4e39", "12345678901234567890", "9007199254740993", "1e-30",
                             "0.1000000000000000000001", "0.000000000000000001", "abc", "1,5"])


@st.composite
def blocks(draw):
    dims = draw(st.integers(1, 4))
    rows = draw(st.integers(1, 6))
    lines = []
    for r in range(rows):
        tokens = [draw(_COVERED if draw(st.integers(0, 30)) else _DECLINED) for _ in range(dims)]
        if draw(st.integers(0, 40)) == 0:
            tokens = tokens[:-1] if draw(st.booleans()) else [*tokens, "0.5"]  # ragged
        sep = draw(st.sampled_from([" ", " ", "\t", "  ", " \r"]))
        label = draw(st.sampled_from([f"w{r}", "café", "a.b", "e5", "1e3", "x y"]))
        lines.append(label + " " + " ".join(tokens) + (sep if sep.endswith("\r") else ""))
        if draw(st.integers(0, 40)) == 0:
            lines.append("")
    return ("\n".join(lines) + "\n").encode(), dims


@settings(max_examples=80, deadline=None)
@given(blocks(), st.integers(1, 8))
def test_compiled_parser_equals_parse_block_or_declines(block, want):
    data, dims = block
    want = min(want, data.count(b"\n"))
    got = compiled(data, dims, want=want)
    try:
        ref = reference(data, dims, want=want)
    except DataError:
        assert got is None  # errors are the general parser's to word
        return
    if got is not None:
        assert_same(got, ref)


def test_compiled_parser_covers_the_usual_spellings():
    lines = [b"the 0.418 0.24968 -0.41242", b"caf\xc3\xa9 1.2e-05 -3.5E+02 +7", b"x -0 .5 1.",
             b"y\t0.000000001\t123456789\t-1.000000000000002"]
    data = b"\n".join(lines) + b"\n"
    got = compiled(data, 3)
    assert got is not None
    assert_same(got, reference(data, 3))
    assert compiled(data.replace(b"-0 ", b"nan "), 3) is None
    assert compiled(data[:-1], 3) is None  # the last line must be whole


def text_file(tmp_path: Path, glove_path: Path, header: bool) -> Path:
    """The real GloVe file, with a word2vec header or without (GloVe)."""
    text = glove_path.read_bytes()
    rows = text.count(b"\n")
    path = tmp_path / ("big.w2v.txt" if header else "big.glove.txt")
    path.write_bytes((f"{rows} 50\n".encode() if header else b"") + text)
    return path


@pytest.mark.parametrize("header", [False, True], ids=["glove", "word2vec"])
def test_real_glove_compiled_equals_numpy(tmp_path, monkeypatch, glove_path, header):
    path = text_file(tmp_path, glove_path, header)
    fmt = "word2vec" if header else "glove"
    monkeypatch.setattr(formats, "READ_CHUNK_BYTES", 1 << 18)  # several blocks
    monkeypatch.setattr(_textparse, "USE_COMPILED_PARSE", False)
    ref = formats.load(path, fmt, use_cache=False)
    ref_lim = formats.load(path, fmt, use_cache=False, limit=777)
    monkeypatch.setattr(_textparse, "USE_COMPILED_PARSE", True)
    monkeypatch.setattr(_textparse, "COMPILED_PARSE_MIN_BYTES", 0)
    calls = []

    def spy(*args):
        calls.append(args[0])
        return parse_block(*args)

    parse_block = _stream_readers.parse_block
    monkeypatch.setattr(_stream_readers, "parse_block", spy)
    gz = path.with_suffix(".gz")
    gz.write_bytes(gzip.compress(path.read_bytes(), 1))
    for p in (path, gz):
        got = formats.load(p, fmt, use_cache=False)
        assert got.labels == ref.labels
        assert np.array_equal(got.vectors.view(np.uint32), ref.vectors.view(np.uint32))
        lim = formats.load(p, fmt, use_cache=False, limit=777)
        assert lim.labels == ref_lim.labels and np.array_equal(lim.vectors, ref_lim.vectors)
    assert calls == []  # every block of the real file was parsed by the compiled parser
    # A damaged row in the middle: the general parser takes that block and words the error.
    data = path.read_bytes()
    mid = data.index(b"\n", len(data) // 2) + 1
    path.write_bytes(data[:mid] + b"broken 0.1 0.2\n" + data[mid:])
    with pytest.raises(DataError, match="expected a label and 50 values, found 2"):
        formats.load(path, fmt, use_cache=False)
    assert len(calls) == 1
