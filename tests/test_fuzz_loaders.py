"""Property tests: no embedding file, however broken, crashes a loader or loads half-filled.

Every case writes a generated file (valid, truncated, one field corrupted, wrong dimensions,
lying header, huge line, NUL bytes, latin-1 labels, empty or duplicate labels, random bytes;
plain, ``.gz`` or ``.bz2``) and calls :func:`embexplorer.core.data.formats.load`.  The only
exceptions allowed out are :class:`DataError` (with file, sane line, reason) and ``OSError``.
A load that succeeds must give a complete set: unique labels, one per row, finite float32
C-contiguous vectors, and the shape the file's header declares.  Unmutated files must load
exactly.

The same targets run with many more cases in ``python -m tests.bench.bench_fuzz``.
"""

from __future__ import annotations

import bz2
import gzip
import io
import shutil
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embexplorer.core.data import formats
from embexplorer.core.data.embeddings import EmbeddingSet
from embexplorer.core.errors import DataError

#: Generated cases per property in the normal test run (the bench runs thousands).
CI_EXAMPLES = 40
#: Per-case time bound (ms) in the test run; generous because the machine is shared.
CASE_DEADLINE_MS = 5_000
#: Largest number of rows and dimensions of a generated file.
MAX_ROWS, MAX_DIMS = 12, 6
#: Characters of a "huge line" (a long label or many values: bigger than the patched read step).
HUGE_LINE_CHARS = 20_000
#: Read steps tried (bytes): tiny (every line crosses a block), small, and the real default.
READ_STEPS = (7, 4096, formats.READ_CHUNK_BYTES)

#: Settings of the normal (CI) run: few seeded cases, bounded time, no example database on disk.
CI_SETTINGS = settings(max_examples=CI_EXAMPLES, deadline=CASE_DEADLINE_MS, derandomize=True, database=None,
                       suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                              HealthCheck.filter_too_much])

# -- generated content -------------------------------------------------------------------------------------

_LABEL_CHARS = st.sampled_from(list("abcxyz_-.'é日ß") + ["ü", "Ω"])
#: Labels that never read as numbers and hold no whitespace.
LABELS = st.builds(lambda s: "w" + s, st.text(_LABEL_CHARS, max_size=6))
FLOATS = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, width=32)
#: Tokens that replace one field of a valid file.
BAD_TOKENS = [b"x", b"nan", b"-inf", b"1e39", b"", b"--1", b"0x10", b"1,5", b"\x00", b"\xff\xfe", b"1e-50",
              b"+", b".", b"1..2", b"9" * 400, b"\t", b"\r", b"1 2", "ε".encode(), b"NaN", b"infinity"]
MUTATIONS = ("none", "truncate", "corrupt_field", "drop_field", "add_field", "empty_label", "duplicate_label",
             "latin1_label", "nul_byte", "huge_line", "random_bytes", "append_bytes", "blank_lines", "crlf",
             "delete_line", "header_lie", "bom", "utf16")


@st.composite
def matrices(draw, max_rows=MAX_ROWS, max_dims=MAX_DIMS):
    n = draw(st.integers(1, max_rows))
    d = draw(st.integers(1, max_dims))
    vals = draw(st.lists(FLOATS, min_size=n * d, max_size=n * d))
    labels = draw(st.lists(LABELS, min_size=n, max_size=n, unique=True))
    return labels, np.array(vals, dtype=np.float32).reshape(n, d)


def _fmt(v: np.float32) -> str:
    return f"{float(v):.9g}"  # reads back to the identical float32


