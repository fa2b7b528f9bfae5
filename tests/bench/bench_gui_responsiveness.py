"""Largest UI stall per task kind: our window vs doing the same work on the UI thread.

A 5 ms QTimer runs throughout; the largest gap between two ticks is the
longest time the user could not interact with the window.  Target: no gap
over 100 ms (:data:`TARGET_MS`) while any of these runs in our window:

``load``
    Open a generated ``--rows`` x ``--dims`` word2vec text file: load + PCA on
    a TaskRunner worker, result shown (``MainWindow.open_file``).  Peer: the
    same ``formats.load`` + ``fit_pca`` + ``ScatterView.set_points`` on the UI
    thread.  Each run reads a fresh copy (no cache hits).
``movielens``
    Read ml-100k (the ``recommender.open_ratings`` command).  Peer: ``load_movielens`` on the UI thread.
``mf``
    Train the recommender on ml-100k split u1 from the Recommender dock
    (``training_panel.start()``: live movie frames every epoch, then the
    trained movies and the User panel).  Peer: ``split_ratings`` + ``mf.train``
    + ``Workspace.set_dataset`` of the result on the UI thread.
``w2v``
    The word2vec demo on gensim's bundled Lee + Wikipedia sample
    (``w2v_panel.start_demo_wiki()``: per-epoch loss, analogy accuracy and word
    frames, then PCA of the result).  Peer: ``train_word2vec_run`` with the same
    settings and analogy file + ``Workspace.set_dataset`` on the UI thread.
``analogy``
    Evaluate gensim's ``questions-words.txt`` on the real GloVe 50-d top-5k file
    from the Analogy panel (``evaluate_file``).  Peer: ``evaluate_analogies``
    with the panel's settings on the UI thread.

Python's garbage collector runs on the UI thread only, as in the app
(``app._collect_garbage_on_ui_thread``): its pauses count as stalls (a full
collection of the ~120k objects after startup takes 50-100 ms; ``--gc-freeze``
shows the effect of freezing them).  The word2vec peer imports gensim before
ours runs, so the first demo's gensim import is not part of this figure.

Each measurement runs from the moment the task is started until its result
is on screen plus :data:`SETTLE_S` (follow-up event-loop slices included).
Peer and ours alternate ``--repeat`` times per task; the best and the worst
of ours are shown (other processes on the machine add noise to single runs).

Run from the repo root::

    python -m tests.bench.bench_gui_responsiveness [--quick] [--tasks load,mf,w2v,analogy]
        [--rows N] [--dims D] [--epochs E] [--repeat R] [--gc-freeze]
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
#: The goal: no gap between ticks longer than this (ms).
TARGET_MS = 100
#: Default problem size of the load task, and the --quick one.
DEFAULT_ROWS, DEFAULT_DIMS = 200_000, 100
QUICK_ROWS, QUICK_DIMS = 20_000, 50
#: Alternating runs of the load task; the best of each is reported.
DEFAULT_REPEAT = 2
#: Recommender epochs (the dock's default is 5), and in --quick.
DEFAULT_MF_EPOCHS, QUICK_MF_EPOCHS = 5, 2
#: Seconds the probe keeps running after a result was shown (delayed follow-up slices).
SETTLE_S = 0.4
#: Longest wait for one task (s).
TASK_TIMEOUT_S = 600
#: Seed of the generated vectors.
SEED = 7
#: Every task kind, in the order run.
TASKS = ("load", "movielens", "mf", "w2v", "analogy")
#: Real data (never copied into the project).
SHARED_DATA = Path(os.environ.get("EMBEXPLORER_SHARED_DATA",
                                  Path(__file__).resolve().parents[3] / "shared" / "data"))


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


def wait_signal(signal, fail_signals=(), timeout_s: float = TASK_TIMEOUT_S):
    """Run the event loop until ``signal`` fires; returns its arguments (raises on a fail signal)."""
    from PySide6 import QtCore

    loop = QtCore.QEventLoop()
    got: dict = {}

    def ok(*args):
        got["args"] = args
        loop.quit()

    def fail(*args):
        got["fail"] = args
        loop.quit()

    signal.connect(ok)
    for s in fail_signals:
        s.connect(fail)
    QtCore.QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    signal.disconnect(ok)
    for s in fail_signals:
        s.disconnect(fail)
    if "fail" in got:
        raise RuntimeError(f"task failed: {got['fail']}")
    if "args" not in got:
        raise TimeoutError("task did not finish in time")
    return got["args"]


def settle(seconds: float = SETTLE_S) -> None:
    """Keep the event loop running (the probe ticking) for ``seconds``."""
    from PySide6 import QtWidgets

    t_end = time.perf_counter() + seconds
    while time.perf_counter() < t_end:
        QtWidgets.QApplication.processEvents()
        time.sleep(0.001)


def show_peer_set(window, emb, pca, title: str) -> None:
    """The peer's result on the window's plot, as a finished model's set is shown (on the UI thread)."""
    from embexplorer._qt.workspace import DataSource
    from embexplorer.core.view.projection import PCAProjection

    window.workspace.set_dataset(emb, PCAProjection(pca), DataSource("model", title, "bench"))


