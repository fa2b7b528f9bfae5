"""Sessions (core, no Qt): exact JSON round trip of feature states, compact row lists, hashes, bad
files, and version-1 files still read (their fixed fields become feature states)."""

from __future__ import annotations

import copy
import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embexplorer.core import session as sm
from embexplorer.core.errors import DataError
from embexplorer.core.session import (
    SESSION_SUFFIX,
    Bookmark,
    DataSource,
    Session,
    compact_rows,
    expand_rows,
    file_digest,
    hashed_source,
    is_session_file,
    load_session,
    pack_rows,
    save_session,
    session_from_json,
    unpack_rows,
    verify_sources,
)

#: Hypothesis examples per property (kept small: the whole file stays under a few seconds).
EXAMPLES = 60

#: A version-1 session as the version-1 code wrote it (session_to_json of embexplorer before the
#: feature rooms): a projector TSV, axes PC3/PC4, a selection, king's neighbours, an analogy,
#: training settings and two bookmarks.
V1_SESSION = {
    "format": "embexplorer-session", "version": 1, "created": "2024-05-01T10:02:00Z", "title": "vectors.tsv",
    "source": {"kind": "file", "path": "/data/vectors.tsv", "format": "projector", "limit": None,
               "sha256": "0" * 64, "size": 123, "hash_mode": "full", "model": None},
    "projection": {"axes": [2, 3], "n_components": 10},
    "view": {"x_range": [-1.25, 2.5], "y_range": [-0.75, 1.5]},
    "colour_by": "initial", "selection": [[10, 60], 100, 1500], "focus": {"row": 42, "label": "paris"},
    "labels_shown": True,
    "panels": {"neighbours_query": "king", "neighbours_k": 7, "neighbours_metric": "euclidean",
               "analogy": ["man", "king", "woman"], "user_id": None},
    "training": {"mf": {"n_factors": 12, "epochs": 10, "lr": 0.01, "weight_decay": 0.1, "batch_size": 1024,
                        "y_range": [0.0, 5.5], "use_bias": True, "seed": 0, "sparse": False},
                 "w2v": {"sg": False, "vector_size": 50}},
    "bookmarks": [
        {"name": "A", "view": {"x_range": [0.5, 1.5], "y_range": [-1.0, 0.25]}, "axes": [0, 1],
         "colour_by": None, "selection": [], "focus": {"row": -1, "label": None}, "labels_shown": False,
         "panels": {"neighbours_query": "paris", "neighbours_k": 10, "neighbours_metric": "cosine",
                    "analogy": None, "user_id": None},
         "created": "2024-05-01T10:00:00Z"},
        {"name": "B", "view": {"x_range": None, "y_range": None}, "axes": [1, 2], "colour_by": "initial",
         "selection": [[1, 4], 50], "focus": {"row": 7, "label": "king"}, "labels_shown": True,
         "panels": {"neighbours_query": None, "neighbours_k": None, "neighbours_metric": None,
                    "analogy": ["france", "paris", "japan"], "user_id": "42"},
         "created": "2024-05-01T10:01:00Z"}],
}

# -- strategies ---------------------------------------------------------------------------------------
finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)
texts = st.text(max_size=12)
keys = texts.filter(lambda k: k != sm.ROWS_KEY)
rows = st.lists(st.integers(0, 5000), max_size=60).map(lambda r: sorted(set(r)))
json_leaf = st.none() | st.booleans() | st.integers(-10**6, 10**6) | finite | texts
json_values = st.recursive(json_leaf | rows, lambda kids: st.lists(kids, max_size=3)
                           | st.dictionaries(keys, kids, max_size=3), max_leaves=8)
states = st.dictionaries(keys, st.dictionaries(keys, json_values, max_size=4), max_size=4)
bookmarks = st.builds(Bookmark, name=texts, features=states, created=texts)
sources = st.none() | st.builds(DataSource, st.sampled_from(sm.SOURCE_KINDS), st.none() | texts,
                                st.none() | texts, st.none() | st.integers(1, 10**9),
                                st.none() | st.text("0123456789abcdef", min_size=64, max_size=64),
                                st.none() | st.integers(0, 10**12),
                                st.none() | st.sampled_from(sm.HASH_MODES),
                                st.none() | texts)
sessions = st.builds(Session, source=sources, title=texts, features=states,
                     bookmarks=st.lists(bookmarks, max_size=4), created=texts)


@settings(max_examples=EXAMPLES, deadline=None)
@given(session=sessions)
def test_random_sessions_round_trip_exactly(tmp_path_factory, session):
    path = tmp_path_factory.mktemp("s") / f"talk{SESSION_SUFFIX}"
    save_session(session, path)
    assert load_session(path) == session
    assert is_session_file(path)
    again = path.with_name(f"again{SESSION_SUFFIX}")  # save -> open -> save writes the same file
    save_session(load_session(path), again)
    assert again.read_bytes() == path.read_bytes()