def mutate(draw, data: bytes, sep: bytes, kind: str, first_row: int = 0) -> bytes:
    """Apply one mutation ``kind`` to ``data`` (lines of ``sep``-separated fields)."""
    lines = data.split(b"\n")
    body = [i for i, ln in enumerate(lines) if ln.strip() and i >= first_row] or [0]
    i = draw(st.sampled_from(body))
    fields = lines[i].split(sep)
    if kind == "truncate":
        return data[:draw(st.integers(0, max(len(data) - 1, 0)))]
    if kind == "corrupt_field":
        fields[draw(st.integers(0, len(fields) - 1))] = draw(st.sampled_from(BAD_TOKENS))
    elif kind == "drop_field" and len(fields) > 1:
        del fields[draw(st.integers(0, len(fields) - 1))]
    elif kind == "add_field":
        fields.insert(draw(st.integers(0, len(fields))), draw(st.sampled_from([b"1.5", b"0", b"w", b"-2e3"])))
    elif kind == "empty_label":
        fields[0] = b""
    elif kind == "duplicate_label":
        j = draw(st.sampled_from(body))
        fields[0] = lines[j].split(sep)[0]
    elif kind == "latin1_label":
        fields[0] = fields[0] + "é".encode("latin-1")
    elif kind == "nul_byte":
        pos = draw(st.integers(0, len(data)))
        return data[:pos] + b"\x00" + data[pos:]
    elif kind == "huge_line":
        if draw(st.booleans()):
            fields[0] = b"w" * HUGE_LINE_CHARS
        else:
            fields += [b"0.5"] * (HUGE_LINE_CHARS // 4)
    elif kind == "random_bytes":
        return draw(st.binary(max_size=2048))
    elif kind == "append_bytes":
        return data + draw(st.binary(min_size=1, max_size=256))
    elif kind == "blank_lines":
        lines.insert(i, draw(st.sampled_from([b"", b"   ", b"\t", b"\r"])))
        return b"\n".join(lines)
    elif kind == "crlf":
        return data.replace(b"\n", b"\r\n")
    elif kind == "delete_line":
        del lines[i]
        return b"\n".join(lines)
    elif kind == "bom":
        return b"\xef\xbb\xbf" + data
    elif kind == "utf16":  # a whole file in another encoding
        encoding = draw(st.sampled_from(["utf-16", "utf-16-le", "cp1252"]))
        return data.decode("utf-8", "replace").encode(encoding, "replace")
    lines[i] = sep.join(fields)
    return b"\n".join(lines)


def compress(data: bytes, how: str) -> bytes:
    if how == "gz":
        return gzip.compress(data, mtime=0)
    if how == "bz2":
        return bz2.compress(data)
    return data


@contextmanager
def case_dir():
    """A fresh folder per generated case (hypothesis cannot use function-scoped tmp_path)."""
    d = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


# -- checks ------------------------------------------------------------------------------------------------

def check_error(err: DataError, *paths: Path) -> None:
    """A DataError names one of the files involved, a line >= 1 when given, and a reason."""
    assert err.reason and err.reason.strip(), repr(err)
    assert err.path is not None, repr(err)
    assert any(Path(err.path).name == p.name or str(p) in err.path for p in paths), (err.path, paths)
    assert err.line is None or (isinstance(err.line, int) and err.line >= 1), repr(err)
    assert str(err).startswith(err.path)


def check_set(emb: EmbeddingSet) -> None:
    """A loaded set is complete and consistent."""
    v = emb.vectors
    assert isinstance(v, np.ndarray) and v.ndim == 2 and v.dtype == np.float32 and v.flags.c_contiguous
    assert v.shape[0] >= 1 and v.shape[1] >= 1
    assert np.isfinite(v).all()
    assert all(isinstance(lab, str) for lab in emb.labels)
    assert len(emb.labels) == v.shape[0] == emb.n
    assert len(set(emb.labels)) == len(emb.labels)
    for col in emb.metadata.values():
        assert len(col.take(np.arange(emb.n))) if hasattr(col, "take") else True
        assert all(isinstance(col.value(r), str) for r in (0, emb.n - 1))
    assert emb.index[emb.labels[-1]] == emb.n - 1


def _declared_header(content: bytes) -> tuple[int, int] | None:
    first = content.split(b"\n", 1)[0]
    parts = first.split()
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        return int(parts[0]), int(parts[1])
    return None


def load_checked(path: Path, fmt: str | None, content: bytes | None, read_step: int, *others: Path,
                 use_cache: bool = False, limit: int | None = None) -> EmbeddingSet | None:
    """Load; allow only DataError/OSError; check the set and the header it declared."""
    with mock.patch.object(formats, "READ_CHUNK_BYTES", read_step):
        try:
            emb = formats.load(path, format=fmt, use_cache=use_cache, limit=limit)
        except DataError as err:
            check_error(err, path, *others)
            return None
        except OSError:
            return None
    check_set(emb)
    header = _declared_header(content) if content is not None else None
    if header is not None and emb.format in ("word2vec", "fasttext", "word2vec-binary") and limit is None:
        assert emb.n + emb.duplicates_dropped == header[0], (emb.n, emb.duplicates_dropped, header)
        assert emb.dims == header[1]
    return emb


# -- target: text formats -------------------------------------------------------------------------------

@st.composite
def text_cases(draw):
    labels, X = draw(matrices())
    style = draw(st.sampled_from(["word2vec", "fasttext", "glove"]))
    rows = [(lab + " " + " ".join(_fmt(x) for x in row)).encode("utf-8") for lab, row in zip(labels, X)]
    head = [f"{len(labels)} {X.shape[1]}".encode()] if style != "glove" else []
    content = b"\n".join(head + rows) + b"\n"
    kind = draw(st.sampled_from(MUTATIONS))
    if kind == "header_lie" and head:
        c, d = X.shape
        lie = draw(st.sampled_from([(c + 1, d), (max(c - 1, 0), d), (c, d + 1), (c, max(d - 1, 0)),
                                    (10 ** 12, d), (c, 10 ** 9), (-1, d)]))
        content = f"{lie[0]} {lie[1]}".encode() + content[content.index(b"\n"):]
    elif kind not in ("none", "header_lie"):
        content = mutate(draw, content, b" ", kind, first_row=len(head))
    comp = draw(st.sampled_from(["", "gz", "bz2"]))
    ext = ".vec" if style == "fasttext" else ".txt"
    fmt = draw(st.sampled_from([None, None, style, "word2vec", "glove", "tsv", "word2vec-binary"]))
    step = draw(st.sampled_from(READ_STEPS))
    limit = draw(st.sampled_from([None, None, None, 1, 2, 5]))
    return dict(labels=labels, X=X, style=style, kind=kind, content=content, comp=comp, ext=ext, fmt=fmt,
                step=step, limit=limit)


def check_text_case(case: dict, use_cache: bool = False) -> None:
    with case_dir() as d:
        path = d / ("emb" + case["ext"] + ("." + case["comp"] if case["comp"] else ""))
        path.write_bytes(compress(case["content"], case["comp"]))
        limit = case["limit"]
        emb = load_checked(path, case["fmt"], case["content"], case["step"], use_cache=use_cache, limit=limit)
        if limit is not None and emb is not None:
            assert emb.n + emb.duplicates_dropped <= limit
        # One integer per label reads as a vocabulary list (word, count): detection refuses it.
        vocab_like = case["fmt"] is None and case["X"].shape[1] == 1 and \
            all(_fmt(x).lstrip("-").isdigit() for x in case["X"][:, 0])
        if case["kind"] == "none" and case["fmt"] in (None, case["style"]) and not vocab_like:
            assert emb is not None, "a valid file failed to load"
            assert emb.labels == case["labels"][:limit]
            np.testing.assert_array_equal(emb.vectors, case["X"][:limit])
        if use_cache and emb is not None:  # the second load comes from the cache and is identical
            again = load_checked(path, case["fmt"], case["content"], case["step"], use_cache=True,
                                 limit=limit)
            assert again is not None
            assert again.from_cache or any("\n" in lab for lab in emb.labels)  # those are not cached
            assert again.labels == emb.labels
            np.testing.assert_array_equal(again.vectors, emb.vectors)


# -- target: word2vec binary ----------------------------------------------------------------------------

@st.composite
def binary_cases(draw):
    labels, X = draw(matrices())
    newline = draw(st.booleans())
    out = [f"{len(labels)} {X.shape[1]}\n".encode()]
    for lab, row in zip(labels, X):
        out.append(lab.encode("utf-8") + b" " + row.astype("<f4").tobytes() + (b"\n" if newline else b""))
    content = b"".join(out)
    kind = draw(st.sampled_from(["none", "truncate", "flip_bytes", "header_lie", "nan", "label_space",
                                 "random_bytes", "append_bytes", "nul_label", "latin1_label", "huge_label",
                                 "duplicate_label"]))
    if kind == "truncate":
        content = content[:draw(st.integers(0, len(content) - 1))]
    elif kind == "flip_bytes":
        b = bytearray(content)
        for _ in range(draw(st.integers(1, 4))):
            b[draw(st.integers(0, len(b) - 1))] = draw(st.integers(0, 255))
        content = bytes(b)
    elif kind == "header_lie":
        c, dd = X.shape
        lie = draw(st.sampled_from([(c + 1, dd), (c - 1, dd), (c, dd + 1), (c, dd - 1), (10 ** 12, dd),
                                    (c, 10 ** 9), (0, 0)]))
        content = f"{lie[0]} {lie[1]}".encode() + content[content.index(b"\n"):]
    elif kind == "nan":
        Y = X.copy()
        Y[draw(st.integers(0, len(Y) - 1)), 0] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
        end = b"\n" if newline else b""
        content = out[0] + b"".join(lab.encode() + b" " + r.astype("<f4").tobytes() + end
                                    for lab, r in zip(labels, Y))
    elif kind == "random_bytes":
        content = out[0] + draw(st.binary(max_size=1024))
    elif kind == "append_bytes":
        content += draw(st.binary(min_size=1, max_size=64))
    elif kind in ("label_space", "nul_label", "latin1_label", "huge_label", "duplicate_label"):
        extra = {"label_space": b"a b", "nul_label": b"a\x00b", "latin1_label": "é".encode("latin-1"),
                 "huge_label": b"w" * (formats.MAX_BINARY_LABEL_BYTES + 10),
                 "duplicate_label": labels[0].encode()}[kind]
        content = out[0] + extra + b" " + X[0].astype("<f4").tobytes() + b"".join(out[2:])
    comp = draw(st.sampled_from(["", "", "gz", "bz2"]))
    fmt = draw(st.sampled_from([None, None, "word2vec-binary", "word2vec"]))
    return dict(labels=labels, X=X, kind=kind, content=content, comp=comp, fmt=fmt,
                step=draw(st.sampled_from(READ_STEPS)))


def check_binary_case(case: dict) -> None:
    with case_dir() as d:
        path = d / ("emb.bin" + ("." + case["comp"] if case["comp"] else ""))
        path.write_bytes(compress(case["content"], case["comp"]))
        emb = load_checked(path, case["fmt"], case["content"], case["step"])
        if case["kind"] == "none" and case["fmt"] in (None, "word2vec-binary"):
            assert emb is not None, "a valid file failed to load"
            assert emb.labels == case["labels"]
            np.testing.assert_array_equal(emb.vectors, case["X"])


# -- target: TF Projector TSV pairs ---------------------------------------------------------------------

@st.composite
def tsv_cases(draw):
    labels, X = draw(matrices())
    vec = b"\n".join(b"\t".join(_fmt(x).encode() for x in row) for row in X) + b"\n"
    multi = draw(st.booleans())
    if multi:
        cats = draw(st.lists(st.sampled_from(["a", "b", "", "3", "2.5"]), min_size=len(labels),
                             max_size=len(labels)))
        meta = ("label\tgroup\n" + "".join(f"{lab}\t{c}\n" for lab, c in zip(labels, cats))).encode("utf-8")
    else:
        meta = "".join(lab + "\n" for lab in labels).encode("utf-8")
    which = draw(st.sampled_from(["vectors", "metadata", "none", "no_metadata"]))
    kind = draw(st.sampled_from(MUTATIONS))
    if which == "vectors" and kind not in ("none", "header_lie"):
        vec = mutate(draw, vec, b"\t", kind)
    elif which == "metadata" and kind not in ("none", "header_lie"):
        meta = mutate(draw, meta, b"\t", kind, first_row=1 if multi else 0)
    comp = draw(st.sampled_from(["", "", "gz"]))
    return dict(labels=labels, X=X, vec=vec, meta=None if which == "no_metadata" else meta, kind=kind,
                which=which, comp=comp, fmt=draw(st.sampled_from([None, "tsv"])),
                step=draw(st.sampled_from(READ_STEPS)))


def check_tsv_case(case: dict) -> None:
    with case_dir() as d:
        vpath = d / ("vectors.tsv" + ("." + case["comp"] if case["comp"] else ""))
        vpath.write_bytes(compress(case["vec"], case["comp"]))
        mpath = d / "metadata.tsv"
        if case["meta"] is not None:
            mpath.write_bytes(case["meta"])
        emb = load_checked(vpath, case["fmt"], None, case["step"], mpath)
        if emb is not None and case["meta"] is None:
            assert emb.labels == [str(i) for i in range(emb.n)] and emb.warnings
        valid = case["which"] in ("none", "no_metadata") or case["kind"] == "none"
        if valid:
            assert emb is not None, "a valid pair failed to load"
            np.testing.assert_array_equal(emb.vectors, case["X"])
            if case["meta"] is not None:
                assert emb.labels == case["labels"]


# -- target: NumPy .npy / .npz ---------------------------------------------------------------------------

_DTYPES = ["<f4", "<f8", "<f2", ">f4", "<i4", "u1", "?", "<c8", "U3", "S2", "O", "V4", "<M8[D]"]


@st.composite
def arrays(draw):
    dtype = draw(st.sampled_from(_DTYPES))
    shape = draw(st.sampled_from([(), (0,), (3,), (2, 3), (0, 3), (3, 0), (2, 2, 2), (5, 1), (1, 4)]))
    size = int(np.prod(shape)) if shape else 1
    value = st.one_of(st.floats(-1e5, 1e5), st.sampled_from([np.nan, np.inf, 1e300]))
    vals = draw(st.lists(value, min_size=size, max_size=size))
    base = np.array(vals, dtype=np.float64).reshape(shape)
    if dtype == "O":
        return np.array([["x", None]] * (shape[0] if shape else 1), dtype=object)
    with np.errstate(all="ignore"):
        try:
            return base.astype(dtype)
        except (ValueError, TypeError):
            return np.zeros(shape, dtype=dtype)


def _npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)  # object arrays: a pickle the loader must refuse
    return buf.getvalue()


