"""Density contours at a million points: the app's whole computation against numpy's plain 2-D histogram.

Data: N seeded 2-D points (a mixture of 12 Gaussian clusters of different sizes and spreads plus 5 %
uniform background: a t-SNE-like layout).  Ours is :func:`embexplorer.core.view.density.contours`
(range, histogram by ``bincount``, separable Gaussian smoothing, named levels, marching squares for three
levels, the upsampled band image) plus the RGBA image the room hands to the plot; the floor is
``np.histogram2d`` alone on the same grid (no smoothing, no contours).  Runs alternate (floor, ours) so
load hits both alike; medians are printed side by side.  With ``--gui`` it also times the UI thread's
share (building the plot items from a finished result) in a real window.

    python -m tests.bench.bench_density [--quick] [--rows N] [--repeats R] [--gui]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

DEFAULT_ROWS = 1_000_000
QUICK_ROWS = 200_000
DEFAULT_REPEATS = 5
CLUSTERS = 12
SEED = 7
#: The UI thread's budget per event-loop slice (the app's responsiveness target).
UI_TARGET_MS = 100.0


def make_layout(n: int, seed: int = SEED) -> np.ndarray:
    """A t-SNE-like layout: clusters of different sizes and spreads over a thin uniform background."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-40, 40, (CLUSTERS, 2))
    spread = rng.uniform(1.0, 5.0, CLUSTERS)
    share = rng.dirichlet(np.full(CLUSTERS, 2.0))
    n_bg = n // 20
    which = rng.choice(CLUSTERS, n - n_bg, p=share)
    xy = centres[which] + rng.standard_normal((n - n_bg, 2)) * spread[which, None]
    xy = np.vstack([xy, rng.uniform(-60, 60, (n_bg, 2))])
    return xy.astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS:,} rows")
    p.add_argument("--rows", type=int)
    p.add_argument("--repeats", type=int, default=DEFAULT_REPEATS)
    p.add_argument("--gui", action="store_true", help="also the UI thread's share, in a window")
    args = p.parse_args(argv)
    n = args.rows or (QUICK_ROWS if args.quick else DEFAULT_ROWS)

    from embexplorer._qt.widgets.density_items import SLATE, rgba_bands
    from embexplorer.core.view.density import GRID, contours

    xy = make_layout(n)
    floor_t, ours_t = [], []
    for _ in range(args.repeats):
        t = time.perf_counter()
        np.histogram2d(xy[:, 0], xy[:, 1], bins=GRID)
        floor_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        c = contours(xy)
        rgba_bands(c.bands, SLATE["light"])
        ours_t.append(time.perf_counter() - t)
    ours, floor = statistics.median(ours_t) * 1000, statistics.median(floor_t) * 1000
    print(f"density contours, {n:,} points, {GRID} x {GRID} grid, {args.repeats} runs each (median)")
    print(f"numpy histogram2d alone (floor):              {floor:7.1f} ms")
    print(f"ours (histogram, smoothing, 3 levels, image):  {ours:7.1f} ms   ratio {ours / floor:.2f}")
    print(f"segments per level: {[len(s) for s in c.segments]}; points counted {c.n:,} of {n:,}")
    if args.gui:
        gui_share(xy)
    return 0


def gui_share(xy: np.ndarray) -> None:
    """The UI thread's share in a real window: the result handler's time (median of 5 redraws) and the
    largest UI stall while the contours are computed and drawn, beside the idle window's in the same run."""
    import os
    import tempfile

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import QtCore, QtWidgets

    from embexplorer._qt.shell.main_window import MainWindow
    from embexplorer._qt.workspace import DataSource
    from embexplorer.core.data.embeddings import EmbeddingSet
    from embexplorer.core.view.projection import Projection
    from tests.bench.bench_gui_responsiveness import StallProbe, settle, wait_signal

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        settings = QtCore.QSettings(os.path.join(tmp, "s.ini"), QtCore.QSettings.Format.IniFormat)
        w = MainWindow(settings=settings, interactive=False)
        w.resize(1280, 800)
        w.show()
        n = len(xy)
        emb = EmbeddingSet([f"p{i}" for i in range(n)], np.zeros((n, 2), np.float32))
        w.workspace.set_dataset(emb, Projection(xy, ("x", "y")), DataSource("model", "bench", "bench"))
        w.commands.run("explorer.finish_setup")
        settle(1.0)
        probe = StallProbe()
        probe.start()
        settle(2.0)
        idle_ms = probe.stop() * 1000
        contours = w.features["regions"].contours
        ui_ms = []
        probe.start()
        w.features["regions"].contours_check.setChecked(True)
        wait_signal(contours.drawn)
        ui_ms.append(contours.ui_ms)
        for _ in range(4):
            settle(0.2)
            contours.refresh()
            wait_signal(contours.drawn)
            ui_ms.append(contours.ui_ms)
        settle(0.3)
        stall_ms = probe.stop() * 1000
        w.shutdown_tasks()
        w.close()
        app.processEvents()
    print(f"UI thread, {n:,} points: the result handler {statistics.median(ui_ms):.1f} ms (median of 5); "
          f"largest UI stall while drawing contours {stall_ms:.0f} ms, idle window {idle_ms:.0f} ms "
          f"(target <= {UI_TARGET_MS:.0f} ms)")


if __name__ == "__main__":
    raise SystemExit(main())
