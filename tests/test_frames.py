"""The frame aligner of live training scatters, on real GloVe vectors (5,050 words x 50 dims)."""

from __future__ import annotations

import numpy as np
import pytest

from embexplorer.core.analysis.frames import (
    MOVIE_FRAME_AXES,
    SCALED_MOVIE_FRAME_AXES,
    SCALED_WORD_FRAME_AXES,
    FrameAligner,
    frame_axes,
    signs_matching,
    unit_rms,
)
from embexplorer.core.analysis.pca import fit_pca
from embexplorer.core.data.formats import load

SEED = 7
#: Noise standing in for one more training epoch (GloVe entries are ~0.5 in size).
EPOCH_NOISE = 0.05
#: Components of the "finished model" PCA in the signs test.
FULL_COMPONENTS = 10
#: float32 frames: tolerance relative to a frame's spread.
RTOL = 1e-4


@pytest.fixture(scope="module")
def vectors(glove_path) -> np.ndarray:
    return load(glove_path).vectors


@pytest.fixture(scope="module")
def rng():
    return np.random.default_rng(SEED)


def _orthogonal(rng, d: int) -> np.ndarray:
    """A random d x d orthogonal matrix with a reflection (determinant -1)."""
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    if np.linalg.det(q) > 0:
        q[:, 0] = -q[:, 0]
    return q


def _turn_2d(angle: float, flip: bool) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    r = np.array([[c, -s], [s, c]])
    return r @ np.diag([-1.0, 1.0]) if flip else r


def _spread(xy: np.ndarray) -> float:
    return float(np.linalg.norm(xy))


@pytest.mark.parametrize("flip", [False, True])
def test_alignment_removes_a_random_rotation_and_flip(vectors, rng, flip):
    """The same vectors seen through a random orthogonal map come out in the previous frame's pose."""
    frames = FrameAligner()
    raw = frames.fit(vectors)
    assert raw.dtype == np.float32 and raw.flags.c_contiguous and raw.shape == (len(vectors), 2)
    turn = _turn_2d(rng.uniform(0, 2 * np.pi), flip)
    frames.previous = np.ascontiguousarray(raw @ turn, dtype=np.float32)  # the pose shown last
    mixed = (vectors.astype(np.float64) @ _orthogonal(rng, vectors.shape[1])).astype(np.float32)
    xy = frames.fit(mixed)
    np.testing.assert_allclose(xy, frames.previous, atol=RTOL * _spread(raw) / np.sqrt(len(raw)))
    assert xy.dtype == np.float32 and xy.flags.c_contiguous


def test_a_noisy_epoch_lands_close_to_the_previous_frame(vectors, rng):
    frames = FrameAligner()
    first = frames.fit(vectors)
    noisy = vectors + rng.normal(0, EPOCH_NOISE, vectors.shape).astype(np.float32)
    second = frames.fit(noisy @ _orthogonal(rng, vectors.shape[1]).astype(np.float32))
    raw = frames.pca.coords[:, :2]
    # the aligned frame is as close as any orientation of the raw PCA (here: much closer than raw)
    assert np.linalg.norm(second - first) <= np.linalg.norm(raw - first) + 1e-3
    assert np.linalg.norm(second - first) < 0.2 * _spread(first)
    # only turned: every point keeps its distance from the origin
    np.testing.assert_allclose(np.linalg.norm(second, axis=1), np.linalg.norm(raw, axis=1),
                               rtol=RTOL, atol=1e-5)
    assert frames.previous is second


def test_sign_only_alignment_keeps_the_axes(vectors, rng):
    frames = FrameAligner(rotate=False)
    raw = frames.fit(vectors)
    frames.previous = raw * np.array([-1.0, 1.0], dtype=np.float32)
    xy = frames.fit(vectors @ _orthogonal(rng, vectors.shape[1]).astype(np.float32))
    np.testing.assert_allclose(xy, frames.previous, atol=1e-3)


def test_reset_and_a_new_row_count_start_afresh(vectors):
    frames = FrameAligner()
    frames.previous = np.ones((len(vectors), 2), dtype=np.float32) * [[-5.0, 5.0]]
    frames.reset()
    assert frames.previous is None and frames.pca is None
    raw = np.ascontiguousarray(fit_pca(vectors, 2).coords[:, :2])
    np.testing.assert_array_equal(frames.fit(vectors), raw)
    fewer = frames.fit(vectors[:1000])  # other rows: nothing to align to
    np.testing.assert_array_equal(fewer, np.ascontiguousarray(fit_pca(vectors[:1000], 2).coords[:, :2]))


