"""Property tests: MovieLens files, ratings CSV, analogy and similarity test sets never crash a parser.

Generated valid files (MovieLens 100k ``u.data``/``u.item``/``u.user``, ml-latest
``ratings.csv``/``movies.csv``, generic ratings tables, ``questions-words.txt``-style analogy
files, ``wordsim353``-style pair files) are mutated (truncated, one field corrupted, fields
dropped or added, NUL bytes, latin-1 bytes, huge lines, duplicates, random bytes) and parsed.
Only :class:`DataError` (file, sane line, reason) and ``OSError`` may escape; what parses must
be complete and consistent, and unmutated files must parse exactly.

The same targets run with many more cases in ``python -m tests.bench.bench_fuzz``.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embexplorer.core.analysis import evaluation
from embexplorer.core.errors import DataError
from embexplorer.core.recommender import mf, movielens
from tests.test_fuzz_loaders import CI_SETTINGS, case_dir, check_error, mutate

#: Largest number of ratings / questions / pairs in a generated file.
MAX_RECORDS = 15
#: Mutations of the line-based parsers' files (see :func:`tests.test_fuzz_loaders.mutate`).
MUTATIONS = ("none", "truncate", "corrupt_field", "drop_field", "add_field", "empty_label", "duplicate_label",
             "latin1_label", "nul_byte", "huge_line", "random_bytes", "append_bytes", "blank_lines", "crlf",
             "delete_line", "bom")
#: MovieLens 100k genre count (u.item has 5 + 19 fields).
ML100K_GENRES = len(movielens.ML100K_GENRES)


def check_ratings(r: movielens.Ratings) -> None:
    """A parsed ratings table is complete and consistent."""
    n = len(r.ratings)
    assert n >= 1, "an empty ratings table was presented as loaded"
    assert r.users.shape == r.items.shape == r.ratings.shape == (n,)
    assert r.users.dtype == np.int32 and r.items.dtype == np.int32
    assert r.ratings.dtype == np.float32 and np.isfinite(r.ratings).all()
    nu, ni = len(r.user_ids), len(r.item_ids)
    assert 0 <= r.users.min() and r.users.max() < nu
    assert 0 <= r.items.min() and r.items.max() < ni
    assert len(set(r.user_ids)) == nu and len(set(r.item_ids)) == ni
    assert len(r.titles) == ni and len(r.years) == ni
    assert r.genres.shape == (ni, len(r.genre_names))
    assert r.timestamps is None or r.timestamps.shape == (n,)
    for col in r.user_meta.values():
        assert len(col) == nu


def _call(func, *paths: Path, **kw):
    try:
        return func(paths[0], **kw)
    except DataError as err:
        check_error(err, *paths)
        return None
    except OSError:
        return None


# -- MovieLens 100k -------------------------------------------------------------------------------------

_RATING_ROWS = st.lists(st.tuples(st.integers(1, 6), st.integers(1, 8), st.integers(1, 5),
                                  st.integers(874_000_000, 893_000_000)), min_size=1, max_size=MAX_RECORDS)


def _u_item(ids) -> bytes:
    lines = []
    for i in ids:
        flags = "|".join("1" if (i + g) % 7 == 0 else "0" for g in range(ML100K_GENRES))
        lines.append(f"{i}|Movie {i} ({1990 + i})|01-Jan-{1990 + i}||http://x/{i}|{flags}")
    return ("\n".join(lines) + "\n").encode("latin-1")


def _u_user(ids) -> bytes:
    return "".join(f"{u}|{20 + u}|{'MF'[u % 2]}|student|0{u}000\n" for u in ids).encode()


@st.composite
def ml100k_cases(draw):
    rows = draw(_RATING_ROWS)
    data = "".join(f"{u}\t{i}\t{r}\t{t}\n" for u, i, r, t in rows).encode()
    files = {"u.data": data}
    if draw(st.booleans()):
        files["u.item"] = _u_item(range(1, 9))
    if draw(st.booleans()):
        files["u.user"] = _u_user(range(1, 7))
    target = draw(st.sampled_from(sorted(files)))
    kind = draw(st.sampled_from(MUTATIONS))
    if kind != "none":
        files[target] = mutate(draw, files[target], b"\t" if target == "u.data" else b"|", kind)
    how = draw(st.sampled_from(["folder", "file", "zip"]))
    return dict(files=files, target=target, kind=kind, how=how, rows=rows)


def _write_dataset(d: Path, files: dict, how: str, main: str) -> Path:
    folder = d / "ml-100k"
    if how == "zip":
        path = d / "ml-100k.zip"
        with zipfile.ZipFile(path, "w") as zf:
            for name, content in files.items():
                zf.writestr(f"ml-100k/{name}", content)
        return path
    folder.mkdir()
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return folder / main if how == "file" else folder


def check_ml100k_case(case: dict) -> None:
    with case_dir() as d:
        path = _write_dataset(d, case["files"], case["how"], "u.data")
        r = _call(movielens.load_movielens, path, *[path.parent / n for n in case["files"]])
        if r is not None:
            check_ratings(r)
        if case["kind"] == "none":
            assert r is not None, "a valid dataset failed to load"
            assert len(r) == len(case["rows"])
            got = sorted((int(r.user_ids[u]), int(r.item_ids[i]), float(x))
                         for u, i, x in zip(r.users, r.items, r.ratings))
            assert got == sorted((u, i, float(x)) for u, i, x, _t in case["rows"])


# -- MovieLens latest (CSV) ------------------------------------------------------------------------------

@st.composite
def ml_latest_cases(draw):
    rows = draw(_RATING_ROWS)
    ratings = ("userId,movieId,rating,timestamp\n" + "".join(f"{u},{i},{r / 2 + 0.5},{t}\n"
                                                             for u, i, r, t in rows)).encode()
    files = {"ratings.csv": ratings}
    if draw(st.booleans()):
        titles = draw(st.lists(st.sampled_from(['Plain (1999)', '"Comma, The (2001)"', 'Café (2003)',
                                                '"Quote ""x"" (1995)"', 'No year']), min_size=8, max_size=8))
        files["movies.csv"] = ("movieId,title,genres\n" + "".join(
            f"{i},{t},{'Drama|Comedy' if i % 2 else '(no genres listed)'}\n"
            for i, t in zip(range(1, 9), titles))).encode("utf-8")
    target = draw(st.sampled_from(sorted(files)))
    kind = draw(st.sampled_from(MUTATIONS))
    if kind != "none":
        files[target] = mutate(draw, files[target], b",", kind, first_row=1)
    how = draw(st.sampled_from(["folder", "zip", "file"]))
    return dict(files=files, target=target, kind=kind, how=how, rows=rows)


def check_ml_latest_case(case: dict) -> None:
    with case_dir() as d:
        path = _write_dataset(d, case["files"], case["how"], "ratings.csv")
        r = _call(movielens.load_movielens, path, *[path.parent / n for n in case["files"]])
        if r is not None:
            check_ratings(r)
        if case["kind"] == "none":
            assert r is not None and len(r) == len(case["rows"])


# -- generic ratings table -------------------------------------------------------------------------------

@st.composite
def ratings_csv_cases(draw):
    rows = draw(_RATING_ROWS)
    sep = draw(st.sampled_from([",", "\t", ";", "|", "::", " "]))
    header = draw(st.booleans())
    ids = draw(st.sampled_from(["int", "text"]))
    text = (sep.join(["user", "item", "rating", "time"]) + "\n") if header else ""
    text += "".join(sep.join([f"u{u}" if ids == "text" else str(u), f"i{i}" if ids == "text" else str(i),
                              str(r), str(t)]) + "\n" for u, i, r, t in rows)
    content = text.encode()
    kind = draw(st.sampled_from(MUTATIONS))
    if kind != "none":
        content = mutate(draw, content, sep.encode(), kind, first_row=1 if header else 0)
    kw = draw(st.sampled_from([{}, {"timestamp_col": 3}, {"has_header": header},
                               {"user_col": "user", "item_col": "item", "rating_col": "rating"}]))
    if "user_col" in kw and not header:
        kw = {}
    return dict(content=content, kind=kind, kw=kw, rows=rows, header=header, sep=sep)


def check_ratings_csv_case(case: dict) -> None:
    with case_dir() as d:
        path = d / "my_ratings.txt"
        path.write_bytes(case["content"])
        r = _call(movielens.load_ratings_csv, path, **case["kw"])
        if r is not None:
            check_ratings(r)
        if case["kind"] == "none":
            assert r is not None and len(r) == len(case["rows"])


# -- analogy questions -----------------------------------------------------------------------------------

_WORDS = st.text(st.sampled_from(list("abcdeXYZé日-'")), min_size=1, max_size=5)


@st.composite
def analogy_cases(draw):
    question = st.tuples(_WORDS, _WORDS, _WORDS, _WORDS)
    sections = draw(st.lists(st.tuples(_WORDS, st.lists(question, max_size=4)), min_size=1, max_size=4))
    text = "".join(f": {name}\n" + "".join(" ".join(q) + "\n" for q in qs) for name, qs in sections)
    content = text.encode("utf-8")
    kind = draw(st.sampled_from(MUTATIONS))
    if kind != "none":
        content = mutate(draw, content, b" ", kind)
    return dict(content=content, kind=kind, sections=sections)


def check_analogy_case(case: dict) -> None:
    with case_dir() as d:
        path = d / "questions.txt"
        path.write_bytes(case["content"])
        secs = _call(evaluation.read_analogy_questions, path)
        if secs is not None:
            assert secs and all(isinstance(s.name, str) for s in secs)
            for s in secs:
                for q in s.questions:
                    assert len(q.words) == 4 and all(w and not any(c.isspace() for c in w) for w in q.words)
                    assert q.line >= 1
        if case["kind"] == "none":
            assert secs is not None
            assert [len(s.questions) for s in secs] == [len(qs) for _n, qs in case["sections"]]


# -- similarity pairs ------------------------------------------------------------------------------------

@st.composite
def pairs_cases(draw):
    pairs = draw(st.lists(st.tuples(_WORDS, _WORDS, st.floats(0, 10, width=32)), min_size=1,
                          max_size=MAX_RECORDS))
    header = "Word 1\tWord 2\tHuman (mean)\n" if draw(st.booleans()) else ""
    comment = "# a comment\n" if draw(st.booleans()) else ""
    content = (comment + header + "".join(f"{a}\t{b}\t{s!r}\n" for a, b, s in pairs)).encode("utf-8")
    kind = draw(st.sampled_from(MUTATIONS))
    if kind != "none":
        content = mutate(draw, content, b"\t", kind, first_row=bool(header) + bool(comment))
    return dict(content=content, kind=kind, pairs=pairs)


def check_pairs_case(case: dict) -> None:
    with case_dir() as d:
        path = d / "pairs.tsv"
        path.write_bytes(case["content"])
        got = _call(evaluation.read_word_pairs, path)
        if got is not None:
            assert got and all(isinstance(p.a, str) and isinstance(p.b, str) and p.line >= 1 for p in got)
            assert all(isinstance(p.score, float) for p in got)
        if case["kind"] == "none":
            assert got is not None
            assert [(p.a, p.b, p.score) for p in got] == [(a, b, s) for a, b, s in case["pairs"]]


# -- saved MF models (.npz written by train-mf --out) ----------------------------------------------------

_MODEL_BYTES: dict[str, bytes] = {}


def _valid_model_bytes() -> bytes:
    """A small real model file (trained once per process: 8 users x 8 movies, 2 epochs)."""
    if "m" not in _MODEL_BYTES:
        rng = np.random.default_rng(MODEL_SEED)
        n = 60
        r = movielens.Ratings(rng.integers(0, 8, n).astype(np.int32), rng.integers(0, 8, n).astype(np.int32),
                              rng.integers(1, 6, n).astype(np.float32), None,
                              [str(u) for u in range(8)], [str(i) for i in range(8)])
        model = mf.train(r, mf.MFConfig(n_factors=3, epochs=2, batch_size=16, seed=MODEL_SEED))
        with case_dir() as d:
            model.save(d / "m.npz")
            _MODEL_BYTES["m"] = (d / "m.npz").read_bytes()
    return _MODEL_BYTES["m"]


#: Seed of the tiny model's data and training.
MODEL_SEED = 11
_JSON_VALUES = [None, "x", -1, 0, 1e308, [], {}, [1, 2], {"a": 1}, True, "nan"]


@st.composite
def mf_model_cases(draw):
    with zipfile.ZipFile(io.BytesIO(_valid_model_bytes())) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    kind = draw(st.sampled_from(["none", "truncate", "flip_bytes", "drop_member", "meta_field", "meta_drop",
                                 "array_shape", "array_dtype", "random_bytes"]))
    if kind == "drop_member":
        del members[draw(st.sampled_from(sorted(members)))]
    elif kind in ("meta_field", "meta_drop"):
        meta = json.loads(np.load(io.BytesIO(members["meta_json.npy"]), allow_pickle=False).tobytes())
        key = draw(st.sampled_from(sorted(meta)))
        if kind == "meta_drop":
            del meta[key]
        elif isinstance(meta[key], dict) and meta[key] and draw(st.booleans()):
            sub = draw(st.sampled_from(sorted(meta[key])))
            meta[key][sub] = draw(st.sampled_from(_JSON_VALUES))
        else:
            meta[key] = draw(st.sampled_from(_JSON_VALUES))
        members["meta_json.npy"] = _npy(np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
    elif kind in ("array_shape", "array_dtype"):
        name = draw(st.sampled_from(sorted(n for n in members if n != "meta_json.npy")))
        arr = np.load(io.BytesIO(members[name]), allow_pickle=False)
        if kind == "array_shape":
            arr = draw(st.sampled_from([arr[:-1], np.concatenate([arr, arr[:1]]), arr.reshape(-1),
                                        arr[..., None],
                                        np.zeros((0,) + arr.shape[1:], arr.dtype)]))
        else:
            arr = draw(st.sampled_from([arr.astype(np.float64) * np.nan, arr.astype("U3"), arr.astype(bool),
                                        arr.astype(np.complex64)]))
        members[name] = _npy(arr)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, b in members.items():
            zf.writestr(n, b)
    content = buf.getvalue()
    if kind == "truncate":
        content = content[:draw(st.integers(0, len(content) - 1))]
    elif kind == "flip_bytes":
        b = bytearray(content)
        b[draw(st.integers(0, len(b) - 1))] = draw(st.integers(0, 255))
        content = bytes(b)
    elif kind == "random_bytes":
        content = draw(st.binary(max_size=1024))
    return dict(content=content, kind=kind)


def _npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return buf.getvalue()


def check_mf_model(m: mf.MFModel) -> None:
    """A loaded model is usable: consistent shapes, finite factors, a valid CSR of seen ratings."""
    nu, ni = len(m.user_ids), len(m.item_ids)
    k = m.user_factors.shape[1]
    assert m.user_factors.shape == (nu, k) and m.item_factors.shape == (ni, k)
    assert m.user_bias.shape == (nu,) and m.item_bias.shape == (ni,)
    for a in (m.user_factors, m.item_factors, m.user_bias, m.item_bias):
        assert a.dtype.kind == "f" and np.isfinite(a).all()
    assert np.isfinite(m.global_bias)
    ptr = m.seen_indptr
    assert ptr.shape == (nu + 1,) and ptr[0] == 0 and (np.diff(ptr) >= 0).all()
    assert ptr[-1] == len(m.seen_items) == len(m.seen_ratings)
    assert len(m.seen_items) == 0 or (0 <= m.seen_items.min() and m.seen_items.max() < ni)
    assert len(m.titles) in (0, ni)
    m.recommend(0, 3)  # the first thing the panel asks of a loaded model


def check_mf_model_case(case: dict) -> None:
    with case_dir() as d:
        path = d / "model.npz"
        path.write_bytes(case["content"])
        m = _call(mf.MFModel.load, path)
        if m is not None:
            check_mf_model(m)
        if case["kind"] == "none":
            assert m is not None, "a valid model failed to load"


#: name -> (strategy, check); the bench runs the same table with many more cases.
TARGETS = {
    "movielens 100k": (ml100k_cases(), check_ml100k_case),
    "movielens latest csv": (ml_latest_cases(), check_ml_latest_case),
    "ratings csv": (ratings_csv_cases(), check_ratings_csv_case),
    "analogy questions": (analogy_cases(), check_analogy_case),
    "similarity pairs": (pairs_cases(), check_pairs_case),
    "mf model": (mf_model_cases(), check_mf_model_case),
}


@CI_SETTINGS
@given(ml100k_cases())
def test_movielens_100k(case):
    check_ml100k_case(case)


@CI_SETTINGS
@given(ml_latest_cases())
def test_movielens_latest(case):
    check_ml_latest_case(case)


@CI_SETTINGS
@given(ratings_csv_cases())
def test_ratings_csv(case):
    check_ratings_csv_case(case)


@CI_SETTINGS
@given(analogy_cases())
def test_analogy_questions(case):
    check_analogy_case(case)


@CI_SETTINGS
@given(pairs_cases())
def test_similarity_pairs(case):
    check_pairs_case(case)


@CI_SETTINGS
@given(mf_model_cases())
def test_mf_model_file(case):
    check_mf_model_case(case)


@CI_SETTINGS
@given(st.binary(max_size=512), st.sampled_from(["analogy", "pairs", "u.data", "ratings.csv", "csv"]))
def test_random_bytes_every_parser(raw, which):
    with case_dir() as d:
        if which in ("u.data", "ratings.csv"):
            (d / "ds").mkdir()
            path = d / "ds" / which
            path.write_bytes(raw)
            r = _call(movielens.load_movielens, path)
        else:
            path = d / "f.txt"
            path.write_bytes(raw)
            func = {"analogy": evaluation.read_analogy_questions, "pairs": evaluation.read_word_pairs,
                    "csv": movielens.load_ratings_csv}[which]
            r = _call(func, path)
        if isinstance(r, movielens.Ratings):
            check_ratings(r)


@settings(max_examples=5, deadline=None, database=None, derandomize=True)
@given(st.sampled_from(["nan", "inf", "-inf", "NaN", "Infinity"]))
def test_pair_scores_must_be_finite(score):
    with case_dir() as d:
        path = d / "pairs.tsv"
        path.write_text(f"a\tb\t{score}\nc\td\t1.0\n", encoding="utf-8")
        got = _call(evaluation.read_word_pairs, path)
        assert got is None or all(math.isfinite(p.score) for p in got)


def truncated_gz_corpus(path: Path) -> Path:
    """A gzip text corpus cut in half: its first bytes decompress fine, the end is missing."""
    import gzip
    import random

    rnd = random.Random(MODEL_SEED)
    words = ["the", "cat", "sat", "on", "a", "mat", "dog", "ran"]
    text = "".join(" ".join(rnd.choice(words) for _ in range(12)) + "\n" for _ in range(40_000)).encode()
    packed = gzip.compress(text, mtime=0)
    path.write_bytes(packed[:len(packed) // 2])
    return path


def test_truncated_compressed_corpus_is_a_data_error(tmp_path):
    from embexplorer.core.word2vec import w2v

    corpus = w2v.open_corpus(truncated_gz_corpus(tmp_path / "corpus.txt.gz"))
    with pytest.raises((DataError, OSError)):
        for _ in corpus:
            pass


def test_mutations_reach_every_parser_line_kind():
    """The mutator really changes files (a no-op mutator would make every property vacuous)."""
    data = b"a\tb\t1\nc\td\t2\n"
    changed = {k for k in MUTATIONS if k != "none" and _apply(k, data) != data}
    assert changed >= set(MUTATIONS) - {"none", "blank_lines", "duplicate_label"}


def _apply(kind: str, data: bytes) -> bytes:
    out = {}

    @settings(max_examples=1, database=None, derandomize=True)
    @given(st.data())
    def run(data_strategy):
        out["v"] = mutate(data_strategy.draw, data, b"\t", kind)

    run()
    return out["v"]

