"""Scatter explorer speed: ours (numpy raster LOD layer) vs a plain pg.ScatterPlotItem.

Run from the repository root::

    python -m tests.bench.bench_scatter [--quick]

For each size, both are measured in this run, side by side, in a 1200x800
offscreen widget: median repaint after a pan step, the time to set the points,
and the hover lookup (our grid index vs ``ScatterPlotItem.pointsAt``, which is
what ``hoverable=True`` uses). Our repaints come three ways: after a pan step
(the last raster moved by whole pixels: no new raster at the same scale), the
full raster of the view after a pan step (the cached raster dropped first), and
after a zoom step (a new scale: always a full raster); beside them the floor of
any raster, one ``np.bincount`` of every point's pixel. Then the largest
event-loop gap (timer ticks every 5 ms) from handing the largest set to a
ScatterView until its first picture and hover index, and while a 1M x 50 set
is projected (PCA in a worker thread) and its points are set and drawn in the
ExplorerWidget (``--gap-rows``, ``--gap-dims``). The load average is printed at
the start and the end: the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
from PySide6 import QtCore, QtWidgets  # noqa: E402

from embexplorer._qt.widgets.raster_layer import ZOOM_PREVIEW_MIN, ZOOM_SETTLE_MS  # noqa: E402

#: Widget size of the measurements.
WIDTH, HEIGHT = 1200, 800
#: Sizes measured (points).
SIZES = (10_000, 100_000, 400_000, 1_000_000)
QUICK_SIZES = (10_000, 100_000)
#: Points of the "size by a column" measurement (uniform vs size classes).
SIZE_BY_POINTS = 400_000
#: Pan steps per measurement (median reported).
PAN_STEPS = 9
QUICK_PAN_STEPS = 3
#: Zoom factor of a zoom step (in, then out by more, so the view wanders through new scales).
ZOOM_STEP = 0.97
#: Hover lookups per measurement.
HOVER_QUERIES = 200
#: Event-loop probe interval (ms).
TICK_MS = 5
SEED = 0
N_CLUSTERS = 12


def make_points(n: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """A clustered 2-D cloud (like a PCA of word vectors) and a cluster code per point."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, (N_CLUSTERS, 2))
    spread = rng.uniform(0.4, 1.3, N_CLUSTERS)
    codes = rng.integers(0, N_CLUSTERS, n)
    xy = centres[codes] + rng.standard_normal((n, 2)) * spread[codes, None]
    return xy.astype(np.float32), codes.astype(np.int32)


def _pan_repaints(widget: pg.PlotWidget, vb: pg.ViewBox, steps: int) -> list[float]:
    app = QtWidgets.QApplication.instance()
    app.processEvents()
    widget.viewport().repaint()  # warm-up
    (x0, x1), _ = vb.viewRange()
    dx = (x1 - x0) * 0.01
    times = []
    for i in range(steps):
        vb.translateBy(x=dx if i % 2 == 0 else -dx * 0.7)
        t = time.perf_counter()
        widget.viewport().repaint()
        times.append(time.perf_counter() - t)
    return times


def _zoom_repaints(widget: pg.PlotWidget, vb: pg.ViewBox, layer, steps: int) -> tuple[list[float], list[float]]:
    """Repaints after a zoom step about the view centre (in and out by turns: every step a new scale), and
    the full raster of that view (the cached raster dropped: what follows once the zoom settles)."""
    times, full = [], []
    for i in range(steps):
        f = ZOOM_STEP if i % 2 == 0 else 1 / ZOOM_STEP ** 1.5
        vb.scaleBy((f, f))
        vb.sigRangeChangedManually.emit(vb.state["mouseEnabled"])  # as the wheel does: a user's zoom
        t = time.perf_counter()
        widget.viewport().repaint()
        times.append(time.perf_counter() - t)
        layer.force_mode(None)  # drops the cached raster (the mode stays automatic)
        t = time.perf_counter()
        widget.viewport().repaint()
        full.append(time.perf_counter() - t)
    return times, full


