"""t-SNE and UMAP layouts: ours (the app's code path, live frames included) vs the peers, side by side.

* **t-SNE**: our :func:`fit_layout` (PCA to 50 dimensions, tuned openTSNE, a frame copied out every
  ``TSNE_FRAME_EVERY`` iterations as the GUI gets them) vs scikit-learn's ``TSNE`` (``init="pca"``,
  its defaults otherwise) on the same seeded clustered data, 10,000 x 50 and 30,000 x 50.  The bars
  of issue 14: at least 3x faster at 10k and 5x at 30k, trustworthiness (k=10, on a seeded sample
  of ``TRUST_SAMPLE`` rows: scikit-learn's needs an n x n matrix) no worse than scikit-learn's - 0.01.
  ``--ladder`` also times what each of our choices buys, one at a time from openTSNE's defaults.
  ``--full`` adds the time to the full-data layout at 100,000 points.
* **UMAP**: time at 20,000 and (``--full``) 100,000 points (or ``--umap-sizes``), first run in a fresh
  numba cache (a new process, so the compile is counted) and again with the compiled cache, through
  the window's path (a child process; ``--umap-in-process``: the ``project`` command's);
  trustworthiness on scikit-learn's bundled digits, bar 0.97.

* **UI stall** (``--stall``): the largest gap between ticks of a 5 ms timer (the method of
  ``bench_gui_responsiveness``) while the window computes a t-SNE (and a UMAP) of the real GloVe
  top-5k words from the Projection combo, live frames drawn, until the result is on screen; bar
  100 ms.  Side by side in one run: fitted on the GUI process's worker thread (as before the child
  process) and in a child process (:mod:`embexplorer.core.analysis.fit_process`), with the stall of
  the idle window (nothing running) before and after, which is what the machine's load alone costs.
* **Transfer** (``--transfer``): sending the 100,000 x 50 reduced copy to a child three ways, and the
  child's start-up cost.

Absolute times are noisy on a shared machine: the ratios of one run are what counts.

    python -m tests.bench.bench_projection [--quick] [--ladder] [--full] [--no-umap] [--stall]
    python -m tests.bench.bench_projection --only-stall [--stall-modes in-process,child process]
    python -m tests.bench.bench_projection --umap-sizes 20000,100000 [--umap-in-process]
    python -m tests.bench.bench_projection --transfer
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

SEED = 0
CENTERS = 30
CLUSTER_STD = 4.0
DIMS = 50
TRUST_SAMPLE = 3000
TRUST_K = 10
#: (rows, the issue's speed bar) for t-SNE.
TSNE_SIZES = ((10_000, 3.0), (30_000, 5.0))
QUICK_TSNE_SIZES = ((10_000, 3.0),)
TSNE_FULL_ROWS = 100_000
UMAP_SIZES = (20_000,)
UMAP_FULL_SIZES = (20_000, 100_000)
QUICK_UMAP_SIZES = (5_000,)
TRUST_TOLERANCE = 0.01
UMAP_DIGITS_BAR = 0.97


def make_data(n: int, seed: int = SEED) -> np.ndarray:
    """Seeded clusters in 50 dimensions (float32)."""
    from sklearn.datasets import make_blobs

    X, _ = make_blobs(n, DIMS, centers=CENTERS, cluster_std=CLUSTER_STD, random_state=seed)
    return np.ascontiguousarray(X, dtype=np.float32)


def trust(X: np.ndarray, Y: np.ndarray) -> float:
    from sklearn.manifold import trustworthiness

    rows = np.random.default_rng(SEED).choice(len(X), min(TRUST_SAMPLE, len(X)), replace=False)
    return float(trustworthiness(X[rows], np.asarray(Y)[rows], n_neighbors=TRUST_K))


def ours(X: np.ndarray, method: str = "tsne", in_child: bool = False):
    """The app's path: fit_layout with live frames copied out (what the worker hands the UI); with
    ``in_child`` the window's, in a child process (its CPU is not in ``cpu``: see ``bench_umap``)."""
    from embexplorer.core.analysis.fit_process import fit_layout_in_process
    from embexplorer.core.analysis.nonlinear import LayoutParams, fit_layout

    frames = []
    fit = fit_layout_in_process if in_child else fit_layout
    t0, c0 = time.perf_counter(), time.process_time()
    layout = fit(X, LayoutParams(method, metric="euclidean", seed=SEED),
                 on_frame=lambda xy, _f: frames.append(xy.shape))
    layout.extra["cpu"] = time.process_time() - c0
    return time.perf_counter() - t0, layout.xy, len(frames), layout