def test_unit_rms_scaling(vectors):
    frames = FrameAligner(scale=True)
    xy = frames.fit(vectors)
    assert float(np.sqrt(np.mean(np.sum(xy.astype(np.float64) ** 2, axis=1)))) == pytest.approx(1.0, rel=1e-5)
    # vectors that grow (a model training) give the same scaled frame
    np.testing.assert_allclose(frames.fit(vectors * 3.0), xy, atol=1e-5)
    zeros = np.zeros((4, 2), dtype=np.float32)
    out = unit_rms(zeros)
    assert out is not zeros and not out.any() and out.dtype == np.float32
    assert unit_rms(np.zeros((0, 2))).shape == (0, 2)
    twice = unit_rms(np.array([[3.0, 4.0], [0.0, 0.0]]))
    np.testing.assert_allclose(twice, [[3 / np.sqrt(12.5), 4 / np.sqrt(12.5)], [0, 0]], rtol=1e-6)


@pytest.mark.parametrize("scale", [False, True])
def test_direction_turns_with_the_frame(vectors, rng, scale):
    """A vector drawn as an arrow points where the matching row's point is, after the turn."""
    frames = FrameAligner(scale=scale)
    with pytest.raises(ValueError):
        frames.direction(vectors[0])
    raw = frames.fit(vectors)
    frames.previous = np.ascontiguousarray(raw @ _turn_2d(rng.uniform(0, 2 * np.pi), True), dtype=np.float32)
    xy = frames.fit(vectors)
    rows = np.argsort(-np.linalg.norm(xy, axis=1))[:20]  # far from the origin: a clear direction
    for i in rows:
        d = frames.direction(vectors[i].astype(np.float64) - frames.pca.mean)
        assert d.dtype == np.float32 and d.shape == (2,)
        assert np.linalg.norm(d) == pytest.approx(1.0, abs=1e-5)
        np.testing.assert_allclose(d, xy[i] / np.linalg.norm(xy[i]), atol=1e-3)
    assert not frames.direction(np.zeros(vectors.shape[1])).any()


def test_signs_matching_flips_only_what_the_last_frame_says(vectors):
    pca = fit_pca(vectors, FULL_COMPONENTS)
    last = np.ascontiguousarray(pca.coords[:, :2] * np.array([-1.0, 1.0], dtype=np.float32))
    flipped = signs_matching(pca, last)
    np.testing.assert_array_equal(flipped.coords[:, 0], -pca.coords[:, 0])
    np.testing.assert_array_equal(flipped.coords[:, 1:], pca.coords[:, 1:])
    np.testing.assert_array_equal(flipped.components[0], -pca.components[0])
    np.testing.assert_array_equal(flipped.components[1:], pca.components[1:])
    # the flipped components still project the rows onto the flipped coordinates
    np.testing.assert_allclose((vectors[:5] - pca.mean) @ flipped.components[0], flipped.coords[:5, 0],
                               atol=1e-4)
    assert flipped.coords.flags.c_contiguous and flipped.components.flags.c_contiguous
    assert signs_matching(pca, pca.coords[:, :2]) is pca  # nothing to flip
    assert signs_matching(pca, last[:10]) is pca  # another set of rows: leave it


def test_axis_titles_in_one_place():
    assert MOVIE_FRAME_AXES == ("movie factors: PC1 (aligned)", "PC2 (aligned)")
    assert SCALED_MOVIE_FRAME_AXES == ("movie factors: PC1 (aligned, scaled)", "PC2 (aligned, scaled)")
    assert SCALED_WORD_FRAME_AXES == ("word vectors: PC1 (aligned, scaled)", "PC2 (aligned, scaled)")
    assert frame_axes("user factors", scaled=False)[0] == "user factors: PC1 (aligned)"


def test_movie_frames_are_frame_aligners():
    from embexplorer.core.recommender.mf import MovieFrames

    frames = MovieFrames(top_n=300, scale=True)
    assert isinstance(frames, FrameAligner) and frames.scale and frames.top_n == 300


def test_one_dimensional_vectors_make_a_diagonal_frame():
    """A 1-factor model still gives an (n, 2) frame (its one component on both axes) and a direction."""
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(50, 1)).astype(np.float32)
    aligner = FrameAligner()
    xy = aligner.fit(vectors)
    assert xy.shape == (50, 2) and xy.dtype == np.float32 and xy.flags.c_contiguous
    np.testing.assert_array_equal(xy[:, 0], xy[:, 1])
    again = aligner.fit(vectors * 2)  # aligned to the previous frame like any other
    assert again.shape == (50, 2)
    assert aligner.direction(np.ones(1)).shape == (2,)