@st.composite
def npy_cases(draw):
    arr = draw(arrays())
    content = _npy_bytes(arr)
    kind = draw(st.sampled_from(["none", "none", "truncate", "flip_bytes", "random_after_magic",
                                 "header_text"]))
    if kind == "truncate":
        content = content[:draw(st.integers(0, len(content) - 1))]
    elif kind == "flip_bytes":
        b = bytearray(content)
        b[draw(st.integers(0, len(b) - 1))] = draw(st.integers(0, 255))
        content = bytes(b)
    elif kind == "random_after_magic":
        content = b"\x93NUMPY" + draw(st.binary(max_size=256))
    elif kind == "header_text":
        content = content.replace(b"'descr'", draw(st.sampled_from([b"'descx'", b"'descr'", b"{}"])), 1)
    n = arr.shape[0] if arr.ndim >= 1 else 0
    sidecar = draw(st.sampled_from(["none", "exact", "fewer", "more", "duplicate", "latin1", "empty_label"]))
    labels = [f"r{i}" for i in range(n)]
    if sidecar == "fewer":
        labels = labels[:-1]
    elif sidecar == "more":
        labels = labels + ["extra"]
    elif sidecar == "duplicate" and n > 1:
        labels[-1] = labels[0]
    elif sidecar == "empty_label" and n:
        labels[0] = ""
    side = None if sidecar == "none" else ("\n".join(labels) + "\n").encode(
        "latin-1" if sidecar == "latin1" else "utf-8") + (b"\xe9" if sidecar == "latin1" else b"")
    return dict(arr=arr, content=content, kind=kind, sidecar=side, fmt=draw(st.sampled_from([None, "npy"])))


