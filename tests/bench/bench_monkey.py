"""GUI monkey at length: many seeded random walks on the real main window, one process per seed.

Each seed gets a fresh :class:`MainWindow` (``interactive=False``, its own
settings file, caches and logs in a temporary folder) in its own Python
process, driven by :class:`tests.monkey.Monkey` for ``--steps / --seeds``
steps: menus, shortcuts, buttons, text fields, combo and spin boxes, tables,
tabs, docks, mouse on the plots, opening real, corrupted and missing files,
MovieLens, training started and stopped.  A hard crash (segfault, abort) or a
hang ends only that seed's process and is counted; the last steps it logged
and the end of its stderr are shown.

The table gives, per seed: steps done, exceptions (``sys.excepthook`` /
``threading.excepthook``), Qt warnings about deleted objects, other problems
(``open_path`` raising, a stall, the window closed), crashes, the share of
idle steps (nothing of the kind shown to act on), the slowest step and the RSS
growth after warm-up (``VmRSS`` after :data:`WARMUP_SHARE` of the steps, and
at the end: datasets, models and caches still fill up then) and in the second
half of the walk (where a leak would show).

Run from the repo root::

    python -m tests.bench.bench_monkey [--steps 20000] [--seeds 20] [--quick] [--first-seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

#: Default total steps and seeds (1,000 steps per seed), and the --quick ones.
DEFAULT_STEPS, DEFAULT_SEEDS = 20_000, 20
QUICK_STEPS, QUICK_SEEDS = 450, 3
#: First seed of the run (seeds are consecutive).
FIRST_SEED = 1
#: Share of a walk's steps before the "after warm-up" RSS reading.
WARMUP_SHARE = 0.1
#: A seed's process is killed (counted as a hang) after this many seconds per step, plus the start-up.
SECONDS_PER_STEP_LIMIT, STARTUP_LIMIT_S = 2.0, 120.0
#: Milliseconds the event loop runs after the last step, still watched.
LATE_SIGNALS_MS = 200
#: Seconds the window's tasks get to end after the walk.
SHUTDOWN_TIMEOUT_S = 10.0
#: Window size of every walk.
WINDOW_SIZE = (1280, 800)
#: A step still running after this many seconds dumps every thread's stack (shown with a stall problem).
STALL_DUMP_S = 10.0
#: Lines of a stack dump shown.
STACK_LINES = 60
#: Lines of a crashed child's step log and stderr shown.
CRASH_TAIL = 15
#: Steps of the log shown before a problem.
LOG_TAIL = 15
#: Distinct problems printed in the details, and characters of each.
MAX_DETAILS, DETAIL_CHARS = 25, 3000


def _mb(n) -> str:
    return "n/a" if n is None else f"{n / 1024 ** 2:+.1f}"


# -- the child: one seed, one window ---------------------------------------------------------------------

def run_child(seed: int, steps: int, out: Path, log: Path, skip_known: bool, weights: dict | None = None) -> int:
    """Walk ``steps`` steps with ``seed`` on a fresh window; write the result JSON to ``out``."""
    import faulthandler

    faulthandler.enable()  # a segfault prints the Python stacks to stderr (the parent shows them)
    with tempfile.TemporaryDirectory(prefix=f"bench-monkey-{seed}-") as tmp:
        tmp = Path(tmp)
        for key, sub in (("EMBEXPLORER_CACHE_DIR", "cache"), ("EMBEXPLORER_LOG_DIR", "log"),
                         ("XDG_CONFIG_HOME", "config"), ("GENSIM_DATA_DIR", "gensim-data")):
            os.environ[key] = str(tmp / sub)
        import shiboken6
        from pyqtgraph.util.garbage_collector import GarbageCollector
        from PySide6 import QtWidgets

        from tests.bench.bench_soak import rss_bytes
        from tests.conftest import shared_data_dir
        from tests.monkey import Monkey, make_window, prepare_data

        app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
        app._monkey_gc = GarbageCollector(interval=1.0)  # as the app: collections on the UI thread only
        try:
            import gensim.test.utils as gtu

            gensim_dir = Path(gtu.module_path) / "test_data"
        except ImportError:
            gensim_dir = None
        data = prepare_data(tmp / "scratch", shared_data_dir(), gensim_dir)
        window = make_window(tmp / "settings.ini", WINDOW_SIZE)
        warm, half = max(1, int(steps * WARMUP_SHARE)), max(1, steps // 2)
        res = {"seed": seed, "rss_start": rss_bytes(), "rss_warm": None, "rss_half": None}
        t0 = time.perf_counter()
        stacks_fh = open(log.with_suffix(".stacks"), "w", encoding="utf-8")
        with open(log, "w", encoding="utf-8") as log_fh, Monkey(window, None, seed, data, skip_known=skip_known,
                                                                 weights=weights) as monkey:
            def on_step(i: int) -> None:
                # A step that is still running STALL_DUMP_S from now dumps every thread's stack.
                faulthandler.dump_traceback_later(STALL_DUMP_S, exit=False, file=stacks_fh)
                log_fh.write(f"{i:6d}  {monkey.log[-1][1]}\n")
                log_fh.flush()
                if i == warm:
                    res["rss_warm"] = rss_bytes()
                if i == half:
                    res["rss_half"] = rss_bytes()

            faulthandler.dump_traceback_later(STALL_DUMP_S, exit=False, file=stacks_fh)
            monkey.run(steps, on_step=on_step)
            monkey.wait(LATE_SIGNALS_MS)
            faulthandler.cancel_dump_traceback_later()
        stacks_fh.close()
        res.update(steps=monkey.step_index, seconds=time.perf_counter() - t0, rss_end=rss_bytes(),
                   problems=[vars(p) for p in monkey.problems], notes=monkey.notes[:20],
                   max_step_s=monkey.max_step_s, slowest=monkey.slowest_action, dialogs=monkey.dialogs,
                   skipped_known=monkey.skipped_known, idle=monkey.idle_steps, done=monkey.done, log=monkey.log)
        res["shutdown"] = bool(window.shutdown_tasks(SHUTDOWN_TIMEOUT_S))
        window.close()
        shiboken6.delete(window)
        app.processEvents()
    out.write_text(json.dumps(res), encoding="utf-8")
    return 0


# -- the parent: one process per seed --------------------------------------------------------------------

def _signature(p: dict) -> str:
    """What a problem is, without its step, numbers or message details (to count distinct ones).

    A traceback is its exception type, innermost and outermost frames (``KeyError at embeddings.py:229 in
    row (from demonstrations.py:519 in _on_step_requested)``); anything else its last line, numbers blanked.
    """
    lines = [ln for ln in p["text"].strip().splitlines() if ln.strip()]
    last = lines[-1] if lines else ""
    frames = re.findall(r'File "([^"]+)", line (\d+), in (\S+)', p["text"])
    if frames:
        (p0, l0, f0), (path, line, func) = frames[0], frames[-1]
        return (f"{p['kind']}: {last.split(':')[0]} at {Path(path).name}:{line} in {func}"
                + (f" (from {Path(p0).name}:{l0} in {f0})" if len(frames) > 1 else ""))
    return p["kind"] + ": " + re.sub(r"0x[0-9a-f]+|\d+", "N", last)[:200]


def run_seed(seed: int, steps: int, folder: Path, skip_known: bool, weights: str | None = None) -> dict:
    """Run one seed in a child process; returns its result, or a crash / hang record."""
    out, log = folder / f"seed{seed}.json", folder / f"seed{seed}.log"
    cmd = [sys.executable, "-m", "tests.bench.bench_monkey", "--child", str(seed), str(steps), str(out),
           str(log)] + ([] if skip_known else ["--include-known"]) + (["--weights", weights] if weights else [])
    limit = STARTUP_LIMIT_S + SECONDS_PER_STEP_LIMIT * steps
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=limit, errors="replace")
        rc, stderr, hang = proc.returncode, proc.stderr, False
    except subprocess.TimeoutExpired as exc:
        rc, hang = None, True
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
    stacks = log.with_suffix(".stacks")
    stacks = stacks.read_text(encoding="utf-8", errors="replace") if stacks.is_file() else ""
    if out.is_file() and rc == 0:
        res = json.loads(out.read_text(encoding="utf-8"))
        res["crash"], res["stacks"] = None, stacks
        return res
    steps_logged = log.read_text(encoding="utf-8").splitlines() if log.is_file() else []
    err_lines = [ln for ln in stderr.splitlines() if "This plugin does not support" not in ln]
    what = "hang" if hang else (signal.Signals(-rc).name if rc is not None and rc < 0 else f"rc {rc}")
    return {"seed": seed, "steps": len(steps_logged), "seconds": time.perf_counter() - t0, "problems": [],
            "crash": what, "crash_log": steps_logged[-CRASH_TAIL:],
            "crash_stderr": err_lines[-4 * CRASH_TAIL:], "rss_warm": None, "rss_end": None,
            "max_step_s": None, "slowest": "", "notes": [], "stacks": stacks}


def print_table(results: list[dict]) -> None:
    head = (f"{'seed':>6} {'steps':>6} {'exceptions':>10} {'deleted-obj':>11} {'other':>5} {'crash':>7} "
            f"{'idle':>5} {'max step':>8} {'RSS growth':>10} {'2nd half':>9} {'time':>7}")
    print(head)
    print("-" * len(head))
    tot = {"steps": 0, "exc": 0, "del": 0, "other": 0, "crash": 0}
    for r in results:
        probs = r["problems"]
        exc = sum(p["kind"] in ("exception", "thread-exception") for p in probs)
        dele = sum(p["kind"] in ("deleted-object", "qt-message") for p in probs)
        other = len(probs) - exc - dele
        growth = (r["rss_end"] - r["rss_warm"]) if r.get("rss_end") and r.get("rss_warm") else None
        late = (r["rss_end"] - r["rss_half"]) if r.get("rss_end") and r.get("rss_half") else None
        max_step = f"{r['max_step_s']:.1f} s" if r.get("max_step_s") is not None else "-"
        idle = f"{r['idle'] / max(r['steps'], 1):.0%}" if r.get("idle") is not None else "-"
        print(f"{r['seed']:>6} {r['steps']:>6} {exc:>10} {dele:>11} {other:>5} {r['crash'] or 0!s:>7} "
              f"{idle:>5} {max_step:>8} {_mb(growth) + ' MB':>10} {_mb(late) + ' MB':>9} {r['seconds']:>6.0f}s")
        tot["steps"] += r["steps"]
        tot["exc"] += exc
        tot["del"] += dele
        tot["other"] += other
        tot["crash"] += bool(r["crash"])
    print("-" * len(head))
    print(f"{'total':>6} {tot['steps']:>6} {tot['exc']:>10} {tot['del']:>11} {tot['other']:>5} {tot['crash']:>7}")
    for name, key in (("after warm-up", "rss_warm"), ("in the second half", "rss_half")):
        mb = sorted((r["rss_end"] - r[key]) / 1024 ** 2 for r in results if r.get("rss_end") and r.get(key))
        if mb:
            print(f"RSS growth {name}: median {mb[len(mb) // 2]:+.1f} MB, max {mb[-1]:+.1f} MB")


def print_details(results: list[dict]) -> None:
    seen: dict[str, list] = {}
    for r in results:
        for p in r["problems"]:
            seen.setdefault(_signature(p), []).append((r, p))
    if seen:
        print(f"\n{len(seen)} distinct problem(s):")
    for k, (sig, hits) in enumerate(seen.items()):
        if k >= MAX_DETAILS:
            print(f"... {len(seen) - MAX_DETAILS} more")
            break
        r, p = hits[0]
        print(f"\n== {sig}\n   {len(hits)} time(s), seeds {sorted({h[0]['seed'] for h in hits})}; "
              f"first: seed {r['seed']} step {p['step']} during {p['action']!r}")
        print("   steps before it:")
        for i, d in r.get("log") or []:
            if p["step"] - LOG_TAIL < i <= p["step"]:
                print(f"   {i:6d}  {d}")
        print(p["text"][:DETAIL_CHARS])
        if p["kind"] == "stall" and r.get("stacks"):
            print("   stacks dumped during the stall (first lines):")
            print("\n".join(r["stacks"].splitlines()[:STACK_LINES]))
    for r in results:
        if r["crash"]:
            print(f"\n== crash ({r['crash']}), seed {r['seed']} after {r['steps']} logged steps; last steps:")
            print("\n".join(r["crash_log"]))
            print("   stderr (end):\n" + "\n".join(r["crash_stderr"]))
    notes = [(r["seed"], n) for r in results for n in r.get("notes") or []]
    if notes:
        print(f"\nharness notes ({len(notes)}):")
        for seed, n in notes[:10]:
            print(f"  seed {seed}: {n}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=None, help="total steps over all seeds")
    ap.add_argument("--seeds", type=int, default=None, help="number of seeds (one process each)")
    ap.add_argument("--first-seed", type=int, default=FIRST_SEED)
    ap.add_argument("--quick", action="store_true", help=f"{QUICK_SEEDS} seeds, {QUICK_STEPS} steps in all")
    ap.add_argument("--include-known", action="store_true", help="also do the actions in monkey.KNOWN_BUGS")
    ap.add_argument("--weights", default=None,
                    help='JSON step weights replacing monkey.ACTION_WEIGHTS, e.g. \'{"button": 5, "menu": 1}\'')
    ap.add_argument("--json", type=Path, default=None, help="write every seed's result to this file")
    ap.add_argument("--child", nargs=4, metavar=("SEED", "STEPS", "OUT", "LOG"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        seed, steps, out, log = args.child
        return run_child(int(seed), int(steps), Path(out), Path(log), not args.include_known,
                         json.loads(args.weights) if args.weights else None)

    seeds = args.seeds or (QUICK_SEEDS if args.quick else DEFAULT_SEEDS)
    total = args.steps or (QUICK_STEPS if args.quick else DEFAULT_STEPS)
    per_seed = max(1, total // seeds)

    import pyqtgraph as pg
    import PySide6

    print(f"Python {platform.python_version()}, PySide6 {PySide6.__version__}, pyqtgraph {pg.__version__}; "
          f"{seeds} seeds x {per_seed} steps, one process per seed", flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-monkey-") as tmp:
        for seed in range(args.first_seed, args.first_seed + seeds):
            r = run_seed(seed, per_seed, Path(tmp), not args.include_known, args.weights)
            results.append(r)
            print(f"  seed {seed}: {r['steps']} steps in {r['seconds']:.0f} s, {len(r['problems'])} problem(s)"
                  + (f", CRASH ({r['crash']})" if r["crash"] else ""), flush=True)
    print()
    print_table(results)
    print_details(results)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0 if not any(r["problems"] or r["crash"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