def sklearn_tsne(X: np.ndarray):
    from sklearn.manifold import TSNE

    t0, c0 = time.perf_counter(), time.process_time()
    Y = TSNE(init="pca", random_state=SEED).fit_transform(X)
    return time.perf_counter() - t0, Y, time.process_time() - c0


def bench_tsne(sizes) -> bool:
    ok = True
    print("t-SNE: ours (app path, frames) vs scikit-learn TSNE(init='pca'); trustworthiness k=10 on "
          f"{TRUST_SAMPLE} sampled rows")
    print("(wall seconds, and CPU seconds of all threads: on a shared machine the CPU ratio is the steadier)")
    print(f"{'rows':>8} {'ours s':>7} {'cpu':>6} {'frames':>6} {'sklearn s':>9} {'cpu':>6} {'ratio':>6} "
          f"{'cpu':>6} {'bar':>4} {'T ours':>7} {'T sklearn':>9}  verdict")
    for n, bar in sizes:
        X = make_data(n)
        t_ours, Y, frames, layout = ours(X)
        t_sk, Ysk, c_sk = sklearn_tsne(X)
        c_ours = layout.extra["cpu"]
        tr_o, tr_s = trust(X, Y), trust(X, Ysk)
        good = t_sk / t_ours >= bar and c_sk / c_ours >= bar and tr_o >= tr_s - TRUST_TOLERANCE
        ok &= good
        print(f"{n:>8,} {t_ours:>7.1f} {c_ours:>6.1f} {frames:>6} {t_sk:>9.1f} {c_sk:>6.1f} "
              f"{t_sk / t_ours:>5.1f}x {c_sk / c_ours:>5.1f}x {bar:>3.0f}x {tr_o:>7.4f} {tr_s:>9.4f}  "
              f"{'ok' if good else 'MISSED'}", flush=True)
    return ok


def bench_ladder(n: int = 10_000) -> None:
    """What each choice buys, from openTSNE's defaults (with a PCA init, as ours) to ours."""
    from openTSNE import TSNE
    from openTSNE.initialization import rescale

    from embexplorer.core.analysis.nonlinear import TSNE_ANNOY_TREES, TSNE_EARLY_ITERS, TSNE_ITERS, tsne_jobs

    X = make_data(n)
    init = rescale(X[:, :2].astype(np.float64), inplace=False, target_std=1e-4)
    steps = [
        ("openTSNE defaults (n_jobs=1)", dict()),
        ("+ FFT gradients", dict(negative_gradient_method="fft")),
        (f"+ Annoy {TSNE_ANNOY_TREES} trees", dict(negative_gradient_method="fft", neighbors="annoy",
                                                  knn_kwargs={"n_trees": TSNE_ANNOY_TREES})),
        (f"+ schedule {TSNE_EARLY_ITERS}+{TSNE_ITERS}", dict(
            negative_gradient_method="fft", neighbors="annoy", knn_kwargs={"n_trees": TSNE_ANNOY_TREES},
            early_exaggeration_iter=TSNE_EARLY_ITERS, n_iter=TSNE_ITERS)),
        (f"+ n_jobs={tsne_jobs()}", dict(
            negative_gradient_method="fft", neighbors="annoy", knn_kwargs={"n_trees": TSNE_ANNOY_TREES},
            early_exaggeration_iter=TSNE_EARLY_ITERS, n_iter=TSNE_ITERS, n_jobs=tsne_jobs())),
    ]
    print(f"\nWhat each choice buys, {n:,} x {DIMS} (openTSNE called directly, PCA init):")
    for name, kw in steps:
        t0, c0 = time.perf_counter(), time.process_time()
        Y = TSNE(random_state=SEED, **kw).fit(X, initialization=init)
        print(f"  {name:34s} {time.perf_counter() - t0:7.1f} s  cpu {time.process_time() - c0:6.1f} s  "
              f"T={trust(X, np.asarray(Y)):.4f}", flush=True)
    t, Y, frames, layout = ours(X)
    print(f"  {'ours (app path, ' + str(frames) + ' frames)':34s} {t:7.1f} s  cpu {layout.extra['cpu']:6.1f} s  "
          f"T={trust(X, Y):.4f}")


