"""Mixed soak: 1,000 seeded steps of pan, zoom, hover, select, search and panel queries in one window.

One :class:`~embexplorer._qt.shell.main_window.MainWindow` in one process opens a
100,000-point set (generated, seeded: clustered 100-d vectors with
pseudo-word labels, written as ``.npy`` + labels file and opened through
``open_file`` like a user's file), then runs a seeded random walk of steps
driven through real input events where the app takes them from the user:

* pan (a mouse drag on the plot) and zoom (a wheel event),
* hover (a mouse move onto a point: hovered row and tooltip),
* select (a click on a point, or a box over part of the view),
* search (typing a label prefix into the search box, then Enter),
* neighbours (a query in the Neighbours panel),
* analogy (a : b :: c in the Analogy panel, sometimes sent on to Neighbours).

It reports steps done, exceptions raised in slots (they would reach
``sys.excepthook``; none expected), a crash (the process would die: no
report at all) and memory: RSS from ``/proc/self/status`` at start, after
warm-up and at the end, and the growth after warm-up.  The peer column is
the same walk on a plain ``pg.PlotWidget`` + ``ScatterPlotItem`` (pan, zoom
and hover only: it has no panels), run in the same process.

Run from the repo root::

    python -m tests.bench.bench_soak [--quick] [--steps N] [--points N]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

#: Default walk length and set size, and the --quick ones.
DEFAULT_STEPS, DEFAULT_POINTS = 1000, 100_000
QUICK_STEPS, QUICK_POINTS = 150, 20_000
#: Dimensions and clusters of the generated set.
DIMS, CLUSTERS = 100, 40
#: Steps before the "after warm-up" RSS reading (caches, indexes and pools fill up first).
WARMUP_SHARE = 0.1
#: Relative weights of the step kinds in the walk.
STEP_WEIGHTS = {"pan": 3, "zoom": 2, "hover": 3, "select": 2, "search": 1, "neighbours": 2, "analogy": 1}
#: Window size (pixels).
WINDOW_SIZE = (1200, 800)
#: Seed of the data and of the walk.
SEED = 20261201
#: Milliseconds to wait for the set to load and project.
LOAD_TIMEOUT_MS = 120_000
#: Mouse-move events per drag, and the pause between them: pyqtgraph drops moves that come
#: sooner than 1 / ``mouseRateLimit`` (100 per second by default) after the last one, as a
#: hand-moved mouse never does.
DRAG_MOVES, MOVE_INTERVAL_S = 4, 0.011
_LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))


def rss_bytes() -> int | None:
    """Resident set size of this process (``VmRSS`` in ``/proc/self/status``), None off Linux."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def make_set(n: int, dims: int = DIMS, seed: int = SEED) -> tuple[list[str], np.ndarray]:
    """``n`` unique pseudo-word labels and clustered float32 vectors (seeded)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(CLUSTERS, dims)).astype(np.float32)
    which = rng.integers(0, CLUSTERS, size=n)
    vectors = centres[which] + rng.normal(size=(n, dims)).astype(np.float32)
    lengths = rng.integers(3, 9, size=n)
    letters = _LETTERS[rng.integers(0, 26, size=(n, 8))]
    labels, seen = [], set()
    for i in range(n):
        word = "".join(letters[i, :lengths[i]])
        if word in seen:
            word = f"{word}{i}"
        seen.add(word)
        labels.append(word)
    return labels, np.ascontiguousarray(vectors)


def write_set(folder: Path, n: int) -> Path:
    """Write the generated set as ``soak.npy`` + ``soak.labels.txt``; returns the .npy path."""
    labels, vectors = make_set(n)
    path = folder / "soak.npy"
    np.save(path, vectors)
    (folder / "soak.labels.txt").write_text("".join(lab + "\n" for lab in labels), encoding="utf-8")
    return path


# -- input events ----------------------------------------------------------------------------------------

def _send_mouse(widget, etype, pos, button=None, buttons=None) -> None:
    from PySide6 import QtCore, QtGui, QtWidgets

    none = QtCore.Qt.MouseButton.NoButton
    p = QtCore.QPointF(float(pos[0]), float(pos[1]))
    ev = QtGui.QMouseEvent(etype, p, widget.mapToGlobal(p), button or none, buttons or none,
                           QtCore.Qt.KeyboardModifier.NoModifier)
    QtWidgets.QApplication.sendEvent(widget, ev)


def mouse_move(widget, pos) -> None:
    from PySide6 import QtCore

    _send_mouse(widget, QtCore.QEvent.Type.MouseMove, pos)


def mouse_click(widget, pos) -> None:
    from PySide6 import QtCore

    left = QtCore.Qt.MouseButton.LeftButton
    mouse_move(widget, pos)
    _send_mouse(widget, QtCore.QEvent.Type.MouseButtonPress, pos, left, left)
    _send_mouse(widget, QtCore.QEvent.Type.MouseButtonRelease, pos, left, None)


def mouse_drag(widget, start, end) -> None:
    from PySide6 import QtCore

    left = QtCore.Qt.MouseButton.LeftButton
    start, end = np.asarray(start, float), np.asarray(end, float)
    mouse_move(widget, start)
    _send_mouse(widget, QtCore.QEvent.Type.MouseButtonPress, start, left, left)
    for t in np.linspace(0, 1, DRAG_MOVES + 1)[1:]:
        _pause()
        _send_mouse(widget, QtCore.QEvent.Type.MouseMove, start + t * (end - start), None, left)
    _pause()
    _send_mouse(widget, QtCore.QEvent.Type.MouseButtonRelease, end, left, None)


def _pause() -> None:
    from PySide6 import QtWidgets

    t_end = time.perf_counter() + MOVE_INTERVAL_S
    while time.perf_counter() < t_end:
        QtWidgets.QApplication.processEvents()
        time.sleep(0.001)


def wheel(widget, pos, clicks: int) -> None:
    from PySide6 import QtCore, QtGui, QtWidgets

    p = QtCore.QPointF(float(pos[0]), float(pos[1]))
    ev = QtGui.QWheelEvent(p, widget.mapToGlobal(p), QtCore.QPoint(0, 0), QtCore.QPoint(0, 120 * clicks),
                           QtCore.Qt.MouseButton.NoButton, QtCore.Qt.KeyboardModifier.NoModifier,
                           QtCore.Qt.ScrollPhase.NoScrollPhase, False)
    QtWidgets.QApplication.sendEvent(widget, ev)


def point_pixels(scatter, rows: np.ndarray) -> np.ndarray:
    """Viewport pixel positions of ``rows`` (from the view transform)."""
    scatter.view_box.updateMatrix()
    tr = scatter.view_box.childGroup.sceneTransform() * scatter.plot_widget.viewportTransform()
    x, y = scatter.xy[rows, 0].astype(float), scatter.xy[rows, 1].astype(float)
    return np.column_stack([tr.m11() * x + tr.m21() * y + tr.m31(), tr.m12() * x + tr.m22() * y + tr.m32()])


def rows_in_view(scatter, rng: np.random.Generator, want: int = 64) -> np.ndarray:
    """Up to ``want`` random rows whose points are inside the viewport (with a margin)."""
    vp = scatter.plot_widget.viewport()
    w, h = vp.width(), vp.height()
    cand = rng.choice(scatter.n, size=min(scatter.n, 4096), replace=False)
    pix = point_pixels(scatter, cand)
    ok = (pix[:, 0] > 0.1 * w) & (pix[:, 0] < 0.9 * w) & (pix[:, 1] > 0.1 * h) & (pix[:, 1] < 0.9 * h)
    return cand[ok][:want]


# -- the walk --------------------------------------------------------------------------------------------

class Soak:
    """A seeded random walk of user steps on one window; counts what each step achieved."""

    def __init__(self, window, seed: int = SEED) -> None:
        self.window = window
        self.rng = np.random.default_rng(seed)
        kinds = list(STEP_WEIGHTS)
        weights = np.array([STEP_WEIGHTS[k] for k in kinds], float)
        self.kinds, self.p = kinds, weights / weights.sum()
        self.done = {k: 0 for k in kinds}
        self.effective = {k: 0 for k in kinds}  # steps whose effect was seen (moved, hit, found, ...)
        self.max_step_s = 0.0
        self.slowest = {k: 0.0 for k in kinds}  # seconds of the slowest step of each kind

    def step(self) -> str:
        kind = str(self.rng.choice(self.kinds, p=self.p))
        t0 = time.perf_counter()
        if getattr(self, f"_{kind}")():
            self.effective[kind] += 1
        from PySide6 import QtWidgets

        QtWidgets.QApplication.processEvents()
        took = time.perf_counter() - t0
        self.max_step_s = max(self.max_step_s, took)
        self.slowest[kind] = max(self.slowest[kind], took)
        self.done[kind] += 1
        return kind

    @property
    def scatter(self):
        return self.window.features["explorer"].scatter

    def _viewport(self):
        return self.scatter.plot_widget.viewport()

    def _centre_reset_if_lost(self) -> None:
        # A long walk can drift off the points; a user would press "fit" too.
        if len(rows_in_view(self.scatter, self.rng, 8)) < 4:
            self.scatter.zoom_to_fit()

    def _pan(self) -> bool:
        self.window.features["explorer"].widget.pan_action.trigger()
        vp = self._viewport()
        before = np.array(self.scatter.view_box.viewRange())
        start = np.array([vp.width(), vp.height()]) * self.rng.uniform(0.3, 0.7, size=2)
        end = start + self.rng.uniform(-120, 120, size=2)
        mouse_drag(vp, start, end)
        moved = not np.allclose(before, self.scatter.view_box.viewRange())
        self._centre_reset_if_lost()
        return moved

    def _zoom(self) -> bool:
        vp = self._viewport()
        before = np.array(self.scatter.view_box.viewRange())
        width = before[0, 1] - before[0, 0]
        # Zoom in more often than out, but never past a sensible range either way.
        clicks = int(self.rng.choice([1, 1, 2, -1, -2]))
        full = np.ptp(self.scatter.xy[:, 0])
        if width < 0.01 * full:
            clicks = -2
        elif width > 2 * full:
            clicks = 2
        pos = np.array([vp.width(), vp.height()]) * self.rng.uniform(0.3, 0.7, size=2)
        wheel(vp, pos, clicks)
        changed = not np.allclose(before, self.scatter.view_box.viewRange())
        self._centre_reset_if_lost()
        return changed

    def _hover(self) -> bool:
        rows = rows_in_view(self.scatter, self.rng, 1)
        if not len(rows):
            self.scatter.zoom_to_fit()
            return False
        pos = point_pixels(self.scatter, rows)[0]
        mouse_move(self._viewport(), pos)
        return self.scatter.hovered_row >= 0 and bool(self.scatter.tooltip_text)

    def _select(self) -> bool:
        sel = self.window.workspace.selection
        if self.rng.random() < 0.5:
            rows = rows_in_view(self.scatter, self.rng, 1)
            if not len(rows):
                return False
            mouse_click(self._viewport(), point_pixels(self.scatter, rows)[0])
            return sel.count == 1
        (x0, x1), (y0, y1) = self.scatter.view_box.viewRange()
        fx, fy = np.sort(self.rng.uniform(0, 1, size=2)), np.sort(self.rng.uniform(0, 1, size=2))
        bx0, bx1 = x0 + fx[0] * (x1 - x0), x0 + fx[1] * (x1 - x0)
        by0, by1 = y0 + fy[0] * (y1 - y0), y0 + fy[1] * (y1 - y0)
        self.scatter.select_rect(bx0, by0, bx1, by1)
        x, y = self.scatter.xy[:, 0], self.scatter.xy[:, 1]
        inside = int(((x >= bx0) & (x <= bx1) & (y >= by0) & (y <= by1)).sum())
        return sel.count == inside

    def _search(self) -> bool:
        from PySide6 import QtCore
        from PySide6.QtTest import QTest

        emb = self.window.workspace.dataset
        row = int(self.rng.integers(emb.n))
        label = emb.labels[row]
        box = self.window.features["explorer"].widget.search
        box.edit.clear()
        QTest.keyClicks(box.edit, label)
        QTest.keyClick(box.edit, QtCore.Qt.Key.Key_Return)
        return self.scatter.focus_row == row

    def _neighbours(self) -> bool:
        panel = self.window.features["neighbours"].panel
        emb = self.window.workspace.dataset
        row = int(self.rng.integers(emb.n))
        if self.rng.random() < 0.5:
            panel.query_row(row)
        else:
            panel.query_label(emb.labels[row])
        return bool(panel.results) and panel.current_row == row

    def _analogy(self) -> bool:
        panel = self.window.features["analogy"].panel
        emb = self.window.workspace.dataset
        a, b, c = (emb.labels[int(r)] for r in self.rng.choice(emb.n, size=3, replace=False))
        ok = panel.solve(a, b, c)
        if ok and self.rng.random() < 0.3:
            panel.show_button.click()  # c + (b - a) on to the Neighbours panel
        return ok and bool(panel.results)


def quiet_offscreen_warnings() -> None:
    """Drop the offscreen platform's "This plugin does not support ..." warnings (noise here)."""
    from PySide6 import QtCore

    previous = None

    def handler(mode, context, message):
        if "This plugin does not support" in message:
            return
        if previous is not None:
            previous(mode, context, message)
        else:
            sys.stderr.write(message + "\n")

    previous = QtCore.qInstallMessageHandler(handler)