class Bench:
    """One window and one probe; each ``task_*`` returns
    (ours best gap, ours worst gap, ours s, peer best gap, peer s, note)."""

    def __init__(self, window, tmp: Path, args) -> None:
        self.window, self.tmp, self.args = window, tmp, args
        self.probe = StallProbe()

    def _ours(self, start, done_signal, fail_signals=()) -> tuple[float, float]:
        self.probe.start()
        t0 = time.perf_counter()
        start()
        wait_signal(done_signal, fail_signals)
        seconds = time.perf_counter() - t0
        settle()
        return self.probe.stop(), seconds

    def _both(self, peer_work, ours_start, done_signal, fail_signals=()):
        """Alternate peer and ours ``--repeat`` times: (ours best, ours worst, ours s, peer best, peer s)."""
        ours, peer = [], []
        for _ in range(self.args.repeat):
            peer.append(self._peer(peer_work))
            ours.append(self._ours(ours_start, done_signal, fail_signals))
        return (min(g for g, _ in ours), max(g for g, _ in ours), min(t for _, t in ours),
                min(g for g, _ in peer), min(t for _, t in peer))

    def _peer(self, work) -> tuple[float, float]:
        from PySide6 import QtWidgets

        self.probe.start()
        QtWidgets.QApplication.processEvents()
        t0 = time.perf_counter()
        work()
        seconds = time.perf_counter() - t0
        settle()
        return self.probe.stop(), seconds

    def task_load(self):
        from embexplorer.core.analysis.pca import fit_pca
        from embexplorer.core.data.formats import load

        rows, dims, w = self.args.rows, self.args.dims, self.window
        src = self.tmp / "source.txt"
        print(f"writing {rows:,} x {dims} word2vec text ...", flush=True)
        write_file(src, rows, dims)
        ours, peer = [], []
        for run in range(self.args.repeat):
            peer_path, ours_path = self.tmp / f"peer{run}.txt", self.tmp / f"ours{run}.txt"
            peer_path.write_bytes(src.read_bytes())
            ours_path.write_bytes(src.read_bytes())

            def peer_work(p=peer_path):
                emb = load(p)
                pca = fit_pca(emb.vectors, n_components=10)
                w.features["explorer"].scatter.set_points(pca.xy(0, 1), emb.labels)

            peer.append(self._peer(peer_work))
            w.features["explorer"].scatter.clear()
            ours.append(self._ours(lambda p=ours_path: w.commands.run("loading.open_file", p), w.workspace.dataset_changed, [w.features["loading"].load_failed]))
            print(f"  load run {run + 1}: ours {ours[-1][0] * 1e3:.0f} ms / peer {peer[-1][0] * 1e3:.0f} ms",
                  flush=True)
        return (min(g for g, _ in ours), max(g for g, _ in ours), min(t for _, t in ours),
                min(g for g, _ in peer), min(t for _, t in peer), f"{rows:,} x {dims} text")

    def task_movielens(self):
        from embexplorer.core.recommender.movielens import load_movielens

        w, path = self.window, SHARED_DATA / "ml-100k"
        return (*self._both(lambda: load_movielens(path), lambda: w.commands.run("recommender.open_ratings", path), w.features["recommender"].ratings_loaded,
                            [w.features["recommender"].ratings_failed]), "ml-100k")

    def task_mf(self):
        from embexplorer.core.analysis.pca import fit_pca
        from embexplorer.core.recommender.mf import train
        from embexplorer.core.recommender.movielens import split_ratings

        w = self.window
        if w.features["recommender"].ratings is None:
            w.commands.run("recommender.open_ratings", SHARED_DATA / "ml-100k")
            wait_signal(w.features["recommender"].ratings_loaded, [w.features["recommender"].ratings_failed])
        panel = w.features["recommender"].training_panel
        panel.epochs.setValue(self.args.epochs)
        panel.split.setCurrentText("u1")
        config, data = panel.config(), w.features["recommender"].ratings

        def peer_work():
            split = split_ratings(data, "u1", seed=config.seed)
            model = train(data, config, split.train, split.test)
            emb = model.item_embeddings(1000)
            show_peer_set(w, emb, fit_pca(emb.vectors, n_components=10), "peer MF")

        return (*self._both(peer_work, panel.start, panel.training_finished, [panel.training_failed]),
                f"ml-100k u1, {config.epochs} epochs, {config.n_factors} factors")

    def task_w2v(self):
        from embexplorer.core.analysis.pca import fit_pca
        from embexplorer.core.teaching.demos import (
            analogy_questions_path,
            wiki_demo_settings,
            wiki_sample_corpus,
        )
        from embexplorer.core.word2vec.w2v import train_word2vec_run

        w = self.window
        settings = wiki_demo_settings()

        def peer_work():
            res = train_word2vec_run(wiki_sample_corpus(), settings, analogy_path=analogy_questions_path())
            emb = res.embedding
            show_peer_set(w, emb, fit_pca(emb.vectors, n_components=10), "peer w2v")

        return (*self._both(peer_work, w.features["word2vec"].panel.start_demo_wiki, w.features["word2vec"].trained_shown,
                            [w.features["word2vec"].panel.training_failed]),
                f"wiki demo, {settings.epochs} epochs, analogy accuracy per epoch")

    def task_analogy(self):
        from embexplorer.core.analysis.evaluation import evaluate_analogies
        from embexplorer.core.teaching.demos import analogy_questions_path

        w = self.window
        glove = SHARED_DATA / "glove-6B-50d-top5k" / "glove.6B.50d.top5k.txt"
        questions = analogy_questions_path()
        w.commands.run("loading.open_file", glove)
        wait_signal(w.workspace.dataset_changed, [w.features["loading"].load_failed])
        settle()
        panel = w.features["analogy"].panel
        emb = w.workspace.dataset
        method, restrict = panel.eval_method_combo.currentText(), panel.eval_restrict_spin.value()
        return (*self._both(lambda: evaluate_analogies(emb, questions, restrict=restrict, method=method),
                            lambda: panel.evaluate_file(str(questions)), panel.evaluation_finished),
                f"questions-words.txt on GloVe 5,050 x 50, {method}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=None)
    ap.add_argument("--dims", type=int, default=None)
    ap.add_argument("--epochs", type=int, default=None, help="recommender epochs")
    ap.add_argument("--repeat", type=int, default=DEFAULT_REPEAT,
                    help="alternating load runs (best is shown)")
    ap.add_argument("--tasks", default=",".join(TASKS), help=f"comma-separated subset of {','.join(TASKS)}")
    ap.add_argument("--gc-freeze", action="store_true",
                    help="gc.freeze() once the window is up (a proposal: the app does not do it yet); "
                         "a full collection on the UI thread then skips the ~120k startup objects")
    ap.add_argument("--quick", action="store_true", help=f"load {QUICK_ROWS:,} x {QUICK_DIMS}, "
                                                         f"{QUICK_MF_EPOCHS} MF epochs, one load run")
    args = ap.parse_args(argv)
    args.rows = args.rows or (QUICK_ROWS if args.quick else DEFAULT_ROWS)
    args.dims = args.dims or (QUICK_DIMS if args.quick else DEFAULT_DIMS)
    args.epochs = args.epochs or (QUICK_MF_EPOCHS if args.quick else DEFAULT_MF_EPOCHS)
    if args.quick:
        args.repeat = 1
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    unknown = set(tasks) - set(TASKS)
    if unknown:
        ap.error(f"unknown task(s): {', '.join(sorted(unknown))}")

    from PySide6 import QtCore, QtWidgets

    from embexplorer._qt.app import _collect_garbage_on_ui_thread
    from embexplorer._qt.shell.main_window import MainWindow
    from tests.bench.bench_soak import quiet_offscreen_warnings

    _app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])  # kept alive to the end
    quiet_offscreen_warnings()
    # As the app does: Python's collector runs only on the UI thread (its pauses are measured too).
    # A collection on a training worker could destroy Qt objects there and crash the painting.
    _collect_garbage_on_ui_thread(_app)
    rows_out = []
    with tempfile.TemporaryDirectory(prefix="bench-gui-") as tmp:
        os.environ["EMBEXPLORER_CACHE_DIR"] = str(Path(tmp) / "cache")
        os.environ.setdefault("GENSIM_DATA_DIR", str(Path(tmp) / "gensim-data"))
        settings = QtCore.QSettings(str(Path(tmp) / "s.ini"), QtCore.QSettings.Format.IniFormat)
        window = MainWindow(settings=settings, interactive=False)
        window.resize(1200, 800)
        window.show()
        settle(0.2)
        if args.gc_freeze:
            import gc

            gc.collect()
            gc.freeze()
        bench = Bench(window, Path(tmp), args)
        for task in tasks:
            print(f"{task} ...", flush=True)
            try:
                rows_out.append((task, *getattr(bench, f"task_{task}")()))
            except (RuntimeError, TimeoutError, OSError) as err:
                print(f"  {task} failed: {err}", flush=True)
                rows_out.append((task, *[float("nan")] * 5, str(err)))
        window.shutdown_tasks()
        window.close()

    print(f"\nLargest UI stall (gap between {TICK_MS} ms timer ticks) from start until the result is shown "
          f"+ {SETTLE_S:.1f} s; target < {TARGET_MS} ms")
    print(f"best / worst of {args.repeat} alternating run(s) each; other processes share the cores, so the "
          "worst run shows their noise too")
    print(f"{'task':10s}{'ours best':>11s}{'ours worst':>12s}{'peer (UI thread)':>18s}{'ratio':>8s}"
          f"{'ours s':>9s}{'peer s':>9s}  work")
    best_all = worst_all = 0.0
    for task, og, ow, os_, pg_, ps, note in rows_out:
        if og == og:
            best_all, worst_all = max(best_all, og), max(worst_all, ow)
        ratio = pg_ / og if og and og == og and pg_ == pg_ else float("nan")
        print(f"{task:10s}{og * 1e3:8.0f} ms{ow * 1e3:9.0f} ms{pg_ * 1e3:15.0f} ms{ratio:7.1f}x"
              f"{os_:8.2f} s{ps:8.2f} s  {note}")
    verdict = "met" if best_all * 1e3 <= TARGET_MS else "MISSED"
    print(f"largest stall of ours over all tasks: {best_all * 1e3:.0f} ms in the best run of each task "
          f"(target {TARGET_MS} ms: {verdict}), {worst_all * 1e3:.0f} ms in the worst")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
