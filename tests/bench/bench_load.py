"""Loading speed: our ``formats.load`` vs gensim's ``KeyedVectors.load_word2vec_format``.

1. A seeded 100,000 x 300 word2vec text file (values like GloVe's: up to six decimals, trailing
   zeros trimmed, a sign only when negative) is loaded by gensim and by us (no cache), in the same
   run; both figures and the ratio are printed, and the two results are checked to be identical.
2. Peak memory of our load, measured in a fresh subprocess (tracemalloc peak of numpy/Python
   allocations, and the resident-set high-water mark above the RSS before loading), against the
   size of the final float32 matrix.
3. A 400,000 x 300 file: first load (parses and fills the cache), then the second opening, in this
   process and in a fresh one (what a restart of the app sees).

Everything lives in a temporary folder (cache included) removed at the end.

    python -m tests.bench.bench_load [--quick] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SEED = 20261130
ROWS, DIMS = 100_000, 300
BIG_ROWS = 400_000
QUICK_ROWS, QUICK_BIG_ROWS = 10_000, 40_000
#: Rows generated per step when writing the test files.
GEN_CHUNK_ROWS = 5_000
#: Spread of the generated values (GloVe 50-d values have a similar scale).
VALUE_SCALE = 0.45
OUR_REPEATS = 3
REOPEN_REPEATS = 5
#: The issue's bars.
TARGET_SPEEDUP = 3.0
TARGET_PEAK_RATIO = 2.0
TARGET_REOPEN_S = 1.0


def write_word2vec_text(path: Path, n: int, d: int, seed: int = SEED) -> None:
    """Write a seeded word2vec text file fast (vectorised formatting of the numbers)."""
    rng = np.random.default_rng(seed)
    with open(path, "wb") as fh:
        fh.write(f"{n} {d}\n".encode())
        for start in range(0, n, GEN_CHUNK_ROWS):
            k = min(GEN_CHUNK_ROWS, n - start)
            x = np.clip(rng.standard_normal((k, d)) * VALUE_SCALE, -9.9, 9.9)
            micro = np.rint(np.abs(x) * 1e6).astype(np.int64).ravel()
            neg = (x.ravel() < 0) & (micro > 0)
            digits = (micro[:, None] // 10 ** np.arange(6, -1, -1)) % 10  # d0 then six decimals
            chars = np.empty((micro.size, 10), dtype=np.uint8)
            chars[:, 0] = ord("-")
            chars[:, 1] = digits[:, 0] + 48
            chars[:, 2] = ord(".")
            chars[:, 3:9] = digits[:, 1:] + 48
            chars[:, 9] = ord(" ")
            chars[d - 1::d, 9] = ord("\n")
            frac = digits[:, 1:]
            last = 5 - np.argmax(frac[:, ::-1] != 0, axis=1)  # last non-zero decimal (0 if none)
            keep = np.ones((micro.size, 10), dtype=bool)
            keep[:, 0] = neg
            keep[:, 3:9] = np.arange(6) <= last[:, None]
            body = chars[keep].tobytes()
            rows = body.split(b"\n")
            fh.write(b"".join(b"w%d %s\n" % (start + i, r) for i, r in enumerate(rows[:k])))


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


_MEMORY_PROBE = r"""
import json, sys, tracemalloc
from embexplorer.core.data.formats import load
import gensim  # noqa: F401  (same imports as the app, outside the measurement)
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024
try:  # reset the high-water mark so imports do not count
    open("/proc/self/clear_refs", "w").write("5")
except OSError:
    pass
rss0 = status("VmRSS:")
tracemalloc.start()
emb = load(sys.argv[1], use_cache=False)
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
rss1 = status("VmHWM:")
print(json.dumps({"tracemalloc_peak": peak, "maxrss_growth": rss1 - rss0,
                  "matrix": emb.vectors.nbytes}))
