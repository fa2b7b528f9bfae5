"""Meaning-bearing axes, the analogy's own plane and projecting a direction away, on real GloVe."""

from __future__ import annotations

import numpy as np
import pytest

from embexplorer.core.analysis.analogy import solve_analogy
from embexplorer.core.analysis.axes import (
    AnalogyPlaneProjection,
    AxesProjection,
    analogy_plane,
    axes_coordinates,
    axes_projection,
    parse_direction,
    project_away,
)
from embexplorer.core.analysis.neighbours import most_similar
from embexplorer.core.data.embeddings import EmbeddingSet, MetadataColumn
from embexplorer.core.data.formats import load
from embexplorer.core.errors import DataError
from embexplorer.core.view.projection import Projection


@pytest.fixture(scope="module")
def emb(glove_path):
    return load(glove_path)


def vec(emb, word):
    return emb.vectors[emb.row(word)].astype(np.float64)


def unit(v):
    return v / np.linalg.norm(v)


def test_axes_coordinates_are_numpy_cosines_and_dot_products(emb):
    gender, royalty = vec(emb, "woman") - vec(emb, "man"), vec(emb, "king") - vec(emb, "queen")
    X = emb.vectors.astype(np.float64)
    dots = X @ np.stack([unit(gender), unit(royalty)], axis=1)
    xy, titles = axes_coordinates(emb, "woman - man", "king - queen")
    assert xy.dtype == np.float32 and xy.shape == (emb.n, 2) and xy.flags.c_contiguous
    np.testing.assert_allclose(xy, dots / np.linalg.norm(X, axis=1)[:, None], atol=2e-6)
    assert titles == ("man  ←  →  woman  (cosine)", "queen  ←  →  king  (cosine)")
    xy_dot, titles_dot = axes_coordinates(emb, "woman - man", "king - queen", measure="dot")
    np.testing.assert_allclose(xy_dot, dots, atol=1e-5)
    assert titles_dot[0].endswith("(dot)")
    # What a lecture shows: "she" is on the woman side, "he" on the man side; king above queen.
    row = emb.row
    assert xy[row("she"), 0] > 0 > xy[row("he"), 0]
    assert xy[row("king"), 1] > 0 > xy[row("queen"), 1]
    # A single word and a weighted expression are directions too.
    xy1, t1 = axes_coordinates(emb, "rich", "0.5*paris + 0.5*berlin")
    np.testing.assert_allclose(xy1[:, 0], X @ unit(vec(emb, "rich")) / np.linalg.norm(X, axis=1), atol=2e-6)
    assert t1 == ("rich  (cosine)", "0.5·paris + 0.5·berlin  (cosine)")


def test_orthogonalised_axes_are_orthogonal(emb):
    plain = axes_projection(emb, "woman - man", "king - queen")
    proj = axes_projection(emb, "woman - man", "king - queen", orthogonalise=True)
    assert isinstance(proj, Projection) and proj.kind == "axes"
    ux, uy = proj.basis
    assert abs(ux @ uy) < 1e-12 and abs(np.linalg.norm(uy) - 1) < 1e-12
    assert abs(plain.basis[0] @ plain.basis[1]) > 0.05  # the two directions share a part...
    # ...which orthogonalising removed from Y only: X is unchanged, Y is numpy's Gram-Schmidt.
    g, r = vec(emb, "woman") - vec(emb, "man"), vec(emb, "king") - vec(emb, "queen")
    want_y = unit(r - (r @ unit(g)) * unit(g))
    np.testing.assert_allclose(uy, want_y, atol=1e-12)
    np.testing.assert_allclose(proj.xy[:, 0], plain.xy[:, 0])
    X = emb.vectors.astype(np.float64)
    np.testing.assert_allclose(proj.xy[:, 1], X @ want_y / np.linalg.norm(X, axis=1), atol=2e-6)
    assert proj.axis_titles[1] == "queen  ←  →  king  (cosine, ⊥ X)"
    # Overlay layers re-project through the same map: a raw vector lands where its row is.
    rows = [emb.row(w) for w in ("nurse", "king", "she")]
    np.testing.assert_allclose(proj.project(emb.vectors[rows]), proj.xy[rows], atol=2e-6)
    d = proj.direction(g)
    assert d is not None and abs(np.linalg.norm(d) - 1) < 1e-12 and d[0] > 0.99


