"""The fast path of the batched neighbours: worker threads, the tile plan, BLAS threads, Cancel (real GloVe)."""

from __future__ import annotations

import numpy as np
import pytest

from embexplorer.core.analysis.batch_neighbours import plan_tiles, top_k_cosine
from embexplorer.core.progress import Cancelled, TaskControl

#: Rows of the GloVe slice: several uneven blocks at the tile below.
ROWS = 1500
TILE = 256


@pytest.fixture(scope="module")
def glove_rows(glove_path):
    from embexplorer.core.data.formats import load

    return load(glove_path).vectors[:ROWS]


def brute_force64(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k sets in float64 and each row's gap between the k-th and (k+1)-th score."""
    u = x.astype(np.float64)
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    s = u @ u.T
    np.fill_diagonal(s, -np.inf)
    order = np.argsort(-s, axis=1, kind="stable")[:, :k + 1]
    top = np.take_along_axis(s, order, axis=1)
    return order[:, :k], top[:, k - 1] - top[:, k]


def test_threads_and_tiles_give_the_same_lists_as_brute_force(glove_rows):
    from threadpoolctl import threadpool_info

    bounds, pairs = plan_tiles(ROWS, 10, TILE)
    nb = len(bounds) - 1
    assert nb == 6 and sorted(pairs) == [(a, b) for a in range(nb) for b in range(a, nb)]
    assert pairs[:nb] == [(b, b) for b in range(nb)]  # the diagonal first: the first thresholds
    x = glove_rows
    k = 10
    def blas_threads() -> dict:
        return {i["filepath"]: i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}

    blas_before = blas_threads()
    one = top_k_cosine(x, k, tile=TILE, workers=1)
    two = top_k_cosine(x, k, tile=TILE, workers=2)
    after = blas_threads()
    assert all(after[lib] == threads for lib, threads in blas_before.items())  # the one-thread limit lifted
    whole = top_k_cosine(x, k, workers=2)  # one block: the diagonal tile alone
    for other in (two, whole):
        assert np.array_equal(one[0], other[0]) and np.array_equal(one[1], other[1])
    rows, scores = one
    assert rows.max() < ROWS and (rows != np.arange(ROWS)[:, None]).all()
    expected, gap = brute_force64(x, k)
    clear = gap > 1e-5  # rows without a near tie at the k-th place
    assert clear.mean() > 0.95
    same = [set(a) == set(b) for a, b in zip(rows[clear].tolist(), expected[clear].tolist())]
    assert all(same)


def test_duplicate_rows_tie_by_lower_row_across_blocks():
    # Identical directions spread over several blocks: exact ties everywhere.
    rng = np.random.default_rng(3)
    kind = rng.integers(0, 7, 700)
    x = rng.standard_normal((7, 6)).astype(np.float32)[kind]
    rows, _ = top_k_cosine(x, 5, tile=TILE, workers=2)
    for i in (0, 350, 699):
        twins = [j for j in np.flatnonzero(kind == kind[i]) if j != i]
        assert rows[i].tolist() == twins[:5], i  # gensim's scores tie exactly: lower row first
    assert np.array_equal(rows, top_k_cosine(x, 5, tile=TILE, workers=1)[0])


def test_cancel_stops_the_workers(glove_rows):
    control = TaskControl()
    control.cancel()
    with pytest.raises(Cancelled):
        top_k_cosine(glove_rows, 10, tile=TILE, workers=2, control=control)
    seen = []

    def cancel_on_first(fraction, message):
        seen.append(fraction)
        control2.cancel()

    control2 = TaskControl(cancel_on_first, min_interval=0)
    with pytest.raises(Cancelled):
        top_k_cosine(glove_rows, 10, tile=TILE, workers=2, control=control2)
    assert seen and seen[0] < 1
    control3 = TaskControl(lambda f, m: f > 0 and control3.cancel(), min_interval=0)
    with pytest.raises(Cancelled):  # cancelled while the last tiles run: no partial lists returned
        top_k_cosine(glove_rows, 10, tile=TILE, workers=2, control=control3)
    fractions = []
    top_k_cosine(glove_rows[:600], 4, tile=TILE, workers=2, control=TaskControl(
        lambda f, m: fractions.append(f), min_interval=0))
    assert fractions[-1] == 1.0 and fractions == sorted(fractions)
