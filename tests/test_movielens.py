"""MovieLens parsers, splits and metadata on the real files in ../shared/data."""

from __future__ import annotations

import csv
import zipfile

import numpy as np
import pytest

from embexplorer.core.errors import DataError
from embexplorer.core.recommender.movielens import (
    ML1M_OCCUPATIONS,
    NeedsColumnMapping,
    available_splits,
    detect_layout,
    load_movielens,
    load_ratings_csv,
    split_ratings,
)


@pytest.fixture(scope="module")
def ml100k_dir(shared_data):
    path = shared_data / "ml-100k"
    if not (path / "u.data").is_file():
        pytest.skip("ml-100k not in the shared data folder")
    return path


@pytest.fixture(scope="module")
def ml100k(ml100k_dir):
    return load_movielens(ml100k_dir)


@pytest.fixture(scope="module")
def latest_dir(shared_data):
    path = shared_data / "ml-latest-small"
    if not (path / "ratings.csv").is_file():
        pytest.skip("ml-latest-small not in the shared data folder")
    return path


def _raw_udata(path):
    return np.loadtxt(path, dtype=np.int64)


def test_ml100k_counts_and_values(ml100k, ml100k_dir):
    r = ml100k
    assert r.layout == "ml-100k"
    assert (len(r), r.n_users, r.n_items) == (100_000, 943, 1_682)
    assert r.users.dtype == np.int32 and r.items.dtype == np.int32 and r.ratings.dtype == np.float32
    raw = _raw_udata(ml100k_dir / "u.data")
    # indices map back to the raw ids, row for row
    assert [int(r.user_ids[u]) for u in r.users[:1000]] == raw[:1000, 0].tolist()
    assert [int(r.item_ids[i]) for i in r.items[:1000]] == raw[:1000, 1].tolist()
    np.testing.assert_array_equal(r.ratings, raw[:, 2].astype(np.float32))
    np.testing.assert_array_equal(r.timestamps, raw[:, 3])
    assert r.rating_range == (1.0, 5.0)


def test_ml100k_movie_and_user_metadata(ml100k, ml100k_dir):
    r = ml100k
    lines = (ml100k_dir / "u.item").read_text(encoding="latin-1").splitlines()
    first = lines[0].split("|")
    row = r.item_index[first[0]]
    assert r.titles[row] == first[1]
    assert r.years[row] == float(first[1][-5:-1])
    genre_lines = [ln.split("|")[0] for ln in (ml100k_dir / "u.genre").read_text().splitlines() if ln]
    assert r.genre_names == genre_lines and r.genres.shape == (1_682, 19)
    flags = np.array([int(x) for x in first[5:]], dtype=bool)
    np.testing.assert_array_equal(r.genres[row], flags)
    assert r.main_genres()[row] == genre_lines[int(np.argmax(flags))]
    counts = np.bincount(r.items, minlength=r.n_items)
    np.testing.assert_array_equal(r.item_counts(), counts)
    assert counts.sum() == 100_000
    means = r.item_means()
    i = int(np.argmax(counts))
    assert means[i] == pytest.approx(r.ratings[r.items == i].mean())
    user_line = (ml100k_dir / "u.user").read_text().splitlines()[0].split("|")
    u = r.user_index[user_line[0]]
    assert r.user_meta["age"][u] == float(user_line[1])
    assert r.user_meta["gender"][u] == user_line[2]
    assert r.user_meta["occupation"][u] == user_line[3]


def test_official_split_u1_reassembles_udata(ml100k, ml100k_dir):
    s = split_ratings(ml100k, "u1")
    n_base = sum(1 for _ in open(ml100k_dir / "u1.base"))
    n_test = sum(1 for _ in open(ml100k_dir / "u1.test"))
    assert (len(s.train), len(s.test)) == (n_base, n_test)
    assert len(np.intersect1d(s.train, s.test)) == 0
    np.testing.assert_array_equal(np.union1d(s.train, s.test), np.arange(100_000))
    # the test rows are exactly the lines of u1.test
    raw = _raw_udata(ml100k_dir / "u1.test")
    got = {(int(ml100k.user_ids[ml100k.users[k]]), int(ml100k.item_ids[ml100k.items[k]]),
            float(ml100k.ratings[k])) for k in s.test}
    assert got == {(int(a), int(b), float(c)) for a, b, c in raw[:, :3]}


def test_available_splits_and_random_split(ml100k):
    assert available_splits(ml100k) == ["u1", "u2", "u3", "u4", "u5", "ua", "ub", "random"]
    a = split_ratings(ml100k, "random", seed=3)
    b = split_ratings(ml100k, "random", seed=3)
    c = split_ratings(ml100k, "random", seed=4)
    np.testing.assert_array_equal(a.test, b.test)
    assert not np.array_equal(a.test, c.test)
    assert len(a.test) == 20_000 and len(a.train) == 80_000
    with pytest.raises(DataError):
        split_ratings(ml100k, "u9")


def test_zip_reads_like_folder(ml100k, ml100k_dir, tmp_path):
    zpath = tmp_path / "ml-100k.zip"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as z:
        for name in ("u.data", "u.item", "u.user", "u.genre", "u1.base", "u1.test"):
            z.write(ml100k_dir / name, f"ml-100k/{name}")
    assert detect_layout(zpath) == "ml-100k"
    r = load_movielens(zpath)
    np.testing.assert_array_equal(r.users, ml100k.users)
    np.testing.assert_array_equal(r.items, ml100k.items)
    np.testing.assert_array_equal(r.ratings, ml100k.ratings)
    assert r.titles == ml100k.titles and r.user_meta == ml100k.user_meta
    assert available_splits(r) == ["u1", "random"]
    s_zip, s_dir = split_ratings(r, "u1"), split_ratings(ml100k, "u1")
    np.testing.assert_array_equal(s_zip.test, s_dir.test)


