"""Exact PCA (against scikit-learn and a float64 SVD) and Procrustes frame alignment."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.decomposition import PCA

from embexplorer.core.analysis import pca as pca_mod
from embexplorer.core.analysis.pca import PCAResult, align_frame, fit_pca
from embexplorer.core.errors import DataError
from embexplorer.core.progress import Cancelled, TaskControl

SEED = 20261130


def _load_glove(path) -> np.ndarray:
    """The GloVe text file as a float32 matrix (labels are not needed here)."""
    with open(path, encoding="utf-8") as fh:
        rows = [line.rstrip("\n").split(" ")[1:] for line in fh]
    return np.asarray(rows, dtype=np.float32)


@pytest.fixture(scope="module")
def glove(glove_path) -> np.ndarray:
    return _load_glove(glove_path)


def _reference(X: np.ndarray, k: int):
    """Exact PCA in float64 by SVD of the centred matrix: (components, variance, ratio, coords)."""
    X = np.asarray(X, dtype=np.float64)
    xc = X - X.mean(axis=0)
    _, s, vt = np.linalg.svd(xc, full_matrices=False)
    var = s ** 2 / max(X.shape[0] - 1, 1)
    return vt[:k], var[:k], var[:k] / var.sum(), xc @ vt[:k].T


def _signs_to(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Column signs that make a's columns best match b's (for comparisons up to sign)."""
    return np.where(np.sum(a * b, axis=0) < 0, -1.0, 1.0)


def _random_low_rank(n, d, rank=8, offset=0.0, seed=SEED) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scales = np.geomspace(10.0, 1.0, rank)
    X = (rng.standard_normal((n, rank)) * scales) @ rng.standard_normal((rank, d))
    X += 0.3 * rng.standard_normal((n, d)) + offset
    return X.astype(np.float32)


def _tiny_blocks(monkeypatch) -> None:
    """Force MIN_BLOCK_ROWS-row blocks in every pass (many blocks on a small file)."""
    monkeypatch.setattr(pca_mod, "BLOCK_BYTES", 1)
    monkeypatch.setattr(pca_mod, "DIRECT_BLOCK_BYTES", 1)
    monkeypatch.setattr(pca_mod, "PROJECT_BLOCK_ROWS", pca_mod.MIN_BLOCK_ROWS)


def _assert_close_to_reference(res: PCAResult, X: np.ndarray, rtol_ratio=1e-4, coord_tol=1e-4):
    k = res.n_components
    comps, var, ratio, coords = _reference(X, k)
    np.testing.assert_allclose(res.explained_variance_ratio, ratio, rtol=rtol_ratio, atol=1e-7)
    np.testing.assert_allclose(res.explained_variance, var, rtol=rtol_ratio, atol=1e-7 * var[0])
    signs = _signs_to(res.components.T, comps.T)
    np.testing.assert_allclose(res.components * signs[:, None], comps, atol=1e-3)
    scale = np.abs(coords).max()
    np.testing.assert_allclose(res.coords * signs, coords, atol=coord_tol * scale)
    np.testing.assert_allclose(res.mean, X.astype(np.float64).mean(axis=0), atol=1e-5 * (1 + np.abs(X).max()))


# ----------------------------------------------------------------------------- accuracy

def test_glove_matches_sklearn_and_exact_svd(glove):
    res = fit_pca(glove, n_components=10)
    assert res.coords.shape == (glove.shape[0], 10)
    assert res.coords.dtype == np.float32 and res.coords.flags.c_contiguous
    assert res.components.dtype == np.float32 and res.mean.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(res.components, axis=1), 1.0, atol=1e-5)
    sk = PCA(n_components=10).fit(glove)
    sk_coords = sk.transform(glove)
    np.testing.assert_allclose(res.explained_variance_ratio, sk.explained_variance_ratio_, rtol=1e-4)
    np.testing.assert_allclose(res.explained_variance, sk.explained_variance_, rtol=1e-4)
    signs = _signs_to(res.coords, sk_coords)
    np.testing.assert_allclose(res.coords * signs, sk_coords, atol=1e-4 * np.abs(sk_coords).max())
    _assert_close_to_reference(res, glove)