def _fresh_repaints(widget: pg.PlotWidget, vb: pg.ViewBox, layer, steps: int,
                    cpu: list | None = None) -> list[float]:
    """Repaints after a pan step with the raster drawn anew (the full, final picture of a new view);
    the UI thread's CPU time of each goes to ``cpu``."""
    (x0, x1), _ = vb.viewRange()
    dx = (x1 - x0) * 0.01
    times = []
    for i in range(steps):
        vb.translateBy(x=dx if i % 2 == 0 else -dx * 0.7)
        layer.force_mode(None)  # drops the cached raster (the mode stays automatic)
        t, c = time.perf_counter(), time.thread_time()
        widget.viewport().repaint()
        times.append(time.perf_counter() - t)
        if cpu is not None:
            cpu.append(time.thread_time() - c)
    return times


def splat_floor(xy: np.ndarray, repeats: int = 5) -> tuple[float, float]:
    """The floor of one raster: a single ``np.bincount`` of every point's pixel (computed beforehand);
    median wall and CPU time."""
    x, y = xy[:, 0], xy[:, 1]
    ix = ((x - x.min()) * np.float32((WIDTH - 1) / np.ptp(x))).astype(np.intp)
    lin = ((y - y.min()) * np.float32((HEIGHT - 1) / np.ptp(y))).astype(np.intp) * WIDTH + ix
    times, cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.thread_time()
        np.bincount(lin, minlength=WIDTH * HEIGHT)
        times.append(time.perf_counter() - t)
        cpu.append(time.thread_time() - c)
    return statistics.median(times), statistics.median(cpu)


def bench_ours(xy, codes, steps) -> dict:
    from embexplorer._qt.widgets.scatter import PICK_RADIUS_PX, ScatterView
    from embexplorer.core.data.embeddings import MetadataColumn
    from embexplorer.core.view import splat

    labels = [f"w{i}" for i in range(len(xy))]
    view = ScatterView()
    view.resize(WIDTH, HEIGHT)
    view.show()
    QtWidgets.QApplication.processEvents()
    t = time.perf_counter()
    view.set_points(xy, labels)
    t_set = time.perf_counter() - t
    view.wait_for_index()
    t_index = time.perf_counter() - t  # hover index ready (built in a thread above 200k points)
    view.base_layer.wait_spatial()
    t_order = time.perf_counter() - t  # the raster's spatial order (sorted in a thread for big sets)
    col = MetadataColumn("cluster", "categorical", codes=codes,
                         categories=[f"c{i}" for i in range(N_CLUSTERS)])
    t = time.perf_counter()
    view.set_color_by(col)
    t_color = time.perf_counter() - t
    layer = view.base_layer
    renders = layer.render_count
    pans = _pan_repaints(view.plot_widget, view.view_box, steps)
    pan_renders = layer.render_count - renders - 1  # the first (warm-up) paint renders
    mode = layer.last_mode
    view.base_layer.wait_spatial()  # set_color_by re-ordered the points: sorted again in the background
    fresh_cpu: list[float] = []
    fresh = _fresh_repaints(view.plot_widget, view.view_box, layer, steps, fresh_cpu)
    threads = splat.SPLIT_THREADS
    splat.SPLIT_THREADS = 3 - threads  # the same with the other thread count
    fresh_other = _fresh_repaints(view.plot_widget, view.view_box, layer, steps)
    splat.SPLIT_THREADS = threads
    layer.setVisible(False)  # the floor of any repaint: the same view without the points
    bare = _pan_repaints(view.plot_widget, view.view_box, steps)
    layer.setVisible(True)
    zooms, zoom_full = _zoom_repaints(view.plot_widget, view.view_box, layer, steps)
    zoom_mode = layer.last_mode
    view.zoom_to_fit()
    view.wait_for_index()
    rng = np.random.default_rng(1)
    (x0, x1), (y0, y1) = view.view_box.viewRange()
    hov = []
    for _ in range(HOVER_QUERIES):
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        t = time.perf_counter()
        view.row_at(x, y, PICK_RADIUS_PX)
        hov.append(time.perf_counter() - t)
    view.close()
    view.deleteLater()
    return dict(set=t_set, index=t_index, color=t_color, pan=statistics.median(pans), mode=mode,
                pan_renders=pan_renders, fresh=statistics.median(fresh), fresh_max=max(fresh),
                fresh_other=statistics.median(fresh_other), threads=threads, order=t_order,
                fresh_cpu=statistics.median(fresh_cpu),
                bare=statistics.median(bare),
                zoom=statistics.median(zooms), zoom_max=max(zooms), zoom_mode=zoom_mode,
                zoom_full=statistics.median(zoom_full), zoom_full_max=max(zoom_full),
                hover=statistics.median(hov), hover_max=max(hov))


