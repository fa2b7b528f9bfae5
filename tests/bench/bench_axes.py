"""Meaning-bearing axes and the analogy's plane: ours beside the floor, one pair of ``X @ v`` products.

Data: 1,000,000 x 300 seeded float32 vectors (a low-rank signal plus noise, like word vectors).
Each method places every row against two directions, which cannot cost less than reading the
matrix once: the floor is one ``X @ v`` GEMV pair on the same matrix (numpy, the same BLAS).
Runs alternate (floor, ours, floor, ours...) so machine load hits both alike; medians and minima
are printed side by side.  Timed:

* axes, cosine: :class:`AxesProjection` with the set's cached row norms (what the GUI does);
* axes, cosine, norms not cached: the norms computed from each block too (reported, not held to the bar:
  not a path the app takes, which computes a set's norms in the background when it opens it);
* axes, dot product;
* the analogy's plane (:class:`AnalogyPlaneProjection`, its three words placed in float64 too);
* project away (a new matrix written: reported, not held to the 100 ms bar).

The issue's bar: axes and analogy-plane projection of 1,000,000 x 300 in at most 100 ms.

    python -m tests.bench.bench_axes [--quick] [--rows N] [--dims D] [--repeats R]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

DEFAULT_ROWS = 1_000_000
QUICK_ROWS = 200_000
DEFAULT_DIMS = 300
DEFAULT_REPEATS = 9
QUICK_REPEATS = 5
SIGNAL_RANK = 50
SEED = 14
#: The issue's bar (ms) at 1,000,000 x 300.
TARGET_MS = 100.0
#: Runs reported beside the others but not held to the bar (not what the app does; see the docstring).
REPORTED = ("axes, cosine, norms not cached",)


def make_vectors(n: int, d: int, seed: int = SEED) -> np.ndarray:
    """Seeded float32 (n, d): rank-``SIGNAL_RANK`` signal plus isotropic noise and an offset."""
    rng = np.random.default_rng(seed)
    basis = rng.standard_normal((SIGNAL_RANK, d), dtype=np.float32)
    X = np.empty((n, d), np.float32)
    step = 100_000  # built in blocks: no (n, d) float64 temporaries
    for s in range(0, n, step):
        m = min(step, n - s)
        X[s:s + m] = rng.standard_normal((m, SIGNAL_RANK), dtype=np.float32) @ basis \
            / np.float32(np.sqrt(SIGNAL_RANK))
        X[s:s + m] += 0.5 * rng.standard_normal((m, d), dtype=np.float32)
    X += 0.3 * rng.standard_normal(d, dtype=np.float32)
    return X


def _ms(func) -> float:
    t = time.perf_counter()
    func()
    return 1e3 * (time.perf_counter() - t)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help=f"smoke run: {QUICK_ROWS:,} rows, {QUICK_REPEATS} runs")
    p.add_argument("--rows", type=int)
    p.add_argument("--dims", type=int, default=DEFAULT_DIMS)
    p.add_argument("--repeats", type=int)
    args = p.parse_args(argv)
    n = args.rows or (QUICK_ROWS if args.quick else DEFAULT_ROWS)
    repeats = args.repeats or (QUICK_REPEATS if args.quick else DEFAULT_REPEATS)

    from embexplorer.core.analysis.analogy import Term
    from embexplorer.core.analysis.axes import (
        AnalogyPlaneProjection,
        AxesProjection,
        Direction,
        place,
        project_away,
    )
    from embexplorer.core.data.embeddings import EmbeddingSet

    t = time.perf_counter()
    X = make_vectors(n, args.dims)
    labels = [f"w{i}" for i in range(n)]
    emb = EmbeddingSet(labels, X)
    print(f"data: {n:,} x {args.dims} float32 ({X.nbytes / 1e6:.0f} MB), built in "
          f"{time.perf_counter() - t:.1f} s; {repeats} alternating runs each")

    # Directions as the GUI makes them: differences of two rows.
    def direction(i: int, j: int) -> Direction:
        vec = X[i].astype(np.float64) - X[j]
        return Direction(f"w{i} - w{j}", (Term(f"w{i}", 1.0), Term(f"w{j}", -1.0)), (i, j), vec)

    dx, dy = direction(1, 2), direction(3, 4)
    v1, v2 = dx.unit.astype(np.float32), dy.unit.astype(np.float32)
    cold_ms = _ms(lambda: place(X, np.stack([dx.unit, dy.unit]), "cosine"))  # norms from the blocks
    norms_ms = _ms(lambda: emb.norms)  # cached from now on (the neighbours use them too)

    runs = {
        "floor: X @ v1, X @ v2 (GEMV pair)": lambda: (X @ v1, X @ v2),
        "axes, cosine (cached norms)": lambda: AxesProjection(X, dx, dy, norms=emb.norms),
        "axes, cosine, orthogonalised": lambda: AxesProjection(X, dx, dy, norms=emb.norms, orthogonalise=True),
        "axes, dot product": lambda: AxesProjection(X, dx, dy, measure="dot"),
        "axes, cosine, norms not cached": lambda: place(X, np.stack([dx.unit, dy.unit]), "cosine"),
        "analogy plane (a, b, c rows 1, 2, 3)": lambda: AnalogyPlaneProjection(X, (1, 2, 3), ("a", "b", "c")),
    }
    for func in runs.values():  # warm-up
        func()
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(repeats):
        for name, func in runs.items():
            times[name].append(_ms(func))

    # Correctness beside speed: the coordinates are the numpy ones.
    ref = np.stack([X @ v1, X @ v2], axis=1) / emb.norms[:, None]
    got = AxesProjection(X, dx, dy, norms=emb.norms).xy
    err = float(np.abs(got - ref).max())

    floor = statistics.median(times["floor: X @ v1, X @ v2 (GEMV pair)"])
    print(f"{'':40s} {'median':>9s} {'min':>9s} {'/ floor':>8s}")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"  {name:38s} {med:7.1f} ms {min(ts):7.1f} ms {med / floor:7.2f}x")
    print(f"first cosine placement of a set, its norms computed on the way: {cold_ms:.0f} ms "
          f"(emb.norms alone: {norms_ms:.0f} ms)")
    away_ms = _ms(lambda: project_away(emb, dx))
    print(f"project away (a new {X.nbytes / 1e6:.0f} MB matrix, 2 passes): {away_ms:.0f} ms")
    print(f"largest difference from numpy's coordinates: {err:.2e}")
    if n == DEFAULT_ROWS and args.dims == DEFAULT_DIMS:
        worst = max(statistics.median(times[k]) for k in runs if not k.startswith("floor") and k not in REPORTED)
        verdict = "meets" if worst <= TARGET_MS else "MISSES"
        print(f"target <= {TARGET_MS:.0f} ms at 1,000,000 x 300: {verdict} (slowest of ours {worst:.0f} ms, "
              f"floor {floor:.0f} ms on this machine now)")
    return 0 if err < 1e-5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