def check_npy_case(case: dict) -> None:
    with case_dir() as d:
        path = d / "emb.npy"
        path.write_bytes(case["content"])
        side = d / "emb.labels.txt"
        if case["sidecar"] is not None:
            side.write_bytes(case["sidecar"])
        emb = load_checked(path, case["fmt"], None, formats.READ_CHUNK_BYTES, side)
        arr = case["arr"]
        if emb is not None:
            assert arr.dtype.kind in "fiu" and arr.ndim == 2, f"loaded a {arr.dtype} {arr.shape} array"
        if arr.dtype.kind == "O":
            assert emb is None


@st.composite
def npz_cases(draw):
    keys = draw(st.lists(st.sampled_from(["vectors", "embeddings", "X", "arr_0", "labels", "words", "other"]),
                         min_size=0, max_size=3, unique=True))
    arrs = {}
    for k in keys:
        if k in ("labels", "words") and draw(st.booleans()):
            n = draw(st.integers(0, 5))
            arrs[k] = draw(st.sampled_from([np.array([f"l{i}" for i in range(n)]),
                                            np.array([f"l{i % 2}" for i in range(n)]),
                                            np.array([b"\xff\xfe"] * n), np.arange(n),
                                            np.array([["a"]] * n), np.array([None] * n, dtype=object)]))
        else:
            arrs[k] = draw(arrays())
    buf = io.BytesIO()
    how = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))  # np.savez / savez_compressed
    with zipfile.ZipFile(buf, "w", compression=how) as zf:
        for k, a in arrs.items():
            zf.writestr(k + ".npy", _npy_bytes(a))
    content = buf.getvalue()
    kind = draw(st.sampled_from(["none", "none", "truncate", "flip_bytes"]))
    if kind == "truncate":
        content = content[:draw(st.integers(0, len(content) - 1))]
    elif kind == "flip_bytes" and content:
        b = bytearray(content)
        for _ in range(draw(st.integers(1, 3))):
            b[draw(st.integers(0, len(b) - 1))] = draw(st.integers(0, 255))
        content = bytes(b)
    return dict(arrs=arrs, content=content, kind=kind)