def bench_peer(xy, steps, hover_queries) -> dict:
    w = pg.PlotWidget()
    w.resize(WIDTH, HEIGHT)
    w.show()
    item = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(31, 119, 180), pxMode=True, useCache=True)
    w.addItem(item)
    QtWidgets.QApplication.processEvents()
    t = time.perf_counter()
    item.setData(x=xy[:, 0], y=xy[:, 1])
    t_set = time.perf_counter() - t
    w.getViewBox().autoRange(padding=0.05)
    pans = _pan_repaints(w, w.getViewBox(), steps)
    rng = np.random.default_rng(1)
    (x0, x1), (y0, y1) = w.getViewBox().viewRange()
    hov = []
    for _ in range(hover_queries):
        p = QtCore.QPointF(rng.uniform(x0, x1), rng.uniform(y0, y1))
        t = time.perf_counter()
        item.pointsAt(p)
        hov.append(time.perf_counter() - t)
    w.close()
    w.deleteLater()
    return dict(set=t_set, pan=statistics.median(pans), hover=statistics.median(hov))


def bench_size_by(xy, codes, steps) -> dict:
    """Median repaint after a pan: uniform points vs points sized by a long-tailed column (same view)."""
    from embexplorer._qt.widgets.scatter import ScatterView
    from embexplorer.core.data.embeddings import MetadataColumn

    view = ScatterView()
    view.resize(WIDTH, HEIGHT)
    view.show()
    QtWidgets.QApplication.processEvents()
    view.set_points(xy, [f"w{i}" for i in range(len(xy))])
    view.set_color_by(MetadataColumn("cluster", "categorical", codes=codes,
                                     categories=[f"c{i}" for i in range(N_CLUSTERS)]))
    uniform = statistics.median(_pan_repaints(view.plot_widget, view.view_box, steps))
    mode = view.base_layer.last_mode
    counts = np.random.default_rng(SEED).lognormal(2.0, 1.5, len(xy))  # like ratings per item
    t = time.perf_counter()
    view.set_size_by(counts)
    t_classes = time.perf_counter() - t
    sized = statistics.median(_pan_repaints(view.plot_widget, view.view_box, steps))
    sized_mode = view.base_layer.last_mode
    view.set_size_by(None)
    again = statistics.median(_pan_repaints(view.plot_widget, view.view_box, steps))
    view.close()
    view.deleteLater()
    return dict(uniform=uniform, sized=sized, again=again, classes=t_classes, mode=mode,
                sized_mode=sized_mode)


def event_loop_gap(n: int, dims: int = 50) -> dict:
    """Largest gap between 5 ms timer ticks while n x dims vectors are projected and shown.

    The points go into the full :class:`ExplorerWidget` (scatter, colour by a
    categorical column with its legend, linked table, search index), as in the app.
    """
    from embexplorer._qt.widgets.explorer import ExplorerWidget
    from embexplorer.core.analysis.pca import fit_pca
    from embexplorer.core.data.embeddings import EmbeddingSet, MetadataColumn

    rng = np.random.default_rng(SEED)
    codes = rng.integers(0, N_CLUSTERS, n).astype(np.int32)
    vectors = (rng.standard_normal((n, dims), dtype=np.float32)
               + rng.standard_normal((N_CLUSTERS, dims), dtype=np.float32)[codes])
    labels = [f"w{i}" for i in range(n)]
    meta = {"cluster": MetadataColumn("cluster", "categorical", codes=codes,
                                      categories=[f"c{i}" for i in range(N_CLUSTERS)])}
    emb = EmbeddingSet(labels, vectors, meta)
    app = QtWidgets.QApplication.instance()
    view = ExplorerWidget()
    view.resize(WIDTH + 300, HEIGHT)
    view.show()
    app.processEvents()
    ticks: list[float] = []
    result: dict = {}
    state = {"shown": None, "done": False}

    def worker():
        t = time.perf_counter()
        result["pca"] = fit_pca(emb.vectors, n_components=2)
        result["pca_s"] = time.perf_counter() - t

    def on_tick():
        ticks.append(time.perf_counter())
        if "pca" in result and state["shown"] is None:
            state["shown"] = time.perf_counter()
            pca = result["pca"]
            view.set_data(emb, pca.xy(0, 1), pca.axis_label(0), pca.axis_label(1))
        elif state["shown"] is not None and time.perf_counter() - state["shown"] > 0.5:
            state["done"] = True

    timer = QtCore.QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(on_tick)
    timer.start()
    th = threading.Thread(target=worker, daemon=True)
    t0 = time.perf_counter()
    th.start()
    while not state["done"] and time.perf_counter() - t0 < 120:
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)
    timer.stop()
    th.join()
    t_arr = np.asarray(ticks)
    gaps = np.diff(t_arr) if len(t_arr) > 1 else np.array([0.0])
    # Split: gaps that end before the points were handed over (projection running in
    # its thread) and gaps from then on (set_data, first paints, deferred set-up: ours).
    shown = state["shown"] or np.inf
    ends = t_arr[1:]
    during = gaps[ends <= shown]
    after = gaps[ends > shown]
    view.close()
    view.deleteLater()
    return dict(max_gap=float(gaps.max()), ticks=len(ticks), pca=result.get("pca_s", float("nan")),
                during=float(during.max()) if len(during) else 0.0,
                after=float(after.max()) if len(after) else 0.0)


