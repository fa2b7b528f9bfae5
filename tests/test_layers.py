"""Overlay layers resolved through a projection (core.view.layers, core.view.projection), on real GloVe."""

from __future__ import annotations

import numpy as np
import pytest

from embexplorer.core.view.layers import DIRECTION_SHARE, Layer, LayerStyle, resolve, vector_ref
from embexplorer.core.view.projection import FrameProjection, PCAProjection, Projection

#: Components fitted (as a load does).
COMPONENTS = 10
#: Tolerance on coordinates (float32 projections of 50-d vectors).
ATOL = 1e-4
STYLE = LayerStyle((200, 30, 30))


@pytest.fixture(scope="module")
def glove(glove_path):
    from embexplorer.core.analysis.pca import fit_pca
    from embexplorer.core.data.formats import load

    emb = load(glove_path)
    return emb, fit_pca(emb.vectors, n_components=COMPONENTS)


@pytest.fixture(scope="module")
def rows(glove):
    emb, _ = glove
    return {w: emb.row(w) for w in ("man", "king", "woman", "queen", "paris", "france")}


def layer(**kw) -> Layer:
    return Layer("test.layer", "test", STYLE, **kw)


def test_pca_projection_places_rows_and_projects_vectors_like_the_fit(glove):
    emb, pca = glove
    for axes in ((0, 1), (0, 2), (4, 1), (3, 3)):
        proj = PCAProjection(pca, axes)
        assert proj.n == emb.n and proj.axes == axes and proj.kind == "pca"
        assert proj.axis_titles == (pca.axis_label(axes[0]), pca.axis_label(axes[1]))
        np.testing.assert_array_equal(proj.xy, pca.xy(*axes))
        assert proj.xy.dtype == np.float32 and proj.xy.flags.c_contiguous
        vectors = emb.vectors[[0, 17, 4000]] * np.float32(1.5)  # anything, not only rows of the set
        np.testing.assert_allclose(proj.project(vectors), pca.transform(vectors)[:, list(axes)], atol=ATOL)
    # A row's own vector lands on its point.
    proj = PCAProjection(pca, (1, 2))
    np.testing.assert_allclose(proj.project(emb.vectors[:50]), proj.xy[:50], atol=ATOL)
    # Other axes: the same fit.
    moved = proj.with_axes(2, 0)
    assert moved.pca is pca and moved.axes == (2, 0)
    np.testing.assert_array_equal(moved.xy, pca.xy(2, 0))
    with pytest.raises(IndexError):
        PCAProjection(pca, (0, COMPONENTS))


def test_rows_are_marked_at_their_points_and_rows_outside_the_set_dropped(glove, rows):
    emb, pca = glove
    proj = PCAProjection(pca)
    d = resolve(layer(rows=[rows["king"], rows["queen"], emb.n, emb.n + 7, -3]), proj)
    assert d.rows.tolist() == [rows["king"], rows["queen"]]
    assert d.xy is None and d.xy_labels == [] and d.lines is None and d.arrows is None


def test_vector_points_are_placed_by_the_projection(glove, rows):
    emb, pca = glove
    a, b, c = (emb.vectors[rows[w]] for w in ("man", "king", "woman"))
    expected = c + (b - a)
    for axes in ((0, 1), (2, 5)):
        proj = PCAProjection(pca, axes)
        d = resolve(layer(points=np.stack([expected, emb.vectors[rows["paris"]]]),
                          point_labels=("woman + (king − man)", "paris again", "no such point")), proj)
        assert d.xy.shape == (2, 2) and d.xy.dtype == np.float64
        # PCA is affine: the expected point is the parallelogram's fourth corner on any axes.
        xy = proj.xy.astype(np.float64)
        np.testing.assert_allclose(d.xy[0], xy[rows["woman"]] + xy[rows["king"]] - xy[rows["man"]], atol=ATOL)
        np.testing.assert_allclose(d.xy[1], xy[rows["paris"]], atol=ATOL)
        assert d.xy_labels == ["woman + (king − man)", "paris again"]  # one label per point


def test_lines_and_arrows_mix_rows_and_vector_references(glove, rows):
    emb, pca = glove
    proj = PCAProjection(pca, (0, 3))
    xy = proj.xy.astype(np.float64)
    a, b, c, q = (rows[w] for w in ("man", "king", "woman", "queen"))
    expected = emb.vectors[c] + emb.vectors[b] - emb.vectors[a]
    assert vector_ref(0) == -1 and vector_ref(2) == -3
    lay = layer(rows=[a, b, c, q], points=expected[None],
                lines=[[c, vector_ref(0)], [vector_ref(0), q], [a, c], [a, emb.n], [b, vector_ref(1)]],
                arrows=[[a, b], [c, q]])
    assert lay.lines.dtype == np.int64 and lay.lines.shape == (5, 2)
    # Every row referred to, marked or at a line end (vector references are not rows).
    ends = layer(rows=[a], points=expected[None], lines=[[b, vector_ref(0)]], arrows=[[c, q], [q, a]])
    assert ends.all_rows().tolist() == sorted({a, b, c, q})
    d = resolve(lay, proj)
    e = proj.project(expected[None])[0]
    # Segments in data coordinates, (k, 2, 2); ends that cannot be placed drop their segment.
    assert d.lines.shape == (3, 2, 2)
    np.testing.assert_allclose(d.lines[0], [xy[c], e], atol=ATOL)
    np.testing.assert_allclose(d.lines[1], [e, xy[q]], atol=ATOL)
    np.testing.assert_allclose(d.lines[2], [xy[a], xy[c]], atol=ATOL)
    assert d.arrows.shape == (2, 2, 2)
    np.testing.assert_allclose(d.arrows, [[xy[a], xy[b]], [xy[c], xy[q]]], atol=ATOL)
    # The layer follows the axes: the same layer on other components.
    other = PCAProjection(pca, (1, 2))
    d2 = resolve(lay, other)
    np.testing.assert_allclose(d2.lines[0, 1], other.project(expected[None])[0], atol=ATOL)
    assert not np.allclose(d2.lines[0, 1], e)


