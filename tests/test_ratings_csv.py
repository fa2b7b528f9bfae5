"""Generic ratings tables: sniffing, column guesses, the mapping reader, its errors; real MovieLens files
rewritten in unusual shapes must read back to the same ratings."""

from __future__ import annotations

import numpy as np
import pytest

from embexplorer.core.errors import DataError
from embexplorer.core.progress import Cancelled, TaskControl
from embexplorer.core.recommender.movielens import (
    NeedsColumnMapping,
    guess_ratings_columns,
    load_movielens,
    load_ratings_csv,
    preview_ratings_file,
    sniff_ratings_file,
)

#: Seed of the column shuffle.
SEED = 5


def _keyed(r):
    """(user id, item id) -> (rating, timestamp) arrays sorted by numeric ids."""
    u = np.array([int(x) for x in r.user_ids])[r.users]
    i = np.array([int(x) for x in r.item_ids])[r.items]
    order = np.lexsort((i, u))
    ts = None if r.timestamps is None else r.timestamps[order]
    return u[order], i[order], r.ratings[order], ts


@pytest.fixture(scope="module")
def ml100k(shared_data):
    path = shared_data / "ml-100k"
    if not (path / "u.data").is_file():
        pytest.skip("ml-100k not in the shared data folder")
    return path


def test_ml100k_shuffled_columns_pipe_header(tmp_path, ml100k):
    raw = np.loadtxt(ml100k / "u.data", dtype=np.int64)  # user, item, rating, timestamp
    assert raw.shape == (100_000, 4)
    order = np.random.default_rng(SEED).permutation(4)
    names = {0: "Who (person)", 1: "Film no.", 2: "Score given", 3: "When"}
    path = tmp_path / "my ratings.txt"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("|".join(names[c] for c in order) + "\n")
        for row in raw[:, order]:
            fh.write("|".join(str(v) for v in row) + "\n")
    rows, header, mapping = guess_ratings_columns(path)
    assert mapping["delimiter"] == "|" and mapping["has_header"] is True
    assert header == [names[c] for c in order] and len(rows) == 20
    where = {c: int(np.flatnonzero(order == c)[0]) for c in range(4)}
    # "who" is a user name, "score" a rating hint, "when" a time; the item takes the column left
    assert (mapping["user"], mapping["item"], mapping["rating"], mapping["timestamp"]) == (
        where[0], where[1], where[2], where[3])
    assert mapping["title"] is None
    r = load_ratings_csv(path, mapping)
    assert (len(r), r.n_users, r.n_items) == (100_000, 943, 1_682)
    assert r.layout == "csv" and r.ratings.dtype == np.float32
    ref = load_movielens(ml100k)
    for got, want in zip(_keyed(r), _keyed(ref)):
        np.testing.assert_array_equal(got, want)
    # ids come numerically sorted, like the MovieLens reader's
    assert r.user_ids == ref.user_ids and r.item_ids[:12] == [str(k) for k in range(1, 13)]
    # the same columns by header name instead of position
    by_name = load_ratings_csv(path, {"user": names[0], "item": names[1], "rating": names[2],
                                      "timestamp": names[3], "delimiter": "|", "has_header": True})
    np.testing.assert_array_equal(by_name.ratings, r.ratings)
    np.testing.assert_array_equal(by_name.timestamps, r.timestamps)


def test_ml100k_u_data_renamed_needs_mapping(tmp_path, ml100k):
    path = tmp_path / "ratings-export.tsv"
    path.write_bytes((ml100k / "u.data").read_bytes())
    with pytest.raises(NeedsColumnMapping) as err:
        load_movielens(path)
    assert err.value.path == str(path) and err.value.guess["delimiter"] == "\t"
    assert err.value.guess["has_header"] is False
    assert [err.value.guess[k] for k in ("user", "item", "rating", "timestamp")] == [0, 1, 2, 3]
    assert "user = column 1" in str(err.value)
    r = load_movielens(path, mapping=err.value.guess)
    assert (len(r), r.n_users, r.n_items) == (100_000, 943, 1_682)