def open_window(path: Path, settings_path: Path):
    """A shown MainWindow with ``path`` loaded (waits for load + PCA + deferred set-up)."""
    from PySide6 import QtCore, QtWidgets

    from embexplorer._qt.shell.main_window import MainWindow

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    settings = QtCore.QSettings(str(settings_path), QtCore.QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, interactive=False)
    window.resize(*WINDOW_SIZE)
    window.show()
    loop = QtCore.QEventLoop()
    errors: list = []
    window.workspace.dataset_changed.connect(lambda _e: loop.quit())
    window.features["loading"].load_failed.connect(lambda err: (errors.append(err), loop.quit()))
    QtCore.QTimer.singleShot(LOAD_TIMEOUT_MS, loop.quit)
    window.commands.run("loading.open_file", path)
    loop.exec()
    if errors or window.workspace.dataset is None:
        raise RuntimeError(f"soak set did not load: {errors}")
    for dock in ("neighbours", "analogy"):
        window.show_dock(dock)
    t_end = time.perf_counter() + 1.0  # the explorer sets up table and search in later slices
    while time.perf_counter() < t_end:
        app.processEvents()
    return window


class HookCounter:
    """Count exceptions that reach ``sys.excepthook`` (errors in slots) while installed."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self._old = None

    def __enter__(self):
        self._old = sys.excepthook

        def hook(tp, value, tb):
            self.errors.append(f"{tp.__name__}: {value}")
            sys.__excepthook__(tp, value, tb)

        sys.excepthook = hook
        return self

    def __exit__(self, *exc) -> None:
        sys.excepthook = self._old


def run_soak(window, steps: int, seed: int = SEED, on_progress=None) -> dict:
    """Run ``steps`` walk steps on ``window``; returns counts, exceptions and RSS readings (bytes)."""
    soak = Soak(window, seed)
    warmup = max(1, int(steps * WARMUP_SHARE))
    result = {"rss_start": rss_bytes(), "rss_warm": None}
    t0 = time.perf_counter()
    with HookCounter() as hooks:
        for i in range(steps):
            soak.step()
            if i + 1 == warmup:
                result["rss_warm"] = rss_bytes()
            if on_progress is not None and (i + 1) % 100 == 0:
                on_progress(i + 1, rss_bytes())
    result.update(steps=sum(soak.done.values()), done=soak.done, effective=soak.effective,
                  exceptions=hooks.errors, seconds=time.perf_counter() - t0, rss_end=rss_bytes(),
                  max_step_s=soak.max_step_s, slowest=soak.slowest)
    return result


def peer_soak(xy: np.ndarray, steps: int, seed: int = SEED) -> dict:
    """The pan/zoom/hover part of the walk on a plain pyqtgraph PlotWidget (the peer)."""
    import pyqtgraph as pg
    from PySide6 import QtWidgets

    app = QtWidgets.QApplication.instance()
    widget = pg.PlotWidget()
    widget.resize(*WINDOW_SIZE)
    item = pg.ScatterPlotItem(x=xy[:, 0], y=xy[:, 1], size=4, pen=None, brush=pg.mkBrush(30, 120, 180, 150),
                              hoverable=True)
    widget.addItem(item)
    widget.show()
    vp = widget.viewport()
    rng = np.random.default_rng(seed)
    rss0 = rss_bytes()
    t0 = time.perf_counter()
    for _ in range(steps):
        kind = rng.choice(["pan", "zoom", "hover"], p=[0.375, 0.25, 0.375])
        pos = np.array([vp.width(), vp.height()]) * rng.uniform(0.3, 0.7, size=2)
        if kind == "pan":
            mouse_drag(vp, pos, pos + rng.uniform(-120, 120, size=2))
        elif kind == "zoom":
            wheel(vp, pos, int(rng.choice([1, 1, 2, -1, -2])))
        else:
            mouse_move(vp, pos)
        app.processEvents()
    out = {"steps": steps, "seconds": time.perf_counter() - t0, "rss_start": rss0, "rss_end": rss_bytes()}
    widget.close()
    widget.deleteLater()
    app.processEvents()
    return out


def _mb(n: int | None) -> str:
    return "n/a" if n is None else f"{n / 1024 ** 2:,.1f} MB"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--points", type=int, default=None)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--no-peer", action="store_true", help="skip the plain-pyqtgraph walk")
    ap.add_argument("--quick", action="store_true", help=f"{QUICK_STEPS} steps on {QUICK_POINTS:,} points")
    args = ap.parse_args(argv)
    steps = args.steps or (QUICK_STEPS if args.quick else DEFAULT_STEPS)
    points = args.points or (QUICK_POINTS if args.quick else DEFAULT_POINTS)

    import pyqtgraph as pg
    import PySide6
    from PySide6 import QtWidgets

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    quiet_offscreen_warnings()
    print(f"Python {platform.python_version()}, PySide6 {PySide6.__version__}, pyqtgraph {pg.__version__}, "
          f"numpy {np.__version__}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
        os.environ["EMBEXPLORER_CACHE_DIR"] = str(Path(tmp) / "cache")
        rss_before = rss_bytes()
        path = write_set(Path(tmp), points)
        window = open_window(path, Path(tmp) / "s.ini")
        print(f"loaded {points:,} x {DIMS}; RSS {_mb(rss_bytes())} (before the set: {_mb(rss_before)})",
              flush=True)
        res = run_soak(window, steps, args.seed,
                       on_progress=lambda i, rss: print(f"  step {i:5d}  RSS {_mb(rss)}", flush=True))
        peer = None if args.no_peer else peer_soak(window.features["explorer"].scatter.xy.copy(), steps, args.seed)
        ok = window.shutdown_tasks()
        window.close()
        app.processEvents()
    growth = (res["rss_end"] - res["rss_warm"]) if res["rss_end"] and res["rss_warm"] else None
    print(f"\nmixed soak: {points:,} points, {steps} steps (seed {args.seed}), one window, one process")
    print(f"steps done            {res['steps']} in {res['seconds']:.1f} s "
          f"({res['seconds'] / max(res['steps'], 1) * 1e3:.1f} ms/step, "
          f"slowest {res['max_step_s'] * 1e3:.0f} ms)")
    print("per kind (done/seen)  " + ", ".join(f"{k} {res['done'][k]}/{res['effective'][k]}"
                                               for k in res["done"]))
    print("slowest step per kind " + ", ".join(f"{k} {v * 1e3:.0f} ms" for k, v in res["slowest"].items()))
    print(f"crashes               0 (the process is still alive); exceptions in slots: "
          f"{len(res['exceptions'])}" + (f" first: {res['exceptions'][0]}" if res["exceptions"] else ""))
    print(f"RSS start / warm-up / end: {_mb(res['rss_start'])} / {_mb(res['rss_warm'])} / "
          f"{_mb(res['rss_end'])}")
    print(f"RSS growth after warm-up: {_mb(growth)} "
          f"({growth / max(res['steps'], 1) / 1024:.1f} KB/step)" if growth is not None else "")
    if peer is not None:
        pg_growth = (peer["rss_end"] - peer["rss_start"]) if peer["rss_end"] and peer["rss_start"] else None
        print(f"peer: plain pg.PlotWidget pan/zoom/hover, {peer['steps']} steps in {peer['seconds']:.1f} s "
              f"({peer['seconds'] / peer['steps'] * 1e3:.1f} ms/step), RSS growth {_mb(pg_growth)}")
    print(f"shutdown_tasks: {ok}")
    return 0 if not res["exceptions"] and ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