def test_a_projection_that_cannot_place_vectors_drops_them_and_their_lines(glove, rows):
    emb, pca = glove
    frame = FrameProjection(pca.xy(0, 1) * 2.0, ("frame X", "frame Y"))
    assert frame.kind == "frame" and frame.project(emb.vectors[:3]) is None
    assert frame.direction(emb.vectors[0]) is None
    lay = layer(rows=[rows["king"]], points=emb.vectors[:1], point_labels=("v",),
                lines=[[rows["king"], vector_ref(0)], [rows["king"], rows["queen"]]],
                direction=emb.vectors[rows["paris"]], direction_label="taste")
    d = resolve(lay, frame)
    assert d.rows.tolist() == [rows["king"]] and d.xy is None and d.xy_labels == []
    np.testing.assert_allclose(d.lines, [[frame.xy[rows["king"]], frame.xy[rows["queen"]]]])
    assert d.arrows is None  # no direction without a way to place it


def test_a_direction_is_an_arrow_from_the_origin_with_its_label(glove, rows):
    emb, pca = glove
    proj = PCAProjection(pca, (1, 0))
    v = emb.vectors[rows["france"]] - emb.vectors[rows["paris"]]
    lay = layer(direction=v, direction_label="user taste", arrows=[[rows["man"], rows["king"]]])
    d = resolve(lay, proj)
    # Arrows of the layer first, then the direction from (0, 0).
    assert d.arrows.shape == (2, 2, 2)
    np.testing.assert_allclose(d.arrows[0], proj.xy[[rows["man"], rows["king"]]], atol=ATOL)
    origin, tip = d.arrows[1]
    np.testing.assert_array_equal(origin, [0.0, 0.0])
    plane = pca.components[[1, 0]].astype(np.float64) @ v.astype(np.float64)
    np.testing.assert_allclose(tip / np.linalg.norm(tip), plane / np.linalg.norm(plane), atol=1e-6)
    half = 0.5 * min(np.ptp(proj.xy[:, 0]), np.ptp(proj.xy[:, 1]))
    assert np.linalg.norm(tip) == pytest.approx(DIRECTION_SHARE * half, rel=1e-5)
    # Its label sits at the tip.
    np.testing.assert_allclose(d.xy, [tip])
    assert d.xy_labels == ["user taste"]
    # A frame that knows how to map directions draws it too; a zero direction draws nothing.
    frame = FrameProjection(pca.xy(0, 1), ("X", "Y"), direction=lambda u: pca.components[:2] @ u)
    assert resolve(layer(direction=v), frame).arrows.shape == (1, 2, 2)
    assert resolve(layer(direction=np.zeros_like(v)), proj).arrows is None


def test_layers_are_replaced_whole(glove, rows):
    lay = layer(rows=[rows["king"]])
    moved = lay.replace(rows=[rows["queen"]], visible=False)
    assert lay.rows.tolist() == [rows["king"]] and lay.visible
    assert moved.rows.tolist() == [rows["queen"]] and not moved.visible and moved.name == lay.name


def test_the_base_projection_places_nothing_new():
    p = Projection(np.arange(8, dtype=np.float64).reshape(4, 2), ("a", "b"))
    assert p.n == 4 and p.xy.dtype == np.float32 and p.axis_titles == ("a", "b")
    assert p.project(np.ones((1, 3))) is None and p.direction(np.ones(3)) is None
    d = resolve(layer(rows=[1, 3], points=np.ones((1, 3)), lines=[[0, vector_ref(0)], [0, 2]]), p)
    assert d.rows.tolist() == [1, 3] and d.xy is None
    np.testing.assert_array_equal(d.lines, [[[0, 1], [4, 5]]])


def test_a_projection_refuses_coordinates_that_are_not_two_columns():
    """(n, 1) or (n, 3) coordinates are an error, never silently reshaped into other rows."""
    from embexplorer.core.view.projection import FrameProjection

    for shape in ((10, 1), (10, 3), (20,)):
        with pytest.raises(ValueError, match="expected \\(n, 2\\)"):
            FrameProjection(np.zeros(shape, dtype=np.float32), ("x", "y"))
    assert FrameProjection(np.zeros((10, 2)), ("x", "y")).n == 10


def test_captions_sit_at_the_median_of_their_rows_and_follow_the_axes(glove, rows):
    emb, pca = glove
    group = np.array([rows["paris"], rows["france"], rows["king"]])
    cap = layer(captions=(("places", group), ("nothing", np.array([10**9]))))
    for axes in ((0, 1), (2, 3)):
        proj = PCAProjection(pca, axes)
        d = resolve(cap, proj)
        assert d.xy_labels == ["places"]  # a caption of no valid row is dropped
        np.testing.assert_allclose(d.xy[0], np.median(proj.xy[group], axis=0), atol=ATOL)