def test_ml_latest_small_through_generic_path(shared_data):
    path = shared_data / "ml-latest-small" / "ratings.csv"
    if not path.is_file():
        pytest.skip("ml-latest-small not in the shared data folder")
    rows, header, mapping = guess_ratings_columns(path)
    assert header == ["userId", "movieId", "rating", "timestamp"]
    assert mapping == {"user": 0, "item": 1, "rating": 2, "timestamp": 3, "title": None,
                       "delimiter": ",", "has_header": True}
    full = load_ratings_csv(path, mapping)
    # The shared copy has one appended line (user 999, movie 999999, no movie in movies.csv) that the
    # MovieLens reader drops with a warning; the generic reader has no movie list and keeps it.
    ref = load_movielens(path.parent)
    assert len(ref.warnings) == 1 and "999999" in ref.warnings[0]
    extra = full.users == full.user_ids.index("999")
    assert extra.sum() == 1 and full.item_ids[full.items[extra][0]] == "999999"
    r = full.take(np.flatnonzero(~extra))
    # the README's figures: 100,836 ratings, 610 users; 9,724 of movies.csv's 9,742 movies have ratings
    assert (len(r), len(np.unique(r.users)), len(np.unique(r.items))) == (100_836, 610, 9_724)
    assert (full.n_users, full.n_items) == (611, 9_725)
    assert set(np.unique(r.ratings).tolist()) == {x / 2 for x in range(1, 11)}
    got, want = _keyed(r), _keyed(ref)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    assert ref.n_items == 9_742  # rated movies plus the unrated ones of movies.csv


def test_sniffing_each_delimiter(tmp_path):
    rows = [("u1", "i1", "4"), ("u2", "i1", "3.5"), ("u1", "i2", "2")]
    for name, sep in (("tab", "\t"), ("comma", ","), ("semicolon", ";"), ("pipe", "|"), ("dcolon", "::"),
                      ("space", " ")):
        for header in (False, True):
            p = tmp_path / f"{name}{header}.txt"
            text = (sep.join(["user", "item", "rating"]) + "\n") if header else ""
            text += "".join(sep.join(r) + "\n" for r in rows)
            p.write_text(text)
            assert sniff_ratings_file(p) == (sep, header), (name, header)
            r = load_ratings_csv(p)
            assert r.ratings.tolist() == [4.0, 3.5, 2.0] and r.user_ids == ["u1", "u2"], (name, header)


def test_book_crossing_style_quoted_semicolons_latin1(tmp_path):
    p = tmp_path / "BX-Book-Ratings.csv"
    text = ('"User-ID";"ISBN";"Book-Rating"\n"276725";"034545104X";"0"\n"276726";"0155061224";"5"\n'
            '"276727";"0446520802";"0"\n"276726";"034545104X";"7"\n')
    p.write_bytes(text.encode("latin-1"))
    rows, header, mapping = guess_ratings_columns(p)
    assert header == ["User-ID", "ISBN", "Book-Rating"]
    assert (mapping["user"], mapping["item"], mapping["rating"], mapping["delimiter"]) == (0, 1, 2, ";")
    r = load_ratings_csv(p, mapping)
    assert r.item_ids == ["0155061224", "034545104X", "0446520802"]  # text ids kept, leading zeros too
    assert r.ratings.tolist() == [0.0, 5.0, 0.0, 7.0]


def test_titles_quotes_dates_and_comma_decimals(tmp_path):
    p = tmp_path / "films.csv"
    p.write_text('item,name,who,stars,date\n'
                 '10,"Usual Suspects, The (1995)",ann,4.5,2005-04-02\n'
                 '20,Heat (1995),bob,3,2005-04-02 23:53:00\n'
                 '10,"Usual Suspects, The (1995)",bob,5,1112486027\n')
    _, header, mapping = guess_ratings_columns(p)
    assert (mapping["item"], mapping["title"], mapping["user"], mapping["rating"], mapping["timestamp"]) == (
        0, 1, 2, 3, 4)
    r = load_ratings_csv(p, mapping)
    assert r.titles == ["Usual Suspects, The (1995)", "Heat (1995)"] and r.years.tolist() == [1995, 1995]
    # ISO dates and date-times are read as UTC seconds, numbers as Unix time
    assert r.timestamps.tolist() == [1112400000, 1112400000 + 23 * 3600 + 53 * 60, 1112486027]
    q = tmp_path / "euro.csv"
    q.write_text("user;item;rating\n1;2;4,5\n1;3;3\n")
    assert load_ratings_csv(q).ratings.tolist() == [4.5, 3.0]