def bench_tsne_full(n: int = TSNE_FULL_ROWS) -> None:
    X = make_data(n)
    t, _Y, frames, layout = ours(X)
    print(f"\nt-SNE full-data layout at {n:,} x {DIMS}: {t:.1f} s ({frames} frames; {layout.describe()})")


_UMAP_CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
from tests.bench.bench_projection import make_data, ours, trust
X = make_data({n})
t, Y, frames, _ = ours(X, "umap", in_child={in_child})
from embexplorer.core.analysis import fit_process
fit_process.shutdown()  # the child reaped: its CPU counts in RUSAGE_CHILDREN
usage = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
print(json.dumps({{"seconds": t, "total": time.perf_counter() - t0, "frames": frames, "trust": trust(X, Y),
                  "cpu": sum(u.ru_utime + u.ru_stime for u in usage)}}))
"""


def bench_umap(sizes, in_child: bool = True) -> None:
    """UMAP at each size, the first run in a fresh numba cache folder, then again with it populated;
    each run a new process (the compile counted), through the window's path (a child process) unless
    ``in_child`` is False (the headless ``project`` command's)."""
    try:
        import umap  # noqa: F401
    except ImportError:
        print("\nUMAP: umap-learn not installed (pip install 'embexplorer[umap]'): skipped")
        return
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    where = "the window's path: a child process" if in_child else "in-process, as the project command"
    print(f"\nUMAP ({where}, live frames), each run a new process; first run in a fresh numba cache "
          "folder, then with it populated (cpu: the process and its children):")
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:  # cold again for each size
            env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=root)
            for run in ("cold numba cache", "cached compile"):
                code = _UMAP_CHILD.format(root=root, n=n, in_child=in_child)
                out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                     check=False)
                if out.returncode:
                    print(f"  {n:>8,} {run}: failed\n{out.stderr[-2000:]}")
                    break
                r = json.loads(out.stdout.strip().splitlines()[-1])
                cached = sum(len(files) for _d, _s, files in os.walk(cache))
                print(f"  {n:>8,} {run:17s} fit {r['seconds']:7.1f} s  (process {r['total']:.1f} s, "
                      f"cpu {r['cpu']:.1f} s)  frames {r['frames']:>4}  T={r['trust']:.4f}  "
                      f"numba cache {cached} files  load {os.getloadavg()[0]:.1f}", flush=True)
    from sklearn.datasets import load_digits
    from sklearn.manifold import trustworthiness

    from embexplorer.core.analysis.nonlinear import LayoutParams, fit_layout

    digits = load_digits().data.astype(np.float32)
    xy = fit_layout(digits, LayoutParams("umap", metric="euclidean", seed=SEED)).xy
    t = trustworthiness(digits, xy, n_neighbors=TRUST_K)
    print(f"  digits (1,797 x 64) trustworthiness {t:.4f}  bar {UMAP_DIGITS_BAR}  "
          f"{'ok' if t >= UMAP_DIGITS_BAR else 'MISSED'}")


#: The two ways the window can fit, compared side by side in one run by ``--stall``: on the task's
#: worker thread of the GUI process (as before the child process: what main did) and in a child.
STALL_MODES = ("in-process", "child process")
#: Seconds the idle window's stall is measured (nothing running), before and after the layouts.
IDLE_S = 20.0


