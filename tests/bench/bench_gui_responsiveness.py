"""Largest UI stall while a file is loaded and projected: our window vs doing it on the UI thread.

A 5 ms QTimer runs throughout; the largest gap between two ticks is the
longest time the user could not interact with the window.

Ours: ``MainWindow.open_file`` (load + PCA on a TaskRunner worker, result
shown with ``ScatterView.set_points``).  Peer: the same ``formats.load`` +
``fit_pca`` + ``set_points`` called on the UI thread, as a simple app would.
Both read their own copy of the same generated file (no cache hits).

Run from the repo root::

    python -m tests.bench.bench_gui_responsiveness [--rows N] [--dims D] [--quick]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

#: Tick interval of the stall probe (ms).
TICK_MS = 5
#: Default problem size, and the --quick one.
DEFAULT_ROWS, DEFAULT_DIMS = 200_000, 100
QUICK_ROWS, QUICK_DIMS = 20_000, 50
#: Alternating runs of each; the best of each is reported.
DEFAULT_REPEAT = 2
#: Seed of the generated vectors.
SEED = 7


def write_file(path: Path, rows: int, dims: int) -> None:
    rng = np.random.default_rng(SEED)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(f"{rows} {dims}\n")
        block = 10_000
        for start in range(0, rows, block):
            X = rng.normal(size=(min(block, rows - start), dims)).astype(np.float32)
            fh.writelines(f"w{start + i} " + " ".join(f"{v:.4f}" for v in row) + "\n"
                          for i, row in enumerate(X))


class StallProbe:
    """Record the largest gap between ticks of a fast QTimer."""

    def __init__(self) -> None:
        from PySide6 import QtCore

        self.timer = QtCore.QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._on_tick)
        self.last = None
        self.max_gap = 0.0

    def start(self) -> None:
        self.last = time.perf_counter()
        self.max_gap = 0.0
        self.timer.start()

    def stop(self) -> float:
        self._on_tick()
        self.timer.stop()
        return self.max_gap

    def _on_tick(self) -> None:
        now = time.perf_counter()
        self.max_gap = max(self.max_gap, now - self.last)
        self.last = now


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=None)
    ap.add_argument("--dims", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=DEFAULT_REPEAT, help="alternating runs (best is shown)")
    ap.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS:,} x {QUICK_DIMS} smoke run")
    args = ap.parse_args(argv)
    rows = args.rows or (QUICK_ROWS if args.quick else DEFAULT_ROWS)
    dims = args.dims or (QUICK_DIMS if args.quick else DEFAULT_DIMS)

    from PySide6 import QtCore, QtWidgets

    from embexplorer._qt.main_window import MainWindow
    from embexplorer.core.formats import load
    from embexplorer.core.pca import fit_pca

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    with tempfile.TemporaryDirectory(prefix="bench-gui-") as tmp:
        os.environ["EMBEXPLORER_CACHE_DIR"] = str(Path(tmp) / "cache")
        src = Path(tmp) / "source.txt"
        print(f"writing {rows:,} x {dims} word2vec text ...", flush=True)
        write_file(src, rows, dims)
        settings = QtCore.QSettings(str(Path(tmp) / "s.ini"), QtCore.QSettings.Format.IniFormat)
        window = MainWindow(settings=settings, interactive=False)
        window.resize(1200, 800)
        window.show()
        for _ in range(5):
            app.processEvents()
        probe = StallProbe()
        loop = QtCore.QEventLoop()
        window.embeddings_changed.connect(lambda _e: loop.quit())
        window.load_failed.connect(lambda err: (print("load failed:", err), loop.quit()))
        ours, peer = [], []  # (stall, total) per run; runs alternate so machine load hits both alike
        during: list[float] = []  # ours: largest stall before the result reached the UI thread

        def on_finished(*_):
            probe._on_tick()
            during.append(probe.max_gap)

        window.runner.task_finished.connect(on_finished)
        for run in range(args.repeat):
            # Each run reads a fresh copy: a first load, never a cache hit.
            peer_path, ours_path = Path(tmp) / f"peer{run}.txt", Path(tmp) / f"ours{run}.txt"
            peer_path.write_bytes(src.read_bytes())
            ours_path.write_bytes(src.read_bytes())

            # Peer: everything on the UI thread.
            probe.start()
            app.processEvents()
            t0 = time.perf_counter()
            emb = load(peer_path)
            pca = fit_pca(emb.vectors, n_components=10)
            window.scatter.set_points(pca.xy(0, 1), emb.labels)
            app.processEvents()
            peer.append((probe.stop(), time.perf_counter() - t0))
            window.scatter.clear()
            del emb, pca

            # Ours: the window's background load.
            probe.start()
            t0 = time.perf_counter()
            window.open_file(ours_path)
            loop.exec()
            app.processEvents()
            ours.append((probe.stop(), time.perf_counter() - t0))
            print(f"run {run + 1}: stall ours {ours[-1][0] * 1e3:.0f} ms / peer {peer[-1][0] * 1e3:.0f} ms",
                  flush=True)
        window.runner.shutdown()
        window.close()
    ours_stall, ours_total = min(s for s, _ in ours), min(t for _, t in ours)
    worker_stall = min(during)
    peer_stall, peer_total = min(s for s, _ in peer), min(t for _, t in peer)

    print(f"\n{rows:,} x {dims}, load + PCA + show, timer tick {TICK_MS} ms, best of {args.repeat}")
    print(f"{'':32s}{'largest UI stall':>18s}{'time to shown':>16s}")
    print(f"{'embexplorer (TaskRunner)':32s}{ours_stall * 1e3:15.1f} ms{ours_total:14.2f} s")
    print(f"{'peer: same calls on UI thread':32s}{peer_stall * 1e3:15.1f} ms{peer_total:14.2f} s")
    print(f"stall ratio peer/ours: {peer_stall / max(ours_stall, 1e-9):.1f}x")
    print(f"ours while the worker ran (before the result was shown): {worker_stall * 1e3:.1f} ms; "
          "the rest is showing the points (ScatterView.set_points + first paint)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