def test_random_matches_sklearn_full_solver():
    X = _random_low_rank(3000, 40)
    res = fit_pca(X, n_components=6)
    sk = PCA(n_components=6, svd_solver="full").fit(X.astype(np.float64))
    np.testing.assert_allclose(res.explained_variance_ratio, sk.explained_variance_ratio_, rtol=1e-4)
    sk_coords = sk.transform(X.astype(np.float64))
    signs = _signs_to(res.coords, sk_coords)
    np.testing.assert_allclose(res.coords * signs, sk_coords, atol=1e-4 * np.abs(sk_coords).max())
    _assert_close_to_reference(res, X)


def test_ratios_are_of_total_variance_over_all_dims(glove):
    res = fit_pca(glove, n_components=3)
    total = glove.astype(np.float64).var(axis=0, ddof=1).sum()
    np.testing.assert_allclose(res.total_variance, total, rtol=1e-5)
    np.testing.assert_allclose(res.explained_variance_ratio, res.explained_variance / total, rtol=1e-6)
    assert res.explained_variance_ratio.sum() < 1.0
    full = fit_pca(glove, n_components=glove.shape[1])
    np.testing.assert_allclose(full.explained_variance_ratio.sum(), 1.0, rtol=1e-5)
    assert np.all(np.diff(full.explained_variance) <= 0)


def test_large_offset_stays_exact():
    # A mean far larger than the spread: the naive X.T @ X - n m m.T loses everything in float32.
    X = _random_low_rank(5000, 30, offset=1000.0)
    res = fit_pca(X, n_components=5)
    _assert_close_to_reference(res, X, rtol_ratio=1e-3, coord_tol=1e-3)


@pytest.mark.parametrize("offset", [0.0, 40.0])  # raw-rows path and shifted path
def test_many_blocks_equal_one_block(monkeypatch, glove, offset):
    X = glove + np.float32(offset)
    whole = fit_pca(X, n_components=5)
    _tiny_blocks(monkeypatch)
    chunked = fit_pca(X, n_components=5)
    assert glove.shape[0] > 10 * pca_mod.MIN_BLOCK_ROWS
    np.testing.assert_allclose(chunked.components, whole.components, atol=1e-5)
    np.testing.assert_allclose(chunked.coords, whole.coords, atol=1e-4)
    np.testing.assert_allclose(chunked.explained_variance_ratio, whole.explained_variance_ratio, rtol=1e-5)


def test_translation_invariance(glove):
    # PCA ignores a constant offset; the offset data takes the shifted (centring) path.
    a = fit_pca(glove, n_components=5)
    b = fit_pca(glove + np.linspace(-30, 30, glove.shape[1], dtype=np.float32), n_components=5)
    np.testing.assert_allclose(b.components, a.components, atol=2e-4)
    np.testing.assert_allclose(b.coords, a.coords, atol=2e-4 * np.abs(a.coords).max())
    np.testing.assert_allclose(b.explained_variance_ratio, a.explained_variance_ratio, rtol=1e-4)


@pytest.mark.parametrize("shape", [(60, 120), (400, 120)])  # fewer rows than dims, and more (QR first)
def test_wide_data_uses_exact_svd(monkeypatch, shape):
    X = _random_low_rank(*shape, seed=SEED + 1)
    monkeypatch.setattr(pca_mod, "COVARIANCE_MAX_DIMS", 100)
    res = fit_pca(X, n_components=5)
    _assert_close_to_reference(res, X)
    top = res.components[np.arange(5), np.argmax(np.abs(res.components), axis=1)]
    assert np.all(top > 0)
    monkeypatch.undo()
    via_cov = fit_pca(X, n_components=5)  # the covariance route agrees, signs included
    np.testing.assert_allclose(via_cov.coords, res.coords, atol=1e-3 * np.abs(res.coords).max())
    np.testing.assert_allclose(via_cov.components, res.components, atol=1e-4)
    np.testing.assert_allclose(via_cov.explained_variance_ratio, res.explained_variance_ratio, rtol=1e-4)


def test_top_eigenpairs_both_routes_agree(monkeypatch, glove):
    a = fit_pca(glove, n_components=6)
    monkeypatch.setattr(pca_mod, "EIGH_SUBSET_MIN_DIMS", 2)  # scipy's subset solver on d = 50
    b = fit_pca(glove, n_components=6)
    np.testing.assert_allclose(b.components, a.components, atol=1e-5)
    np.testing.assert_allclose(b.explained_variance, a.explained_variance, rtol=1e-9)
    np.testing.assert_allclose(b.coords, a.coords, atol=1e-5 * np.abs(a.coords).max())


# ----------------------------------------------------------------------------- signs