def test_the_analogy_plane_makes_a_parallelogram(emb):
    res = solve_analogy(emb, "man", "king", "woman")
    assert res.answer.label == "queen"
    proj = analogy_plane(emb, "man", "king", "woman", exact_rows=[res.answer.row])
    assert isinstance(proj, AnalogyPlaneProjection) and proj.axis_titles == ("man  →  king",
                                                                          "man  →  woman  (⊥ X)")
    a, b, c = (proj.xy[emb.row(w)].astype(np.float64) for w in ("man", "king", "woman"))
    d = proj.project(res.expected)[0]  # the expected point c + (b − a), as the analogy layer draws it
    scale = np.linalg.norm(b - a)
    # Opposite sides equal (as vectors: equal length and parallel) within float tolerance.
    np.testing.assert_allclose(b - a, d - c, atol=1e-5 * scale)
    np.testing.assert_allclose(c - a, d - b, atol=1e-5 * scale)
    # The picture is true to the space: a at the origin, b on X, lengths those of the vectors.
    np.testing.assert_allclose(a, 0, atol=1e-6)
    assert abs(b[1]) < 1e-6 * scale
    for (p, q), (u, v) in (((a, b), ("man", "king")), ((a, c), ("man", "woman")), ((b, c), ("king", "woman"))):
        assert abs(np.linalg.norm(p - q) - np.linalg.norm(vec(emb, u) - vec(emb, v))) < 1e-5 * scale
    # Every other row is its orthogonal projection; queen lies off the plane by what the plot cannot show.
    q = emb.row("queen")
    vq = vec(emb, "queen")
    np.testing.assert_allclose(proj.xy[q], (vq - vec(emb, "man")) @ proj.basis.T, atol=1e-5)
    inplane = np.linalg.norm(proj.xy[q] - d)
    off = proj.off_plane(vq)
    assert np.isclose(np.hypot(inplane, proj.off_plane(vq - res.expected + vec(emb, "man"))),
                      np.linalg.norm(vq - res.expected), rtol=1e-6)
    assert off > 0
    others = np.arange(0, emb.n, 97)
    np.testing.assert_allclose(proj.xy[others], proj.project(emb.vectors[others]), atol=1e-4)


def test_project_away_zeroes_the_component_and_changes_the_neighbours(emb):
    meta = {"len": MetadataColumn.numeric("len", [len(w) for w in emb.labels])}
    src = EmbeddingSet(emb.labels, emb.vectors, meta, source="glove")
    gender = parse_direction(src, "woman - man")
    before = src.vectors.copy()
    out = project_away(src, gender, source="glove (woman - man removed)")
    np.testing.assert_array_equal(src.vectors, before)  # the shown set is left alone
    assert out.labels == src.labels and out.metadata["len"] is src.metadata["len"]
    assert out.source == "glove (woman - man removed)" and out.vectors.dtype == np.float32
    comp = out.vectors.astype(np.float64) @ gender.unit
    assert np.abs(comp).max() < 1e-6 * float(np.linalg.norm(before, axis=1).max())
    # Nothing else moved: the rest of each vector is kept.
    X = before.astype(np.float64)
    np.testing.assert_allclose(out.vectors, X - np.outer(X @ gender.unit, gender.unit), atol=2e-6)
    # The neighbours of gendered words change; "man" and "woman" now differ by nothing but their
    # gender-free parts.
    for word in ("actress", "she"):
        nb_before = [n.label for n in most_similar(src, positive=[src.row(word)], topn=6)]
        nb_after = [n.label for n in most_similar(out, positive=[out.row(word)], topn=6)]
        assert nb_before != nb_after, word
    assert "sarah" in [n.label for n in most_similar(src, positive=[src.row("actress")], topn=6)]
    assert "sarah" not in [n.label for n in most_similar(out, positive=[out.row("actress")], topn=6)]
    # On the removed direction every word is now at 0; "woman - man" itself has become nothing.
    on_gender = AxesProjection(out.vectors, gender, parse_direction(src, "king - queen"), measure="dot")
    assert np.abs(on_gender.xy[:, 0]).max() < 1e-5
    with pytest.raises(DataError, match="zero vector"):
        axes_coordinates(out, "woman - man", "king - queen")


def test_expression_errors_name_the_axis_and_the_reason(emb):
    with pytest.raises(DataError, match="xyzzy") as err:
        axes_coordinates(emb, "woman - man", "king - xyzzy")
    assert err.value.path == "Y axis" and "not in the embeddings" in err.value.reason
    with pytest.raises(DataError, match="column 9") as err:
        axes_coordinates(emb, "woman - ", "king")
    assert err.value.path == "X axis"
    with pytest.raises(DataError, match="zero vector") as err:
        axes_coordinates(emb, "king", "man - man")
    assert err.value.path == "Y axis"
    with pytest.raises(DataError, match="nothing is left"):
        axes_coordinates(emb, "king", "2*king", orthogonalise=True)
    with pytest.raises(ValueError, match="measure"):
        axes_coordinates(emb, "king", "queen", measure="euclid")
    with pytest.raises(DataError, match="not in the embeddings"):
        analogy_plane(emb, "man", "xyzzy", "woman")
    with pytest.raises(DataError, match="one line"):
        analogy_plane(emb, "man", "king", "man")
    # Case-insensitive labels, as the analogy panel offers.
    xy, _ = axes_coordinates(emb, "Woman - MAN", "king", case_insensitive=True)
    np.testing.assert_array_equal(xy, axes_coordinates(emb, "woman - man", "king")[0])


def test_zero_rows_land_on_the_origin():
    emb = EmbeddingSet(["a", "b", "z"], np.array([[1, 0, 0], [0, 1, 0], [0, 0, 0]], np.float32))
    proj = AxesProjection(emb.vectors, parse_direction(emb, "a"), parse_direction(emb, "b - a"))
    np.testing.assert_allclose(proj.xy, [[1, -np.sqrt(0.5)], [0, np.sqrt(0.5)], [0, 0]], atol=1e-7)
    assert np.isfinite(proj.project(np.zeros((1, 3)))).all()