@settings(max_examples=EXAMPLES, deadline=None)
@given(r=st.lists(st.integers(0, 300), max_size=200))
def test_compact_rows_inverts(r):
    spec = compact_rows(r)
    assert expand_rows(spec) == sorted(set(r))
    # Compact: never more items than rows, and every run is at least MIN_RUN long.
    assert len(spec) <= len(set(r))
    assert all(b - a >= sm.MIN_RUN for a, b in (x for x in spec if isinstance(x, list)))


@settings(max_examples=EXAMPLES, deadline=None)
@given(value=json_values)
def test_pack_rows_inverts(value):
    assert unpack_rows(json.loads(json.dumps(pack_rows(value)))) == value


def test_compact_rows_writes_runs():
    assert compact_rows([9, 1, 2, 3, 4, 7, 11]) == [[1, 5], 7, 9, 11]
    assert compact_rows(range(100_000)) == [[0, 100_000]]


def test_saved_file_is_plain_json_with_compact_row_lists(tmp_path):
    selection = list(range(10, 1010)) + [2000]
    s = Session(DataSource("demo", "genres"), features={"explorer": {"selection": selection, "axes": [0, 1]}})
    path = save_session(s, tmp_path / f"a{SESSION_SUFFIX}")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == sm.SESSION_FORMAT and data["version"] == sm.SESSION_VERSION == 2
    assert data["features"]["explorer"] == {"selection": {"$rows": [[10, 1010], 2000]}, "axes": [0, 1]}
    assert load_session(path).features["explorer"]["selection"] == selection
    assert not list(tmp_path.glob("*.part"))  # atomic write left no temporary file


def test_non_finite_values_and_the_reserved_key_are_refused_on_save(tmp_path):
    with pytest.raises(ValueError):
        save_session(Session(features={"explorer": {"view": [[0.0, float("inf")], None]}}), tmp_path / "x.embx.json")
    with pytest.raises(ValueError, match="reserved"):
        save_session(Session(features={"f": {"x": {sm.ROWS_KEY: [1]}}}), tmp_path / "y.embx.json")


def test_real_file_hash_and_changed_file_warning(tmp_path, glove_path):
    src = hashed_source("file", glove_path, format="glove")
    import hashlib

    assert src.sha256 == hashlib.sha256(glove_path.read_bytes()).hexdigest()
    assert src.size == glove_path.stat().st_size and src.hash_mode == "full"
    assert verify_sources(Session(source=src)) == []

    copy_path = tmp_path / "glove.txt"
    copy_path.write_bytes(glove_path.read_bytes())
    s = Session(source=hashed_source("file", copy_path))
    assert verify_sources(s) == []
    with open(copy_path, "r+b") as fh:  # one changed byte inside, same size
        fh.seek(1000)
        b = fh.read(1)
        fh.seek(1000)
        fh.write(b"7" if b != b"7" else b"8")
    warnings = verify_sources(s)
    assert len(warnings) == 1 and str(copy_path) in warnings[0] and "changed" in warnings[0]
    os.remove(copy_path)
    warnings = verify_sources(s)
    assert len(warnings) == 1 and "not found" in warnings[0]


def test_big_files_hash_their_ends_and_size(tmp_path, monkeypatch):
    monkeypatch.setattr(sm, "HASH_FULL_MAX_BYTES", 10_000)
    monkeypatch.setattr(sm, "HASH_EDGE_BYTES", 1000)
    path = tmp_path / "big.bin"
    data = bytearray(os.urandom(50_000))
    path.write_bytes(bytes(data))
    d0, size, mode = file_digest(path)
    assert (size, mode) == (50_000, "edges")
    data[25_000] ^= 0xFF  # the middle is not read: same digest (documented)
    path.write_bytes(bytes(data))
    assert file_digest(path)[0] == d0
    data[49_999] ^= 0xFF  # the end is
    path.write_bytes(bytes(data))
    assert file_digest(path)[0] != d0
    path.write_bytes(bytes(data) + b"x")  # and so is the size
    assert file_digest(path)[1] == 50_001


def test_folder_source_hashes_its_files(tmp_path, shared_data):
    folder = shared_data / "ml-100k"
    if not folder.is_dir():
        pytest.skip("ml-100k not found")
    d, size, mode = file_digest(folder)
    assert mode == "folder" and size == sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    assert file_digest(folder)[0] == d