def test_sign_rule_and_rerun_identical(glove):
    a = fit_pca(glove, n_components=10)
    b = fit_pca(glove.copy(), n_components=10)
    np.testing.assert_array_equal(a.coords, b.coords)
    np.testing.assert_array_equal(a.components, b.components)
    top = a.components[np.arange(10), np.argmax(np.abs(a.components), axis=1)]
    assert np.all(top > 0)


def test_row_permutation_does_not_flip_the_picture(glove):
    rng = np.random.default_rng(SEED)
    perm = rng.permutation(glove.shape[0])
    a = fit_pca(glove, n_components=10)
    b = fit_pca(glove[perm], n_components=10)
    # Compared WITHOUT sign correction: the same data in another order must give the same frame.
    np.testing.assert_allclose(b.components, a.components, atol=1e-4)
    np.testing.assert_allclose(b.coords, a.coords[perm], atol=1e-4 * np.abs(a.coords).max())


def test_negated_data_keeps_sign_rule(glove):
    # Negating the data negates every eigenvector LAPACK could return; the rule must still hold.
    res = fit_pca(-glove, n_components=5)
    top = res.components[np.arange(5), np.argmax(np.abs(res.components), axis=1)]
    assert np.all(top > 0)
    ref = fit_pca(glove, n_components=5)
    np.testing.assert_allclose(res.components, ref.components, atol=1e-5)
    np.testing.assert_allclose(res.coords, -ref.coords, atol=1e-4 * np.abs(ref.coords).max())


# ----------------------------------------------------------------------------- edge cases

def test_single_row():
    X = np.array([[1.0, 2.0, 3.0]], dtype=np.float32)
    res = fit_pca(X, n_components=10)
    assert res.n_components == 1
    assert res.coords.shape == (1, 1)
    np.testing.assert_array_equal(res.coords, 0.0)
    np.testing.assert_array_equal(res.explained_variance_ratio, 0.0)
    np.testing.assert_allclose(res.mean, X[0])
    assert res.axis_label(0) == "PC1 (0.0 %)"


def test_fewer_rows_than_dims():
    X = _random_low_rank(5, 20, rank=3, seed=SEED + 2)
    res = fit_pca(X, n_components=10)
    assert res.n_components == 5 and res.coords.shape == (5, 5)
    _, _, ratio, _ = _reference(X, 5)
    np.testing.assert_allclose(res.explained_variance_ratio, ratio, rtol=1e-4, atol=1e-6)
    # Five centred points span at most four dimensions.
    assert res.explained_variance_ratio[-1] < 1e-5
    np.testing.assert_allclose(res.explained_variance_ratio[:4].sum(), 1.0, rtol=1e-5)


def test_constant_data_has_zero_ratios_and_no_nan():
    X = np.full((50, 4), 7.5, dtype=np.float32)
    res = fit_pca(X, n_components=3)
    assert res.n_components == 3
    for arr in (res.coords, res.components, res.explained_variance, res.explained_variance_ratio):
        assert np.all(np.isfinite(arr))
    np.testing.assert_array_equal(res.explained_variance_ratio, 0.0)
    np.testing.assert_array_equal(res.coords, 0.0)
    np.testing.assert_allclose(np.linalg.norm(res.components, axis=1), 1.0, atol=1e-6)
    assert res.axis_label(2) == "PC3 (0.0 %)"


def test_k_is_min_of_request_dims_and_rows(glove):
    assert fit_pca(glove[:100], n_components=80).n_components == 50
    assert fit_pca(glove[:7], n_components=10).n_components == 7
    assert fit_pca(glove, n_components=2).n_components == 2


def test_bad_input():
    with pytest.raises(ValueError):
        fit_pca(np.zeros((0, 3), dtype=np.float32))
    with pytest.raises(ValueError):
        fit_pca(np.zeros(5, dtype=np.float32))
    with pytest.raises(ValueError):
        fit_pca(np.ones((4, 3), dtype=np.float32), n_components=0)
    X = _random_low_rank(100, 5)
    X[17, 2] = np.nan
    with pytest.raises(DataError, match="NaN"):
        fit_pca(X)
    X[17, 2] = np.inf
    with pytest.raises(DataError, match="NaN or infinite"):
        fit_pca(X)
    with pytest.raises(DataError):
        fit_pca(np.where(np.isfinite(X), X, np.nan).astype(np.float64), n_components=2)


# ----------------------------------------------------------------------------- input kinds

