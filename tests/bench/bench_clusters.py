"""Regions: k-means through the app's path vs scikit-learn's ``KMeans`` alone, side by side.

Data: N x 300 seeded float32 vectors (a low-rank signal plus noise).  The app's path is
:func:`embexplorer.core.analysis.clusters.find_regions` (scikit-learn's ``KMeans`` with the same
seed, plus naming every cluster and building the categorical column); the peer is
``KMeans(10, random_state=seed, n_init="auto").fit(X)``.  Runs alternate (peer, ours, peer, ours)
so machine load hits both alike; the labels must be identical.

    python -m tests.bench.bench_clusters [--quick] [--rows N] [--repeats R]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from tests.bench.bench_compare import make_space

DEFAULT_ROWS = 400_000
QUICK_ROWS = 40_000
DIMS = 300
CLUSTERS = 10
SEED = 3
DEFAULT_REPEATS = 2
#: The issue's bar: the app's path within this factor of scikit-learn's own time.
TARGET_RATIO = 1.2


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS:,} rows")
    p.add_argument("--rows", type=int)
    p.add_argument("--repeats", type=int, default=DEFAULT_REPEATS)
    args = p.parse_args(argv)
    n = args.rows or (QUICK_ROWS if args.quick else DEFAULT_ROWS)

    from sklearn.cluster import KMeans

    from embexplorer.core.analysis.clusters import find_regions
    from embexplorer.core.data.embeddings import EmbeddingSet

    x = make_space(n, DIMS, SEED)
    emb = EmbeddingSet([f"w{i}" for i in range(n)], x)
    peer_t, ours_t = [], []
    for _ in range(args.repeats):
        t = time.perf_counter()
        peer = KMeans(n_clusters=CLUSTERS, random_state=SEED, n_init="auto").fit(x).labels_
        peer_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        regions = find_regions(emb, "kmeans", "vectors", n_clusters=CLUSTERS, seed=SEED)
        regions.column()
        ours_t.append(time.perf_counter() - t)
    same = bool(np.array_equal(peer, regions.labels))
    ratio = statistics.median(ours_t) / statistics.median(peer_t)
    print(f"k-means, {CLUSTERS} clusters, {n:,} x {DIMS}, {args.repeats} runs each (median)")
    print(f"scikit-learn KMeans alone:           {statistics.median(peer_t):7.2f} s")
    print(f"app's path (cluster + names + column): {statistics.median(ours_t):7.2f} s   "
          f"ratio {ratio:.2f} (target <= {TARGET_RATIO})")
    print(f"labels identical: {same}; names: {regions.names[:3]} ...")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