@pytest.mark.parametrize("text, reason", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "expected an object"),
    ('{"format": "something-else", "version": 2}', "not an embexplorer session"),
    ('{"format": "embexplorer-session", "version": 99}', "version 99 is not supported"),
])
def test_bad_files_are_data_errors_naming_the_file(tmp_path, text, reason):
    path = tmp_path / f"bad{SESSION_SUFFIX}"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_session(path)
    assert info.value.path == str(path) and reason in info.value.reason
    assert str(path) in str(info.value)


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d.pop("features"), "features"),
    (lambda d: d["features"].update(explorer=[1]), "features.explorer"),
    (lambda d: d["features"]["explorer"].update(selection={"$rows": [[5, 2]]}), "features.explorer"),
    (lambda d: d["features"]["explorer"].update(selection={"$rows": [1], "x": 2}), "features.explorer"),
    (lambda d: d["bookmarks"][0].pop("name"), "bookmarks[0].name"),
    (lambda d: d["bookmarks"][0].pop("features"), "bookmarks[0].features"),
    (lambda d: d["bookmarks"][0]["features"].update(analogy="x"), "bookmarks[0].features.analogy"),
    (lambda d: d["source"].update(kind="ftp"), "source.kind"),
    (lambda d: d["source"].update(limit=0), "source.limit"),
    (lambda d: d.update(title=1), "title"),
])
def test_missing_or_wrong_fields_name_the_field(tmp_path, mutate, field):
    s = Session(source=DataSource("file", "/x.txt"), features={"explorer": {"selection": list(range(20))}},
                bookmarks=[Bookmark("b1", {"analogy": {"query": None}})])
    data = sm.session_to_json(s)
    mutate(data)
    path = tmp_path / f"m{SESSION_SUFFIX}"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_session(path)
    assert field in info.value.reason and info.value.path == str(path)


def test_version_1_files_become_feature_states():
    s = session_from_json(V1_SESSION)
    assert s.source == DataSource("file", "/data/vectors.tsv", "projector", None, "0" * 64, 123, "full")
    assert s.title == "vectors.tsv" and s.created == "2024-05-01T10:02:00Z"
    assert s.features == {
        "explorer": {"view": [[-1.25, 2.5], [-0.75, 1.5]], "axes": [2, 3], "colour_by": "initial",
                     "selection": list(range(10, 60)) + [100, 1500], "focus_label": "paris", "focus_row": 42,
                     "labels_shown": True},
        "neighbours": {"query": "king", "k": 7, "metric": "euclidean"},
        "analogy": {"query": ["man", "king", "woman"]},
        "recommender": {"config": V1_SESSION["training"]["mf"], "user_id": None},
        "word2vec": {"settings": {"sg": False, "vector_size": 50}}}
    a, b = s.bookmarks
    assert (a.name, a.created, b.name) == ("A", "2024-05-01T10:00:00Z", "B")
    assert a.features["explorer"]["view"] == [[0.5, 1.5], [-1.0, 0.25]] and a.features["analogy"] == {"query": None}
    assert a.features["neighbours"] == {"query": "paris", "k": 10, "metric": "cosine"}
    assert b.features["explorer"]["view"] is None  # "fit all points"
    assert b.features["explorer"]["selection"] == [1, 2, 3, 50] and b.features["explorer"]["axes"] == [1, 2]
    assert b.features["recommender"] == {"config": None, "user_id": "42"}
    # A version-1 model source names its trainer; version 2 the feature that trains it.
    model = copy.deepcopy(V1_SESSION)
    model["source"].update(kind="model", model="mf", format=None)
    assert session_from_json(model).source.model == "recommender"


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d.pop("view"), "view"),
    (lambda d: d["view"].pop("x_range"), "view.x_range"),
    (lambda d: d["projection"].update(axes=[0]), "projection.axes"),
    (lambda d: d.update(selection=[[5, 2]]), "selection"),
    (lambda d: d["bookmarks"][0]["focus"].update(row="x"), "bookmarks[0].focus.row"),
    (lambda d: d["view"].update(y_range=[1, "NaN"]), "view.y_range"),
    (lambda d: d["panels"].update(analogy=["a"]), "panels.analogy"),
    (lambda d: d.update(labels_shown=1), "labels_shown"),
])
def test_version_1_fields_are_still_checked(tmp_path, mutate, field):
    data = copy.deepcopy(V1_SESSION)
    mutate(data)
    with pytest.raises(DataError) as info:
        session_from_json(data, tmp_path / "old.embx.json")
    assert f"'{field}'" in info.value.reason


def test_is_session_file(tmp_path):
    assert is_session_file("talk.EMBX.json")
    other = tmp_path / "renamed.json"
    save_session(Session(), tmp_path / "s.embx.json").rename(other)
    assert is_session_file(other)
    plain = tmp_path / "plain.json"
    plain.write_text("{}", encoding="utf-8")
    assert not is_session_file(plain)
    assert not is_session_file(tmp_path / "vectors.txt")
