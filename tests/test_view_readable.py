"""Qt-free parts of the readable plot (issue 13): highlight colours apart from the categories, multi-label
columns counted whole, the view range that shows every match."""

from __future__ import annotations

import numpy as np
import pytest

from embexplorer.core.data.embeddings import MetadataColumn
from embexplorer.core.view import palette
from embexplorer.core.view.multilabel import (
    derived_entries,
    derived_mapping,
    flagged_counts,
    is_multilabel,
    label_flags,
)
from embexplorer.core.view.scatter_math import range_containing


def test_every_highlight_colour_is_apart_from_every_category_colour():
    highlights = list(palette.HIGHLIGHT) + list(palette.RATING.values()) + [
        palette.NEIGHBOUR, palette.QUERY, palette.ANALOGY, palette.EXPECTED, palette.RECOMMENDED,
        palette.USER_VECTOR, palette.PCA_LOW, palette.PCA_HIGH, palette.SELECTION]
    for h in highlights:
        assert min(palette.delta_e(h, c) for c in palette.CATEGORICAL) >= palette.HIGHLIGHT_MIN_DELTA_E, h
    # The old neighbour green was the categorical green itself: the measure sees that.
    assert palette.delta_e((44, 160, 44), palette.CATEGORICAL[2]) < 1


def _ml100k_genres(ml100k_dir):
    genres = [line.split("|")[0] for line in (ml100k_dir / "u.genre").read_text("latin-1").splitlines()
              if line.strip()]
    values, flags = [], []
    for line in (ml100k_dir / "u.item").read_text("latin-1").splitlines():
        f = [int(v) for v in line.split("|")[-len(genres):]]
        flags.append(f)
        values.append("|".join(g for g, on in zip(genres, f) if on))
    return genres, np.array(flags, dtype=bool), values


def test_a_multilabel_column_counts_every_flagged_movie(ml100k_dir):
    genres, flags, values = _ml100k_genres(ml100k_dir)
    column = MetadataColumn.categorical("genres", values)
    assert is_multilabel(column) and not is_multilabel(MetadataColumn.categorical("genre", genres))
    names, got = label_flags(column)
    for name, col in zip(names, got.T):
        assert col.sum() == flags[:, genres.index(name)].sum(), name
    entries = derived_entries("genres", column)
    assert entries[0] == "genres: count" and "genres: Romance" in entries
    romance = derived_mapping("genres: Romance", {"genres": column})
    n = int(flags[:, genres.index("Romance")].sum())
    assert romance.names == ["Romance", "not Romance"] and romance.counts.tolist() == [n, len(values) - n]
    assert n > 200  # not the handful whose first listed genre is Romance
    counts = derived_mapping("genres: count", {"genres": column})
    assert counts.counts.sum() == len(values) and counts.names[0].startswith("1 genre")
    assert derived_mapping("genres: Nope", {"genres": column}) is None
    # The column of first listed genres beside it: its legend says how many carry each genre at all.
    first = MetadataColumn.categorical("genre", [v.split("|")[0] for v in values])
    flagged = flagged_counts(first.categories, {"genre": first, "genres": column})
    assert flagged["Romance"] == n > int((np.asarray(first.categories)[first.codes] == "Romance").sum())


def test_the_view_moves_only_when_a_match_is_out_of_it():
    full = (0.0, 10.0, 0.0, 10.0)
    pts = np.array([[1.0, 1.0], [2.0, 3.0]])
    assert range_containing(pts, ((0.0, 5.0), (0.0, 5.0)), full) is None
    x0, x1, y0, y1 = range_containing(np.array([[1.0, 1.0], [9.0, 8.0]]), ((0.0, 5.0), (0.0, 5.0)), full)
    assert x0 < 1 and x1 > 9 and y0 < 1 and y1 > 8
    # One match far away: a small neighbourhood around it, not the whole set, not a pin-point.
    x0, x1, y0, y1 = range_containing(np.array([[7.0, 7.0]]), ((0.0, 1.0), (0.0, 1.0)), full)
    assert x0 < 7 < x1 and 0.5 < x1 - x0 < 5
    assert range_containing(np.array([[np.nan, 1.0]]), ((0.0, 1.0), (0.0, 1.0)), full) is None


@pytest.mark.parametrize("count", [0, 1])
def test_no_labels_no_entries(count):
    column = MetadataColumn.categorical("tags", ["a"] * count)
    assert not is_multilabel(column)


def test_small_categories_are_drawn_last_over_the_grey_rest():
    from embexplorer.core.view.scatter_math import categorical_colors, draw_order

    # 4,729 "other" words, 21 capitals and 12 months (the counts), interleaved.
    values = ["other"] * 4729 + ["capital"] * 21 + ["month"] * 12
    rng = np.random.default_rng(0)
    values = [values[i] for i in rng.permutation(len(values))]
    column = MetadataColumn.categorical("kind", values)
    mapping = categorical_colors(column.codes, column.categories, max_colors=2)  # "month" joins "(other)"
    order = draw_order(mapping)
    drawn = [values[r] for r in order]
    assert sorted(order.tolist()) == list(range(len(values)))
    # The grey rest first, then the larger named category, the smaller named one last (on top).
    assert drawn[-21:] == ["capital"] * 21 and set(drawn[:4729 + 12]) == {"other", "month"}
    mapping = categorical_colors(column.codes, column.categories)
    drawn = [values[r] for r in draw_order(mapping)]
    assert drawn[-12:] == ["month"] * 12 and drawn[:4729] == ["other"] * 4729


def test_numeric_colours_state_their_clip_and_stay_readable_on_white_and_dark():
    from embexplorer.core.view.scatter_math import ROBUST_CLIP, numeric_colors, numeric_lut

    lut = numeric_lut()
    for rgb in lut[:: len(lut) // 8]:
        rgb = tuple(int(v) for v in rgb)
        assert palette.delta_e(rgb, (255, 255, 255)) > 35 and palette.delta_e(rgb, (27, 29, 33)) > 35, rgb
    # Short tails: the full range, nothing clipped.
    m = numeric_colors(np.linspace(0.0, 1.0, 1001))
    assert not m.clipped and (m.vmin, m.vmax) == (0.0, 1.0) == (m.data_min, m.data_max)
    # One far outlier: the robust clip, said as such, with the full range kept for the legend.
    values = np.r_[np.linspace(0.0, 1.0, 1000), 100.0]
    m = numeric_colors(values)
    assert m.clipped and m.vmax == pytest.approx(np.percentile(values, ROBUST_CLIP[1]))
    assert (m.data_min, m.data_max) == (0.0, 100.0)