@pytest.mark.parametrize("text, kw, line, match", [
    ("u,i,r\n1,2,good\n", {}, 2, "rating is not a number: 'good'"),
    ("u,i,r\n1,2,4\n1,3,nan\n", {}, 3, "not a finite number"),
    ("u,i,r\n1,2,4\n1,3\n", {}, 3, r"expected at least 3 fields \(the rating is column 3\), found 2"),
    ("u,i,r\n1,,4\n", {}, 2, "empty item id"),
    ("u,i,r,t\n1,2,4,yesterday\n", {"timestamp_col": 3}, 2, "timestamp is not a number or date"),
    ("u,i,r\n1,2,4\n", {"user_col": "person"}, 1, "no column named 'person' for the user"),
    ("u,i,r\n", {}, None, "only a header"),
    ("1,2,3\n", {"user_col": 0, "item_col": 0}, None, "cannot both be column 1"),
    ("1\t2\t4\n", {"rating_col": "r", "has_header": False}, 1, "has no header line"),
    ("\n\n", {}, None, "empty"),
    ("a b\n", {}, 1, "cannot tell how the fields are separated"),
])
def test_errors_name_file_line_and_reason(tmp_path, text, kw, line, match):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(DataError, match=match) as err:
        load_ratings_csv(p, **kw)
    assert err.value.path == str(p) and err.value.line == line


def test_mapping_without_required_role_and_bad_delimiter(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("1,2,3\n")
    with pytest.raises(DataError, match="no column chosen for the rating"):
        load_ratings_csv(p, {"user": 0, "item": 1, "rating": None})
    with pytest.raises(DataError, match="unsupported delimiter"):
        load_ratings_csv(p, {"user": 0, "item": 1, "rating": 2, "delimiter": "#"})


def test_preview_follows_delimiter_and_header_choice(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("user,item,rating\n" + "".join(f"{k},{k % 7},{k % 5 + 1}\n" for k in range(40)))
    rows, header, sep, has_header = preview_ratings_file(p)
    assert (sep, has_header, header, len(rows)) == (",", True, ["user", "item", "rating"], 20)
    rows, header, _, _ = preview_ratings_file(p, delimiter=",", has_header=False, rows=3)
    assert header is None and rows[0] == ["user", "item", "rating"] and len(rows) == 3
    rows, _, _, _ = preview_ratings_file(p, delimiter="\t", has_header=False, rows=2)
    assert rows[0] == ["user,item,rating"]


def test_ratings_csv_in_a_folder_with_another_header(tmp_path):
    (tmp_path / "ratings.csv").write_text("reviewer,product,overall\nA1,B9,5\nA2,B9,4\n")
    with pytest.raises(NeedsColumnMapping) as err:
        load_movielens(tmp_path)
    assert err.value.path == str(tmp_path / "ratings.csv")
    r = load_movielens(err.value.path, mapping=err.value.guess)
    assert r.user_ids == ["A1", "A2"] and r.ratings.tolist() == [5.0, 4.0]


def test_cancel_between_chunks(tmp_path, monkeypatch):
    from embexplorer.core.recommender import movielens

    monkeypatch.setattr(movielens, "RECORDS_PER_CHUNK", 10)
    p = tmp_path / "r.csv"
    p.write_text("".join(f"{k},{k % 3},4\n" for k in range(100)))
    control = TaskControl()
    control.cancel()
    with pytest.raises(Cancelled):
        load_ratings_csv(p, control=control)


def test_column_mapping_from_text(tmp_path):
    from embexplorer.core.recommender.movielens import describe_mapping, parse_column_mapping

    m = parse_column_mapping("user=User-ID, item=2, rating=Book-Rating, delimiter=semicolon, header=yes")
    assert m == {"user": "User-ID", "item": 1, "rating": "Book-Rating", "delimiter": ";", "has_header": True}
    p = tmp_path / "bx.csv"
    p.write_text('"User-ID";"ISBN";"Book-Rating"\n"7";"0155061224";"5"\n')
    r = load_ratings_csv(p, m)
    assert r.user_ids == ["7"] and r.item_ids == ["0155061224"] and r.ratings.tolist() == [5.0]
    # describe_mapping prints 1-based columns, as parse_column_mapping reads them
    _, header, guess = guess_ratings_columns(p)
    text = describe_mapping(guess, header)
    assert text == "user = column 1 (User-ID), item = column 2 (ISBN), rating = column 3 (Book-Rating)"
    assert parse_column_mapping("user=1,item=2,rating=3") == {"user": 0, "item": 1, "rating": 2}
    for bad, match in (("user=1,item=2", "rating"), ("user=0,item=1,rating=2", "numbered from 1"),
                       ("user=1,item=2,rating=3,delimiter=#", "unknown delimiter"),
                       ("user=1,item=2,rating=3,colour=red", "unknown key"), ("user", "ROLE=COLUMN")):
        with pytest.raises(DataError, match=match):
            parse_column_mapping(bad)