def check_npz_case(case: dict) -> None:
    with case_dir() as d:
        path = d / "emb.npz"
        path.write_bytes(case["content"])
        emb = load_checked(path, None, None, formats.READ_CHUNK_BYTES)
        if emb is not None and case["kind"] == "none":
            assert any(a.ndim == 2 and a.dtype.kind in "fiu" for a in case["arrs"].values())


# -- the CI properties -----------------------------------------------------------------------------------

#: name -> (strategy, check); the bench runs the same table with many more cases.
TARGETS = {
    "text formats": (text_cases(), check_text_case),
    "word2vec binary": (binary_cases(), check_binary_case),
    "projector tsv": (tsv_cases(), check_tsv_case),
    "npy": (npy_cases(), check_npy_case),
    "npz": (npz_cases(), check_npz_case),
}


@CI_SETTINGS
@given(text_cases())
def test_text_formats(case):
    check_text_case(case)


@CI_SETTINGS
@given(binary_cases())
def test_word2vec_binary(case):
    check_binary_case(case)


@CI_SETTINGS
@given(tsv_cases())
def test_projector_tsv(case):
    check_tsv_case(case)


@CI_SETTINGS
@given(npy_cases())
def test_npy(case):
    check_npy_case(case)


@CI_SETTINGS
@given(npz_cases())
def test_npz(case):
    check_npz_case(case)


@settings(CI_SETTINGS, max_examples=CI_EXAMPLES // 2)
@given(text_cases())
def test_text_formats_with_cache(case):
    """The cache on: what is stored reads back identical, and a failing file leaves nothing behind."""
    check_text_case(case, use_cache=True)