def test_float64_noncontiguous_and_memmap_inputs(tmp_path, glove):
    ref = fit_pca(glove, n_components=5)
    tol = 1e-4 * np.abs(ref.coords).max()
    variants = {
        "float64": glove.astype(np.float64),
        "fortran": np.asfortranarray(glove),
        "strided": np.repeat(glove, 2, axis=1)[:, ::2],
    }
    path = tmp_path / "glove.f32"
    glove.tofile(path)
    variants["memmap-readonly"] = np.memmap(path, dtype=np.float32, mode="r", shape=glove.shape)
    for name, X in variants.items():
        res = fit_pca(X, n_components=5)
        assert type(res.coords) is np.ndarray, name
        assert res.coords.dtype == np.float32 and res.coords.flags.c_contiguous, name
        np.testing.assert_allclose(res.coords, ref.coords, atol=tol, err_msg=name)
        np.testing.assert_allclose(res.components, ref.components, atol=1e-5, err_msg=name)
    assert not variants["memmap-readonly"].flags.writeable


def test_integer_input():
    X = np.arange(60, dtype=np.int64).reshape(20, 3) % 7
    res = fit_pca(X, n_components=2)
    _assert_close_to_reference(res, X.astype(np.float32))


# ----------------------------------------------------------------------------- result helpers

def test_axis_label_xy_and_transform(glove):
    res = fit_pca(glove, n_components=4)
    pct = 100 * res.explained_variance_ratio[0]
    assert res.axis_label(0) == f"PC1 ({pct:.1f} %)"
    assert res.axis_label(3).startswith("PC4 (")
    with pytest.raises(IndexError):
        res.axis_label(4)
    xy = res.xy(2, 0)
    assert xy.shape == (glove.shape[0], 2) and xy.dtype == np.float32 and xy.flags.c_contiguous
    np.testing.assert_array_equal(xy[:, 0], res.coords[:, 2])
    np.testing.assert_array_equal(xy[:, 1], res.coords[:, 0])
    with pytest.raises(IndexError):
        res.xy(0, 4)
    t = res.transform(glove[:300])
    assert t.shape == (300, 4) and t.dtype == np.float32
    np.testing.assert_allclose(t, res.coords[:300], atol=1e-5 * np.abs(res.coords).max())
    with pytest.raises(ValueError):
        res.transform(glove[:3, :10])


# ----------------------------------------------------------------------------- progress and cancel

def test_progress_reaches_one_and_is_monotonic(monkeypatch, glove):
    _tiny_blocks(monkeypatch)
    seen = []
    fit_pca(glove, control=TaskControl(lambda f, m: seen.append((f, m)), min_interval=0.0))
    fractions = [f for f, _ in seen]
    assert len(fractions) > 10
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(b >= a for a, b in zip(fractions, fractions[1:]))
    assert any("PCA" in m for _, m in seen)


def test_cancel_between_blocks(monkeypatch, glove):
    _tiny_blocks(monkeypatch)
    calls = []

    def on_progress(fraction, message):
        calls.append(fraction)
        if len(calls) == 3:  # cancel mid-way through the covariance pass
            control.cancel()

    control = TaskControl(on_progress, min_interval=0.0)
    with pytest.raises(Cancelled):
        fit_pca(glove, control=control)
    assert max(calls) < pca_mod.COVARIANCE_PROGRESS_SHARE


# ----------------------------------------------------------------------------- align_frame

def _rot(theta: float) -> np.ndarray:
    return np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])


@pytest.mark.parametrize("transform", [
    _rot(0.7),
    np.diag([1.0, -1.0]),                  # one axis flipped
    np.array([[0.0, 1.0], [1.0, 0.0]]),    # PC1 and PC2 swapped (a reflection)
    _rot(2.5) @ np.diag([-1.0, 1.0]),      # rotation and reflection
])
def test_align_undoes_rotation_and_reflection(glove, transform):
    prev = fit_pca(glove, n_components=2).xy(0, 1)
    moved = (prev.astype(np.float64) @ transform).astype(np.float32)
    aligned = align_frame(prev, moved)
    assert aligned.dtype == np.float32 and aligned.flags.c_contiguous and aligned.shape == prev.shape
    np.testing.assert_allclose(aligned, prev, atol=1e-5 * np.abs(prev).max())


