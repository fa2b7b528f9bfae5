"""Stress run of the loader and parser properties: many generated bad files, none may crash or hang.

Runs the targets of ``tests/test_fuzz_loaders.py`` and ``tests/test_fuzz_parsers.py`` with
many more hypothesis cases than the test suite (default: 10,000 in total, shared between the
targets), each case bounded in time (hypothesis ``deadline``) and size.  Prints cases per
target and in total, failures (the minimal failing case) and the slowest case.

There is no peer to compare against: the figure is "cases without a crash", and the
slowest case shows the time bound is respected.

    python -m tests.bench.bench_fuzz [--cases N] [--seed S] [--only NAME] [--quick]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import traceback
import warnings

#: Cases in total by default (the brief asks for at least 10,000).
DEFAULT_CASES = 10_000
#: Cases in total with --quick.
QUICK_CASES = 300
#: Per-case time bound (ms): a case slower than this fails as a hang.
CASE_DEADLINE_MS = 3_000
#: Default seed (every run is reproducible).
DEFAULT_SEED = 20261201


def _targets() -> dict:
    from tests import test_fuzz_loaders, test_fuzz_parsers

    return {**test_fuzz_loaders.TARGETS, **test_fuzz_parsers.TARGETS}


def run_target(name: str, strategy, check, cases: int, seed: int) -> dict:
    """Run ``check`` on ``cases`` generated inputs; return count, failure and slowest case."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed

    stats = {"name": name, "cases": 0, "failure": None, "slowest_s": 0.0, "slowest_case": None,
             "seconds": 0.0}

    @hseed(seed)
    @settings(max_examples=cases, deadline=CASE_DEADLINE_MS, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), print_blob=True)
    @given(strategy)
    def prop(case):
        t0 = time.perf_counter()
        try:
            check(case)
        finally:
            dt = time.perf_counter() - t0
            stats["cases"] += 1
            if dt > stats["slowest_s"]:
                stats["slowest_s"] = dt
                stats["slowest_case"] = _describe(case)

    t0 = time.perf_counter()
    try:
        prop()
    except Exception as err:  # noqa: BLE001 -- report every kind of failure, then go on
        subs = list(getattr(err, "exceptions", None) or [err])  # hypothesis groups distinct failures
        stats["failure"] = "\n".join(_explain(e) for e in subs)
    stats["seconds"] = time.perf_counter() - t0
    return stats


def _explain(err: BaseException) -> str:
    """Exception, where it was raised, and hypothesis' minimal failing case."""
    frames = traceback.extract_tb(err.__traceback__)
    where = f" (at {frames[-1].filename}:{frames[-1].lineno})" if frames else ""
    head = "".join(traceback.format_exception_only(type(err), err)).strip()
    notes = "\n".join(getattr(err, "__notes__", []))
    return f"{head}{where}\n{notes}"


def _describe(case) -> str:
    if isinstance(case, dict):
        keys = [k for k in ("kind", "which", "style", "fmt", "comp", "layout", "target") if k in case]
        sizes = {k: len(v) for k, v in case.items() if isinstance(v, (bytes, str))}
        return ", ".join(f"{k}={case[k]!r}" for k in keys) + f" sizes={sizes}"
    return repr(case)[:200]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=DEFAULT_CASES, help="generated cases in total")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--only", help="run only targets whose name contains this")
    p.add_argument("--quick", action="store_true", help=f"smoke run ({QUICK_CASES} cases)")
    args = p.parse_args(argv)
    # numpy parses a damaged .npy header with ast and may warn; the loader's DataError is what counts.
    warnings.filterwarnings("ignore", category=SyntaxWarning)
    total_wanted = QUICK_CASES if args.quick else args.cases
    # Keep the stress run's caches and logs out of the user's folders.
    tmp = tempfile.mkdtemp(prefix="bench-fuzz-")
    os.environ["EMBEXPLORER_CACHE_DIR"] = os.path.join(tmp, "cache")
    os.environ["EMBEXPLORER_LOG_DIR"] = os.path.join(tmp, "log")
    targets = {k: v for k, v in _targets().items() if not args.only or args.only in k}
    per = max(1, -(-total_wanted // len(targets)))
    print(f"fuzzing {len(targets)} targets, {per:,} cases each, seed {args.seed}, "
          f"per-case bound {CASE_DEADLINE_MS} ms")
    results = []
    for name, (strategy, check) in targets.items():
        r = run_target(name, strategy, check, per, args.seed)
        results.append(r)
        status = "ok" if r["failure"] is None else "FAILED"
        print(f"  {name:<24} {r['cases']:>7,} cases  {r['seconds']:7.1f} s  "
              f"slowest {r['slowest_s'] * 1e3:7.1f} ms  {status}", flush=True)
        if r["failure"]:
            print("    " + r["failure"].replace("\n", "\n    ")[:4000])
    total = sum(r["cases"] for r in results)
    failures = [r for r in results if r["failure"]]
    slow = max(results, key=lambda r: r["slowest_s"])
    print(f"total: {total:,} cases, {len(failures)} failing target(s)")
    print(f"slowest case: {slow['slowest_s'] * 1e3:.1f} ms in {slow['name']} ({slow['slowest_case']})")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