def make_labels(n: int, seed: int = SEED) -> list[str]:
    """``n`` unique word-like labels (random letters, lengths 2-11)."""
    rng = np.random.default_rng(seed)
    letters = np.array(list("etaoinshrdlcumwfgypbvkjxqz"))
    p = np.linspace(2, 0.2, len(letters))
    p /= p.sum()
    out: dict[str, None] = {}
    while len(out) < n:
        for length in rng.integers(2, 12, n):
            out.setdefault("".join(rng.choice(letters, length, p=p)), None)
            if len(out) == n:
                break
    return list(out)


def bench_search(n: int) -> dict:
    """Completion per keystroke: our LabelIndex vs QCompleter over a QStringListModel of all labels."""
    from embexplorer._qt.widgets.search import LabelIndex

    labels = make_labels(n)
    prefixes = ["t", "th", "the", "a", "an", "q", "zx", "e", "es", "est"]
    t = time.perf_counter()
    index = LabelIndex(labels)
    ours_build = time.perf_counter() - t
    ours = []
    for p in prefixes:
        t = time.perf_counter()
        index.complete(p)
        ours.append(time.perf_counter() - t)
    t = time.perf_counter()
    model = QtCore.QStringListModel(labels)
    completer = QtWidgets.QCompleter(model)
    completer.setCaseSensitivity(QtCore.Qt.CaseSensitivity.CaseInsensitive)
    peer_build = time.perf_counter() - t
    peer = []
    for p in prefixes:
        t = time.perf_counter()
        completer.setCompletionPrefix(p)
        completer.completionCount()
        peer.append(time.perf_counter() - t)
    return dict(build=ours_build, key=statistics.median(ours), key_max=max(ours),
                peer_build=peer_build, peer_key=statistics.median(peer), peer_key_max=max(peer))


def _sizes(text: str) -> tuple[int, ...]:
    """``"400000,1000000"`` -> (400000, 1000000) (argparse type of ``--sizes``)."""
    try:
        sizes = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of whole numbers: {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"sizes must be positive: {text!r}")
    return sizes


