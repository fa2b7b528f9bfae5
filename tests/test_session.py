"""Sessions (core, no Qt): exact JSON round trip, compact selections, hashes, bad files."""

from __future__ import annotations

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
    PanelQueries,
    Projection,
    Session,
    ViewState,
    compact_rows,
    expand_rows,
    file_digest,
    hashed_source,
    is_session_file,
    load_session,
    save_session,
    verify_sources,
)

#: Hypothesis examples per property (kept small: the whole file stays under a few seconds).
EXAMPLES = 60

# -- strategies ---------------------------------------------------------------------------------------
finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)


@st.composite
def ranges(draw):
    lo = draw(finite)
    hi = draw(finite.filter(lambda v: v > lo))
    return (lo, hi)


views = st.builds(ViewState, st.none() | ranges(), st.none() | ranges())
texts = st.text(max_size=12)
rows = st.lists(st.integers(0, 5000), max_size=60).map(lambda r: sorted(set(r)))
panels = st.builds(PanelQueries, st.none() | texts, st.none() | st.integers(1, 500), st.none() | texts,
                   st.none() | st.tuples(texts, texts, texts), st.none() | texts)
axes = st.tuples(st.integers(0, 9), st.integers(0, 9))
json_leaf = st.none() | st.booleans() | st.integers(-10**6, 10**6) | finite | texts
json_values = st.recursive(json_leaf, lambda kids: st.lists(kids, max_size=3)
                           | st.dictionaries(texts, kids, max_size=3), max_leaves=8)
bookmarks = st.builds(Bookmark, name=texts, view=views, axes=axes, colour_by=st.none() | texts,
                      selection=rows, focus_row=st.integers(-1, 5000), focus_label=st.none() | texts,
                      labels_shown=st.booleans(), panels=panels, created=texts)
sources = st.none() | st.builds(DataSource, st.sampled_from(sm.SOURCE_KINDS), st.none() | texts,
                                st.none() | texts, st.none() | st.integers(1, 10**9),
                                st.none() | st.text("0123456789abcdef", min_size=64, max_size=64),
                                st.none() | st.integers(0, 10**12),
                                st.none() | st.sampled_from(sm.HASH_MODES),
                                st.none() | texts)
sessions = st.builds(Session, source=sources, title=texts,
                     projection=st.builds(Projection, axes, st.integers(1, 50)), view=views,
                     colour_by=st.none() | texts, selection=rows, focus_row=st.integers(-1, 5000),
                     focus_label=st.none() | texts, labels_shown=st.booleans(), panels=panels,
                     training=st.dictionaries(texts, st.dictionaries(texts, json_values, max_size=4),
                                              max_size=2),
                     bookmarks=st.lists(bookmarks, max_size=4), created=texts)


@settings(max_examples=EXAMPLES, deadline=None)
@given(session=sessions)
def test_random_sessions_round_trip_exactly(tmp_path_factory, session):
    path = tmp_path_factory.mktemp("s") / f"talk{SESSION_SUFFIX}"
    save_session(session, path)
    assert load_session(path) == session
    assert is_session_file(path)


@settings(max_examples=EXAMPLES, deadline=None)
@given(r=st.lists(st.integers(0, 300), max_size=200))
def test_compact_rows_inverts(r):
    spec = compact_rows(r)
    assert expand_rows(spec) == sorted(set(r))
    # Compact: never more items than rows, and every run is at least MIN_RUN long.
    assert len(spec) <= len(set(r))
    assert all(b - a >= sm.MIN_RUN for a, b in (x for x in spec if isinstance(x, list)))


def test_compact_rows_writes_runs():
    assert compact_rows([9, 1, 2, 3, 4, 7, 11]) == [[1, 5], 7, 9, 11]
    assert compact_rows(range(100_000)) == [[0, 100_000]]


def test_saved_file_is_plain_json_with_compact_selection(tmp_path):
    s = Session(source=DataSource("demo", "genres"), selection=list(range(10, 1010)) + [2000])
    path = save_session(s, tmp_path / f"a{SESSION_SUFFIX}")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == sm.SESSION_FORMAT and data["version"] == sm.SESSION_VERSION
    assert data["selection"] == [[10, 1010], 2000]
    assert not list(tmp_path.glob("*.part"))  # atomic write left no temporary file


def test_non_finite_view_is_refused_on_save(tmp_path):
    with pytest.raises(ValueError):
        save_session(Session(view=ViewState((0.0, float("inf")), None)), tmp_path / "x.embx.json")


def test_real_file_hash_and_changed_file_warning(tmp_path, glove_path):
    src = hashed_source("file", glove_path, format="glove")
    import hashlib

    assert src.sha256 == hashlib.sha256(glove_path.read_bytes()).hexdigest()
    assert src.size == glove_path.stat().st_size and src.hash_mode == "full"
    assert verify_sources(Session(source=src)) == []

    copy = tmp_path / "glove.txt"
    copy.write_bytes(glove_path.read_bytes())
    s = Session(source=hashed_source("file", copy))
    assert verify_sources(s) == []
    with open(copy, "r+b") as fh:  # one changed byte inside, same size
        fh.seek(1000)
        b = fh.read(1)
        fh.seek(1000)
        fh.write(b"7" if b != b"7" else b"8")
    warnings = verify_sources(s)
    assert len(warnings) == 1 and str(copy) in warnings[0] and "changed" in warnings[0]
    os.remove(copy)
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
    ('{"format": "something-else", "version": 1}', "not an embexplorer session"),
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
    (lambda d: d.pop("view"), "view"),
    (lambda d: d["view"].pop("x_range"), "view.x_range"),
    (lambda d: d["projection"].update(axes=[0]), "projection.axes"),
    (lambda d: d.update(selection=[[5, 2]]), "selection"),
    (lambda d: d.update(selection=["a"]), "selection"),
    (lambda d: d["bookmarks"][0].pop("name"), "bookmarks[0].name"),
    (lambda d: d["bookmarks"][0]["focus"].update(row="x"), "bookmarks[0].focus.row"),
    (lambda d: d["source"].update(kind="ftp"), "source.kind"),
    (lambda d: d["view"].update(y_range=[1, "NaN"]), "view.y_range"),
    (lambda d: d.update(labels_shown=1), "labels_shown"),
])
def test_missing_or_wrong_fields_name_the_field(tmp_path, mutate, field):
    s = Session(source=DataSource("file", "/x.txt"), view=ViewState((0.0, 1.0), (2.0, 3.0)),
                bookmarks=[Bookmark("b1")])
    data = sm.session_to_json(s)
    mutate(data)
    path = tmp_path / f"m{SESSION_SUFFIX}"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_session(path)
    assert f"'{field}'" in info.value.reason and info.value.path == str(path)


def test_is_session_file(tmp_path):
    assert is_session_file("talk.EMBX.json")
    other = tmp_path / "renamed.json"
    save_session(Session(), tmp_path / "s.embx.json").rename(other)
    assert is_session_file(other)
    plain = tmp_path / "plain.json"
    plain.write_text("{}", encoding="utf-8")
    assert not is_session_file(plain)
    assert not is_session_file(tmp_path / "vectors.txt")