def test_align_after_retraining_like_change(glove):
    # A "next epoch": the vectors move a little and the new PCA comes out flipped.
    rng = np.random.default_rng(SEED)
    prev = fit_pca(glove, n_components=2).xy()
    noisy = glove + 0.05 * rng.standard_normal(glove.shape).astype(np.float32)
    new = fit_pca(noisy, n_components=2).xy() * np.array([-1.0, 1.0], dtype=np.float32)
    aligned = align_frame(prev, new)
    before = np.linalg.norm(new - prev)
    after = np.linalg.norm(aligned - prev)
    assert after < 0.1 * before
    assert after < 0.05 * np.linalg.norm(prev)
    # Orthogonal: every point keeps its distance to the origin and to the others.
    np.testing.assert_allclose(np.linalg.norm(aligned, axis=1), np.linalg.norm(new, axis=1), rtol=1e-4,
                               atol=1e-5)


def test_align_noise_only_stays_close():
    rng = np.random.default_rng(SEED)
    prev = rng.standard_normal((500, 2)).astype(np.float32) * np.array([3.0, 1.0], dtype=np.float32)
    new = prev + 0.01 * rng.standard_normal(prev.shape).astype(np.float32)
    aligned = align_frame(prev, new)
    assert np.linalg.norm(aligned - prev) <= np.linalg.norm(new - prev) + 1e-6
    np.testing.assert_allclose(aligned, new, atol=0.05)  # no spurious turn


def test_align_signs_only_keeps_axes():
    rng = np.random.default_rng(SEED)
    prev = rng.standard_normal((200, 2)) * [4.0, 1.0]
    new = prev @ _rot(0.2) * [-1.0, 1.0]  # turned a little and x flipped
    aligned = align_frame(prev, new, rotate=False)
    np.testing.assert_allclose(aligned, new * [-1.0, 1.0], rtol=1e-6, atol=1e-6)  # only the flip undone
    full = align_frame(prev, new)
    np.testing.assert_allclose(full, prev, atol=1e-5)


def test_align_weights_ignore_zero_weight_points():
    rng = np.random.default_rng(SEED)
    prev = rng.standard_normal((300, 2))
    new = prev @ _rot(1.1)
    new[:100] = rng.standard_normal((100, 2)) * 20  # these points moved wildly
    w = np.ones(300)
    w[:100] = 0.0
    aligned = align_frame(prev, new, weights=w)
    np.testing.assert_allclose(aligned[100:], prev[100:], atol=1e-5)
    unweighted = align_frame(prev, new)
    assert np.abs(unweighted[100:] - prev[100:]).max() > 1e-2


def test_align_degenerate_and_bad_input():
    zeros = np.zeros((10, 2), dtype=np.float32)
    xy = np.arange(20, dtype=np.float32).reshape(10, 2)
    np.testing.assert_array_equal(align_frame(zeros, xy), xy)
    np.testing.assert_array_equal(align_frame(xy, xy, weights=np.zeros(10)), xy)
    out = align_frame(xy, xy)
    assert out is not xy
    tiny = xy * np.float32(1e-9)  # small coordinates are still aligned, not mistaken for "no data"
    np.testing.assert_allclose(align_frame(tiny, -tiny), tiny, rtol=1e-5, atol=1e-15)
    with pytest.raises(ValueError):
        align_frame(xy, xy[:5])
    with pytest.raises(ValueError):
        align_frame(xy, xy, weights=np.ones(3))
    with pytest.raises(ValueError):
        align_frame(xy, xy, weights=-np.ones(10))


@settings(max_examples=60, deadline=None)
@given(theta=st.floats(-np.pi, np.pi), reflect=st.booleans(), seed=st.integers(0, 2**32 - 1),
       n=st.integers(3, 60), m=st.integers(2, 4))
def test_align_recovers_any_orthogonal_map(theta, reflect, seed, n, m):
    rng = np.random.default_rng(seed)
    prev = rng.standard_normal((n, m))
    # Random orthogonal map: QR of a random matrix, plus a planar rotation and maybe a reflection.
    q, _ = np.linalg.qr(rng.standard_normal((m, m)))
    r = np.eye(m)
    r[:2, :2] = _rot(theta)
    if reflect:
        r[:, 0] *= -1
    new = prev @ (q @ r)
    aligned = align_frame(prev, new)
    # Full-rank prev determines the map uniquely, so alignment must be exact.
    if np.linalg.matrix_rank(prev, tol=1e-6) == m:
        np.testing.assert_allclose(aligned, prev, atol=1e-4 * (1 + np.abs(prev).max()))
    np.testing.assert_allclose(np.linalg.norm(aligned, axis=1), np.linalg.norm(new, axis=1), rtol=1e-4,
                               atol=1e-5)