def _load() -> str:
    """The 1, 5 and 15 minute load averages (what ``uptime`` prints)."""
    try:
        return ", ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def first_picture_gap(n: int) -> dict:
    """Largest gap between 5 ms timer ticks from handing ``n`` points to a :class:`ScatterView` until
    the picture is coloured, the hover index and the raster's spatial order are built, and what each
    step cost on the UI thread.

    As in the app (``ExplorerWidget.set_data`` for big sets), the points are set in one event-loop
    slice and coloured by a categorical column in a later one.
    """
    from embexplorer._qt.widgets.explorer import DEFER_SETUP_MS
    from embexplorer._qt.widgets.scatter import ScatterView
    from embexplorer.core.data.embeddings import MetadataColumn

    xy, codes = make_points(n)
    labels = [f"w{i}" for i in range(n)]
    col = MetadataColumn("cluster", "categorical", codes=codes, categories=[f"c{i}" for i in range(N_CLUSTERS)])
    app = QtWidgets.QApplication.instance()
    view = ScatterView()
    view.resize(WIDTH, HEIGHT)
    view.show()
    app.processEvents()
    ticks: list[float] = []
    steps: dict[str, float] = {}
    timer = QtCore.QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    for _ in range(10):  # ticks running before the points arrive
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.002)
    layer = view.base_layer

    def color():
        t = time.perf_counter()
        view.set_color_by(col)
        steps["colour"] = time.perf_counter() - t

    t0 = time.perf_counter()
    c0 = time.thread_time()
    ticks.append(t0)
    view.set_points(xy, labels)
    steps["set points"] = time.perf_counter() - t0
    slices = [(time.perf_counter() - t0, time.thread_time() - c0)]  # (wall, UI-thread CPU) of each slice
    QtCore.QTimer.singleShot(DEFER_SETUP_MS, color)
    first = None
    while time.perf_counter() - t0 < 60:
        w1, c1 = time.perf_counter(), time.thread_time()
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)
        slices.append((time.perf_counter() - w1, time.thread_time() - c1))
        if first is None and layer.render_count > 0:
            first = time.perf_counter() - t0
        if ("colour" in steps and view.wait_for_index(0) and layer.wait_spatial(0)
                and time.perf_counter() - t0 > first + 0.3):
            break
    done = time.perf_counter() - t0
    timer.stop()
    t = np.asarray([v for v in ticks if v >= t0])
    view.close()
    view.deleteLater()
    gaps = np.diff(t) if len(t) > 1 else np.array([0.0])
    worst = max(slices)
    top_cpu = sorted((c for _, c in slices), reverse=True)[:4]
    return dict(max_gap=float(gaps.max()), first=first if first is not None else float("nan"), ticks=len(t),
                done=done, steps=steps, worst_wall=worst[0], worst_cpu=worst[1],
                max_cpu=max(c for _, c in slices), top_cpu=top_cpu)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, few repeats (smoke run)")
    ap.add_argument("--sizes", type=_sizes, metavar="N[,N...]",
                    help=f"point counts of the main table (default {','.join(map(str, SIZES))}; "
                         f"with --quick {','.join(map(str, QUICK_SIZES))}), e.g. --quick --sizes 400000")
    ap.add_argument("--gap-rows", type=int, metavar="N",
                    help="rows of the event-loop measurement in the ExplorerWidget (default 1,000,000; "
                         "with --quick 100,000)")
    ap.add_argument("--gap-dims", type=int, default=50, metavar="D", help="their dimensions (default 50)")
    args = ap.parse_args(argv)
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    sizes = args.sizes or (QUICK_SIZES if args.quick else SIZES)
    steps = QUICK_PAN_STEPS if args.quick else PAN_STEPS
    print(f"scatter bench, {WIDTH}x{HEIGHT} offscreen, pyqtgraph {pg.__version__}, {os.cpu_count()} CPUs, "
          f"load average {_load()}")
    print(f"{'points':>9} | {'repaint after pan (ms)':^32} | {'set points (ms)':^24} | "
          f"{'hover lookup (ms)':^30}")
    print(f"{'':>9} | {'ours':>8} {'plain':>8} {'ratio':>6} {'mode':>7} | {'ours':>7} {'plain':>8} "
          f"{'ratio':>6} {'[index]':>7} | {'ours':>6} {'max':>6} {'plain':>8} {'ratio':>6}")
    print("(set points 'ours' returns to the event loop; the hover index is then ready after the"
          " time in brackets, built off the UI thread for big sets)")
    for n in sizes:
        xy, codes = make_points(n)
        ours = bench_ours(xy, codes, steps)
        peer = bench_peer(xy, steps, hover_queries=5 if n >= 400_000 else 20)
        app.processEvents()
        o, p = ours, peer
        print(f"{n:>9,} | {o['pan'] * 1e3:8.1f} {p['pan'] * 1e3:8.1f} {p['pan'] / o['pan']:5.1f}x "
              f"{o['mode']:>7} | {o['set'] * 1e3:7.1f} {p['set'] * 1e3:8.1f} "
              f"{p['set'] / o['set']:5.1f}x [{o['index'] * 1e3:5.1f}] | {o['hover'] * 1e3:6.3f} "
              f"{o['hover_max'] * 1e3:6.3f} "
              f"{p['hover'] * 1e3:8.2f} {p['hover'] / o['hover']:5.0f}x", flush=True)
        floor, floor_cpu = splat_floor(xy)
        print(f"{'':>9}   ours: pan steps re-rasterised {o['pan_renders']} of {steps} (a pan moves the last "
              f"raster); full raster after a pan {o['fresh'] * 1e3:.1f} ms (max {o['fresh_max'] * 1e3:.1f}; "
              f"UI-thread CPU {o['fresh_cpu'] * 1e3:.1f} ms, the floor's {floor_cpu * 1e3:.1f} ms: "
              f"{o['fresh_cpu'] / max(floor_cpu, 1e-9):.1f}x); "
              f"after a zoom step {o['zoom'] * 1e3:.1f} ms (max {o['zoom_max'] * 1e3:.1f}; from "
              f"{ZOOM_PREVIEW_MIN:,} points the last raster scaled, the exact one {ZOOM_SETTLE_MS} ms after the "
              f"last step), full raster at the new scale {o['zoom_full'] * 1e3:.1f} ms (max "
              f"{o['zoom_full_max'] * 1e3:.1f}, {o['zoom_mode']}); "
              f"floor: one np.bincount of {n:,} pixels {floor * 1e3:.1f} ms "
              f"(full raster / floor {o['fresh'] / floor:.1f}x); the full raster on {o['threads']} thread(s) "
              f"(this machine's default), on {3 - o['threads']}: {o['fresh_other'] * 1e3:.1f} ms; repaint of "
              f"the same view without the points {o['bare'] * 1e3:.1f} ms; colour by a column "
              f"{o['color'] * 1e3:.1f} ms; spatial order ready {o['order'] * 1e3:.0f} ms after set points",
              flush=True)
    n_first = max(sizes)
    fp = first_picture_gap(n_first)
    print(f"open to first picture, {n_first:,} points (ScatterView; set points, then in the next slice "
          f"coloured by a column): first picture after {fp['first'] * 1e3:.0f} ms; largest gap between "
          f"{TICK_MS} ms ticks {fp['max_gap'] * 1e3:.1f} ms until coloured, hover index and spatial order "
          f"ready ({fp['done']:.2f} s, {fp['ticks']} ticks); on the UI thread: "
          + ", ".join(f"{k} {v * 1e3:.0f} ms" for k, v in fp["steps"].items())
          + f"; the longest slice {fp['worst_wall'] * 1e3:.0f} ms wall used {fp['worst_cpu'] * 1e3:.0f} ms of "
          f"UI-thread CPU (the largest UI-thread CPU times of a slice: "
          f"{', '.join(f'{c * 1e3:.0f}' for c in fp['top_cpu'])} ms; the rest of a long slice is waiting "
          f"for a core)", flush=True)
    n_size = QUICK_SIZES[-1] if args.quick else SIZE_BY_POINTS
    xy, codes = make_points(n_size)
    sb = bench_size_by(xy, codes, steps)
    print(f"size by a column at {n_size:,} points ({sb['sized_mode']}): repaint after pan "
          f"{sb['sized'] * 1e3:.1f} ms with size classes vs {sb['uniform'] * 1e3:.1f} ms uniform "
          f"({sb['mode']}; {sb['again'] * 1e3:.1f} ms after set_size_by(None)), ratio "
          f"{sb['sized'] / sb['uniform']:.2f}x; set_size_by {sb['classes'] * 1e3:.1f} ms", flush=True)
    n_search = 40_000 if args.quick else 400_000
    s = bench_search(n_search)
    print(f"search completion over {n_search:,} labels: per keystroke ours {s['key'] * 1e3:.2f} ms "
          f"(max {s['key_max'] * 1e3:.2f}) vs QCompleter {s['peer_key'] * 1e3:.2f} ms "
          f"(max {s['peer_key_max'] * 1e3:.2f}), ratio {s['peer_key'] / s['key']:.0f}x; "
          f"index build ours {s['build']:.2f} s (background thread) vs model {s['peer_build']:.2f} s")
    gap_n = args.gap_rows or (100_000 if args.quick else 1_000_000)
    g = event_loop_gap(gap_n, args.gap_dims)
    print(f"event loop while {gap_n:,} x {args.gap_dims} vectors are projected (PCA in a thread, {g['pca']:.2f} s) "
          f"and shown in the ExplorerWidget: largest gap between {TICK_MS} ms ticks = "
          f"{g['max_gap'] * 1e3:.1f} ms ({g['ticks']} ticks; while projecting {g['during'] * 1e3:.1f} ms, "
          f"from set_data on {g['after'] * 1e3:.1f} ms)")
    print(f"load average at the end: {_load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
