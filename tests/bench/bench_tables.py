"""Table files with vectors: our loader (``formats.load``) beside pandas / pyarrow reading the same file.

Data: the real GloVe 6B 50-d rows of ``../shared/data/glove-6B-50d-top5k`` (5,050 words) tiled to
N rows (labels made unique), written as Parquet (a list column), an Arrow IPC file (a fixed-size
list column, read memory-mapped) and a CSV with one numeric column per dimension.  Our side returns
a checked, float32, labelled set (ragged / null / NaN rows refused by row); the peers only parse:
``pyarrow.parquet.read_table``, ``pyarrow.ipc`` ``read_all`` and ``pandas.read_csv``.  The CSV is
also timed without pyarrow (the standard-library reader).  Each time is the best of R repeats.

    python -m tests.bench.bench_tables [--quick] [--rows N] [--repeats R]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DEFAULT_ROWS = 100_000
QUICK_ROWS = 20_000
DEFAULT_REPEATS = 3
GLOVE = Path("glove-6B-50d-top5k") / "glove.6B.50d.top5k.txt"


def best(func, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS:,} rows, one repeat")
    p.add_argument("--rows", type=int)
    p.add_argument("--repeats", type=int)
    args = p.parse_args(argv)
    rows = args.rows or (QUICK_ROWS if args.quick else DEFAULT_ROWS)
    repeats = args.repeats or (1 if args.quick else DEFAULT_REPEATS)

    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from embexplorer.core.data.formats import load
    from tests.conftest import shared_data_dir

    data = shared_data_dir()
    if data is None or not (data / GLOVE).is_file():
        sys.exit(f"real data not found ({GLOVE}); set EMBEXPLORER_SHARED_DATA")
    glove = load(data / GLOVE, use_cache=False)
    reps = -(-rows // glove.n)
    vectors = np.ascontiguousarray(np.tile(glove.vectors, (reps, 1))[:rows])
    labels = [f"{w}_{i // glove.n}" for i, w in zip(range(rows), glove.labels * reps)]
    d = vectors.shape[1]
    with tempfile.TemporaryDirectory(prefix="embexplorer-bench-tables-") as tmp:
        tmp = Path(tmp)
        offsets = pa.array(np.arange(0, rows * d + 1, d, dtype=np.int32))
        pq.write_table(pa.table({"word": labels, "vector": pa.ListArray.from_arrays(offsets, pa.array(
            vectors.ravel()))}), tmp / "t.parquet")
        table = pa.table({"word": labels, "vector": pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), d)})
        with pa.OSFile(str(tmp / "t.arrow"), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        frame = pd.DataFrame(vectors, columns=[f"d{i}" for i in range(d)])
        frame.insert(0, "word", labels)
        frame.to_csv(tmp / "t.csv", index=False)

        def arrow_peer():
            return pa.ipc.open_file(pa.memory_map(str(tmp / "t.arrow"))).read_all()

        rows_out = [
            ("Parquet (list column)", best(lambda: load(tmp / "t.parquet"), repeats),
             "pq.read_table", best(lambda: pq.read_table(tmp / "t.parquet"), repeats)),
            ("Arrow IPC (memory-mapped)", best(lambda: load(tmp / "t.arrow"), repeats),
             "ipc read_all", best(arrow_peer, repeats)),
            ("CSV (numeric columns)", best(lambda: load(tmp / "t.csv"), repeats),
             "pandas.read_csv", best(lambda: pd.read_csv(tmp / "t.csv"), repeats)),
        ]
        emb = load(tmp / "t.arrow")
        assert emb.n == rows and np.array_equal(emb.vectors, vectors) and not emb.vectors.flags.owndata
        saved = sys.modules.get("pyarrow.csv")
        sys.modules["pyarrow.csv"] = None  # the standard-library reader
        try:
            stdlib = best(lambda: load(tmp / "t.csv"), 1)
        finally:
            if saved is not None:
                sys.modules["pyarrow.csv"] = saved
            else:
                del sys.modules["pyarrow.csv"]
    print(f"{rows:,} rows x {d} dims, best of {repeats}")
    print(f"{'file':28} {'ours':>8} {'peer':>16} {'peer s':>8} {'ratio':>7}")
    for name, ours, peer, theirs in rows_out:
        print(f"{name:28} {ours:8.3f} {peer:>16} {theirs:8.3f} {ours / theirs:6.1f}x")
    csv_peer = rows_out[2][3]
    print(f"{'CSV without pyarrow':28} {stdlib:8.3f} {'pandas.read_csv':>16} {csv_peer:8.3f} {stdlib / csv_peer:6.1f}x")
    print("Arrow: the set's matrix is the memory-mapped file (no copy)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
