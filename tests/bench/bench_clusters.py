"""Regions: k-means through the app's path vs scikit-learn's ``KMeans`` alone, side by side.

Data: N x 300 seeded float32 vectors (a low-rank signal plus noise).  The app's path is
:func:`embexplorer.core.analysis.clusters.find_regions` (scikit-learn's ``KMeans`` with the same
seed, plus naming every cluster and building the categorical column); the peer is
``KMeans(10, random_state=seed, n_init="auto").fit(X)``.  Runs alternate (peer, ours, peer, ours)
so machine load hits both alike; the labels must be identical.

With ``--gui`` it also measures the largest UI stall (a 5 ms timer's longest gap, target 100 ms)
while the Regions room clusters the set shown in a real window, while the Compare room compares
it with a perturbed copy (the result shown: columns, movers table, B's plot) and while density
contours are drawn, beside the same window's largest stall when idle; ``--sample`` adds where the
UI thread was during the stalls (its Python stack sampled every 2 ms).

    python -m tests.bench.bench_clusters [--quick] [--rows N] [--repeats R] [--gui [--sample]]
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
    p.add_argument("--gui", action="store_true", help="also the largest UI stall of the rooms, in a window")
    p.add_argument("--sample", action="store_true", help="with --gui: where the UI thread was during stalls")
    args = p.parse_args(argv)
    n = args.rows or (QUICK_ROWS if args.quick else DEFAULT_ROWS)

    from sklearn.cluster import KMeans

    from embexplorer.core.analysis.clusters import find_regions, finite_rows, name_clusters
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
    # The app's own work around scikit-learn's fit, timed alone (the fit's run-to-run noise hides it).
    t = time.perf_counter()
    finite_rows(x)
    name_clusters(emb, regions.labels)
    regions.column()
    extra = time.perf_counter() - t
    ratio = statistics.median(ours_t) / statistics.median(peer_t)
    print(f"k-means, {CLUSTERS} clusters, {n:,} x {DIMS}, {args.repeats} runs each (median)")
    print(f"scikit-learn KMeans alone:           {statistics.median(peer_t):7.2f} s")
    print(f"app's path (cluster + names + column): {statistics.median(ours_t):7.2f} s   "
          f"ratio {ratio:.2f} (target <= {TARGET_RATIO})")
    print(f"  of which the app's own work (finite-row check, names, column), timed alone: {extra:.2f} s "
          f"({extra / statistics.median(peer_t):.1%} of the fit)")
    print(f"labels identical: {same}; names: {regions.names[:3]} ...")
    if args.gui:
        gui_stalls(emb, sample=args.sample)
    return 0 if same else 1


#: The UI-thread sampler: a look at the UI thread's Python stack this often while it has not ticked for
#: longer than STALL_S (where does a stall go: our handlers, pyqtgraph, or Qt painting with no Python).
SAMPLE_S, STALL_S = 0.002, 0.03
#: Frames of a sampled stack kept (innermost first) and places printed.
SAMPLE_DEPTH, SAMPLE_TOP = 3, 12


class UiSampler:
    """While the UI thread stalls, count where its Python stack is (milliseconds per place)."""

    def __init__(self, probe) -> None:
        import threading

        self.probe = probe
        self.main = threading.main_thread().ident
        self.counts: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self.counts = {}
        self._stop.clear()
        self._thread.start()

    def stop(self) -> list[tuple[str, float]]:
        self._stop.set()
        self._thread.join()
        top = sorted(self.counts.items(), key=lambda kv: -kv[1])[:SAMPLE_TOP]
        return [(place, n * SAMPLE_S * 1000) for place, n in top]

    def _run(self) -> None:
        import sys

        woke = time.perf_counter()
        while not self._stop.wait(SAMPLE_S):
            now = time.perf_counter()
            late, woke = now - woke - SAMPLE_S, now
            frames = sys._current_frames()
            if late > STALL_S:
                # This thread could not run for `late` s: no CPU for it (a loaded machine, the workers' and
                # BLAS threads), or another thread held the GIL.  Charge it to where the other threads are.
                others = [_place(f) for ident, f in frames.items()
                          if ident not in (self.main, threading_ident())]
                key = "sampler not run (CPU or GIL); workers at: " + (" | ".join(o for o in others if o) or "-")
                self.counts[key] = self.counts.get(key, 0) + late / SAMPLE_S
            last = self.probe.last
            if last is None or now - last < STALL_S:
                continue
            place = _place(frames.get(self.main))
            key = place or "(in Qt's C++: painting or layout, or waiting for the GIL)"
            self.counts[key] = self.counts.get(key, 0) + 1


def threading_ident() -> int:
    import threading

    return threading.get_ident()


def _place(frame) -> str:
    """The innermost SAMPLE_DEPTH frames of a stack, outside the benchmark's own loops ("" for none)."""
    places = []
    while frame is not None and len(places) < SAMPLE_DEPTH:
        code = frame.f_code
        name = code.co_filename.rsplit("/", 1)[-1]
        if name in ("bench_gui_responsiveness.py", "bench_clusters.py", "threading.py") or name.startswith("<"):
            break
        places.append(f"{name}:{code.co_name}")
        frame = frame.f_back
    return " < ".join(places)