def test_ratings_file_path_reads_its_folder(ml100k_dir, ml100k):
    r = load_movielens(ml100k_dir / "u.data")
    assert r.n_items == ml100k.n_items and r.titles == ml100k.titles


def test_bad_line_reports_file_and_line(ml100k_dir, tmp_path):
    lines = (ml100k_dir / "u.data").read_bytes().splitlines(keepends=True)[:50]
    lines[6] = b"196\t242\tthree\t881250949\n"
    (tmp_path / "u.data").write_bytes(b"".join(lines))
    with pytest.raises(DataError) as err:
        load_movielens(tmp_path)
    assert err.value.line == 7 and "three" in err.value.reason
    assert err.value.path.endswith("u.data")
    lines[6] = b"196\t242\n"
    (tmp_path / "u.data").write_bytes(b"".join(lines))
    with pytest.raises(DataError) as err:
        load_movielens(tmp_path)
    assert err.value.line == 7 and "fields" in err.value.reason


def test_latest_small_counts_and_metadata(latest_dir):
    r = load_movielens(latest_dir)
    assert r.layout == "ml-latest"
    with open(latest_dir / "movies.csv", encoding="utf-8") as fh:
        movies = list(csv.reader(fh))[1:]
    movie_ids = {m[0] for m in movies}
    with open(latest_dir / "ratings.csv", encoding="utf-8") as fh:
        rows = [row for row in list(csv.reader(fh))[1:] if row]
    # every rating of a listed movie is kept; a rating of an unlisted movie is dropped with a warning
    kept = [row for row in rows if row[1] in movie_ids]
    assert len(r) == len(kept)
    assert bool(r.warnings) == (len(kept) != len(rows))
    assert (len(r), r.n_users, r.n_items) == (100_836, 610, 9_742)
    assert set(np.unique(r.ratings).tolist()) == {x / 2 for x in range(1, 11)}
    title_row = r.item_index[movies[0][0]]
    assert r.titles[title_row] == movies[0][1]
    genres = movies[0][2].split("|")
    assert r.item_genre_text(title_row).split("|") == sorted(genres)
    quoted = next(m for m in movies if "," in m[1])
    assert r.titles[r.item_index[quoted[0]]] == quoted[1]
    assert available_splits(r) == ["random"]
    with pytest.raises(DataError, match="no official split"):
        split_ratings(r, "u1")


def test_ml1m_layout(tmp_path):
    (tmp_path / "ratings.dat").write_text("1::10::5::978300760\n1::20::3::978302109\n2::10::4::978301968\n")
    (tmp_path / "movies.dat").write_bytes("10::Caf\xe9 (1995)::Comedy|Drama\n20::Heat (1995)::Action\n"
                                          "30::Unrated (2000)::Drama\n".encode("latin-1"))
    (tmp_path / "users.dat").write_text("1::F::1::10::48067\n2::M::56::16::70072\n")
    r = load_movielens(tmp_path)
    assert r.layout == "ml-1m"
    assert (len(r), r.n_users, r.n_items) == (3, 2, 3)
    assert r.titles[r.item_index["10"]] == "Caf\xe9 (1995)"
    assert r.genre_names == ["Action", "Comedy", "Drama"]
    assert r.user_meta["occupation"] == [ML1M_OCCUPATIONS[10], ML1M_OCCUPATIONS[16]]
    assert r.user_meta["gender"] == ["F", "M"]
    assert r.item_counts().tolist() == [2, 1, 0]
    (tmp_path / "ratings.dat").write_text("1::10::5::978300760\n1::20\n")
    with pytest.raises(DataError) as err:
        load_movielens(tmp_path)
    assert err.value.line == 2


def test_generic_csv_with_column_names(tmp_path):
    p = tmp_path / "mine.csv"
    p.write_text("when,who,what,stars\n5,alice,book-a,4.5\n6,bob,book-a,2\n7,alice,book-b,3\n")
    r = load_ratings_csv(p, user_col="who", item_col="what", rating_col="stars", timestamp_col="when")
    assert r.user_ids == ["alice", "bob"] and r.item_ids == ["book-a", "book-b"]
    assert r.users.tolist() == [0, 1, 0] and r.items.tolist() == [0, 0, 1]
    assert r.ratings.tolist() == [4.5, 2.0, 3.0] and r.timestamps.tolist() == [5, 6, 7]
    plain = tmp_path / "plain.tsv"
    plain.write_text("alice\tbook-a\t4\nbob\tbook-b\t5\n")
    with pytest.raises(NeedsColumnMapping):  # not a MovieLens name: the GUI asks for the columns
        load_movielens(plain)
    g = load_movielens(plain, mapping="guess")  # positional columns, no header
    assert g.layout == "csv" and g.ratings.tolist() == [4.0, 5.0] and g.user_ids == ["alice", "bob"]
    with pytest.raises(DataError, match="no column named"):
        load_ratings_csv(p, user_col="user")
    p.write_text("u\ti\tr\n1\t2\tgood\n")
    with pytest.raises(DataError) as err:
        load_ratings_csv(p, has_header=True)
    assert err.value.line == 2


def test_missing_path_and_non_movielens_folder(tmp_path):
    with pytest.raises(DataError):
        load_movielens(tmp_path / "nope")
    with pytest.raises(DataError, match="no MovieLens ratings"):
        load_movielens(tmp_path)