"""

_REOPEN_PROBE = r"""
import json, sys, time
t0 = time.perf_counter()
from embexplorer.core.data.formats import load
t1 = time.perf_counter()
emb = load(sys.argv[1])
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "cached": emb.from_cache, "rows": emb.n}))
"""


def _probe(code: str, path: Path, env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", code, str(path)], env=env, capture_output=True,
                         text=True, check=True, cwd=Path(__file__).resolve().parents[2])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small files, one repeat (smoke run)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args(argv)
    rows = QUICK_ROWS if args.quick else ROWS
    big_rows = QUICK_BIG_ROWS if args.quick else BIG_ROWS

    tmp = Path(tempfile.mkdtemp(prefix="embexplorer-bench-load-"))
    os.environ["EMBEXPLORER_CACHE_DIR"] = str(tmp / "cache")
    env = dict(os.environ)
    from gensim.models import KeyedVectors

    from embexplorer.core.data.formats import load

    try:
        path = tmp / f"w2v_{rows}x{DIMS}.txt"
        t_gen, _ = _timed(lambda: write_word2vec_text(path, rows, DIMS))
        print(f"file: {rows:,} x {DIMS} word2vec text, {path.stat().st_size / 1e6:.0f} MB "
              f"(written in {t_gen:.1f} s)")

        # 1. first load: gensim vs ours, same run.
        t_gensim, kv = _timed(lambda: KeyedVectors.load_word2vec_format(str(path)))
        ours = []
        for _ in range(1 if args.quick else OUR_REPEATS):
            t, emb = _timed(lambda: load(path, use_cache=False))
            ours.append(t)
        same = (emb.labels == list(kv.index_to_key)) and np.array_equal(emb.vectors, kv.vectors)
        del kv
        t_ours = statistics.median(ours)
        print(f"first load   gensim load_word2vec_format: {t_gensim:7.2f} s")
        print(f"first load   ours (no cache), median of {len(ours)}: {t_ours:7.2f} s "
              f"(min {min(ours):.2f})  -> {t_gensim / t_ours:.1f}x faster "
              f"(bar: {TARGET_SPEEDUP:.0f}x)   identical values and labels: {same}")
        shutil.rmtree(tmp / "cache", ignore_errors=True)
        t_fill, _ = _timed(lambda: load(path))
        print(f"first load   ours with an empty cache (parse + write cache): {t_fill:.2f} s "
              f"-> {t_gensim / t_fill:.1f}x faster")
        del emb

        # 2. peak memory, fresh process.
        mem = _probe(_MEMORY_PROBE, path, env)
        mat = mem["matrix"]
        print(f"peak memory  matrix {mat / 1e6:.0f} MB; "
              f"tracemalloc peak {mem['tracemalloc_peak'] / 1e6:.0f} MB "
              f"= {mem['tracemalloc_peak'] / mat:.2f}x; RSS high-water growth "
              f"{mem['maxrss_growth'] / 1e6:.0f} MB = {mem['maxrss_growth'] / mat:.2f}x "
              f"(bar: {TARGET_PEAK_RATIO:.0f}x)")
        path.unlink()

        # 3. second opening of a big file through the cache.
        big = tmp / f"w2v_{big_rows}x{DIMS}.txt"
        t_gen, _ = _timed(lambda: write_word2vec_text(big, big_rows, DIMS, seed=SEED + 1))
        print(f"file: {big_rows:,} x {DIMS} word2vec text, {big.stat().st_size / 1e6:.0f} MB "
              f"(written in {t_gen:.1f} s)")
        t_first, emb = _timed(lambda: load(big))
        print(f"reopen       first load (parse + fill cache): {t_first:.2f} s, from cache: {emb.from_cache}")
        del emb
        again = []
        for _ in range(REOPEN_REPEATS):
            t, emb = _timed(lambda: load(big))
            assert emb.from_cache
            again.append(t)
            del emb
        fresh = _probe(_REOPEN_PROBE, big, env)
        print(f"reopen       second opening in this process, median of {len(again)}: "
              f"{statistics.median(again):.3f} s (max {max(again):.3f}); in a fresh process: "
              f"{fresh['load']:.3f} s (+{fresh['import']:.2f} s imports), cached={fresh['cached']} "
              f"(bar: {TARGET_REOPEN_S:.0f} s)")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