def gui_stalls(emb, sample: bool = False) -> None:
    """Largest UI stall while the Regions room clusters ``emb``, the Compare room compares it, and density
    contours are drawn, beside the idle window's in the same run (``sample``: where the stalls went)."""
    import os
    import tempfile

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import QtCore, QtWidgets

    from embexplorer._qt.shell.main_window import MainWindow
    from embexplorer._qt.workspace import DataSource, first_components
    from embexplorer.core.analysis.pca import fit_pca
    from embexplorer.core.data.embeddings import EmbeddingSet
    from tests.bench.bench_gui_responsiveness import TARGET_MS, StallProbe, settle, wait_signal

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    probe = StallProbe()
    stalls: dict[str, float] = {}
    where: dict[str, list] = {}

    def measure(name: str, start, done_signal, timeout_s: float, idle_s: float = 0.0, kind: str = "") -> None:
        """The largest stall while ``start()``'s task runs, and (split at the moment the worker's result
        reaches the UI thread) while the room shows it."""
        sampler = UiSampler(probe) if sample else None
        split: dict[str, float] = {}

        def on_finished(task_kind: str, _id: int, _status: str) -> None:
            if task_kind == kind and "worker" not in split:
                split["worker"] = probe.stop() * 1000
                probe.start()

        w.runner.task_finished.connect(on_finished)
        probe.start()
        if sampler is not None:
            sampler.start()
        if start is not None:
            start()
            wait_signal(done_signal, timeout_s=timeout_s)
        settle(idle_s or 0.5)
        last = probe.stop() * 1000
        w.runner.task_finished.disconnect(on_finished)
        if "worker" in split:
            stalls[f"{name}: worker running"] = split["worker"]
            stalls[f"{name}: showing the result"] = last
        else:
            stalls[name] = last
        if sampler is not None:
            where[name] = sampler.stop()

    with tempfile.TemporaryDirectory() as tmp:
        settings = QtCore.QSettings(os.path.join(tmp, "s.ini"), QtCore.QSettings.Format.IniFormat)
        w = MainWindow(settings=settings, interactive=False)
        w.resize(1280, 800)
        w.show()
        w.workspace.set_dataset(emb, first_components(fit_pca(emb.vectors, n_components=2)),
                                DataSource("model", "bench", "bench"))
        w.commands.run("explorer.finish_setup")
        settle(1.0)
        while w.runner.running_kinds():  # the set's own background work (faithfulness...) ends first
            settle(0.2)
        measure("idle window", None, None, 0, idle_s=3.0)
        measure("finding regions", lambda: w.commands.run("regions.find", "kmeans", "vectors", CLUSTERS, SEED),
                w.features["regions"].found, 3600, kind="regions")
        rng = np.random.default_rng(SEED)
        b = EmbeddingSet(emb.labels, emb.vectors + 0.2 * rng.standard_normal(emb.vectors.shape, dtype=np.float32))
        measure("comparing", lambda: w.commands.run("compare.with_set", b, "perturbed"),
                w.features["compare"].compared, 36000, kind="compare")
        if hasattr(w.features["regions"], "contours"):  # (absent in versions before the contours)
            measure("density contours", lambda: w.features["regions"].contours_check.setChecked(True),
                    w.features["regions"].contours.drawn, 600, kind="regions.contours")
        w.shutdown_tasks()
        w.close()
        app.processEvents()
    print(f"largest UI stall, {emb.n:,} x {emb.dims} (target <= {TARGET_MS:.0f} ms):")
    for name, ms in stalls.items():
        print(f"  {name:40s} {ms:6.0f} ms")
    for name, places in where.items():
        print(f"  where the UI thread was during stalls > {STALL_S * 1000:.0f} ms while {name}:")
        for place, ms in places:
            print(f"    {ms:6.0f} ms  {place}")


if __name__ == "__main__":
    raise SystemExit(main())