def _runqueue_wait_s() -> float:
    """Seconds this thread has waited, runnable, for a core (Linux schedstat; 0 elsewhere)."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


class _AttributedProbe:
    """The largest gap between ticks of a 5 ms timer (``bench_gui_responsiveness``'s method), and what
    filled it: the CPU the GUI process and its UI thread used, and how long the UI thread waited,
    runnable, for a core (Linux).  A gap the UI thread spent waiting for a core is the machine's load;
    one where it neither ran nor waited for a core is it waiting for the GIL (held by another thread)."""

    def __init__(self) -> None:
        from PySide6 import QtCore

        from tests.bench.bench_gui_responsiveness import TICK_MS

        self.timer = QtCore.QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._on_tick)
        self.worst = (0.0, 0.0, 0.0, 0.0)  # (gap, process CPU, UI-thread CPU, UI thread waiting for a core) s

    def start(self) -> None:
        self.last = (time.perf_counter(), time.process_time(), time.thread_time(), _runqueue_wait_s())
        self.worst = (0.0, 0.0, 0.0, 0.0)
        self.timer.start()

    def stop(self) -> tuple:
        self._on_tick()
        self.timer.stop()
        return self.worst

    def _on_tick(self) -> None:
        now = (time.perf_counter(), time.process_time(), time.thread_time(), _runqueue_wait_s())
        gap = tuple(b - a for a, b in zip(self.last, now))
        if gap[0] > self.worst[0]:
            self.worst = gap
        self.last = now


def bench_stall(methods=("tsne", "umap"), modes=STALL_MODES, idle_s: float = IDLE_S, repeat: int = 1) -> bool:
    """Largest UI stall while the window lays out GloVe top-5k live (no cache: a fresh cache folder),
    fitted on a worker thread of the GUI process and in a child process, alternately in one run; and the
    stall of the idle window in the same run (what the machine's load alone costs)."""
    os.environ["QT_QPA_PLATFORM"] = os.environ.get("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import QtCore, QtWidgets

    import embexplorer._qt.features.projection.feature as room
    from embexplorer._qt.shell.main_window import MainWindow
    from embexplorer.core.analysis import fit_process
    from embexplorer.core.analysis.nonlinear import LayoutParams, fit_layout
    from tests.bench.bench_gui_responsiveness import SHARED_DATA, TARGET_MS, settle, wait_signal

    path = SHARED_DATA / "glove-6B-50d-top5k" / "glove.6B.50d.top5k.txt"
    if not path.is_file():
        print(f"\nUI stall: {path} not found: skipped")
        return True
    import gc

    from embexplorer._qt.app import _collect_garbage_on_ui_thread

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    _collect_garbage_on_ui_thread(app)  # as the app: Python's collector runs on the UI thread only
    ok = True
    fits = {"in-process": fit_layout, "child process": fit_process.fit_layout_in_process}
    gaps: dict = {}  # (mode, method, run) -> [largest stall ms, ...]
    seeds = iter(range(101, 10_000))  # a new seed per run: never a layout-cache hit
    with tempfile.TemporaryDirectory(prefix="embexplorer-bench-") as tmp:
        os.environ["EMBEXPLORER_CACHE_DIR"] = tmp  # no layout-cache hits
        settings = QtCore.QSettings(os.path.join(tmp, "s.ini"), QtCore.QSettings.Format.IniFormat)
        w = MainWindow(settings=settings, interactive=False)
        w.resize(1280, 800)
        w.show()
        gc.collect()  # as run_gui does once the window is up
        gc.freeze()
        loading = w.features["loading"]
        w.commands.run("loading.open_file", str(path))
        wait_signal(loading.loaded)
        w.commands.run("explorer.finish_setup")
        settle(0.5)
        proj = w.features["projection"]
        print("\nUI stall while the window lays out GloVe top-5k (5,050 x 50) live, bar "
              f"{TARGET_MS} ms; in one run, alternately fitted on the GUI process's worker thread (in-process, "
              "as main) and in a child process.  In brackets, ms of the largest stall: CPU the GUI process and its "
              "UI thread used, and the UI thread's wait for a core (the machine's load); the rest of the "
              "stall the UI thread waited for the GIL or slept:")
        wait_signal(proj.faithfulness_ready)  # of the PCA shown: its imports are not the layout's

        def measure(label: str, start, done_signal=None) -> float:
            probe = _AttributedProbe()
            probe.start()
            t0 = time.perf_counter()
            described = ""
            if start is None:
                settle(idle_s)
            else:
                start()
                described = wait_signal(done_signal, [proj.layout_stopped])[0].describe()
                settle()
            gap, cpu, ui, queued = (1000 * v for v in probe.stop())
            print(f"  {label:34s} {time.perf_counter() - t0:6.1f} s  largest stall {gap:7.1f} ms "
                  f"(cpu {cpu:4.0f}, UI thread {ui:3.0f}, waiting for a core {queued:4.0f})  "
                  f"{'ok' if gap <= TARGET_MS else 'MISSED'}  "
                  f"load {os.getloadavg()[0]:4.1f}  {described}", flush=True)
            return gap

        idle_gaps = [measure("idle window (nothing running)", None)]
        try:
            for method in methods:
                if method == "umap" and not _has_umap():
                    continue
                # The first run imports openTSNE / umap-learn (and scikit-learn) and, for UMAP, JIT-compiles
                # with numba: in-process on the worker thread, holding the GIL for long stretches; in a
                # child, there (no child started ahead here: the worst case).
                for run in ("first use", *(["warm"] * repeat)):
                    for mode in modes:
                        room.fit_layout_in_process = fits[mode]  # the room's one call of the fit
                        params = LayoutParams(method, seed=next(seeds))
                        gap = measure(f"{mode} {method} {run}", lambda p=params: proj.show(p.method, params=p),
                                      proj.layout_shown)
                        gaps.setdefault((mode, method, run), []).append(gap)
                        if run == "warm" and mode == "child process":
                            ok &= gap <= TARGET_MS
                        proj.show("pca")
                        settle()
        finally:
            room.fit_layout_in_process = fits["child process"]
        idle_gaps.append(measure("idle window (nothing running)", None))
        w.shutdown_tasks(5.0)
        w.close()
    app.processEvents()
    print("  side by side, largest stall in ms (" + " / ".join(modes) + "):")
    for method in methods:
        for run in ("first use", "warm"):
            cells = [gaps.get((m, method, run)) for m in modes]
            if all(cells):
                print(f"    {method:5s} {run:9s} " + "   ".join(
                    "/".join(f"{g:.0f}" for g in c) for c in cells))
    print(f"    idle window     {' / '.join(f'{g:.0f}' for g in idle_gaps)}  (before / after)")
    return ok


#: Rows of the reduced copy (x 50 float32) sent to a child by ``--transfer``, and repeats (median).
TRANSFER_ROWS = 100_000
TRANSFER_REPEAT = 5
#: Rows of the tiny t-SNE whose first and second fit in the window's path give the child's start-up cost.
STARTUP_ROWS = 200


def _echo_child(conn) -> None:
    """Receive an array the way asked, answer with its last value (the round trip's end)."""
    from multiprocessing import shared_memory

    while True:
        try:
            how, shape, name = conn.recv()
        except EOFError:
            return
        if how == "raw bytes":
            X = np.empty(shape, dtype=np.float32)
            conn.recv_bytes_into(memoryview(X).cast("B"))
        elif how == "pickle":
            X = conn.recv()
        else:  # shared memory: attach, copy out (the parent unlinks it after the answer)
            shm = shared_memory.SharedMemory(name=name)
            X = np.ndarray(shape, dtype=np.float32, buffer=shm.buf).copy()
            shm.close()
        conn.send(float(X[-1, -1]))


def bench_transfer(n: int = TRANSFER_ROWS) -> None:
    """How the reduced copy reaches a child, n x 50 float32: raw bytes through the pipe (ours), one pickle
    through the pipe, shared memory; and the child's start-up cost (spawn + imports) in the window's path."""
    import multiprocessing as mp
    from multiprocessing import shared_memory

    from embexplorer.core.analysis import fit_process
    from embexplorer.core.analysis.nonlinear import LayoutParams

    X = make_data(n)
    ctx = mp.get_context("spawn")
    parent, child_end = ctx.Pipe()
    proc = ctx.Process(target=_echo_child, args=(child_end,), daemon=True)
    proc.start()
    child_end.close()
    print(f"\nSending the reduced copy, {n:,} x {DIMS} float32 ({X.nbytes / 2 ** 20:.0f} MB), to a child and "
          f"back an answer (median of {TRANSFER_REPEAT}, ms):")
    for how in ("raw bytes", "pickle", "shared memory"):
        times = []
        for _ in range(TRANSFER_REPEAT + 1):  # the first run warms the child up: not counted
            t0 = time.perf_counter()
            shm = None
            if how == "shared memory":
                shm = shared_memory.SharedMemory(create=True, size=X.nbytes)
                np.ndarray(X.shape, dtype=np.float32, buffer=shm.buf)[:] = X
            parent.send((how, X.shape, shm.name if shm else None))
            if how == "raw bytes":
                parent.send_bytes(X)
            elif how == "pickle":
                parent.send(X)
            assert parent.recv() == float(X[-1, -1])
            if shm is not None:
                shm.close()
                shm.unlink()
            times.append(time.perf_counter() - t0)
        print(f"  {how:14s} {1000 * float(np.median(times[1:])):7.1f} ms{'  (ours)' if how == 'raw bytes' else ''}",
              flush=True)
    parent.close()
    proc.join(5)
    small = make_data(STARTUP_ROWS)
    params = LayoutParams("tsne", metric="euclidean", seed=SEED)
    fit_process.shutdown()
    t0 = time.perf_counter()
    fit_process.fit_layout_in_process(small, params)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    fit_process.fit_layout_in_process(small, params)
    warm = time.perf_counter() - t0
    print(f"Child start-up (spawn, import numpy and openTSNE): a t-SNE of {STARTUP_ROWS} points in a new child "
          f"{cold:.2f} s, in the same child again {warm:.2f} s: start-up {cold - warm:.2f} s  "
          f"load {os.getloadavg()[0]:.1f}")
    fit_process.shutdown()


def _has_umap() -> bool:
    """Whether umap-learn is installed, found as the app finds it: without importing it (the import, ~2 s
    of modules and numba, would leave the bench's GUI process with a heap the app's never has)."""
    from importlib.util import find_spec

    return find_spec("umap") is not None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="10k t-SNE only, UMAP at 5k")
    ap.add_argument("--ladder", action="store_true", help="time what each t-SNE choice buys (10k)")
    ap.add_argument("--full", action="store_true", help="also t-SNE at 100k and UMAP at 100k")
    ap.add_argument("--no-umap", action="store_true")
    ap.add_argument("--stall", action="store_true", help="largest UI stall during a live layout (GUI)")
    ap.add_argument("--only-stall", action="store_true", help="the UI stall alone")
    ap.add_argument("--stall-modes", default=",".join(STALL_MODES),
                    help=f"comma-separated, of {', '.join(STALL_MODES)} (default: both, side by side)")
    ap.add_argument("--stall-repeat", type=int, default=1, help="warm runs of each mode (alternating)")
    ap.add_argument("--umap-sizes", type=lambda v: tuple(int(x) for x in v.split(",")),
                    help="UMAP alone at these sizes (e.g. 20000,100000): cold numba cache, then cached")
    ap.add_argument("--umap-in-process", action="store_true",
                    help="time UMAP in-process (the project command's path) instead of in a child")
    ap.add_argument("--transfer", action="store_true",
                    help="alone: sending 100k x 50 to a child (raw bytes, pickle, shared memory), child start-up")
    args = ap.parse_args(argv)
    print(f"cpus {os.cpu_count()}, load {os.getloadavg()[0]:.1f}")
    methods = ("tsne",) if args.no_umap else ("tsne", "umap")
    modes = tuple(m.strip() for m in args.stall_modes.split(",") if m.strip())
    if args.transfer:
        bench_transfer()
        return 0
    if args.umap_sizes:
        bench_umap(args.umap_sizes, in_child=not args.umap_in_process)
        return 0
    if args.only_stall:
        return 0 if bench_stall(methods, modes, repeat=args.stall_repeat) else 1
    ok = bench_tsne(QUICK_TSNE_SIZES if args.quick else TSNE_SIZES)
    if args.ladder:
        bench_ladder()
    if args.full:
        bench_tsne_full()
    if not args.no_umap:
        bench_umap(QUICK_UMAP_SIZES if args.quick else UMAP_FULL_SIZES if args.full else UMAP_SIZES,
                   in_child=not args.umap_in_process)
    if args.stall:
        ok &= bench_stall(methods, modes, repeat=args.stall_repeat)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
